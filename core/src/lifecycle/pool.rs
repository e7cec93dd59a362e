//! Many tokens in one object: a bounded book of per-key values (a token source each, one
//! lifecycle per key), where a key may serve requests for other keys it covers.
//!
//! Nothing here does I/O or reads a clock: the drivers in `keycard-source` keep one book behind
//! a lock and say, with the time, which entries may go.

use super::SourceError;
use crate::BuildError;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::time::Instant;

/// What a pool is keyed by: a scope set, an order. A vendor module implements it for its
/// grants.
pub trait PoolKey: Clone + Eq + Hash + Debug + Send + Sync + 'static {
    /// Whether a key may cover keys other than itself (a pool then searches its entries
    /// when a key is not held itself). `false` by default: only equal keys match.
    const COVERS_OTHERS: bool = false;

    /// Whether a token for `self` serves a caller who asked for `wanted`. By default, only
    /// when they are equal; a scope set that grants every scope of another covers it.
    fn covers(&self, wanted: &Self) -> bool {
        self == wanted
    }
}

/// Why a pool gave no token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The pool holds its cap of keys, and none of them may go yet (each has a valid token, or
    /// a call is using it): memory stays bounded. Raise the cap, or try again once some
    /// tokens have expired.
    #[error("the pool holds {capacity} live keys, its cap")]
    Full {
        /// The cap.
        capacity: usize,
    },
    /// The token request for this key could not be built (an empty order id, an empty scope
    /// set): fix the key.
    #[error("the token request for this key could not be built")]
    Build(#[source] BuildError),
    /// The key's source gave no token.
    #[error("the key's token source gave no token")]
    Token(#[source] SourceError),
}

/// A bounded map from keys to values (one token source per key), with lookup by covering key.
///
/// At most `capacity` entries: when full, an insert first drops the entries the driver says
/// may go (their token has expired and no call is using them), and fails with
/// [`PoolError::Full`] if none may. An entry still in use is never dropped: a dropped entry's
/// token would be forgotten, and a token that is never replaced silently would be minted
/// again, invalidating the one handed out.
#[derive(Debug)]
pub struct PoolBook<K, V> {
    entries: HashMap<K, V>,
    capacity: usize,
}

impl<K: PoolKey, V> PoolBook<K, V> {
    /// An empty book of at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// The cap.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for `wanted`: its own, else (for keys that cover others) one whose key covers
    /// it, preferring the one `rank` puts highest (e.g. the token that lives longest).
    pub fn find<R: Ord>(&self, wanted: &K, rank: impl Fn(&V) -> R) -> Option<(&K, &V)> {
        if let Some(found) = self.entries.get_key_value(wanted) {
            return Some(found);
        }
        if !K::COVERS_OTHERS {
            return None;
        }
        self.entries
            .iter()
            .filter(|(key, _)| key.covers(wanted))
            .max_by_key(|(_, value)| rank(value))
    }

    /// Adds `value` under `key` (replacing any there) and returns it. When the book is full,
    /// first drops every entry `keep` refuses at `now`; [`PoolError::Full`] if it is still
    /// full.
    pub fn insert(
        &mut self,
        key: K,
        value: V,
        now: Instant,
        keep: impl Fn(&V, Instant) -> bool,
    ) -> Result<&V, PoolError> {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.prune(now, keep);
            if self.entries.len() >= self.capacity {
                return Err(PoolError::Full {
                    capacity: self.capacity,
                });
            }
        }
        self.entries.insert(key.clone(), value);
        self.entries.get(&key).ok_or(PoolError::Full {
            capacity: self.capacity,
        })
    }

    /// Drops every entry `keep` refuses at `now`; how many it dropped.
    pub fn prune(&mut self, now: Instant, keep: impl Fn(&V, Instant) -> bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, value| keep(value, now));
        before - self.entries.len()
    }
}
