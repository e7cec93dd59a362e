//! `POST /application/{applicationId}/token`: create an application token (it never expires),
//! and the error body shared by the application-token endpoints.

use super::wire::{debug_operation, text_body};
use super::{Api, Mode, Permissions, TokenKind, ValidationError, JSON_OR_TEXT};
use crate::base_url::path_segment;
use crate::error::ParseErrorKind;
use crate::preview::Preview;
use crate::redact::{Scrub, Secrets};
use crate::request::{json_body, parse_with, token_field, with_media_type, Prepared, JSON, TEXT};
use crate::{
    AccessToken, ApiKey, BuildError, Operation, Outcome, ParseError, Parsed, RawResponse,
    Unrecognized,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A new application token (`ApplicationToken`). Application tokens never expire: keep it safe,
/// and delete it with its [`id`](Self::id) when it is no longer needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationToken {
    /// `id`: the token's identifier, for deleting it.
    pub id: String,
    /// `label`, as given when it was created (`None` if the server did not echo it).
    pub label: Option<String>,
    /// `type`, `application`.
    pub token_type: Option<TokenKind>,
    /// The token, checked to be header-safe: send it as `Authorization` (see
    /// [`api_key`](Self::api_key)).
    pub token: AccessToken,
    /// `allowedPermissions` (empty when absent; unknown permissions kept).
    pub allowed_permissions: Permissions,
    /// `allowedAccounts`: the organizations and accounts the token may access.
    pub allowed_accounts: Vec<String>,
}

impl ApplicationToken {
    /// The token as an API key for [`Api::new`].
    pub fn api_key(&self) -> ApiKey {
        ApiKey::new(self.token.expose_secret())
    }
}

/// The documented error bodies of the application-token endpoints (create, list, delete), one
/// variant per status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplicationTokenError {
    /// `400` (JSON, create only): the request body is malformed or incomplete.
    BadRequest(ValidationError),
    /// `401` (text): the API key is invalid or lacks the permission, or the user's organization
    /// or account is disabled.
    Unauthorized(String),
    /// `404` (text): the application (or, for delete, the token) does not exist.
    NotFound(String),
    /// `500` (text): the server failed.
    InternalServerError(String),
    /// `503` (text): the service is unavailable; retry later.
    ServiceUnavailable(String),
}

impl std::fmt::Display for ApplicationTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, text) = match self {
            Self::BadRequest(error) => return error.fmt(f),
            Self::Unauthorized(t) => ("unauthorized", t),
            Self::NotFound(t) => ("not found", t),
            Self::InternalServerError(t) => ("internal server error", t),
            Self::ServiceUnavailable(t) => ("service unavailable", t),
        };
        write!(f, "{what}: {}", Preview(text))
    }
}

/// The application-token error for a text status (401, 404, 500, 503), if it is one.
fn text_error(status: http::StatusCode) -> Option<fn(String) -> ApplicationTokenError> {
    Some(match status.as_u16() {
        401 => ApplicationTokenError::Unauthorized,
        404 => ApplicationTokenError::NotFound,
        500 => ApplicationTokenError::InternalServerError,
        503 => ApplicationTokenError::ServiceUnavailable,
        _ => return None,
    })
}

/// Reads a `text/plain` error body for the documented text statuses; anything else is
/// undocumented.
pub(super) fn text_error_or_untyped<T>(
    raw: &RawResponse,
) -> Result<Parsed<T, ApplicationTokenError>, ParseErrorKind> {
    match text_error(raw.status()) {
        Some(make) => with_media_type(raw, TEXT, |raw| {
            text_body(raw).map(|t| Parsed::Error(make(t)))
        }),
        None => Ok(Parsed::Unrecognized(Unrecognized::UndocumentedStatus)),
    }
}

