//! What every Voucherify operation shares: the error body, rate-limit headers, undocumented
//! statuses and content types.

mod common;

use common::*;
use keycard_core::voucherify::{
    Error, ErrorDetail, ErrorKey, RateLimit, RateLimitType, Scope, Scopes,
};
use keycard_core::{AccessToken, Operation, ParseErrorKind, Parsed, RetryAfter, Unrecognized};
use std::time::{Duration, UNIX_EPOCH};

const UNAUTHORIZED_401: &[u8] = include_bytes!("fixtures/voucherify/error_401.json");
const TOO_MANY_429: &[u8] = include_bytes!("fixtures/voucherify/error_429.json");
const TOKEN_200: &[u8] = include_bytes!("fixtures/voucherify/generate_200.json");

/// What a response is read as by each operation: the typed body flattened to a string tag plus
/// the error, if any.
#[derive(Debug, PartialEq)]
enum Read {
    Success,
    Error(Box<Error>),
    Unrecognized(Unrecognized),
}

fn from_typed<T>(typed: Parsed<T, Error>) -> Read {
    match typed {
        Parsed::Success(_) => Read::Success,
        Parsed::Error(e) => Read::Error(Box::new(e)),
        Parsed::Unrecognized(u) => Read::Unrecognized(u),
    }
}

/// Feeds one response to generate, introspect and revoke, and returns what each read.
fn read_by_all(make: impl Fn() -> http::Response<Vec<u8>>) -> Vec<(&'static str, Read)> {
    let api = api();
    let token = AccessToken::new(SPEC_TOKEN);
    let generate = api.generate_token(&Scopes::from([Scope::Api])).unwrap();
    let introspect = api.introspect(&token).unwrap();
    let revoke = api.revoke(&token).unwrap();
    vec![
        (
            "generate",
            from_typed(generate.parse(make()).unwrap().into_parts().1),
        ),
        (
            "introspect",
            from_typed(introspect.parse(make()).unwrap().into_parts().1),
        ),
        (
            "revoke",
            from_typed(revoke.parse(make()).unwrap().into_parts().1),
        ),
    ]
}

fn error_for_all(make: impl Fn() -> http::Response<Vec<u8>>) -> Error {
    let mut errors = read_by_all(make)
        .into_iter()
        .map(|(name, read)| match read {
            Read::Error(e) => *e,
            other => panic!("{name}: expected a typed error, got {other:?}"),
        });
    let first = errors.next().unwrap();
    for other in errors {
        assert_eq!(other, first);
    }
    first
}

fn untyped_for_all(make: impl Fn() -> http::Response<Vec<u8>>, expected: Unrecognized) {
    for (name, read) in read_by_all(make) {
        assert_eq!(read, Read::Unrecognized(expected), "{name}");
    }
}

const HTML: &[u8] = b"<html><body><h1>502 Bad Gateway</h1></body></html>";

// ---- 401 and 429 ----------------------------------------------------------------------------

#[test]
fn parses_the_generic_401() {
    let error = error_for_all(|| json(401, UNAUTHORIZED_401));
    assert_eq!(
        error,
        Error {
            code: 401,
            key: Some(ErrorKey::Unauthorized),
            message: "Unauthorized".to_owned(),
            details: None,
            request_id: None,
            resource_id: None,
            resource_type: None,
            error: None,
            rate_limit: RateLimit::default(),
        }
    );
}

#[test]
fn parses_429_with_retry_after_in_seconds_and_rate_limit_headers() {
    let headers = [
        ("retry-after", "30"),
        ("x-rate-limit-limit", "100"),
        ("x-rate-limit-remaining", "0"),
        ("x-rate-limit-retry", "1738945116"),
        ("x-rate-limit-type", "api"),
    ];
    let error =
        error_for_all(|| response_with(429, Some("application/json"), &headers, TOO_MANY_429));
    assert_eq!(error.code, 429);
    assert_eq!(error.key, None);
    assert_eq!(error.message, "Too many requests hit the API too quickly.");
    assert_eq!(
        error.rate_limit,
        RateLimit {
            limit: Some(100),
            remaining: Some(0),
            retry_at: Some(UNIX_EPOCH + Duration::from_secs(1738945116)),
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(30))),
            // An undocumented type is kept as sent.
            limit_type: Some(RateLimitType::Other("api".into())),
        }
    );
}

