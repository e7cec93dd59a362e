//! Why a token source could not give a token.

use super::FetchError;
use std::time::Duration;

/// Why a token source gave no token, or refused to authorize a request.
///
/// A failing token store is never one of these: the source mints without it and reports an
/// [`Event::StoreFailed`](super::Event::StoreFailed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Getting a token failed and no valid token is left: the API could not be reached, refused
    /// (credentials, scopes, order id), kept failing or rate-limiting, or answered something
    /// unreadable. The [`FetchError`] says which. Callers that were waiting for the same fetch
    /// get the same error. Calling again starts a new round of attempts.
    #[error("no token")]
    Fetch(#[source] FetchError),
    /// No token came within the source's wait limit (a fetch is still under way, or the server
    /// asked to wait longer). Calling again keeps waiting for it.
    #[error("no token within {waited:?}: a fetch is still under way or the server asked to wait")]
    TimedOut {
        /// How long this call waited.
        waited: Duration,
    },
    /// The token does not grant this request (the vendor's own check, e.g. Voucherify's scopes:
    /// a `voucherify::AuthorizeError`, in `source()`): it was not sent.
    #[error("the token does not grant this request")]
    NotGranted(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl SourceError {
    /// The error that ended the fetch, when getting a token failed.
    pub fn fetch_error(&self) -> Option<&FetchError> {
        match self {
            Self::Fetch(error) => Some(error),
            _ => None,
        }
    }
}
