//! A token store behind a trait object, with its errors turned into events.

use super::{SourceEvent, StoreAction};
use keycard_core::lifecycle::{Claim, MintLock, StoreKey, StoredToken, TokenStore};
use std::sync::Arc;

type StoreError = Arc<dyn std::error::Error + Send + Sync>;

/// [`TokenStore`] with a boxed error, so that a source can hold any store.
pub(crate) trait DynStore: Send + Sync {
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError>;
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), StoreError>;
    fn remove(&self, key: &StoreKey) -> Result<(), StoreError>;
    fn claim_mint(&self, key: &StoreKey) -> Result<Claim, StoreError>;
    fn release_mint(&self, lock: &MintLock) -> Result<(), StoreError>;
}

impl<S: TokenStore + Send + Sync> DynStore for S {
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError> {
        TokenStore::load(self, key).map_err(|e| Arc::new(e) as StoreError)
    }
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), StoreError> {
        TokenStore::save(self, key, token).map_err(|e| Arc::new(e) as StoreError)
    }
    fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        TokenStore::remove(self, key).map_err(|e| Arc::new(e) as StoreError)
    }
    fn claim_mint(&self, key: &StoreKey) -> Result<Claim, StoreError> {
        TokenStore::claim_mint(self, key).map_err(|e| Arc::new(e) as StoreError)
    }
    fn release_mint(&self, lock: &MintLock) -> Result<(), StoreError> {
        TokenStore::release_mint(self, lock).map_err(|e| Arc::new(e) as StoreError)
    }
}

/// The event for a store failure.
pub(crate) fn failed(action: StoreAction, error: StoreError) -> SourceEvent {
    SourceEvent::StoreFailed { action, error }
}
