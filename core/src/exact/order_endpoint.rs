//! Exact Payments' order token policy: how the lifecycle mints and keeps an order access token.

use super::CreateOrderAccessToken;
use crate::lifecycle::{parse_failure, untyped_failure};
use crate::lifecycle::{AuthScheme, Expiry, Failure, Issued, Renewal, StoreKey, TokenEndpoint};
use crate::{Operation, Parsed};

/// The order an order access token is for: what such a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OrderId(String);

impl OrderId {
    /// The order id, as given to [`Api::create_order_access_token`](super::Api::create_order_access_token).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An order access token is handed to the shopper's browser, and minting another one
/// invalidates it: it is never replaced ahead of expiry ([`Renewal::OnExpiry`]), only once it
/// has expired or been invalidated.
impl TokenEndpoint for CreateOrderAccessToken {
    type Grant = OrderId;

    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued<OrderId>, Failure> {
        let status = response.status();
        let outcome = self
            .parse(response)
            .map_err(|error| parse_failure(status, &error))?;
        match outcome.into_parts().1 {
            Parsed::Success(token) => Ok(Issued::new(
                token.token,
                AuthScheme::Raw,
                OrderId(self.order_id().to_owned()),
                Expiry::At(token.expires_at),
            )),
            Parsed::Error(error) => Err(Failure::Status {
                status,
                message: Some(error.to_string()),
            }),
            Parsed::Unrecognized(untyped) => Err(untyped_failure(status, untyped)),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("exact-order", &Operation::request(self))
    }

    fn renewal(&self) -> Renewal {
        Renewal::OnExpiry
    }
}
