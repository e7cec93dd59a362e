//! Voucherify: the OAuth endpoints and a token-protected endpoint to use the tokens on.

pub(crate) mod auth;
pub(crate) mod oauth;
pub(crate) mod plan;
pub(crate) mod vouchers;

use crate::wire;
use axum::response::Response;
use serde_json::{json, Value};

/// A Voucherify error body: `code` and `message`, plus `key`.
pub(crate) fn error(code: u16, key: &str, message: &str) -> Response {
    wire::json(
        code,
        &json!({ "code": code, "key": key, "message": message }),
    )
}

/// A Voucherify error body from a full JSON value.
pub(crate) fn error_body(code: u16, body: &Value) -> Response {
    wire::json(code, body)
}

/// The generic 401: `{"code":401,"message":"Unauthorized","key":"unauthorized"}`.
pub(crate) fn unauthorized() -> Response {
    wire::json(
        401,
        &json!({ "code": 401, "message": "Unauthorized", "key": "unauthorized" }),
    )
}

/// A path under the Voucherify prefix that no route serves.
///
/// Assumption (undocumented): Voucherify's generic not-found error body.
pub(crate) fn not_found() -> Response {
    error(404, "not_found", "Resource not found")
}

/// `400 missing_parameters`.
pub(crate) fn missing_parameters() -> Response {
    error(400, "missing_parameters", "Missing parameters")
}
