//! Giving an order access token to a checkout: the policy (how long a token handed out must
//! still live), and what a hand-out did (reused, minted, replaced, re-issued, adopted).
//!
//! An order access token is handed to the shopper's browser, and minting another one for the
//! same order invalidates it. So a token that has been handed out is never replaced silently:
//! not ahead of expiry ([`Renewal::OnExpiry`](crate::lifecycle::Renewal::OnExpiry)), not by a
//! retry (the endpoint retries only a failure that surely reached nobody). A new one is minted
//! only when a checkout needs more time than the current one has left, or on an explicit
//! re-issue, and the [`Handout`] then says that the earlier one stopped working.
//!
//! The drivers (`keycard::Checkout`, blocking and async) run this over the
//! [`SourceMachine`](crate::lifecycle::SourceMachine): one lifecycle per order, in a bounded
//! [`PoolBook`](crate::lifecycle::PoolBook).

use super::OrderId;
use crate::lifecycle::{LiveToken, PoolKey, SourceConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a checkout object hands out order access tokens. Start from [`Default`] and change
/// fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CheckoutConfig {
    /// How long a token must still be valid when it is handed to a checkout: a token with less
    /// left is replaced by a new one (which invalidates it). 10 minutes by default.
    ///
    /// Why 10 of a token's ~15 minutes: the shopper fills the payment form with the token (card
    /// details, then perhaps a 3-D Secure challenge), which takes minutes, and the form must
    /// not expire under them; 10 minutes covers a slow shopper. The 5 minutes left over are the
    /// window in which page loads for the same order reuse the token instead of invalidating
    /// it. A minimum at or above the token's lifetime makes every checkout mint.
    pub min_validity: Duration,
    /// At most this many orders are held at once (one token and its bookkeeping each, a few
    /// hundred bytes); orders whose token has expired are dropped first. 10 000 by default.
    pub max_orders: usize,
    /// How each order's token is fetched: retries, waits, the fetch timeout. Its refresh
    /// margin plays no part (an order token is never refreshed ahead).
    pub source: SourceConfig,
}

impl Default for CheckoutConfig {
    fn default() -> Self {
        Self {
            min_validity: Duration::from_secs(10 * 60),
            max_orders: 10_000,
            source: SourceConfig::default(),
        }
    }
}

/// What handing a token to a checkout did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handed {
    /// The order's current token, which has at least the minimum validity left: nothing was
    /// minted, nothing invalidated.
    Current,
    /// A new token; no valid one was held for the order (its first checkout, or the last token
    /// expired). Nothing handed out was invalidated.
    New,
    /// A new token replaced one that was still valid, which no longer works: it had less than
    /// the minimum validity left (or another process of the fleet re-issued). A page still
    /// holding the earlier token must take this one.
    ReplacedEarlier,
    /// An explicit re-issue: a new token. `invalidated_earlier` says whether a valid earlier
    /// one was held (it no longer works).
    Reissued {
        /// Whether a still-valid earlier token was invalidated.
        invalidated_earlier: bool,
    },
    /// The token the order came with was adopted (nothing minted).
    Adopted,
}

impl Handed {
    /// What a hand-out at `now` did, from the token held before it (`before`, if any), the
    /// token handed out (`after`) and whether it was an explicit re-issue. (A driver that
    /// adopted the order's own token says [`Adopted`](Self::Adopted) itself.)
    pub fn classify<G>(
        before: Option<&LiveToken<G>>,
        after: &LiveToken<G>,
        now: Instant,
        reissue: bool,
    ) -> Self {
        let was_valid = before.filter(|b| b.is_valid(now));
        let same = was_valid.is_some_and(|b| b.access_token() == after.access_token());
        match (reissue, same, was_valid.is_some()) {
            (true, _, held) => Self::Reissued {
                invalidated_earlier: held,
            },
            (false, true, _) => Self::Current,
            (false, false, true) => Self::ReplacedEarlier,
            (false, false, false) => Self::New,
        }
    }

    /// Whether a valid token held before this hand-out stopped working because of it (or of
    /// another process's re-issue): a page that holds it must take the new one.
    pub fn invalidated_earlier(self) -> bool {
        match self {
            Self::ReplacedEarlier => true,
            Self::Reissued {
                invalidated_earlier,
            } => invalidated_earlier,
            Self::Current | Self::New | Self::Adopted => false,
        }
    }
}

/// A token handed to a checkout, and what handing it out did.
///
/// Its `Debug` never shows the token.
#[derive(Debug, Clone)]
pub struct Handout {
    token: Arc<LiveToken<OrderId>>,
    handed: Handed,
}

impl Handout {
    /// A hand-out of `token`.
    pub fn new(token: Arc<LiveToken<OrderId>>, handed: Handed) -> Self {
        Self { token, handed }
    }

    /// The token: give [`access_token`](LiveToken::access_token) to the payment form.
    pub fn token(&self) -> &Arc<LiveToken<OrderId>> {
        &self.token
    }

    /// What handing it out did.
    pub fn handed(&self) -> Handed {
        self.handed
    }

    /// Whether this hand-out invalidated a valid earlier token (see
    /// [`Handed::invalidated_earlier`]).
    pub fn invalidated_earlier(&self) -> bool {
        self.handed.invalidated_earlier()
    }
}

/// A pool of order tokens is keyed by order: one lifecycle, one token per order.
impl PoolKey for OrderId {}
