//! The Redis clients a store opens (one Redis, or a cluster), its connections, and how a store
//! shows in `Debug`.

use crate::{RedisConfig, RedisStoreError};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::{Cmd, RedisResult, Value};
use std::fmt;

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

/// Where a store finds Redis: one server, or the nodes of a cluster.
// One per store, made once and never moved: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Target {
    /// One Redis (or a proxy in front of several).
    Single(redis::Client),
    /// A Redis Cluster, found through these nodes.
    Cluster {
        client: ClusterClient,
        nodes: Vec<String>,
    },
}

impl Target {
    /// The Redis at `url`, with the TLS of `config`. Does not connect yet.
    pub(crate) fn single(url: &str, config: &RedisConfig) -> Result<Self, RedisStoreError> {
        let client = if config.tls.is_set() {
            redis::Client::build_with_tls(url, config.tls.certificates())
        } else {
            redis::Client::open(url)
        };
        client.map(Self::Single).map_err(RedisStoreError::Url)
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

    /// A blocking connection, with the connect and command timeouts of `config`.
    pub(crate) fn connect(&self, config: &RedisConfig) -> RedisResult<Connection> {
        match self {
            Self::Single(client) => {
                let connection = client.get_connection_with_timeout(config.connect_timeout)?;
                connection.set_read_timeout(Some(config.command_timeout))?;
                connection.set_write_timeout(Some(config.command_timeout))?;
                Ok(Connection::Single(connection))
            }
            // The cluster client's own timeouts: per node connection and per read and write.
            Self::Cluster { client, .. } => client
                .get_connection()
                .map(|c| Connection::Cluster(Box::new(c))),
        }
    }

    /// An async connection, with the connect and command timeouts of `config`.
    pub(crate) async fn connect_async(&self, config: &RedisConfig) -> RedisResult<AsyncConnection> {
        match self {
            Self::Single(client) => {
                let settings = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(config.connect_timeout))
                    .set_response_timeout(Some(config.command_timeout));
                client
                    .get_multiplexed_async_connection_with_config(&settings)
                    .await
                    .map(AsyncConnection::Single)
            }
            Self::Cluster { client, .. } => client
                .get_async_connection()
                .await
                .map(AsyncConnection::Cluster),
        }
    }
}

/// A blocking connection to one Redis or to a cluster.
pub(crate) enum Connection {
    Single(redis::Connection),
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl Connection {
    /// Sends `command` and reads the reply.
    pub(crate) fn query(&mut self, command: &Cmd) -> RedisResult<Value> {
        match self {
            Self::Single(connection) => command.query(connection),
            Self::Cluster(connection) => command.query(&mut **connection),
        }
    }
}

/// An async connection to one Redis or to a cluster: cheap to clone, shared by tasks.
#[derive(Clone)]
pub(crate) enum AsyncConnection {
    Single(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl AsyncConnection {
    /// Sends `command` and reads the reply.
    pub(crate) async fn query(&mut self, command: &Cmd) -> RedisResult<Value> {
        match self {
            Self::Single(connection) => command.query_async(connection).await,
            Self::Cluster(connection) => command.query_async(connection).await,
        }
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
        Target::Single(client) => {
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
