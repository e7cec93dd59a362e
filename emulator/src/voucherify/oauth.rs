//! `POST /v1/oauth/token`, `/v1/oauth/introspect`, `/v1/oauth/token/revoke`.

use super::auth::{form, has_app_keys, param};
use super::{error, error_body, missing_parameters, unauthorized};
use crate::seed::{VOUCHERIFY_CLIENT_ID, VOUCHERIFY_TOKEN_LIFETIME_SECS, VOUCHERIFY_TOKEN_LIMIT};
use crate::server::Shared;
use crate::state::OAuthToken;
use crate::vocab::is_voucherify_scope;
use crate::wire::{self, Req};
use axum::response::Response;
use serde_json::json;

/// Generate. Checks, in order: app keys (401), `grant_type` and `scope` present (400
/// `missing_parameters`), grant type (400 `invalid_grant_type`), each space-separated scope (400
/// `invalid_scope` naming the first unknown value), then the token limit.
///
/// Assumption (the spec only says "up to 1000 OAuth tokens per project"): the 1001st live
/// token is refused with `400 {"code":400,"key":"limit_exceeded","message":"OAuth tokens limit
/// exceeded","details":"A project can hold at most 1000 live OAuth tokens."}`.
pub(crate) fn generate(shared: &Shared, req: &Req) -> Response {
    if !has_app_keys(shared, req) {
        return unauthorized();
    }
    let form = form(req);
    let (Some(grant_type), Some(scope)) = (param(&form, "grant_type"), param(&form, "scope"))
    else {
        return missing_parameters();
    };
    if grant_type != "client_credentials" {
        return error(400, "invalid_grant_type", "Invalid grant_type");
    }
    let scopes: Vec<&str> = scope.split(' ').collect();
    if let Some(unknown) = scopes.iter().find(|s| !is_voucherify_scope(s)) {
        return error(400, "invalid_scope", &format!("Invalid scope: {unknown}"));
    }
    let now = shared.clock.unix_seconds();
    let mut state = shared.state();
    state.prune_oauth_tokens(now);
    if state.live_oauth_tokens(now) >= VOUCHERIFY_TOKEN_LIMIT {
        return error_body(
            400,
            &json!({
                "code": 400,
                "key": "limit_exceeded",
                "message": "OAuth tokens limit exceeded",
                "details": format!(
                    "A project can hold at most {VOUCHERIFY_TOKEN_LIMIT} live OAuth tokens."
                ),
            }),
        );
    }
    let access_token = shared.rng.alnum(50);
    let expires_at = now + VOUCHERIFY_TOKEN_LIFETIME_SECS;
    state.oauth_tokens.insert(
        access_token.clone(),
        OAuthToken {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at,
            revoked: false,
        },
    );
    wire::json(
        200,
        &json!({
            "access_token": access_token,
            "client_id": VOUCHERIFY_CLIENT_ID,
            "expires_at": expires_at,
            "expires_in": VOUCHERIFY_TOKEN_LIFETIME_SECS,
            "scope": scopes.join(" "),
            "token_type": "Bearer",
        }),
    )
}

/// Introspect: the token's fields and `"active":true` while it lives, else `{"active":false}`.
pub(crate) fn introspect(shared: &Shared, req: &Req) -> Response {
    if !has_app_keys(shared, req) {
        return unauthorized();
    }
    let form = form(req);
    let Some(access_token) = param(&form, "access_token") else {
        return missing_parameters();
    };
    let now = shared.clock.unix_seconds();
    let state = shared.state();
    match state.oauth_tokens.get(access_token) {
        Some(t) if t.is_live(now) => wire::json(
            200,
            &json!({
                "access_token": access_token,
                "client_id": VOUCHERIFY_CLIENT_ID,
                "expires_at": t.expires_at,
                "expires_in": t.expires_at - now,
                "scope": t.scopes.join(" "),
                "token_type": "Bearer",
                "active": true,
            }),
        ),
        _ => wire::json(200, &json!({ "active": false })),
    }
}

/// Revoke: 204 with no body, or 404 with an empty body for an unknown or inactive token.
///
/// Assumption (undocumented): a request without `access_token` gets `400 missing_parameters`.
pub(crate) fn revoke(shared: &Shared, req: &Req) -> Response {
    if !has_app_keys(shared, req) {
        return unauthorized();
    }
    let form = form(req);
    let Some(access_token) = param(&form, "access_token") else {
        return missing_parameters();
    };
    let now = shared.clock.unix_seconds();
    let mut state = shared.state();
    match state.oauth_tokens.get_mut(access_token) {
        Some(t) if t.is_live(now) => {
            t.revoked = true;
            wire::empty(204)
        }
        _ => wire::empty(404),
    }
}
