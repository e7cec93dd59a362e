//! `POST`, `GET /application/{applicationId}/token` and
//! `DELETE /application/{applicationId}/token/{tokenId}`.

use super::auth::principal;
use super::zod;
use crate::clock::rfc3339_millis;
use crate::seed;
use crate::server::Shared;
use crate::state::AppToken;
use crate::vocab::{is_exact_permission, EXACT_PERMISSIONS};
use crate::wire::{self, Req};
use axum::response::Response;
use serde_json::{json, Value};
use std::cmp::Ordering;

/// Authenticates (401 `text/plain` when the token is invalid or lacks `permission`) and checks
/// the application (404 `text/plain`): the refusal, if any.
fn refusal(shared: &Shared, req: &Req, app: &str, permission: &str) -> Option<Response> {
    if !principal(shared, req).is_some_and(|p| p.may(permission)) {
        return Some(wire::text(401, "Unauthorized"));
    }
    (app != seed::EXACT_APPLICATION_ID).then(|| wire::text(404, "Not Found"))
}

/// Creates an application token: body `label` (non-empty string), `permissions` (one or more
/// known permissions), `mode` optional; 201 `ApplicationToken`.
///
/// Assumption: duplicates in `permissions` are kept once, in first-seen order, in
/// `allowedPermissions`.
pub(crate) fn create(shared: &Shared, req: &Req, app: &str) -> Response {
    if let Some(r) = refusal(shared, req, app, "application-tokens.create") {
        return r;
    }
    let body = zod::parse_body(&req.body);
    if let Some(issue) = zod::root_issue(body.as_ref()) {
        return zod::bad_request(vec![issue]);
    }
    let body = body.unwrap_or(Value::Null);
    let mut issues = Vec::new();
    zod::check_string(&body, "label", true, true, &mut issues);
    let mut permissions: Vec<String> = Vec::new();
    match body.get("permissions") {
        Some(Value::Array(items)) => {
            if items.is_empty() {
                issues.push(zod::too_small(json!(["permissions"]), "array"));
            }
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(p) if is_exact_permission(p) => {
                        if !permissions.contains(p) {
                            permissions.push(p.clone());
                        }
                    }
                    Value::String(p) => issues.push(zod::invalid_enum(
                        json!(["permissions", i]),
                        p,
                        &EXACT_PERMISSIONS,
                    )),
                    other => issues.push(zod::invalid_type(
                        json!(["permissions", i]),
                        "string",
                        zod::type_name(Some(other)),
                    )),
                }
            }
        }
        other => issues.push(zod::invalid_type(
            json!(["permissions"]),
            "array",
            zod::type_name(other),
        )),
    }
    zod::check_mode(&body, &mut issues);
    if !issues.is_empty() {
        return zod::bad_request(issues);
    }
    let token = AppToken {
        id: shared.rng.hex(24),
        application: app.to_string(),
        label: body["label"].as_str().unwrap_or("").to_string(),
        token: shared.rng.hex(80),
        permissions,
        created_at: shared.clock.now(),
    };
    let answer = json!({
        "id": token.id,
        "label": token.label,
        "type": "application",
        "token": token.token,
        "allowedPermissions": token.permissions,
        "allowedAccounts": [seed::EXACT_ACCOUNT_ID],
    });
    shared.state().app_tokens.push(token);
    wire::json(201, &answer)
}

/// A `$skip`/`$limit` value: a non-negative integer, else a Zod issue.
fn count(pairs: &[(String, String)], name: &str, default: usize) -> Result<usize, Value> {
    let Some((_, raw)) = pairs.iter().find(|(k, _)| k == name) else {
        return Ok(default);
    };
    match raw.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n.fract() == 0.0 && n >= 0.0 => Ok(n as usize),
        Ok(n) if n.is_finite() && n < 0.0 => Err(json!({
            "code": "too_small",
            "minimum": 0,
            "type": "number",
            "inclusive": true,
            "exact": false,
            "message": "Number must be greater than or equal to 0",
            "path": [name],
        })),
        Ok(n) if n.is_finite() => Err(zod::invalid_type(json!([name]), "integer", "float")),
        _ => Err(json!({
            "code": "invalid_type",
            "expected": "number",
            "received": "nan",
            "path": [name],
            "message": "Expected number, received nan",
        })),
    }
}

