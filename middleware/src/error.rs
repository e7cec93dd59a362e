//! Why a middleware gave no response.

use keycard_core::lifecycle::SourceError;
use keycard_core::voucherify::AuthorizeError;

/// Why a request got no token, and so was not sent. It holds no secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token source could not get a token (the API could not be reached, refused the
    /// credentials, kept failing, or the wait ran out): the [`SourceError`] in `source()` says
    /// which. Sending again later starts a new attempt.
    #[error("no token for the request, so it was not sent")]
    Unavailable(#[source] SourceError),
    /// The token's scopes do not grant this request (Voucherify's local check; the
    /// [`AuthorizeError`] in `source()` names the scopes it needs): use a source whose
    /// scopes grant it.
    #[error("the token does not grant the request, so it was not sent")]
    NotGranted(#[source] Box<AuthorizeError>),
    /// The request's URL cannot be read as an HTTP URI, so its scopes cannot be checked: it
    /// was not sent.
    #[error("the request's URL cannot be checked against the token's scopes, so it was not sent")]
    UncheckableUrl,
}

/// Why a request through a middleware got no response: no token, or sending failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<S> {
    /// No token, or one that does not grant the request: nothing was sent.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The client below the middleware failed to exchange the request (its error in
    /// `source()`).
    #[error("the request could not be sent")]
    Send(#[source] S),
}
