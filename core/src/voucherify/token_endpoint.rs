//! Voucherify's token policy: how the lifecycle mints and keeps a Voucherify OAuth token.

use super::{GenerateToken, RateLimit, Scopes};
use crate::lifecycle::{parse_failure, untyped_failure};
use crate::lifecycle::{AuthScheme, Expiry, Failure, Issued, StoreKey, TokenEndpoint};
use crate::{Operation, Parsed};
use http::HeaderMap;
use std::time::SystemTime;

/// A server's own token (900 s): refreshed ahead of expiry, retried on 429 and 5xx, and never
/// earlier than `Retry-After` or Voucherify's `X-Rate-Limit-Retry` allow.
impl TokenEndpoint for GenerateToken {
    /// The scopes granted (what was asked for, when the server did not say).
    type Grant = Scopes;

    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued<Scopes>, Failure> {
        let status = response.status();
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
            Parsed::Error(error) => Err(Failure::Status {
                status,
                message: Some(crate::preview::Preview(&error.message).to_string()),
            }),
            Parsed::Unrecognized(untyped) => Err(untyped_failure(status, untyped)),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("voucherify", &Operation::request(self))
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
