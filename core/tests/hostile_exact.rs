//! Hostile responses to the Exact Payments operations, through the public parsing API: each
//! gives one exact typed answer (a `ParseErrorKind`, a typed error or an `Unrecognized` reason) and
//! keeps the response whole. The everyday malformations are in `exact_*.rs`.

use keycard_core::exact::{
    Api, ApplicationTokenError, CreateApplicationToken, CreateOrderAccessToken, CreateUserToken,
    DeleteApplicationToken, Deleted, Environment, ListApplicationTokens, ListQuery, OrderError,
    OrderErrorStatus, Permission, Permissions, UserCredentials, UserTokenError,
};
use keycard_core::{
    ApiKey, FieldProblem, Operation, ParseError, ParseErrorKind, Parsed, Password, Unrecognized,
};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain";

fn api() -> Api {
    Api::new(Environment::Sandbox.base_url(), ApiKey::new("api-key")).unwrap()
}

fn order() -> CreateOrderAccessToken {
    api().create_order_access_token("ord_1").unwrap()
}

fn login() -> CreateUserToken {
    CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("a@example.com", Password::new("pw")),
    )
    .unwrap()
}

fn create_app_token() -> CreateApplicationToken {
    api()
        .create_application_token(
            "app",
            "label",
            &Permissions::from([Permission::ChargesCreate]),
            None,
        )
        .unwrap()
}

fn list() -> ListApplicationTokens {
    api()
        .list_application_tokens("app", &ListQuery::new())
        .unwrap()
}

fn delete() -> DeleteApplicationToken {
    api().delete_application_token("app", "tok").unwrap()
}

fn response(status: u16, content_type: Option<&str>, body: &[u8]) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    builder.body(body.to_vec()).unwrap()
}

