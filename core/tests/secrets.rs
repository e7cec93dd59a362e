//! Secrets never print: a canary goes through every type and error that may hold it, and must
//! never come out of a `Debug` or `Display`.

mod common;

use common::{api, assert_hidden, json, response, APP_ID};
use keycard_core::voucherify::{Api, Credentials, Region, Scope, Scopes};
use keycard_core::{
    AccessToken, ApiKey, BaseUrl, BuildError, Operation, ParseError, Password, SecretKey,
};

const CANARY: &str = "CANARYx7Qz9Lm2Vb4Nc8";

fn api_with_canary_key() -> Api {
    Api::new(
        Region::Europe.base_url(),
        Credentials::new(APP_ID, SecretKey::new(CANARY)).unwrap(),
    )
}

fn token_body(access_token: &str) -> String {
    format!(
        r#"{{"access_token":"{access_token}","client_id":"c","expires_at":1738945086,
            "expires_in":900,"scope":"api","token_type":"Bearer","active":true}}"#
    )
}

#[track_caller]
fn assert_debug_hidden(value: &impl std::fmt::Debug) {
    assert_hidden(&format!("{value:?}"), CANARY);
    assert_hidden(&format!("{value:#?}"), CANARY);
}

#[track_caller]
fn assert_error_hidden(error: &impl std::error::Error) {
    assert_debug_hidden(error);
    assert_hidden(&error.to_string(), CANARY);
}

// ---- secret types ---------------------------------------------------------------------------

#[test]
fn secret_types_redact_debug() {
    assert_debug_hidden(&SecretKey::new(CANARY));
    assert_debug_hidden(&AccessToken::new(CANARY));
    assert_debug_hidden(&ApiKey::new(CANARY));
    assert_debug_hidden(&Password::new(CANARY));
    assert_eq!(
        format!("{:?}", AccessToken::new(CANARY)),
        "AccessToken(<redacted>)"
    );
    assert_eq!(AccessToken::new(CANARY).expose_secret(), CANARY);
}

#[test]
fn credentials_and_api_redact_debug() {
    let api = api_with_canary_key();
    assert_debug_hidden(api.credentials());
    assert_debug_hidden(&api);
    assert!(
        format!("{api:?}").contains(APP_ID),
        "the app id is not a secret"
    );
}

// ---- operations and their requests ----------------------------------------------------------

#[test]
fn generate_token_and_its_request_hide_the_secret_key() {
    let generate = api_with_canary_key()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap();
    assert_debug_hidden(&generate);
    let request = generate.request();
    assert!(request.headers()["x-app-token"].is_sensitive());
    assert_debug_hidden(&request);
    assert!(format!("{request:?}").contains("Sensitive"));
}

#[test]
fn introspect_hides_the_secret_key_and_the_token() {
    let introspect = api_with_canary_key()
        .introspect(&AccessToken::new(CANARY))
        .unwrap();
    assert_debug_hidden(&introspect);
    // `http::Request`'s own Debug prints a `Vec<u8>` body as numbers; only the text form can be
    // checked there.
    let request = format!("{:?}", introspect.request());
    assert!(!request.contains(CANARY), "{request}");
}

#[test]
fn revoke_hides_the_secret_key_and_the_token() {
    let revoke = api_with_canary_key()
        .revoke(&AccessToken::new(CANARY))
        .unwrap();
    assert_debug_hidden(&revoke);
    let request = format!("{:?}", revoke.request());
    assert!(!request.contains(CANARY), "{request}");
}

// ---- parsed responses -----------------------------------------------------------------------

#[test]
fn a_generated_token_and_its_response_hide_the_token() {
    let generate = api().generate_token(&Scopes::from([Scope::Api])).unwrap();
    let outcome = generate
        .parse(json(200, token_body(CANARY).as_bytes()))
        .unwrap();
    let token = outcome.success().unwrap();
    assert_eq!(token.access_token.expose_secret(), CANARY);
    assert_debug_hidden(token);
    assert_debug_hidden(outcome.raw());
    assert_debug_hidden(&outcome);
}

#[test]
fn an_introspection_hides_the_token() {
    let introspect = api().introspect(&AccessToken::new("other")).unwrap();
    let outcome = introspect
        .parse(json(200, token_body(CANARY).as_bytes()))
        .unwrap();
    assert!(outcome.success().unwrap().is_active());
    assert_debug_hidden(outcome.success().unwrap());
    assert_debug_hidden(&outcome);
}

#[test]
fn an_untyped_response_hides_its_body_and_headers() {
    let generate = api().generate_token(&Scopes::from([Scope::Api])).unwrap();
    let raw = http::Response::builder()
        .status(502)
        .header("content-type", "text/html")
        .header("set-cookie", format!("session={CANARY}"))
        .body(format!("<p>{CANARY}</p>").into_bytes())
        .unwrap();
    let outcome = generate.parse(raw).unwrap();
    assert_debug_hidden(&outcome);
    let error = outcome.into_result().unwrap_err();
    assert_error_hidden(&error);
}

// ---- parse errors ---------------------------------------------------------------------------

