//! The Redis clients a store opens (one Redis, or a cluster), its connections, and how a store
//! shows in `Debug`.

use crate::capped::CappedStream;
use crate::{RedisConfig, RedisStoreError};
use keycard_core::limits::MAX_STORE_REPLY_LEN;
use redis::aio::MultiplexedConnection;
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::{Cmd, ConnectionAddr, ErrorKind, RedisError, RedisResult, Value};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How many times a cluster command is tried again after a redirection or a node's failure:
/// enough to ride out a failover (a replica takes over the slots of its master in well under a
/// second), with waits of [`CLUSTER_RETRY_WAIT`] ms growing to [`CLUSTER_RETRY_WAIT_MAX`] ms, so
/// that the fleet keeps sharing instead of minting alone. Each try is bounded by
/// `command_timeout`.
const CLUSTER_RETRIES: u32 = 8;
/// The first wait before a cluster command is tried again, in ms.
const CLUSTER_RETRY_WAIT: u64 = 20;
/// The longest wait before a cluster command is tried again, in ms.
const CLUSTER_RETRY_WAIT_MAX: u64 = 300;

/// How many commands a connection to one Redis carries at once: more wait their turn (within
/// their `command_timeout`). It bounds what Redis may legitimately send between two of the
/// store's writes to [`MAX_IN_FLIGHT`] replies of at most a stored token each, well under
/// [`MAX_STORE_REPLY_LEN`].
pub(crate) const MAX_IN_FLIGHT: usize = 3;

/// Where a store finds Redis: one server, or the nodes of a cluster.
// One per store, made once and never moved: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Target {
    /// One Redis (or a proxy in front of several).
    Single {
        client: redis::Client,
        /// The TLS of `rediss://`.
        tls: Option<Arc<rustls::ClientConfig>>,
    },
    /// A Redis Cluster, found through these nodes.
    Cluster {
        client: ClusterClient,
        nodes: Vec<String>,
    },
}

impl Target {
    /// The Redis at `url`, with the TLS of `config`. Does not connect yet.
    pub(crate) fn single(url: &str, config: &RedisConfig) -> Result<Self, RedisStoreError> {
        let client = redis::Client::open(url).map_err(RedisStoreError::Url)?;
        let tls = match client.get_connection_info().addr() {
            ConnectionAddr::TcpTls { insecure: true, .. } => {
                return Err(RedisStoreError::Url(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "`#insecure` is not supported: keycard always checks Redis's certificate \
                     (give a private CA with RedisTls::with_ca_pem)",
                ))))
            }
            ConnectionAddr::TcpTls { .. } => {
                Some(config.tls.client_config().map_err(RedisStoreError::Url)?)
            }
            _ if config.tls.is_set() => {
                return Err(RedisStoreError::Url(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "TLS certificates are set, but the URL is not `rediss://`",
                ))))
            }
            _ => None,
        };
        Ok(Self::Single { client, tls })
    }

    /// The cluster whose nodes include those at `urls` (one is enough: the others are found
    /// from it), with the timeouts and TLS of `config`. Does not connect yet.
    pub(crate) fn cluster(urls: &[&str], config: &RedisConfig) -> Result<Self, RedisStoreError> {
        let mut builder = ClusterClientBuilder::new(urls.iter().copied())
            .connection_timeout(config.connect_timeout)
            .response_timeout(config.command_timeout)
            .retries(CLUSTER_RETRIES)
            .min_retry_wait(CLUSTER_RETRY_WAIT)
            .max_retry_wait(CLUSTER_RETRY_WAIT_MAX)
            // Each try is bounded by `command_timeout`; the tries together by the retries.
            .overall_response_timeout(None);
        if config.tls.is_set() {
            builder = builder.certs(config.tls.certificates());
        }
        let client = builder.build().map_err(RedisStoreError::Url)?;
        let nodes = urls.iter().map(|url| address(url)).collect();
        Ok(Self::Cluster { client, nodes })
    }

    /// A connection, with the connect and command timeouts of `config`. On one Redis, the
    /// store opens the stream itself, capped at [`MAX_STORE_REPLY_LEN`] between two writes;
    /// the `redis` crate does the handshake (`HELLO`/`AUTH`, `SELECT`) on it.
    pub(crate) async fn connect(&self, config: &RedisConfig) -> RedisResult<AsyncConnection> {
        match self {
            Self::Single { client, tls } => {
                let info = client.get_connection_info();
                let settings = redis::AsyncConnectionConfig::new()
                    .set_response_timeout(Some(config.command_timeout))
                    .set_concurrency_limit(MAX_IN_FLIGHT);
                let open = async {
                    let stream = open_stream(info.addr(), tls.as_ref()).await?;
                    let stream = CappedStream::new(stream, MAX_STORE_REPLY_LEN);
                    MultiplexedConnection::new_with_config(info.redis_settings(), stream, settings)
                        .await
                };
                let (connection, driver) = tokio::time::timeout(config.connect_timeout, open)
                    .await
                    .map_err(|_| timed_out("connecting to Redis"))??;
                let driver = Arc::new(AbortOnDrop(tokio::spawn(driver)));
                Ok(AsyncConnection::Single { connection, driver })
            }
            Self::Cluster { client, .. } => client
                .get_async_connection()
                .await
                .map(AsyncConnection::Cluster),
        }
    }
}

