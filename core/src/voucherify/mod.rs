//! Voucherify OAuth 2.0 tokens: generate, introspect, revoke.
//!
//! Every call authenticates with the project's application id and secret key (`X-App-Id`,
//! `X-App-Token`) and sends a form body. See [`Api`] for the entry point.

mod authorize;
mod endpoint_memo;
mod endpoints;
mod error;
mod generate;
mod introspect;
mod revoke;
mod scope;
mod token;
mod token_endpoint;

pub use authorize::AuthorizeError;
pub use endpoints::{endpoint, Endpoint, ENDPOINTS};
pub use error::{Error, ErrorDetail, ErrorKey, RateLimit, RateLimitType};
pub use generate::GenerateToken;
pub use introspect::{Introspect, Introspection};
pub use revoke::{Revocation, Revoke};
pub use scope::{Scope, Scopes};
pub use token::{Token, TokenType};

use crate::request::header_value;
use crate::{AccessToken, BaseUrl, BuildError, SecretKey};
use http::HeaderValue;

/// A Voucherify region. Dedicated clusters use [`BaseUrl::parse`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// Europe, `https://api.voucherify.io` (the default).
    #[default]
    Europe,
    /// United States, `https://us1.api.voucherify.io`.
    UnitedStates,
    /// Asia, `https://as1.api.voucherify.io`.
    Asia,
}

impl Region {
    /// The region's base URL.
    pub fn base_url(self) -> BaseUrl {
        let url = match self {
            Self::Europe => "https://api.voucherify.io",
            Self::UnitedStates => "https://us1.api.voucherify.io",
            Self::Asia => "https://as1.api.voucherify.io",
        };
        BaseUrl::parse(url).expect("the regions' URLs are valid")
    }
}

/// A project's application id and secret key, checked to be sendable as headers.
#[derive(Clone)]
pub struct Credentials {
    app_id: HeaderValue,
    secret_key: HeaderValue,
}

impl Credentials {
    /// Checks that both values can travel as headers (non-empty, no control characters).
    pub fn new(app_id: impl AsRef<str>, secret_key: SecretKey) -> Result<Self, BuildError> {
        Ok(Self {
            app_id: header_value("X-App-Id", app_id.as_ref(), false)?,
            secret_key: header_value("X-App-Token", secret_key.expose_secret(), true)?,
        })
    }

    /// The application id (not a secret).
    pub fn app_id(&self) -> &str {
        self.app_id.to_str().unwrap_or_default()
    }

    fn apply(&self, prepared: crate::request::Prepared) -> crate::request::Prepared {
        prepared
            .header(
                http::HeaderName::from_static("x-app-id"),
                self.app_id.clone(),
            )
            .header(
                http::HeaderName::from_static("x-app-token"),
                self.secret_key.clone(),
            )
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id())
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// The Voucherify API at one base URL, with one project's credentials: builds operations.
#[derive(Debug, Clone)]
pub struct Api {
    base: BaseUrl,
    credentials: Credentials,
}

impl Api {
    /// The API at `base` (a [`Region`]'s URL or any other, with or without a path prefix).
    pub fn new(base: BaseUrl, credentials: Credentials) -> Self {
        Self { base, credentials }
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// `POST /v1/oauth/token`: a new token for `scopes`. An empty set is refused.
    pub fn generate_token(&self, scopes: &Scopes) -> Result<GenerateToken, BuildError> {
        GenerateToken::new(self, scopes)
    }

    /// `POST /v1/oauth/introspect`: whether `token` is active, and its details.
    pub fn introspect(&self, token: &AccessToken) -> Result<Introspect, BuildError> {
        Introspect::new(self, token)
    }

    /// `POST /v1/oauth/token/revoke`: ends `token`.
    pub fn revoke(&self, token: &AccessToken) -> Result<Revoke, BuildError> {
        Revoke::new(self, token)
    }

    /// A form `POST` to `path` with the credentials and `fields`.
    fn form_post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<crate::request::Prepared, BuildError> {
        let uri = self.base.join(path)?;
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            form.append_pair(name, value);
        }
        let prepared = crate::request::Prepared::new(http::Method::POST, uri)
            .header(
                http::header::ACCEPT,
                HeaderValue::from_static(crate::request::JSON),
            )
            .body(crate::request::FORM, form.finish().into_bytes());
        Ok(self.credentials.apply(prepared))
    }
}

/// Reads any Voucherify response whose status is not one of the operation's successes: a JSON
/// error body for 4xx/5xx, otherwise untyped.
fn error_or_untyped<T>(
    raw: &crate::RawResponse,
) -> Result<crate::Parsed<T, Error>, crate::ParseErrorKind> {
    if raw.status().is_client_error() || raw.status().is_server_error() {
        crate::request::with_media_type(raw, crate::request::JSON, |raw| {
            Error::parse(raw).map(crate::Parsed::Error)
        })
    } else {
        Ok(crate::Parsed::Unrecognized(
            crate::Unrecognized::UndocumentedStatus,
        ))
    }
}
