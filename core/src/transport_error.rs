//! Why a request could not be exchanged: one vocabulary for every transport.

use crate::limits::cut_error_detail;
use std::fmt;

/// A request could not be exchanged with the API: no response came back (or only part of one).
///
/// Every [`Transport`](crate::Transport) and [`AsyncTransport`](crate::AsyncTransport) reports
/// its failures as this one type, so code that handles them does not depend on the HTTP client.
/// Responses of any status are *not* errors here: they are handed to the operation's parser.
///
/// It holds no secret: [`url`](Self::url) is the request's scheme, host, port and path (no user
/// info, no query), and [`detail`](Self::detail) is the underlying library's description of what
/// went wrong, at most [`MAX_ERROR_DETAIL_LEN`](crate::limits::MAX_ERROR_DETAIL_LEN) bytes. No header value or body is ever put in
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    url: String,
    detail: String,
}

/// What kind of failure a [`TransportError`] is, and so what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be opened (DNS lookup failed, connection refused, host unreachable,
    /// proxy refused). Nothing was sent. Check the base URL and the network; retrying later is
    /// safe.
    Connect,
    /// No complete response arrived within the configured time (the transport's connect
    /// timeout or overall timeout). The API may or may not have acted on the request: retry
    /// with a backoff, or raise the timeout if the network is slow.
    Timeout,
    /// The response body is larger than the cap, counted after decompression, so reading stopped
    /// there. A token response is a few hundred bytes: this is a misbehaving server or proxy,
    /// or a base URL that points elsewhere. Raise the transport's cap only if such bodies are
    /// expected.
    BodyTooLarge {
        /// The cap, in bytes.
        cap: usize,
    },
    /// The TLS handshake failed or the server's certificate was refused. Retrying will not help:
    /// check that the URL is the API's and that the machine's clock is right.
    Tls,
    /// The connection failed after it was opened: reset, or closed before the whole response
    /// arrived (a truncated body). The API may or may not have acted on the request; retrying
    /// with a backoff usually works.
    Io,
    /// The answer was not valid HTTP (malformed status line or headers, broken chunking, corrupt
    /// gzip). Retrying rarely helps: check that the URL reaches the API and not something else.
    Protocol,
    /// The HTTP client followed a redirect, so the response is not the API's answer to this
    /// request (and the request, credentials included, went to the other place too). keycard's
    /// transports turn redirects off; only a client configured by the caller does this: turn its
    /// redirects off (with reqwest, `redirect::Policy::none()`). The
    /// [`detail`](TransportError::detail) is where the client ended up (scheme, host, port and
    /// path).
    RedirectFollowed,
    /// The request could not be sent as given (for example a URL the client cannot use, or an
    /// HTTPS-only client asked for `http://`). Requests built by keycard-core do not cause this;
    /// a request built by hand might.
    InvalidRequest,
    /// The HTTP client could not be built (its TLS backend or resolver could not start). Nothing
    /// was sent; this is a configuration or platform problem, not a network one. Such an error
    /// has no [`url`](TransportError::url).
    ClientBuild,
    /// Anything else the HTTP client reported.
    Other,
}

impl TransportErrorKind {
    /// Whether trying again later may succeed: [`Connect`](Self::Connect),
    /// [`Timeout`](Self::Timeout) and [`Io`](Self::Io).
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Connect | Self::Timeout | Self::Io)
    }
}

impl TransportError {
    /// An error for a request to `uri`. Only the URI's scheme, host, port and path are kept:
    /// its user info and query may hold secrets. `detail` says what went wrong; it must hold no
    /// header value or body, and is cut to [`MAX_ERROR_DETAIL_LEN`](crate::limits::MAX_ERROR_DETAIL_LEN) bytes.
    pub fn new(kind: TransportErrorKind, uri: &http::Uri, detail: impl Into<String>) -> Self {
        Self {
            kind,
            url: redacted(uri),
            detail: cut_error_detail(detail.into()),
        }
    }