/// `POST /application/{applicationId}/token`: build with [`Api::create_application_token`].
///
/// `201` gives an [`ApplicationToken`]; `400` (JSON) and `401`, `404`, `500`, `503`
/// (`text/plain`) give an [`ApplicationTokenError`]; anything else is untyped.
#[derive(Clone)]
pub struct CreateApplicationToken {
    prepared: Prepared,
    application_id: String,
    label: String,
    permissions: Permissions,
}

#[derive(Serialize)]
struct ApplicationTokenBody<'a> {
    label: &'a str,
    permissions: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'a Mode>,
}

impl CreateApplicationToken {
    pub(super) fn new(
        api: &Api,
        application_id: &str,
        label: &str,
        permissions: &Permissions,
        mode: Option<Mode>,
    ) -> Result<Self, BuildError> {
        let path = format!(
            "/application/{}/token",
            path_segment("applicationId", application_id)?
        );
        if label.is_empty() {
            return Err(BuildError::EmptyField { name: "label" });
        }
        if permissions.is_empty() {
            return Err(BuildError::EmptyScopeSet);
        }
        let body = serde_json::to_vec(&ApplicationTokenBody {
            label,
            permissions: permissions.iter().collect(),
            mode: mode.as_ref(),
        })
        .map_err(|e| BuildError::Body(e.to_string()))?;
        Ok(Self {
            prepared: api
                .prepare(http::Method::POST, &path, JSON_OR_TEXT)?
                .body(JSON, body),
            application_id: application_id.to_owned(),
            label: label.to_owned(),
            permissions: permissions.clone(),
        })
    }

    /// The application id, as given.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The label asked for.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The permissions asked for.
    pub fn permissions(&self) -> &Permissions {
        &self.permissions
    }
}

impl std::fmt::Debug for CreateApplicationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_operation(f, "CreateApplicationToken", &self.prepared)
            .field("application_id", &self.application_id)
            .field("label", &self.label)
            .field("permissions", &self.permissions)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationTokenWire<'a> {
    id: String,
    label: Option<String>,
    #[serde(rename = "type")]
    token_type: Option<TokenKind>,
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(default)]
    allowed_permissions: Permissions,
    #[serde(default)]
    allowed_accounts: Vec<String>,
}

fn parse_application_token(raw: &RawResponse) -> Result<ApplicationToken, ParseErrorKind> {
    let wire: ApplicationTokenWire = json_body(raw)?;
    Ok(ApplicationToken {
        token: token_field("token", &wire.token)?,
        id: wire.id,
        label: wire.label,
        token_type: wire.token_type,
        allowed_permissions: wire.allowed_permissions,
        allowed_accounts: wire.allowed_accounts,
    })
}

impl Operation for CreateApplicationToken {
    type Output = Outcome<ApplicationToken, ApplicationTokenError>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                201 => with_media_type(raw, JSON, |raw| {
                    parse_application_token(raw).map(Parsed::Success)
                }),
                400 => with_media_type(raw, JSON, |raw| {
                    ValidationError::parse(raw)
                        .map(|e| Parsed::Error(ApplicationTokenError::BadRequest(e)))
                }),
                _ => text_error_or_untyped(raw),
            }
        })
    }
}

impl Scrub for ApplicationToken {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            id,
            label,
            token_type,
            token: _,
            allowed_permissions,
            allowed_accounts,
        } = self;
        id.scrub(secrets);
        label.scrub(secrets);
        token_type.scrub(secrets);
        allowed_permissions.scrub(secrets);
        allowed_accounts.scrub(secrets);
    }
}

impl Scrub for ApplicationTokenError {
    fn scrub(&mut self, secrets: &Secrets) {
        super::validation::scrub_status_error(self, secrets, |error| match error {
            Self::BadRequest(invalid) => Err(invalid),
            Self::Unauthorized(text)
            | Self::NotFound(text)
            | Self::InternalServerError(text)
            | Self::ServiceUnavailable(text) => Ok(text),
        });
    }
}
