//! Shared pieces of the fuzz targets: turning fuzzer bytes into an HTTP response, and the checks
//! every parser's result must pass.
//!
//! # The input format of the response targets
//!
//! ```text
//! [status: u16 BE][content type: u8][header block length: u8][header block][body...]
//! ```
//!
//! - `status`: used as is when it is 100..=999, otherwise one of [`STATUSES`] (by remainder).
//! - `content type`: an index into [`CONTENT_TYPES`]; past its end, no content type is set by
//!   the selector (the header block may still set one).
//! - `header block`: lines `name:value` separated by `\n`; a line that is not a valid header
//!   is skipped. This is how the fuzzer sends `Retry-After`, `X-Total-Count`, a second
//!   `Content-Type`, ….
//! - `body`: everything after the header block.
//!
//! Inputs shorter than four bytes are ignored. `seed` encodes a response into this format (the
//! seed corpora are made with it, from the test fixtures).

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use keycard_core::{ParseError, Outcome, Parsed};

/// Statuses picked when the two status bytes are not a valid code.
pub const STATUSES: &[u16] = &[
    200, 201, 204, 302, 400, 401, 403, 404, 423, 429, 500, 502, 503, 504,
];

/// Content types picked by the selector byte.
pub const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "text/plain; charset=utf-8",
    "text/html",
    " APPLICATION/JSON ; charset=UTF-8",
    "application/problem+json",
    "application/json;",
];

/// The selector byte for "no content type".
pub const NO_CONTENT_TYPE: u8 = 0xff;

/// A response decoded from fuzzer bytes, and its body (to check it is kept).
pub struct Input {
    /// The response to parse.
    pub response: http::Response<Vec<u8>>,
    /// A copy of its body.
    pub body: Vec<u8>,
}

/// Decodes the input format (see the crate docs). `None` for inputs too short to hold a header.
pub fn response(data: &[u8]) -> Option<Input> {
    let [s0, s1, ct, header_len, rest @ ..] = data else {
        return None;
    };
    let raw = u16::from_be_bytes([*s0, *s1]);
    let code = if (100..=999).contains(&raw) {
        raw
    } else {
        STATUSES[usize::from(raw) % STATUSES.len()]
    };
    let status = http::StatusCode::from_u16(code).ok()?;
    let header_len = usize::from(*header_len).min(rest.len());
    let (block, body) = rest.split_at(header_len);

    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = CONTENT_TYPES.get(usize::from(*ct)) {
        builder = builder.header(CONTENT_TYPE, *content_type);
    }
    for line in block.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        else {
            continue;
        };
        builder = builder.header(name, value);
    }
    let response = builder.body(body.to_vec()).ok()?;
    Some(Input {
        response,
        body: body.to_vec(),
    })
}

/// Encodes a response in the input format: `content_type` is an index into [`CONTENT_TYPES`]
/// or [`NO_CONTENT_TYPE`]; `headers` are `(name, value)` pairs.
pub fn seed(status: u16, content_type: u8, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut block = Vec::new();
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            block.push(b'\n');
        }
        block.extend_from_slice(name.as_bytes());
        block.push(b':');
        block.extend_from_slice(value.as_bytes());
    }
    assert!(block.len() <= 255, "header block too long for a seed");
    let mut out = status.to_be_bytes().to_vec();
    out.push(content_type);
    out.push(block.len() as u8);
    out.extend_from_slice(&block);
    out.extend_from_slice(body);
    out
}

/// The checks every operation's parse result must pass, whatever the input:
///
/// - the raw response is kept whole, in the outcome and in the error;
/// - `Debug` and `Display` run (they have their own code: previews, elision) and never show
///   the body when it is longer than a preview could be;
/// - a success or error model is only ever typed from a response with a body the model reads.
pub fn check<T: std::fmt::Debug, E: std::fmt::Debug + std::fmt::Display>(
    result: Result<Outcome<T, E>, ParseError>,
    body: &[u8],
) -> Option<Outcome<T, E>> {
    match result {
        Ok(outcome) => {
            assert_eq!(outcome.raw().body(), body, "the raw body is kept");
            let _ = format!("{outcome:?}");
            if let Parsed::Error(error) = outcome.parsed() {
                let _ = error.to_string();
            }
            let status = outcome.status();
            let kept = outcome.raw().clone();
            match outcome.into_result() {
                Ok(_) => None,
                Err(api_error) => {
                    assert_eq!(api_error.status(), status);
                    let _ = api_error.to_string();
                    let _ = format!("{api_error:?}");
                    assert_eq!(api_error.raw.body(), kept.body());
                    None
                }
            }
        }
        Err(error) => {
            assert_eq!(error.raw.body(), body, "the raw body is kept in the error");
            let _ = error.to_string();
            let _ = format!("{error:?}");
            None
        }
    }
}

/// Like [`check`], but gives back the outcome for target-specific checks.
pub fn checked<T: std::fmt::Debug + Clone, E: std::fmt::Debug + std::fmt::Display + Clone>(
    result: Result<Outcome<T, E>, ParseError>,
    body: &[u8],
) -> Option<Parsed<T, E>> {
    match result {
        Ok(outcome) => {
            let typed = outcome.parsed().clone();
            check(Ok(outcome), body);
            Some(typed)
        }
        Err(error) => {
            check::<T, E>(Err(error), body);
            None
        }
    }
}

/// Asserts a token parsed from a response can go in a header as is, and after `Bearer `.
pub fn assert_header_safe(token: &keycard_core::AccessToken) {
    let secret = token.expose_secret();
    assert!(!secret.is_empty(), "an empty token was accepted");
    assert!(
        HeaderValue::from_str(secret).is_ok(),
        "a token that cannot be a header value was accepted"
    );
    assert!(
        secret.bytes().all(|b| b.is_ascii_graphic()),
        "a token with spaces or control characters was accepted"
    );
    assert!(HeaderValue::from_str(&format!("Bearer {secret}")).is_ok());
}
