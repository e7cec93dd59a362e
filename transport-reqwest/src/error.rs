//! Why a request could not be exchanged.

/// A request could not be exchanged with the API: no response came back (or only part of one).
///
/// Responses of any status are *not* errors here: they are handed to the operation's parser.
/// No variant holds a header value or a request body: `url` is the request's scheme, host, port
/// and path (no user info, no query), and `detail` is the underlying libraries' description of
/// what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be opened (DNS lookup failed, connection refused, host unreachable,
    /// proxy refused). Nothing was sent. Check the base URL and the network; retrying later is
    /// safe.
    #[error("could not connect to {url}: {detail}")]
    Connect {
        /// Where the request was going.
        url: String,
        /// What the network stack said.
        detail: String,
    },
    /// No complete response arrived within the configured time (see
    /// [`Builder::connect_timeout`](crate::Builder::connect_timeout) and
    /// [`Builder::timeout`](crate::Builder::timeout)). The API may or may not have acted on the
    /// request: retry with a backoff, or raise the timeout if the network is slow.
    #[error("timed out waiting for {url} ({detail})")]
    Timeout {
        /// Where the request was going.
        url: String,
        /// What timed out.
        detail: String,
    },
    /// The response body is larger than the cap, counted after decompression, so reading stopped
    /// there. A token response is a few hundred bytes: this is a misbehaving server or proxy,
    /// or a base URL that points elsewhere. Raise the cap with
    /// [`Builder::max_body_size`](crate::Builder::max_body_size) only if such bodies are expected.
    #[error(
        "the response body from {url} is larger than the cap of {cap} bytes (after decompression)"
    )]
    BodyTooLarge {
        /// Where the request was going.
        url: String,
        /// The cap, in bytes.
        cap: usize,
    },
    /// The TLS handshake failed or the server's certificate was refused. Retrying will not help:
    /// check that the URL is the API's and that the machine's clock is right.
    #[error("TLS with {url} failed: {detail}")]
    Tls {
        /// Where the request was going.
        url: String,
        /// What the TLS library said.
        detail: String,
    },
    /// The connection failed after it was opened: reset, or closed before the whole response
    /// arrived (a truncated body). The API may or may not have acted on the request; retrying
    /// with a backoff usually works.
    #[error("the connection to {url} broke: {detail}")]
    Io {
        /// Where the request was going.
        url: String,
        /// What the network stack said.
        detail: String,
    },
    /// The answer was not valid HTTP (malformed status line or headers, broken chunking, corrupt
    /// gzip). Retrying rarely helps: check that the URL reaches the API and not something else.
    #[error("{url} did not answer valid HTTP: {detail}")]
    Protocol {
        /// Where the request was going.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The client followed a redirect, so the response is not the API's answer to this request
    /// (and the request went to `location` too). This only happens with a client given to
    /// [`ReqwestTransport::with_client`](crate::ReqwestTransport::with_client): build it with
    /// `redirect(reqwest::redirect::Policy::none())`.
    #[error("the client followed a redirect from {url} to {location}; build it with redirect::Policy::none()")]
    RedirectFollowed {
        /// Where the request was going.
        url: String,
        /// Where the client ended up (scheme, host, port and path).
        location: String,
    },
    /// The request could not be sent as given (for example a URL reqwest cannot use). Requests
    /// built by keycard-core do not cause this; a request built by hand might.
    #[error("the request to {url} could not be sent: {detail}")]
    InvalidRequest {
        /// Where the request was going.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The HTTP client could not be built (its TLS backend or resolver could not start). Nothing
    /// was sent; this is a configuration or platform problem, not a network one.
    #[error("the HTTP client could not be built: {detail}")]
    Client {
        /// What reqwest said.
        detail: String,
    },
    /// Anything else reqwest reported.
    #[error("request to {url} failed: {detail}")]
    Other {
        /// Where the request was going.
        url: String,
        /// What reqwest said.
        detail: String,
    },
}

impl Error {
    /// The URL of the request that failed (scheme, host, port and path only); empty for
    /// [`Error::Client`].
    pub fn url(&self) -> &str {
        match self {
            Self::Connect { url, .. }
            | Self::Timeout { url, .. }
            | Self::BodyTooLarge { url, .. }
            | Self::Tls { url, .. }
            | Self::Io { url, .. }
            | Self::Protocol { url, .. }
            | Self::RedirectFollowed { url, .. }
            | Self::InvalidRequest { url, .. }
            | Self::Other { url, .. } => url,
            Self::Client { .. } => "",
        }
    }

    /// Whether trying again later may succeed (connection, timeout and broken-connection errors).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. } | Self::Timeout { .. } | Self::Io { .. }
        )
    }

    /// Sorts a reqwest error. `url` is already redacted.
    pub(crate) fn from_reqwest(url: String, error: reqwest::Error) -> Self {
        let error = error.without_url();
        let detail = chain(&error);
        if error.is_timeout() {
            Self::Timeout { url, detail }
        } else if has_source::<rustls::Error>(&error) {
            Self::Tls { url, detail }
        } else if error.is_connect() {
            Self::Connect { url, detail }
        } else if error.is_builder() {
            Self::InvalidRequest { url, detail }
        } else if has_source_where::<hyper::Error>(&error, |e| e.is_parse()) {
            Self::Protocol { url, detail }
        } else if has_source::<hyper::Error>(&error) {
            // Reading from the connection failed: reset, or closed before the end of the body.
            // (With gzip on, reqwest reports these as decode errors too.)
            Self::Io { url, detail }
        } else if error.is_decode() {
            Self::Protocol { url, detail }
        } else if error.is_body() || error.is_request() {
            Self::Io { url, detail }
        } else {
            Self::Other { url, detail }
        }
    }
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
