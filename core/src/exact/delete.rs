//! `DELETE /application/{applicationId}/token/{tokenId}`: delete an application token.

use super::application_token::text_error_or_untyped;
use super::wire::debug_operation;
use super::{Api, ApplicationTokenError, JSON_OR_TEXT};
use crate::base_url::path_segment;
use crate::redact::{Scrub, Secrets};
use crate::request::{parse_with, Prepared};
use crate::{BuildError, Operation, Outcome, ParseError, Parsed};

/// `204 No Content`: the application token is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deleted;

/// `DELETE /application/{applicationId}/token/{tokenId}`: build with
/// [`Api::delete_application_token`].
///
/// `204` gives [`Deleted`]; `401`, `404`, `500`, `503` (`text/plain`) give an
/// [`ApplicationTokenError`]; anything else is untyped.
#[derive(Clone)]
pub struct DeleteApplicationToken {
    prepared: Prepared,
    application_id: String,
    token_id: String,
}

impl DeleteApplicationToken {
    pub(super) fn new(api: &Api, application_id: &str, token_id: &str) -> Result<Self, BuildError> {
        let path = format!(
            "/application/{}/token/{}",
            path_segment("applicationId", application_id)?,
            path_segment("tokenId", token_id)?
        );
        Ok(Self {
            prepared: api.prepare(http::Method::DELETE, &path, JSON_OR_TEXT)?,
            application_id: application_id.to_owned(),
            token_id: token_id.to_owned(),
        })
    }

    /// The application id, as given.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The token id, as given.
    pub fn token_id(&self) -> &str {
        &self.token_id
    }
}

impl std::fmt::Debug for DeleteApplicationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_operation(f, "DeleteApplicationToken", &self.prepared)
            .field("application_id", &self.application_id)
            .field("token_id", &self.token_id)
            .finish()
    }
}

impl Operation for DeleteApplicationToken {
    type Output = Outcome<Deleted, ApplicationTokenError>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                204 => Ok(Parsed::Success(Deleted)),
                _ => text_error_or_untyped(raw),
            }
        })
    }
}

impl Scrub for Deleted {
    fn scrub(&mut self, _: &Secrets) {}
}
