//! Why a token source could not give a token.
//!
//! Shared by the token sources of every transport (`keycard::ureq`, `keycard::reqwest`). Each
//! re-exports [`SourceError`] as an alias whose error type defaults to its own transport error
//! (`keycard::ureq::SourceError` is `SourceError<keycard::ureq::Error>`).

use super::{AuthorizeError, FetchError};
use std::time::Duration;

/// Why a token source gave no token, or refused to authorize a request.
///
/// A failing token store is never one of these: the source mints without it and reports a
/// [`SourceEvent::StoreFailed`](super::SourceEvent::StoreFailed).
///
/// `E` is the transport's error (`keycard::ureq::Error`, `keycard::reqwest::Error`); each
/// transport's `SourceError` alias defaults to its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError<E> {
    /// Every attempt the retry policy allows failed, the last because the API could not be
    /// reached; no valid token is left. Check the network and the base URL; calling again
    /// starts a new round of attempts.
    #[error(
        "no token: gave up after {attempts} attempts; the last could not reach the API: {source}"
    )]
    Transport {
        /// How many attempts were made.
        attempts: u32,
        /// The transport's error for the last attempt.
        #[source]
        source: E,
    },
    /// Getting a token failed and no valid token is left: the API refused (credentials, scopes,
    /// order id), kept failing or rate-limiting, or answered something unreadable. The
    /// [`FetchError`] says which.
    ///
    /// Callers that were waiting for another caller's fetch get this error too, even when that
    /// fetch ended with a transport failure (its message is in the `FetchError`).
    #[error("no token: {0}")]
    Fetch(#[source] FetchError),
    /// The token does not grant this request (Voucherify scopes): it was not sent. Ask for a
    /// token with one of the required scopes.
    #[error(transparent)]
    Scope(Box<AuthorizeError>),
    /// No token came within the source's wait limit (another caller's fetch is still under
    /// way, or the server asked to wait longer). Calling again keeps waiting for it.
    #[error("no token within {waited:?}: a fetch is still under way or the server asked to wait")]
    TimedOut {
        /// How long this call waited.
        waited: Duration,
    },
}

impl<E> From<AuthorizeError> for SourceError<E> {
    fn from(error: AuthorizeError) -> Self {
        Self::Scope(Box::new(error))
    }
}

impl<E> SourceError<E> {
    /// The keeper's error, when getting a token failed (for [`Transport`](Self::Transport),
    /// see its `source` instead).
    pub fn fetch_error(&self) -> Option<&FetchError> {
        match self {
            Self::Fetch(error) => Some(error),
            _ => None,
        }
    }
}
