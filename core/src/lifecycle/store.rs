//! Where tokens outlive the process: the [`TokenStore`] traits (blocking and async), and a store
//! in memory.
//!
//! A restarted process that reuses a live token instead of minting another spares the API's
//! budget (Voucherify allows at most 1000 live tokens per project).

use super::{MintClaim, MintLock, StoreKey, StoredToken};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// Where tokens outlive the process: load a live token at start, save each new one.
///
/// Implementations: [`MemoryStore`] here; `keycard::FileStore` in the facade crate;
/// `keycard::redis::RedisStore`, shared by a fleet of processes. An async program uses an
/// [`AsyncTokenStore`].
pub trait TokenStore {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks).
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
}

/// [`TokenStore`] for async code: the same operations, as futures (a network store such as
/// Redis does not block a runtime's thread).
///
/// Implementations: `keycard::redis::AsyncRedisStore`; any blocking store whose calls are short
/// through [`BlockingStore`].
pub trait AsyncTokenStore: Send + Sync {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks).
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
}

/// A store in memory: shared by keepers in one process, gone at exit. Useful in tests and as a
/// model for other stores.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<StoreKey, StoredToken>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
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
        // A panic elsewhere while holding the lock leaves the map consistent: every operation
        // below is a single insert, get or remove.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
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
}
