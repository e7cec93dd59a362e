//! Why a request could not be exchanged.

use std::io;

/// A request could not be exchanged with the API: no response came back (or only part of one).
///
/// Responses of any status are *not* errors here: they are handed to the operation's parser.
/// No variant holds a header value or a request body: `url` is the request's scheme, host, port
/// and path (no user info, no query), and `detail` is the underlying library's description of
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
        /// Which phase timed out.
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
    /// The request could not be sent as given (for example a URL ureq cannot use, or an HTTPS-only
    /// agent asked for `http://`). Requests built by keycard-core do not cause this; a request
    /// built by hand might.
    #[error("the request to {url} could not be sent: {detail}")]
    InvalidRequest {
        /// Where the request was going.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// Anything else ureq reported.
    #[error("request to {url} failed: {detail}")]
    Other {
        /// Where the request was going.
        url: String,
        /// What ureq said.
        detail: String,
    },
}

impl Error {
    /// The URL of the request that failed (scheme, host, port and path only).
    pub fn url(&self) -> &str {
        match self {
            Self::Connect { url, .. }
            | Self::Timeout { url, .. }
            | Self::BodyTooLarge { url, .. }
            | Self::Tls { url, .. }
            | Self::Io { url, .. }
            | Self::Protocol { url, .. }
            | Self::InvalidRequest { url, .. }
            | Self::Other { url, .. } => url,
        }
    }

    /// Whether trying again later may succeed (connection, timeout and broken-connection errors).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. } | Self::Timeout { .. } | Self::Io { .. }
        )
    }

    /// Sorts a ureq error. `url` is already redacted.
    pub(crate) fn from_ureq(url: String, error: ureq::Error) -> Self {
        use ureq::Error as U;
        let detail = error.to_string();
        match error {
            U::Timeout(_) => Self::Timeout { url, detail },
            U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) => {
                Self::Connect { url, detail }
            }
            U::Tls(_) | U::Rustls(_) | U::Pem(_) | U::TlsRequired => Self::Tls { url, detail },
            U::Io(io) => Self::from_io(url, io),
            U::Protocol(_) | U::LargeResponseHeader(..) | U::Decompress(..) | U::BodyStalled => {
                Self::Protocol { url, detail }
            }
            U::BadUri(_) | U::Http(_) | U::RequireHttpsOnly(_) | U::InvalidProxyUrl => {
                Self::InvalidRequest { url, detail }
            }
            _ => Self::Other { url, detail },
        }
    }

    /// Sorts an I/O error, which may carry a ureq error (body reads) or a rustls error (TLS).
    pub(crate) fn from_io(url: String, io: io::Error) -> Self {
        if io.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
            return match ureq::Error::from(io) {
                ureq::Error::Io(io) => Self::from_plain_io(url, io),
                other => Self::from_ureq(url, other),
            };
        }
        if wraps_rustls(&io) {
            let detail = io.to_string();
            return Self::Tls { url, detail };
        }
        Self::from_plain_io(url, io)
    }

    fn from_plain_io(url: String, io: io::Error) -> Self {
        use io::ErrorKind as K;
        let detail = io.to_string();
        match io.kind() {
            K::TimedOut | K::WouldBlock => Self::Timeout { url, detail },
            K::ConnectionRefused | K::AddrNotAvailable | K::NotFound => {
                Self::Connect { url, detail }
            }
            K::InvalidData => Self::Protocol { url, detail },
            _ => Self::Io { url, detail },
        }
    }
}

/// Whether a (possibly nested) `io::Error` carries a rustls error.
fn wraps_rustls(io: &io::Error) -> bool {
    match io.get_ref() {
        Some(inner) if inner.is::<rustls::Error>() => true,
        Some(inner) => inner.downcast_ref::<io::Error>().is_some_and(wraps_rustls),
        None => false,
    }
}
