//! The token lifecycle, sans-IO: keep a token alive between calls, driven by explicit time.
//!
//! - A [`Keeper`] per credentials and scope set (or per order) answers, given `now`, one
//!   [`Action`]: use this token, fetch (here is the request), or wait until a given time. It
//!   takes the response (or a transport failure) and the local time it arrived.
//! - **Deadlines by the local clock.** A Voucherify token expires at the local receive time plus
//!   `expires_in`; an Exact Payments token at its `expiresAt`, or earlier if the response's
//!   `Date` says the local clock is behind. A skewed local clock therefore cannot make a token
//!   look valid when it is not; a difference from the server's clock is reported as
//!   [`Event::ClockSkew`].
//! - **Refresh ahead** of expiry by [`KeeperConfig::refresh_margin`] plus a seeded jitter
//!   ([`Jitter`]); while a refresh fails, a token that is still valid keeps being served.
//! - **Retries** by a pure [`RetryPolicy`]: 429, 500, 502, 503, 504 and transport failures, with
//!   capped exponential backoff and jitter, never earlier than `Retry-After` or
//!   `X-Rate-Limit-Retry`; a bounded number of attempts; the [`FetchError`] that ends it says
//!   why.
//! - **Authorizing** a request puts a precomputed sensitive header on it
//!   ([`LiveToken::authorize`]); [`LiveToken::authorize_checked`] first refuses a Voucherify call
//!   the token's scopes do not grant.
//! - **Persistence**: [`LiveToken::to_stored`], [`Keeper::restore`], a [`TokenStore`] keyed by a
//!   [`StoreKey`] that holds no secret; [`MemoryStore`] here, `keycard::FileStore` in the facade;
//!   [`AsyncTokenStore`] for async code.
//! - **Fleet-wide single flight**: a store shared by many processes (`keycard::redis`) lets one
//!   of them mint while the others wait for its token ([`TokenStore::claim_mint`], [`Claim`],
//!   [`MintLock`]).
//! - **Token sources**' shared vocabulary: what a thread-safe source reports
//!   ([`SourceEvent`]) and why it gives no token ([`SourceError`]), used by every transport's
//!   `TokenSource`.
//!
//! Nothing here reads a clock, does I/O or starts a thread.
//!
//! ```
//! use keycard_core::lifecycle::{Action, Keeper, KeeperConfig, Progress};
//! use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard_core::SecretKey;
//! use std::time::{Duration, SystemTime};
//!
//! let api = voucherify::Api::new(
//!     Region::Europe.base_url(),
//!     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
//! );
//! let mint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
//! let mut keeper = Keeper::new(mint, KeeperConfig::default());
//!
//! let mut now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_738_944_186);
//! let Action::Fetch(fetch) = keeper.poll(now) else { unreachable!("no token yet") };
//! assert_eq!(fetch.request.uri(), "https://api.voucherify.io/v1/oauth/token");
//!
//! // ... send `fetch.request` with any HTTP client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .header("content-type", "application/json")
//!     .body(br#"{"access_token":"1ABCde2F","client_id":"a1Bc","expires_at":1738945086,
//!               "expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())?;
//! now += Duration::from_millis(80);
//! assert_eq!(keeper.on_response(fetch.id, response, now)?, Progress::Issued);
//!
//! // From now on, until the refresh is due, the keeper answers `Use`.
//! let Action::Use(token) = keeper.poll(now + Duration::from_secs(60)) else { unreachable!() };
//! let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER")
//!     .body(())?;
//! token.authorize_checked(&mut request, api.base_url())?;
//! assert!(request.headers()["authorization"].is_sensitive());
//!
//! // A campaigns endpoint is refused locally: the token only has `vouchers`.
//! let mut other = http::Request::get("https://api.voucherify.io/v1/campaigns").body(())?;
//! assert!(token.authorize_checked(&mut other, api.base_url()).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Driving a keeper from a thread-safe token source
//!
//! Keep the keeper behind a lock, and publish [`Keeper::current`] (an `Arc<LiveToken>`) where
//! readers can load it without that lock (an `ArcSwap`, or a `RwLock` only ever held for a
//! pointer swap). The hot path loads the published token and, while
//! [`LiveToken::is_fresh`]`(now)`, authorizes with it: no lock a refresh holds, no allocation.
//! Otherwise it takes the keeper's lock and polls: exactly one caller gets `Fetch` (single
//! flight); it sends the request *without* holding the lock, then reports with
//! [`Keeper::on_response`] / [`Keeper::on_transport_error`] (or [`Keeper::on_abandoned`] if
//! cancelled), publishes the new token and wakes the waiters. The others get `Use` while the
//! old token is valid, or `Wait` until the fetch ends.

mod authorize;
mod error;
mod event;
mod fleet;
mod jitter;
mod keeper;
mod retry;
mod source;
mod source_error;
mod source_event;
mod store;
mod token;

pub use authorize::{check, AuthorizeError};
pub use error::{Failure, FetchError};
pub use event::{ClockSkew, Event};
pub use fleet::{Claim, MintLock};
pub use jitter::Jitter;
pub use keeper::{Action, Fetch, FetchId, Keeper, KeeperConfig, Progress, Restored};
pub use retry::{server_retry_at, Decision, RetryPolicy};
pub use source::{Expiry, Issued, Mint};
pub use source_error::SourceError;
pub use source_event::{AloneReason, SourceEvent, StoreAction};
pub use store::{
    AsyncTokenStore, DecodeError, MemoryStore, RestoreError, StoreKey, StoredToken, TokenStore,
};
pub use token::{AuthScheme, Grant, LiveToken, UnsendableToken};
