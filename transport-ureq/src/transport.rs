//! [`UreqTransport`] and its [`Builder`].

use crate::Error;
use keycard_core::Transport;
use std::io::Read;
use std::time::Duration;
use ureq::Agent;

/// The default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default overall timeout for one exchange, from connecting to the last body byte: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on a response body, counted after decompression: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;

/// Runs keycard operations synchronously over ureq 3.
///
/// Every request is sent with: no automatic redirects (a `3xx` is handed to the parser like any
/// other response), non-2xx statuses returned as responses with their body, gzip decompression,
/// and a cap on the body counted after decompression. HTTPS uses rustls with the Mozilla root
/// certificates (`webpki-roots`).
///
/// Cloning is cheap and shares the connection pool.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: Agent,
    max_body_size: usize,
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqTransport {
    /// A transport with the defaults: 10 s to connect, 30 s in all, a 1 MiB body cap.
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// Starts configuring a transport.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A transport over your own agent (its connection pool, TLS, proxy and timeouts), with the
    /// default 1 MiB body cap (see [`with_max_body_size`](Self::with_max_body_size)).
    ///
    /// Whatever the agent's configuration, each request is sent with redirects off and with
    /// `http_status_as_error(false)`, so `3xx`, `4xx` and `5xx` responses reach the parser with
    /// their body. The agent's timeouts are kept: ureq's default is none at all, so give the
    /// agent at least `timeout_global` (or use [`builder`](Self::builder) instead).
    pub fn with_agent(agent: Agent) -> Self {
        Self {
            agent,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
        }
    }

    /// The same transport with another body cap, in bytes, counted after decompression.
    pub fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The body cap, in bytes, counted after decompression.
    pub fn max_body_size(&self) -> usize {
        self.max_body_size
    }

    /// The underlying agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

impl Transport for UreqTransport {
    type Error = Error;

    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let url = redacted_url(request.uri());
        let request = self
            .agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build();
        let response = self
            .agent
            .run(request)
            .map_err(|e| Error::from_ureq(url.clone(), e))?;
        let (parts, body) = response.into_parts();
        let cap = self.max_body_size;
        // ureq drops `Content-Length` when it decompresses, so one still here is the real size.
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > cap as u64) {
            return Err(Error::BodyTooLarge { url, cap });
        }
        // ureq's own limit counts the bytes on the wire (before decompression); count after.
        let mut reader = body.into_with_config().reader().take(cap as u64 + 1);
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::from_io(url.clone(), e))?;
        if bytes.len() > cap {
            return Err(Error::BodyTooLarge { url, cap });
        }
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Configures a [`UreqTransport`].
///
/// ```
/// use std::time::Duration;
///
/// let transport = keycard_ureq::UreqTransport::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(15))
///     .max_body_size(64 * 1024)
///     .build();
/// assert_eq!(transport.max_body_size(), 64 * 1024);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    connect_timeout: Duration,
    timeout: Duration,
    max_body_size: usize,
    user_agent: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// The defaults: [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_TIMEOUT`], [`DEFAULT_MAX_BODY_SIZE`].
    pub fn new() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            user_agent: None,
        }
    }

    /// How long to wait for a connection (DNS, TCP and TLS handshakes).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one exchange may take in all, from connecting to the last byte of the body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The cap on a response body, in bytes, counted after decompression. A larger body gives
    /// [`Error::BodyTooLarge`], and no more than the cap is ever held in memory.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The `User-Agent` header (default: `keycard-ureq/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The transport.
    pub fn build(self) -> UreqTransport {
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("keycard-ureq/", env!("CARGO_PKG_VERSION")).to_owned());
        let agent: Agent = Agent::config_builder()
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(user_agent)
            .build()
            .into();
        UreqTransport {
            agent,
            max_body_size: self.max_body_size,
        }
    }
}

/// Scheme, host, port and path: no user info, no query (they may hold secrets).
pub(crate) fn redacted_url(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = uri.host().unwrap_or("");
    match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}{}", uri.path()),
        None => format!("{scheme}://{host}{}", uri.path()),
    }
}
