//! The routes the emulator serves, and how a request path maps onto one.

use axum::http::Method;
use percent_encoding::percent_decode_str;

/// One operation of either API. Counters and faults are kept per route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Route {
    /// Voucherify `POST /v1/oauth/token`.
    VoucherifyGenerate,
    /// Voucherify `POST /v1/oauth/introspect`.
    VoucherifyIntrospect,
    /// Voucherify `POST /v1/oauth/token/revoke`.
    VoucherifyRevoke,
    /// Voucherify `GET /v1/vouchers/{code}`.
    VoucherifyGetVoucher,
    /// Exact Payments `POST /orders/{orderId}/accessToken`.
    ExactOrderAccessToken,
    /// Exact Payments `POST /token`.
    ExactUserToken,
    /// Exact Payments `POST /application/{applicationId}/token`.
    ExactCreateApplicationToken,
    /// Exact Payments `GET /application/{applicationId}/token`.
    ExactListApplicationTokens,
    /// Exact Payments `DELETE /application/{applicationId}/token/{tokenId}`.
    ExactDeleteApplicationToken,
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: [Route; 9] = [
        Route::VoucherifyGenerate,
        Route::VoucherifyIntrospect,
        Route::VoucherifyRevoke,
        Route::VoucherifyGetVoucher,
        Route::ExactOrderAccessToken,
        Route::ExactUserToken,
        Route::ExactCreateApplicationToken,
        Route::ExactListApplicationTokens,
        Route::ExactDeleteApplicationToken,
    ];

    /// The API this route belongs to.
    pub fn api(self) -> Api {
        match self {
            Route::VoucherifyGenerate
            | Route::VoucherifyIntrospect
            | Route::VoucherifyRevoke
            | Route::VoucherifyGetVoucher => Api::Voucherify,
            _ => Api::Exact,
        }
    }

    /// The method and path template, as the vendor documents it (used in logs).
    pub fn template(self) -> &'static str {
        match self {
            Route::VoucherifyGenerate => "POST /v1/oauth/token",
            Route::VoucherifyIntrospect => "POST /v1/oauth/introspect",
            Route::VoucherifyRevoke => "POST /v1/oauth/token/revoke",
            Route::VoucherifyGetVoucher => "GET /v1/vouchers/{code}",
            Route::ExactOrderAccessToken => "POST /orders/{orderId}/accessToken",
            Route::ExactUserToken => "POST /token",
            Route::ExactCreateApplicationToken => "POST /application/{applicationId}/token",
            Route::ExactListApplicationTokens => "GET /application/{applicationId}/token",
            Route::ExactDeleteApplicationToken => {
                "DELETE /application/{applicationId}/token/{tokenId}"
            }
        }
    }

    pub(crate) fn index(self) -> usize {
        Route::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// Which vendor API a route or a path prefix belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// Voucherify, served under `/voucherify`.
    Voucherify,
    /// Exact Payments, served under `/exact`.
    Exact,
}

impl Api {
    /// The path prefix the API is served under.
    pub fn prefix(self) -> &'static str {
        match self {
            Api::Voucherify => "/voucherify",
            Api::Exact => "/exact",
        }
    }
}

/// A matched route with its percent-decoded path parameters, in path order.
#[derive(Debug)]
pub(crate) struct Matched {
    pub route: Route,
    pub params: Vec<String>,
}

/// Splits a raw request path into its API and the rest of the path (starting with `/`).
pub(crate) fn split_prefix(path: &str) -> Option<(Api, &str)> {
    [Api::Voucherify, Api::Exact].into_iter().find_map(|api| {
        let rest = path.strip_prefix(api.prefix())?;
        rest.starts_with('/').then_some((api, rest))
    })
}

fn decode(segment: &str) -> Option<String> {
    if segment.is_empty() {
        return None;
    }
    percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Matches a method and the raw path below an API prefix. Parameters are matched on the raw
/// (still percent-encoded) segments and decoded afterwards, so `%2F` stays inside its segment.
pub(crate) fn match_route(api: Api, method: &Method, rest: &str) -> Option<Matched> {
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let m = |route, params| Some(Matched { route, params });
    match (api, segments.as_slice()) {
        (Api::Voucherify, ["v1", "oauth", "token"]) if method == Method::POST => {
            m(Route::VoucherifyGenerate, vec![])
        }
        (Api::Voucherify, ["v1", "oauth", "introspect"]) if method == Method::POST => {
            m(Route::VoucherifyIntrospect, vec![])
        }
        (Api::Voucherify, ["v1", "oauth", "token", "revoke"]) if method == Method::POST => {
            m(Route::VoucherifyRevoke, vec![])
        }
        (Api::Voucherify, ["v1", "vouchers", code]) if method == Method::GET => {
            m(Route::VoucherifyGetVoucher, vec![decode(code)?])
        }
        (Api::Exact, ["orders", id, "accessToken"]) if method == Method::POST => {
            m(Route::ExactOrderAccessToken, vec![decode(id)?])
        }
        (Api::Exact, ["token"]) if method == Method::POST => m(Route::ExactUserToken, vec![]),
        (Api::Exact, ["application", app, "token"]) if method == Method::POST => {
            m(Route::ExactCreateApplicationToken, vec![decode(app)?])
        }
        (Api::Exact, ["application", app, "token"]) if method == Method::GET => {
            m(Route::ExactListApplicationTokens, vec![decode(app)?])
        }
        (Api::Exact, ["application", app, "token", id]) if method == Method::DELETE => m(
            Route::ExactDeleteApplicationToken,
            vec![decode(app)?, decode(id)?],
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_slash_stays_in_its_segment() {
        let (api, rest) = split_prefix("/exact/orders/a%2Fb/accessToken").unwrap();
        let m = match_route(api, &Method::POST, rest).unwrap();
        assert_eq!(m.route, Route::ExactOrderAccessToken);
        assert_eq!(m.params, vec!["a/b".to_string()]);
        assert!(match_route(api, &Method::POST, "/orders//accessToken").is_none());
        assert!(match_route(api, &Method::POST, "/orders/a/b/accessToken").is_none());
        assert!(split_prefix("/exactly/token").is_none());
    }
}
