//! What went wrong while getting a token: one failed attempt ([`Failure`]), and the error that
//! ends a fetch ([`FetchError`]). Neither ever holds a secret.

use http::StatusCode;
use std::time::Duration;

/// Why one attempt to get a token failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The API answered with a status that is not a success.
    #[error("HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        /// The status code.
        status: StatusCode,
        /// The API's own error message, when its error body had one: scrubbed of every secret
        /// the request carried ([`REDACTED`](crate::REDACTED) in their place) and cut short
        /// like every error's text.
        message: Option<String>,
    },
    /// Nothing came back: the transport could not exchange the request (connection, timeout, …).
    #[error("transport: {0}")]
    Transport(crate::TransportError),
    /// A success status came back but its body could not be read.
    #[error("HTTP {status} with a body that could not be read: {problem}")]
    Unreadable {
        /// The status code.
        status: StatusCode,
        /// What was wrong with the body (never quotes its values).
        problem: String,
    },
    /// The token had already expired (by its own deadline) when it arrived. The local clock, or
    /// the server's, is far off.
    #[error("the token had already expired when it arrived: check the local clock")]
    ExpiredOnArrival,
}

impl Failure {
    /// The status code, when the API answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } | Self::Unreadable { status, .. } => Some(*status),
            Self::Transport(_) | Self::ExpiredOnArrival => None,
        }
    }
}

/// Why a token could not be had: the fetch is over and no valid token is left to serve.
///
/// Polling the keeper again starts a new round of attempts (after any wait the server asked for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Every attempt the retry policy allows failed with a retryable error. The service is
    /// unavailable or rate-limiting: try again later.
    #[error("gave up after {attempts} attempts; the last failed with {last}")]
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's failure.
        last: Failure,
    },
    /// The API refused in a way that asking again will not change (400, 401, 403, 404, or any
    /// other status that is not retried): fix the credentials, the scopes or the order id.
    #[error("HTTP {status} is not worth retrying{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    NotRetryable {
        /// The status code.
        status: StatusCode,
        /// The API's own error message, when its error body had one.
        message: Option<String>,
    },
    /// The server asked to wait longer than the retry policy's
    /// [`max_wait`](super::RetryPolicy::max_wait). Polling before then answers `Wait`.
    #[error("the server asks to wait {wait:?}, longer than the retry policy allows; the last attempt failed with {last}")]
    RetryTooFar {
        /// How long the server asked to wait.
        wait: Duration,
        /// The failure that came with the request to wait.
        last: Failure,
    },
    /// A success came back but its body could not be read; asking again would most likely get
    /// the same. A proxy in the way, or an API change.
    #[error("HTTP {status} with a body that could not be read: {problem}")]
    Unreadable {
        /// The status code.
        status: StatusCode,
        /// What was wrong with the body (never quotes its values).
        problem: String,
    },
    /// The token had already expired when it arrived: the local clock (or the server's) is far
    /// off. Fix the clock.
    #[error("the token had already expired when it arrived: check the local clock")]
    ExpiredOnArrival,
    /// The server told another process of the fleet to wait (it rate-limited it), for longer
    /// than the retry policy's [`max_wait`](super::RetryPolicy::max_wait): this process sends
    /// nothing before then either. Try again later.
    #[error("the fleet was told to wait {retry_in:?} by a rate limit")]
    HeldOff {
        /// How long the wait had left.
        retry_in: Duration,
    },
    /// The fleet already holds `live` tokens against this API's limit, at or past the budget
    /// ([`TokenBudget::max_live`](super::TokenBudget::max_live)): no token was minted. Wait for
    /// some to expire, raise the budget, or find what mints so many (a crash loop, a scale-out,
    /// a store that is not shared).
    #[error("the fleet holds {live} live tokens, at or past its budget of {max_live}")]
    BudgetSpent {
        /// How many live tokens the fleet's ledger counted.
        live: u32,
        /// The budget.
        max_live: u32,
    },
}

impl FetchError {
    /// The error for a failure that the policy does not retry.
    pub(crate) fn final_for(failure: Failure) -> Self {
        match failure {
            Failure::Status { status, message } => Self::NotRetryable { status, message },
            Failure::Unreadable { status, problem } => Self::Unreadable { status, problem },
            Failure::ExpiredOnArrival => Self::ExpiredOnArrival,
            last @ Failure::Transport(_) => Self::GaveUp { attempts: 1, last },
        }
    }
}