type SortKey = (&'static str, bool);

/// `$sort`: comma-separated `field:asc|desc` over `createdAt`, `label`, `id`.
///
/// Assumption (undocumented): anything else is a Zod `custom` issue `Invalid sort`.
fn sort_keys(pairs: &[(String, String)]) -> Result<Vec<SortKey>, Value> {
    let Some((_, raw)) = pairs.iter().find(|(k, _)| k == "$sort") else {
        return Ok(vec![("createdAt", true)]);
    };
    raw.split(',')
        .map(|part| {
            let (field, dir) = part.trim().split_once(':').unwrap_or((part.trim(), "asc"));
            let field = match field {
                "createdAt" => "createdAt",
                "label" => "label",
                "id" => "id",
                _ => return Err(zod::custom(json!(["$sort"]), "Invalid sort")),
            };
            match dir {
                "asc" | "ascending" | "1" => Ok((field, true)),
                "desc" | "descending" | "-1" => Ok((field, false)),
                _ => Err(zod::custom(json!(["$sort"]), "Invalid sort")),
            }
        })
        .collect()
}

fn compare(a: &AppToken, b: &AppToken, keys: &[SortKey]) -> Ordering {
    for (field, asc) in keys {
        let o = match *field {
            "label" => a.label.cmp(&b.label),
            "id" => a.id.cmp(&b.id),
            _ => a.created_at.cmp(&b.created_at),
        };
        let o = if *asc { o } else { o.reverse() };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Lists the application's tokens: 200 array of `ApplicationTokenResponse`, `x-total-count`
/// the total before paging; `$skip` default 0, `$limit` default 100, `$sort` default
/// `createdAt:asc`.
pub(crate) fn list(shared: &Shared, req: &Req, app: &str) -> Response {
    if let Some(r) = refusal(shared, req, app, "application-tokens.read") {
        return r;
    }
    let pairs = req.query_pairs();
    let mut issues = Vec::new();
    let skip = count(&pairs, "$skip", 0).unwrap_or_else(|i| {
        issues.push(i);
        0
    });
    let limit = count(&pairs, "$limit", 100).unwrap_or_else(|i| {
        issues.push(i);
        0
    });
    let keys = sort_keys(&pairs).unwrap_or_else(|i| {
        issues.push(i);
        Vec::new()
    });
    if !issues.is_empty() {
        return zod::bad_request(issues);
    }
    let state = shared.state();
    let mut tokens: Vec<&AppToken> = state
        .app_tokens
        .iter()
        .filter(|t| t.application == app)
        .collect();
    tokens.sort_by(|a, b| compare(a, b, &keys));
    let total = tokens.len();
    let page: Vec<Value> = tokens
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|t| {
            json!({
                "id": t.id,
                "label": t.label,
                "type": "application",
                "allowedPermissions": t.permissions,
                "createdAt": rfc3339_millis(t.created_at),
            })
        })
        .collect();
    let mut r = wire::json(200, &Value::Array(page));
    wire::set_header(&mut r, "x-total-count", &total.to_string());
    r
}

/// Deletes a token: 204, or 404 `text/plain` `Not Found` when unknown. A deleted token stops
/// working at once.
pub(crate) fn delete(shared: &Shared, req: &Req, app: &str, token_id: &str) -> Response {
    if let Some(r) = refusal(shared, req, app, "application-tokens.delete") {
        return r;
    }
    let mut state = shared.state();
    let before = state.app_tokens.len();
    state
        .app_tokens
        .retain(|t| !(t.id == token_id && t.application == app));
    if state.app_tokens.len() == before {
        wire::text(404, "Not Found")
    } else {
        wire::empty(204)
    }
}
