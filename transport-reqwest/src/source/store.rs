//! A token store behind a trait object, async or blocking, with its errors turned into events.

use super::{SourceEvent, StoreAction};
use keycard_core::lifecycle::{
    AsyncTokenStore, Claim, MintLock, StoreKey, StoredToken, TokenStore,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub(crate) type StoreError = Arc<dyn std::error::Error + Send + Sync>;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`AsyncTokenStore`] with boxed futures and a boxed error, so that a source can hold any
/// store. Only the slow path (minting) calls it: the allocations do not matter.
pub(crate) trait DynStore: Send + Sync {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, StoreError>>;
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), StoreError>>;
    fn claim_mint<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Claim, StoreError>>;
    fn release_mint<'a>(&'a self, lock: &'a MintLock) -> BoxFuture<'a, Result<(), StoreError>>;
}

fn boxed<E: std::error::Error + Send + Sync + 'static>(error: E) -> StoreError {
    Arc::new(error)
}

/// An async store.
pub(crate) struct Async<S>(pub(crate) S);

impl<S: AsyncTokenStore> DynStore for Async<S> {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, StoreError>> {
        Box::pin(async move { self.0.load(key).await.map_err(boxed) })
    }
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.0.save(key, token).await.map_err(boxed) })
    }
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.0.remove(key).await.map_err(boxed) })
    }
    fn claim_mint<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(async move { self.0.claim_mint(key).await.map_err(boxed) })
    }
    fn release_mint<'a>(&'a self, lock: &'a MintLock) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.0.release_mint(lock).await.map_err(boxed) })
    }
}

/// A blocking store (a file, memory), called in place.
pub(crate) struct Blocking<S>(pub(crate) S);

impl<S: TokenStore + Send + Sync> DynStore for Blocking<S> {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredToken>, StoreError>> {
        Box::pin(std::future::ready(self.0.load(key).map_err(boxed)))
    }
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.0.save(key, token).map_err(boxed)))
    }
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.0.remove(key).map_err(boxed)))
    }
    fn claim_mint<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(std::future::ready(self.0.claim_mint(key).map_err(boxed)))
    }
    fn release_mint<'a>(&'a self, lock: &'a MintLock) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.0.release_mint(lock).map_err(boxed)))
    }
}

/// The event for a store failure.
pub(crate) fn failed(action: StoreAction, error: StoreError) -> SourceEvent {
    SourceEvent::StoreFailed { action, error }
}
