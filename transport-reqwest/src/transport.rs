//! [`ReqwestTransport`] and its [`Builder`].

use crate::error;
use keycard_core::{AsyncTransport, TransportConfig, TransportError, TransportErrorKind};
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// The default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = TransportConfig::DEFAULT_CONNECT_TIMEOUT;
/// The default overall timeout for one exchange, from connecting to the last body byte: 30 s.
pub const DEFAULT_TIMEOUT: Duration = TransportConfig::DEFAULT_TIMEOUT;
/// The default cap on a response body, counted after decompression: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = TransportConfig::DEFAULT_MAX_BODY_SIZE;

/// Runs keycard operations asynchronously over reqwest.
///
/// Built with [`new`](Self::new) or a [`Builder`], it sends every request with: no automatic
/// redirects (a `3xx` is handed to the parser like any other response), gzip decompression, a
/// connect and an overall timeout, a cap on the body counted after decompression, read chunk by
/// chunk so that no more than the cap is ever buffered, and at most
/// [`MAX_RESPONSE_HEADERS`](keycard_core::limits::MAX_RESPONSE_HEADERS) header fields in
/// [`MAX_RESPONSE_HEADER_BYTES`](keycard_core::limits::MAX_RESPONSE_HEADER_BYTES). HTTPS uses rustls (with the
/// *ring* crypto provider) and the Mozilla root certificates (`webpki-roots`). Responses of every
/// status reach the parser with their body.
///
/// Cloning is cheap and shares the connection pool. reqwest needs a tokio runtime.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_size: usize,
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestTransport {
    /// A transport with the defaults: 10 s to connect, 30 s in all, a 1 MiB body cap.
    ///
    /// # Panics
    ///
    /// If the HTTP client cannot be built (as `reqwest::Client::new` does); use
    /// [`Builder::build`] to get an error instead.
    pub fn new() -> Self {
        Builder::new()
            .build()
            .expect("keycard-reqwest: the default HTTP client could not be built")
    }

    /// Starts configuring a transport.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A transport over your own client (its connection pool, TLS, proxy and timeouts), with
    /// the default 1 MiB body cap (see [`with_max_body_size`](Self::with_max_body_size)).
    ///
    /// Build the client with `redirect(reqwest::redirect::Policy::none())`: reqwest follows up
    /// to 10 redirects by default, which would send the request (credentials included) to
    /// wherever a `Location` points. A response that came from a followed redirect is refused
    /// with [`TransportErrorKind::RedirectFollowed`] rather than handed to the parser, but by then the
    /// redirect has happened. Give the client a `timeout` too: reqwest's default is none.
    /// Non-2xx responses need nothing: reqwest returns them as responses.
    ///
    /// This transport asks for gzip (`Accept-Encoding: gzip`, unless the request says otherwise)
    /// and decodes it itself, so that several gzip members are one body and bytes after the
    /// last one are refused, as keycard-ureq does. A client that decodes gzip itself (reqwest's
    /// `gzip` feature, on by default in the `reqwest` crate) stops after the first member.
    ///
    /// reqwest is built with rustls on *ring* and the webpki roots: a client of your own needs
    /// no crypto-provider set-up (see the crate docs for custom roots and client certificates).
    pub fn with_client(client: reqwest::Client) -> Self {
        Self {
            client,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
        }
    }

    keycard_core::transport_body_cap_methods!(max_body_size);

    /// The underlying client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let uri = request.uri().clone();
        let mut request = request;
        if !request
            .headers()
            .contains_key(http::header::ACCEPT_ENCODING)
        {
            request.headers_mut().insert(
                http::header::ACCEPT_ENCODING,
                http::HeaderValue::from_static("gzip"),
            );
        }
        let request =
            reqwest::Request::try_from(request).map_err(|e| error::from_reqwest(&uri, e))?;
        let sent_to = request.url().clone();
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| error::from_reqwest(&uri, e))?;
        if !same_target(response.url(), &sent_to) {
            return Err(error::redirect_followed(&uri, response.url()));
        }
        let protocol =
            |detail: String| TransportError::new(TransportErrorKind::Protocol, &uri, detail);
        if let Some(detail) = keycard_core::headers_past_limits(response.headers())
            .or_else(|| keycard_core::unreadable_transfer_coding(response.headers()))
        {
            return Err(protocol(detail));
        }
        let cap = self.max_body_size;
        let too_large = || TransportError::new(TransportErrorKind::BodyTooLarge { cap }, &uri, "");
        let gzip = is_gzip(response.headers());
        // The length on the wire is the body's length unless it is decompressed here.
        let declared = if gzip {
            None
        } else {
            response.content_length()
        };
        if declared.is_some_and(|length| length > cap as u64) {
            return Err(too_large());
        }
        let body = keycard_core::CappedBody::new(cap, declared);
        let body = if gzip {
            // As ureq does: several members one after the other are one body; anything else
            // after a member (or a truncated member) is an error. The cap counts decoded bytes.
            let mut decoder = flate2::write::MultiGzDecoder::new(body);
            let gzip_error = |decoder: &flate2::write::MultiGzDecoder<keycard_core::CappedBody>,
                              e: std::io::Error| {
                if decoder.get_ref().overflowed() {
                    too_large()
                } else {
                    protocol(format!("gzip: {e}"))
                }
            };
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| error::from_reqwest(&uri, e))?
            {
                if let Err(e) = decoder.write_all(&chunk) {
                    return Err(gzip_error(&decoder, e));
                }
            }
            if let Err(e) = decoder.try_finish() {
                return Err(gzip_error(&decoder, e));
            }
            let headers = response.headers_mut();
            headers.remove(http::header::CONTENT_ENCODING);
            headers.remove(http::header::CONTENT_LENGTH);
            decoder
                .finish()
                .map_err(|e| protocol(format!("gzip: {e}")))?
        } else {
            let mut body = body;
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| error::from_reqwest(&uri, e))?
            {
                body.extend(&chunk).map_err(|_| too_large())?;
            }
            body
        };
        let body = body.into_bytes();
        let mut out = http::Response::new(body);
        *out.status_mut() = response.status();
        *out.version_mut() = response.version();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }
}

