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
//!
//! # Limits
//!
//! Every size and time keycard reads from outside (from a server, a proxy or a token store) is
//! bounded, and past the bound comes a typed error or a clamp, never a panic or a wait without
//! end. Each number here is the value of the constant named beside it (a test keeps the two in
//! step).
//!
//! **keycard's transports** (`keycard-ureq`, `keycard-reqwest`; each [`TransportConfig`] field
//! has a setter on their builders):
//!
//! | what is read | bound | past it |
//! |---|---|---|
//! | connecting: DNS, TCP and TLS | [`connect_timeout`](TransportConfig::connect_timeout), by default 10 s ([`TransportConfig::DEFAULT_CONNECT_TIMEOUT`]) | [`TransportErrorKind::Timeout`] |
//! | the whole exchange: sending, the status line and headers, every read of the body however slowly it drips | [`timeout`](TransportConfig::timeout), by default 30 s ([`TransportConfig::DEFAULT_TIMEOUT`]); no read has a timeout of its own, this one bounds them all | [`TransportErrorKind::Timeout`] |
//! | the body, counted after gzip decompression (so a gzip bomb stops at the cap, whatever its ratio) | [`max_body_size`](TransportConfig::max_body_size), by default 1 MiB ([`TransportConfig::DEFAULT_MAX_BODY_SIZE`]); the buffer never holds more than 1.125 × the cap ([`CappedBody`]) | [`TransportErrorKind::BodyTooLarge`] |
//! | `Content-Length` | compared with the cap before the body is read; never sizes a buffer past the cap | [`TransportErrorKind::BodyTooLarge`] |
//! | header fields | 100 fields ([`limits::MAX_RESPONSE_HEADERS`]) in 64 KiB ([`limits::MAX_RESPONSE_HEADER_BYTES`]), see [`headers_past_limits`] | [`TransportErrorKind::Protocol`] |
//! | `Transfer-Encoding`, `Content-Encoding` | `chunked` alone is read ([`unreadable_transfer_coding`]); `gzip` is decoded, any other content coding handed on as it is | [`TransportErrorKind::Protocol`] |
//! | redirects | none is followed | the `3xx` goes to the parser |
//! | an error's detail (the HTTP library's message; a Redis error's text, in `keycard-redis`) | 512 bytes ([`limits::MAX_ERROR_DETAIL_LEN`]) | cut, ending with `…` |
//!
//! Over a client of your own (`UreqTransport::with_agent`, `ReqwestTransport::with_client`) the
//! body cap and the header bounds hold; the timeouts are the client's.
//!
//! **Responses**, as every operation's `parse` reads them, through any transport or none:
//!
//! | what is read | bound | past it |
//! |---|---|---|
//! | nesting of arrays and objects, in what a model reads | 127 levels ([`limits::MAX_JSON_DEPTH`]); a value the model ignores is skipped without recursion, at any depth | [`ParseErrorKind::Json`] |
//! | an access token (`access_token`, `token`, `accessToken.token`) | 16 KiB ([`limits::MAX_TOKEN_LEN`]) of visible ASCII | [`FieldProblem::TooLong`], [`FieldProblem::NotHeaderSafe`] |
//! | a scope string (`scope`) or a permission list (`allowedPermissions`) | 4 MiB ([`limits::MAX_SCOPES_LEN`]), read in linear time, unknown values kept | [`FieldProblem::TooLong`]; for a list, [`ParseErrorKind::Json`] |
//! | Voucherify's `expires_at` and `expires_in`, in seconds | 0 to 9999-12-31T23:59:59Z ([`limits::MAX_UNIX_SECONDS`]) | [`FieldProblem::OutOfRange`] |
//! | `X-Rate-Limit-Retry`, in Unix seconds | 9999-12-31T23:59:59Z ([`limits::MAX_UNIX_SECONDS`]) | ignored (`None`), like an unreadable value |
//! | dates: `expiresAt`, `createdAt` (RFC 3339), `Date`, `Retry-After` (HTTP dates) | four-digit years: the end of 9999 at the latest | [`FieldProblem::NotRfc3339`]; an unreadable header is ignored |
//! | `Retry-After` in seconds | any number, saturating; how long a source waits is bounded below | — |
//! | other numbers: `code`, `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, `x-total-count` | their type (`u16`, `u64`) | [`ParseErrorKind::Json`]; ignored; [`FieldProblem::Invalid`] |
//! | every other text and list (messages, ids, labels, `Content-Type`, validation issues, order details) | the body's size alone; every error's `Display` shows at most 200 characters (`preview::MAX_CHARS`) of a text and 10 items (`preview::MAX_ITEMS`) of a list | cut in `Display`, kept whole in the fields |
//!
//! **Token sources and stores** ([`lifecycle`]):
//!
//! | what is read | bound | past it |
//! |---|---|---|
//! | the server's wait (`Retry-After`, `X-Rate-Limit-Retry`) | during a fetch, by default 2 min ([`lifecycle::RetryPolicy::max_wait`]); once the fetch has ended, nothing is sent before the server's time, for at most 1 h ([`limits::MAX_SERVER_WAIT`]) | [`FetchError::RetryTooFar`](lifecycle::FetchError::RetryTooFar); then the rest of the wait is not honoured |
//! | a stored token's bytes ([`StoredToken::from_json`](lifecycle::StoredToken::from_json)) | 64 KiB ([`limits::MAX_STORED_TOKEN_LEN`]) | [`DecodeError::TooLarge`](lifecycle::DecodeError::TooLarge), not parsed |
//! | a stored token's times, in Unix milliseconds | the last millisecond of 9999-12-31T23:59:59Z ([`limits::MAX_UNIX_SECONDS`]) | [`DecodeError::Malformed`](lifecycle::DecodeError::Malformed) |
//! | a stored token | 16 KiB ([`limits::MAX_TOKEN_LEN`]) of visible ASCII | [`RestoreError::UnsendableToken`](lifecycle::RestoreError::UnsendableToken) |
//! | a reply from a shared store's server (`keycard-redis` on one Redis), between two of the store's writes | 256 KiB ([`limits::MAX_STORE_REPLY_LEN`]), with at most 3 commands in flight on a connection; every command within the store's `command_timeout` (1 s by default), however slowly the reply comes | `RedisStoreError::Protocol` (past the cap, or not RESP), `RedisStoreError::Outage` (too slow); the connection is dropped and the source mints alone |
//! | a stored grant | nested at most 127 levels ([`limits::MAX_JSON_DEPTH`]); within the 64 KiB of the whole stored token, or 4 MiB ([`limits::MAX_SCOPES_LEN`]) of scopes for a store that deserializes a `StoredToken` itself | deeper: [`DecodeError::Malformed`](lifecycle::DecodeError::Malformed); a grant of another shape or too many scopes: [`RestoreError::OtherGrant`](lifecycle::RestoreError::OtherGrant) |
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod base_url;
mod capped_body;
mod error;
pub mod exact;
mod json;
pub mod lifecycle;
pub mod limits;
mod operation;
mod path_pattern;
mod preview;
mod redact;
mod request;
mod response;
mod retry_after;
pub mod scope;
mod secret;
mod short_eq;
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

