//! Exact Payments' order token policy: how the lifecycle mints and keeps an order access token.

use super::CreateOrderAccessToken;
use super::OrderAccessToken;
use crate::lifecycle::{parse_failure, untyped_failure};
use crate::lifecycle::{AuthScheme, Expiry, Failure, Issued, Renewal, StoreKey, TokenEndpoint};
use crate::{Operation, Parsed, TransportErrorKind};

/// The order an order access token is for: what such a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OrderId(String);

impl OrderId {
    /// The order `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The order id, as given to [`Api::create_order_access_token`](super::Api::create_order_access_token).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CreateOrderAccessToken {
    /// `token`, for this order, as the lifecycle takes it: to adopt the token an order came
    /// with instead of minting one (see `keycard::Checkout::adopt`).
    pub fn issued(&self, token: OrderAccessToken) -> Issued<OrderId> {
        Issued::new(
            token.token,
            AuthScheme::Raw,
            OrderId(self.order_id().to_owned()),
            Expiry::At(token.expires_at),
        )
    }
}

/// An order access token is handed to the shopper's browser, and minting another one
/// invalidates it: it is never replaced ahead of expiry ([`Renewal::OnExpiry`]), only once it
/// has expired or been invalidated; and a failed mint is retried only when the request surely
/// never reached the server.
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
            Parsed::Success(token) => Ok(self.issued(token)),
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

    /// A retry is a second mint: if the first request reached the server, its token (which
    /// nobody received) already invalidated the order's earlier one, and a second would mint
    /// again. So only failures where nothing reached the order are retried: no connection
    /// could be opened, or the server refused to act (429). A timeout, a connection cut
    /// mid-way or a 5xx may have minted: the fetch ends, and the caller decides.
    fn is_retryable(&self, failure: &Failure) -> bool {
        match failure {
            Failure::Status { status, .. } => status.as_u16() == 429,
            Failure::Transport(error) => matches!(error.kind(), TransportErrorKind::Connect),
            Failure::Unreadable { .. }
            | Failure::ExpiredOnArrival
            | Failure::CredentialsRejected { .. }
            | Failure::QuotaExhausted { .. } => false,
        }
    }
}
