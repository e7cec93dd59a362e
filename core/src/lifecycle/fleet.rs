//! Fleet-wide single flight: a store shared by many processes (Redis) lets one of them mint the
//! token for a key while the others wait for it, instead of each minting its own.
//!
//! Nothing here does I/O: the store does, and the source decides.

use super::StoreKey;
use std::fmt;
use std::time::Duration;

/// The answer to [`TokenStore::claim_mint`](super::TokenStore::claim_mint): who mints the token
/// for a key.
///
/// The protocol, as a token source runs it when its keeper says to fetch:
///
/// 1. Look in the store; a token better than the current one is adopted, and nothing is minted.
/// 2. Otherwise [`claim_mint`](super::TokenStore::claim_mint):
///    - [`MintClaim::NotShared`]: the store is not shared (a file, memory): mint as usual.
///    - [`MintClaim::Acquired`]: this process holds the fleet's lock for the key. Look in the store
///      once more (another process may have just saved a token), then mint, save, and
///      [`release_mint`](super::TokenStore::release_mint) — also when the mint failed.
///    - [`MintClaim::HeldElsewhere`]: another process is minting. Look in the store again every
///      `poll_every`; claim again when the lock is gone (its holder died: the lock expires on
///      its own); after `wait_at_most` in all, mint alone.
///    - [`MintClaim::HeldOff`]: the server rate-limited a process of the fleet and named a
///      time ([`hold_off`](super::TokenStore::hold_off)): send nothing before `retry_in` has
///      passed.
/// 3. Any store error on the way: mint alone, and say so. The next refresh tries the store
///    again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MintClaim {
    /// The store is not shared with other processes (or does not lock): mint as usual.
    NotShared,
    /// This process holds the lock on minting this key until it releases it or the lock
    /// expires. Look in the store once more, mint, save, then release it.
    Acquired(MintLock),
    /// Another process holds the lock and is minting. Look in the store again after
    /// `poll_every` (and claim again if nothing new is there); after `wait_at_most` in all,
    /// mint alone.
    HeldElsewhere {
        /// How long to wait before looking again.
        poll_every: Duration,
        /// How long to wait in all for the other process's token, from the first
        /// `HeldElsewhere`.
        wait_at_most: Duration,
    },
    /// The server told a process of the fleet to wait (a 429 with `Retry-After` or
    /// `X-Rate-Limit-Retry`), and that wait is not over: send no request for this key before
    /// `retry_in` has passed (measured by the store: a shared one on its own clock).
    HeldOff {
        /// How long the wait has left.
        retry_in: Duration,
    },
}

/// Proof that this process holds the fleet's lock on minting the token under a key: the key and
/// the random owner id written into the lock. Only its holder can release the lock (the store
/// deletes it only if it still holds this owner id); a holder that dies loses it when it
/// expires.
///
/// Holds no secret; its `Debug` shows the key and the owner id.
#[derive(Clone, PartialEq, Eq)]
pub struct MintLock {
    key: StoreKey,
    owner: String,
    ttl: Duration,
}

impl MintLock {
    /// A lock on `key` held under `owner` (random, unique per claim) for at most `ttl`.
    pub fn new(key: StoreKey, owner: impl Into<String>, ttl: Duration) -> Self {
        Self {
            key,
            owner: owner.into(),
            ttl,
        }
    }

    /// The key of the token this lock is for.
    pub fn key(&self) -> &StoreKey {
        &self.key
    }

    /// The owner id written into the lock.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// How long the lock lives if it is not released.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

impl fmt::Debug for MintLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintLock")
            .field("key", &self.key)
            .field("owner", &self.owner)
            .field("ttl", &self.ttl)
            .finish()
    }
}
