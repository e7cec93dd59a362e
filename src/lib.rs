//! # keycard
//!
//! Access tokens for the Voucherify and Exact Payments APIs: a valid token on every outgoing
//! request, over any transport. A **token source** ([`BlockingSource`] for threads,
//! [`AsyncSource`] for async code) is what most programs want: it reuses the token while it is
//! fresh, refreshes it ahead of expiry in the background, retries with backoff, makes one fetch
//! for any number of concurrent callers and invalidates exactly the token a 401 answered.
//!
//! ## The common path
//!
//! 1. **Add the dependency**, with a transport: `keycard = { version = "0.1", features =
//!    ["ureq"] }` for threads, or `features = ["reqwest", "tokio"]` for async code on tokio.
//! 2. **Make a token source**, one per kind of token (one set of credentials and scopes, or one
//!    Exact Payments order), and share it: `BlockingSource::new(transport, endpoint, config)`.
//! 3. **Authorize each request**: `source.authorize(&mut request)` (or `authorize_checked`,
//!    which first checks Voucherify's scopes locally) puts the token on any [`http::Request`]
//!    and returns the token it used.
//! 4. **Handle a 401**: the API revoked the token. `source.invalidate(&used)` forgets exactly
//!    that token (once, however many requests saw the 401); authorize and send once more.
//!
//! Here with a stand-in transport, so that it runs anywhere; with the feature `ureq` it is
//! `keycard::ureq::UreqTransport::new()` (see `examples/sync_ureq.rs`, and
//! `examples/async_reqwest.rs` for async code):
//!
//! ```
//! use keycard::http; // the `http` crate keycard is built with
//! use keycard::lifecycle::SourceConfig;
//! use keycard::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard::{BlockingSource, SecretKey, Transport, TransportError};
//!
//! /// Any blocking transport: `keycard::ureq::UreqTransport` (feature `ureq`), or your own
//! /// (this one answers every token request itself).
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
//! // In any thread: a token on each request, minted, reused and refreshed as needed.
//! let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER").body(())?;
//! let used = source.authorize_checked(&mut request, api.base_url())?;
//! assert!(request.headers()["authorization"].is_sensitive());
//!
//! // ... send it. The API answered 401 (the token was revoked)? Invalidate exactly the token
//! // used: the next call mints a new one (once, however many requests saw the 401).
//! assert!(source.invalidate(&used));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Middleware
//!
//! Or let a middleware do steps 3 and 4 for every request of an HTTP client: with the feature
//! `reqwest-middleware`, `keycard::reqwest_middleware::TokenMiddleware` goes into a
//! `reqwest_middleware::ClientWithMiddleware`; with the feature `tower`,
//! `keycard::tower::TokenLayer` wraps hyper's client or any `tower::Service` over
//! `http::Request`. Each puts an [`AsyncSource`]'s token on every request (after Voucherify's
//! scope check, when asked for: a request the token does not grant is never sent), and on the
//! API's 401 invalidates exactly the token used and replays the request once when it can be
//! replayed (an idempotent method, a body that can be copied); a second 401 is handed back,
//! never retried in a loop. Their module docs have an example each, and
//! `examples/middleware_reqwest.rs` and `examples/middleware_tower.rs` run against the emulator:
//!
//! ```text
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(TokenMiddleware::new(source).check_scopes(base))
//!     .build();
//! ```
//!
//! ## The sans-IO path
//!
//! Underneath is a sans-IO core ([`keycard_core`], re-exported here): every token operation is
//! a value that builds an [`http::Request`] and parses an [`http::Response`] into typed results
//! ([`Operation`]: send it with anything, or with [`Transport::run`]), and the token lifecycle
//! is one state machine ([`lifecycle::SourceMachine`]) that a driver of your own can run in any
//! runtime, with explicit time. The token sources ([`keycard_source`], re-exported as
//! [`source`] and at the top) are its two drivers.
//!
//! ## Features
//!
//! The sources need no feature; the transports, the Redis store and metrics do:
//!
//! | feature   | module              | what                                                    |
//! |-----------|---------------------|---------------------------------------------------------|
//! | `ureq`    | [`keycard::ureq`]    | synchronous transport, on ureq 3 ([`Transport`])        |
//! | `reqwest` | [`keycard::reqwest`] | asynchronous transport, on reqwest and tokio ([`AsyncTransport`]) |
//! | `redis`   | `keycard::redis`     | a token store shared by a fleet of processes, on Redis  |
//! | `tokio`   | [`TokioSpawner`]     | background refresh for [`AsyncSource`] on tokio          |
//! | `metrics` | (none)              | counters and histograms through the `metrics` facade     |
//! | `reqwest-middleware` | [`keycard::reqwest_middleware`] | tokens on every request of a reqwest-middleware client, 401 replayed once |
//! | `tower`   | [`keycard::tower`]   | the same as a tower layer, for hyper and any `tower::Service` client |
//!
//! Each has an example in `examples/`. Tracing needs no feature: a source reports every fetch,
//! retry, wait, refresh, clock skew and store failure to `tracing` (target `keycard`), with no
//! secret in any field; the [`source`] docs list the spans, events and metrics.
//!
//! Both transports use rustls with the *ring* crypto provider (no OpenSSL, and no set-up step,
//! for clients of your own built through `keycard::reqwest::reqwest` or `keycard::ureq::ureq`
//! too), never follow redirects, hand responses of every
//! status to the parser, decompress gzip and cap the body after decompression (1 MiB by
//! default), and report a failure to exchange a request as a [`TransportError`], the one
//! vocabulary of every transport. Without either feature, send requests with anything:
//! implement [`Transport`] or [`AsyncTransport`] in a few lines (and wrap it in a source), or
//! run an [`Operation`] by hand.
//!
//! [`keycard::ureq`]: crate#feature-ureq
//! [`keycard::reqwest`]: crate#feature-reqwest
//! [`TokioSpawner`]: crate#feature-tokio
//! [`keycard::reqwest_middleware`]: crate#middleware
//! [`keycard::tower`]: crate#middleware
//!
//! ## Feature `ureq`
//!
//! `keycard::ureq` is the `keycard-ureq` crate, documented here in full:
//! `keycard::ureq::UreqTransport::new()` runs any operation with [`Transport::run`], and is
//! the transport of a [`BlockingSource`].
//!
//! ## Feature `reqwest`
//!
//! `keycard::reqwest` is the `keycard-reqwest` crate, documented here in full:
//! `keycard::reqwest::ReqwestTransport::new()` runs any operation with
//! [`AsyncTransport::run`], and is the transport of an [`AsyncSource`].
//!
//! ## Feature `tokio`
//!
//! `keycard::TokioSpawner` starts an [`AsyncSource`]'s background refresher on tokio
//! ([`AsyncSource::with_spawner`](TokenSource::with_spawner)); any other runtime plugs in
//! through [`Spawn`].
#![cfg_attr(
    feature = "ureq",
    doc = r#"
