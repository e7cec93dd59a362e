//! `POST /v1/oauth/introspect`: is a token active?

use super::token::TokenWire;
use super::{error_or_untyped, Api, Error, Token};
use crate::error::ParseErrorKind;
use crate::redact::{Scrub, Secrets};
use crate::request::{json_body, parse_with, with_media_type, Prepared, JSON};
use crate::{AccessToken, BuildError, Operation, Outcome, ParseError, Parsed, RawResponse};
use serde::Deserialize;

/// What Voucherify knows of a token.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Introspection {
    /// The token is active; its details, with `expires_in` as the time it has left.
    Active(Token),
    /// Unknown, expired or revoked (`{"active":false}`): a normal answer, not an error.
    Inactive,
}

impl Introspection {
    /// Whether the token is active.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Active(_))
    }
}

/// `POST /v1/oauth/introspect` for one token: build with [`Api::introspect`].
#[derive(Debug, Clone)]
pub struct Introspect {
    prepared: Prepared,
}

impl Introspect {
    pub(super) fn new(api: &Api, token: &AccessToken) -> Result<Self, BuildError> {
        let prepared = api
            .form_post(
                "/v1/oauth/introspect",
                &[("access_token", token.expose_secret())],
            )?
            .secret(token.expose_secret());
        Ok(Self { prepared })
    }
}

#[derive(Deserialize)]
struct Activity {
    active: bool,
}

fn parse_introspection(raw: &RawResponse) -> Result<Introspection, ParseErrorKind> {
    // The schema's `required` list is wrong for inactive tokens: `{"active":false}` is all.
    if json_body::<Activity>(raw)?.active {
        Ok(Introspection::Active(
            json_body::<TokenWire>(raw)?.into_token()?,
        ))
    } else {
        Ok(Introspection::Inactive)
    }
}

impl Operation for Introspect {
    type Output = Outcome<Introspection, Error>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                200 => with_media_type(raw, JSON, |raw| {
                    parse_introspection(raw).map(Parsed::Success)
                }),
                _ => error_or_untyped(raw),
            }
        })
    }
}

impl Scrub for Introspection {
    fn scrub(&mut self, secrets: &Secrets) {
        match self {
            Self::Active(token) => token.scrub(secrets),
            Self::Inactive => {}
        }
    }
}
