//! The synchronous Redis store.

use crate::common::{self, Health};
use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{Claim, MintLock, StoreKey, StoredToken, TokenStore};
use redis::{Connection, RedisError, RedisResult, Script};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// A [`TokenStore`] on Redis, shared by every process that uses the same Redis and the same
/// [prefix](RedisConfig::prefix): one token per key across the fleet, and a fleet-wide lock so
/// that one process mints while the others wait for its token.
///
/// Blocking: for threads (e.g. `keycard::ureq::TokenSource`). Async code uses
/// [`AsyncRedisStore`](crate::AsyncRedisStore).
///
/// It keeps one connection, opened on first use, with the configured connect and command
/// timeouts. A connection that breaks (Redis restarted) is replaced and the command tried once
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
    client: redis::Client,
    config: RedisConfig,
    connection: Mutex<Option<Connection>>,
    health: Health,
    save: Script,
    release: Script,
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[user:password@]host[:port][/db]`, `rediss://…`
    /// for TLS, `unix:///path`), with the default [`RedisConfig`]. Does not connect yet.
    pub fn open(url: &str) -> Result<Self, RedisStoreError> {
        Self::with_config(url, RedisConfig::default())
    }

    /// A store on the Redis at `url`, configured. Does not connect yet.
    pub fn with_config(url: &str, config: RedisConfig) -> Result<Self, RedisStoreError> {
        let client = redis::Client::open(url).map_err(RedisStoreError::Url)?;
        Ok(Self {
            client,
            config,
            connection: Mutex::new(None),
            health: Health::default(),
            save: Script::new(common::SAVE_SCRIPT),
            release: Script::new(common::RELEASE_SCRIPT),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The Redis key a token is stored under: `[<prefix>:]keycard:v1:<namespace>:<hex>`. It
    /// holds no secret.
    pub fn token_key(&self, key: &StoreKey) -> String {
        common::token_key(&self.config, key)
    }

    /// The Redis key of the fleet's lock on minting that token: the token key and `:lock`.
    pub fn lock_key(&self, key: &StoreKey) -> String {
        common::lock_key(&self.config, key)
    }

    /// Checks that Redis answers (`PING`), e.g. at start, to log a misconfiguration early.
    pub fn ping(&self) -> Result<(), RedisStoreError> {
        self.run(|connection, _| redis::cmd("PING").query::<String>(connection))
            .map(drop)
    }

    fn connect(&self) -> RedisResult<Connection> {
        let connection = self
            .client
            .get_connection_with_timeout(self.config.connect_timeout)?;
        connection.set_read_timeout(Some(self.config.command_timeout))?;
        connection.set_write_timeout(Some(self.config.command_timeout))?;
        Ok(connection)
    }

    /// Runs `op` on the connection (opened if need be). `op`'s second argument says whether
    /// this is the second try, after the connection broke.
    fn run<T>(
        &self,
        mut op: impl FnMut(&mut Connection, bool) -> RedisResult<T>,
    ) -> Result<T, RedisStoreError> {
        self.health.check()?;
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Another thread may have found Redis down while this one waited for the connection.
        self.health.check()?;
        let mut retried = false;
        loop {
            let reused = slot.is_some();
            let connection = match slot.as_mut() {
                Some(connection) => connection,
                None => match self.connect() {
                    Ok(connection) => slot.insert(connection),
                    Err(error) => return Err(self.failed(error)),
                },
            };
            match op(connection, retried) {
                Ok(value) => {
                    self.health.up();
                    return Ok(value);
                }
                Err(error) if common::is_outage(&error) => {
                    // A timed-out or broken connection may be out of step: never reuse it.
                    *slot = None;
                    if reused && !retried && !error.is_timeout() {
                        // Most likely Redis restarted since the connection was opened.
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

impl TokenStore for RedisStore {
    type Error = RedisStoreError;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        let name = self.token_key(key);
        let bytes: Option<Vec<u8>> =
            self.run(|connection, _| redis::cmd("GET").arg(&name).query(connection))?;
        bytes
            .map(|bytes| {
                StoredToken::from_json(key, &bytes)
                    .map_err(|source| RedisStoreError::Corrupt { key: name, source })
            })
            .transpose()
    }

    /// Stores `token` with a Redis expiry at its own, unless the entry there lives longer (a
    /// token another process minted later). An expired token is not stored.
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        let Some(ttl) = common::time_to_live(token, SystemTime::now()) else {
            return Ok(());
        };
        let name = self.token_key(key);
        let value = token.to_json(key);
        let ttl = common::millis(ttl);
        self.run(|connection, _| {
            self.save
                .key(&name)
                .arg(&value[..])
                .arg(ttl)
                .invoke::<i64>(connection)
        })
        .map(drop)
    }

    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        let name = self.token_key(key);
        self.run(|connection, _| redis::cmd("DEL").arg(&name).query::<i64>(connection))
            .map(drop)
    }

    /// `SET <lock key> <random owner id> NX PX <lock_ttl>`: [`Claim::Acquired`] if it was
    /// set, [`Claim::HeldElsewhere`] (with the configured poll interval and wait) if not.
    fn claim_mint(&self, key: &StoreKey) -> Result<Claim, Self::Error> {
        let name = self.lock_key(key);
        let owner = common::owner_id();
        let ttl = common::millis(self.config.lock_ttl);
        let acquired = self.run(|connection, retried| {
            let set: Option<String> = redis::cmd("SET")
                .arg(&name)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query(connection)?;
            if set.is_some() {
                return Ok(true);
            }
            if retried {
                // The first try may have set it before the connection broke.
                let holder: Option<String> = redis::cmd("GET").arg(&name).query(connection)?;
                return Ok(holder.as_deref() == Some(owner.as_str()));
            }
            Ok(false)
        })?;
        Ok(if acquired {
            Claim::Acquired(MintLock::new(key.clone(), owner, self.config.lock_ttl))
        } else {
            Claim::HeldElsewhere {
                poll_every: self.config.poll_every,
                wait_at_most: self.config.lock_wait,
            }
        })
    }

    /// Deletes the lock if it still holds this lock's owner id (a Lua compare-and-delete).
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        let name = self.lock_key(lock.key());
        self.run(|connection, _| {
            self.release
                .key(&name)
                .arg(lock.owner())
                .invoke::<i64>(connection)
        })
        .map(drop)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The address only: never the user name or password of the URL.
        f.debug_struct("RedisStore")
            .field(
                "address",
                &common::describe(self.client.get_connection_info()),
            )
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
