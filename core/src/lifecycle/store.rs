//! Where tokens outlive the process: the [`TokenStore`] traits (blocking and async), and a store
//! in memory.
//!
//! A restarted process that reuses a live token instead of minting another spares the API's
//! budget (Voucherify allows at most 1000 live tokens per project).

use super::{LiveCount, MintClaim, MintLock, StoreKey, StoredToken};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Where tokens outlive the process: load a live token at start, save each new one.
///
/// Implementations: [`MemoryStore`] here; `keycard::FileStore` in the facade crate;
/// `keycard::redis::RedisStore`, shared by a fleet of processes. An async program uses an
/// [`AsyncTokenStore`].
pub trait TokenStore {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks).
    ///
    /// A value that is not a token (corrupted, written by something else) is an error with a
    /// [`DecodeError`](super::DecodeError) among its causes, and the store removes or overwrites
    /// it: a source then takes the key for empty, and a fleet still mints once for it. Any
    /// other error is taken for a failing store: the source mints alone.
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error>;

    /// Stores `token` under `key`, replacing what was there.
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error>;

    /// Forgets the token under `key` (for example after revoking it). Absent is not an error.
    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error>;

    /// Asks to mint the token under `key` on behalf of every process sharing this store
    /// (fleet-wide single flight: [`MintClaim`] describes the protocol).
    ///
    /// The default answers [`MintClaim::NotShared`]: a store that only this process uses needs no
    /// lock. A shared store (`keycard::redis::RedisStore`) takes a short lock with an expiry.
    fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        let _ = key;
        Ok(MintClaim::NotShared)
    }

    /// Releases a lock [`claim_mint`](Self::claim_mint) acquired, if this process still holds
    /// it (a lock that expired and was taken by another process is left alone). The default
    /// does nothing.
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        let _ = lock;
        Ok(())
    }

    /// Tells every process sharing this store to send no request for the token under `key`
    /// for `wait` (the server rate-limited one and named when to come back): until then,
    /// [`claim_mint`](Self::claim_mint) answers [`MintClaim::HeldOff`]. A longer wait already
    /// there is kept. The wait is a duration, measured by the store (Redis on its own clock),
    /// so that processes whose clocks differ wait alike. The default does nothing.
    fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        let _ = (key, wait);
        Ok(())
    }

    /// Records `token`, just minted, in the fleet's ledger of live tokens for the budget
    /// `budget` ([`TokenEndpoint::budget_key`](super::TokenEndpoint::budget_key)) until it
    /// expires, under its [fingerprint](StoredToken::fingerprint) (never the token); answers
    /// the count after it. The default keeps no ledger: `None`.
    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        let _ = (budget, token);
        Ok(None)
    }

    /// How many live tokens the fleet's ledger holds for `budget` (expired entries are
    /// dropped first). The default keeps no ledger: `None`.
    fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        let _ = budget;
        Ok(None)
    }

    /// Takes the token with this [fingerprint](StoredToken::fingerprint) out of the ledger
    /// for `budget` (it was revoked). Absent is not an error. The default does nothing.
    fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        let _ = (budget, fingerprint);
        Ok(())
    }
}

/// [`TokenStore`] for async code: the same operations, as futures (a network store such as
/// Redis does not block a runtime's thread).
///
/// Implementations: `keycard::redis::AsyncRedisStore`; any blocking store whose calls are short
/// through [`BlockingStore`].
pub trait AsyncTokenStore: Send + Sync {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks). A value that
    /// is not a token: as for [`TokenStore::load`].
    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send;

    /// Stores `token` under `key`, replacing what was there.
    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Forgets the token under `key`. Absent is not an error.
    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// See [`TokenStore::claim_mint`]. The default answers [`MintClaim::NotShared`].
    fn claim_mint(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<MintClaim, Self::Error>> + Send {
        let _ = key;
        std::future::ready(Ok(MintClaim::NotShared))
    }

    /// See [`TokenStore::release_mint`]. The default does nothing.
    fn release_mint(
        &self,
        lock: &MintLock,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = lock;
        std::future::ready(Ok(()))
    }

    /// See [`TokenStore::hold_off`]. The default does nothing.
    fn hold_off(
        &self,
        key: &StoreKey,
        wait: Duration,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = (key, wait);
        std::future::ready(Ok(()))
    }

    /// See [`TokenStore::record_mint`]. The default keeps no ledger.
    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        let _ = (budget, token);
        std::future::ready(Ok(None))
    }

    /// See [`TokenStore::count_live`]. The default keeps no ledger.
    fn count_live(
        &self,
        budget: &StoreKey,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        let _ = budget;
        std::future::ready(Ok(None))
    }

    /// See [`TokenStore::forget_mint`]. The default does nothing.
    fn forget_mint(
        &self,
        budget: &StoreKey,
        fingerprint: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = (budget, fingerprint);
        std::future::ready(Ok(()))
    }
}

