//! What every operation gives back: the raw response, and at most one typed body.

use crate::preview::Preview;
use http::{header, HeaderMap, StatusCode};

/// A response exactly as received: status, headers and body.
///
/// Its `Debug` shows the status, the header names and the body's length, never header values or
/// body bytes (they may hold secrets).
#[derive(Clone)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RawResponse {
    /// Takes apart an `http::Response`.
    pub fn new(response: http::Response<Vec<u8>>) -> Self {
        let (parts, body) = response.into_parts();
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
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
        let mut values = self.headers.get_all(header::CONTENT_TYPE).iter();
        let first = values.next()?;
        if values.any(|other| other != first) {
            return None;
        }
        first.to_str().ok()
    }

    /// Whether the content type is `media_type` (compared as a media type: ignoring case,
    /// parameters such as `charset`, and surrounding spaces). An ambiguous content type (see
    /// [`content_type`](Self::content_type)) is not.
    pub fn has_media_type(&self, media_type: &str) -> bool {
        let mut values = self.headers.get_all(header::CONTENT_TYPE).iter();
        let Some(first) = values.next() else {
            return false;
        };
        if values.any(|other| other != first) {
            return false;
        }
        // Most servers send exactly the media type: no need to read it as text and split it.
        first.as_bytes().eq_ignore_ascii_case(media_type.as_bytes())
            || first.to_str().is_ok_and(|ct| media_type_is(ct, media_type))
    }

    /// Back into an `http::Response`.
    pub fn into_http(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Names<'a>(&'a HeaderMap);
        impl std::fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .field("header_names", &Names(&self.headers))
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
            (Some(error), _) => write!(f, "HTTP {status}: {error}"),
            (None, Some(Unrecognized::UnexpectedContentType { expected })) => {
                let shown = match self.raw.content_type() {
                    Some(content_type) if content_type.trim().is_empty() => "(empty)",
                    Some(content_type) => content_type,
                    None if self.raw.headers.contains_key(header::CONTENT_TYPE) => {
                        "(ambiguous or unreadable)"
                    }
                    None => "(none)",
                };
                // The server's header, so cut like any text of its: the message stays short.
                write!(
                    f,
                    "HTTP {status} with content type \"{}\" instead of {expected}",
                    Preview(shown)
                )
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