/// A byte stream to one Redis: TCP, TLS over TCP, or a Unix socket.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<S: AsyncRead + AsyncWrite + Send + Unpin> Stream for S {}

/// Opens the stream to the Redis at `addr`, with TLS for `rediss://`.
async fn open_stream(
    addr: &ConnectionAddr,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> RedisResult<Box<dyn Stream>> {
    match addr {
        ConnectionAddr::Tcp(host, port) => {
            let tcp = TcpStream::connect((host.as_str(), *port)).await?;
            tcp.set_nodelay(true)?;
            Ok(Box::new(tcp))
        }
        ConnectionAddr::TcpTls { host, port, .. } => {
            let Some(tls) = tls else {
                return Err(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "no TLS configuration for a `rediss://` URL",
                )));
            };
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| {
                RedisError::from((ErrorKind::InvalidClientConfig, "not a TLS server name"))
            })?;
            let tcp = TcpStream::connect((host.as_str(), *port)).await?;
            tcp.set_nodelay(true)?;
            let stream = tokio_rustls::TlsConnector::from(Arc::clone(tls))
                .connect(name, tcp)
                .await?;
            Ok(Box::new(stream))
        }
        #[cfg(unix)]
        ConnectionAddr::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
        #[allow(unreachable_patterns)]
        _ => Err(RedisError::from((
            ErrorKind::InvalidClientConfig,
            "an address keycard cannot connect to",
        ))),
    }
}

/// The I/O error of something that took longer than its timeout.
fn timed_out(what: &'static str) -> RedisError {
    RedisError::from(io::Error::new(io::ErrorKind::TimedOut, what))
}

/// The task that reads and writes a connection, stopped when the last handle to the
/// connection goes: a dropped connection stops reading whatever Redis still sends.
pub(crate) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A connection to one Redis or to a cluster: cheap to clone, shared by tasks.
#[derive(Clone)]
pub(crate) enum AsyncConnection {
    Single {
        connection: MultiplexedConnection,
        /// Held, not read: the last clone dropped stops the task.
        #[allow(dead_code)]
        driver: Arc<AbortOnDrop>,
    },
    Cluster(redis::cluster_async::ClusterConnection),
}

impl AsyncConnection {
    /// Sends `command` and reads the reply, all within `timeout` (waiting for a turn on the
    /// connection included).
    pub(crate) async fn query(&mut self, command: &Cmd, timeout: Duration) -> RedisResult<Value> {
        let reply = match self {
            Self::Single { connection, .. } => {
                tokio::time::timeout(timeout, command.query_async(connection)).await
            }
            Self::Cluster(connection) => {
                // Each try has its timeout (the cluster client's); a failover takes tries.
                return command.query_async(connection).await;
            }
        };
        reply.unwrap_or_else(|_| Err(timed_out("waiting for Redis's reply")))
    }
}

/// `host:port` of a URL, without user name or password (for `Debug`); the URL's scheme if it
/// cannot be read.
fn address(url: &str) -> String {
    match redis::IntoConnectionInfo::into_connection_info(url) {
        Ok(info) => info.addr().to_string(),
        Err(_) => "<unreadable URL>".to_owned(),
    }
}

/// A store's `Debug`: its type, the address (host and port, or socket path; a cluster's nodes
/// as given: never the user name or password of a URL), and the configuration.
pub(crate) fn debug(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    target: &Target,
    config: &RedisConfig,
) -> fmt::Result {
    let mut debug = f.debug_struct(name);
    match target {
        Target::Single { client, .. } => {
            debug.field(
                "address",
                &format!("{}", client.get_connection_info().addr()),
            );
        }
        Target::Cluster { nodes, .. } => {
            debug.field("cluster", nodes);
        }
    }
    debug.field("config", config).finish_non_exhaustive()
}
