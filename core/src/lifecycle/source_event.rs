//! What happened inside a token source, for the caller to log or count.
//!
//! Shared by the token sources of every transport (`keycard::ureq`, `keycard::reqwest`), which
//! re-export these types.

use super::{Event, RestoreError};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Something worth knowing that happened inside a token source. None holds a secret.
///
/// Drain them with `TokenSource::drain_events`; a source keeps at most the last 64.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SourceEvent {
    /// From the keeper: a token issued or restored, a retry scheduled, a refresh that failed
    /// while the old token is still served, clock skew, …
    Keeper(Event),
    /// The token store failed. Tokens are still minted and served: the store only saves
    /// requests across restarts.
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
}

/// Why a process mints a token without the fleet's lock ([`SourceEvent::MintingAlone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AloneReason {
    /// The store failed (down, unreachable, too slow, refused): see the
    /// [`SourceEvent::StoreFailed`] just before.
    StoreFailed,
    /// Another process held the lock, and no token of its came within the store's wait.
    WaitedTooLong {
        /// How long this process waited.
        waited: Duration,
    },
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

/// What a token source was doing with its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreAction {
    /// Loading a stored token (at start, and before each refresh).
    Load,
    /// Saving a new token.
    Save,
    /// Removing an invalidated token.
    Remove,
    /// Taking the fleet's lock on minting (a store shared by many processes).
    Claim,
    /// Releasing the fleet's lock after minting.
    Release,
}

impl fmt::Display for StoreAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Load => "load",
            Self::Save => "save",
            Self::Remove => "remove",
            Self::Claim => "take the fleet's lock",
            Self::Release => "release the fleet's lock",
        })
    }
}

impl fmt::Display for SourceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keeper(event) => write!(f, "{event:?}"),
            Self::StoreFailed { action, error } => {
                write!(f, "the token store could not {action}: {error}")
            }
            Self::StoredTokenRejected { error } => write!(f, "stored token ignored: {error}"),
            Self::MintingAlone { reason } => {
                write!(f, "minting without the fleet's lock: {reason}")
            }
        }
    }
}
