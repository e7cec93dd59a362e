//! Voucherify's token policy: how the lifecycle mints and keeps a Voucherify OAuth token.

use super::{GenerateToken, RateLimit, Scopes};
use crate::lifecycle::{parse_failure, untyped_failure};
use crate::lifecycle::{AuthScheme, Expiry, Failure, Issued, Rejection, StoreKey, TokenEndpoint};
use crate::{AccessToken, Operation, Parsed};
use http::HeaderMap;
use std::time::SystemTime;

/// A server's own token (900 s): refreshed ahead of expiry, retried on 429 and 5xx, and never
/// earlier than `Retry-After` or Voucherify's `X-Rate-Limit-Retry` allow. Two answers are
/// final: a 429 for the plan's billing-cycle quota (`X-Rate-Limit-Type: api_calls_cycle`) is
/// [`Failure::QuotaExhausted`], and a 401 (the key was mistyped, blocked or deleted) is
/// [`Failure::CredentialsRejected`], which stops the source minting until it gets a new key.
impl TokenEndpoint for GenerateToken {
    /// The scopes granted (what was asked for, when the server did not say).
    type Grant = Scopes;

    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued<Scopes>, Failure> {
        let status = response.status();
        let cycle_exhausted = status == http::StatusCode::TOO_MANY_REQUESTS
            && RateLimit::from_headers(response.headers()).is_cycle_exhausted();
        let outcome = self
            .parse(response)
            .map_err(|error| parse_failure(status, &error))?;
        match outcome.into_parts().1 {
            Parsed::Success(token) => {
                let scopes = if token.scope.is_empty() {
                    self.scopes().clone()
                } else {
                    token.scope
                };
                Ok(Issued::new(
                    token.access_token,
                    AuthScheme::Bearer,
                    scopes,
                    Expiry::In {
                        expires_in: token.expires_in,
                        server_expires_at: Some(token.expires_at),
                    },
                ))
            }
            // Scrubbed of the secret key when parsed; cut short like every error's text.
            Parsed::Error(error) => Err(classify(
                status,
                cycle_exhausted,
                Some(crate::preview::Preview(&error.message).to_string()),
            )),
            Parsed::Unrecognized(untyped) => Err(match untyped_failure(status, untyped) {
                Failure::Status { status, message } => classify(status, cycle_exhausted, message),
                other => other,
            }),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("voucherify", &Operation::request(self))
    }

    /// `POST /v1/oauth/token/revoke` with the same credentials.
    fn revoke_request(&self, token: &AccessToken) -> Option<http::Request<Vec<u8>>> {
        self.api.revoke(token).ok().map(|revoke| revoke.request())
    }

    /// A project's budget (1000 live tokens): the API's host and the application id.
    fn budget_key(&self) -> Option<StoreKey> {
        let request = Operation::request(self);
        let host = request.uri().authority().map_or("", |a| a.as_str());
        let app_id = request.headers().get("x-app-id")?;
        Some(StoreKey::from_parts(
            "voucherify-project",
            &[host.as_bytes(), app_id.as_bytes()],
        ))
    }

    fn retry_not_before(&self, headers: &HeaderMap, received_at: SystemTime) -> Option<SystemTime> {
        RateLimit::from_headers(headers).retry_not_before(received_at)
    }
}

/// The failure for an error status: the cycle's quota and rejected keys are final.
fn classify(status: http::StatusCode, cycle_exhausted: bool, message: Option<String>) -> Failure {
    if cycle_exhausted {
        return Failure::QuotaExhausted { status, message };
    }
    if status == http::StatusCode::UNAUTHORIZED {
        return Failure::CredentialsRejected {
            status,
            rejection: Rejection::Invalid,
            message,
        };
    }
    Failure::Status { status, message }
}
