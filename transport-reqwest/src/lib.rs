//! # keycard-reqwest
//!
//! An asynchronous [`AsyncTransport`](keycard_core::AsyncTransport) for keycard on [reqwest]:
//! it sends the requests that keycard-core builds and hands every response, whatever its
//! status, back to the operation's parser. Its futures are `Send`; reqwest needs a tokio
//! runtime, and nothing more is asked of it.
//!
//! It adds only what a network needs: a connect timeout and an overall timeout, no automatic
//! redirects, gzip decompression, a cap on the body counted *after* decompression and enforced
//! chunk by chunk (so a gzip bomb stops at the cap), bounds on the response's headers, and HTTPS
//! through rustls with *ring* (no OpenSSL). keycard-core's crate docs list every limit (the
//! *Limits* section). Failures to exchange a request are a
//! [`TransportError`](keycard_core::TransportError), keycard-core's one vocabulary for every
//! transport, that says what the caller can do and holds no secret.
//!
//! ```
//! use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
//! use keycard_core::{AsyncTransport, BaseUrl, SecretKey};
//! use keycard_reqwest::ReqwestTransport;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = keycard_emulator::Emulator::start()?;
//! # let (base_url, app_id, secret_key) = (emulator.voucherify_url(),
//! #     emulator.voucherify_app_id(), emulator.voucherify_secret_key());
//! // base_url: "https://api.voucherify.io", or here a local emulator.
//! let api = voucherify::Api::new(
//!     BaseUrl::parse(&base_url)?,
//!     Credentials::new(app_id, SecretKey::new(secret_key))?,
//! );
//! let transport = ReqwestTransport::new();
//!
//! let token = transport
//!     .run(&api.generate_token(&Scopes::from([Scope::Vouchers]))?)
//!     .await?
//!     .into_result()?;
//! assert!(token.scope.grants(Scope::Vouchers));
//!
//! let introspection = transport
//!     .run(&api.introspect(&token.access_token)?)
//!     .await?
//!     .into_result()?;
//! assert!(introspection.is_active());
//! # Ok(())
//! # }
//! ```
//!
//! [reqwest]: https://docs.rs/reqwest
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod transport;

pub use transport::{
    default_tls_config, Builder, ReqwestTransport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
};

/// The reqwest version this crate is built on, for [`ReqwestTransport::with_client`].
pub use reqwest;
/// The rustls version this crate is built on, for [`Builder::tls_config`].
pub use rustls;
