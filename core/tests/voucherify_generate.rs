//! `POST /v1/oauth/token`: the request built, and every documented response parsed.

mod common;

use common::*;
use keycard_core::voucherify::{ErrorKey, Scope, Scopes, Token, TokenType};
use keycard_core::{BuildError, FieldProblem, Operation, ParseError, ParseErrorKind, Parsed};
use std::time::{Duration, UNIX_EPOCH};

const TOKEN_200: &[u8] = include_bytes!("fixtures/voucherify/generate_200.json");
const INVALID_SCOPE_400: &[u8] =
    include_bytes!("fixtures/voucherify/generate_400_invalid_scope.json");
const INVALID_GRANT_TYPE_400: &[u8] =
    include_bytes!("fixtures/voucherify/generate_400_invalid_grant_type.json");

fn generate(scopes: &[Scope]) -> keycard_core::voucherify::GenerateToken {
    api()
        .generate_token(&scopes.iter().copied().collect())
        .unwrap()
}

fn parse_ok(response: http::Response<Vec<u8>>) -> Token {
    let outcome = generate(&[Scope::Api]).parse(response).unwrap();
    match outcome.parsed() {
        Parsed::Success(token) => token.clone(),
        other => panic!("expected a token, got {other:?}"),
    }
}

fn parse_err(body: &str) -> ParseError {
    generate(&[Scope::Api])
        .parse(json(200, body.as_bytes()))
        .unwrap_err()
}

/// A 200 body with the spec's example fields and `field` replaced by the raw JSON `value`.
fn token_body_with(field: &str, value: &str) -> String {
    let mut fields = vec![
        ("access_token", format!("\"{SPEC_TOKEN}\"")),
        ("client_id", "\"a1Bcdefg2HI3Jkl4m5nOP\"".to_owned()),
        ("expires_at", "1738945086".to_owned()),
        ("expires_in", "900".to_owned()),
        ("scope", "\"api\"".to_owned()),
        ("token_type", "\"Bearer\"".to_owned()),
    ];
    for (name, v) in &mut fields {
        if *name == field {
            *v = value.to_owned();
        }
    }
    let inner: Vec<String> = fields.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect();
    format!("{{{}}}", inner.join(","))
}

// ---- the request ----------------------------------------------------------------------------

#[test]
fn request_for_every_region_and_a_proxy() {
    let scopes = Scopes::from([Scope::Vouchers, Scope::Campaigns]);
    for (base, prefix) in bases() {
        let request = api_at(base).generate_token(&scopes).unwrap().request();
        assert_voucherify_request(
            &request,
            &format!("{prefix}/v1/oauth/token"),
            "grant_type=client_credentials&scope=campaigns+vouchers",
        );
    }
}

#[test]
fn request_body_of_the_spec_example_lists_scopes_in_vocabulary_order() {
    let request = generate(&[
        Scope::Qualifications,
        Scope::Validations,
        Scope::Redemptions,
    ])
    .request();
    assert_eq!(
        request.body(),
        b"grant_type=client_credentials&scope=qualifications+redemptions+validations"
    );
}

#[test]
fn request_is_the_same_every_time_it_is_built() {
    let operation = generate(&[Scope::Api]);
    let first = operation.request();
    let second = operation.request();
    assert_eq!(first.uri(), second.uri());
    assert_eq!(first.headers(), second.headers());
    assert_eq!(first.body(), second.body());
}

#[test]
fn scope_string_is_exactly_the_form_scope_decoded() {
    let mut scopes = Scopes::from([Scope::ClientApi, Scope::Api, Scope::TrashBin]);
    scopes.insert_wire("brand-new");
    scopes.insert_wire("odd&chars+here=1%");
    let operation = api().generate_token(&scopes).unwrap();
    assert_eq!(
        operation.scope_string(),
        "api client_api trash-bin brand-new odd&chars+here=1%"
    );
    let pairs = form_pairs(operation.request().body());
    assert_eq!(
        pairs,
        [
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("scope".to_owned(), operation.scope_string().to_owned()),
        ]
    );
    assert_eq!(operation.scopes(), &scopes);
}

