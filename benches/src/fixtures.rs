//! The inputs every benchmark shares.

use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::SecretKey;

/// The 200 response of `POST /v1/oauth/token`, exactly as in Voucherify's OpenAPI document
/// (`specs/voucherify-oauth.json`, example "OAuth response").
pub const SPEC_EXAMPLE: &str = r#"{"access_token":"1ABCde2FGHijKl3m4NO5pqR6STUv7wxYzAbc8dE90FgH1IJkLm","client_id":"a1Bcdefg2HI3Jkl4m5nOP","expires_at":1738945086,"expires_in":900,"scope":"api","token_type":"Bearer"}"#;

/// Every one of the 42 Voucherify scopes, space-separated, in the vocabulary's order.
pub fn all_scopes_wire() -> String {
    Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The spec's example with `scope` holding all 42 scopes.
pub fn all_scopes_body() -> String {
    SPEC_EXAMPLE.replace(
        r#""scope":"api""#,
        &format!(r#""scope":"{}""#, all_scopes_wire()),
    )
}

/// A named token response body.
pub struct Body {
    /// Short name for benchmark ids.
    pub name: &'static str,
    /// The JSON body.
    pub json: String,
    /// The scopes the request asked for (what the response's `scope` says).
    pub scopes: Scopes,
}

/// The two token bodies of benchmark 1: the spec's example and the one with all 42 scopes.
pub fn token_bodies() -> Vec<Body> {
    vec![
        Body {
            name: "spec_example",
            json: SPEC_EXAMPLE.to_owned(),
            scopes: Scopes::from([Scope::Api]),
        },
        Body {
            name: "all_42_scopes",
            json: all_scopes_body(),
            scopes: Scope::ALL.iter().copied().collect(),
        },
    ]
}

/// A Voucherify API handle for building operations (never sent anywhere).
pub fn api() -> voucherify::Api {
    voucherify::Api::new(
        voucherify::Region::Europe.base_url(),
        Credentials::new("bench-app-id", SecretKey::new("bench-secret-key"))
            .expect("valid credentials"),
    )
}

/// An `http::Response` as a transport hands it over: status 200, JSON content type, the body.
pub fn json_response(body: &str) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.as_bytes().to_vec());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The spec's example with one member keycard does not model (a nested object, escapes
/// included), after `scope`.
pub fn extra_member_body() -> String {
    SPEC_EXAMPLE.replace(
        r#""scope":"api""#,
        r#""scope":"api","metadata":{"issued_by":"auth-3","tags":["a","b\u00e9"],"ttl":9.5e2}"#,
    )
}

/// An Exact Payments `201` body of `POST /orders/{orderId}/accessToken`.
pub const EXACT_ORDER_TOKEN: &str = r#"{"accessToken":{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmRlciI6IjEyMyJ9.c2lnbmF0dXJl","expiresAt":"2025-02-07T16:18:06.123Z"}}"#;

/// An Exact Payments API handle for building operations (never sent anywhere).
pub fn exact_api() -> keycard_core::exact::Api {
    keycard_core::exact::Api::new(
        keycard_core::exact::Environment::Sandbox.base_url(),
        keycard_core::ApiKey::new("bench-api-key"),
    )
    .expect("a valid API handle")
}

/// A response with `status` and a JSON body.
pub fn json_response_with(status: u16, body: &str) -> http::Response<Vec<u8>> {
    let mut response = json_response(body);
    *response.status_mut() = http::StatusCode::from_u16(status).expect("a status");
    response
}

/// `n` distinct scope values keycard does not know, space-separated (`custom_0 custom_1 …`).
pub fn unknown_scopes_wire(n: usize) -> String {
    (0..n)
        .map(|i| format!("custom_{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}
