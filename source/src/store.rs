//! The store as the drivers use it: object-safe and async (a blocking store runs in place).

use keycard_core::lifecycle::{AsyncTokenStore, IoResult, StoreCall, StoreError, StoreKey};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type BoxFuture<'a> = Pin<Box<dyn Future<Output = IoResult> + Send + 'a>>;

/// Performs the machine's calls to the store.
pub(crate) trait DynStore: Send + Sync {
    fn perform(&self, call: StoreCall) -> BoxFuture<'_>;

    /// Takes a revoked token out of the ledger for `budget` ([`AsyncTokenStore::forget_mint`]).
    fn forget(
        &self,
        budget: StoreKey,
        fingerprint: String,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + '_>>;
}

impl<S: AsyncTokenStore> DynStore for S {
    fn perform(&self, call: StoreCall) -> BoxFuture<'_> {
        Box::pin(async move {
            match call {
                StoreCall::Load(key) => IoResult::Loaded(self.load(&key).await.map_err(boxed)),
                StoreCall::Remove(key) => IoResult::Removed(self.remove(&key).await.map_err(boxed)),
                StoreCall::Claim(key) => {
                    IoResult::Claimed(self.claim_mint(&key).await.map_err(boxed))
                }
                StoreCall::Save(key, token) => {
                    IoResult::Saved(self.save(&key, &token).await.map_err(boxed))
                }
                StoreCall::Release(lock) => {
                    IoResult::Released(self.release_mint(&lock).await.map_err(boxed))
                }
                StoreCall::HoldOff(key, wait) => {
                    IoResult::HeldOff(self.hold_off(&key, wait).await.map_err(boxed))
                }
                StoreCall::Count(budget) => {
                    IoResult::Counted(self.count_live(&budget).await.map_err(boxed))
                }
                StoreCall::Record(budget, token) => {
                    IoResult::Recorded(self.record_mint(&budget, &token).await.map_err(boxed))
                }
            }
        })
    }

    fn forget(
        &self,
        budget: StoreKey,
        fingerprint: String,
    ) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + '_>> {
        Box::pin(async move { self.forget_mint(&budget, &fingerprint).await.map_err(boxed) })
    }
}

fn boxed<E: std::error::Error + Send + Sync + 'static>(error: E) -> StoreError {
    Arc::new(error)
}
