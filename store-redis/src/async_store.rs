//! The asynchronous Redis store (tokio).

use crate::common::{self, Health};
use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{AsyncTokenStore, Claim, MintLock, StoreKey, StoredToken};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisError, RedisResult, Script};
use std::fmt;
use std::future::Future;
use std::time::SystemTime;

/// An [`AsyncTokenStore`] on Redis, for tokio programs (e.g. `keycard::reqwest`'s token
/// source): the same keys, values, lock and fallback as [`RedisStore`](crate::RedisStore), so
/// sync and async processes share one fleet.
///
/// It keeps one multiplexed connection, opened on first use; a broken one is replaced and the
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
    client: redis::Client,
    config: RedisConfig,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    health: Health,
    save: Script,
    release: Script,
}

impl AsyncRedisStore {
    /// A store on the Redis at `url` (`redis://…`, `rediss://…` for TLS, `unix:///path`), with
    /// the default [`RedisConfig`]. Does not connect yet.
    pub fn open(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisConfig::default())
    }

    /// A store on the Redis at `url`, configured. Does not connect yet.
    pub fn with_config(url: &str, config: RedisConfig) -> Result<Self, RedisStoreError> {
        let client = redis::Client::open(url).map_err(RedisStoreError::Url)?;
        Ok(Self {
            client,
            config,
            connection: tokio::sync::Mutex::new(None),
            health: Health::default(),
            save: Script::new(common::SAVE_SCRIPT),
            release: Script::new(common::RELEASE_SCRIPT),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The Redis key a token is stored under (see [`RedisStore::token_key`](crate::RedisStore::token_key)).
    pub fn token_key(&self, key: &StoreKey) -> String {
        common::token_key(&self.config, key)
    }

    /// The Redis key of the fleet's lock on minting that token.
    pub fn lock_key(&self, key: &StoreKey) -> String {
        common::lock_key(&self.config, key)
    }

    /// Checks that Redis answers (`PING`).
    pub async fn ping(&self) -> Result<(), RedisStoreError> {
        self.run(|mut connection, _| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        })
        .await
        .map(drop)
    }

    /// The connection (opened if need be), and whether it was already open.
    async fn connection(&self) -> Result<(MultiplexedConnection, bool), RedisStoreError> {
        self.health.check()?;
        let mut slot = self.connection.lock().await;
        self.health.check()?;
        if let Some(connection) = slot.as_ref() {
            return Ok((connection.clone(), true));
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.config.connect_timeout))
            .set_response_timeout(Some(self.config.command_timeout));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|error| self.failed(error))?;
        *slot = Some(connection.clone());
        Ok((connection, false))
    }

    /// Runs `op` on the connection; see `RedisStore::run`.
    async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, RedisStoreError>
    where
        F: FnMut(MultiplexedConnection, bool) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let mut retried = false;
        loop {
            let (connection, reused) = self.connection().await?;
            match op(connection, retried).await {
                Ok(value) => {
                    self.health.up();
                    return Ok(value);
                }
                Err(error) if common::is_outage(&error) => {
                    *self.connection.lock().await = None;
                    if reused && !retried && !error.is_timeout() {
                        retried = true;
                        continue;
                    }
                    return Err(self.failed(error));
                }
                Err(error) => return Err(RedisStoreError::Refused(error)),
            }
        }
    }

    fn failed(&self, error: RedisError) -> RedisStoreError {
        let error = RedisStoreError::from(error);
        if error.is_outage() {
            self.health.down(self.config.retry_after);
        }
        error
    }
}

impl AsyncTokenStore for AsyncRedisStore {
    type Error = RedisStoreError;

    async fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        let name = self.token_key(key);
        let bytes: Option<Vec<u8>> = self
            .run(|mut connection, _| {
                let name = name.clone();
                async move {
                    redis::cmd("GET")
                        .arg(name)
                        .query_async(&mut connection)
                        .await
                }
            })
            .await?;
        bytes
            .map(|bytes| {
                StoredToken::from_json(key, &bytes)
                    .map_err(|source| RedisStoreError::Corrupt { key: name, source })
            })
            .transpose()
    }

    async fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        let Some(ttl) = common::time_to_live(token, SystemTime::now()) else {
            return Ok(());
        };
        let name = self.token_key(key);
        let value = token.to_json(key);
        let ttl = common::millis(ttl);
        self.run(|mut connection, _| {
            let mut invocation = self.save.key(&name);
            invocation.arg(&value[..]).arg(ttl);
            async move { invocation.invoke_async::<i64>(&mut connection).await }
        })
        .await
        .map(drop)
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        let name = self.token_key(key);
        self.run(|mut connection, _| {
            let name = name.clone();
            async move {
                redis::cmd("DEL")
                    .arg(name)
                    .query_async::<i64>(&mut connection)
                    .await
            }
        })
        .await
        .map(drop)
    }

    async fn claim_mint(&self, key: &StoreKey) -> Result<Claim, Self::Error> {
        let name = self.lock_key(key);
        let owner = common::owner_id();
        let ttl = common::millis(self.config.lock_ttl);
        let acquired = self
            .run(|mut connection, retried| {
                let (name, owner) = (name.clone(), owner.clone());
                async move {
                    let set: Option<String> = redis::cmd("SET")
                        .arg(&name)
                        .arg(&owner)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl)
                        .query_async(&mut connection)
                        .await?;
                    if set.is_some() {
                        return Ok(true);
                    }
                    if retried {
                        let holder: Option<String> = redis::cmd("GET")
                            .arg(&name)
                            .query_async(&mut connection)
                            .await?;
                        return Ok(holder.as_deref() == Some(owner.as_str()));
                    }
                    Ok(false)
                }
            })
            .await?;
        Ok(if acquired {
            Claim::Acquired(MintLock::new(key.clone(), owner, self.config.lock_ttl))
        } else {
            Claim::HeldElsewhere {
                poll_every: self.config.poll_every,
                wait_at_most: self.config.lock_wait,
            }
        })
    }

    async fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        let name = self.lock_key(lock.key());
        self.run(|mut connection, _| {
            let mut invocation = self.release.key(&name);
            invocation.arg(lock.owner());
            async move { invocation.invoke_async::<i64>(&mut connection).await }
        })
        .await
        .map(drop)
    }
}

impl fmt::Debug for AsyncRedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncRedisStore")
            .field(
                "address",
                &common::describe(self.client.get_connection_info()),
            )
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
