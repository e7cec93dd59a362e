//! The asynchronous Redis store (tokio): drives the [plan](crate::plan) on a multiplexed
//! connection.

use crate::client::{self, AsyncConnection, Target};
use crate::plan::{owner_id, Next, Operation, Plan};
use crate::scrub::Scrub;
use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{
    AsyncTokenStore, LiveCount, MintClaim, MintLock, StoreKey, StoredToken,
};
use std::fmt;
use std::time::{Duration, SystemTime};

/// An [`AsyncTokenStore`] on Redis, for tokio programs (an `AsyncSource`'s
/// `with_async_store`, e.g. over `keycard::reqwest`): the same keys, values, lock and fallback
/// as [`RedisStore`](crate::RedisStore), so sync and async processes share one fleet.
///
/// It keeps one multiplexed connection (to one Redis, or to a cluster:
/// [`open_cluster`](Self::open_cluster)), opened on first use; a broken one is replaced and the
/// command tried once more. Needs a tokio runtime.
///
/// ```no_run
/// use keycard_redis::AsyncRedisStore;
/// use keycard_core::lifecycle::{AsyncTokenStore, StoreKey};
///
/// # async fn run() -> Result<(), keycard_redis::RedisStoreError> {
/// let store = AsyncRedisStore::open("rediss://keycard:password@redis.internal:6380/0")?;
/// let key = StoreKey::from_parts("voucherify", &[b"example"]);
/// assert!(store.load(&key).await?.is_none());
/// # Ok(()) }
/// ```
pub struct AsyncRedisStore {
    connection: tokio::sync::Mutex<Option<AsyncConnection>>,
    target: Target,
    plan: Plan,
    scrub: Scrub,
}

impl AsyncRedisStore {
    /// A store on the Redis at `url` (`redis://…`, `rediss://…` for TLS, `unix:///path`), with
    /// the default [`RedisConfig`]. Does not connect yet.
    pub fn open(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisConfig::default())
    }

    /// A store on the Redis at `url`, configured (timeouts, TLS certificates). Does not
    /// connect yet.
    pub fn with_config(url: &str, config: RedisConfig) -> Result<Self, RedisStoreError> {
        let target = Target::single(url, &config)?;
        Ok(Self::on(target, config, Scrub::for_urls(&[url])))
    }

    /// A store on the Redis Cluster whose nodes include those at `urls` (see
    /// [`RedisStore::open_cluster`](crate::RedisStore::open_cluster)), with the default
    /// [`RedisConfig`]. Does not connect yet.
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
        Ok(Self::on(target, config, Scrub::for_urls(urls)))
    }

    fn on(target: Target, config: RedisConfig, scrub: Scrub) -> Self {
        Self {
            connection: tokio::sync::Mutex::new(None),
            target,
            plan: Plan::new(config),
            scrub,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        self.plan.config()
    }

    /// Checks that Redis answers (`PING`).
    pub async fn ping(&self) -> Result<(), RedisStoreError> {
        self.run(self.plan.ping()).await
    }

    /// The Redis key a token is stored under (see [`RedisStore::token_key`](crate::RedisStore::token_key)).
    pub fn token_key(&self, key: &StoreKey) -> String {
        self.plan.token_key(key)
    }

    /// The Redis key of the fleet's lock on minting that token.
    pub fn lock_key(&self, key: &StoreKey) -> String {
        self.plan.lock_key(key)
    }

    /// The connection (opened if need be), and whether it was already open. Tasks share it:
    /// the lock is held only to take or open it.
    async fn connection(&self) -> Result<(AsyncConnection, bool), RedisStoreError> {
        self.plan.check()?;
        let mut slot = self.connection.lock().await;
        // Another task may have found Redis down while this one waited for the connection.
        self.plan.check()?;
        if let Some(connection) = slot.as_ref() {
            return Ok((connection.clone(), true));
        }
        let connection = self
            .target
            .connect(self.plan.config())
            .await
            .map_err(|error| self.plan.failed(error))?;
        *slot = Some(connection.clone());
        Ok((connection, false))
    }

    /// Drops `used` (broken, timed out, or out of step with Redis) for every task that holds
    /// it: the next operation opens a new one.
    async fn forget(&self, used: &AsyncConnection) {
        used.stop();
        let mut slot = self.connection.lock().await;
        // Another task may have replaced it already.
        if slot.as_ref().is_some_and(|current| current.is(used)) {
            *slot = None;
        }
    }

    /// Runs `operation` as the plan says: its result, with no password and no long text in its
    /// error.
    async fn run<O: Operation>(&self, operation: O) -> Result<O::Output, RedisStoreError> {
        self.exchange(operation)
            .await
            .map_err(|error| self.scrub.error(error))
    }

    /// Runs `operation` on the connection (opened if need be), which tasks share: each command
    /// within `command_timeout`.
    async fn exchange<O: Operation>(&self, operation: O) -> Result<O::Output, RedisStoreError> {
        let (mut connection, reused) = self.connection().await?;
        let (mut exchange, mut command) = self.plan.begin(operation, reused);
        let timeout = self.plan.config().command_timeout;
        loop {
            match exchange.read(connection.query(&command, timeout).await) {
                Next::Send(next) => command = next,
                Next::Reconnect(next) => {
                    self.forget(&connection).await;
                    connection = self.connection().await?.0;
                    command = next;
                }
                Next::Broken(error) => {
                    self.forget(&connection).await;
                    return Err(error);
                }
                Next::Done(result) => return result,
            }
        }
    }
}

impl AsyncTokenStore for AsyncRedisStore {
    type Error = RedisStoreError;

    async fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        self.run(self.plan.load(key)).await
    }

    async fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        match self.plan.save(key, token, SystemTime::now()) {
            Some(save) => self.run(save).await,
            None => Ok(()),
        }
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        self.run(self.plan.remove(key)).await
    }

    async fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        self.run(self.plan.claim(key, owner_id())).await
    }

    async fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        self.run(self.plan.release(lock)).await
    }

    async fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        self.run(self.plan.hold_off(key, wait)).await
    }

    async fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        let record = self.plan.record_mint(budget, token, SystemTime::now());
        self.run(record).await.map(Some)
    }

    async fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        self.run(self.plan.count_live(budget)).await.map(Some)
    }

    async fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        self.run(self.plan.forget_mint(budget, fingerprint)).await
    }
}

impl AsyncRedisStore {
    /// The `Debug` of a store of this name over this one.
    pub(crate) fn debug_as(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        client::debug(f, name, &self.target, self.plan.config())
    }
}

impl fmt::Debug for AsyncRedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_as(f, "AsyncRedisStore")
    }
}