/// A store in memory: shared by keepers in one process, gone at exit. Useful in tests and as a
/// model for other stores.
///
/// Given a wall clock ([`with_clock`](Self::with_clock)), it also keeps what a fleet shares
/// besides tokens, for the sources of this process: a rate limit's wait
/// ([`hold_off`](TokenStore::hold_off)) and the ledger of live tokens
/// ([`record_mint`](TokenStore::record_mint)). Without one (core reads no clock) it keeps
/// neither.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<StoreKey, StoredToken>>,
    clock: Option<Box<dyn Fn() -> SystemTime + Send + Sync>>,
    /// Per key, the end of a rate limit's wait.
    holds: Mutex<HashMap<StoreKey, SystemTime>>,
    /// Per budget, each live token's fingerprint and expiry.
    ledger: Mutex<HashMap<StoreKey, HashMap<String, SystemTime>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that also keeps waits and the ledger, on the wall clock `now` (in
    /// tests, a clock the test moves).
    pub fn with_clock(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self {
            clock: Some(Box::new(now)),
            ..Self::default()
        }
    }

    /// How many tokens it holds.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, StoredToken>> {
        lock(&self.tokens)
    }

    /// The live entries of the ledger for `budget` at `now`, expired ones dropped.
    fn count(
        ledger: &mut HashMap<StoreKey, HashMap<String, SystemTime>>,
        budget: &StoreKey,
        now: SystemTime,
    ) -> LiveCount {
        let Some(entries) = ledger.get_mut(budget) else {
            return LiveCount::new(0, None);
        };
        entries.retain(|_, expires| *expires > now);
        let next = entries.values().min().copied();
        let live = u32::try_from(entries.len()).unwrap_or(u32::MAX);
        LiveCount::new(live, next.and_then(|at| at.duration_since(now).ok()))
    }
}

/// Every operation on the maps is a single insert, get, retain or remove: a panic elsewhere
/// while a lock was held leaves them consistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tokens' own Debug is redacted.
        f.debug_struct("MemoryStore")
            .field("tokens", &self.tokens)
            .field("clock", &self.clock.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenStore for MemoryStore {
    type Error = std::convert::Infallible;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        Ok(self.map().get(key).cloned())
    }

    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        self.map().insert(key.clone(), token.clone());
        Ok(())
    }

    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        self.map().remove(key);
        Ok(())
    }

    /// [`MintClaim::HeldOff`] while a wait for `key` is on, else [`MintClaim::NotShared`].
    fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        let Some(now) = self.clock.as_ref().map(|clock| clock()) else {
            return Ok(MintClaim::NotShared);
        };
        let mut holds = lock(&self.holds);
        match holds.get(key).map(|until| until.duration_since(now)) {
            Some(Ok(retry_in)) if !retry_in.is_zero() => Ok(MintClaim::HeldOff { retry_in }),
            Some(_) => {
                holds.remove(key);
                Ok(MintClaim::NotShared)
            }
            None => Ok(MintClaim::NotShared),
        }
    }

    fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        let Some(now) = self.clock.as_ref().map(|clock| clock()) else {
            return Ok(());
        };
        let until = now.checked_add(wait).unwrap_or(now);
        let mut holds = lock(&self.holds);
        let entry = holds.entry(key.clone()).or_insert(until);
        *entry = (*entry).max(until);
        Ok(())
    }

    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        let Some(now) = self.clock.as_ref().map(|clock| clock()) else {
            return Ok(None);
        };
        let mut ledger = lock(&self.ledger);
        if token.expires_at() > now {
            ledger
                .entry(budget.clone())
                .or_default()
                .insert(token.fingerprint(), token.expires_at());
        }
        Ok(Some(Self::count(&mut ledger, budget, now)))
    }

    fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        let Some(now) = self.clock.as_ref().map(|clock| clock()) else {
            return Ok(None);
        };
        Ok(Some(Self::count(&mut lock(&self.ledger), budget, now)))
    }

    fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        if let Some(entries) = lock(&self.ledger).get_mut(budget) {
            entries.remove(fingerprint);
        }
        Ok(())
    }
}

