//! # keycard
//!
//! Access tokens for the Voucherify and Exact Payments APIs: a sans-IO core
//! ([`keycard_core`], re-exported here) with pluggable transports behind features.
//!
//! | feature   | module              | transport                                             |
//! |-----------|---------------------|-------------------------------------------------------|
//! | `ureq`    | [`keycard::ureq`]    | synchronous, on ureq 3 ([`Transport`])               |
//! | `reqwest` | [`keycard::reqwest`] | asynchronous, on reqwest and tokio ([`AsyncTransport`]) |
//! | `redis`   | `keycard::redis`     | a token store shared by a fleet of processes, on Redis  |
//!
//! Both use rustls (no OpenSSL), never follow redirects, hand responses of every status to the
//! parser, decompress gzip and cap the body after decompression (1 MiB by default), and report a
//! failure to exchange a request as a [`TransportError`], the one vocabulary of every transport.
//! Without either feature, build requests with the core and send them with anything: see
//! [`Operation`].
//!
//! [`keycard::ureq`]: crate#feature-ureq
//! [`keycard::reqwest`]: crate#feature-reqwest
//!
//! ## Feature `ureq`
//!
//! `keycard::ureq` is the [`keycard-ureq`](https://docs.rs/keycard-ureq) crate:
//! `keycard::ureq::UreqTransport::new()` runs any operation with
//! [`Transport::run`].
//!
//! ## Feature `reqwest`
//!
//! `keycard::reqwest` is the [`keycard-reqwest`](https://docs.rs/keycard-reqwest) crate:
//! `keycard::reqwest::ReqwestTransport::new()` runs any operation with
//! [`AsyncTransport::run`].
#![cfg_attr(
    feature = "ureq",
    doc = r#"
## Example (synchronous)

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
#![warn(missing_docs)]

pub use keycard_core::*;

mod store;
pub use store::{FileStore, FileStoreError};

/// The synchronous transport on ureq 3: [`ureq::UreqTransport`] (the `keycard-ureq` crate).
#[cfg(feature = "ureq")]
pub use keycard_ureq as ureq;

/// The asynchronous transport on reqwest: [`reqwest::ReqwestTransport`] (the `keycard-reqwest`
/// crate).
#[cfg(feature = "reqwest")]
pub use keycard_reqwest as reqwest;

/// Tokens shared by a fleet of processes on Redis: [`redis::RedisStore`] (sync) and
/// [`redis::AsyncRedisStore`] (async), with fleet-wide single flight (the `keycard-redis`
/// crate).
#[cfg(feature = "redis")]
pub use keycard_redis as redis;
