//! A live token: the secret, its precomputed `Authorization` header, its deadlines on the local
//! monotonic clock, and what it grants.

use crate::AccessToken;
use http::header::AUTHORIZATION;
use http::HeaderValue;
use std::time::{Duration, Instant, SystemTime};

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

/// A token in use: the secret, the precomputed sensitive `Authorization` value, its deadlines
/// on the local monotonic clock, and what it grants (`G`: Voucherify's scopes, an Exact
/// Payments order, …).
///
/// Its `Debug` never shows the token. Share it as an `Arc<LiveToken<G>>`: authorizing a request
/// is a reference-count increment and a header insert, with no formatting.
#[derive(Debug, Clone)]
pub struct LiveToken<G> {
    token: AccessToken,
    header: HeaderValue,
    scheme: AuthScheme,
    grant: G,
    obtained_at: Instant,
    expires_at: Instant,
    refresh_at: Instant,
    /// `expires_at` on the wall clock as it read when the token arrived, for stores.
    wall_expires_at: SystemTime,
    wall_obtained_at: SystemTime,
    server_expires_at: Option<SystemTime>,
}

/// A token that cannot be sent in a header: empty, with spaces or control characters, or longer
/// than [`MAX_TOKEN_LEN`](crate::limits::MAX_TOKEN_LEN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the token cannot be sent in a header (empty, has spaces or control characters, or is too long)"
)]
pub struct UnsendableToken;

/// When a token arrived and how long it lives, on both clocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetime {
    pub(crate) obtained_at: Instant,
    pub(crate) lifetime: Duration,
    pub(crate) wall_obtained_at: SystemTime,
    pub(crate) wall_expires_at: SystemTime,
    pub(crate) refresh_lead: Duration,
    pub(crate) server_expires_at: Option<SystemTime>,
}

impl<G> LiveToken<G> {
    pub(crate) fn new(
        token: AccessToken,
        scheme: AuthScheme,
        grant: G,
        life: Lifetime,
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
        let expires_at = add(life.obtained_at, life.lifetime);
        let refresh_at = add(
            life.obtained_at,
            life.lifetime.saturating_sub(life.refresh_lead),
        );
        Ok(Self {
            token,
            header,
            scheme,
            grant,
            obtained_at: life.obtained_at,
            expires_at,
            refresh_at,
            wall_expires_at: life.wall_expires_at,
            wall_obtained_at: life.wall_obtained_at,
            server_expires_at: life.server_expires_at,
        })
    }

    /// Puts the token on `request` as its `Authorization` header (marked sensitive):
    /// `Bearer <token>` or the raw token, as the API wants. A reference-count increment and a
    /// header insert.
    pub fn authorize<B>(&self, request: &mut http::Request<B>) {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.header.clone());
    }

    /// The token itself.
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// The `Authorization` header value, marked sensitive. Cloning it is a reference-count
    /// increment.
    pub fn header_value(&self) -> &HeaderValue {
        &self.header
    }

    /// How the token travels.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// What the token grants.
    pub fn grant(&self) -> &G {
        &self.grant
    }

    /// When the token arrived in this process (its response, or a store), on the local
    /// monotonic clock.
    pub fn obtained_at(&self) -> Instant {
        self.obtained_at
    }

    /// When the token stops being valid, on the local monotonic clock: the arrival plus the
    /// lifetime the server gave. A step of the wall clock does not move it.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// When it is due for refresh: the refresh margin and jitter before
    /// [`expires_at`](Self::expires_at) (or `expires_at` itself for a token that is only
    /// replaced once expired).
    pub fn refresh_at(&self) -> Instant {
        self.refresh_at
    }

    /// The expiry the server stated (Voucherify's `expires_at`, Exact's `expiresAt`), by the
    /// server's clock.
    pub fn server_expires_at(&self) -> Option<SystemTime> {
        self.server_expires_at
    }

    /// Whether the token is still valid at `now`.
    pub fn is_valid(&self, now: Instant) -> bool {
        now < self.expires_at
    }

    /// Whether the token is valid and not yet due for refresh at `now`: the hot path's check.
    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }

    /// How long the token stays valid after `now` (zero once expired).
    pub fn remaining(&self, now: Instant) -> Duration {
        self.expires_at.saturating_duration_since(now)
    }

    pub(crate) fn wall_obtained_at(&self) -> SystemTime {
        self.wall_obtained_at
    }

    pub(crate) fn wall_expires_at(&self) -> SystemTime {
        self.wall_expires_at
    }
}

/// `t + d`, or `t` far ahead when that does not fit (a lifetime of centuries).
fn add(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(t)
}
