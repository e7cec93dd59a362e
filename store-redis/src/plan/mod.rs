//! The fleet protocol without I/O, run by the async store (and so by the blocking store, which
//! runs the async one on a thread of its own).
//!
//! For each store operation the plan says which command to send and reads Redis's reply into
//! the operation's result (or the next command); an [`Exchange`] adds what happens when the
//! connection fails (replace it once, or take Redis for down). The store only opens, keeps and
//! drops a connection, sends what it is told with the configured timeouts, and feeds the reply
//! back:
//!
//! ```text
//! let (mut exchange, mut command) = plan.begin(operation, reused);
//! loop {
//!     match exchange.read(send(command)) {
//!         Next::Send(next) => command = next,
//!         Next::Reconnect(next) => { drop the connection, open a new one; command = next }
//!         Next::Broken(error) => { drop the connection; return Err(error) }
//!         Next::Done(result) => return result,
//!     }
//! }
//! ```
//!
//! So the stores, sync or async, send the same commands, read the same replies the same way,
//! and share one fleet.

mod exchange;
mod health;
mod keys;
mod ledger;
mod lock;
mod operation;
mod script;
mod token;

pub(crate) use exchange::{Exchange, Next};
pub(crate) use lock::owner_id;
pub(crate) use operation::Operation;

use crate::{RedisConfig, RedisStoreError};
use health::Health;
use keycard_core::lifecycle::{LiveCount, MintLock, StoreKey, StoredToken};
use lock::ClaimMint;
use operation::Ping;
use redis::RedisError;
use script::{Lua, ScriptCall};
use std::time::{Duration, SystemTime};
use token::{Load, Remove};

/// What a store knows besides its connection: the configuration, whether Redis is taken for
/// down, and the scripts. Hands out one [`Operation`] per store call.
pub(crate) struct Plan {
    config: RedisConfig,
    health: Health,
    save: Lua,
    release: Lua,
    claim: Lua,
    hold: Lua,
    ledger: Lua,
    load: Lua,
}

impl Plan {
    /// The plan of a store configured so.
    pub(crate) fn new(config: RedisConfig) -> Self {
        Self {
            config,
            health: Health::default(),
            save: Lua::new(script::SAVE),
            release: Lua::new(script::RELEASE),
            claim: Lua::new(script::CLAIM),
            hold: Lua::new(script::HOLD),
            ledger: Lua::new(script::LEDGER),
            load: Lua::new(script::LOAD),
        }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The Redis key of the token stored under `key`.
    pub(crate) fn token_key(&self, key: &StoreKey) -> String {
        keys::token_key(&self.config, key)
    }

    /// The Redis key of the fleet's lock on minting the token under `key`.
    pub(crate) fn lock_key(&self, key: &StoreKey) -> String {
        keys::lock_key(&self.config, key)
    }

    /// `PING`.
    pub(crate) fn ping(&self) -> Ping {
        Ping
    }

    /// Reads the token under `key`.
    pub(crate) fn load(&self, key: &StoreKey) -> Load<'_> {
        Load::new(&self.load, &self.release, key, self.token_key(key))
    }

    /// Saves `token` under `key`, unless a longer-lived one is there; `None` if it has expired
    /// at `now` (nothing to store).
    pub(crate) fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
        now: SystemTime,
    ) -> Option<ScriptCall<'_>> {
        token::save(&self.save, self.token_key(key), key, token, now)
    }

    /// Deletes the token under `key`.
    pub(crate) fn remove(&self, key: &StoreKey) -> Remove {
        Remove::new(self.token_key(key))
    }

    /// Takes the fleet's lock on minting the token under `key`, as `owner` (see
    /// [`owner_id`]).
    pub(crate) fn claim(&self, key: &StoreKey, owner: String) -> ClaimMint<'_> {
        let keys = [self.lock_key(key), keys::hold_key(&self.config, key)];
        ClaimMint::new(&self.config, &self.claim, key, keys, owner)
    }

    /// The Redis key of the fleet's wait before minting the token under `key` again.
    pub(crate) fn hold_key(&self, key: &StoreKey) -> String {
        keys::hold_key(&self.config, key)
    }

    /// The Redis key of the ledger of live tokens for `budget`.
    pub(crate) fn ledger_key(&self, budget: &StoreKey) -> String {
        keys::ledger_key(&self.config, budget)
    }

    /// Tells the fleet to wait `wait` before minting the token under `key` (a longer wait
    /// already set is kept).
    pub(crate) fn hold_off(&self, key: &StoreKey, wait: Duration) -> ScriptCall<'_> {
        let ttl = operation::millis(wait);
        self.hold.call(self.hold_key(key), ttl)
    }

    /// Records `token` (by its time to live at `now`) in the ledger for `budget`; the count.
    pub(crate) fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
        now: SystemTime,
    ) -> ScriptCall<'_, LiveCount> {
        ledger::record(&self.ledger, self.ledger_key(budget), token, now)
    }

    /// Counts the live tokens in the ledger for `budget`.
    pub(crate) fn count_live(&self, budget: &StoreKey) -> ScriptCall<'_, LiveCount> {
        ledger::count(&self.ledger, self.ledger_key(budget))
    }

    /// Takes the token with `fingerprint` out of the ledger for `budget`.
    pub(crate) fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> ledger::Forget {
        ledger::Forget::new(self.ledger_key(budget), fingerprint)
    }

    /// Releases `lock` if Redis still holds it for its owner.
    pub(crate) fn release(&self, lock: &MintLock) -> ScriptCall<'_> {
        lock::release(&self.release, self.lock_key(lock.key()), lock.owner())
    }

    /// `Err` while Redis is taken for down: fail at once rather than wait for a timeout.
    pub(crate) fn check(&self) -> Result<(), RedisStoreError> {
        self.health.check()
    }

    /// Starts running `operation` on a connection (`reused`: one opened before, which may
    /// have broken since): the exchange, and the first command to send.
    pub(crate) fn begin<O: Operation>(
        &self,
        operation: O,
        reused: bool,
    ) -> (Exchange<'_, O>, redis::Cmd) {
        Exchange::start(self, operation, reused)
    }

    /// Redis failed (to connect, or to answer a command): the error, with Redis taken for
    /// down for [`retry_after`](RedisConfig::retry_after) if it was an outage or no Redis
    /// reply.
    pub(crate) fn failed(&self, error: RedisError) -> RedisStoreError {
        let error = if crate::error::is_protocol(&error) {
            RedisStoreError::Protocol(error)
        } else {
            RedisStoreError::from(error)
        };
        if error.takes_redis_down() {
            self.health.down(self.config.retry_after);
        }
        error
    }

    /// Redis answered.
    fn answered(&self) {
        self.health.up();
    }
}

#[cfg(test)]
mod tests;
