//! `POST /v1/oauth/token/revoke`: end a token.

use super::{error_or_untyped, Api, Error};
use crate::redact::{Scrub, Secrets};
use crate::request::{parse_with, Prepared};
use crate::{AccessToken, BuildError, Operation, Outcome, ParseError, Parsed};

/// What revoking did. Both outcomes leave the token unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation {
    /// `204`: the token was active and is now revoked.
    Revoked,
    /// `404` with an empty body: the token was unknown or already inactive.
    NotActive,
}

/// `POST /v1/oauth/token/revoke` for one token: build with [`Api::revoke`].
#[derive(Debug, Clone)]
pub struct Revoke {
    prepared: Prepared,
}

impl Revoke {
    pub(super) fn new(api: &Api, token: &AccessToken) -> Result<Self, BuildError> {
        let prepared = api
            .form_post(
                "/v1/oauth/token/revoke",
                &[("access_token", token.expose_secret())],
            )?
            .secret(token.expose_secret());
        Ok(Self { prepared })
    }
}

impl Operation for Revoke {
    type Output = Outcome<Revocation, Error>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                204 => Ok(Parsed::Success(Revocation::Revoked)),
                404 if raw.body().iter().all(u8::is_ascii_whitespace) => {
                    Ok(Parsed::Success(Revocation::NotActive))
                }
                _ => error_or_untyped(raw),
            }
        })
    }
}

impl Scrub for Revocation {
    fn scrub(&mut self, _: &Secrets) {}
}
