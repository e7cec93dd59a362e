//! [`UreqTransport`] and its [`Builder`].

use crate::{error, resolver};
use keycard_core::limits::MAX_RESPONSE_HEADER_BYTES;
use keycard_core::{Transport, TransportConfig, TransportError, TransportErrorKind};
use std::io::Read;
use std::time::Duration;
use ureq::Agent;

/// The default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = TransportConfig::DEFAULT_CONNECT_TIMEOUT;
/// The default overall timeout for one exchange, from connecting to the last body byte: 30 s.
pub const DEFAULT_TIMEOUT: Duration = TransportConfig::DEFAULT_TIMEOUT;
/// The default cap on a response body, counted after decompression: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = TransportConfig::DEFAULT_MAX_BODY_SIZE;

/// Runs keycard operations synchronously over ureq 3.
///
/// Every request is sent with: no automatic redirects (a `3xx` is handed to the parser like any
/// other response), non-2xx statuses returned as responses with their body, gzip decompression,
/// a cap on the body counted after decompression, and at most
/// [`MAX_RESPONSE_HEADERS`](keycard_core::limits::MAX_RESPONSE_HEADERS) header fields in
/// [`MAX_RESPONSE_HEADER_BYTES`](keycard_core::limits::MAX_RESPONSE_HEADER_BYTES). HTTPS uses
/// rustls with the Mozilla root certificates (`webpki-roots`).
///
/// Built with [`new`](Self::new) or a [`Builder`], its agent resolves host names without
/// starting a thread per request (ureq's own resolver does, whenever a timeout is set): an IP
/// address is used as it is, and a name's addresses, looked up within the timeouts, are reused
/// for 30 seconds. [`with_agent`](Self::with_agent) keeps your agent's resolver.
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

    keycard_core::transport_body_cap_methods!(max_body_size);

    /// The underlying agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

impl Transport for UreqTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let uri = request.uri().clone();
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
            .map_err(|e| error::from_ureq(&uri, e))?;
        let (parts, body) = response.into_parts();
        if let Some(detail) = keycard_core::headers_past_limits(&parts.headers)
            .or_else(|| keycard_core::unreadable_transfer_coding(&parts.headers))
        {
            return Err(TransportError::new(
                TransportErrorKind::Protocol,
                &uri,
                detail,
            ));
        }
        let cap = self.max_body_size;
        let too_large = || TransportError::new(TransportErrorKind::BodyTooLarge { cap }, &uri, "");
        // ureq drops `Content-Length` when it decompresses, so one still here is the real size.
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > cap as u64) {
            return Err(too_large());
        }
        // ureq's own limit counts the bytes on the wire (before decompression); count after,
        // into a buffer that grows in bounded steps (see `Capped`).
        let mut reader = body.into_with_config().reader();
        let mut bytes = keycard_core::CappedBody::new(cap, declared);
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let n = match reader.read(&mut scratch) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(error::from_io(&uri, e)),
            };
            bytes.extend(&scratch[..n]).map_err(|_| too_large())?;
        }
        let bytes = bytes.into_bytes();
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Room in ureq's bound on the response head for the status line and the blank line: ureq
/// counts them, [`headers_past_limits`](keycard_core::headers_past_limits) does not, and it is
/// the one that decides (as in every keycard transport).
const STATUS_LINE_ROOM: usize = 4 * 1024;

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
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    config: TransportConfig,
    tls: Option<ureq::tls::TlsConfig>,
}

impl Builder {
    /// The defaults: [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_TIMEOUT`], [`DEFAULT_MAX_BODY_SIZE`].
    pub fn new() -> Self {
        Self::default()
    }

    keycard_core::transport_config_setters!(config, "keycard-ureq/VERSION");

    /// Your own TLS settings (a private root certificate, a client certificate for mutual
    /// TLS, …) instead of ureq's default: rustls on *ring* with the Mozilla roots. The crate
    /// docs show both.
    pub fn tls_config(mut self, config: ureq::tls::TlsConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The transport.
    pub fn build(self) -> UreqTransport {
        let user_agent = self
            .config
            .user_agent
            .unwrap_or_else(|| concat!("keycard-ureq/", env!("CARGO_PKG_VERSION")).to_owned());
        let mut config = Agent::config_builder();
        if let Some(tls) = self.tls {
            config = config.tls_config(tls);
        }
        let config = config
            .timeout_connect(Some(self.config.connect_timeout))
            .timeout_global(Some(self.config.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .max_response_header_size(MAX_RESPONSE_HEADER_BYTES + STATUS_LINE_ROOM)
            .user_agent(user_agent)
            .build();
        // ureq's default resolver starts a thread on every request once a timeout is set; this
        // one takes IP addresses as they are and reuses looked-up names for a few seconds.
        let agent = Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            resolver::Resolver::default(),
        );
        UreqTransport {
            agent,
            max_body_size: self.config.max_body_size,
        }
    }
}
