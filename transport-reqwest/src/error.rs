//! Sorts reqwest's errors into keycard's [`TransportError`] vocabulary.

use keycard_core::{TransportError, TransportErrorKind as Kind};

/// Sorts a reqwest error from a request to `uri`.
pub(crate) fn from_reqwest(uri: &http::Uri, error: reqwest::Error) -> TransportError {
    let error = error.without_url();
    let kind = if error.is_timeout() {
        Kind::Timeout
    } else if has_source::<rustls::Error>(&error) {
        Kind::Tls
    } else if error.is_connect() {
        Kind::Connect
    } else if error.is_builder() {
        Kind::InvalidRequest
    } else if has_source_where::<hyper::Error>(&error, |e| e.is_parse()) {
        Kind::Protocol
    } else if has_source::<hyper::Error>(&error) {
        // Reading from the connection failed: reset, or closed before the end of the body.
        // (With gzip on, reqwest reports these as decode errors too.)
        Kind::Io
    } else if error.is_decode() {
        Kind::Protocol
    } else if error.is_body() || error.is_request() {
        Kind::Io
    } else {
        Kind::Other
    };
    TransportError::new(kind, uri, chain(&error))
}

/// The client followed a redirect from `uri` and ended up at `location`.
pub(crate) fn redirect_followed(uri: &http::Uri, location: &reqwest::Url) -> TransportError {
    let host = location.host_str().unwrap_or("");
    let location = match location.port() {
        Some(port) => format!("{}://{host}:{port}{}", location.scheme(), location.path()),
        None => format!("{}://{host}{}", location.scheme(), location.path()),
    };
    TransportError::new(Kind::RedirectFollowed, uri, location)
}

/// reqwest could not build its client.
pub(crate) fn client_build(error: reqwest::Error) -> TransportError {
    TransportError::without_url(Kind::ClientBuild, error.without_url().to_string())
}

/// An error and its sources, joined by `: `.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}

fn has_source<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    has_source_where::<E>(error, |_| true)
}

fn has_source_where<E: std::error::Error + 'static>(
    error: &(dyn std::error::Error + 'static),
    test: impl Fn(&E) -> bool + Copy,
) -> bool {
    if error.downcast_ref::<E>().is_some_and(test) {
        return true;
    }
    // `io::Error` hides what it wraps from `source()` (rustls errors travel inside one): look
    // inside it too.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if has_source_where::<E>(inner, test) {
            return true;
        }
    }
    error
        .source()
        .is_some_and(|source| has_source_where::<E>(source, test))
}
