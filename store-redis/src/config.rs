//! How a Redis store names its keys, locks and waits, how long it gives Redis to answer, and
//! which certificates it uses.

use crate::RedisTls;
use std::time::Duration;

/// How a [`RedisStore`](crate::RedisStore) or [`AsyncRedisStore`](crate::AsyncRedisStore)
/// behaves. Start from [`Default`] and change fields.
///
/// ```
/// use keycard_redis::RedisConfig;
/// use std::time::Duration;
///
/// let mut config = RedisConfig::default();
/// config.prefix = "checkout".to_owned();
/// config.lock_wait = Duration::from_secs(5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisConfig {
    /// Put before every key, with a `:` (e.g. `checkout` gives
    /// `checkout:keycard:v1:voucherify:<hex>`): separates applications sharing one Redis, or
    /// matches an ACL key pattern. Empty (the default): keys start with `keycard:v1:`.
    pub prefix: String,
    /// How long the fleet's lock on minting a key lives if its holder never releases it (it
    /// died): a mint that takes longer lets a second process mint too. 10 s by default; keep
    /// it above the transport's timeout.
    pub lock_ttl: Duration,
    /// How long a process waits in all for the token another process is minting before it
    /// mints alone. 15 s by default: longer than `lock_ttl`, so that the lock of a holder that
    /// died expires and another process takes over within the wait.
    pub lock_wait: Duration,
    /// How often a waiting process looks for the token another process is minting. 50 ms by
    /// default.
    pub poll_every: Duration,
    /// How long to wait for a connection to Redis: TCP, TLS and the handshake (`AUTH`,
    /// `SELECT`) on one Redis; each node's connection on a cluster. 1 s by default.
    pub connect_timeout: Duration,
    /// How long to wait for Redis to answer a command. 1 s by default: a slow Redis counts as
    /// down. A deadline for the whole command, however slowly Redis sends its reply (a byte at
    /// a time counts as too slow), for the blocking and the async store alike. On one Redis it
    /// includes waiting for a turn on the connection (3 commands at most are in flight); on a
    /// cluster it bounds each try, and a command is tried again through a redirection or a
    /// failover (8 times at most, with waits of up to 300 ms between).
    pub command_timeout: Duration,
    /// After Redis failed (down, unreachable, too slow), the store does not try it again for
    /// this long: every operation fails at once, and token sources mint alone. 2 s by default.
    pub retry_after: Duration,
    /// The CA to trust and the client certificate to present on `rediss://` (see
    /// [`RedisTls`]). Empty by default: the public web roots, no client certificate.
    pub tls: RedisTls,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            lock_ttl: Duration::from_secs(10),
            lock_wait: Duration::from_secs(15),
            poll_every: Duration::from_millis(50),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_secs(1),
            retry_after: Duration::from_secs(2),
            tls: RedisTls::default(),
        }
    }
}