/// The Limits section of the crate docs says what the constants say.
#[cfg(test)]
mod limits_doc {
    use crate::limits::*;
    use crate::TransportConfig;
    use std::time::Duration;

    /// Every `value (name)` the table must show, `name` as a link or as code.
    fn expected() -> Vec<(String, &'static str)> {
        let date = time::OffsetDateTime::from_unix_timestamp(MAX_UNIX_SECONDS as i64)
            .expect("a date")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
        let max_wait = crate::lifecycle::RetryPolicy::default().max_wait;
        vec![
            (
                secs(TransportConfig::DEFAULT_CONNECT_TIMEOUT),
                "TransportConfig::DEFAULT_CONNECT_TIMEOUT",
            ),
            (
                secs(TransportConfig::DEFAULT_TIMEOUT),
                "TransportConfig::DEFAULT_TIMEOUT",
            ),
            (
                bytes(TransportConfig::DEFAULT_MAX_BODY_SIZE),
                "TransportConfig::DEFAULT_MAX_BODY_SIZE",
            ),
            (
                format!("{MAX_RESPONSE_HEADERS} fields"),
                "limits::MAX_RESPONSE_HEADERS",
            ),
            (
                bytes(MAX_RESPONSE_HEADER_BYTES),
                "limits::MAX_RESPONSE_HEADER_BYTES",
            ),
            (bytes(MAX_ERROR_DETAIL_LEN), "limits::MAX_ERROR_DETAIL_LEN"),
            (format!("{MAX_JSON_DEPTH} levels"), "limits::MAX_JSON_DEPTH"),
            (bytes(MAX_TOKEN_LEN), "limits::MAX_TOKEN_LEN"),
            (bytes(MAX_SCOPES_LEN), "limits::MAX_SCOPES_LEN"),
            (date, "limits::MAX_UNIX_SECONDS"),
            (
                format!("{} characters", crate::preview::MAX_CHARS),
                "preview::MAX_CHARS",
            ),
            (
                format!("{} items", crate::preview::MAX_ITEMS),
                "preview::MAX_ITEMS",
            ),
            (secs(max_wait), "lifecycle::RetryPolicy::max_wait"),
            (secs(MAX_SERVER_WAIT), "limits::MAX_SERVER_WAIT"),
            (bytes(MAX_STORED_TOKEN_LEN), "limits::MAX_STORED_TOKEN_LEN"),
            (bytes(MAX_STORE_REPLY_LEN), "limits::MAX_STORE_REPLY_LEN"),
        ]
    }

    fn bytes(n: usize) -> String {
        match n {
            n if n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
            n if n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
            n => format!("{n} bytes"),
        }
    }

    fn secs(d: Duration) -> String {
        match d.as_secs() {
            s if s % 3600 == 0 => format!("{} h", s / 3600),
            s if s % 60 == 0 => format!("{} min", s / 60),
            s => format!("{s} s"),
        }
    }

    #[test]
    fn every_number_in_the_limits_section_is_its_constants_value() {
        let docs: String = include_str!("lib.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let section = &docs[docs.find("# Limits").expect("a Limits section")..];
        for (value, name) in expected() {
            let linked = format!("{value} ([`{name}`]");
            let named = format!("{value} (`{name}`)");
            assert!(
                section.contains(&linked) || section.contains(&named),
                "the Limits section should say `{linked}…` or `{named}`"
            );
            // No other value beside the same name.
            for (at, _) in section.match_indices(&format!("`{name}`")) {
                let before = section[..at].trim_end_matches(['(', '[']);
                let row = before.rsplit('\n').next().unwrap_or_default();
                assert!(before.ends_with(&format!("{value} ")), "{name}: {row}");
            }
        }
    }
}
