//! A live token: the secret, its precomputed `Authorization` header, its deadlines on the local
//! monotonic clock, and what it grants.

use crate::AccessToken;
use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::HeaderValue;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// The most copies of the `Authorization` value a token keeps: threads take them in turn, so
/// up to this many threads authorize without sharing a reference count.
const MAX_LANES: usize = 8;

/// The most bytes a token spends on those copies (each also holds a 256-byte block for its
/// count): a long token keeps fewer.
const LANE_BUDGET: usize = 16 * 1024;

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
///
/// Threads authorizing at once do not contend: the header value is kept in up to eight copies
/// (fewer for a token over about 1.8 KiB), each with its own reference count on its own cache
/// lines, and each thread uses its own copy (threads beyond eight share them in turn).
#[derive(Debug, Clone)]
pub struct LiveToken<G> {
    token: AccessToken,
    /// The `Authorization` value, in a power-of-two number of copies (lanes).
    headers: Box<[HeaderValue]>,
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
        let value = match scheme {
            AuthScheme::Bearer => format!("Bearer {secret}"),
            AuthScheme::Raw => secret.to_owned(),
        };
        let headers = (0..lanes(value.len()))
            .map(|_| {
                let lane = Lane(value.as_bytes().into());
                let mut header = HeaderValue::from_maybe_shared(Bytes::from_owner(lane))
                    .map_err(|_| UnsendableToken)?;
                header.set_sensitive(true);
                Ok(header)
            })
            .collect::<Result<Box<[_]>, _>>()?;
        let expires_at = add(life.obtained_at, life.lifetime);
        let refresh_at = add(
            life.obtained_at,
            life.lifetime.saturating_sub(life.refresh_lead),
        );
        Ok(Self {
            token,
            headers,
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
    /// `Bearer <token>` or the raw token, as the API wants. A reference-count increment (on
    /// this thread's copy of the value) and a header insert.
    pub fn authorize<B>(&self, request: &mut http::Request<B>) {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.thread_header_value().clone());
    }

    /// This thread's copy of the `Authorization` value, marked sensitive: what
    /// [`authorize`](Self::authorize) puts on a request from this thread. For a cache that
    /// keeps one per thread; cloning it is a reference-count increment no other thread's copy
    /// shares (for up to eight threads).
    pub fn thread_header_value(&self) -> &HeaderValue {
        // The length is a power of two: the mask keeps the index in bounds.
        &self.headers[thread_lane() & (self.headers.len() - 1)]
    }

    /// The token itself.
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// The `Authorization` header value, marked sensitive. Cloning it is a reference-count
    /// increment.
    pub fn header_value(&self) -> &HeaderValue {
        &self.headers[0]
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

/// One copy of the header's bytes. Its alignment puts the reference count `Bytes` keeps in
/// front of it (`Bytes::from_owner`) on cache lines of its own: threads that each clone their
/// own copy write to no line another thread writes to.
#[repr(align(128))]
struct Lane(Box<[u8]>);

impl AsRef<[u8]> for Lane {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// How many copies of a `len`-byte header value a token keeps: a power of two, at most
/// [`MAX_LANES`], within [`LANE_BUDGET`].
fn lanes(len: usize) -> usize {
    let mut lanes = MAX_LANES;
    while lanes > 1 && lanes * (len + 256) > LANE_BUDGET {
        lanes /= 2;
    }
    lanes
}

/// This thread's lane: threads are numbered in the order they first authorize.
#[inline]
fn thread_lane() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static LANE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    LANE.try_with(|lane| match lane.get() {
        usize::MAX => {
            let next = NEXT.fetch_add(1, Ordering::Relaxed) % MAX_LANES;
            lane.set(next);
            next
        }
        known => known,
    })
    // During the thread's exit (a destructor that authorizes): the first copy.
    .unwrap_or(0)
}

/// `t + d`, or `t` far ahead when that does not fit (a lifetime of centuries).
fn add(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(t)
}
