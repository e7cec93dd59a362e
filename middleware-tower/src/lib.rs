//! # keycard-tower
//!
//! A [tower] layer that does the whole job of putting keycard's tokens on requests, for
//! hyper's client and any other `tower::Service` over `http::Request`: [`TokenLayer`] gets a
//! token from an [`AsyncSource`](keycard_source::AsyncSource) for every request (the cached one
//! while it is fresh), optionally checks first that the token's Voucherify scopes grant the
//! request, and when the API answers `401 Unauthorized` invalidates exactly the token that was
//! used and sends the request once more with a new one.
//!
//! ```
//! use http_body_util::Full;
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use keycard_core::lifecycle::SourceConfig;
//! use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
//! use keycard_core::{BaseUrl, SecretKey};
//! use keycard_reqwest::ReqwestTransport;
//! use keycard_source::{AsyncSource, TokioSpawner};
//! use keycard_tower::TokenLayer;
//! use std::sync::Arc;
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = keycard_emulator::Emulator::start()?;
//! # let (base_url, app_id, secret_key, code) = (emulator.voucherify_url(),
//! #     emulator.voucherify_app_id(), emulator.voucherify_secret_key(), emulator.voucher_code());
//! // base_url: "https://api.voucherify.io", or here a local emulator.
//! let base = BaseUrl::parse(&base_url)?;
//! let api = voucherify::Api::new(
//!     base.clone(),
//!     Credentials::new(app_id, SecretKey::new(secret_key))?,
//! );
//! let source = AsyncSource::new(
//!     ReqwestTransport::new(),
//!     api.generate_token(&Scopes::from([Scope::Vouchers]))?,
//!     SourceConfig::default(),
//! )
//! .with_spawner(TokioSpawner);
//!
//! // hyper's client (any `tower::Service<http::Request<B>>` will do), with tokens on.
//! let client = ServiceBuilder::new()
//!     .layer(TokenLayer::new(Arc::new(source)).check_scopes(base))
//!     .service(Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>());
//!
//! // A token on every request; a revoked one is replaced, and the request replayed, once.
//! let request = http::Request::get(format!("{base_url}/v1/vouchers/{code}"))
//!     .body(Full::default())?;
//! let response = client.oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//! # Ok(())
//! # }
//! ```
//!
//! What happens to each request:
//!
//! - **A token on it**, in the `Authorization` header (marked sensitive). With
//!   [`check_scopes`](TokenLayer::check_scopes), the token's Voucherify scopes must grant the
//!   request's endpoint first; if not, nothing is sent.
//! - **On a 401**, the token that was used is invalidated (when many requests see the same
//!   401, the source still mints once). The request is sent again, once, with a new token,
//!   when it can be replayed: an idempotent method (`GET`, `HEAD`, `PUT`, `DELETE`,
//!   `OPTIONS`, `TRACE`) and a body that can be copied without reading it ([`ReplayBody`]:
//!   `Full`, `Empty`, `Bytes`, `String`, `Vec<u8>`, …; never a stream, which is neither
//!   copied nor buffered). The replay's response is returned whatever it is; a second 401 is
//!   handed back, never retried in a loop. A request that cannot be replayed gets its 401
//!   back. The inner service must be `Clone` (hyper's client is): the replay is a second call.
//! - **Any other response** is returned untouched.
//! - **No token** (the source could not get one, or it does not grant the request):
//!   [`Error::Token`] with a [`TokenError`], and nothing is sent; the inner service's own
//!   failures are [`Error::Send`]. No secret is in either.
//!
//! [tower]: https://docs.rs/tower
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod service;

pub use body::ReplayBody;
pub use keycard_middleware::{Error, TokenError};
pub use service::{TokenLayer, TokenService};