/// Bodies that are malformed with the canary in a string position.
fn malformed_bodies() -> Vec<(u16, String)> {
    let mut bodies = vec![
        // A token that cannot go in a header.
        (200, token_body(&format!("{CANARY} x"))),
        (200, token_body(&format!("{CANARY}\\r\\n"))),
        // The canary where a number or object is expected.
        (
            200,
            token_body(CANARY).replace("900", &format!("\"{CANARY}\"")),
        ),
        (
            200,
            token_body(CANARY).replace("\"api\"", &format!("{{\"{CANARY}\":1}}")),
        ),
        (200, format!(r#"{{"access_token":["{CANARY}"]}}"#)),
        (200, format!(r#"["{CANARY}"]"#)),
        (200, format!(r#""{CANARY}""#)),
        (
            200,
            format!(r#"{{"access_token":"{CANARY}\"quoted\"","expires_in":"{CANARY}"}}"#),
        ),
        // Truncated inside and right after the canary.
        (200, format!(r#"{{"access_token":"{CANARY}"#)),
        (200, format!(r#"{{"access_token":"{CANARY}""#)),
        // Trailing bytes after a valid token.
        (200, format!("{} {CANARY}", token_body(CANARY))),
        // A bad escape and a raw control character inside the canary string.
        (200, format!(r#"{{"access_token":"{CANARY}\q"}}"#)),
        (200, format!("{{\"access_token\":\"{CANARY}\u{1}\"}}")),
        // Duplicates.
        (
            200,
            format!(r#"{{"access_token":"{CANARY}","access_token":"{CANARY}"}}"#),
        ),
        // The canary as a key, where the document breaks inside its value.
        (200, format!(r#"{{"{CANARY}":[1,}}"#)),
        (200, format!(r#"{{"{CANARY}":{{"{CANARY}":tru}}}}"#)),
        // Error bodies.
        (401, format!(r#"{{"code":"{CANARY}","message":"x"}}"#)),
        (401, format!(r#"{{"code":401,"message":["{CANARY}"]}}"#)),
        (401, format!(r#"{{"code":401,"message":"{CANARY}""#)),
        (401, format!(r#"{{"{CANARY}":1,"code":401,"message":1}}"#)),
    ];
    bodies.push((200, format!(r#"{{"active":"{CANARY}"}}"#)));
    bodies
}

fn parse_errors(status: u16, body: &str) -> Vec<ParseError> {
    let api = api();
    let token = AccessToken::new("t");
    let generate = api.generate_token(&Scopes::from([Scope::Api])).unwrap();
    let introspect = api.introspect(&token).unwrap();
    let revoke = api.revoke(&token).unwrap();
    let make = || json(status, body.as_bytes());
    [
        generate.parse(make()).err(),
        introspect.parse(make()).err(),
        revoke.parse(make()).err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn parse_errors_never_show_a_token_from_the_body() {
    let mut seen = 0;
    for (status, body) in malformed_bodies() {
        let errors = parse_errors(status, &body);
        assert!(!errors.is_empty(), "no operation failed on {body}");
        for error in errors {
            seen += 1;
            assert_error_hidden(&error);
            assert_hidden(&format!("{:?}", error.kind), CANARY);
            assert_hidden(&error.kind.to_string(), CANARY);
        }
    }
    assert!(seen > 20);
}

#[test]
fn parse_errors_keep_the_raw_body() {
    let body = format!(r#"{{"access_token":"{CANARY}"#);
    let error = api()
        .generate_token(&Scopes::from([Scope::Api]))
        .unwrap()
        .parse(response(200, Some("application/json"), body.as_bytes()))
        .unwrap_err();
    assert_eq!(error.raw.body(), body.as_bytes());
}

// ---- build errors ---------------------------------------------------------------------------

#[test]
fn build_errors_never_show_the_secret() {
    let errors = [
        Credentials::new(APP_ID, SecretKey::new(format!("{CANARY}\n"))).unwrap_err(),
        Credentials::new(APP_ID, SecretKey::new(format!("{CANARY}\0"))).unwrap_err(),
        Credentials::new(format!("{CANARY}\r"), SecretKey::new("k")).unwrap_err(),
        BaseUrl::parse(&format!("https://user:{CANARY}@example.com")).unwrap_err(),
        BaseUrl::parse(&format!("https://example.com/?key={CANARY}")).unwrap_err(),
        BaseUrl::parse(&format!("ftp://{CANARY}.example.com")).unwrap_err(),
        api_with_canary_key()
            .generate_token(&Scopes::new())
            .unwrap_err(),
    ];
    for error in &errors {
        assert_error_hidden(error);
    }
    assert!(matches!(errors[0], BuildError::InvalidHeaderValue { .. }));
}

#[test]
fn an_error_body_echoing_the_secret_key_or_token_prints_neither() {
    let api = api_with_canary_key();
    let generate = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let revoke = api.revoke(&AccessToken::new(CANARY)).unwrap();
    let body = format!(
        r#"{{"code":401,"key":"{CANARY}","message":"bad key {CANARY}","details":"{CANARY}","request_id":"{CANARY}","error":{{"message":"{CANARY}"}}}}"#
    );
    fn check<T: std::fmt::Debug>(
        outcome: keycard_core::Outcome<T, keycard_core::voucherify::Error>,
    ) {
        assert_debug_hidden(&outcome);
        let shown = outcome.error().unwrap().to_string();
        assert_hidden(&shown, CANARY);
        let redacted = keycard_core::REDACTED;
        assert_eq!(shown, format!("bad key {redacted} ({redacted})"));
        assert_error_hidden(&outcome.into_result().unwrap_err());
    }
    check(generate.parse(json(401, body.as_bytes())).unwrap());
    check(revoke.parse(json(401, body.as_bytes())).unwrap());
}
