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

mod block_on;
mod blocking;
mod clock;
mod drive;
mod file_store;
mod nonblocking;
mod shared;
mod store;
mod token_source;

pub use blocking::{Blocking, BlockingSource};
pub use clock::{Clock, SystemClock};
pub use file_store::{FileStore, FileStoreError};
#[cfg(feature = "tokio")]
pub use nonblocking::TokioSpawner;
pub use nonblocking::{Async, AsyncSource, Spawn};
pub use token_source::TokenSource;

/// The lifecycle's vocabulary (configuration, events, errors, stores), from keycard-core.
pub use keycard_core::lifecycle;