## Example: one operation by hand (synchronous)

```
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{BaseUrl, SecretKey, Transport};

# let emulator = keycard_emulator::Emulator::start()?;
# let (base_url, app_id, secret_key) = (emulator.voucherify_url(),
#     emulator.voucherify_app_id(), emulator.voucherify_secret_key());
// base_url: "https://api.voucherify.io", or here a local emulator.
let api = voucherify::Api::new(
    BaseUrl::parse(&base_url)?,
    Credentials::new(app_id, SecretKey::new(secret_key))?,
);
let transport = keycard::ureq::UreqTransport::new();
let token = transport
    .run(&api.generate_token(&Scopes::from([Scope::Vouchers]))?)?
    .into_result()?;
assert!(token.scope.grants(Scope::Vouchers));
# Ok::<(), Box<dyn std::error::Error>>(())
```
"#
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use keycard_core::*;

/// The `http` crate keycard's requests and responses are made of: [`http::Request`] to
/// authorize, [`http::Response`] to parse, with the version keycard was built with.
pub use http;

/// The token sources (the `keycard-source` crate): [`BlockingSource`], [`AsyncSource`], their
/// stores and clocks. Its main types are also at the top of this crate.
#[doc(inline)]
pub use keycard_source as source;

#[cfg(feature = "tokio")]
pub use keycard_source::TokioSpawner;
pub use keycard_source::{
    rotate_application_token, rotate_application_token_async, Async, AsyncCheckout, AsyncSource,
    Blocking, BlockingCheckout, BlockingSource, Checkout, Clock, FileStore, FileStoreError,
    ScopePool, Spawn, SystemClock, TokenPool, TokenSource,
};

/// The synchronous transport on ureq 3: [`ureq::UreqTransport`] (the `keycard-ureq` crate).
#[cfg(feature = "ureq")]
#[doc(inline)]
pub use keycard_ureq as ureq;

/// The asynchronous transport on reqwest: [`reqwest::ReqwestTransport`] (the `keycard-reqwest`
/// crate).
#[cfg(feature = "reqwest")]
#[doc(inline)]
pub use keycard_reqwest as reqwest;

/// A reqwest-middleware middleware over an [`AsyncSource`]:
/// [`reqwest_middleware::TokenMiddleware`] (the `keycard-reqwest-middleware` crate).
#[cfg(feature = "reqwest-middleware")]
#[doc(inline)]
pub use keycard_reqwest_middleware as reqwest_middleware;

/// A tower layer over an [`AsyncSource`], for hyper and any `tower::Service` HTTP client:
/// [`tower::TokenLayer`] (the `keycard-tower` crate).
#[cfg(feature = "tower")]
#[doc(inline)]
pub use keycard_tower as tower;

/// Tokens shared by a fleet of processes on Redis: [`redis::RedisStore`] (sync) and
/// [`redis::AsyncRedisStore`] (async), with fleet-wide single flight (the `keycard-redis`
/// crate).
#[cfg(feature = "redis")]
#[doc(inline)]
pub use keycard_redis as redis;
