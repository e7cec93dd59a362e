//! Building responses and reading requests, the same way for both APIs.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// `Content-Type` of every JSON answer, as a Node.js/Express server sends it.
pub(crate) const JSON: &str = "application/json; charset=utf-8";
/// `Content-Type` of plain-text answers.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";
/// `Content-Type` of proxy error pages.
pub(crate) const HTML: &str = "text/html";

/// A request, read in full, as handlers see it.
#[derive(Debug)]
pub(crate) struct Req {
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Bytes,
}

impl Req {
    /// A header's value as text, if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the request's media type (parameters ignored) is `media_type`.
    pub(crate) fn has_media_type(&self, media_type: &str) -> bool {
        self.header("content-type")
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|mt| mt.trim().eq_ignore_ascii_case(media_type))
    }

    /// The query string's pairs, percent-decoded.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
}

/// A response with a status, a content type and a body.
pub(crate) fn with_body(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// A JSON response.
pub(crate) fn json(status: u16, value: &Value) -> Response {
    with_body(status, JSON, value.to_string())
}

/// A `text/plain` response.
pub(crate) fn text(status: u16, body: &'static str) -> Response {
    with_body(status, TEXT, body)
}

/// A response with no body and no content type.
pub(crate) fn empty(status: u16) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// Sets a header on a response (values that are not valid header text are skipped).
pub(crate) fn set_header(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}
