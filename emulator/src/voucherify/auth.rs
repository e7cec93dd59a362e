//! Voucherify authentication: the project's `X-App-Id` + `X-App-Token`, or a bearer token.

use crate::seed;
use crate::wire::Req;

/// Whether the request carries the seeded project's application id and secret key.
pub(crate) fn has_app_keys(req: &Req) -> bool {
    req.header("x-app-id") == Some(seed::VOUCHERIFY_APP_ID)
        && req.header("x-app-token") == Some(seed::VOUCHERIFY_SECRET_KEY)
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
