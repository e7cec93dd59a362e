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
        let tls = if uses_tls(client.get_connection_info().addr(), config)? {
            Some(config.tls.client_config().map_err(RedisStoreError::Url)?)
        } else {
            None
        };
        Ok(Self::Single { client, tls })
    }

    /// The cluster whose nodes include those at `urls` (one is enough: the others are found
    /// from it), with the timeouts and TLS of `config`. Does not connect yet.
    pub(crate) fn cluster(urls: &[&str], config: &RedisConfig) -> Result<Self, RedisStoreError> {
        for url in urls {
            let info = redis::IntoConnectionInfo::into_connection_info(*url)
                .map_err(RedisStoreError::Url)?;
            uses_tls(info.addr(), config)?;
        }
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
            // The cluster client bounds each node's connect and the slots query; this bounds
            // them together, whatever the client does.
            Self::Cluster { client, .. } => {
                let budget = (config.connect_timeout + config.command_timeout) * 2;
                tokio::time::timeout(budget, client.get_async_connection())
                    .await
                    .map_err(|_| timed_out("connecting to the Redis Cluster"))?
                    .map(AsyncConnection::Cluster)
            }
        }
    }
}

/// The longest a cluster command may take in all: every try within `timeout`, with the
/// longest wait between two.
fn cluster_budget(timeout: Duration) -> Duration {
    (timeout + Duration::from_millis(CLUSTER_RETRY_WAIT_MAX)) * (CLUSTER_RETRIES + 1)
}

/// Whether a store connects to `addr` with TLS (`rediss://`): refuses `#insecure`, and
/// certificates for a URL without TLS (they would be ignored).
fn uses_tls(addr: &ConnectionAddr, config: &RedisConfig) -> Result<bool, RedisStoreError> {
    let refused = |why: &'static str| {
        Err(RedisStoreError::Url(RedisError::from((
            ErrorKind::InvalidClientConfig,
            why,
        ))))
    };
    match addr {
        ConnectionAddr::TcpTls { insecure: true, .. } => refused(
            "`#insecure` is not supported: keycard always checks Redis's certificate \
             (give a private CA with RedisTls::with_ca_pem)",
        ),
        ConnectionAddr::TcpTls { .. } => Ok(true),
        _ if config.tls.is_set() => {
            refused("TLS certificates are set, but the URL is not `rediss://`")
        }
        _ => Ok(false),
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
        ConnectionAddr::Tcp(host, port) => Ok(Box::new(connect_tcp(host, *port).await?)),
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
            let tcp = connect_tcp(host, *port).await?;
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

/// A TCP connection to `host`: to every address it resolves to at once, the first to answer
/// kept (as the `redis` crate connects). One after the other, an address that drops the
/// attempt silently (an IPv6 route filtered) would use up the whole connect timeout.
async fn connect_tcp(host: &str, port: u16) -> io::Result<TcpStream> {
    let mut attempts = tokio::task::JoinSet::new();
    for addr in tokio::net::lookup_host((host, port)).await? {
        attempts.spawn(TcpStream::connect(addr));
    }
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    while let Some(attempt) = attempts.join_next().await {
        match attempt {
            Ok(Ok(tcp)) => {
                // The other attempts are aborted as the set drops.
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Ok(Err(error)) => last = error,
            Err(join) => last = io::Error::other(join),
        }
    }
    Err(last)
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
        /// The last clone dropped stops the task; [`stop`](Self::stop) stops it at once.
        driver: Arc<AbortOnDrop>,
    },
    Cluster(redis::cluster_async::ClusterConnection),
}

impl AsyncConnection {
    /// Stops reading and writing this connection at once, for every task that holds it: a
    /// task still holding it fails instead of writing to it (on a Redis that misbehaves, each
    /// write would let it send another [`MAX_STORE_REPLY_LEN`]).
    pub(crate) fn stop(&self) {
        if let Self::Single { driver, .. } = self {
            driver.0.abort();
        }
    }

    /// Whether `self` and `other` are clones of one connection.
    pub(crate) fn is(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Single { driver: a, .. }, Self::Single { driver: b, .. }) => Arc::ptr_eq(a, b),
            (Self::Cluster(_), Self::Cluster(_)) => true,
            _ => false,
        }
    }

    /// Sends `command` and reads the reply, all within `timeout` (waiting for a turn on the
    /// connection included).
    pub(crate) async fn query(&mut self, command: &Cmd, timeout: Duration) -> RedisResult<Value> {
        let reply = match self {
            Self::Single { connection, .. } => {
                tokio::time::timeout(timeout, command.query_async(connection)).await
            }
            Self::Cluster(connection) => {
                // Each try has its timeout (the cluster client's); a failover takes tries.
                tokio::time::timeout(cluster_budget(timeout), command.query_async(connection)).await
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
