//! `POST /orders/{orderId}/accessToken`.

use super::auth::principal;
use crate::clock::{http_date, rfc3339_millis};
use crate::seed::{EXACT_ORDER_IDS, EXACT_ORDER_TOKEN_LIFETIME_SECS};
use crate::server::Shared;
use crate::state::OrderToken;
use crate::wire::{self, Req};
use axum::response::Response;
use serde_json::json;
use std::time::Duration;

/// Creates an order access token, invalidating the order's earlier ones. 403 JSON without a
/// valid token, 404 JSON for an unknown order, else 201.
///
/// The messages end in a final period, like the real server's (the spec's enum lacks it).
pub(crate) fn access_token(shared: &Shared, req: &Req, order_id: &str) -> Response {
    if principal(shared, req).is_none() {
        return wire::json(
            403,
            &json!({
                "code": "order-forbidden-error",
                "message": "You do not have permission to access this resource.",
                "type": "authorization-error",
                "requestId": shared.rng.uuid(),
            }),
        );
    }
    if !EXACT_ORDER_IDS.contains(&order_id) {
        return wire::json(
            404,
            &json!({
                "type": "api-error",
                "code": "order-validation-error",
                "message": "Failed to get order details.",
                "requestId": shared.rng.uuid(),
                "metadata": { "message": { "messages": ["Unable to find specified order."] } },
            }),
        );
    }
    let token = shared.rng.alnum(16);
    let now = shared.clock.now();
    let expires_at = now + Duration::from_secs(EXACT_ORDER_TOKEN_LIFETIME_SECS);
    shared.state().mint_order_token(
        order_id,
        OrderToken {
            token: token.clone(),
            expires_at,
        },
        now,
    );
    let mut response = wire::json(
        201,
        &json!({ "accessToken": { "token": token, "expiresAt": rfc3339_millis(expires_at) } }),
    );
    // The emulator's own time, like a real server's `Date`: a client measures the token's
    // lifetime from it, so moving the emulator's clock moves both ends.
    if let Ok(date) = axum::http::HeaderValue::from_str(&http_date(now)) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, date);
    }
    response
}
