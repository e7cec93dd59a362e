//! A server that echoes a secret in its headers: as a header name (a secret of lower-case
//! letters, digits and `-` is a valid one) or in the content type. The headers stay as received
//! in the raw response, but no `Debug` or `Display` of the outcome, the `ApiError` or the
//! `ParseError` shows the secret; and the content type an `ApiError` shows is cut short.
//! (Found by the fuzz targets: `fuzz/regressions/<target>/`.)

use keycard_core::exact::{self, Environment};
use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard_core::{AccessToken, ApiKey, Operation, Outcome, ParseError, SecretKey, REDACTED};
use std::fmt::{Debug, Display};

const API_KEY: &str = "ak-canary-1";
const SECRET_KEY: &str = "sk-canary-2";
const TOKEN: &str = "tk-canary-3";

const ORDER_TOKEN: &str = r#"{"accessToken":{"token":"t","expiresAt":"2023-07-26T23:32:32.000Z"}}"#;
const VOUCHERIFY_TOKEN: &str = r#"{"access_token":"t","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#;

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

/// Everything keycard prints of a parse result. Panics, without printing it, if it holds any of
/// `secrets`; the raw headers must still hold what was sent.
#[track_caller]
fn printed<T: Debug, E: Debug + Display>(
    what: &str,
    secrets: &[&str],
    result: Result<Outcome<T, E>, ParseError>,
) -> String {
    let mut printed = vec![format!("{result:?}")];
    match result {
        Ok(outcome) => {
            if let Some(error) = outcome.error() {
                printed.push(error.to_string());
            }
            if let Err(api_error) = outcome.into_result() {
                printed.push(api_error.to_string());
                printed.push(format!("{api_error:?}"));
            }
        }
        Err(error) => {
            printed.push(error.to_string());
            printed.push(format!("{error:?}"));
        }
    }
    let printed = printed.join("\n");
    for secret in secrets {
        assert!(!printed.contains(secret), "a secret leaked in {what}");
    }
    assert!(printed.contains(REDACTED), "{what}: no marker in {printed}");
    printed
}

fn order() -> exact::CreateOrderAccessToken {
    exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(API_KEY))
        .unwrap()
        .create_order_access_token("ord_1")
        .unwrap()
}

fn voucherify_api() -> voucherify::Api {
    let credentials = Credentials::new("app", SecretKey::new(SECRET_KEY)).unwrap();
    voucherify::Api::new(Region::Europe.base_url(), credentials)
}

#[test]
fn a_secret_as_a_header_name_never_prints() {
    let outcome = order()
        .parse(response(
            201,
            &[("content-type", "application/json"), (API_KEY, "1")],
            ORDER_TOKEN,
        ))
        .unwrap();
    assert!(
        outcome.raw().headers().contains_key(API_KEY),
        "kept as sent"
    );
    let shown = printed("order 201", &[API_KEY], Ok(outcome));
    assert!(
        shown.contains(r#"header_names: ["content-type", "<redacted>"]"#),
        "{shown}"
    );

    // A success, an error and a parse error of an operation with two secrets.
    let introspect = voucherify_api()
        .introspect(&AccessToken::new(TOKEN))
        .unwrap();
    let secrets = [SECRET_KEY, TOKEN];
    for (status, body) in [
        (200, r#"{"active":false}"#),
        (401, r#"{"code":401,"message":"no"}"#),
        (200, "{"),
    ] {
        for secret in secrets {
            let headers = [("content-type", "application/json"), (secret, "1")];
            printed(
                "introspect",
                &secrets,
                introspect.parse(response(status, &headers, body)),
            );
        }
    }
}

#[test]
fn a_secret_in_the_content_type_never_prints() {
    // Read as JSON (the charset does not matter), untyped (not JSON), and a parse error.
    for content_type in [
        format!("application/json; charset={API_KEY}"),
        format!("text/html; {API_KEY}"),
    ] {
        let headers = [("content-type", content_type.as_str())];
        printed(
            "order",
            &[API_KEY],
            order().parse(response(201, &headers, ORDER_TOKEN)),
        );
        printed(
            "order",
            &[API_KEY],
            order().parse(response(201, &headers, "{")),
        );
    }
    let generate = voucherify_api()
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let content_type = format!("text/html; v={SECRET_KEY}");
    let shown = printed(
        "generate",
        &[SECRET_KEY],
        generate.parse(response(
            200,
            &[("content-type", &content_type)],
            VOUCHERIFY_TOKEN,
        )),
    );
    assert!(
        shown
            .contains(r#"with content type "text/html; v=<redacted>" instead of application/json"#),
        "{shown}"
    );
}

#[test]
fn an_unexpected_content_type_is_shown_cut_short() {
    let long = format!("text/html; {}", "x".repeat(10_000));
    let error = order()
        .parse(response(201, &[("content-type", &long)], ORDER_TOKEN))
        .unwrap()
        .into_result()
        .unwrap_err()
        .to_string();
    assert!(error.len() < 400, "{} bytes", error.len());
    assert!(
        error.contains("… (10011 chars)\" instead of application/json"),
        "{error}"
    );
    let error = order()
        .parse(response(201, &[("content-type", "")], ORDER_TOKEN))
        .unwrap()
        .into_result()
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        r#"HTTP 201 Created with content type "" instead of application/json"#
    );
}

/// A secret in capitals echoed as a header name: `http` keeps names in lower case, so the name
/// holds the secret in another case, and goes whole.
#[test]
fn a_secret_in_capitals_as_a_header_name_never_prints() {
    let key = "AK-CANARY-7";
    let outcome = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(key))
        .unwrap()
        .create_order_access_token("ord_1")
        .unwrap()
        .parse(response(
            201,
            &[("content-type", "application/json"), (key, "1")],
            ORDER_TOKEN,
        ));
    let shown = format!("{outcome:?}");
    assert!(
        !shown
            .to_ascii_lowercase()
            .contains(&key.to_ascii_lowercase()),
        "a secret leaked in the outcome's Debug"
    );
    assert!(shown.contains(REDACTED), "{shown}");
}

/// A secret with a space echoed in the content type with a tab for the space: `Display` shows
/// the tab as a space.
#[test]
fn a_secret_in_the_content_type_with_a_tab_for_its_space_never_prints() {
    let password = "pw secret";
    let login = exact::CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &exact::UserCredentials::new("jon@example.com", keycard_core::Password::new(password)),
    )
    .unwrap();
    let result = login.parse(response(
        401,
        &[("content-type", "text/html; pw\tsecret")],
        "no",
    ));
    printed("the content type, tab for space", &[password], result);
}

/// A generate operation keeps the first scope string answered that differs from the one sent:
/// its `Debug` must not show it, whatever it echoes.
#[test]
fn a_generate_operation_never_prints_an_answer_it_keeps() {
    let operation = voucherify_api()
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let body = VOUCHERIFY_TOKEN.replace(
        r#""scope":"vouchers""#,
        &format!(r#""scope":"vouchers {SECRET_KEY}""#),
    );
    let outcome = operation
        .parse(response(
            200,
            &[("content-type", "application/json")],
            &body,
        ))
        .unwrap();
    assert!(
        !format!("{outcome:?}").contains(SECRET_KEY),
        "a secret leaked in the outcome"
    );
    assert!(
        !format!("{operation:?}").contains(SECRET_KEY),
        "a secret leaked in the operation"
    );
}
