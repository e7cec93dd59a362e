//! What every operation gives back: the raw response, and at most one typed body.

use crate::preview::Preview;
use crate::redact::Secrets;
use http::{header, HeaderMap, StatusCode};
use std::borrow::Cow;

/// A response exactly as received: status, headers and body.
///
/// Its `Debug` shows the status, the content type, the header names and the body's length, never
/// other header values or body bytes (they may hold secrets). A header name or content type that
/// echoes a secret of the request shows scrubbed (see [`crate::REDACTED`]).
#[derive(Clone)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    /// Boxed, not a `Vec`: with the secrets below the response stays within the size that is
    /// moved without a `memcpy` call (a response is moved a few times on every parse).
    body: Box<[u8]>,
    /// The secrets of the request this answers, when keycard parsed it: what `Debug` and
    /// `Display` show of the headers (names, content type) is scrubbed of them when shown, so
    /// parsing pays nothing for it.
    secrets: Option<Secrets>,
}

impl RawResponse {
    /// Takes apart an `http::Response`.
    pub fn new(response: http::Response<Vec<u8>>) -> Self {
        Self::with(response, None)
    }

    /// Takes apart the response to a request that carried `secrets`: what `Debug` and
    /// `Display` show of its headers (their names, the content type) is scrubbed of them when
    /// shown. The headers themselves stay as received.
    pub(crate) fn answering(response: http::Response<Vec<u8>>, secrets: &Secrets) -> Self {
        Self::with(response, Some(secrets.clone()))
    }

    fn with(response: http::Response<Vec<u8>>, secrets: Option<Secrets>) -> Self {
        let (parts, body) = response.into_parts();
        Self {
            status: parts.status,
            headers: parts.headers,
            body: body.into_boxed_slice(),
            secrets,
        }
    }

    /// The content type as `Debug` and `Display` show it.
    fn shown_content_type(&self) -> Option<Cow<'_, str>> {
        let content_type = self.content_type()?;
        Some(match &self.secrets {
            Some(secrets) if secrets.shows_in(content_type) => {
                let mut scrubbed = content_type.to_owned();
                secrets.scrub(&mut scrubbed);
                Cow::Owned(scrubbed)
            }
            _ => Cow::Borrowed(content_type),
        })
    }

    /// A header name as `Debug` shows it: whole, or [`REDACTED`](crate::REDACTED) if it holds a
    /// secret (in any case: `http` keeps names in lower case).
    fn shown_name<'a>(&self, name: &'a http::HeaderName) -> &'a str {
        match &self.secrets {
            Some(secrets) if secrets.found_in_header_name(name.as_str()) => crate::REDACTED,
            _ => name.as_str(),
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `Content-Type` header, if present, readable and unambiguous.
    ///
    /// A `Content-Type` that appears more than once with different values is ambiguous (which
    /// one did the server mean, and which one would a cache or a browser pick?): it is `None`,
    /// like no content type at all, so no parser reads such a body as its documented model.
    /// The headers themselves stay as received in [`headers`](Self::headers).
    pub fn content_type(&self) -> Option<&str> {
        self.single_content_type()?.to_str().ok()
    }

    /// The `Content-Type` header's value, if it is present and unambiguous.
    fn single_content_type(&self) -> Option<&http::HeaderValue> {
        let mut values = self.headers.get_all(header::CONTENT_TYPE).iter();
        let first = values.next()?;
        if values.any(|other| other != first) {
            return None;
        }
        Some(first)
    }

    /// Whether the content type is `media_type` (compared as a media type: ignoring case,
    /// parameters such as `charset`, and surrounding spaces). An ambiguous content type (see
    /// [`content_type`](Self::content_type)) is not.
    pub fn has_media_type(&self, media_type: &str) -> bool {
        // The shortcut only holds for a plain `type/subtype`: the full comparison refuses one
        // with a `;`, spaces or other than visible ASCII, whatever the header says.
        let plain = media_type
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b';');
        self.has_media_type_with(media_type, plain)
    }

    /// [`has_media_type`](Self::has_media_type) for a documented media type: a plain
    /// `type/subtype` (the operations' own constants).
    pub(crate) fn has_plain_media_type(&self, media_type: &'static str) -> bool {
        self.has_media_type_with(media_type, true)
    }

    fn has_media_type_with(&self, media_type: &str, plain: bool) -> bool {
        let Some(value) = self.single_content_type() else {
            return false;
        };
        // Most servers send exactly the media type: then there is no need to read it as text
        // and split it.
        (plain && value.as_bytes().eq_ignore_ascii_case(media_type.as_bytes()))
            || value.to_str().is_ok_and(|ct| media_type_is(ct, media_type))
    }

    /// Back into an `http::Response`.
    pub fn into_http(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body.into_vec());
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Names<'a>(&'a RawResponse);
        impl std::fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list()
                    .entries(self.0.headers.keys().map(|name| self.0.shown_name(name)))
                    .finish()
            }
        }
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("content_type", &self.shown_content_type())
            .field("header_names", &Names(self))
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// Whether `content_type` (a header value) names `expected` (`type/subtype`).
pub(crate) fn media_type_is(content_type: &str, expected: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(expected)
}

/// An operation's result: the raw response and exactly one typed body, or none.
///
/// `T` is the documented success model, `E` the documented error model.
#[derive(Debug)]
pub struct Outcome<T, E> {
    raw: RawResponse,
    body: Parsed<T, E>,
}

/// The typed body of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<T, E> {
    /// The documented success model.
    Success(T),
    /// The error model documented for this status.
    Error(E),
    /// No typed body: the raw response says what came back.
    Unrecognized(Unrecognized),
}