#[test]
fn empty_scope_set_is_refused() {
    let error = api().generate_token(&Scopes::new()).unwrap_err();
    assert_eq!(error, BuildError::EmptyScopeSet);
}

#[test]
fn scope_set_of_only_separators_is_empty_and_refused() {
    let error = api().generate_token(&Scopes::parse(" ,\t ")).unwrap_err();
    assert_eq!(error, BuildError::EmptyScopeSet);
}

// ---- 200 ------------------------------------------------------------------------------------

#[test]
fn parses_the_spec_example_token() {
    let token = parse_ok(json(200, TOKEN_200));
    assert_eq!(token.access_token.expose_secret(), SPEC_TOKEN);
    assert_eq!(token.client_id, "a1Bcdefg2HI3Jkl4m5nOP");
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + Duration::from_secs(1738945086)
    );
    assert_eq!(token.expires_in, Duration::from_secs(900));
    assert_eq!(token.scope, Scopes::from([Scope::Api]));
    assert_eq!(token.token_type, TokenType::Bearer);
}

#[test]
fn success_keeps_status_content_type_and_raw_body() {
    let outcome = generate(&[Scope::Api]).parse(json(200, TOKEN_200)).unwrap();
    assert_eq!(outcome.status(), 200);
    assert_eq!(outcome.content_type(), Some("application/json"));
    assert_eq!(outcome.raw().body(), TOKEN_200);
    assert!(outcome.success().is_some());
    assert!(outcome.error().is_none());
    assert!(outcome.into_result().is_ok());
}

#[test]
fn token_type_is_compared_ignoring_case_and_others_kept() {
    let token = parse_ok(json(
        200,
        token_body_with("token_type", "\"bearer\"").as_bytes(),
    ));
    assert_eq!(token.token_type, TokenType::Bearer);
    let token = parse_ok(json(
        200,
        token_body_with("token_type", "\"MAC\"").as_bytes(),
    ));
    assert_eq!(token.token_type, TokenType::Other("MAC".to_owned()));
}

#[test]
fn comma_separated_scopes_in_a_response_are_read() {
    let body = token_body_with("scope", "\"vouchers,campaigns\"");
    let token = parse_ok(json(200, body.as_bytes()));
    assert_eq!(
        token.scope,
        Scopes::from([Scope::Vouchers, Scope::Campaigns])
    );
}

#[test]
fn runs_of_spaces_in_response_scopes_are_read() {
    let body = token_body_with("scope", "\"  vouchers   campaigns , \\t customers \"");
    let token = parse_ok(json(200, body.as_bytes()));
    assert_eq!(
        token.scope,
        Scopes::from([Scope::Vouchers, Scope::Campaigns, Scope::Customers])
    );
}

#[test]
fn unknown_scope_in_a_response_is_kept() {
    let body = token_body_with("scope", "\"vouchers gift-cards\"");
    let token = parse_ok(json(200, body.as_bytes()));
    assert!(token.scope.contains(Scope::Vouchers));
    assert_eq!(token.scope.unknown().collect::<Vec<_>>(), ["gift-cards"]);
    assert_eq!(token.scope.to_string(), "vouchers gift-cards");
}

