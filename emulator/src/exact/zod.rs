//! `400` validation errors in the shape Exact Payments' Zod validation sends:
//! `{"issues":[…],"name":"ZodError"}`.

use crate::wire;
use axum::response::Response;
use serde_json::{json, Value};

/// The JSON type name Zod reports as `received`.
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// An `invalid_type` issue.
pub(crate) fn invalid_type(path: Value, expected: &str, received: &str) -> Value {
    let message = if received == "undefined" {
        "Required".to_string()
    } else {
        format!("Expected {expected}, received {received}")
    };
    json!({
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": message,
    })
}

/// A `too_small` issue for a string or array with a minimum of 1.
pub(crate) fn too_small(path: Value, kind: &str) -> Value {
    let message = match kind {
        "array" => "Array must contain at least 1 element(s)",
        _ => "String must contain at least 1 character(s)",
    };
    json!({
        "code": "too_small",
        "minimum": 1,
        "type": kind,
        "inclusive": true,
        "exact": false,
        "message": message,
        "path": path,
    })
}

/// An `invalid_enum_value` issue.
pub(crate) fn invalid_enum(path: Value, received: &str, options: &[&str]) -> Value {
    let expected = options
        .iter()
        .map(|o| format!("'{o}'"))
        .collect::<Vec<_>>()
        .join(" | ");
    json!({
        "received": received,
        "code": "invalid_enum_value",
        "options": options,
        "path": path,
        "message": format!("Invalid enum value. Expected {expected}, received '{received}'"),
    })
}

/// A `custom` issue.
pub(crate) fn custom(path: Value, message: &str) -> Value {
    json!({ "code": "custom", "message": message, "path": path })
}

/// Checks that `body[key]`, if `required` or present, is a string (non-empty when
/// `non_empty`), pushing issues.
pub(crate) fn check_string(
    body: &Value,
    key: &str,
    required: bool,
    non_empty: bool,
    issues: &mut Vec<Value>,
) {
    match body.get(key) {
        None if !required => {}
        Some(Value::String(s)) => {
            if non_empty && s.is_empty() {
                issues.push(too_small(json!([key]), "string"));
            }
        }
        other => issues.push(invalid_type(json!([key]), "string", type_name(other))),
    }
}

/// Checks an optional `mode` (`test` or `live`).
pub(crate) fn check_mode(body: &Value, issues: &mut Vec<Value>) {
    match body.get("mode") {
        None => {}
        Some(Value::String(m)) if m == "test" || m == "live" => {}
        Some(Value::String(m)) => issues.push(invalid_enum(json!(["mode"]), m, &["test", "live"])),
        other => issues.push(invalid_type(json!(["mode"]), "string", type_name(other))),
    }
}

/// The request body as JSON. A body that is missing or not JSON counts as `undefined`.
pub(crate) fn parse_body(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// When the whole body is not an object: the root-level issue.
pub(crate) fn root_issue(body: Option<&Value>) -> Option<Value> {
    match body {
        Some(Value::Object(_)) => None,
        other => Some(invalid_type(json!([]), "object", type_name(other))),
    }
}

/// The `400` response for these issues.
pub(crate) fn bad_request(issues: Vec<Value>) -> Response {
    wire::json(400, &json!({ "issues": issues, "name": "ZodError" }))
}
