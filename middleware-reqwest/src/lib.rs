//! # keycard-reqwest-middleware
//!
//! A [reqwest-middleware] middleware that does the whole job of putting keycard's tokens on
//! requests: [`TokenMiddleware`] gets a token from an [`AsyncSource`](keycard_source::AsyncSource)
//! for every request (the cached one while it is fresh), optionally checks first that the
//! token's Voucherify scopes grant the request, and when the API answers `401 Unauthorized`
//! invalidates exactly the token that was used and sends the request once more with a new one.
//!
//! ```
//! use keycard_core::lifecycle::SourceConfig;
//! use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
//! use keycard_core::{BaseUrl, SecretKey};
//! use keycard_reqwest::{reqwest, ReqwestTransport};
//! use keycard_reqwest_middleware::{reqwest_middleware, TokenMiddleware};
//! use keycard_source::{AsyncSource, TokioSpawner};
//! use std::sync::Arc;
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
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(TokenMiddleware::new(Arc::new(source)).check_scopes(base))
//!     .build();
//!
//! // A token on every request; a revoked one is replaced, and the request replayed, once.
//! let response = client.get(format!("{base_url}/v1/vouchers/{code}")).send().await?;
//! assert_eq!(response.status(), 200);
//! # Ok(())
//! # }
//! ```
//!
//! What happens to each request:
//!
//! - **A token on it**, in the `Authorization` header (marked sensitive). With
//!   [`check_scopes`](TokenMiddleware::check_scopes), the token's Voucherify scopes must grant
//!   the request's endpoint first; if not, nothing is sent.
//! - **On a 401**, the token that was used is invalidated (when many requests see the same
//!   401, the source still mints once). The request is sent again, once, with a new token,
//!   when it can be replayed: an idempotent method (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`,
//!   `TRACE`) and a body that can be copied (not a stream: `reqwest::Request::try_clone`).
//!   The replay's response is returned whatever it is; a second 401 is handed back, never
//!   retried in a loop. A request that cannot be replayed gets its 401 back.
//! - **Any other response** is returned untouched.
//! - **No token** (the source could not get one, or it does not grant the request): a
//!   [`reqwest_middleware::Error::Middleware`] whose error is a [`TokenError`], with no secret
//!   in it:
//!
//! ```
//! # fn f(error: keycard_reqwest_middleware::reqwest_middleware::Error) {
//! use keycard_reqwest_middleware::{reqwest_middleware, TokenError};
//!
//! if let reqwest_middleware::Error::Middleware(error) = &error {
//!     if let Some(TokenError::NotGranted(why)) = error.downcast_ref::<TokenError>() {
//!         eprintln!("not sent: {why}");
//!     }
//! }
//! # }
//! ```
//!
//! Attach it after a middleware that retries (`.with(retry).with(tokens)`): each attempt then
//! goes through it and gets a valid token.
//!
//! [reqwest-middleware]: https://docs.rs/reqwest-middleware
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod middleware;

pub use keycard_middleware::TokenError;
pub use middleware::TokenMiddleware;

/// The reqwest-middleware version this crate is built on.
pub use reqwest_middleware;