#[test]
fn one_operation_reads_each_scope_string_it_is_answered_with() {
    // The operation remembers one answer that differs from what it sent; every other answer,
    // before and after, must still be read for what it says.
    let operation = generate(&[Scope::Vouchers, Scope::Campaigns]);
    let answers = [
        (
            "vouchers campaigns",
            vec![Scope::Vouchers, Scope::Campaigns],
        ),
        (
            "campaigns vouchers",
            vec![Scope::Vouchers, Scope::Campaigns],
        ),
        ("customers", vec![Scope::Customers]),
        (
            "campaigns,vouchers",
            vec![Scope::Vouchers, Scope::Campaigns],
        ),
        (
            "campaigns vouchers",
            vec![Scope::Vouchers, Scope::Campaigns],
        ),
        ("customers", vec![Scope::Customers]),
        ("api", vec![Scope::Api]),
        (
            "campaigns vouchers",
            vec![Scope::Vouchers, Scope::Campaigns],
        ),
    ];
    for (wire, expected) in answers {
        let body = token_body_with("scope", &format!("\"{wire}\""));
        let outcome = operation.parse(json(200, body.as_bytes())).unwrap();
        let Parsed::Success(token) = outcome.parsed() else {
            panic!("expected a token for {wire:?}");
        };
        let expected: Scopes = expected.into_iter().collect();
        assert_eq!(token.scope, expected, "answer {wire:?}");
        assert_eq!(token.scope.to_string(), expected.to_string());
    }
    // A clone carries on from the same state.
    let clone = operation.clone();
    let body = token_body_with("scope", "\"vouchers gift-cards\"");
    let outcome = clone.parse(json(200, body.as_bytes())).unwrap();
    let Parsed::Success(token) = outcome.parsed() else {
        panic!("expected a token");
    };
    assert_eq!(token.scope.unknown().collect::<Vec<_>>(), ["gift-cards"]);
}

#[test]
fn json_with_charset_is_accepted() {
    let response = response(200, Some("application/json; charset=utf-8"), TOKEN_200);
    assert_eq!(parse_ok(response).expires_in, Duration::from_secs(900));
}

#[test]
fn json_content_type_is_compared_ignoring_case() {
    let response = response(200, Some("APPLICATION/JSON"), TOKEN_200);
    assert_eq!(parse_ok(response).expires_in, Duration::from_secs(900));
}

// ---- 400 ------------------------------------------------------------------------------------

#[test]
fn parses_400_invalid_scope() {
    let outcome = generate(&[Scope::Api])
        .parse(json(400, INVALID_SCOPE_400))
        .unwrap();
    let error = outcome.error().expect("a typed error");
    assert_eq!(error.code, 400);
    assert_eq!(error.key, Some(ErrorKey::InvalidScope));
    assert_eq!(error.message, "Invalid scope: vouchers,campaigns");
    assert_eq!(error.details, None);
    assert_eq!(error.request_id, None);
    assert_eq!(
        error.to_string(),
        "Invalid scope: vouchers,campaigns (invalid_scope)"
    );
}

#[test]
fn parses_400_invalid_grant_type() {
    let outcome = generate(&[Scope::Api])
        .parse(json(400, INVALID_GRANT_TYPE_400))
        .unwrap();
    let error = outcome.error().expect("a typed error");
    assert_eq!(error.code, 400);
    assert_eq!(error.key, Some(ErrorKey::InvalidGrantType));
    assert_eq!(error.message, "Invalid grant_type");
}

#[test]
fn error_into_result_keeps_status_and_raw_body() {
    let error = generate(&[Scope::Api])
        .parse(json(400, INVALID_SCOPE_400))
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_eq!(error.status(), 400);
    assert_eq!(error.raw.body(), INVALID_SCOPE_400);
    assert_eq!(
        error.to_string(),
        "HTTP 400 Bad Request: Invalid scope: vouchers,campaigns (invalid_scope)"
    );
}

// ---- malformed 200 bodies -------------------------------------------------------------------

#[test]
fn truncated_body_is_a_json_error() {
    let error = parse_err(r#"{"access_token":"1ABCde2FGHijKl3m4NO5pq"#);
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "access_token");
    assert!(message.contains("EOF"), "{message}");
    assert_eq!(error.raw.status(), 200);
}

#[test]
fn empty_body_is_a_json_error_at_the_root() {
    let error = parse_err("");
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
}

