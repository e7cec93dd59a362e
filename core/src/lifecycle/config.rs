//! How a token source refreshes, retries and waits.

use super::{RetryPolicy, TokenBudget};
use std::time::Duration;

/// How a token source refreshes, retries and waits. Start from [`Default`] and change fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SourceConfig {
    /// How long before expiry a refresh starts (for tokens that are refreshed ahead). Never
    /// more than half the token's lifetime.
    pub refresh_margin: Duration,
    /// Up to this much more is added to the margin at random, per token, so a fleet does not
    /// refresh in lockstep.
    pub refresh_jitter: Duration,
    /// When to retry a failed attempt.
    pub retry: RetryPolicy,
    /// A difference between the server's clock and the local wall clock larger than this is
    /// reported as [`Event::ClockSkew`](super::Event::ClockSkew).
    pub skew_tolerance: Duration,
    /// How long a step handed to a driver (a request, a store call) may go unanswered before
    /// the source stops waiting for it and hands the work to another caller (a transport's own
    /// timeout should be shorter).
    pub fetch_timeout: Duration,
    /// How long one call may wait for a token (for another caller's fetch, or for a retry the
    /// server asked for) before it gives up with
    /// [`SourceError::TimedOut`](super::SourceError::TimedOut).
    pub wait_limit: Duration,
    /// What to do as the fleet's count of live tokens nears the API's limit (for endpoints
    /// whose tokens count against one, with a store that keeps a ledger, e.g.
    /// `keycard::redis`). `None`: no ledger calls at all.
    pub budget: Option<TokenBudget>,
    /// The jitter seed. 0 (the default) asks the driver for a random one, so that processes do
    /// not refresh in lockstep.
    pub seed: u64,
}

impl Default for SourceConfig {
    /// For 900-second tokens: refresh 120–150 s before expiry (room for a whole round of
    /// retries while the old token is still served); clock skew reported beyond 5 s; a step
    /// abandoned after 60 s; a call waits at most 60 s; the default [`RetryPolicy`] and
    /// [`TokenBudget`].
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(120),
            refresh_jitter: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            skew_tolerance: Duration::from_secs(5),
            fetch_timeout: Duration::from_secs(60),
            wait_limit: Duration::from_secs(60),
            budget: Some(TokenBudget::default()),
            seed: 0,
        }
    }
}