/// Why a response has no typed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unrecognized {
    /// The API does not document this status for this operation.
    UndocumentedStatus,
    /// The status is documented, but the content type is not the documented one (for example a
    /// proxy's HTML error page).
    UnexpectedContentType {
        /// The documented media type.
        expected: &'static str,
    },
}

impl<T, E> Outcome<T, E> {
    pub(crate) fn new(raw: RawResponse, body: Parsed<T, E>) -> Self {
        Self { raw, body }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.raw.status
    }

    /// The `Content-Type` header, if present and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.raw.content_type()
    }

    /// The response as received.
    pub fn raw(&self) -> &RawResponse {
        &self.raw
    }

    /// The typed body.
    pub fn parsed(&self) -> &Parsed<T, E> {
        &self.body
    }

    /// The success model, if this is one.
    pub fn success(&self) -> Option<&T> {
        match &self.body {
            Parsed::Success(t) => Some(t),
            _ => None,
        }
    }

    /// The documented error model, if this is one.
    pub fn error(&self) -> Option<&E> {
        match &self.body {
            Parsed::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Splits into the raw response and the typed body.
    pub fn into_parts(self) -> (RawResponse, Parsed<T, E>) {
        (self.raw, self.body)
    }

    /// The success model, or an [`ApiError`] that keeps everything else.
    pub fn into_result(self) -> Result<T, ApiError<E>> {
        match self.body {
            Parsed::Success(t) => Ok(t),
            Parsed::Error(e) => Err(ApiError {
                error: Some(e),
                untyped: None,
                raw: self.raw,
            }),
            Parsed::Unrecognized(u) => Err(ApiError {
                error: None,
                untyped: Some(u),
                raw: self.raw,
            }),
        }
    }
}

/// A response that is not the success model: the API's own error, or an untyped answer.
#[derive(Debug)]
pub struct ApiError<E> {
    /// The documented error model, when the response matched one.
    pub error: Option<E>,
    /// Why there is no typed body, when there is none.
    pub untyped: Option<Unrecognized>,
    /// The response as received.
    pub raw: RawResponse,
}

impl<E> ApiError<E> {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.raw.status
    }
}

impl<E: std::fmt::Display> std::fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.raw.status;
        match (&self.error, self.untyped) {
            (Some(error), _) => match &self.raw.secrets {
                // Each text of the error was scrubbed when read; its `Display` joins several
                // (a path and a message, say), and a secret must not form across them either.
                Some(secrets) => {
                    let mut shown = error.to_string();
                    if secrets.shows_in(&shown) {
                        secrets.scrub(&mut shown);
                    }
                    write!(f, "HTTP {status}: {shown}")
                }
                None => write!(f, "HTTP {status}: {error}"),
            },
            (None, Some(Unrecognized::UnexpectedContentType { expected })) => {
                write!(f, "HTTP {status} with content type ")?;
                match self.raw.shown_content_type() {
                    Some(ct) if ct.trim().is_empty() => f.write_str("\"\"")?,
                    // The server's text: cut short like any other.
                    Some(ct) => write!(f, "\"{}\"", Preview(&ct))?,
                    None if self.raw.headers.contains_key(header::CONTENT_TYPE) => {
                        f.write_str("\"(ambiguous or unreadable)\"")?
                    }
                    None => f.write_str("\"(none)\"")?,
                }
                write!(f, " instead of {expected}")
            }
            (None, _) => write!(f, "HTTP {status}, which the API does not document here"),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for ApiError<E> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_content_types(values: &[&'static str]) -> RawResponse {
        let mut response = http::Response::new(b"{}".to_vec());
        for value in values {
            response
                .headers_mut()
                .append(header::CONTENT_TYPE, http::HeaderValue::from_static(value));
        }
        RawResponse::new(response)
    }

    #[test]
    fn the_documented_media_types_are_plain() {
        use crate::request::{FORM, JSON, TEXT};
        for media_type in [JSON, FORM, TEXT] {
            assert!(media_type
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b';'));
        }
    }

    #[test]
    fn the_exact_match_answers_as_the_media_type_comparison() {
        let values = [
            "application/json",
            "APPLICATION/JSON",
            "application/json; charset=utf-8",
            " application/json ",
            "application/json;",
            "text/html",
            "application/jsonx",
        ];
        let asked = [
            "application/json",
            "Application/Json",
            "application/json; charset=utf-8",
            " application/json",
            "application/json;",
            "",
            "application/jsoné",
        ];
        for value in values {
            let raw = with_content_types(&[value]);
            for media_type in asked {
                assert_eq!(
                    raw.has_media_type(media_type),
                    media_type_is(value, media_type),
                    "{value:?} as {media_type:?}"
                );
            }
        }
    }

    #[test]
    fn a_content_type_repeated_with_different_values_is_ambiguous() {
        for values in [
            &["application/json", "text/html"][..],
            &["text/html", "application/json"],
            &["application/json", "application/json; charset=latin1"],
        ] {
            let raw = with_content_types(values);
            assert_eq!(raw.content_type(), None, "{values:?}");
            assert!(!raw.has_media_type("application/json"), "{values:?}");
            assert_eq!(
                raw.headers().get_all(header::CONTENT_TYPE).iter().count(),
                2
            );
        }
        let raw = with_content_types(&["application/json", "application/json"]);
        assert_eq!(raw.content_type(), Some("application/json"));
        assert!(raw.has_media_type("application/json"));
        assert_eq!(with_content_types(&[]).content_type(), None);
    }
}
