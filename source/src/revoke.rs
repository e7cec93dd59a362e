//! A graceful shutdown's revocation: the token this process minted and no store holds dies with
//! it, yet counts against the API's limit until it expires (Voucherify: 1000 live tokens per
//! project). Revoking it gives its place back.

use crate::drive::{Driver, Inner};
use keycard_core::lifecycle::TokenEndpoint;
use keycard_core::TransportError;

/// Why a token could not be revoked at shutdown. The token is forgotten either way; it lives
/// on at the API until it expires.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    /// The revoke request could not be exchanged (connection, timeout, …).
    #[error("the revoke request failed")]
    Transport(#[source] TransportError),
    /// The API answered with a status that is neither a success nor 404 (already inactive):
    /// check the credentials.
    #[error("the API answered HTTP {status} to the revoke request")]
    Refused {
        /// The status code.
        status: http::StatusCode,
    },
}

/// Revokes the source's token if it was minted by this process and no store holds it, and takes
/// it out of the fleet's ledger. Whether a token was revoked (`false`: none to revoke, or the
/// endpoint has no revocation).
pub(crate) async fn revoke_unshared<E: TokenEndpoint, D: Driver>(
    inner: &Inner<E, D>,
) -> Result<bool, RevokeError> {
    let Some(token) = inner.shared.take_unshared() else {
        return Ok(false);
    };
    let (request, budget) = {
        let machine = inner.shared.lock();
        let endpoint = machine.endpoint();
        (
            endpoint.revoke_request(token.access_token()),
            endpoint.budget_key(),
        )
    };
    let Some(request) = request else {
        return Ok(false);
    };
    let response = inner
        .driver
        .send(request)
        .await
        .map_err(RevokeError::Transport)?;
    let status = response.status();
    if !(status.is_success() || status == http::StatusCode::NOT_FOUND) {
        return Err(RevokeError::Refused { status });
    }
    if let Some(budget) = budget {
        // The ledger drops it at its expiry anyway: a store error here changes nothing.
        let _ = inner.shared.store.forget(budget, token.fingerprint()).await;
    }
    Ok(true)
}
