//! What differs from one token endpoint to another: the vendor's policy for its tokens.
//!
//! The lifecycle is generic; each vendor module implements [`TokenEndpoint`] for its token
//! operations (`voucherify::GenerateToken`, `exact::CreateOrderAccessToken`, …). Implement it
//! for any other endpoint that mints tokens.

use super::{AuthScheme, Failure, StoreKey};
use crate::{AccessToken, RetryAfter};
use http::HeaderMap;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;
use std::time::{Duration, SystemTime};

/// A token endpoint and the vendor's policy for its tokens.
///
/// Only [`request`](Self::request), [`read`](Self::read) and [`store_key`](Self::store_key) are
/// required; the rest have the defaults of a server-to-server token: `Retry-After` honoured,
/// 429/500/502/503/504 and transport failures retried, refreshed ahead of expiry.
pub trait TokenEndpoint {
    /// What a token grants: Voucherify's scopes, the Exact Payments order it is for, … Kept with
    /// the token, and written with it to a store.
    type Grant: Clone + Debug + PartialEq + Send + Sync + Serialize + DeserializeOwned + 'static;

    /// The request that mints a token. Called for every attempt.
    fn request(&self) -> http::Request<Vec<u8>>;

    /// Reads the response: the token, or why this attempt failed.
    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued<Self::Grant>, Failure>;

    /// The key to store this endpoint's tokens under: it identifies the credentials (hashed,
    /// never in clear), the base URL and the scope set or order.
    fn store_key(&self) -> StoreKey;

    /// The earliest time (by the server's clock) the server allows another request, read from a
    /// response's headers. The default reads `Retry-After` (seconds or an HTTP date); a vendor
    /// with its own rate-limit headers reads those too.
    fn retry_not_before(&self, headers: &HeaderMap, received_at: SystemTime) -> Option<SystemTime> {
        headers
            .get(http::header::RETRY_AFTER)
            .and_then(RetryAfter::parse)
            .map(|after| after.resolve(received_at))
    }

    /// Whether another attempt may follow this failure. The default retries 429, 500, 502,
    /// 503, 504 and transport failures; never a refusal (400, 401, 403, 404, …), rejected
    /// credentials, an exhausted quota or an unreadable success. A login, for example, is
    /// never retried into a lockout.
    fn is_retryable(&self, failure: &Failure) -> bool {
        match failure {
            Failure::Status { status, .. } => {
                matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
            }
            Failure::Transport(_) => true,
            Failure::Unreadable { .. }
            | Failure::ExpiredOnArrival
            | Failure::CredentialsRejected { .. }
            | Failure::QuotaExhausted { .. } => false,
        }
    }

    /// The request that revokes `token` (a graceful shutdown revokes the tokens no store holds:
    /// [`SourceMachine::take_unshared`](super::SourceMachine::take_unshared)); a success or a
    /// 404 means the token no longer works. The default is `None`: no revocation.
    fn revoke_request(&self, token: &AccessToken) -> Option<http::Request<Vec<u8>>> {
        let _ = token;
        None
    }

    /// The key of the budget of live tokens this endpoint's tokens count against, for the
    /// fleet's ledger ([`TokenBudget`](super::TokenBudget)): it identifies the API and the
    /// credentials (hashed, never in clear), not the scopes. The default is `None`: no budget.
    fn budget_key(&self) -> Option<StoreKey> {
        None
    }

    /// When a token of this endpoint may be replaced. The default is [`Renewal::Ahead`].
    fn renewal(&self) -> Renewal {
        Renewal::Ahead
    }
}

/// When a token may be replaced by a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Renewal {
    /// Ahead of expiry, while the old one is still served: nobody else holds the token (a
    /// server's own token). Minting another does not harm the old one.
    Ahead,
    /// Only once it has expired or been invalidated, never silently before: someone else holds
    /// it (an order token handed to a shopper's browser) and a new one invalidates it.
    OnExpiry,
}

/// A token as the API issued it, before the lifecycle sets its deadlines.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Issued<G> {
    /// The token.
    pub token: AccessToken,
    /// How it travels in `Authorization`.
    pub scheme: AuthScheme,
    /// What it grants.
    pub grant: G,
    /// When it expires, as the API said.
    pub expiry: Expiry,
}

impl<G> Issued<G> {
    /// A token as the API issued it.
    pub fn new(token: AccessToken, scheme: AuthScheme, grant: G, expiry: Expiry) -> Self {
        Self {
            token,
            scheme,
            grant,
            expiry,
        }
    }
}

/// When a token expires, as the API said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// A lifetime from the moment of the response (Voucherify's `expires_in`), with the absolute
    /// expiry by the server's clock when it was also given (`expires_at`, for the skew report).
    In {
        /// The lifetime left when the server answered.
        expires_in: Duration,
        /// The expiry by the server's clock.
        server_expires_at: Option<SystemTime>,
    },
    /// An absolute expiry by the server's clock (Exact Payments' `expiresAt`). The lifetime is
    /// measured on the server's clock, from the response's `Date` (from the local wall clock
    /// when there is none), and placed on the local monotonic clock.
    At(SystemTime),
}

/// The failure for a response to a token request that has no typed body: a status that is not
/// a success, or a success the endpoint cannot read.
pub(crate) fn untyped_failure(status: http::StatusCode, untyped: crate::Unrecognized) -> Failure {
    use crate::Unrecognized;
    match untyped {
        Unrecognized::UnexpectedContentType { expected } if status.is_success() => {
            Failure::Unreadable {
                status,
                problem: format!("the content type is not {expected}"),
            }
        }
        Unrecognized::UndocumentedStatus if status.is_success() => Failure::Unreadable {
            status,
            problem: "the API does not document this status here".to_owned(),
        },
        _ => Failure::Status {
            status,
            message: None,
        },
    }
}

/// The failure for a response the operation could not parse at all.
pub(crate) fn parse_failure(status: http::StatusCode, error: &crate::ParseError) -> Failure {
    if status.is_success() {
        Failure::Unreadable {
            status,
            problem: error.kind.to_string(),
        }
    } else {
        Failure::Status {
            status,
            message: None,
        }
    }
}
