//! `POST /v1/oauth/token`: generate a token.

use super::{error_or_untyped, Api, Error, Scopes};
use crate::error::{FieldProblem, ParseErrorKind};
use crate::request::{json_body, parse_with, token_field, with_media_type, Prepared, JSON};
use crate::{AccessToken, BuildError, Operation, ParseError, RawResponse, Response, Typed};
use serde::Deserialize;
use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// The largest `expires_at` and `expires_in` accepted: 9999-12-31T23:59:59Z in Unix seconds.
const MAX_SECONDS: u64 = 253_402_300_799;

/// The token fields as they are on the wire.
#[derive(Deserialize)]
pub(super) struct TokenWire<'a> {
    #[serde(borrow)]
    access_token: Cow<'a, str>,
    #[serde(borrow)]
    client_id: Cow<'a, str>,
    expires_at: i64,
    expires_in: i64,
    #[serde(borrow)]
    scope: Cow<'a, str>,
    #[serde(borrow)]
    token_type: Cow<'a, str>,
}

impl TokenWire<'_> {
    pub(super) fn into_token(self) -> Result<Token, ParseErrorKind> {
        let out_of_range = |field| ParseErrorKind::InvalidField {
            field,
            problem: FieldProblem::OutOfRange,
        };
        // Both are bounded by the last second of year 9999 so that `expires_at` means the same
        // on every platform and `received_at + expires_in` can never overflow `SystemTime`.
        let seconds = |field, value: i64| {
            u64::try_from(value)
                .ok()
                .filter(|secs| *secs <= MAX_SECONDS)
                .map(Duration::from_secs)
                .ok_or_else(|| out_of_range(field))
        };
        let expires_at = UNIX_EPOCH + seconds("expires_at", self.expires_at)?;
        let expires_in = seconds("expires_in", self.expires_in)?;
        Ok(Token {
            access_token: token_field("access_token", &self.access_token)?,
            client_id: self.client_id.into_owned(),
            expires_at,
            expires_in,
            scope: Scopes::parse(&self.scope),
            token_type: TokenType::from_wire(&self.token_type),
        })
    }
}

/// Reads a token from a JSON body.
pub(super) fn parse_token(raw: &RawResponse) -> Result<Token, ParseErrorKind> {
    json_body::<TokenWire>(raw)?.into_token()
}

/// `POST /v1/oauth/token` for one scope set: build with [`Api::generate_token`].
///
/// Success is `200` with a [`Token`]; every error status carries Voucherify's [`Error`].
#[derive(Debug, Clone)]
pub struct GenerateToken {
    prepared: Prepared,
    scopes: Scopes,
    scope_string: String,
}

impl GenerateToken {
    pub(super) fn new(api: &Api, scopes: &Scopes) -> Result<Self, BuildError> {
        if scopes.is_empty() {
            return Err(BuildError::EmptyScopeSet);
        }
        let scope_string = scopes.to_string();
        let prepared = api.form_post(
            "/v1/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", &scope_string),
            ],
        )?;
        Ok(Self {
            prepared,
            scopes: scopes.clone(),
            scope_string,
        })
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// The exact `scope` value sent (space-separated, before form encoding).
    pub fn scope_string(&self) -> &str {
        &self.scope_string
    }
}

impl Operation for GenerateToken {
    type Output = Response<Token, Error>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(response, |raw| match raw.status().as_u16() {
            200 => with_media_type(raw, JSON, |raw| parse_token(raw).map(Typed::Success)),
            _ => error_or_untyped(raw),
        })
    }
}
