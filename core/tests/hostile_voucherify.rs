//! Hostile responses to the Voucherify operations, through the public parsing API: whatever a
//! server, a proxy or an attacker in between sends, the parser gives back one exact typed answer
//! (a `ParseErrorKind`, a typed error or an `Unrecognized` reason) and keeps the response whole.
//!
//! The everyday malformations (a missing field, a truncated body, `expires_in` as a string, a
//! duplicate key, …) are in `voucherify_*.rs`; these are the ones an adversary picks.

use keycard_core::voucherify::{
    Api, Credentials, Error, ErrorKey, GenerateToken, Introspect, Introspection, RateLimit, Region,
    Revocation, Revoke, Scope, Scopes,
};
use keycard_core::{
    AccessToken, FieldProblem, Operation, ParseError, ParseErrorKind, Parsed, RetryAfter,
    SecretKey, Unrecognized,
};
use std::time::{Duration, UNIX_EPOCH};

const JSON: &str = "application/json";

fn api() -> Api {
    Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-id", SecretKey::new("secret-key")).unwrap(),
    )
}

fn generate() -> GenerateToken {
    api()
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}

fn introspect() -> Introspect {
    api().introspect(&AccessToken::new("tok")).unwrap()
}

fn revoke() -> Revoke {
    api().revoke(&AccessToken::new("tok")).unwrap()
}

fn response(status: u16, content_type: Option<&str>, body: &[u8]) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    builder.body(body.to_vec()).unwrap()
}

/// A token body with one field's JSON text replaced (`""` keeps them all).
fn token_with(field: &str, value: &str) -> String {
    let fields = [
        ("access_token", "\"1ABCde2F\""),
        ("client_id", "\"a1Bc\""),
        ("expires_at", "1738945086"),
        ("expires_in", "900"),
        ("scope", "\"vouchers\""),
        ("token_type", "\"Bearer\""),
    ];
    let inner: Vec<String> = fields
        .iter()
        .map(|(name, default)| {
            let v = if *name == field { value } else { default };
            format!("\"{name}\":{v}")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Where `needle` ends in `body`, as serde_json reports a column (1-based, on line 1).
fn column_after(body: &str, needle: &str) -> usize {
    body.find(needle).expect("needle in body") + needle.len()
}

#[track_caller]
fn generate_error(body: &[u8]) -> ParseError {
    let error = generate()
        .parse(response(200, Some(JSON), body))
        .expect_err("a hostile body must not parse");
    assert_eq!(error.raw.body(), body, "the raw body is kept");
    error
}

fn json_error(path: &str, line: usize, column: usize, message: &str) -> ParseErrorKind {
    ParseErrorKind::Json {
        path: path.to_owned(),
        line,
        column,
        message: message.to_owned(),
    }
}

fn not_header_safe(field: &'static str) -> ParseErrorKind {
    ParseErrorKind::InvalidField {
        field,
        problem: FieldProblem::NotHeaderSafe,
    }
}

#[track_caller]
fn untyped<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<keycard_core::Outcome<T, E>, ParseError>,
) -> Unrecognized {
    match result.expect("untyped, not an error").into_parts().1 {
        Parsed::Unrecognized(untyped) => untyped,
        other => panic!("expected an untyped response, got {other:?}"),
    }
}

// ---- the body is not JSON, or not the model --------------------------------------------------

#[test]
fn a_byte_order_mark_before_the_json_is_refused_at_the_first_byte() {
    let body = [b"\xEF\xBB\xBF".as_slice(), token_with("", "").as_bytes()].concat();
    assert_eq!(
        generate_error(&body).kind,
        json_error(".", 1, 1, "expected value")
    );
}

#[test]
fn a_whitespace_only_body_is_an_eof() {
    assert_eq!(
        generate_error(b" \r\n\t").kind,
        json_error(".", 2, 1, "EOF while parsing a value")
    );
}

#[test]
fn a_null_body_is_the_wrong_type() {
    assert_eq!(
        generate_error(b"null").kind,
        json_error(".", 1, 4, "invalid type: null, expected struct TokenWire")
    );
}

#[test]
fn an_array_body_is_the_wrong_shape() {
    assert_eq!(
        generate_error(b"[]").kind,
        json_error(
            ".",
            1,
            2,
            "invalid length 0, expected struct TokenWire with 6 elements"
        )
    );
}

#[test]
fn non_utf8_bytes_outside_strings_are_refused() {
    assert_eq!(
        generate_error(b"\xFF\xFE{}").kind,
        json_error(".", 1, 1, "expected value")
    );
}

#[test]
fn non_utf8_bytes_inside_the_token_string_are_refused() {
    let body = [
        b"{\"access_token\":\"ab".as_slice(),
        b"\xC3\x28",
        b"\"}".as_slice(),
    ]
    .concat();
    assert_eq!(
        generate_error(&body).kind,
        json_error("access_token", 1, 20, "invalid unicode code point")
    );
}

#[test]
fn a_lone_surrogate_escape_in_the_token_is_refused() {
    let body = token_with("access_token", r#""ab\ud800cd""#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "access_token",
            1,
            column_after(&body, r#"\ud800c"#),
            "unexpected end of hex escape"
        )
    );
}

#[test]
fn a_raw_control_character_inside_a_string_is_refused() {
    let body = token_with("access_token", "\"ab\tcd\"");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "access_token",
            1,
            column_after(&body, "\"ab\t"),
            "control character (\\u0000-\\u001F) found while parsing a string"
        )
    );
}