#[test]
fn parses_429_with_retry_after_as_an_http_date() {
    let headers = [("retry-after", "Fri, 07 Feb 2025 16:18:36 GMT")];
    let error =
        error_for_all(|| response_with(429, Some("application/json"), &headers, TOO_MANY_429));
    assert_eq!(
        error.rate_limit.retry_after,
        Some(RetryAfter::At(UNIX_EPOCH + Duration::from_secs(1738945116)))
    );
    assert_eq!(error.rate_limit.limit, None);
}

#[test]
fn retry_not_before_takes_the_later_of_both_headers() {
    let received = UNIX_EPOCH + Duration::from_secs(1_000);
    let both = RateLimit {
        retry_at: Some(UNIX_EPOCH + Duration::from_secs(1_020)),
        retry_after: Some(RetryAfter::Delay(Duration::from_secs(30))),
        ..RateLimit::default()
    };
    assert_eq!(
        both.retry_not_before(received),
        Some(UNIX_EPOCH + Duration::from_secs(1_030))
    );
    let only_at = RateLimit {
        retry_at: Some(UNIX_EPOCH + Duration::from_secs(1_020)),
        ..RateLimit::default()
    };
    assert_eq!(
        only_at.retry_not_before(received),
        Some(UNIX_EPOCH + Duration::from_secs(1_020))
    );
    assert_eq!(RateLimit::default().retry_not_before(received), None);
}

#[test]
fn unreadable_rate_limit_headers_are_none() {
    let headers = [
        ("retry-after", "soon"),
        ("x-rate-limit-limit", "-1"),
        ("x-rate-limit-remaining", "lots"),
        ("x-rate-limit-retry", "99999999999999999999999"),
    ];
    let error =
        error_for_all(|| response_with(429, Some("application/json"), &headers, TOO_MANY_429));
    assert_eq!(error.rate_limit, RateLimit::default());
}

#[test]
fn huge_rate_limit_retry_does_not_panic() {
    let headers = [("x-rate-limit-retry", "18446744073709551615")];
    let error =
        error_for_all(|| response_with(429, Some("application/json"), &headers, TOO_MANY_429));
    let _ = error.rate_limit.retry_not_before(UNIX_EPOCH);
}

// ---- the error body ------------------------------------------------------------------------

#[test]
fn every_optional_field_of_the_error_body_is_read() {
    let body = br#"{"code":400,"key":"voucher_expired","message":"Voucher expired",
        "details":"Voucher expired on 2024-01-01","request_id":"v-0a885062c80375740f",
        "resource_id":"rf_0c5d710a87c8a31f86","resource_type":"voucher",
        "error":{"message":"Only for VIPs"},"unexpected":[1,2,3]}"#;
    let error = error_for_all(|| json(400, body));
    assert_eq!(
        error.key,
        Some(ErrorKey::Other("voucher_expired".to_owned()))
    );
    assert_eq!(error.key.as_ref().unwrap().as_str(), "voucher_expired");
    assert_eq!(
        error.details.as_deref(),
        Some("Voucher expired on 2024-01-01")
    );
    assert_eq!(error.request_id.as_deref(), Some("v-0a885062c80375740f"));
    assert_eq!(error.resource_id.as_deref(), Some("rf_0c5d710a87c8a31f86"));
    assert_eq!(error.resource_type.as_deref(), Some("voucher"));
    assert_eq!(
        error.error,
        Some(ErrorDetail {
            message: Some("Only for VIPs".to_owned())
        })
    );
}

#[test]
fn a_500_with_a_json_error_body_is_typed() {
    let body = br#"{"code":500,"message":"Internal error"}"#;
    let error = error_for_all(|| json(500, body));
    assert_eq!(error.code, 500);
}

