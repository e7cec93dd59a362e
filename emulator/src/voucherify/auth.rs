//! Voucherify authentication: the project's `X-App-Id` + `X-App-Token`, or a bearer token.

use crate::seed;
use crate::server::Shared;
use crate::wire::Req;

/// How long tokens keep working after their key was blocked or deleted: the spec says they
/// "will stop working within one minute"; the emulator takes the whole minute.
pub(crate) const BLOCKED_KEY_GRACE_SECS: u64 = 60;

/// Whether the request carries the project's application id and its current secret key (the
/// seed's until regenerated), and the key is not blocked.
pub(crate) fn has_app_keys(shared: &Shared, req: &Req) -> bool {
    let state = shared.state();
    let project = &state.voucherify_project;
    project.blocked_at.is_none()
        && req.header("x-app-id") == Some(seed::VOUCHERIFY_APP_ID)
        && req.header("x-app-token") == Some(project.secret_key.as_str())
}

/// Whether tokens still work at `now_secs`: not once a minute has passed since the key that
/// minted them was blocked or deleted. A regenerated key leaves them working.
pub(crate) fn tokens_work(shared: &Shared, now_secs: u64) -> bool {
    match shared.state().voucherify_project.blocked_at {
        Some(at) => now_secs < at.saturating_add(BLOCKED_KEY_GRACE_SECS),
        None => true,
    }
}

/// Form parameters of a request, read only when it is sent as
/// `application/x-www-form-urlencoded` (as the spec requires): any other body gives no
/// parameters, so a client that sends JSON gets `missing_parameters`, which is what would hide
/// no bug.
pub(crate) fn form(req: &Req) -> Vec<(String, String)> {
    if !req.has_media_type("application/x-www-form-urlencoded") {
        return Vec::new();
    }
    form_urlencoded::parse(&req.body).into_owned().collect()
}

/// The first non-empty value of a form parameter.
pub(crate) fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
