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
//! through rustls with *ring* (no OpenSSL; see [TLS](#tls)). keycard-core's crate docs list every limit (the
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
//!
//! ## TLS
//!
//! HTTPS works out of the box, for [`ReqwestTransport`] and for any `reqwest::Client` you build
//! through the re-export ([`reqwest`]; `reqwest::Client::new()` included): rustls with the
//! *ring* crypto provider (the only one in the dependency tree; no OpenSSL, no set-up step)
//! and the Mozilla root certificates. For a private root certificate (a corporate proxy, a
//! staging server) or a client certificate (mutual TLS), give the transport a rustls
//! configuration with [`Builder::tls_config`]:
//!
//! ```no_run
//! use keycard_reqwest::rustls::pki_types::pem::PemObject;
//! use keycard_reqwest::rustls::pki_types::{CertificateDer, PrivateKeyDer};
//! use keycard_reqwest::rustls::{crypto::ring, ClientConfig, RootCertStore};
//! use keycard_reqwest::ReqwestTransport;
//! use std::sync::Arc;
//!
//! // A private root certificate: trusted instead of the Mozilla roots.
//! let mut roots = RootCertStore::empty();
//! roots.add(CertificateDer::from_pem_file("ca.pem")?)?;
//! // A client certificate and its key, for servers that ask for one (mutual TLS).
//! let chain = vec![CertificateDer::from_pem_file("client.pem")?];
//! let key = PrivateKeyDer::from_pem_file("client.key")?;
//!
//! let mut tls = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
//!     .with_safe_default_protocol_versions()?
//!     .with_root_certificates(roots)
//!     .with_client_auth_cert(chain, key)?; // or `.with_no_client_auth()`
//! tls.alpn_protocols = vec![b"http/1.1".to_vec()];
//! let transport = ReqwestTransport::builder().tls_config(tls).build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A `reqwest::Client` of your own takes the same from reqwest's builder:
//! `add_root_certificate(reqwest::Certificate::from_pem(..)?)` and
//! `identity(reqwest::Identity::from_pem(..)?)` (the certificate and key in one PEM); hand it
//! to [`ReqwestTransport::with_client`].
//!
//! [reqwest]: https://docs.rs/reqwest
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
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
