//! `POST /token`: a user token from an email and a password.

use super::zod;
use crate::clock::rfc3339_millis;
use crate::seed;
use crate::server::Shared;
use crate::state::UserToken;
use crate::vocab::EXACT_PERMISSIONS;
use crate::wire::{self, Req};
use axum::response::Response;
use serde_json::{json, Value};
use std::time::Duration;

/// Creates a user token valid for 2 hours by the emulator clock.
///
/// Checks, in order: the JSON body (400 ZodError: `email`, `password` required strings,
/// `application` optional string, `mode` optional `test`/`live`), the credentials (401
/// `text/plain` `Unauthorized`; the email is compared case-insensitively), the lockout (423
/// `text/plain` `Locked`, the spec's `Locked` schema: see [`locked`]), the application from
/// the body, else the `x-application-id` header, else `admin-pwa` (404 `text/plain`
/// `Not Found` when unknown). `mode` defaults to `test` (the seeded account is a sandbox one).
pub(crate) fn create(shared: &Shared, req: &Req) -> Response {
    let body = zod::parse_body(&req.body);
    if let Some(issue) = zod::root_issue(body.as_ref()) {
        return zod::bad_request(vec![issue]);
    }
    let body = body.unwrap_or(Value::Null);
    let mut issues = Vec::new();
    zod::check_string(&body, "email", true, false, &mut issues);
    zod::check_string(&body, "password", true, false, &mut issues);
    zod::check_string(&body, "application", false, false, &mut issues);
    zod::check_mode(&body, &mut issues);
    if !issues.is_empty() {
        return zod::bad_request(issues);
    }
    let email = body["email"].as_str().unwrap_or("");
    let password = body["password"].as_str().unwrap_or("");
    let known = email.eq_ignore_ascii_case(seed::EXACT_USER_EMAIL);
    {
        let mut state = shared.state();
        let record = &mut state.exact_user;
        if known && record.locked {
            return locked();
        }
        if !known || password != seed::EXACT_USER_PASSWORD {
            if known {
                record.failed_in_a_row = record.failed_in_a_row.saturating_add(1);
                if record.failed_in_a_row > seed::EXACT_MAX_FAILED_LOGINS {
                    record.locked = true;
                    return locked();
                }
            }
            return wire::text(401, "Unauthorized");
        }
        record.failed_in_a_row = 0;
    }
    let application = body["application"]
        .as_str()
        .filter(|a| !a.is_empty())
        .or_else(|| req.header("x-application-id").filter(|a| !a.is_empty()))
        .unwrap_or(seed::EXACT_DEFAULT_APPLICATION)
        .to_string();
    if application != seed::EXACT_DEFAULT_APPLICATION && application != seed::EXACT_APPLICATION_ID {
        return wire::text(404, "Not Found");
    }
    let mode = body["mode"].as_str().unwrap_or("test").to_string();
    let token = shared.rng.hex(80);
    let expires_at = shared.clock.now() + Duration::from_secs(seed::EXACT_USER_TOKEN_LIFETIME_SECS);
    shared
        .state()
        .user_tokens
        .insert(token.clone(), UserToken { expires_at });
    wire::json(
        201,
        &json!({
            "isAuthenticated": true,
            "mode": mode,
            "token": token,
            "type": "user",
            "user": seed::EXACT_USER_ID,
            "application": application,
            "account": seed::EXACT_ACCOUNT_ID,
            "accountType": "account",
            "allowedPermissions": &EXACT_PERMISSIONS[..],
            "allowedAccounts": [seed::EXACT_ACCOUNT_ID],
            "apiVersion": "1.0.0",
            "expiresAt": rfc3339_millis(expires_at),
        }),
    )
}

/// `423 Locked`, `text/plain`, body `Locked` (the spec's `Locked` schema example).
///
/// The spec: "User Credentials are locked due to more than five consecutive failed login
/// attempts", or "A Manager User has locked the User". Assumptions (the spec gives no more):
/// only the seeded user's failures count (an unknown email is a plain 401); the failed attempt
/// that makes more than five in a row is itself answered 423; a locked user gets 423 even with
/// the right password until unlocked ([`Emulator::unlock_exact_user`](crate::Emulator::unlock_exact_user));
/// a successful login resets the count.
fn locked() -> Response {
    wire::text(423, "Locked")
}
