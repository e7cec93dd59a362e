//! The synchronous Redis store: the async store's connection and plan, run on a thread of its
//! own, so that every command has a true deadline.

use crate::{AsyncRedisStore, RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{
    AsyncTokenStore, LiveCount, MintClaim, MintLock, StoreKey, StoredToken, TokenStore,
};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A [`TokenStore`] on Redis, shared by every process that uses the same Redis and the same
/// [prefix](RedisConfig::prefix): one token per key across the fleet, and a fleet-wide lock so
/// that one process mints while the others wait for its token.
///
/// Blocking: for threads (a `BlockingSource`'s `with_store`, e.g. over `keycard::ureq`). Async
/// code uses [`AsyncRedisStore`](crate::AsyncRedisStore).
///
/// It keeps one connection (to one Redis, or to a cluster: [`open_cluster`](Self::open_cluster)),
/// opened on first use, with the configured connect and command timeouts and TLS. A connection
/// that breaks (Redis restarted) is replaced and the command tried once more; when Redis is
/// down or too slow every operation fails (at once, for
/// [`retry_after`](RedisConfig::retry_after)), and token sources mint alone until it is back.
///
/// Its commands run on a thread of its own (a one-worker tokio runtime, stopped when the store
/// is dropped), as an [`AsyncRedisStore`] runs them: the calling thread waits for the answer,
/// which comes within [`command_timeout`](RedisConfig::command_timeout) per command however
/// slowly Redis sends it. It can be called from any thread, a tokio worker's too.
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
    store: Arc<AsyncRedisStore>,
    /// `None` only while dropped.
    runtime: Option<tokio::runtime::Runtime>,
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
        Self::on(AsyncRedisStore::with_config(url, config)?)
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
        Self::on(AsyncRedisStore::with_cluster_config(urls, config)?)
    }

    fn on(store: AsyncRedisStore) -> Result<Self, RedisStoreError> {
        // A worker thread, not a current-thread runtime: the connection's own tasks (a
        // cluster's, the reader of a connection) must run between the store's calls too.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("keycard-redis")
            .enable_all()
            .build()
            .map_err(RedisStoreError::Runtime)?;
        Ok(Self {
            store: Arc::new(store),
            runtime: Some(runtime),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        self.store.config()
    }

    /// The Redis key a token is stored under: `[<prefix>:]keycard:v1:<namespace>:{<hex>}` (the
    /// digest in a hash tag, so that a cluster keeps every key of the token in one slot). It
    /// holds no secret.
    pub fn token_key(&self, key: &StoreKey) -> String {
        self.store.token_key(key)
    }

    /// The Redis key of the fleet's lock on minting that token: the token key and `:lock`.
    pub fn lock_key(&self, key: &StoreKey) -> String {
        self.store.lock_key(key)
    }

    /// Checks that Redis answers (`PING`), e.g. at start, to log a misconfiguration early.
    pub fn ping(&self) -> Result<(), RedisStoreError> {
        self.block(|store| async move { store.ping().await })
    }

    /// Runs `call` on the store's thread and waits for its result. (Spawned rather than
    /// `block_on`: that would panic on a thread that runs a tokio runtime already.)
    fn block<T, F>(
        &self,
        call: impl FnOnce(Arc<AsyncRedisStore>) -> F,
    ) -> Result<T, RedisStoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, RedisStoreError>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(stopped());
        };
        let (answer, result) = std::sync::mpsc::sync_channel(1);
        let future = call(Arc::clone(&self.store));
        runtime.spawn(async move {
            // The caller waits for it: a send can only fail if the caller is gone.
            let _ = answer.send(future.await);
        });
        // Every command in the call has its deadline, and so has connecting.
        result.recv().unwrap_or_else(|_| Err(stopped()))
    }
}

/// The store's thread ended before answering (it panicked, or the store is being dropped).
fn stopped() -> RedisStoreError {
    RedisStoreError::Runtime(std::io::Error::other(
        "the Redis store's I/O thread stopped",
    ))
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        // Not the runtime's own drop: that blocks, and panics inside an async context.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl TokenStore for RedisStore {
    type Error = RedisStoreError;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        let key = key.clone();
        self.block(|store| async move { store.load(&key).await })
    }

    /// Stores `token` with a Redis expiry at its own, unless the entry there lives longer (a
    /// token another process minted later). An expired token is not stored.
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        let (key, token) = (key.clone(), token.clone());
        self.block(|store| async move { store.save(&key, &token).await })
    }

    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        let key = key.clone();
        self.block(|store| async move { store.remove(&key).await })
    }

    /// `SET <lock key> <random owner id> NX PX <lock_ttl>`: [`MintClaim::Acquired`] if it was
    /// set, [`MintClaim::HeldElsewhere`] (with the configured poll interval and wait) if not.
    fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        let key = key.clone();
        self.block(|store| async move { store.claim_mint(&key).await })
    }

    /// Deletes the lock if it still holds this lock's owner id (a Lua compare-and-delete).
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        let lock = lock.clone();
        self.block(|store| async move { store.release_mint(&lock).await })
    }

    /// Sets `<token key>:hold` to expire in `wait` (Redis's own expiry: processes whose clocks
    /// differ wait alike), unless a longer wait is there; claims answer
    /// [`MintClaim::HeldOff`] until it expires.
    fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        let key = key.clone();
        self.block(|store| async move { store.hold_off(&key, wait).await })
    }

    /// Adds the token's fingerprint to the budget's ledger (a sorted set scored by expiry, on
    /// Redis's clock), dropping expired entries; answers the count.
    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        let (budget, token) = (budget.clone(), token.clone());
        self.block(|store| async move { store.record_mint(&budget, &token).await })
    }

    fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        let budget = budget.clone();
        self.block(|store| async move { store.count_live(&budget).await })
    }

    fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        let (budget, fingerprint) = (budget.clone(), fingerprint.to_owned());
        self.block(|store| async move { store.forget_mint(&budget, &fingerprint).await })
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.store.debug_as(f, "RedisStore")
    }
}
