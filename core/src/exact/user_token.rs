//! `POST /token`: log a user in for a user token (valid 2 hours).

use super::wire::{debug_operation, lenient_bool, optional_date_time, text_body};
use super::{AccountType, Mode, Permissions, TokenKind, ValidationError, JSON_OR_TEXT};
use crate::error::ParseErrorKind;
use crate::preview::Preview;
use crate::redact::{Scrub, Secrets};
use crate::request::{
    header_value, json_body, parse_with, token_field, with_media_type, Prepared, JSON, TEXT,
};
use crate::{
    AccessToken, ApiKey, BaseUrl, BuildError, Operation, Outcome, ParseError, Parsed, Password,
    RawResponse, Unrecognized,
};
use http::HeaderValue;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::SystemTime;

/// What a user logs in with. Its `Debug` never shows the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The user's email.
    pub email: String,
    /// The user's password.
    pub password: Password,
    /// The application id calling the API (`application`, also sent as `x-application-id`);
    /// `None` lets the server use its default (`admin-pwa`).
    pub application: Option<String>,
    /// The account mode to log in to; `None` lets the server choose.
    pub mode: Option<Mode>,
}

impl UserCredentials {
    /// Credentials with no application and no mode.
    pub fn new(email: impl Into<String>, password: Password) -> Self {
        Self {
            email: email.into(),
            password,
            application: None,
            mode: None,
        }
    }

    /// The same credentials, for `application`.
    pub fn with_application(mut self, application: impl Into<String>) -> Self {
        self.application = Some(application.into());
        self
    }

    /// The same credentials, in `mode`.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }
}

/// A user token (`UserToken`), valid for 2 hours. Only [`token`](Self::token) is required; the
/// spec makes every other field optional, so each is an `Option` or empty when absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserToken {
    /// The token, checked to be header-safe: send it as `Authorization` (see
    /// [`api_key`](Self::api_key)).
    pub token: AccessToken,
    /// `type`, `user`.
    pub token_type: Option<TokenKind>,
    /// `isAuthenticated` (`true` or the string `"true"` both read as `true`).
    pub is_authenticated: Option<bool>,
    /// `mode`: the account mode the token works in.
    pub mode: Option<Mode>,
    /// `user`: the user's id.
    pub user: Option<String>,
    /// `application`: the application id the token was issued for.
    pub application: Option<String>,
    /// `account`: the user's organization or account id.
    pub account: Option<String>,
    /// `accountType`: whether that is an organization or an account.
    pub account_type: Option<AccountType>,
    /// `allowedPermissions` (empty when absent; unknown permissions kept).
    pub allowed_permissions: Permissions,
    /// `allowedAccounts`: the organizations and accounts the token may access.
    pub allowed_accounts: Vec<String>,
    /// `apiVersion`, e.g. `1.0.0`.
    pub api_version: Option<String>,
    /// `expiresAt`, by the server's clock.
    pub expires_at: Option<SystemTime>,
}

impl UserToken {
    /// The token as an API key for [`Api::new`](super::Api::new).
    pub fn api_key(&self) -> ApiKey {
        ApiKey::new(self.token.expose_secret())
    }
}

/// The documented error bodies of `POST /token`, one variant per status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserTokenError {
    /// `400` (JSON): the request body is malformed or incomplete.
    BadRequest(ValidationError),
    /// `401` (text): invalid credentials, or the user's organization or account is disabled.
    Unauthorized(String),
    /// `403` (text): the user's password expired.
    Forbidden(String),
    /// `404` (text): the application, the user, their role, organization or account does not
    /// exist, or the user's invitation is not accepted yet.
    NotFound(String),
    /// `423` (text): the user is locked (more than five failed logins, or by a manager).
    Locked(String),
    /// `500` (text): the server failed.
    InternalServerError(String),
    /// `503` (text): the service is unavailable; retry later.
    ServiceUnavailable(String),
}

impl std::fmt::Display for UserTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, text) = match self {
            Self::BadRequest(error) => return error.fmt(f),
            Self::Unauthorized(t) => ("unauthorized", t),
            Self::Forbidden(t) => ("forbidden (password expired)", t),
            Self::NotFound(t) => ("not found", t),
            Self::Locked(t) => ("locked", t),
            Self::InternalServerError(t) => ("internal server error", t),
            Self::ServiceUnavailable(t) => ("service unavailable", t),
        };
        write!(f, "{what}: {}", Preview(text))
    }
}

/// `POST /token` for one user: build with [`CreateUserToken::new`]. No API key is needed.
///
/// `201` gives a [`UserToken`]; `400` (JSON) and `401`, `403`, `404`, `423`, `500`, `503`
/// (`text/plain`) give a [`UserTokenError`]; anything else is untyped. Its `Debug` shows neither
/// the password nor the body.
#[derive(Clone)]
pub struct CreateUserToken {
    prepared: Prepared,
    application: Option<String>,
}

#[derive(Serialize)]
struct UserTokenBody<'a> {
    email: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'a Mode>,
}

