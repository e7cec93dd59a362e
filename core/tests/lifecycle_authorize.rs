//! Authorizing requests: the sensitive header, and the local scope check for Voucherify.

mod lifecycle_common;

use http::Method;
use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceMachine};
use keycard_core::voucherify::{self, AuthorizeError, Credentials, Scope, Scopes};
use keycard_core::{BaseUrl, SecretKey};
use lifecycle_common::{answer, expect_send, secs, Clock};
use std::sync::Arc;

/// A live Voucherify token with `scope` (the wire string), from an API at `base`.
fn live(base: &str, scope: &str) -> Arc<LiveToken<Scopes>> {
    let api = voucherify::Api::new(
        BaseUrl::parse(base).unwrap(),
        Credentials::new("app", SecretKey::new("sk")).unwrap(),
    );
    let endpoint = api.generate_token(&Scopes::parse(scope)).unwrap();
    let clock = Clock::fixed();
    let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
    let id = expect_send(&mut machine, clock.at(secs(0)));
    let body = format!(
        r#"{{"access_token":"tok-XYZ","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"{scope}","token_type":"Bearer"}}"#
    );
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    answer(&mut machine, &clock, id, response, secs(0));
    machine.current().unwrap().clone()
}

fn get(uri: &str) -> http::Request<()> {
    http::Request::get(uri).body(()).unwrap()
}

const EU: &str = "https://api.voucherify.io";

#[test]
fn the_bearer_header_is_set_and_sensitive() {
    let token = live(EU, "vouchers");
    let mut request = get("https://api.voucherify.io/v1/vouchers/ABC");
    token.authorize(&mut request);
    let value = &request.headers()[http::header::AUTHORIZATION];
    assert_eq!(value, "Bearer tok-XYZ");
    assert!(value.is_sensitive());
    assert!(!format!("{request:?}").contains("tok-XYZ"));
    assert!(!format!("{token:?}").contains("tok-XYZ"));
}

#[test]
fn authorizing_replaces_an_existing_header() {
    let token = live(EU, "vouchers");
    let mut request = get("https://api.voucherify.io/v1/vouchers/ABC");
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, "Bearer stale".parse().unwrap());
    token.authorize(&mut request);
    assert_eq!(
        request
            .headers()
            .get_all(http::header::AUTHORIZATION)
            .iter()
            .count(),
        1
    );
}

#[test]
fn a_campaigns_token_is_refused_a_voucher_locally() {
    let base = BaseUrl::parse(EU).unwrap();
    let token = live(EU, "campaigns");
    let mut request = get("https://api.voucherify.io/v1/vouchers/ABC");
    let error = token.authorize_checked(&mut request, &base).unwrap_err();
    let AuthorizeError::ScopeNotGranted {
        method,
        pattern,
        required,
        have,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(method, Method::GET);
    assert_eq!(*pattern, "/v1/vouchers/{code}");
    assert_eq!(required, &[Scope::Api, Scope::Vouchers]);
    assert_eq!(have, &Scopes::from([Scope::Campaigns]));
    assert!(request.headers().get(http::header::AUTHORIZATION).is_none());
    let message = error.to_string();
    assert!(message.contains("api vouchers"), "{message}");
    assert!(!message.contains("tok-XYZ"));
}

#[test]
fn api_or_vouchers_grant_a_voucher() {
    let base = BaseUrl::parse(EU).unwrap();
    for scope in ["api", "vouchers", "campaigns vouchers"] {
        let token = live(EU, scope);
        let mut request = get("https://api.voucherify.io/v1/vouchers/ABC?expand=x");
        token.authorize_checked(&mut request, &base).unwrap();
        assert_eq!(request.headers()["authorization"], "Bearer tok-XYZ");
    }
}

#[test]
fn client_api_grants_client_endpoints_only() {
    let base = BaseUrl::parse(EU).unwrap();
    let token = live(EU, "client_api");
    let mut request = http::Request::post("https://api.voucherify.io/client/v1/validations")
        .body(())
        .unwrap();
    token.authorize_checked(&mut request, &base).unwrap();
    let mut request = get("https://api.voucherify.io/v1/vouchers/ABC");
    assert!(matches!(
        token.authorize_checked(&mut request, &base),
        Err(AuthorizeError::ScopeNotGranted { .. })
    ));
    // And `api` does not grant client endpoints.
    let token = live(EU, "api");
    let mut request = http::Request::post("/client/v1/validations")
        .body(())
        .unwrap();
    assert!(matches!(
        token.authorize_checked(&mut request, &base),
        Err(AuthorizeError::ScopeNotGranted { .. })
    ));
}

#[test]
fn unknown_endpoints_and_other_hosts_are_refused() {
    let base = BaseUrl::parse(EU).unwrap();
    let token = live(EU, "api");
    let mut request = get("https://api.voucherify.io/v1/nope");
    assert_eq!(
        token.authorize_checked(&mut request, &base),
        Err(AuthorizeError::UnknownEndpoint {
            method: Method::GET,
            path: "/v1/nope".into()
        })
    );
    let mut request = get("https://evil.example.com/v1/vouchers/ABC");
    assert!(matches!(
        token.authorize_checked(&mut request, &base),
        Err(AuthorizeError::OtherHost { .. })
    ));
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn a_base_url_prefix_is_taken_off() {
    let base = BaseUrl::parse("https://proxy.example.com/voucherify/").unwrap();
    let token = live("https://proxy.example.com/voucherify", "vouchers");
    let mut request = get("https://proxy.example.com/voucherify/v1/vouchers/ABC");
    token.authorize_checked(&mut request, &base).unwrap();
    let mut request = get("https://proxy.example.com/v1/vouchers/ABC");
    assert!(token.authorize_checked(&mut request, &base).is_err());
    // A bare path may carry the prefix or not.
    for path in ["/voucherify/v1/vouchers/ABC", "/v1/vouchers/ABC"] {
        let mut request = get(path);
        token.authorize_checked(&mut request, &base).unwrap();
    }
}

#[test]
fn authorizing_reuses_the_precomputed_header() {
    let token = live(EU, "vouchers");
    let mut a = get("https://api.voucherify.io/v1/vouchers/A");
    let mut b = get("https://api.voucherify.io/v1/vouchers/B");
    token.authorize(&mut a);
    token.authorize(&mut b);
    // The same bytes, shared (a HeaderValue clone is a reference-count increment): this
    // thread's copy of the precomputed value.
    assert_eq!(
        a.headers()["authorization"].as_bytes().as_ptr(),
        b.headers()["authorization"].as_bytes().as_ptr()
    );
    assert_eq!(a.headers()["authorization"], token.header_value());
}
