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
    /// The API refused the credentials themselves ([`Rejection`] says how). Never retried:
    /// asking again with the same credentials gets the same answer, or locks a user out.
    #[error("HTTP {status}: {rejection}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    CredentialsRejected {
        /// The status code.
        status: StatusCode,
        /// How the credentials were refused, and what fixes it.
        rejection: Rejection,
        /// The API's own error message, when its error body had one (scrubbed, cut short).
        message: Option<String>,
    },
    /// The plan's quota of calls for its billing cycle is used up (a rate limit that no wait
    /// within the retry policy lifts). Never retried.
    #[error("HTTP {status}: the plan's call quota for this billing cycle is used up{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    QuotaExhausted {
        /// The status code (429).
        status: StatusCode,
        /// The API's own error message, when its error body had one (scrubbed, cut short).
        message: Option<String>,
    },
}

/// How an API refused a set of credentials, and what the person who owns them must do. A
/// source that got one stops minting ([`FetchError::CredentialsRejected`]) until its endpoint is
/// replaced ([`SourceMachine::replace_endpoint`](super::SourceMachine::replace_endpoint)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The credentials are wrong, or were blocked or deleted (or their organization or account
    /// is disabled): get valid ones and replace the endpoint with them.
    Invalid,
    /// The user's password expired: the user must set a new one, then log in with it.
    PasswordExpired,
    /// The user is locked (too many failed logins in a row, or by a manager): ask a manager to
    /// unlock the user, then replace the endpoint (the same credentials will do).
    Locked,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Invalid => {
                "the credentials were rejected (wrong, blocked or deleted): replace them with valid ones"
            }
            Self::PasswordExpired => "the password expired: the user must set a new one",
            Self::Locked => {
                "the user is locked (too many failed logins, or by a manager): ask a manager to unlock the user"
            }
        })
    }
}

impl Failure {
    /// The status code, when the API answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. }
            | Self::Unreadable { status, .. }
            | Self::CredentialsRejected { status, .. }
            | Self::QuotaExhausted { status, .. } => Some(*status),
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
    /// The API refused in a way that asking again will not change (400, 403, 404, or any other
    /// status that is not retried): fix the scopes or the order id.
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
    /// The API refused the credentials (a 401 from the token endpoint: a key that was blocked,
    /// deleted or mistyped; a login refused, expired or locked). The source mints no more with
    /// them: every call gets this error at once, without a request, until the endpoint is
    /// replaced with working credentials
    /// ([`SourceMachine::replace_endpoint`](super::SourceMachine::replace_endpoint)).
    #[error("HTTP {status}: {rejection}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    CredentialsRejected {
        /// The status code.
        status: StatusCode,
        /// How, and what the owner of the credentials must do.
        rejection: Rejection,
        /// The API's own error message, when its error body had one.
        message: Option<String>,
    },
    /// The plan's quota of calls for its billing cycle is used up: nothing succeeds until the
    /// cycle renews or the plan is raised. Not retried; the source sends nothing before the
    /// time the server named, if it named one (for at most
    /// [`MAX_SERVER_WAIT`](crate::limits::MAX_SERVER_WAIT)).
    #[error("HTTP {status}: the plan's call quota for this billing cycle is used up: raise the plan or wait for the next cycle{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    QuotaExhausted {
        /// The status code (429).
        status: StatusCode,
        /// The API's own error message, when its error body had one.
        message: Option<String>,
    },
}

impl FetchError {
    /// How the credentials were refused, if that is why: the source then mints no more until
    /// its endpoint is replaced.
    pub fn rejection(&self) -> Option<Rejection> {
        match self {
            Self::CredentialsRejected { rejection, .. } => Some(*rejection),
            _ => None,
        }
    }

    /// The error for a failure that the policy does not retry.
    pub(crate) fn final_for(failure: Failure) -> Self {
        match failure {
            // Whatever the endpoint: a token endpoint that answers 401 refuses the credentials.
            Failure::Status { status, message } if status == StatusCode::UNAUTHORIZED => {
                Self::CredentialsRejected {
                    status,
                    rejection: Rejection::Invalid,
                    message,
                }
            }
            Failure::Status { status, message } => Self::NotRetryable { status, message },
            Failure::CredentialsRejected {
                status,
                rejection,
                message,
            } => Self::CredentialsRejected {
                status,
                rejection,
                message,
            },
            Failure::QuotaExhausted { status, message } => Self::QuotaExhausted { status, message },
            Failure::Unreadable { status, problem } => Self::Unreadable { status, problem },
            Failure::ExpiredOnArrival => Self::ExpiredOnArrival,
            last @ Failure::Transport(_) => Self::GaveUp { attempts: 1, last },
        }
    }
}