#[test]
fn nan_is_not_json() {
    let body = token_with("expires_in", "NaN");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "NaN") - 2,
            "expected value"
        )
    );
}

// ---- depth bombs: no stack overflow, no quadratic work ---------------------------------------

#[test]
fn a_depth_bomb_of_arrays_as_the_whole_body_is_refused() {
    let body = "[".repeat(1_000_000);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error("[0]", 1, 1, "invalid type: sequence, expected a string")
    );
}

#[test]
fn a_depth_bomb_of_objects_stops_at_the_recursion_limit() {
    let body = "{\"a\":".repeat(100_000);
    // The key `a` is not one the model knows: the path shows it as `?`.
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error("?", 1, body.len(), "EOF while parsing a value")
    );
}

#[test]
fn a_depth_bomb_in_an_ignored_field_is_skipped_without_recursion() {
    let depth = 200_000;
    let body = format!(
        "{{\"padding\":{}{},{}",
        "[".repeat(depth),
        "]".repeat(depth),
        &token_with("", "")[1..]
    );
    let outcome = generate()
        .parse(response(200, Some(JSON), body.as_bytes()))
        .unwrap();
    let token = outcome
        .success()
        .expect("the token around the bomb is read");
    assert_eq!(token.access_token.expose_secret(), "1ABCde2F");
}

#[test]
fn a_depth_bomb_in_an_error_body_is_refused() {
    let body = format!(
        "{{\"code\":400,\"message\":\"m\",\"error\":{}",
        "[".repeat(50_000)
    );
    let error = generate()
        .parse(response(400, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(
        error.kind,
        // A struct can be sent as an array of its fields: the first (`message`) is found to be
        // an array instead of a string, one level in, and the rest is never read.
        json_error(
            "error[0]",
            1,
            column_after(&body, "\"error\":[[") - 1,
            "invalid type: sequence, expected a string"
        )
    );
}

// ---- numbers ---------------------------------------------------------------------------------

#[test]
fn expires_in_beyond_f64_is_out_of_range() {
    let body = token_with("expires_in", "1e400");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "1e400"),
            "number out of range"
        )
    );
}

#[test]
fn expires_in_in_exponent_form_is_a_float_not_seconds() {
    let body = token_with("expires_in", "9e2");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "9e2"),
            "invalid type: floating point `900.0`, expected i64"
        )
    );
}

#[test]
fn expires_in_of_negative_zero_is_refused() {
    let body = token_with("expires_in", "-0");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "-0"),
            "invalid type: floating point `-0.0`, expected i64"
        )
    );
}

#[test]
fn expires_in_just_past_i64_is_refused() {
    let body = token_with("expires_in", "9223372036854775808");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "9223372036854775808"),
            "invalid value: integer `9223372036854775808`, expected i64"
        )
    );
}

#[test]
fn expires_in_of_i64_max_is_out_of_range() {
    let body = token_with("expires_in", &i64::MAX.to_string());
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        ParseErrorKind::InvalidField {
            field: "expires_in",
            problem: FieldProblem::OutOfRange
        }
    );
}

#[test]
fn expires_at_of_i64_min_is_out_of_range() {
    let body = token_with("expires_at", &i64::MIN.to_string());
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        ParseErrorKind::InvalidField {
            field: "expires_at",
            problem: FieldProblem::OutOfRange
        }
    );
}

#[test]
fn expires_in_of_null_is_the_wrong_type() {
    let body = token_with("expires_in", "null");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_in",
            1,
            column_after(&body, "null"),
            "invalid type: null, expected i64"
        )
    );
}

#[test]
fn expires_at_as_a_string_does_not_quote_the_value() {
    let body = token_with("expires_at", "\"1738945086\"");
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "expires_at",
            1,
            column_after(&body, "\"1738945086\""),
            "invalid type: string \"…\", expected i64"
        )
    );
}

