//! # keycard-ureq
//!
//! A synchronous [`Transport`](keycard_core::Transport) for keycard on [ureq] 3: it sends the
//! requests that keycard-core builds and hands every response, whatever its status, back to the
//! operation's parser.
//!
//! It adds only what a network needs: a connect timeout and an overall timeout, no automatic
//! redirects, gzip decompression, a cap on the body counted *after* decompression (so a gzip bomb
//! stops at the cap), bounds on the response's headers, and HTTPS through rustls (no OpenSSL).
//! keycard-core's crate docs list every limit (the *Limits* section). Failures to exchange a request are
//! a [`TransportError`](keycard_core::TransportError), keycard-core's one vocabulary for every
//! transport, that says what the caller can do and holds no secret.
//!
//! ```
//! use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
//! use keycard_core::{BaseUrl, SecretKey, Transport};
//! use keycard_ureq::UreqTransport;
//!
//! # let emulator = keycard_emulator::Emulator::start()?;
//! # let (base_url, app_id, secret_key) = (emulator.voucherify_url(),
//! #     emulator.voucherify_app_id(), emulator.voucherify_secret_key());
//! // base_url: "https://api.voucherify.io", or here a local emulator.
//! let api = voucherify::Api::new(
//!     BaseUrl::parse(&base_url)?,
//!     Credentials::new(app_id, SecretKey::new(secret_key))?,
//! );
//! let transport = UreqTransport::new();
//!
//! let token = transport
//!     .run(&api.generate_token(&Scopes::from([Scope::Vouchers]))?)?
//!     .into_result()?;
//! assert!(token.scope.grants(Scope::Vouchers));
//!
//! let introspection = transport.run(&api.introspect(&token.access_token)?)?.into_result()?;
//! assert!(introspection.is_active());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [ureq]: https://docs.rs/ureq/3
//!
//! ## TLS
//!
//! HTTPS works out of the box, for [`UreqTransport`] and for any `ureq::Agent` you build through
//! the re-export ([`ureq`]): rustls with the *ring* crypto provider (the only one in the
//! dependency tree; no OpenSSL, no set-up step) and the Mozilla root certificates. For a private
//! root certificate (a corporate proxy, a staging server) or a client certificate (mutual TLS),
//! give the transport ureq's TLS settings with [`Builder::tls_config`]:
//!
//! ```no_run
//! use keycard_ureq::ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
//! use keycard_ureq::UreqTransport;
//!
//! // A private root certificate: trusted instead of the Mozilla roots.
//! let root = Certificate::from_pem(&std::fs::read("ca.pem")?)?;
//! // A client certificate and its key, for servers that ask for one (mutual TLS).
//! let chain = [Certificate::from_pem(&std::fs::read("client.pem")?)?];
//! let key = PrivateKey::from_pem(&std::fs::read("client.key")?)?;
//!
//! let tls = TlsConfig::builder()
//!     .root_certs(RootCerts::new_with_certs(&[root]))
//!     .client_cert(Some(ClientCert::new_with_certs(&chain, key)))
//!     .build();
//! let transport = UreqTransport::builder().tls_config(tls).build();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod error;
mod resolver;
mod transport;

pub use transport::{
    Builder, UreqTransport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT,
};

/// The ureq version this crate is built on, for [`UreqTransport::with_agent`].
pub use ureq;