#[test]
fn an_error_body_without_code_names_what_is_missing() {
    let error = api()
        .revoke(&AccessToken::new(SPEC_TOKEN))
        .unwrap()
        .parse(json(401, br#"{"message":"Unauthorized"}"#))
        .unwrap_err();
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, ".");
    assert_eq!(message, "missing field `code`");
    assert_eq!(error.raw.status(), 401);
}

#[test]
fn an_error_code_of_the_wrong_type_names_the_field() {
    let error = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(json(400, br#"{"code":"400","message":"x"}"#))
        .unwrap_err();
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "code");
}

// ---- statuses and content types nobody documented -------------------------------------------

#[test]
fn a_500_sent_as_html_is_untyped_and_keeps_the_body() {
    let make = || response(500, Some("text/html"), HTML);
    untyped_for_all(
        make,
        Unrecognized::UnexpectedContentType {
            expected: "application/json",
        },
    );
    let outcome = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(make())
        .unwrap();
    assert_eq!(outcome.status(), 500);
    assert_eq!(outcome.content_type(), Some("text/html"));
    assert_eq!(outcome.raw().body(), HTML);
    let error = outcome.into_result().unwrap_err();
    assert_eq!(
        error.to_string(),
        "HTTP 500 Internal Server Error with content type \"text/html\" instead of application/json"
    );
}

#[test]
fn a_200_sent_as_html_is_untyped() {
    let reads = read_by_all(|| response(200, Some("text/html; charset=utf-8"), HTML));
    let mismatch = Read::Unrecognized(Unrecognized::UnexpectedContentType {
        expected: "application/json",
    });
    assert_eq!(reads[0], ("generate", mismatch));
    let mismatch = Read::Unrecognized(Unrecognized::UnexpectedContentType {
        expected: "application/json",
    });
    assert_eq!(reads[1], ("introspect", mismatch));
    // Revoke documents no 200 at all.
    assert_eq!(
        reads[2],
        (
            "revoke",
            Read::Unrecognized(Unrecognized::UndocumentedStatus)
        )
    );
}

#[test]
fn a_200_without_a_content_type_is_untyped_and_keeps_the_body() {
    let outcome = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(response(200, None, TOKEN_200))
        .unwrap();
    assert_eq!(
        outcome.parsed(),
        &Parsed::Unrecognized(Unrecognized::UnexpectedContentType {
            expected: "application/json"
        })
    );
    assert_eq!(outcome.content_type(), None);
    assert_eq!(outcome.raw().body(), TOKEN_200);
}

#[test]
fn an_error_without_a_content_type_is_untyped() {
    untyped_for_all(
        || response(401, None, UNAUTHORIZED_401),
        Unrecognized::UnexpectedContentType {
            expected: "application/json",
        },
    );
}

#[test]
fn json_error_with_charset_and_upper_case_type_is_typed() {
    for content_type in [
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        " Application/Json ;charset=UTF-8",
    ] {
        let error = error_for_all(|| response(401, Some(content_type), UNAUTHORIZED_401));
        assert_eq!(error.key, Some(ErrorKey::Unauthorized), "{content_type}");
    }
}

#[test]
fn a_302_is_undocumented_and_keeps_headers_and_body() {
    let make = || {
        response_with(
            302,
            Some("text/html"),
            &[("location", "https://elsewhere.example/")],
            b"moved",
        )
    };
    untyped_for_all(make, Unrecognized::UndocumentedStatus);
    let outcome = api()
        .introspect(&AccessToken::new(SPEC_TOKEN))
        .unwrap()
        .parse(make())
        .unwrap();
    assert_eq!(
        outcome.raw().headers()["location"],
        "https://elsewhere.example/"
    );
    assert_eq!(outcome.raw().body(), b"moved");
    assert_eq!(
        outcome.into_result().unwrap_err().to_string(),
        "HTTP 302 Found, which the API does not document here"
    );
}

#[test]
fn a_201_is_undocumented() {
    untyped_for_all(|| json(201, TOKEN_200), Unrecognized::UndocumentedStatus);
}

#[test]
fn a_204_is_undocumented_for_generate_and_introspect() {
    let reads = read_by_all(|| empty(204));
    assert_eq!(
        reads[0],
        (
            "generate",
            Read::Unrecognized(Unrecognized::UndocumentedStatus)
        )
    );
    assert_eq!(
        reads[1],
        (
            "introspect",
            Read::Unrecognized(Unrecognized::UndocumentedStatus)
        )
    );
    assert_eq!(reads[2], ("revoke", Read::Success));
}

#[test]
fn raw_response_round_trips_into_http() {
    let outcome = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(response_with(
            200,
            Some("application/json"),
            &[("x-extra", "1")],
            TOKEN_200,
        ))
        .unwrap();
    let (raw, _) = outcome.into_parts();
    let back = raw.into_http();
    assert_eq!(back.status(), 200);
    assert_eq!(back.headers()["x-extra"], "1");
    assert_eq!(back.body(), TOKEN_200);
}

#[test]
fn a_nested_field_of_the_error_body_is_named_in_the_path() {
    let error = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(json(
            400,
            br#"{"code":400,"message":"x","error":{"message":5}}"#,
        ))
        .unwrap_err();
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "error.message");
}

#[test]
fn a_key_the_model_does_not_know_is_elided_from_the_path() {
    let error = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(json(200, br#"{"x-private-key":{"inner":[1,}}"#))
        .unwrap_err();
    let ParseErrorKind::Json { path, .. } = &error.kind else {
        panic!("{:?}", error.kind)
    };
    assert_eq!(path, "?");
}
