//! # keycard-source
//!
//! Token sources: a valid token on every outgoing request, over **any** transport. A source
//! reuses the token while it is fresh, refreshes it ahead of expiry in the background (so no
//! caller waits while a valid token exists), retries with backoff, makes one fetch for any
//! number of concurrent callers, keeps tokens in a store (a file, or Redis shared by a fleet
//! that then mints once per refresh), and invalidates exactly the token a 401 answered.
//!
//! The whole lifecycle is keycard-core's sans-IO [`SourceMachine`](lifecycle::SourceMachine);
//! this crate holds its two thin drivers, written as one loop:
//!
//! - [`BlockingSource`]: for threads, over a blocking [`Transport`](keycard_core::Transport);
//!   its refresher is a thread of its own.
//! - [`AsyncSource`]: for async code on any runtime, over an
//!   [`AsyncTransport`](keycard_core::AsyncTransport); its refresher is a task started through
//!   a [`Spawn`] hook ([`TokioSpawner`] with the feature `tokio`).
//!
//! It depends on no HTTP client, TLS library or async runtime: bring your own transport
//! (`keycard::ureq`, `keycard::reqwest`, or a few lines over anything).
//!
//! ## Tracing and metrics
//!
//! A source reports what it does to [`tracing`](https://docs.rs/tracing) (target `keycard`),
//! as it happens, for both drivers alike; install any subscriber to see it. No span or event
//! holds a secret: requests and responses are described by method, URL (scheme, host, port
//! and path: no user info, no query), status and kind of failure, never by their headers or
//! bodies, and the texts of errors are scrubbed of every secret a server echoes.
//!
//! - Span `keycard.fetch` (INFO): one run of a fetch's steps; fields `keycard.store_key` (a
//!   digest: which token, no secret) and `keycard.trigger` (`caller`, or `background` for the
//!   refresher).
//! - Span `keycard.request` (INFO) inside it: the token request, an HTTP client span after
//!   OpenTelemetry's conventions: `http.request.method`, `url.full`, `server.address`,
//!   `server.port`, `http.response.status_code`, `error.type` (the status code of an error
//!   response, or the transport's kind of failure: `connect`, `timeout`, `tls`, …).
//! - Span `keycard.store` (DEBUG): a call to the token store; `keycard.store.action`,
//!   `error.type`.
//! - Events, each with a message in words and a `keycard.event` field: `issued` (INFO;
//!   `keycard.refresh`, `keycard.token.lifetime_s`, and `keycard.token.replaced_age_s` for a
//!   refresh), `restored` (INFO), `retry_scheduled` (WARN; `keycard.attempt`,
//!   `keycard.retry_after_s`, `error.type`), `refresh_failed` (WARN: the old token is still
//!   served), `gave_up` (ERROR: no token), `clock_skew` (WARN; `keycard.clock_skew_s`),
//!   `store_failed` (WARN; `keycard.store.action`), `stored_token_rejected`, `minting_alone`,
//!   `step_timed_out` (WARN), and `waited` (DEBUG; `keycard.wait_s`: a caller waited for a
//!   token).
//!
//! With the feature `metrics`, the same goes to the [`metrics`](https://docs.rs/metrics)
//! facade; install any recorder (Prometheus, StatsD, …). Every metric has the label `token`,
//! the kind of token (`voucherify`, `exact-order`, …); no label holds a secret.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `keycard_tokens_minted_total` | counter | |
//! | `keycard_tokens_restored_total` | counter | (taken from the store) |
//! | `keycard_retries_total` | counter | |
//! | `keycard_refreshes_failed_total` | counter | `outcome`: `serving_old_token` or `no_token` |
//! | `keycard_store_failures_total` | counter | `action`: `load`, `save`, `remove`, `claim`, `release` |
//! | `keycard_minting_alone_total` | counter | (a fleet store failed or was slow) |
//! | `keycard_waits_total`, `keycard_wait_seconds` | counter, histogram | `outcome`: `token` or `error` |
//! | `keycard_token_age_at_refresh_seconds` | histogram | (the age of the token a new one replaced) |
//! | `keycard_clock_skew_seconds` | gauge | (the last skew seen beyond the tolerance) |
//!
//! ```
//! use keycard_core::lifecycle::SourceConfig;
//! use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard_core::{SecretKey, Transport, TransportError};
//! use keycard_source::BlockingSource;
//!
//! /// A transport that answers every token request itself (yours sends it over the network).
//! struct Canned;
//!
//! impl Transport for Canned {
//!     fn send(
//!         &self,
//!         _request: http::Request<Vec<u8>>,
//!     ) -> Result<http::Response<Vec<u8>>, TransportError> {
//!         Ok(http::Response::builder()
//!             .status(200)
//!             .header("content-type", "application/json")
//!             .body(br#"{"access_token":"tok-1","client_id":"a1Bc","expires_at":1738945086,
//!                      "expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
//!             .expect("a valid response"))
//!     }
//! }
//!
//! let api = voucherify::Api::new(
//!     Region::Europe.base_url(),
//!     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
//! );
//! let endpoint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
//! let source = BlockingSource::new(Canned, endpoint, SourceConfig::default());
//!
//! let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER").body(())?;
//! let used = source.authorize_checked(&mut request, api.base_url())?;
//! assert!(request.headers()["authorization"].is_sensitive());
//!
//! // The API answered 401 (the token was revoked)? Invalidate exactly the token used:
//! assert!(source.invalidate(&used));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod block_on;
mod blocking;
mod checkout;
mod clock;
mod drive;
mod file_store;
mod local;
mod nonblocking;
mod pool;
mod revoke;
mod rotate;
mod shared;
mod store;
mod token_source;
mod trace;

pub use blocking::{Blocking, BlockingSource};
pub use checkout::{AsyncCheckout, BlockingCheckout, Checkout};
pub use clock::{Clock, SystemClock};
pub use file_store::{FileStore, FileStoreError};
#[cfg(feature = "tokio")]
pub use nonblocking::TokioSpawner;
pub use nonblocking::{Async, AsyncSource, Spawn};
pub use pool::{ScopePool, TokenPool};
pub use revoke::RevokeError;
pub use rotate::{rotate_application_token, rotate_application_token_async};
pub use token_source::TokenSource;

/// The lifecycle's vocabulary (configuration, events, errors, stores), from keycard-core.
pub use keycard_core::lifecycle;