    /// An error that belongs to no request (for example [`TransportErrorKind::ClientBuild`]):
    /// its [`url`](Self::url) is empty.
    pub fn without_url(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            url: String::new(),
            detail: cut_error_detail(detail.into()),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The URL of the request that failed: scheme, host, port and path only (empty for an
    /// error that belongs to no request).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the underlying library said (for [`TransportErrorKind::RedirectFollowed`], where
    /// the client ended up).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Whether trying again later may succeed (see [`TransportErrorKind::is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { url, detail, .. } = self;
        match self.kind {
            TransportErrorKind::Connect => write!(f, "could not connect to {url}: {detail}"),
            TransportErrorKind::Timeout => write!(f, "timed out waiting for {url} ({detail})"),
            TransportErrorKind::BodyTooLarge { cap } => write!(
                f,
                "the response body from {url} is larger than the cap of {cap} bytes (after decompression)"
            ),
            TransportErrorKind::Tls => write!(f, "TLS with {url} failed: {detail}"),
            TransportErrorKind::Io => write!(f, "the connection to {url} broke: {detail}"),
            TransportErrorKind::Protocol => write!(f, "{url} did not answer valid HTTP: {detail}"),
            TransportErrorKind::RedirectFollowed => write!(
                f,
                "the HTTP client followed a redirect from {url} to {detail}; turn its redirects off"
            ),
            TransportErrorKind::InvalidRequest => {
                write!(f, "the request to {url} could not be sent: {detail}")
            }
            TransportErrorKind::ClientBuild => {
                write!(f, "the HTTP client could not be built: {detail}")
            }
            TransportErrorKind::Other => write!(f, "request to {url} failed: {detail}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Scheme, host, port and path: no user info, no query (they may hold secrets).
fn redacted(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = uri.host().unwrap_or("");
    match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}{}", uri.path()),
        None => format!("{scheme}://{host}{}", uri.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_ERROR_DETAIL_LEN;

    #[test]
    fn the_url_loses_user_info_and_query() {
        let uri: http::Uri = "https://user:s3cr3t@api.example:8443/v1/oauth/token?key=s3cr3t"
            .parse()
            .unwrap();
        let error = TransportError::new(TransportErrorKind::Connect, &uri, "refused");
        assert_eq!(error.url(), "https://api.example:8443/v1/oauth/token");
        let text = format!("{error} {error:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert_eq!(
            error.to_string(),
            "could not connect to https://api.example:8443/v1/oauth/token: refused"
        );
    }

    #[test]
    fn only_connect_timeout_and_io_are_retryable() {
        use TransportErrorKind as K;
        let uri = http::Uri::from_static("http://127.0.0.1/");
        for (kind, retryable) in [
            (K::Connect, true),
            (K::Timeout, true),
            (K::Io, true),
            (K::BodyTooLarge { cap: 1 }, false),
            (K::Tls, false),
            (K::Protocol, false),
            (K::RedirectFollowed, false),
            (K::InvalidRequest, false),
            (K::ClientBuild, false),
            (K::Other, false),
        ] {
            assert_eq!(
                TransportError::new(kind, &uri, "").is_retryable(),
                retryable,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_long_detail_is_cut_at_a_char_boundary() {
        let uri = http::Uri::from_static("http://127.0.0.1/");
        let detail = "é".repeat(MAX_ERROR_DETAIL_LEN);
        let error = TransportError::new(TransportErrorKind::Protocol, &uri, detail);
        assert!(error.detail().len() <= MAX_ERROR_DETAIL_LEN);
        assert!(error.detail().len() > MAX_ERROR_DETAIL_LEN - 8);
        assert!(error.detail().ends_with("é…"), "{}", error.detail());
        let exact = "x".repeat(MAX_ERROR_DETAIL_LEN);
        let error = TransportError::without_url(TransportErrorKind::Other, exact.clone());
        assert_eq!(error.detail(), exact);
    }

    #[test]
    fn an_error_without_a_request_has_no_url() {
        let error = TransportError::without_url(TransportErrorKind::ClientBuild, "no resolver");
        assert_eq!(error.url(), "");
        assert_eq!(
            error.to_string(),
            "the HTTP client could not be built: no resolver"
        );
    }
}
