//! `POST /v1/oauth/introspect`: the request built, and every documented response parsed.

mod common;

use common::*;
use keycard_core::voucherify::{ErrorKey, Introspect, Introspection, Scope, Scopes, TokenType};
use keycard_core::{AccessToken, FieldProblem, Operation, ParseErrorKind, Parsed};
use std::time::{Duration, UNIX_EPOCH};

const ACTIVE_200: &[u8] = include_bytes!("fixtures/voucherify/introspect_200_active.json");
const INACTIVE_200: &[u8] = include_bytes!("fixtures/voucherify/introspect_200_inactive.json");
const MISSING_PARAMETERS_400: &[u8] =
    include_bytes!("fixtures/voucherify/introspect_400_missing_parameters.json");

fn introspect() -> Introspect {
    api().introspect(&AccessToken::new(SPEC_TOKEN)).unwrap()
}

fn introspection(response: http::Response<Vec<u8>>) -> Introspection {
    match introspect().parse(response).unwrap().parsed() {
        Parsed::Success(introspection) => introspection.clone(),
        other => panic!("expected an introspection, got {other:?}"),
    }
}

#[test]
fn request_for_every_region_and_a_proxy() {
    for (base, prefix) in bases() {
        let request = api_at(base)
            .introspect(&AccessToken::new(SPEC_TOKEN))
            .unwrap()
            .request();
        assert_voucherify_request(
            &request,
            &format!("{prefix}/v1/oauth/introspect"),
            &format!("access_token={SPEC_TOKEN}"),
        );
    }
}

#[test]
fn request_form_encodes_the_token() {
    let request = api()
        .introspect(&AccessToken::new("a+b/c=d&e f"))
        .unwrap()
        .request();
    assert_eq!(request.body(), b"access_token=a%2Bb%2Fc%3Dd%26e+f");
    assert_eq!(
        form_pairs(request.body()),
        [("access_token".to_owned(), "a+b/c=d&e f".to_owned())]
    );
}

#[test]
fn parses_the_spec_example_active_token() {
    let Introspection::Active(token) = introspection(json(200, ACTIVE_200)) else {
        panic!("expected an active token")
    };
    assert_eq!(token.access_token.expose_secret(), SPEC_TOKEN);
    assert_eq!(token.client_id, "a1Bcdefg2HI3Jkl4m5nOP");
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + Duration::from_secs(1738945086)
    );
    assert_eq!(token.expires_in, Duration::from_secs(555));
    assert_eq!(token.scope, Scopes::from([Scope::Api]));
    assert_eq!(token.token_type, TokenType::Bearer);
}

#[test]
fn parses_the_spec_example_inactive_token() {
    let result = introspection(json(200, INACTIVE_200));
    assert_eq!(result, Introspection::Inactive);
    assert!(!result.is_active());
}

#[test]
fn inactive_with_extra_fields_is_inactive() {
    let body = br#"{"active":false,"access_token":"whatever","scope":"api"}"#;
    assert_eq!(introspection(json(200, body)), Introspection::Inactive);
}

#[test]
fn active_with_comma_separated_and_unknown_scopes() {
    let body = br#"{"access_token":"t0k","client_id":"c","expires_at":1,"expires_in":2,
        "scope":"vouchers,,campaigns  brand-new","token_type":"Bearer","active":true}"#;
    let Introspection::Active(token) = introspection(json(200, body)) else {
        panic!("expected an active token")
    };
    assert!(token.scope.contains(Scope::Vouchers));
    assert!(token.scope.contains(Scope::Campaigns));
    assert_eq!(token.scope.unknown().collect::<Vec<_>>(), ["brand-new"]);
    assert_eq!(token.scope.len(), 3);
}

#[test]
fn parses_400_missing_parameters() {
    let outcome = introspect()
        .parse(json(400, MISSING_PARAMETERS_400))
        .unwrap();
    let error = outcome.error().expect("a typed error");
    assert_eq!(error.code, 400);
    assert_eq!(error.key, Some(ErrorKey::MissingParameters));
    assert_eq!(error.message, "Missing parameters");
}

#[test]
fn active_without_token_fields_names_what_is_missing() {
    let error = introspect()
        .parse(json(200, br#"{"active":true}"#))
        .unwrap_err();
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "missing field `access_token`");
}

#[test]
fn missing_active_is_a_json_error() {
    let error = introspect().parse(json(200, b"{}")).unwrap_err();
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "missing field `active`");
}

#[test]
fn active_of_the_wrong_type_names_the_field() {
    let error = introspect()
        .parse(json(200, br#"{"active":"true"}"#))
        .unwrap_err();
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "active");
}

#[test]
fn active_token_with_a_space_in_it_is_refused() {
    let body = br#"{"access_token":"a b","client_id":"c","expires_at":1,"expires_in":2,
        "scope":"api","token_type":"Bearer","active":true}"#;
    let error = introspect().parse(json(200, body)).unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "access_token",
            problem: FieldProblem::NotHeaderSafe
        }
    );
}

#[test]
fn active_with_negative_expires_in_is_out_of_range() {
    let body = br#"{"access_token":"t","client_id":"c","expires_at":1,"expires_in":-5,
        "scope":"api","token_type":"Bearer","active":true}"#;
    let error = introspect().parse(json(200, body)).unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expires_in",
            problem: FieldProblem::OutOfRange
        }
    );
}
