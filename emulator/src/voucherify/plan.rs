//! The plan's billing-cycle quota of API calls.

use crate::server::Shared;
use crate::wire;
use axum::response::Response;
use serde_json::json;

/// Counts one Voucherify call against the billing cycle's quota, if the plan has one; the answer
/// to give instead when the quota is used up.
///
/// Assumption (the spec lists `X-Rate-Limit-Type` among the rate-limit headers without its
/// values): the cycle's limit answers the documented 429 body with
/// `X-Rate-Limit-Type: api_calls_cycle`, `X-Rate-Limit-Limit` (the quota) and
/// `X-Rate-Limit-Remaining: 0`, and no `Retry-After` (no wait short of the next cycle helps).
pub(crate) fn spend(shared: &Shared) -> Option<Response> {
    let limit = {
        let mut state = shared.state();
        let quota = state.voucherify_project.cycle_quota.as_mut()?;
        if quota.used < quota.limit {
            quota.used += 1;
            return None;
        }
        quota.limit
    };
    let mut r = wire::json(
        429,
        &json!({ "code": 429, "message": "Too many requests hit the API too quickly." }),
    );
    wire::set_header(&mut r, "x-rate-limit-limit", &limit.to_string());
    wire::set_header(&mut r, "x-rate-limit-remaining", "0");
    wire::set_header(&mut r, "x-rate-limit-type", CYCLE_LIMIT_TYPE);
    Some(r)
}

/// The `X-Rate-Limit-Type` of the billing cycle's limit.
pub const CYCLE_LIMIT_TYPE: &str = "api_calls_cycle";
