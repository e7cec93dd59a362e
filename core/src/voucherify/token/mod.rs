//! A Voucherify OAuth access token (as generated or introspected), and how it is read from a
//! response body: the wire fields and their checks (`wire`), and the fast path that reads a flat
//! body without serde (`flat`).

mod flat;
mod wire;

pub(super) use wire::TokenWire;

use super::Scopes;
use crate::redact::{Scrub, Secrets};
use crate::{AccessToken, BuildError};
use std::time::{Duration, SystemTime};

/// A Voucherify OAuth access token, as generated or introspected.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token itself: send it as `Authorization: Bearer <token>`.
    pub access_token: AccessToken,
    /// The OAuth client id Voucherify assigned.
    pub client_id: String,
    /// When the token expires, by the server's clock (`expires_at`, Unix seconds).
    pub expires_at: SystemTime,
    /// How long the token had left when the server answered (`expires_in`). Add it to the local
    /// time the response arrived to get a deadline that does not trust the server's clock.
    pub expires_in: Duration,
    /// The scopes granted.
    pub scope: Scopes,
    /// The token type, `Bearer`.
    pub token_type: TokenType,
}

impl Token {
    /// Puts the token on `request` as `Authorization: Bearer <token>`, marked sensitive.
    ///
    /// Fails only for a token built by hand that could never be a header value (a parsed token
    /// always can). To check the token's scopes first and to avoid the allocation on every
    /// call, use a [`LiveToken`](crate::lifecycle::LiveToken).
    pub fn authorize<B>(&self, request: &mut http::Request<B>) -> Result<(), BuildError> {
        let mut value =
            http::HeaderValue::try_from(format!("Bearer {}", self.access_token.expose_secret()))
                .map_err(|_| BuildError::InvalidHeaderValue {
                    name: "Authorization",
                })?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

/// The `token_type` of a token: `Bearer`, or a value Voucherify does not document yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (compared ignoring case).
    Bearer,
    /// Anything else, kept as sent.
    Other(String),
}

impl TokenType {
    fn from_wire(wire: &str) -> Self {
        if wire.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else {
            Self::Other(wire.to_owned())
        }
    }
}

/// The spec's example of a generated token (`voucherify-oauth.json`), for the tests.
impl Scrub for Token {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            access_token: _,
            client_id,
            expires_at: _,
            expires_in: _,
            scope,
            token_type,
        } = self;
        client_id.scrub(secrets);
        scope.scrub(secrets);
        token_type.scrub(secrets);
    }
}

impl Scrub for TokenType {
    fn scrub(&mut self, secrets: &Secrets) {
        if let Self::Other(other) = self {
            other.scrub(secrets);
        }
    }
}

#[cfg(test)]
pub(super) const SPEC: &str = r#"{"access_token":"1ABCde2FGHijKl3m4NO5pqR6STUv7wxYzAbc8dE90FgH1IJkLm","client_id":"a1Bcdefg2HI3Jkl4m5nOP","expires_at":1738945086,"expires_in":900,"scope":"api","token_type":"Bearer"}"#;
