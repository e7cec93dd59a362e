//! The synchronous Redis store: drives the [plan](crate::plan) on a blocking connection.

use crate::client::{self, Connection, Target};
use crate::plan::{owner_id, Next, Operation, Plan};
use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{LiveCount, MintClaim, MintLock, StoreKey, StoredToken, TokenStore};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A [`TokenStore`] on Redis, shared by every process that uses the same Redis and the same
/// [prefix](RedisConfig::prefix): one token per key across the fleet, and a fleet-wide lock so
/// that one process mints while the others wait for its token.
///
/// Blocking: for threads (a `BlockingSource`'s `with_store`, e.g. over `keycard::ureq`). Async
/// code uses [`AsyncRedisStore`](crate::AsyncRedisStore).
///
/// It keeps one connection (to one Redis, or to a cluster: [`open_cluster`](Self::open_cluster)),
/// opened on first use, with the configured connect and command timeouts and TLS. A connection that breaks (Redis restarted) is replaced and the command tried once
/// more; when Redis is down or too slow every operation fails (at once, for
/// [`retry_after`](RedisConfig::retry_after)), and token sources mint alone until it is back.
///
/// ```no_run
/// use keycard_redis::RedisStore;
/// use keycard_core::lifecycle::{StoreKey, TokenStore};
///
/// let store = RedisStore::open("rediss://keycard:password@redis.internal:6380/0")?;
/// let key = StoreKey::from_parts("voucherify", &[b"example"]);
/// assert!(store.load(&key)?.is_none());
/// # Ok::<(), keycard_redis::RedisStoreError>(())
/// ```
pub struct RedisStore {
    connection: Mutex<Option<Connection>>,
    target: Target,
    plan: Plan,
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[user:password@]host[:port][/db]`, `rediss://…`
    /// for TLS, `unix:///path`), with the default [`RedisConfig`]. Does not connect yet.
    pub fn open(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisConfig::default())
    }

    /// A store on the Redis at `url`, configured (timeouts, TLS certificates). Does not
    /// connect yet.
    pub fn with_config(url: &str, config: RedisConfig) -> Result<Self, RedisStoreError> {
        let target = Target::single(url, &config)?;
        Ok(Self::on(target, config))
    }

    /// A store on the Redis Cluster whose nodes include those at `urls` (one reachable node is
    /// enough; list a few), with the default [`RedisConfig`]. Every key of a token is in one
    /// hash slot, so the fleet's lock works as on one Redis; commands follow the cluster's
    /// redirections and a failover. Does not connect yet.
    ///
    /// ```no_run
    /// use keycard_redis::RedisStore;
    ///
    /// let store = RedisStore::open_cluster(&[
    ///     "redis://keycard:password@redis-1.internal:6379",
    ///     "redis://keycard:password@redis-2.internal:6379",
    /// ])?;
    /// # Ok::<(), keycard_redis::RedisStoreError>(())
    /// ```
    pub fn open_cluster(urls: &[&str]) -> Result<Self, RedisStoreError> {
        Self::with_cluster_config(urls, RedisConfig::default())
    }

    /// A store on the Redis Cluster whose nodes include those at `urls`, configured. Does not
    /// connect yet.
    pub fn with_cluster_config(
        urls: &[&str],
        config: RedisConfig,
    ) -> Result<Self, RedisStoreError> {
        let target = Target::cluster(urls, &config)?;
        Ok(Self::on(target, config))
    }

    fn on(target: Target, config: RedisConfig) -> Self {
        Self {
            connection: Mutex::new(None),
            target,
            plan: Plan::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        self.plan.config()
    }

    /// The Redis key a token is stored under: `[<prefix>:]keycard:v1:<namespace>:{<hex>}` (the
    /// digest in a hash tag, so that a cluster keeps every key of the token in one slot). It
    /// holds no secret.
    pub fn token_key(&self, key: &StoreKey) -> String {
        self.plan.token_key(key)
    }

    /// The Redis key of the fleet's lock on minting that token: the token key and `:lock`.
    pub fn lock_key(&self, key: &StoreKey) -> String {
        self.plan.lock_key(key)
    }

    /// Checks that Redis answers (`PING`), e.g. at start, to log a misconfiguration early.
    pub fn ping(&self) -> Result<(), RedisStoreError> {
        self.run(self.plan.ping())
    }

    /// Runs `operation` as the plan says, on the connection (opened if need be). The
    /// connection stays locked throughout: it carries one command at a time.
    fn run<O: Operation>(&self, operation: O) -> Result<O::Output, RedisStoreError> {
        self.plan.check()?;
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Another thread may have found Redis down while this one waited for the connection.
        self.plan.check()?;
        let (mut exchange, mut command) = self.plan.begin(operation, slot.is_some());
        loop {
            let connection = match slot.as_mut() {
                Some(connection) => connection,
                None => match self.target.connect(self.plan.config()) {
                    Ok(connection) => slot.insert(connection),
                    Err(error) => return Err(self.plan.failed(error)),
                },
            };
            match exchange.read(connection.query(&command)) {
                Next::Send(next) => command = next,
                Next::Reconnect(next) => {
                    *slot = None;
                    command = next;
                }
                Next::Broken(error) => {
                    *slot = None;
                    return Err(error);
                }
                Next::Done(result) => return result,
            }
        }
    }
}

impl TokenStore for RedisStore {
    type Error = RedisStoreError;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        self.run(self.plan.load(key))
    }

    /// Stores `token` with a Redis expiry at its own, unless the entry there lives longer (a
    /// token another process minted later). An expired token is not stored.
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        match self.plan.save(key, token, SystemTime::now()) {
            Some(save) => self.run(save),
            None => Ok(()),
        }
    }

    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        self.run(self.plan.remove(key))
    }

    /// `SET <lock key> <random owner id> NX PX <lock_ttl>`: [`MintClaim::Acquired`] if it was
    /// set, [`MintClaim::HeldElsewhere`] (with the configured poll interval and wait) if not.
    fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        self.run(self.plan.claim(key, owner_id()))
    }

    /// Deletes the lock if it still holds this lock's owner id (a Lua compare-and-delete).
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        self.run(self.plan.release(lock))
    }

    /// Sets `<token key>:hold` to expire in `wait` (Redis's own expiry: processes whose clocks
    /// differ wait alike), unless a longer wait is there; claims answer
    /// [`MintClaim::HeldOff`] until it expires.
    fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        self.run(self.plan.hold_off(key, wait))
    }

    /// Adds the token's fingerprint to the budget's ledger (a sorted set scored by expiry, on
    /// Redis's clock), dropping expired entries; answers the count.
    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        let record = self.plan.record_mint(budget, token, SystemTime::now());
        self.run(record).map(Some)
    }

    fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        self.run(self.plan.count_live(budget)).map(Some)
    }

    fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        self.run(self.plan.forget_mint(budget, fingerprint))
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        client::debug(f, "RedisStore", &self.target, self.plan.config())
    }
}