#[test]
fn introspection_with_an_out_of_range_expires_at_is_refused() {
    let body = token_with("expires_at", "253402300800").replacen('{', "{\"active\":true,", 1);
    let error = introspect()
        .parse(response(200, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expires_at",
            problem: FieldProblem::OutOfRange
        }
    );
}

// ---- tokens that could never be sent back ----------------------------------------------------

#[test]
fn a_token_with_crlf_and_a_header_injection_is_refused() {
    let body = token_with("access_token", r#""abc\r\nX-Injected: yes""#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        not_header_safe("access_token")
    );
}

#[test]
fn a_token_with_a_delete_character_is_refused() {
    let body = token_with("access_token", r#""abc\u007fdef""#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        not_header_safe("access_token")
    );
}

#[test]
fn a_token_with_a_no_break_space_is_refused() {
    let body = token_with("access_token", r#""abc\u00a0def""#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        not_header_safe("access_token")
    );
}

#[test]
fn a_token_with_a_zero_width_space_is_refused() {
    let body = token_with("access_token", r#""abc\u200bdef""#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        not_header_safe("access_token")
    );
}

#[test]
fn an_introspected_token_with_a_line_separator_is_refused() {
    let body =
        token_with("access_token", r#""abc\u2028def""#).replacen('{', "{\"active\":true,", 1);
    let error = introspect()
        .parse(response(200, Some(JSON), body.as_bytes()))
        .unwrap_err();
    assert_eq!(error.kind, not_header_safe("access_token"));
}

// ---- the wrong shape or content type ---------------------------------------------------------

#[test]
fn a_scope_sent_as_an_array_is_the_wrong_type() {
    let body = token_with("scope", r#"["vouchers"]"#);
    assert_eq!(
        generate_error(body.as_bytes()).kind,
        json_error(
            "scope",
            1,
            column_after(&body, "\"scope\":[") - 1,
            "invalid type: sequence, expected a string"
        )
    );
}

#[test]
fn text_json_is_not_the_documented_media_type() {
    let result = generate().parse(response(
        200,
        Some("text/json"),
        token_with("", "").as_bytes(),
    ));
    assert_eq!(
        untyped(result),
        Unrecognized::UnexpectedContentType { expected: JSON }
    );
}

#[test]
fn a_json_suffix_media_type_is_not_json() {
    let result = generate().parse(response(
        200,
        Some("application/json-seq"),
        token_with("", "").as_bytes(),
    ));
    assert_eq!(
        untyped(result),
        Unrecognized::UnexpectedContentType { expected: JSON }
    );
}

#[test]
fn a_content_type_with_non_visible_bytes_is_untyped() {
    let response = http::Response::builder()
        .status(200)
        .header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_bytes(b"application/json; x=\xFF").unwrap(),
        )
        .body(token_with("", "").into_bytes())
        .unwrap();
    assert_eq!(
        untyped(generate().parse(response)),
        Unrecognized::UnexpectedContentType { expected: JSON }
    );
}

#[test]
fn the_first_of_two_content_types_decides() {
    let response = http::Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/html")
        .header(http::header::CONTENT_TYPE, JSON)
        .body(token_with("", "").into_bytes())
        .unwrap();
    assert_eq!(
        untyped(generate().parse(response)),
        Unrecognized::UnexpectedContentType { expected: JSON }
    );
}

// ---- proxies -------------------------------------------------------------------------------

const NGINX_502: &[u8] = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[test]
fn proxy_html_pages_on_502_503_504_are_untyped_and_kept() {
    for status in [502, 503, 504] {
        let body = String::from_utf8_lossy(NGINX_502).replace("502", &status.to_string());
        let outcome = generate()
            .parse(response(status, Some("text/html"), body.as_bytes()))
            .unwrap();
        assert_eq!(outcome.status(), status);
        assert_eq!(outcome.raw().body(), body.as_bytes());
        assert_eq!(
            outcome.parsed(),
            &Parsed::Unrecognized(Unrecognized::UnexpectedContentType { expected: JSON }),
            "{status}"
        );
    }
}

#[test]
fn a_proxy_504_that_claims_json_but_sends_html_is_a_json_error() {
    let error = generate()
        .parse(response(504, Some(JSON), NGINX_502))
        .unwrap_err();
    assert_eq!(error.kind, json_error(".", 1, 1, "expected value"));
    assert_eq!(error.raw.status(), 504);
}

#[test]
fn revoke_404_with_an_html_page_is_untyped_not_inactive() {
    let result = revoke().parse(response(404, Some("text/html"), NGINX_502));
    assert_eq!(
        untyped(result),
        Unrecognized::UnexpectedContentType { expected: JSON }
    );
}

#[test]
fn revoke_404_with_a_json_error_body_is_the_typed_error() {
    let outcome = revoke()
        .parse(response(
            404,
            Some(JSON),
            br#"{"code":404,"key":"not_found","message":"Not found"}"#,
        ))
        .unwrap();
    let Parsed::Error(error) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.key, Some(ErrorKey::NotFound));
    assert_eq!(error.code, 404);
}

