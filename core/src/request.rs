//! Small pieces shared by every operation's request builder and parser.

use crate::error::{BuildError, FieldProblem, ParseError, ParseErrorKind};
use crate::redact::{Scrub, Secrets};
use crate::response::RawResponse;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

/// A header value from caller input: non-empty ASCII, no control characters. `sensitive` marks
/// it so HTTP/2 encoders never index it and `Debug` hides it.
///
/// Non-ASCII is refused too: `HeaderValue` would take the UTF-8 bytes as opaque `obs-text`, which
/// servers read as Latin-1 and `HeaderValue::to_str` refuses to give back.
pub(crate) fn header_value(
    name: &'static str,
    value: &str,
    sensitive: bool,
) -> Result<HeaderValue, BuildError> {
    if value.is_empty() || !value.is_ascii() || value.bytes().any(|b| b.is_ascii_control()) {
        return Err(BuildError::InvalidHeaderValue { name });
    }
    let mut header =
        HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeaderValue { name })?;
    header.set_sensitive(sensitive);
    Ok(header)
}

/// Whether a token could be sent in a header as is: non-empty visible ASCII, no spaces, at most
/// [`MAX_TOKEN_LEN`](crate::limits::MAX_TOKEN_LEN) bytes.
pub(crate) fn is_header_safe_token(token: &str) -> bool {
    token_problem(token).is_none()
}

/// What keeps a token from being sent in a header, if anything.
fn token_problem(token: &str) -> Option<FieldProblem> {
    if token.len() > crate::limits::MAX_TOKEN_LEN {
        // Checked first: the length is known without reading the token.
        Some(FieldProblem::TooLong {
            limit: crate::limits::MAX_TOKEN_LEN,
        })
    } else if token.is_empty() || !is_visible_ascii(token.as_bytes()) {
        Some(FieldProblem::NotHeaderSafe)
    } else {
        None
    }
}

/// Whether every byte is visible ASCII (`!` to `~`), eight bytes at a time: tokens are checked
/// on every parse and every load from a store.
fn is_visible_ascii(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of a byte's lane is set iff that byte is below 0x21 or above 0x7e (a borrow or
    // carry only spreads from a byte that is itself flagged).
    let outside = |w: u64| ((w.wrapping_sub(ONES * 0x21) & !w) | w.wrapping_add(ONES) | w) & HIGH;
    let mut chunks = b.chunks_exact(8);
    let mut bad = 0;
    for chunk in &mut chunks {
        // Eight bytes always convert; were it not so, the chunk would count as outside.
        bad |= outside(chunk.try_into().map_or(HIGH, u64::from_le_bytes));
    }
    for &byte in chunks.remainder() {
        bad |= u64::from(!byte.is_ascii_graphic());
    }
    bad == 0
}

/// A token from a response, checked so it can be sent back in a header later.
pub(crate) fn token_field(
    field: &'static str,
    token: &str,
) -> Result<crate::AccessToken, ParseErrorKind> {
    match token_problem(token) {
        None => Ok(crate::AccessToken::new(token)),
        Some(problem) => Err(ParseErrorKind::InvalidField { field, problem }),
    }
}

/// Everything a request needs, prepared once when the operation is built, and the secrets it
/// carries, which [`parse_with`] scrubs out of the response.
///
/// Its `Debug` shows the body's length only: a form or JSON body may carry an access token or a
/// password (sensitive headers already print as `Sensitive`).
#[derive(Clone)]
pub(crate) struct Prepared {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Every secret in the headers or the body: the value of each header marked sensitive, and
    /// what [`secret`](Self::secret) added.
    pub secrets: Secrets,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl Prepared {
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: HeaderMap::new(),
            body: Vec::new(),
            secrets: Secrets::default(),
        }
    }

    /// Sets a header. A value marked sensitive is a secret the response is scrubbed of.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        if value.is_sensitive() {
            self.secrets.add(&String::from_utf8_lossy(value.as_bytes()));
        }
        self.headers.insert(name, value);
        self
    }

    /// Records a secret the body carries (a token to introspect or revoke, a password), so the
    /// response is scrubbed of it.
    pub fn secret(mut self, secret: &str) -> Self {
        self.secrets.add(secret);
        self
    }

    pub fn body(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        self.body = body;
        self
    }

    pub fn to_request(&self) -> http::Request<Vec<u8>> {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// Reads a JSON body into `T`, or a parse error that keeps the response.
pub(crate) fn json_body<'a, T: serde::Deserialize<'a>>(
    raw: &'a RawResponse,
) -> Result<T, ParseErrorKind> {
    crate::json::from_slice(raw.body())
}

/// Wraps a parse failure with the response it came from.
pub(crate) fn fail(kind: ParseErrorKind, raw: RawResponse) -> ParseError {
    ParseError { kind, raw }
}

/// Parses the response to `prepared` with `read`, keeping the raw response in the result or the
/// error. This is where every operation's response is scrubbed: whatever `read` gives, the typed
/// body or the parse error, and what the raw response shows of its headers, has every secret
/// `prepared` sent replaced with [`REDACTED`](crate::REDACTED) before it leaves (see
/// [`crate::redact`]).
pub(crate) fn parse_with<T: Scrub, E: Scrub>(
    prepared: &Prepared,
    response: http::Response<Vec<u8>>,
    read: impl FnOnce(&RawResponse) -> Result<crate::Parsed<T, E>, ParseErrorKind>,
) -> Result<crate::Outcome<T, E>, ParseError> {
    let raw = RawResponse::answering(response, &prepared.secrets);
    match read(&raw) {
        Ok(mut typed) => {
            typed.scrub(&prepared.secrets);
            Ok(crate::Outcome::new(raw, typed))
        }
        Err(mut kind) => {
            kind.scrub(&prepared.secrets);
            Err(fail(kind, raw))
        }
    }
}

/// Runs `read` only if the body has the documented media type; otherwise the response is untyped.
pub(crate) fn with_media_type<T, E>(
    raw: &RawResponse,
    expected: &'static str,
    read: impl FnOnce(&RawResponse) -> Result<crate::Parsed<T, E>, ParseErrorKind>,
) -> Result<crate::Parsed<T, E>, ParseErrorKind> {
    if raw.has_plain_media_type(expected) {
        read(raw)
    } else {
        Ok(crate::Parsed::Unrecognized(
            crate::Unrecognized::UnexpectedContentType { expected },
        ))
    }
}

/// The JSON media type.
pub(crate) const JSON: &str = "application/json";
/// The form media type.
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
/// The plain-text media type.
pub(crate) const TEXT: &str = "text/plain";

#[cfg(test)]
mod tests {
    #[test]
    fn visible_ascii_is_what_a_header_accepts() {
        for byte in 0..=255u8 {
            for len in [1, 7, 8, 9, 16, 50] {
                for at in [0, len / 2, len - 1] {
                    let mut token = vec![b'a'; len];
                    token[at] = byte;
                    assert_eq!(
                        super::is_visible_ascii(&token),
                        token.iter().all(u8::is_ascii_graphic),
                        "byte {byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!super::is_header_safe_token(""));
    }
}
