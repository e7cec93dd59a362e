//! `POST /orders/{orderId}/accessToken`: the request, and every documented response.

mod exact_common;

use exact_common::*;
use keycard_core::exact::{
    Api, Environment, OrderErrorCode, OrderErrorDetail, OrderErrorMessage, OrderErrorStatus,
};
use keycard_core::{
    ApiKey, BaseUrl, BuildError, FieldProblem, Operation, ParseErrorKind, Parsed, Unrecognized,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TOKEN_BODY: &str =
    r#"{"accessToken":{"token":"Oyen7ydZcNHrxk4x","expiresAt":"2023-07-26T23:32:32.000Z"}}"#;
/// 2023-07-26T23:32:32Z in Unix seconds.
const EXPIRES: u64 = 1_690_414_352;

fn at(secs: u64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(secs, nanos)
}

// ---- environments and the API key -----------------------------------------------------------

#[test]
fn environments_have_the_documented_base_urls() {
    assert_eq!(Environment::default(), Environment::Sandbox);
    assert_eq!(
        Environment::Sandbox.base_url().as_str(),
        "https://api.exactpaysandbox.com"
    );
    assert_eq!(
        Environment::Production.base_url().as_str(),
        "https://api-p2.exactpay.com"
    );
}

#[test]
fn api_key_must_be_a_header_value() {
    let base = Environment::Sandbox.base_url();
    for bad in ["", "abc\r\nX-Evil: 1", "abc\0", "tab\tkey"] {
        assert_eq!(
            Api::new(base.clone(), ApiKey::new(bad)).unwrap_err(),
            BuildError::InvalidHeaderValue {
                name: "Authorization"
            },
            "{bad:?}"
        );
    }
}

// ---- the request ------------------------------------------------------------------------------

#[test]
fn request_is_a_bodiless_post_with_the_raw_key() {
    for (base, prefix) in bases() {
        let api = Api::new(base, ApiKey::new(API_KEY)).unwrap();
        let op = api
            .create_order_access_token("64b6d9ad24f5773308785e70")
            .unwrap();
        let request = op.request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(
            request.uri().to_string(),
            format!("{prefix}/orders/64b6d9ad24f5773308785e70/accessToken")
        );
        let authorization = &request.headers()["authorization"];
        assert_eq!(authorization, API_KEY, "no Bearer prefix");
        assert!(authorization.is_sensitive());
        assert_eq!(header(&request, "accept"), "application/json");
        assert!(request.headers().get("content-type").is_none());
        assert_eq!(request.headers().len(), 2);
        assert!(request.body().is_empty());
        assert_eq!(op.order_id(), "64b6d9ad24f5773308785e70");
    }
}

#[test]
fn order_ids_are_percent_encoded_path_segments() {
    let cases = [
        ("a/b", "a%2Fb"),
        ("a?b=c", "a%3Fb%3Dc"),
        ("50%", "50%25"),
        ("a b", "a%20b"),
        ("#frag", "%23frag"),
        ("ordér-ü", "ord%C3%A9r-%C3%BC"),
        ("..", "%2E%2E"),
        ("a.b_c~d-e", "a.b_c~d-e"),
    ];
    for (id, encoded) in cases {
        let op = api().create_order_access_token(id).unwrap();
        assert_eq!(
            op.request().uri().to_string(),
            format!("https://api.exactpaysandbox.com/orders/{encoded}/accessToken"),
            "{id:?}"
        );
        assert_eq!(op.order_id(), id);
    }
}

#[test]
fn empty_order_id_is_refused() {
    assert_eq!(
        api().create_order_access_token("").unwrap_err(),
        BuildError::EmptyPathSegment { name: "orderId" }
    );
}

#[test]
fn request_is_the_same_every_time() {
    let op = api().create_order_access_token("o1").unwrap();
    let (a, b) = (op.request(), op.request());
    assert_eq!(a.uri(), b.uri());
    assert_eq!(a.headers(), b.headers());
}

// ---- 201 ------------------------------------------------------------------------------------

fn parse_201(body: &str) -> keycard_core::exact::OrderAccessToken {
    let op = api().create_order_access_token("o1").unwrap();
    let outcome = op.parse(json(201, body)).unwrap();
    assert_eq!(outcome.status(), 201);
    match outcome.parsed() {
        Parsed::Success(token) => token.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn created_token_from_the_spec_example() {
    let token = parse_201(TOKEN_BODY);
    assert_eq!(token.token.expose_secret(), "Oyen7ydZcNHrxk4x");
    assert_eq!(token.expires_at, at(EXPIRES, 0));
}

#[test]
fn expires_at_without_fractional_seconds_and_with_offsets() {
    let body = |t: &str| format!(r#"{{"accessToken":{{"token":"t","expiresAt":"{t}"}}}}"#);
    assert_eq!(
        parse_201(&body("2023-07-26T23:32:32Z")).expires_at,
        at(EXPIRES, 0)
    );
    assert_eq!(
        parse_201(&body("2023-07-27T01:32:32+02:00")).expires_at,
        at(EXPIRES, 0)
    );
    assert_eq!(
        parse_201(&body("2023-07-26T18:32:32.5-05:00")).expires_at,
        at(EXPIRES, 500_000_000)
    );
    assert_eq!(
        parse_201(&body("2023-07-26T23:32:32.123456789Z")).expires_at,
        at(EXPIRES, 123_456_789)
    );
    assert_eq!(
        parse_201(&body("1969-12-31T23:59:59Z")).expires_at,
        UNIX_EPOCH - Duration::from_secs(1)
    );
}

#[test]
fn media_type_is_compared_as_a_media_type() {
    let op = api().create_order_access_token("o1").unwrap();
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        " application/json ;charset=UTF-8",
    ] {
        let outcome = op
            .parse(response(201, content_type, TOKEN_BODY.as_bytes()))
            .unwrap();
        assert!(outcome.success().is_some(), "{content_type}");
    }
}

#[test]
fn success_with_another_content_type_is_untyped() {
    let op = api().create_order_access_token("o1").unwrap();
    let outcome = op
        .parse(response(201, "text/plain", TOKEN_BODY.as_bytes()))
        .unwrap();
    assert_untyped(
        &outcome,
        Unrecognized::UnexpectedContentType {
            expected: "application/json",
        },
    );
    let outcome = op
        .parse(response_with(201, None, &[], TOKEN_BODY.as_bytes()))
        .unwrap();
    assert!(outcome.success().is_none());
}

#[test]
fn malformed_json_names_the_path() {
    let op = api().create_order_access_token("o1").unwrap();
    let cases = [
        (
            r#"{"accessToken":{"token":"t","expiresAt":1690414352}}"#,
            "accessToken.expiresAt",
        ),
        (
            r#"{"accessToken":{"token":42,"expiresAt":"2023-07-26T23:32:32Z"}}"#,
            "accessToken.token",
        ),
        (r#"{"accessToken":{"token":"t"}}"#, "accessToken"),
        (r#"{"token":"t"}"#, "."),
        ("not json", "."),
        ("", "."),
        (&format!("{TOKEN_BODY} trailing"), "."),
    ];
    for (body, path) in cases {
        let error = op.parse(json(201, body)).unwrap_err();
        assert_eq!(json_path(&error), path, "{body}");
        assert_eq!(error.raw.status(), 201);
        assert_eq!(error.raw.body(), body.as_bytes(), "the raw body is kept");
    }
}

#[test]
fn expires_at_that_is_not_rfc3339_is_an_invalid_field() {
    let op = api().create_order_access_token("o1").unwrap();
    for value in [
        "2023-07-26 23:32:32",
        "2023-07-26T23:32:32",
        "1690414352",
        "",
        "2023-13-26T23:32:32Z",
    ] {
        let body = format!(r#"{{"accessToken":{{"token":"t","expiresAt":"{value}"}}}}"#);
        let error = op.parse(json(201, &body)).unwrap_err();
        assert_eq!(
            error.kind,
            ParseErrorKind::InvalidField {
                field: "accessToken.expiresAt",
                problem: FieldProblem::NotRfc3339
            },
            "{value}"
        );
    }
}

#[test]
fn token_that_cannot_go_in_a_header_is_refused() {
    let op = api().create_order_access_token("o1").unwrap();
    for token in [
        "ab\\r\\ncd",
        "ab\\ncd",
        "a b",
        "",
        "tok\\u00e9n",
        "a\\u0000",
    ] {
        let body = format!(
            r#"{{"accessToken":{{"token":"{token}","expiresAt":"2023-07-26T23:32:32Z"}}}}"#
        );
        let error = op.parse(json(201, &body)).unwrap_err();
        assert_eq!(
            error.kind,
            ParseErrorKind::InvalidField {
                field: "accessToken.token",
                problem: FieldProblem::NotHeaderSafe
            },
            "{token}"
        );
    }
}

// ---- errors ---------------------------------------------------------------------------------

fn parse_error(status: u16, body: &str) -> keycard_core::exact::OrderError {
    let op = api().create_order_access_token("o1").unwrap();
    let outcome = op.parse(json(status, body)).unwrap();
    assert_eq!(outcome.status(), status);
    match outcome.parsed() {
        Parsed::Error(error) => error.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn forbidden_from_the_spec_example() {
    let error = parse_error(
        403,
        r#"{"code":"payments-forbidden-error","message":"You do not have permission to access this resource.","type":"authorization-error","requestId":"bcc78633-cd09-4e7d-8f3b-d593fdc1439c"}"#,
    );
    assert_eq!(error.status, OrderErrorStatus::Forbidden);
    assert_eq!(error.code, Some(OrderErrorCode::PaymentsForbidden));
    assert_eq!(error.message, Some(OrderErrorMessage::NoPermission));
    assert_eq!(error.error_type.as_deref(), Some("authorization-error"));
    assert_eq!(
        error.request_id.as_deref(),
        Some("bcc78633-cd09-4e7d-8f3b-d593fdc1439c")
    );
    assert!(error.details.is_empty());
    assert_eq!(
        error.to_string(),
        "You do not have permission to access this resource (payments-forbidden-error)"
    );
}

#[test]
fn forbidden_messages_match_with_or_without_a_final_period() {
    for (message, expected) in [
        (
            "You do not have permission to access this resource",
            OrderErrorMessage::NoPermission,
        ),
        (
            "You do not have permission to access this resource.",
            OrderErrorMessage::NoPermission,
        ),
        ("Account not found", OrderErrorMessage::AccountNotFound),
        ("Account not found.", OrderErrorMessage::AccountNotFound),
    ] {
        let error = parse_error(
            403,
            &format!(r#"{{"code":"order-forbidden-error","message":"{message}"}}"#),
        );
        assert_eq!(error.code, Some(OrderErrorCode::OrderForbidden));
        assert_eq!(error.message, Some(expected), "{message}");
    }
}

#[test]
fn unknown_codes_and_messages_are_kept() {
    let error = parse_error(
        403,
        r#"{"code":"brand-new-error","message":"Something else.","type":"x"}"#,
    );
    assert_eq!(
        error.code,
        Some(OrderErrorCode::Other("brand-new-error".into()))
    );
    assert_eq!(error.code.as_ref().map(|c| c.is_known()), Some(false));
    assert_eq!(
        error.message,
        Some(OrderErrorMessage::Other("Something else.".into()))
    );
    assert_eq!(error.message.unwrap().as_str(), "Something else.");
    // Only the final period is forgiven.
    let error = parse_error(403, r#"{"message":"account not found"}"#);
    assert_eq!(
        error.message,
        Some(OrderErrorMessage::Other("account not found".into()))
    );
}

#[test]
fn every_field_is_optional() {
    for status in [403, 404, 500, 503] {
        let error = parse_error(status, "{}");
        assert_eq!(error.code, None);
        assert_eq!(error.message, None);
        assert_eq!(error.error_type, None);
        assert_eq!(error.request_id, None);
        assert!(error.details.is_empty());
        assert_eq!(error.status.status_code(), status);
    }
    assert_eq!(parse_error(403, "{}").to_string(), "forbidden");
}

#[test]
fn not_found_from_the_spec_with_metadata_messages() {
    let error = parse_error(
        404,
        r#"{"type":"api-error","code":"order-validation-error","message":"Failed to get order details.","requestId":"bcc78633-cd09-4e7d-8f3b-d593fdc1439c","metadata":{"message":{"messages":["Unable to find specified order.","Order does not exist","Something new."]}}}"#,
    );
    assert_eq!(error.status, OrderErrorStatus::NotFound);
    assert_eq!(
        error.code,
        Some(OrderErrorCode::Other("order-validation-error".into()))
    );
    assert_eq!(
        error.message,
        Some(OrderErrorMessage::FailedToGetOrderDetails)
    );
    assert_eq!(error.error_type.as_deref(), Some("api-error"));
    assert_eq!(
        error.details,
        [
            OrderErrorDetail::UnableToFindOrder,
            OrderErrorDetail::OrderDoesNotExist,
            OrderErrorDetail::Other("Something new.".into()),
        ]
    );
    let error = parse_error(404, r#"{"message":"Failed to create an access token."}"#);
    assert_eq!(
        error.message,
        Some(OrderErrorMessage::FailedToCreateAccessToken)
    );
    let error = parse_error(404, r#"{"metadata":{}}"#);
    assert!(error.details.is_empty());
}

#[test]
fn server_errors_from_the_spec_examples() {
    let error = parse_error(
        500,
        r#"{"code":"unhandled","message":"CastError: Cast to ObjectId failed for value \"645d2a4bd0f3388adde2b3e\" (type string) at path \"_id\" for model \"Transaction\"\n    at ObjectId.cast.","type":"system-error","requestId":"bcc78633-cd09-4e7d-8f3b-d593fdc1439c"}"#,
    );
    assert_eq!(error.status, OrderErrorStatus::InternalServerError);
    assert_eq!(error.code, Some(OrderErrorCode::Other("unhandled".into())));
    assert!(
        matches!(&error.message, Some(OrderErrorMessage::Other(m)) if m.starts_with("CastError"))
    );
    assert_eq!(error.error_type.as_deref(), Some("system-error"));
    assert!(!error.to_string().contains('\n'), "Display is one line");

    let error = parse_error(
        503,
        r#"{"code":"unhandled","message":"Service Unavailable","type":"custom-error","requestId":"r"}"#,
    );
    assert_eq!(error.status, OrderErrorStatus::ServiceUnavailable);
    assert_eq!(
        error.message,
        Some(OrderErrorMessage::Other("Service Unavailable".into()))
    );
    assert_eq!(error.request_id.as_deref(), Some("r"));
}

#[test]
fn error_body_with_wrong_types_names_the_path() {
    let op = api().create_order_access_token("o1").unwrap();
    let error = op
        .parse(json(
            404,
            r#"{"metadata":{"message":{"messages":["ok", 7]}}}"#,
        ))
        .unwrap_err();
    assert_eq!(json_path(&error), "metadata.message.messages[1]");
    let error = op.parse(json(403, r#"{"code":403}"#)).unwrap_err();
    assert_eq!(json_path(&error), "code");
}

#[test]
fn html_error_page_is_untyped_and_kept() {
    let op = api().create_order_access_token("o1").unwrap();
    let html = b"<html><body>502 Bad Gateway</body></html>";
    for status in [403, 404, 500, 503] {
        let outcome = op.parse(response(status, "text/html", html)).unwrap();
        assert_untyped(
            &outcome,
            Unrecognized::UnexpectedContentType {
                expected: "application/json",
            },
        );
        assert_eq!(outcome.raw().body(), html);
        assert_eq!(outcome.content_type(), Some("text/html"));
    }
}

#[test]
fn undocumented_statuses_are_untyped() {
    let op = api().create_order_access_token("o1").unwrap();
    for status in [200, 204, 400, 401, 418, 429, 502] {
        let outcome = op
            .parse(response_with(
                status,
                Some("application/json"),
                &[("x-request-id", "abc")],
                b"{\"code\":\"x\"}",
            ))
            .unwrap();
        assert_untyped(&outcome, Unrecognized::UndocumentedStatus);
        assert_eq!(outcome.status(), status);
        assert_eq!(outcome.raw().headers()["x-request-id"], "abc");
        assert_eq!(outcome.raw().body(), b"{\"code\":\"x\"}");
    }
}

#[test]
fn into_result_gives_an_api_error() {
    let op = api().create_order_access_token("o1").unwrap();
    let error = op
        .parse(json(
            403,
            r#"{"code":"order-forbidden-error","message":"Account not found."}"#,
        ))
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_eq!(error.status(), 403);
    assert_eq!(
        error.to_string(),
        "HTTP 403 Forbidden: Account not found (order-forbidden-error)"
    );
    let token = op
        .parse(json(201, TOKEN_BODY))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(token.expires_at, at(EXPIRES, 0));
}

#[test]
fn custom_base_with_a_prefix() {
    let api = Api::new(
        BaseUrl::parse("http://127.0.0.1:8080/exact").unwrap(),
        ApiKey::new(API_KEY),
    )
    .unwrap();
    assert_eq!(
        api.create_order_access_token("o 1")
            .unwrap()
            .request()
            .uri(),
        "http://127.0.0.1:8080/exact/orders/o%201/accessToken"
    );
    assert_eq!(api.base_url().as_str(), "http://127.0.0.1:8080/exact");
}
