//! Exact Payments tokens: order access tokens for the browser payment form, user tokens and
//! application tokens.
//!
//! Calls that need an API key go through [`Api`], which sends the user or application token in
//! `Authorization` **as is** (no `Bearer` prefix). Logging in ([`CreateUserToken`]) needs no key.
//!
//! ```
//! use keycard_core::exact::{self, Environment};
//! use keycard_core::{ApiKey, Operation, Parsed};
//!
//! let api = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new("my-app-token"))?;
//! let create = api.create_order_access_token("ord_123")?;
//! let request = create.request();
//! assert_eq!(request.uri(), "https://api.exactpaysandbox.com/orders/ord_123/accessToken");
//! assert_eq!(request.headers()["authorization"], "my-app-token");
//!
//! let response = http::Response::builder()
//!     .status(201)
//!     .header("content-type", "application/json")
//!     .body(br#"{"accessToken":{"token":"Oyen7ydZcNHrxk4x","expiresAt":"2023-07-26T23:32:32.000Z"}}"#.to_vec())?;
//! let outcome = create.parse(response)?;
//! let Parsed::Success(token) = outcome.parsed() else { panic!("{outcome:?}") };
//! assert_eq!(token.token.expose_secret(), "Oyen7ydZcNHrxk4x");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod application_token;
mod checkout;
mod delete;
mod error;
mod list;
mod login_endpoint;
mod mode;
mod order;
mod order_endpoint;
mod permission;
mod required_permission;
mod rotation;
mod user_token;
mod validation;
mod wire;

pub use application_token::{ApplicationToken, ApplicationTokenError, CreateApplicationToken};
pub use checkout::{CheckoutConfig, Handed, Handout};
pub use delete::{DeleteApplicationToken, Deleted};
pub use error::{
    OrderError, OrderErrorCode, OrderErrorDetail, OrderErrorMessage, OrderErrorStatus,
};
pub use list::{ApplicationTokenInfo, ApplicationTokenPage, ListApplicationTokens, ListQuery};
pub use mode::{AccountType, Mode, TokenKind};
pub use order::{CreateOrderAccessToken, OrderAccessToken};
pub use order_endpoint::OrderId;
pub use permission::{Permission, Permissions};
pub use required_permission::{
    coverage, required_permission, Coverage, RequiredPermission, REQUIRED_PERMISSIONS,
};
pub use rotation::{
    Rotated, Rotation, RotationError, RotationStep, RotationStepError, Verification,
};
pub use user_token::{CreateUserToken, UserCredentials, UserToken, UserTokenError};
pub use validation::{IssueCode, ValidationError, ValidationIssue};

use crate::request::{header_value, Prepared};
use crate::{ApiKey, BaseUrl, BuildError};
use http::{HeaderValue, Method};

/// An Exact Payments environment. Any other base URL (a proxy's, the emulator's) works through
/// [`BaseUrl::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Environment {
    /// The sandbox, `https://api.exactpaysandbox.com` (the default).
    #[default]
    Sandbox,
    /// Production, `https://api-p2.exactpay.com`.
    Production,
}

impl Environment {
    /// The environment's base URL.
    pub fn base_url(self) -> BaseUrl {
        let url = match self {
            Self::Sandbox => "https://api.exactpaysandbox.com",
            Self::Production => "https://api-p2.exactpay.com",
        };
        BaseUrl::parse(url).expect("the environments' URLs are valid")
    }
}

/// The Exact Payments API at one base URL, with one API key (a user or application token):
/// builds the operations that need authorization.
///
/// Its `Debug` never shows the key.
#[derive(Clone)]
pub struct Api {
    base: BaseUrl,
    authorization: HeaderValue,
}

impl Api {
    /// The API at `base`, authorized by `api_key`, which is sent in `Authorization` as is (no
    /// `Bearer` prefix) and marked sensitive. A key that cannot be a header value (empty, or
    /// with control characters) is refused.
    pub fn new(base: BaseUrl, api_key: ApiKey) -> Result<Self, BuildError> {
        Ok(Self {
            base,
            authorization: header_value("Authorization", api_key.expose_secret(), true)?,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// `POST /orders/{orderId}/accessToken`: a new access token for the order's browser payment
    /// form (it invalidates the order's earlier tokens). An empty `order_id` is refused; any
    /// other is percent-encoded as one path segment.
    pub fn create_order_access_token(
        &self,
        order_id: &str,
    ) -> Result<CreateOrderAccessToken, BuildError> {
        CreateOrderAccessToken::new(self, order_id)
    }

    /// `POST /application/{applicationId}/token`: a new application token with `label` and
    /// `permissions`, in `mode` when given. An empty label or permission set is refused.
    pub fn create_application_token(
        &self,
        application_id: &str,
        label: &str,
        permissions: &Permissions,
        mode: Option<Mode>,
    ) -> Result<CreateApplicationToken, BuildError> {
        CreateApplicationToken::new(self, application_id, label, permissions, mode)
    }

    /// `GET /application/{applicationId}/token`: one page of the application's tokens.
    pub fn list_application_tokens(
        &self,
        application_id: &str,
        query: &ListQuery,
    ) -> Result<ListApplicationTokens, BuildError> {
        ListApplicationTokens::new(self, application_id, query)
    }

    /// `DELETE /application/{applicationId}/token/{tokenId}`: deletes one application token.
    pub fn delete_application_token(
        &self,
        application_id: &str,
        token_id: &str,
    ) -> Result<DeleteApplicationToken, BuildError> {
        DeleteApplicationToken::new(self, application_id, token_id)
    }

    /// A request to `path_and_query` (already encoded) with the API key and `Accept`.
    fn prepare(
        &self,
        method: Method,
        path_and_query: &str,
        accept: &'static str,
    ) -> Result<Prepared, BuildError> {
        let uri = self.base.join(path_and_query)?;
        Ok(Prepared::new(method, uri)
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .header(http::header::ACCEPT, HeaderValue::from_static(accept)))
    }
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// `Accept` for operations whose success is JSON and whose errors are plain text.
const JSON_OR_TEXT: &str = "application/json, text/plain";
