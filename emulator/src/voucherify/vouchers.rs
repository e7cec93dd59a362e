//! `GET /v1/vouchers/{code}`: an endpoint to use the tokens on.

use super::auth::{has_app_keys, tokens_work};
use super::{error_body, unauthorized};
use crate::seed;
use crate::server::Shared;
use crate::wire::{self, Req};
use axum::response::Response;
use serde_json::json;

/// Get a voucher. Authenticates with `Authorization: Bearer <token>` (a live token whose scopes
/// include `api` or `vouchers`; 401 from a minute after the key was blocked or deleted) or with
/// the project's app keys.
///
/// Assumption (undocumented): a live token without a granting scope gets
/// `403 {"code":403,"key":"forbidden","message":"Forbidden","details":"The access token's scope does not grant this endpoint."}`.
pub(crate) fn get(shared: &Shared, req: &Req, code: &str) -> Response {
    if let Some(auth) = req.headers.get("authorization") {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let now = shared.clock.unix_seconds();
        if !tokens_work(shared, now) {
            return unauthorized();
        }
        let state = shared.state();
        let Some(t) = state.oauth_tokens.get(token).filter(|t| t.is_live(now)) else {
            return unauthorized();
        };
        if !t.scopes.iter().any(|s| s == "api" || s == "vouchers") {
            return error_body(
                403,
                &json!({
                    "code": 403,
                    "key": "forbidden",
                    "message": "Forbidden",
                    "details": "The access token's scope does not grant this endpoint.",
                }),
            );
        }
    } else if !has_app_keys(shared, req) {
        return unauthorized();
    }
    match seed::vouchers().into_iter().find(|v| v["code"] == code) {
        Some(v) => wire::json(200, &v),
        None => error_body(
            404,
            &json!({
                "code": 404,
                "key": "not_found",
                "message": "Resource not found",
                "details": format!("Cannot find voucher with id {code}"),
                "request_id": format!("v-{}", shared.rng.hex(18)),
                "resource_id": code,
                "resource_type": "voucher",
            }),
        ),
    }
}
