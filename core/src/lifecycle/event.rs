//! What happened inside a keeper, for the caller to log or count. No event holds a secret.

use super::{Failure, FetchError, FetchId};
use std::time::{Duration, SystemTime};

/// Something worth knowing that happened inside a [`Keeper`](super::Keeper). Drain them with
/// [`Keeper::drain_events`](super::Keeper::drain_events); the keeper keeps at most the last 32.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new token is live.
    Issued {
        /// Its deadline, by the local clock.
        expires_at: SystemTime,
        /// When it will be refreshed.
        refresh_at: SystemTime,
    },
    /// A stored token was taken back.
    Restored {
        /// Its deadline, by the local clock.
        expires_at: SystemTime,
    },
    /// The server's clock and the local clock disagree by more than the tolerance. Deadlines
    /// are kept by the local clock, so tokens stay correct; but check NTP.
    ClockSkew(ClockSkew),
    /// An attempt failed; the keeper will try again.
    RetryScheduled {
        /// How many attempts have failed in a row.
        attempt: u32,
        /// When the next attempt may start.
        at: SystemTime,
        /// Why this one failed.
        failure: Failure,
    },
    /// Refreshing failed for now, but the current token is still valid and keeps being served.
    RefreshFailed {
        /// Why the refresh ended.
        error: FetchError,
        /// Until when the current token stays valid.
        serving_until: SystemTime,
        /// When the next round of attempts may start.
        next_attempt: SystemTime,
    },
    /// Getting a token failed and no valid token is left.
    GaveUp {
        /// Why.
        error: FetchError,
    },
    /// A fetch was not answered within the fetch timeout; the keeper stopped waiting for it.
    FetchTimedOut {
        /// The fetch.
        id: FetchId,
    },
    /// A response (or transport error) arrived for a fetch the keeper no longer waits for; it
    /// was ignored.
    StaleResponse {
        /// The fetch.
        id: FetchId,
    },
}

/// A difference between the server's clock and the local clock, seen in one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    /// An instant by the local clock (e.g. the local deadline of the token).
    pub local: SystemTime,
    /// The same instant by the server's clock (e.g. the `expires_at` it stated).
    pub server: SystemTime,
}

impl ClockSkew {
    /// How far the server's clock is ahead of the local one (zero if it is behind).
    pub fn server_ahead_by(&self) -> Duration {
        self.server.duration_since(self.local).unwrap_or_default()
    }

    /// How far the server's clock is behind the local one (zero if it is ahead).
    pub fn server_behind_by(&self) -> Duration {
        self.local.duration_since(self.server).unwrap_or_default()
    }

    /// The size of the difference, either way.
    pub fn magnitude(&self) -> Duration {
        self.server_ahead_by().max(self.server_behind_by())
    }
}