#[test]
fn revoke_204_ignores_whatever_body_comes_with_it() {
    let outcome = revoke()
        .parse(response(204, Some("text/html"), b"\xFF\xFE garbage"))
        .unwrap();
    assert_eq!(outcome.parsed(), &Parsed::Success(Revocation::Revoked));
}

// ---- error bodies --------------------------------------------------------------------------

#[test]
fn an_error_code_beyond_u16_is_refused() {
    let body = br#"{"code":70000,"message":"m"}"#;
    let error = generate()
        .parse(response(400, Some(JSON), body))
        .unwrap_err();
    assert_eq!(
        error.kind,
        json_error(
            "code",
            1,
            13,
            "invalid value: integer `70000`, expected u16"
        )
    );
}

#[test]
fn a_negative_error_code_is_refused() {
    let body = br#"{"code":-1,"message":"m"}"#;
    let error = generate()
        .parse(response(401, Some(JSON), body))
        .unwrap_err();
    assert_eq!(
        error.kind,
        json_error("code", 1, 10, "invalid value: integer `-1`, expected u16")
    );
}

#[test]
fn an_error_body_with_a_byte_order_mark_is_refused() {
    let body = [
        b"\xEF\xBB\xBF".as_slice(),
        br#"{"code":401,"message":"Unauthorized"}"#,
    ]
    .concat();
    let error = introspect()
        .parse(response(401, Some(JSON), &body))
        .unwrap_err();
    assert_eq!(error.kind, json_error(".", 1, 1, "expected value"));
}

#[test]
fn an_introspection_of_inactive_with_a_token_is_still_inactive() {
    // A server that says inactive but sends token fields (garbage ones): inactive wins, and
    // nothing in the garbage is read.
    let body = br#"{"active":false,"access_token":"a b","expires_in":-1}"#;
    let outcome = introspect().parse(response(200, Some(JSON), body)).unwrap();
    assert_eq!(outcome.parsed(), &Parsed::Success(Introspection::Inactive));
}

// ---- rate-limit headers --------------------------------------------------------------------

fn rate_limit_of(headers: &[(&str, &[u8])]) -> RateLimit {
    let mut builder = http::Response::builder()
        .status(429)
        .header(http::header::CONTENT_TYPE, JSON);
    for (name, value) in headers {
        builder = builder.header(*name, http::HeaderValue::from_bytes(value).unwrap());
    }
    let response = builder
        .body(br#"{"code":429,"message":"Too many requests hit the API too quickly."}"#.to_vec())
        .unwrap();
    let outcome = generate().parse(response).unwrap();
    let Parsed::Error(Error { rate_limit, .. }) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    rate_limit.clone()
}

#[test]
fn hostile_retry_after_values_are_none() {
    for value in [
        &b"-1"[..],
        b"1.5",
        b"+3",
        b"0x10",
        b"3 seconds",
        b"\xFF\xFE",
        b"Wed, 31 Feb 2024 07:28:00 GMT",
        b"Wed, 21 Oct 2015 07:28:00 PST",
        b"",
    ] {
        assert_eq!(
            rate_limit_of(&[("retry-after", value)]).retry_after,
            None,
            "Retry-After: {}",
            String::from_utf8_lossy(value)
        );
    }
}

#[test]
fn an_absurd_retry_after_saturates_and_resolves_without_overflow() {
    let limits = rate_limit_of(&[("retry-after", b"99999999999999999999999999999")]);
    assert_eq!(
        limits.retry_after,
        Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
    );
    let received = UNIX_EPOCH + Duration::from_secs(1_738_945_086);
    let not_before = limits.retry_not_before(received).unwrap();
    assert!(not_before > received);
}

#[test]
fn hostile_rate_limit_numbers_are_none() {
    let limits = rate_limit_of(&[
        ("x-rate-limit-limit", b"-5"),
        ("x-rate-limit-remaining", b"18446744073709551616"),
        ("x-rate-limit-retry", b"1e9"),
    ]);
    assert_eq!(limits, RateLimit::default());
}
