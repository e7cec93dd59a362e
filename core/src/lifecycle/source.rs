//! How to mint one kind of token and read the outcome: the glue between an API's token
//! operation and the [`Keeper`](super::Keeper).

use super::{AuthScheme, Failure, Grant, StoreKey};
use crate::exact::CreateOrderAccessToken;
use crate::voucherify::GenerateToken;
use crate::{AccessToken, Operation, Typed, Untyped};
use std::time::{Duration, SystemTime};

/// How to mint one kind of token (one set of credentials, one scope set or order) and read the
/// outcome. Implemented for [`GenerateToken`](crate::voucherify::GenerateToken) (Voucherify)
/// and [`CreateOrderAccessToken`](crate::exact::CreateOrderAccessToken) (Exact Payments order
/// tokens); implement it for any other token endpoint.
pub trait Mint {
    /// The request that mints a token. Called for every attempt.
    fn request(&self) -> http::Request<Vec<u8>>;

    /// Reads the response: the token, or why this attempt failed.
    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued, Failure>;

    /// The key to store this kind of token under: it identifies the credentials (hashed, never
    /// in clear), the base URL and the scope set or order.
    fn store_key(&self) -> StoreKey;
}

/// A token as the API issued it, before the keeper sets its deadlines.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Issued {
    /// The token.
    pub token: AccessToken,
    /// How it travels in `Authorization`.
    pub scheme: AuthScheme,
    /// What it grants.
    pub grant: Grant,
    /// When it expires, as the API said.
    pub expiry: Expiry,
}

impl Issued {
    /// A token as the API issued it.
    pub fn new(token: AccessToken, scheme: AuthScheme, grant: Grant, expiry: Expiry) -> Self {
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
pub enum Expiry {
    /// A lifetime from the moment of the response (Voucherify's `expires_in`), with the absolute
    /// expiry by the server's clock when it was also given (`expires_at`). The deadline is the
    /// local receive time plus `expires_in`; the difference from `server_expires_at` is the
    /// clock skew.
    In {
        /// The lifetime left when the server answered.
        expires_in: Duration,
        /// The expiry by the server's clock.
        server_expires_at: Option<SystemTime>,
    },
    /// An absolute expiry by the server's clock (Exact Payments' `expiresAt`). With the
    /// response's `Date` header, the keeper also converts it to the local clock and keeps the
    /// earlier of the two.
    At(SystemTime),
}

impl Mint for GenerateToken {
    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued, Failure> {
        let status = response.status();
        let outcome = match self.parse(response) {
            Ok(outcome) => outcome,
            Err(error) if status.is_success() => {
                return Err(Failure::Unreadable {
                    status,
                    problem: error.kind.to_string(),
                })
            }
            Err(_) => {
                return Err(Failure::Status {
                    status,
                    message: None,
                })
            }
        };
        let (_, typed) = outcome.into_parts();
        match typed {
            Typed::Success(token) => {
                // What the server granted; what was asked for if it said nothing.
                let scopes = if token.scope.is_empty() {
                    self.scopes().clone()
                } else {
                    token.scope
                };
                Ok(Issued::new(
                    token.access_token,
                    AuthScheme::Bearer,
                    Grant::Voucherify { scopes },
                    Expiry::In {
                        expires_in: token.expires_in,
                        server_expires_at: Some(token.expires_at),
                    },
                ))
            }
            Typed::Error(error) => Err(Failure::Status {
                status,
                message: Some(error.message),
            }),
            Typed::Untyped(untyped) => Err(untyped_failure(status, untyped)),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("voucherify", &Operation::request(self))
    }
}

impl Mint for CreateOrderAccessToken {
    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued, Failure> {
        let status = response.status();
        let outcome = match self.parse(response) {
            Ok(outcome) => outcome,
            Err(error) if status.is_success() => {
                return Err(Failure::Unreadable {
                    status,
                    problem: error.kind.to_string(),
                })
            }
            Err(_) => {
                return Err(Failure::Status {
                    status,
                    message: None,
                })
            }
        };
        let (_, typed) = outcome.into_parts();
        match typed {
            Typed::Success(token) => Ok(Issued::new(
                token.token,
                AuthScheme::Raw,
                Grant::ExactOrder {
                    order_id: self.order_id().to_owned(),
                },
                Expiry::At(token.expires_at),
            )),
            Typed::Error(error) => Err(Failure::Status {
                status,
                message: Some(error.to_string()),
            }),
            Typed::Untyped(untyped) => Err(untyped_failure(status, untyped)),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("exact-order", &Operation::request(self))
    }
}

/// The failure for a response with no typed body.
pub(crate) fn untyped_failure(status: http::StatusCode, untyped: Untyped) -> Failure {
    match untyped {
        Untyped::UnexpectedContentType { expected } if status.is_success() => Failure::Unreadable {
            status,
            problem: format!("the content type is not {expected}"),
        },
        Untyped::UndocumentedStatus if status.is_success() => Failure::Unreadable {
            status,
            problem: "the API does not document this status here".to_owned(),
        },
        _ => Failure::Status {
            status,
            message: None,
        },
    }
}