#[test]
fn expires_in_as_a_string_names_the_field() {
    let error = parse_err(&token_body_with("expires_in", "\"900\""));
    let ParseErrorKind::Json {
        path,
        message,
        line,
        ..
    } = &error.kind
    else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "expires_in");
    assert_eq!(*line, 1);
    assert!(message.starts_with("invalid type: string"), "{message}");
}

#[test]
fn expires_in_as_a_float_names_the_field() {
    let error = parse_err(&token_body_with("expires_in", "900.5"));
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "expires_in");
}

#[test]
fn negative_expires_in_is_out_of_range() {
    let error = parse_err(&token_body_with("expires_in", "-1"));
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expires_in",
            problem: FieldProblem::OutOfRange
        }
    );
}

#[test]
fn negative_expires_at_is_out_of_range() {
    let error = parse_err(&token_body_with("expires_at", "-1738945086"));
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expires_at",
            problem: FieldProblem::OutOfRange
        }
    );
}

#[test]
fn huge_expires_at_is_out_of_range() {
    for huge in [i64::MAX.to_string(), "253402300800".to_owned()] {
        let error = parse_err(&token_body_with("expires_at", &huge));
        assert_eq!(
            error.kind,
            ParseErrorKind::InvalidField {
                field: "expires_at",
                problem: FieldProblem::OutOfRange
            },
            "expires_at = {huge}"
        );
    }
}

#[test]
fn last_second_of_year_9999_is_a_valid_expires_at() {
    let token = parse_ok(json(
        200,
        token_body_with("expires_at", "253402300799").as_bytes(),
    ));
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + Duration::from_secs(253402300799)
    );
}

#[test]
fn huge_expires_in_is_out_of_range() {
    let error = parse_err(&token_body_with("expires_in", &i64::MAX.to_string()));
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expires_in",
            problem: FieldProblem::OutOfRange
        }
    );
}

#[test]
fn expires_at_beyond_i64_names_the_field() {
    for huge in [u64::MAX.to_string(), "1e30".to_owned()] {
        let error = parse_err(&token_body_with("expires_at", &huge));
        let ParseErrorKind::Json { path, .. } = &error.kind else {
            panic!("{:?}", error.kind)
        };
        assert_eq!(path, "expires_at", "expires_at = {huge}");
    }
}

#[test]
fn duplicate_key_is_a_json_error() {
    let body = token_body_with("expires_in", "900,\"expires_in\":1");
    let error = parse_err(&body);
    let ParseErrorKind::Json { message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(message, "duplicate field `expires_in`");
}

#[test]
fn missing_field_names_it() {
    let body = r#"{"access_token":"abc","client_id":"c","expires_at":1,"expires_in":1,"token_type":"Bearer"}"#;
    let error = parse_err(body);
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "missing field `scope`");
}

#[test]
fn a_200_carrying_an_error_body_is_a_json_error() {
    let error = generate(&[Scope::Api])
        .parse(json(200, INVALID_SCOPE_400))
        .unwrap_err();
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "missing field `access_token`");
    assert_eq!(error.raw.body(), INVALID_SCOPE_400, "the raw body is kept");
}

#[test]
fn trailing_garbage_is_a_json_error_at_the_root() {
    let body = format!("{} x", token_body_with("", ""));
    let error = parse_err(&body);
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "trailing characters");
}

#[test]
fn access_token_that_cannot_go_in_a_header_is_refused() {
    for bad in [
        r#""""#,
        r#""abc\rdef""#,
        r#""abc\ndef""#,
        r#""abc def""#,
        r#""abc\tdef""#,
        r#""abc\u0000def""#,
        r#""abcdéf""#,
        r#""abc\u00e9def""#,
    ] {
        let error = parse_err(&token_body_with("access_token", bad));
        assert_eq!(
            error.kind,
            ParseErrorKind::InvalidField {
                field: "access_token",
                problem: FieldProblem::NotHeaderSafe
            },
            "access_token = {bad}"
        );
    }
}
