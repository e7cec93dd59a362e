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
use keycard_core::{Outcome, ParseError, Parsed};

/// Voucherify's secret key. This and the three below are the secrets the targets' operations
/// send: [`check`] asserts none is ever printed, `make-seeds.py` and `keycard.dict` echo them.
pub const SECRET_KEY: &str = "fuzz-secret";
/// Exact Payments' API key.
pub const API_KEY: &str = "fuzz-key";
/// A user's password (Exact Payments' login).
pub const PASSWORD: &str = "fuzz-password";
/// The access token introspected or revoked.
pub const TOKEN: &str = "fuzz-token";

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

/// The most characters of one server text an error's `Display` prints (core's `preview.rs`).
const PREVIEW_CHARS: usize = 200;
/// The most items of one list an error's `Display` prints (core's `preview.rs`).
const LIST_ITEMS: usize = 10;
/// The most digits of a `usize` (a length, a count, a line or a column).
const DIGITS: usize = 20;
/// One previewed text: 200 chars of at most 4 bytes, then `… (N chars)` (3 + 2 + 20 + 7 bytes).
const PREVIEW: usize = PREVIEW_CHARS * 4 + 3 + 2 + DIGITS + 7;
/// The end of a cut list: `; … and M more`.
const LIST_TAIL: usize = 2 + 3 + 5 + DIGITS + 5;
/// `HTTP 511 Network Authentication Required: `, the longest prefix an `ApiError` adds.
const API_ERROR_PREFIX: usize = "HTTP 511 Network Authentication Required: ".len();
/// The longest error `Display` the previews allow, over every error type of core:
///
/// - `ValidationError` (the longest): `invalid request`, then 10 issues, each `; ` + a
///   previewed path + `: ` + a previewed message, then the list's tail: 16 730 bytes;
/// - `OrderError`: message + ` (` + code + `)` + 10 previewed details + tail: 10 042 bytes;
/// - voucherify `Error`, the text errors of Exact Payments: one or two previews and a word;
/// - `ParseError`: a previewed path and message, two numbers and a few words (1 754 bytes), or a
///   fixed sentence;
/// - `ApiError`: its typed error after [`API_ERROR_PREFIX`], or a previewed content type.
const WORST_DISPLAY: usize = API_ERROR_PREFIX
    + "invalid request".len()
    + LIST_ITEMS * (2 + PREVIEW + 2 + PREVIEW)
    + LIST_TAIL;

/// The most bytes any error's `Display` may print, whatever the response (16 772 by the
/// derivation of [`WORST_DISPLAY`], rounded up): a log line, not a copy of the body.
pub const MAX_DISPLAY_BYTES: usize = 17 * 1024;
const _: () = assert!(WORST_DISPLAY <= MAX_DISPLAY_BYTES);

/// Asserts `text`, something keycard printed, holds none of `secrets`. The message never shows
/// the text (it may hold one).
pub fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked in {what}");
    }
}

/// Asserts an error's `Display` holds no secret and is within [`MAX_DISPLAY_BYTES`].
fn assert_display(what: &str, shown: &str, secrets: &[&str]) {
    assert_no_secret(what, shown, secrets);
    assert!(
        shown.len() <= MAX_DISPLAY_BYTES,
        "{what} is {} bytes, over the bound",
        shown.len()
    );
}

/// The checks every operation's parse result must pass, whatever the input:
///
/// - the raw response is kept whole, in the outcome and in the error;
/// - `Debug` and `Display` run (they have their own code: previews, elision) and never show
///   any of `secrets`, the secrets the operation sent, however the response echoes them;
/// - every error's `Display` is at most [`MAX_DISPLAY_BYTES`].
///
/// The raw body itself is not output: it is kept byte-exact on purpose.
pub fn check<T: std::fmt::Debug, E: std::fmt::Debug + std::fmt::Display>(
    result: Result<Outcome<T, E>, ParseError>,
    body: &[u8],
    secrets: &[&str],
) {
    match result {
        Ok(outcome) => {
            assert_eq!(outcome.raw().body(), body, "the raw body is kept");
            assert_no_secret("Debug of the outcome", &format!("{outcome:?}"), secrets);
            if let Parsed::Error(error) = outcome.parsed() {
                assert_display("Display of the typed error", &error.to_string(), secrets);
                assert_no_secret("Debug of the typed error", &format!("{error:?}"), secrets);
            }
            let status = outcome.status();
            let kept = outcome.raw().clone();
            if let Err(api_error) = outcome.into_result() {
                assert_eq!(api_error.status(), status);
                assert_display("Display of the ApiError", &api_error.to_string(), secrets);
                assert_no_secret("Debug of the ApiError", &format!("{api_error:?}"), secrets);
                assert_eq!(api_error.raw.body(), kept.body());
            }
        }
        Err(error) => {
            assert_eq!(error.raw.body(), body, "the raw body is kept in the error");
            assert_display("Display of the ParseError", &error.to_string(), secrets);
            assert_no_secret("Debug of the ParseError", &format!("{error:?}"), secrets);
        }
    }
}

/// Like [`check`], but gives back the typed body for target-specific checks.
pub fn checked<T: std::fmt::Debug + Clone, E: std::fmt::Debug + std::fmt::Display + Clone>(
    result: Result<Outcome<T, E>, ParseError>,
    body: &[u8],
    secrets: &[&str],
) -> Option<Parsed<T, E>> {
    let typed = result.as_ref().ok().map(|outcome| outcome.parsed().clone());
    check(result, body, secrets);
    typed
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
