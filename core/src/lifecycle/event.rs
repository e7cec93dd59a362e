//! What happened inside a token source, for the caller to log or count. No event holds a
//! secret.

use super::{FetchError, RestoreError};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Something worth knowing that happened in a token's lifecycle. Drain them from the source; it
/// keeps at most the last 64.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A new token is live.
    Issued {
        /// How long it lives, as the server said (measured on the server's clock).
        lifetime: Duration,
        /// When it will be refreshed, on the local monotonic clock.
        refresh_at: Instant,
    },
    /// A stored token was taken back (at start, or one another process of the fleet minted).
    Restored {
        /// How long it has left.
        remaining: Duration,
    },
    /// The server's clock and the local wall clock disagree by more than the tolerance.
    /// Deadlines are kept on the server's measure of time, so tokens stay correct; but check
    /// NTP.
    ClockSkew(ClockSkew),
    /// An attempt failed; another will follow.
    RetryScheduled {
        /// How many attempts have failed in a row.
        attempt: u32,
        /// How long until the next attempt.
        after: Duration,
        /// Why this one failed.
        failure: super::Failure,
    },
    /// Refreshing failed for now, but the current token is still valid and keeps being served.
    RefreshFailed {
        /// Why the refresh ended.
        error: FetchError,
        /// How long the current token stays valid.
        serving_for: Duration,
        /// How long until the next round of attempts; `None` when the credentials were
        /// rejected: no attempt is made until the endpoint is replaced.
        next_attempt_after: Option<Duration>,
    },
    /// Getting a token failed and no valid token is left.
    GaveUp {
        /// Why.
        error: FetchError,
    },
    /// A step handed to a driver (a request, a store call) was not answered within the fetch
    /// timeout; the source stopped waiting for it.
    StepTimedOut,
    /// The token store failed. Tokens are still minted and served: the store only spares
    /// mints.
    StoreFailed {
        /// What the source was doing.
        action: StoreAction,
        /// The store's error (it never holds the token: stores report paths and I/O errors).
        error: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The store held a token for this key that cannot be used (unknown format, corrupted): it
    /// was ignored and a new token will be minted.
    StoredTokenRejected {
        /// Why.
        error: RestoreError,
    },
    /// The store is shared by a fleet of processes (e.g. `keycard::redis`), but this process
    /// mints this token alone, without the fleet's lock: other processes may mint one too.
    /// Issuance goes on; the next refresh tries the fleet again.
    MintingAlone {
        /// Why.
        reason: AloneReason,
    },
    /// The server rate-limited a request (this process's or another's of the fleet) and named
    /// when to come back: no process sharing the store sends before then.
    HeldOff {
        /// How long the wait has left.
        retry_in: Duration,
        /// Whether this process told the fleet (it got the 429) or was told by it.
        published: bool,
    },
    /// The fleet's count of live tokens against the API's limit is at or past the warning
    /// threshold ([`TokenBudget::warn_at`](super::TokenBudget::warn_at)).
    NearTokenLimit {
        /// How many live tokens the fleet's ledger counted.
        live: u32,
        /// The API's limit ([`TokenBudget::limit`](super::TokenBudget::limit)).
        limit: u32,
    },
    /// The fleet's budget of live tokens is spent: this process did not mint.
    BudgetSpent {
        /// How many live tokens the fleet's ledger counted.
        live: u32,
        /// The budget ([`TokenBudget::max_live`](super::TokenBudget::max_live)).
        max_live: u32,
        /// How long until the source counts again.
        retry_in: Duration,
    },
}

/// A difference between the server's clock and the local wall clock, seen in one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    /// An instant by the local wall clock (when the response arrived).
    pub local: SystemTime,
    /// The same instant by the server's clock (its `Date`, or what its expiry implies).
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

/// Why a process mints a token without the fleet's lock ([`Event::MintingAlone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AloneReason {
    /// The store failed (down, unreachable, too slow, refused): see the
    /// [`Event::StoreFailed`] just before.
    StoreFailed,
    /// Another process held the lock, and no token of its came within the store's wait.
    WaitedTooLong {
        /// How long this process waited.
        waited: Duration,
    },
}

/// What a token source was doing with its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreAction {
    /// Loading a stored token (before each mint).
    Load,
    /// Saving a new token.
    Save,
    /// Removing an invalidated token.
    Remove,
    /// Taking the fleet's lock on minting (a store shared by many processes).
    Claim,
    /// Releasing the fleet's lock after minting.
    Release,
    /// Telling the fleet to wait, as the server said.
    HoldOff,
    /// Counting the fleet's live tokens (before minting).
    Count,
    /// Recording a new token in the fleet's ledger.
    Record,
}

impl fmt::Display for AloneReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StoreFailed => f.write_str("the shared store failed"),
            Self::WaitedTooLong { waited } => write!(
                f,
                "another process held the lock and stored no token within {waited:?}"
            ),
        }
    }
}

impl fmt::Display for StoreAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Load => "load",
            Self::Save => "save",
            Self::Remove => "remove",
            Self::Claim => "take the fleet's lock",
            Self::Release => "release the fleet's lock",
            Self::HoldOff => "tell the fleet to wait",
            Self::Count => "count the fleet's live tokens",
            Self::Record => "record the token in the fleet's ledger",
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Issued { lifetime, .. } => write!(f, "new token, valid for {lifetime:?}"),
            Self::Restored { remaining } => {
                write!(f, "stored token taken back, valid for {remaining:?}")
            }
            Self::ClockSkew(skew) => write!(
                f,
                "the server's clock differs from the local one by {:?}",
                skew.magnitude()
            ),
            Self::RetryScheduled {
                attempt,
                after,
                failure,
            } => write!(f, "attempt {attempt} failed ({failure}); next in {after:?}"),
            Self::RefreshFailed {
                error,
                serving_for,
                next_attempt_after,
            } => {
                write!(
                    f,
                    "refresh failed ({error}); the current token is served for {serving_for:?} more, "
                )?;
                match next_attempt_after {
                    Some(after) => write!(f, "next round in {after:?}"),
                    None => f.write_str("no new attempt until the endpoint is replaced"),
                }
            }
            Self::GaveUp { error } => write!(f, "no token: {error}"),
            Self::StepTimedOut => f.write_str("a fetch step went unanswered; stopped waiting for it"),
            Self::StoreFailed { action, error } => {
                write!(f, "the token store could not {action}: {error}")
            }
            Self::StoredTokenRejected { error } => write!(f, "stored token ignored: {error}"),
            Self::MintingAlone { reason } => {
                write!(f, "minting without the fleet's lock: {reason}")
            }
            Self::HeldOff {
                retry_in,
                published: true,
            } => write!(f, "rate-limited: told the fleet to wait {retry_in:?}"),
            Self::HeldOff {
                retry_in,
                published: false,
            } => write!(f, "the fleet was told to wait {retry_in:?}: not minting before"),
            Self::NearTokenLimit { live, limit } => {
                write!(f, "the fleet holds {live} live tokens; the limit is {limit}")
            }
            Self::BudgetSpent {
                live,
                max_live,
                retry_in,
            } => write!(
                f,
                "the fleet holds {live} live tokens, at or past its budget of {max_live}: not minting; counting again in {retry_in:?}"
            ),
        }
    }
}
