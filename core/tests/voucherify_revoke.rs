//! `POST /v1/oauth/token/revoke`: the request built, and every documented response parsed.

mod common;

use common::*;
use keycard_core::voucherify::{ErrorKey, Revocation, Revoke};
use keycard_core::{AccessToken, Operation, Parsed, Unrecognized};

fn revoke() -> Revoke {
    api().revoke(&AccessToken::new(SPEC_TOKEN)).unwrap()
}

fn revocation(
    response: http::Response<Vec<u8>>,
) -> Parsed<Revocation, keycard_core::voucherify::Error> {
    revoke().parse(response).unwrap().parsed().clone()
}

#[test]
fn request_for_every_region_and_a_proxy() {
    for (base, prefix) in bases() {
        let request = api_at(base)
            .revoke(&AccessToken::new(SPEC_TOKEN))
            .unwrap()
            .request();
        assert_voucherify_request(
            &request,
            &format!("{prefix}/v1/oauth/token/revoke"),
            &format!("access_token={SPEC_TOKEN}"),
        );
    }
}

#[test]
fn parses_204_as_revoked() {
    assert_eq!(revocation(empty(204)), Parsed::Success(Revocation::Revoked));
}

#[test]
fn parses_404_with_an_empty_body_as_not_active() {
    assert_eq!(
        revocation(empty(404)),
        Parsed::Success(Revocation::NotActive)
    );
}

#[test]
fn parses_404_with_a_blank_body_and_a_json_type_as_not_active() {
    let response = response(404, Some("application/json"), b" \r\n");
    assert_eq!(revocation(response), Parsed::Success(Revocation::NotActive));
}

#[test]
fn parses_404_with_an_error_body_as_the_error() {
    let body = br#"{"code":404,"key":"not_found","message":"Resource not found"}"#;
    let Parsed::Error(error) = revocation(json(404, body)) else {
        panic!("expected a typed error")
    };
    assert_eq!(error.code, 404);
    assert_eq!(error.key, Some(ErrorKey::NotFound));
}

#[test]
fn parses_401_as_the_error() {
    let body = include_bytes!("fixtures/voucherify/error_401.json");
    let Parsed::Error(error) = revocation(json(401, body)) else {
        panic!("expected a typed error")
    };
    assert_eq!(error.key, Some(ErrorKey::Unauthorized));
}

#[test]
fn a_200_is_undocumented() {
    let outcome = revoke().parse(json(200, b"{}")).unwrap();
    assert_eq!(
        outcome.parsed(),
        &Parsed::Unrecognized(Unrecognized::UndocumentedStatus)
    );
    assert_eq!(outcome.raw().body(), b"{}");
}
