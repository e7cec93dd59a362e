//! The token lifecycle, sans-IO and vendor-free: keep a token alive between calls, driven by
//! explicit time.
//!
//! - A [`SourceMachine`] holds one token's whole life: it says when to use the token, when to
//!   mint one (single flight), how to retry, and runs the fleet-store protocol (load, claim,
//!   save, release). It does no I/O: a driver performs its [`Io`] steps and reports the
//!   results. `keycard-source` has a blocking and an async driver; its docs give the loop
//!   contract.
//! - What differs per token endpoint is a [`TokenEndpoint`], implemented by the vendor modules:
//!   building the request, reading the response into an [`Issued`] token, which rate-limit
//!   headers to honour, which failures may be retried, and whether the token may be refreshed
//!   ahead ([`Renewal`]).
//! - **Time**: deadlines, backoffs and waits run on the monotonic clock the driver passes in
//!   (`Instant`), so a step of the wall clock neither stretches a token past its life nor
//!   freezes callers behind a backoff. A token's lifetime is measured on the server's clock
//!   (its `Date` against its stated expiry) and placed on the monotonic one; wall time is used
//!   only to read the server's absolute times and to write stores that other processes read.
//! - **Stores**: a [`TokenStore`] (or [`AsyncTokenStore`]) keyed by a [`StoreKey`] that holds
//!   no secret; [`MemoryStore`] here, a file store in `keycard-source`, Redis in
//!   `keycard-redis`. A shared store lets one process of a fleet mint while the others wait
//!   for its token ([`MintClaim`], [`MintLock`]), makes the whole fleet honour a rate limit
//!   one process was told of ([`TokenStore::hold_off`]), and keeps a ledger of the fleet's live
//!   tokens against the API's limit ([`TokenBudget`], [`LiveCount`]).
//!
//! Nothing here reads a clock, does I/O or starts a thread.

mod config;
mod endpoint;
mod error;
mod event;
mod fleet;
mod jitter;
mod keeper;
mod ledger;
mod machine;
mod pool;
mod retry;
mod source_error;
mod store;
mod store_key;
mod stored_token;
mod token;

pub(crate) use endpoint::{parse_failure, untyped_failure};
pub(crate) use jitter::Jitter;
pub(crate) use machine::Events;

pub use config::SourceConfig;
pub use endpoint::{Expiry, Issued, Renewal, TokenEndpoint};
pub use error::{Failure, FetchError, Rejection};
pub use event::{AloneReason, ClockSkew, Event, StoreAction};
pub use fleet::{MintClaim, MintLock};
pub use ledger::{LiveCount, TokenBudget, WhenSpent};
pub use machine::{Io, IoResult, SourceMachine, Step, StepId, StoreCall, StoreError, Waiter};
pub use pool::{PoolBook, PoolError, PoolKey};
pub use retry::RetryPolicy;
pub use source_error::SourceError;
pub use store::{AsyncTokenStore, BlockingStore, MemoryStore, TokenStore};
pub use store_key::StoreKey;
pub use stored_token::{DecodeError, RestoreError, StoredToken};
pub use token::{AuthScheme, LiveToken, UnsendableToken};