fn order_body(token: &str, expires_at: &str) -> String {
    format!(r#"{{"accessToken":{{"token":{token},"expiresAt":{expires_at}}}}}"#)
}

#[track_caller]
fn order_error(body: &[u8]) -> ParseErrorKind {
    let error: ParseError = order()
        .parse(response(201, Some(JSON), body))
        .expect_err("a hostile body must not parse");
    assert_eq!(error.raw.body(), body, "the raw body is kept");
    assert_eq!(error.raw.status(), 201);
    error.kind
}

fn json_error(path: &str, line: usize, column: usize, message: &str) -> ParseErrorKind {
    ParseErrorKind::Json {
        path: path.to_owned(),
        line,
        column,
        message: message.to_owned(),
    }
}

fn invalid(field: &'static str, problem: FieldProblem) -> ParseErrorKind {
    ParseErrorKind::InvalidField { field, problem }
}

fn column_after(body: &str, needle: &str) -> usize {
    body.find(needle).expect("needle in body") + needle.len()
}

#[track_caller]
fn typed<T: std::fmt::Debug + Clone, E: std::fmt::Debug + Clone>(
    result: Result<keycard_core::Outcome<T, E>, ParseError>,
) -> Parsed<T, E> {
    result.expect("a typed outcome").parsed().clone()
}

const NGINX: &str = "<html>\r\n<head><title>{status}</title></head>\r\n<body><center><h1>{status}</h1></center><hr><center>nginx</center></body>\r\n</html>\r\n";

// ---- order access token: the body ------------------------------------------------------------

#[test]
fn order_token_with_a_byte_order_mark_is_refused() {
    let body = [
        b"\xEF\xBB\xBF".as_slice(),
        order_body("\"t\"", "\"2023-07-26T23:32:32Z\"").as_bytes(),
    ]
    .concat();
    assert_eq!(order_error(&body), json_error(".", 1, 1, "expected value"));
}

#[test]
fn order_token_with_an_empty_body_is_an_eof() {
    assert_eq!(
        order_error(b""),
        json_error(".", 1, 0, "EOF while parsing a value")
    );
}

#[test]
fn order_token_with_a_duplicate_token_key_is_refused() {
    let body = r#"{"accessToken":{"token":"a","token":"b","expiresAt":"2023-07-26T23:32:32Z"}}"#;
    assert_eq!(
        order_error(body.as_bytes()),
        json_error(
            "accessToken",
            1,
            column_after(body, r#""token":"a","token""#),
            "duplicate field `token`"
        )
    );
}

#[test]
fn order_token_with_crlf_is_refused() {
    let body = order_body(r#""abc\r\nSet-Cookie: x=y""#, "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        order_error(body.as_bytes()),
        invalid("accessToken.token", FieldProblem::NotHeaderSafe)
    );
}

#[test]
fn order_token_with_a_nul_is_refused() {
    let body = order_body(r#""abc\u0000""#, "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        order_error(body.as_bytes()),
        invalid("accessToken.token", FieldProblem::NotHeaderSafe)
    );
}

#[test]
fn order_token_of_only_a_space_is_refused() {
    let body = order_body(r#"" ""#, "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        order_error(body.as_bytes()),
        invalid("accessToken.token", FieldProblem::NotHeaderSafe)
    );
}

#[test]
fn order_token_as_null_is_the_wrong_type() {
    let body = order_body("null", "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        order_error(body.as_bytes()),
        json_error(
            "accessToken.token",
            1,
            column_after(&body, "null"),
            "invalid type: null, expected a string"
        )
    );
}

#[test]
fn order_error_body_in_a_201_is_a_missing_token() {
    let body = r#"{"code":"order-forbidden-error","message":"Account not found"}"#;
    assert_eq!(
        order_error(body.as_bytes()),
        json_error(".", 1, body.len(), "missing field `accessToken`")
    );
}

// ---- order access token: RFC 3339 ------------------------------------------------------------

#[track_caller]
fn assert_not_rfc3339(expires_at: &str) {
    let body = order_body("\"t\"", &serde_json::to_string(expires_at).unwrap());
    assert_eq!(
        order_error(body.as_bytes()),
        invalid("accessToken.expiresAt", FieldProblem::NotRfc3339),
        "expiresAt = {expires_at:?}"
    );
}

#[test]
fn expires_at_with_a_trailing_line_break_is_refused() {
    assert_not_rfc3339("2023-07-26T23:32:32Z\r\n");
}

#[test]
fn expires_at_with_leading_space_is_refused() {
    assert_not_rfc3339(" 2023-07-26T23:32:32Z");
}

#[test]
fn expires_at_with_an_offset_of_24_hours_is_refused() {
    assert_not_rfc3339("2023-07-26T23:32:32+24:00");
}

#[test]
fn expires_at_in_year_10000_is_refused() {
    assert_not_rfc3339("+10000-01-01T00:00:00Z");
}

#[test]
fn expires_at_on_february_30_is_refused() {
    assert_not_rfc3339("2023-02-30T00:00:00Z");
}

#[test]
fn expires_at_with_an_empty_fraction_is_refused() {
    assert_not_rfc3339("2023-07-26T23:32:32.Z");
}

#[test]
fn expires_at_with_a_thousand_digit_fraction_is_read_to_the_nanosecond() {
    let value = format!("2023-07-26T23:32:32.{}Z", "1".repeat(1000));
    let body = order_body("\"t\"", &format!("\"{value}\""));
    let token = typed(order().parse(response(201, Some(JSON), body.as_bytes())));
    let Parsed::Success(token) = token else {
        panic!("{token:?}")
    };
    let since_epoch = token
        .expires_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert_eq!(since_epoch.as_secs(), 1_690_414_352);
    assert_eq!(since_epoch.subsec_nanos(), 111_111_111);
}

#[test]
fn expires_at_as_a_number_beyond_f64_is_out_of_range() {
    let body = order_body("\"t\"", "1e400");
    assert_eq!(
        order_error(body.as_bytes()),
        json_error(
            "accessToken.expiresAt",
            1,
            column_after(&body, "1e400"),
            "number out of range"
        )
    );
}

// ---- order access token: content types and proxies -------------------------------------------

#[test]
fn order_token_as_text_plain_is_untyped() {
    let body = order_body("\"t\"", "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        typed(order().parse(response(201, Some(TEXT), body.as_bytes()))),
        Parsed::Unrecognized(Unrecognized::UnexpectedContentType { expected: JSON })
    );
}

#[test]
fn order_token_without_a_content_type_is_untyped() {
    let body = order_body("\"t\"", "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        typed(order().parse(response(201, None, body.as_bytes()))),
        Parsed::Unrecognized(Unrecognized::UnexpectedContentType { expected: JSON })
    );
}

#[test]
fn order_token_with_200_instead_of_201_is_undocumented() {
    let body = order_body("\"t\"", "\"2023-07-26T23:32:32Z\"");
    assert_eq!(
        typed(order().parse(response(200, Some(JSON), body.as_bytes()))),
        Parsed::Unrecognized(Unrecognized::UndocumentedStatus)
    );
}

#[test]
fn proxy_pages_on_order_502_and_504_are_undocumented_and_503_is_the_wrong_type() {
    for (status, expected) in [
        (502, Unrecognized::UndocumentedStatus),
        (503, Unrecognized::UnexpectedContentType { expected: JSON }),
        (504, Unrecognized::UndocumentedStatus),
    ] {
        let page = NGINX.replace("{status}", &status.to_string());
        let outcome = order()
            .parse(response(status, Some("text/html"), page.as_bytes()))
            .unwrap();
        assert_eq!(
            outcome.parsed(),
            &Parsed::Unrecognized(expected),
            "{status}"
        );
        assert_eq!(outcome.raw().body(), page.as_bytes());
    }
}

#[test]
fn order_503_that_claims_json_but_sends_html_is_a_json_error() {
    let page = NGINX.replace("{status}", "503");
    let error = order()
        .parse(response(503, Some(JSON), page.as_bytes()))
        .unwrap_err();
    assert_eq!(error.kind, json_error(".", 1, 1, "expected value"));
}

#[test]
fn order_404_with_a_depth_bomb_in_its_metadata_is_refused() {
    let body = format!(
        r#"{{"code":"x","metadata":{{"message":{{"messages":{}"#,
        "[".repeat(100_000)
    );
    let error = order()
        .parse(response(404, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(
        error.kind,
        json_error(
            "metadata.message.messages[0]",
            1,
            column_after(&body, "\"messages\":[[") - 1,
            "invalid type: sequence, expected a string"
        )
    );
}

#[test]
fn order_403_with_an_empty_object_is_the_bare_typed_error() {
    let outcome = typed(order().parse(response(403, Some(JSON), b"{}")));
    assert_eq!(
        outcome,
        Parsed::Error(OrderError {
            status: OrderErrorStatus::Forbidden,
            code: None,
            message: None,
            error_type: None,
            request_id: None,
            details: vec![],
        })
    );
}

// ---- user token -------------------------------------------------------------------------------

#[test]
fn user_token_with_a_next_line_character_is_refused() {
    let error = login()
        .parse(response(201, Some(JSON), br#"{"token":"abc\u0085def"}"#))
        .unwrap_err();
    assert_eq!(error.kind, invalid("token", FieldProblem::NotHeaderSafe));
}

#[test]
fn user_token_validation_error_with_a_depth_bomb_in_a_path_hits_the_recursion_limit() {
    // `path` items are kept as JSON text whatever they are, so they go through `Value`, whose
    // reader stops at serde_json's recursion limit (128 levels, counting the four around it)
    // instead of overflowing the stack; the path is bounded by the same limit.
    let body = format!(r#"{{"issues":[{{"path":[{}"#, "[".repeat(10_000));
    let error = login()
        .parse(response(400, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(
        error.kind,
        json_error(
            &format!("issues[0].path{}", "[0]".repeat(124)),
            1,
            column_after(&body, &format!("\"path\":[{}", "[".repeat(124))),
            "recursion limit exceeded"
        )
    );
}

#[test]
fn user_token_423_with_a_megabyte_of_text_keeps_it_and_displays_one_short_line() {
    let text = "locked\r\n".repeat(131_072);
    let outcome = typed(login().parse(response(423, Some(TEXT), text.as_bytes())));
    let Parsed::Error(UserTokenError::Locked(kept)) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(kept, &text);
    let display = UserTokenError::Locked(kept.clone()).to_string();
    assert!(display.starts_with("locked: locked  locked"), "{display}");
    assert!(display.chars().count() <= 230, "{}", display.len());
    assert!(!display.contains(['\r', '\n']));
}

#[test]
fn user_token_201_with_a_bom_is_refused() {
    let error = login()
        .parse(response(
            201,
            Some(JSON),
            &[b"\xEF\xBB\xBF".as_slice(), br#"{"token":"t"}"#].concat(),
        ))
        .unwrap_err();
    assert_eq!(error.kind, json_error(".", 1, 1, "expected value"));
}

// ---- application tokens ---------------------------------------------------------------------

#[test]
fn application_token_with_a_vertical_tab_is_refused() {
    let error = create_app_token()
        .parse(response(
            201,
            Some(JSON),
            br#"{"id":"i","token":"a\u000bb"}"#,
        ))
        .unwrap_err();
    assert_eq!(error.kind, invalid("token", FieldProblem::NotHeaderSafe));
}

#[test]
fn application_token_401_that_is_not_utf8_is_refused() {
    let error = create_app_token()
        .parse(response(401, Some(TEXT), b"Unauthori\xC0zed"))
        .unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::NotUtf8);
}

#[test]
fn list_total_count_with_non_visible_bytes_is_invalid() {
    let response = http::Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, JSON)
        .header(
            "x-total-count",
            http::HeaderValue::from_bytes(b"2\xA05").unwrap(),
        )
        .body(b"[]".to_vec())
        .unwrap();
    let error = list().parse(response).unwrap_err();
    assert_eq!(error.kind, invalid("x-total-count", FieldProblem::Invalid));
}

#[test]
fn list_with_a_hundred_thousand_empty_items_names_the_first() {
    let body = format!("[{}{{}}]", "{},".repeat(99_999));
    let error = list()
        .parse(response(200, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(error.kind, json_error("[0]", 1, 3, "missing field `id`"));
}

#[test]
fn list_401_with_non_utf8_bytes_and_no_content_type_is_kept_as_lossy_text() {
    let outcome = typed(list().parse(response(401, None, b"\xFF\xFEdenied")));
    assert_eq!(
        outcome,
        Parsed::Error(ApplicationTokenError::Unauthorized(
            "\u{FFFD}\u{FFFD}denied".into()
        ))
    );
}

#[test]
fn delete_204_ignores_a_garbage_body() {
    let outcome = typed(delete().parse(response(204, Some(JSON), b"\x00\xFF{")));
    assert_eq!(outcome, Parsed::Success(Deleted));
}

#[test]
fn delete_502_from_a_proxy_is_undocumented() {
    let page = NGINX.replace("{status}", "502");
    let outcome = typed(delete().parse(response(502, Some("text/html"), page.as_bytes())));
    assert_eq!(
        outcome,
        Parsed::Unrecognized(Unrecognized::UndocumentedStatus)
    );
}

#[test]
fn delete_503_from_a_proxy_is_the_wrong_type() {
    let page = NGINX.replace("{status}", "503");
    let outcome = typed(delete().parse(response(503, Some("text/html"), page.as_bytes())));
    assert_eq!(
        outcome,
        Parsed::Unrecognized(Unrecognized::UnexpectedContentType { expected: TEXT })
    );
}
