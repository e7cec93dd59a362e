//! # keycard-core
//!
//! The sans-IO heart of keycard: it builds every token request of the Voucherify and Exact
//! Payments APIs as an [`http::Request`] and parses every documented response into typed results
//! and scope sets. It never opens a socket, reads a clock or starts a thread: send the request
//! with anything and feed the response back.
//!
//! ```
//! use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard_core::{Operation, SecretKey, Parsed};
//!
//! let api = voucherify::Api::new(
//!     Region::Europe.base_url(),
//!     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
//! );
//! let generate = api.generate_token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))?;
//! let request = generate.request();
//! assert_eq!(request.uri(), "https://api.voucherify.io/v1/oauth/token");
//! assert_eq!(request.body(), b"grant_type=client_credentials&scope=campaigns+vouchers");
//!
//! // ... send it with any HTTP client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .header("content-type", "application/json")
//!     .body(br#"{"access_token":"1ABCde2F","client_id":"a1Bc","expires_at":1738945086,
//!               "expires_in":900,"scope":"campaigns vouchers","token_type":"Bearer"}"#.to_vec())?;
//! let outcome = generate.parse(response)?;
//! let Parsed::Success(token) = outcome.parsed() else { panic!("{outcome:?}") };
//! assert!(token.scope.grants(Scope::Vouchers));
//! assert_eq!(token.expires_in.as_secs(), 900);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod base_url;
mod capped_body;
mod error;
pub mod exact;
mod json;
pub mod lifecycle;
pub mod limits;
mod operation;
mod preview;
mod redact;
mod request;
mod response;
mod retry_after;
pub mod scope;
mod secret;
mod transport_config;
mod transport_error;
pub mod voucherify;

pub use base_url::BaseUrl;
pub use capped_body::{headers_past_limits, unreadable_transfer_coding, BodyTooLarge, CappedBody};
pub use error::{BuildError, FieldProblem, ParseError, ParseErrorKind};
pub use operation::{AsyncTransport, Operation, RunError, Transport};
pub use redact::REDACTED;
pub use response::{ApiError, Outcome, Parsed, RawResponse, Unrecognized};
pub use retry_after::RetryAfter;
pub use scope::{ScopeSet, Vocabulary};
pub use secret::{AccessToken, ApiKey, Password, SecretKey};
pub use transport_config::TransportConfig;
pub use transport_error::{TransportError, TransportErrorKind};