impl CreateUserToken {
    /// `POST {base}/token` with `credentials`. An empty email, password or application is
    /// refused; an application that cannot be a header value too.
    pub fn new(base: &BaseUrl, credentials: &UserCredentials) -> Result<Self, BuildError> {
        if credentials.email.is_empty() {
            return Err(BuildError::EmptyField { name: "email" });
        }
        if credentials.password.expose_secret().is_empty() {
            return Err(BuildError::EmptyField { name: "password" });
        }
        let application = credentials.application.as_deref();
        let mut prepared = Prepared::new(http::Method::POST, base.join("/token")?)
            .header(http::header::ACCEPT, HeaderValue::from_static(JSON_OR_TEXT));
        if let Some(application) = application {
            if application.is_empty() {
                return Err(BuildError::EmptyField {
                    name: "application",
                });
            }
            prepared = prepared.header(
                http::HeaderName::from_static("x-application-id"),
                header_value("x-application-id", application, false)?,
            );
        }
        let body = serde_json::to_vec(&UserTokenBody {
            email: &credentials.email,
            password: credentials.password.expose_secret(),
            application,
            mode: credentials.mode.as_ref(),
        })
        .map_err(|e| BuildError::Body(e.to_string()))?;
        Ok(Self {
            prepared: prepared
                .body(JSON, body)
                .secret(credentials.password.expose_secret()),
            application: credentials.application.clone(),
        })
    }

    /// The application id sent, if any.
    pub fn application(&self) -> Option<&str> {
        self.application.as_deref()
    }
}

impl std::fmt::Debug for CreateUserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_operation(f, "CreateUserToken", &self.prepared)
            .field("application", &self.application)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserTokenWire<'a> {
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(rename = "type")]
    token_type: Option<TokenKind>,
    #[serde(default, deserialize_with = "lenient_bool")]
    is_authenticated: Option<bool>,
    mode: Option<Mode>,
    user: Option<String>,
    application: Option<String>,
    account: Option<String>,
    account_type: Option<AccountType>,
    #[serde(default)]
    allowed_permissions: Permissions,
    #[serde(default)]
    allowed_accounts: Vec<String>,
    api_version: Option<String>,
    expires_at: Option<String>,
}

fn parse_user_token(raw: &RawResponse) -> Result<UserToken, ParseErrorKind> {
    let wire: UserTokenWire = json_body(raw)?;
    Ok(UserToken {
        token: token_field("token", &wire.token)?,
        token_type: wire.token_type,
        is_authenticated: wire.is_authenticated,
        mode: wire.mode,
        user: wire.user,
        application: wire.application,
        account: wire.account,
        account_type: wire.account_type,
        allowed_permissions: wire.allowed_permissions,
        allowed_accounts: wire.allowed_accounts,
        api_version: wire.api_version,
        expires_at: optional_date_time("expiresAt", wire.expires_at.as_deref())?,
    })
}

impl Operation for CreateUserToken {
    type Output = Outcome<UserToken, UserTokenError>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            let text: fn(String) -> UserTokenError = match raw.status().as_u16() {
                201 => {
                    return with_media_type(raw, JSON, |raw| {
                        parse_user_token(raw).map(Parsed::Success)
                    })
                }
                400 => {
                    return with_media_type(raw, JSON, |raw| {
                        ValidationError::parse(raw)
                            .map(|e| Parsed::Error(UserTokenError::BadRequest(e)))
                    })
                }
                401 => UserTokenError::Unauthorized,
                403 => UserTokenError::Forbidden,
                404 => UserTokenError::NotFound,
                423 => UserTokenError::Locked,
                500 => UserTokenError::InternalServerError,
                503 => UserTokenError::ServiceUnavailable,
                _ => return Ok(Parsed::Unrecognized(Unrecognized::UndocumentedStatus)),
            };
            with_media_type(raw, TEXT, |raw| {
                text_body(raw).map(|t| Parsed::Error(text(t)))
            })
        })
    }
}

impl Scrub for UserToken {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            token: _,
            token_type,
            is_authenticated: _,
            mode,
            user,
            application,
            account,
            account_type,
            allowed_permissions,
            allowed_accounts,
            api_version,
            expires_at: _,
        } = self;
        token_type.scrub(secrets);
        mode.scrub(secrets);
        user.scrub(secrets);
        application.scrub(secrets);
        account.scrub(secrets);
        account_type.scrub(secrets);
        allowed_permissions.scrub(secrets);
        allowed_accounts.scrub(secrets);
        api_version.scrub(secrets);
    }
}

impl Scrub for UserTokenError {
    fn scrub(&mut self, secrets: &Secrets) {
        super::validation::scrub_status_error(self, secrets, |error| match error {
            Self::BadRequest(invalid) => Err(invalid),
            Self::Unauthorized(text)
            | Self::Forbidden(text)
            | Self::NotFound(text)
            | Self::Locked(text)
            | Self::InternalServerError(text)
            | Self::ServiceUnavailable(text) => Ok(text),
        });
    }
}