impl<S: TokenStore + ?Sized> TokenStore for std::sync::Arc<S> {
    type Error = S::Error;
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        (**self).load(key)
    }
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        (**self).save(key, token)
    }
    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        (**self).remove(key)
    }
    fn claim_mint(&self, key: &StoreKey) -> Result<MintClaim, Self::Error> {
        (**self).claim_mint(key)
    }
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        (**self).release_mint(lock)
    }
    fn hold_off(&self, key: &StoreKey, wait: Duration) -> Result<(), Self::Error> {
        (**self).hold_off(key, wait)
    }
    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> Result<Option<LiveCount>, Self::Error> {
        (**self).record_mint(budget, token)
    }
    fn count_live(&self, budget: &StoreKey) -> Result<Option<LiveCount>, Self::Error> {
        (**self).count_live(budget)
    }
    fn forget_mint(&self, budget: &StoreKey, fingerprint: &str) -> Result<(), Self::Error> {
        (**self).forget_mint(budget, fingerprint)
    }
}

/// A blocking [`TokenStore`] whose calls are short (a file, memory) used where an
/// [`AsyncTokenStore`] is expected: each call runs in place, when the future is first polled.
#[derive(Debug, Clone, Default)]
pub struct BlockingStore<S>(pub S);

impl<S: TokenStore + Send + Sync> AsyncTokenStore for BlockingStore<S> {
    type Error = S::Error;

    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send {
        std::future::ready(self.0.load(key))
    }

    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(self.0.save(key, token))
    }

    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(self.0.remove(key))
    }

    fn claim_mint(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<MintClaim, Self::Error>> + Send {
        std::future::ready(self.0.claim_mint(key))
    }

    fn release_mint(
        &self,
        lock: &MintLock,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(self.0.release_mint(lock))
    }

    fn hold_off(
        &self,
        key: &StoreKey,
        wait: Duration,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(self.0.hold_off(key, wait))
    }

    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        std::future::ready(self.0.record_mint(budget, token))
    }

    fn count_live(
        &self,
        budget: &StoreKey,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        std::future::ready(self.0.count_live(budget))
    }

    fn forget_mint(
        &self,
        budget: &StoreKey,
        fingerprint: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(self.0.forget_mint(budget, fingerprint))
    }
}

impl<S: AsyncTokenStore + ?Sized> AsyncTokenStore for std::sync::Arc<S> {
    type Error = S::Error;

    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send {
        (**self).load(key)
    }

    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).save(key, token)
    }

    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).remove(key)
    }

    fn claim_mint(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<MintClaim, Self::Error>> + Send {
        (**self).claim_mint(key)
    }

    fn release_mint(
        &self,
        lock: &MintLock,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).release_mint(lock)
    }

    fn hold_off(
        &self,
        key: &StoreKey,
        wait: Duration,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).hold_off(key, wait)
    }

    fn record_mint(
        &self,
        budget: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        (**self).record_mint(budget, token)
    }

    fn count_live(
        &self,
        budget: &StoreKey,
    ) -> impl Future<Output = Result<Option<LiveCount>, Self::Error>> + Send {
        (**self).count_live(budget)
    }

    fn forget_mint(
        &self,
        budget: &StoreKey,
        fingerprint: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).forget_mint(budget, fingerprint)
    }
}