impl AsyncTransport for ReqwestTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.exchange(request)
    }
}

/// Configures a [`ReqwestTransport`].
///
/// ```
/// use std::time::Duration;
///
/// let transport = keycard_reqwest::ReqwestTransport::builder()
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(15))
///     .max_body_size(64 * 1024)
///     .build()?;
/// assert_eq!(transport.max_body_size(), 64 * 1024);
/// # Ok::<(), keycard_core::TransportError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    config: TransportConfig,
    tls: Option<rustls::ClientConfig>,
}

impl Builder {
    /// The defaults: [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_TIMEOUT`], [`DEFAULT_MAX_BODY_SIZE`].
    pub fn new() -> Self {
        Self::default()
    }

    keycard_core::transport_config_setters!(config, "keycard-reqwest/VERSION");

    /// Your own rustls configuration (for example with a corporate root certificate), instead
    /// of the default: *ring*, TLS 1.2 and 1.3, the Mozilla roots from `webpki-roots`.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The transport, or a [`TransportErrorKind::ClientBuild`] error if reqwest cannot build its
    /// client.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let tls = self.tls.unwrap_or_else(default_tls_config);
        let user_agent = self
            .config
            .user_agent
            .unwrap_or_else(|| concat!("keycard-reqwest/", env!("CARGO_PKG_VERSION")).to_owned());
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .no_gzip()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout)
            .user_agent(user_agent)
            .build()
            .map_err(error::client_build)?;
        Ok(ReqwestTransport {
            client,
            max_body_size: self.config.max_body_size,
        })
    }
}

/// The TLS configuration [`ReqwestTransport::new`] uses: rustls with the *ring* crypto provider,
/// TLS 1.2 and 1.3, the Mozilla root certificates (`webpki-roots`), HTTP/1.1 over ALPN.
///
/// A `reqwest::Client` of your own works as it is (reqwest's rustls on *ring*, with the same
/// roots); pass this configuration (or your own) to `use_preconfigured_tls` for exactly the
/// transport's TLS settings.
///
/// ```
/// let client = keycard_reqwest::reqwest::Client::builder()
///     .use_preconfigured_tls(keycard_reqwest::default_tls_config())
///     .redirect(keycard_reqwest::reqwest::redirect::Policy::none())
///     .timeout(std::time::Duration::from_secs(30))
///     .build()?;
/// let transport = keycard_reqwest::ReqwestTransport::with_client(client);
/// # Ok::<(), keycard_reqwest::reqwest::Error>(())
/// ```
pub fn default_tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports TLS 1.2 and 1.3")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// Whether the body is gzip, for this transport to decode: `Content-Encoding: gzip`, once.
/// (Any other content coding is handed on as it is, with its header, as ureq does.)
fn is_gzip(headers: &http::HeaderMap) -> bool {
    let mut encodings = headers.get_all(http::header::CONTENT_ENCODING).iter();
    match (encodings.next(), encodings.next()) {
        (Some(value), None) => value.as_bytes().trim_ascii().eq_ignore_ascii_case(b"gzip"),
        _ => false,
    }
}

/// Whether the response came from where the request was sent (no redirect was followed).
fn same_target(final_url: &reqwest::Url, sent_to: &reqwest::Url) -> bool {
    final_url.scheme() == sent_to.scheme()
        && final_url.host_str() == sent_to.host_str()
        && final_url.port_or_known_default() == sent_to.port_or_known_default()
        && final_url.path() == sent_to.path()
}
