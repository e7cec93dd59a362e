//! A live token: the secret, its deadlines by the local clock, what it grants, and the
//! `Authorization` header value ready to put on requests.

use crate::voucherify::Scopes;
use crate::AccessToken;
use http::HeaderValue;
use std::time::{Duration, SystemTime};

/// How a token travels in the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (Voucherify).
    Bearer,
    /// `Authorization: <token>`, as is (Exact Payments).
    Raw,
}

/// What a token is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "api", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Grant {
    /// A Voucherify OAuth token with these scopes.
    Voucherify {
        /// The scopes granted.
        scopes: Scopes,
    },
    /// An Exact Payments order access token, for this order.
    ExactOrder {
        /// The order id.
        order_id: String,
    },
}

/// A token the keeper holds: the secret, the precomputed sensitive `Authorization` value, its
/// deadlines by the local clock, and what it grants.
///
/// Its `Debug` never shows the token. Share it as an `Arc<LiveToken>`: authorizing a request is
/// a reference-count increment and a header insert, with no formatting.
#[derive(Debug, Clone)]
pub struct LiveToken {
    token: AccessToken,
    header: HeaderValue,
    scheme: AuthScheme,
    grant: Grant,
    obtained_at: SystemTime,
    expires_at: SystemTime,
    refresh_at: SystemTime,
    server_expires_at: Option<SystemTime>,
}

/// A token that cannot be sent in a header: empty, or with spaces or control characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the token cannot be sent in a header (empty, or has spaces or control characters)")]
pub struct UnsendableToken;

impl LiveToken {
    /// A live token. `expires_at` and `refresh_at` are by the local clock; `refresh_at` is
    /// clamped to `expires_at`.
    pub(crate) fn new(
        token: AccessToken,
        scheme: AuthScheme,
        grant: Grant,
        obtained_at: SystemTime,
        expires_at: SystemTime,
        refresh_at: SystemTime,
        server_expires_at: Option<SystemTime>,
    ) -> Result<Self, UnsendableToken> {
        let secret = token.expose_secret();
        if !crate::request::is_header_safe_token(secret) {
            return Err(UnsendableToken);
        }
        let mut header = match scheme {
            AuthScheme::Bearer => HeaderValue::from_str(&format!("Bearer {secret}")),
            AuthScheme::Raw => HeaderValue::from_str(secret),
        }
        .map_err(|_| UnsendableToken)?;
        header.set_sensitive(true);
        // The bytes start out uniquely owned; the first clone would allocate a shared header
        // for them. Clone once now, so that every later clone (each authorized request) is a
        // reference-count increment and nothing more.
        drop(header.clone());
        Ok(Self {
            token,
            header,
            scheme,
            grant,
            obtained_at,
            expires_at,
            refresh_at: refresh_at.min(expires_at),
            server_expires_at,
        })
    }

    /// The token itself.
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// The `Authorization` header value, marked sensitive: `Bearer <token>` or the raw token.
    /// Cloning it is a reference-count increment.
    pub fn header_value(&self) -> &HeaderValue {
        &self.header
    }

    /// How the token travels.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// What the token grants.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The Voucherify scopes granted, for a Voucherify token.
    pub fn scopes(&self) -> Option<&Scopes> {
        match &self.grant {
            Grant::Voucherify { scopes } => Some(scopes),
            Grant::ExactOrder { .. } => None,
        }
    }

    /// When the response that carried the token arrived, by the local clock.
    pub fn obtained_at(&self) -> SystemTime {
        self.obtained_at
    }

    /// When the token stops being valid, by the local clock. See the module docs for how it is
    /// computed.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// When the keeper will start refreshing it: the refresh margin and jitter before
    /// [`expires_at`](Self::expires_at).
    pub fn refresh_at(&self) -> SystemTime {
        self.refresh_at
    }

    /// The expiry the server stated (Voucherify's `expires_at`, Exact's `expiresAt`), by the
    /// server's clock.
    pub fn server_expires_at(&self) -> Option<SystemTime> {
        self.server_expires_at
    }

    /// Whether the token is still valid at `now`.
    pub fn is_valid(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }

    /// Whether the token is valid and not yet due for refresh at `now`: the hot path's check.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        now < self.refresh_at
    }

    /// How long the token stays valid after `now` (zero once expired).
    pub fn remaining(&self, now: SystemTime) -> Duration {
        self.expires_at.duration_since(now).unwrap_or_default()
    }
}
