//! A server that echoes the request: every operation of both APIs, every documented error shape,
//! with the secrets keycard sent (secret key, API key, password, token) repeated in every text
//! field, raw, form-encoded and JSON-escaped. No `Display` or `Debug` of the outcome, the typed
//! error, the `ApiError` or the `ParseError` may hold any of them; the marker must show where
//! they were. And every error's `Display` stays short whatever the body holds.

use keycard_core::exact::{
    self, CreateUserToken, Environment, ListQuery, Permission, Permissions, UserCredentials,
    UserTokenError, ValidationError, ValidationIssue,
};
use keycard_core::voucherify::{self, Credentials, Introspection, Region, Scope, Scopes};
use keycard_core::{
    AccessToken, ApiKey, Operation, Outcome, ParseError, Parsed, Password, SecretKey, REDACTED,
};
use serde_json::json;
use std::fmt::{Debug, Display};

const SECRET_KEY: &str = "SKcanary+k3y/x=1";
const API_KEY: &str = "AKcanary+k3y/x=2";
const PASSWORD: &str = "PW can+ary/\"é=3";
const TOKEN: &str = "TKcanary+t0k/x=4";

/// The forms a secret may be echoed in, each of which must never print.
fn forms(secret: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_owned(),
        form.clone(),
        lower_hex(&form),
        json[1..json.len() - 1].to_owned(),
    ]
}

/// `%2F` as `%2f`.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut hex = 0;
    for c in encoded.chars() {
        if hex > 0 {
            out.push(c.to_ascii_lowercase());
            hex -= 1;
        } else {
            hex = if c == '%' { 2 } else { 0 };
            out.push(c);
        }
    }
    out
}

/// What an echoing server sends back: each secret in each form, and the request body whole.
fn echoes(secrets: &[&str], request: &http::Request<Vec<u8>>) -> Vec<String> {
    let mut echoes: Vec<String> = secrets.iter().flat_map(|s| forms(s)).collect();
    echoes.push(format!(
        "you sent {}",
        String::from_utf8_lossy(request.body())
    ));
    echoes.push(secrets.join(" and "));
    echoes
}

fn response(status: u16, content_type: &str, body: impl Into<String>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.into().into_bytes())
        .unwrap()
}

fn json_response(status: u16, body: serde_json::Value) -> http::Response<Vec<u8>> {
    response(status, "application/json", body.to_string())
}

/// Everything keycard prints of a parse result; panics if any form of any secret is in it.
/// Returns what was printed, for further checks.
#[track_caller]
fn assert_clean<T: Debug, E: Debug + Display>(
    what: &str,
    secrets: &[&str],
    result: Result<Outcome<T, E>, ParseError>,
) -> String {
    let mut printed = vec![format!("{result:?}"), format!("{result:#?}")];
    match result {
        Ok(outcome) => {
            printed.push(format!("{:?}", outcome.parsed()));
            if let Some(error) = outcome.error() {
                printed.push(error.to_string());
                printed.push(format!("{error:#?}"));
            }
            if let Err(api_error) = outcome.into_result() {
                printed.push(api_error.to_string());
                printed.push(format!("{api_error:?}"));
                let source: &dyn std::error::Error = &api_error;
                printed.push(format!("{source} {source:?}"));
            }
        }
        Err(error) => {
            printed.push(error.to_string());
            printed.push(error.kind.to_string());
        }
    }
    let printed = printed.join("\n");
    // On a leak, say where and which form, never the text: test output must not hold a secret.
    for (i, secret) in secrets.iter().enumerate() {
        for (f, form) in forms(secret).iter().enumerate() {
            assert!(
                !printed.contains(form.as_str()),
                "{what}: form {f} of secret {i} printed"
            );
        }
    }
    printed
}

fn voucherify_api() -> voucherify::Api {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-id", SecretKey::new(SECRET_KEY)).unwrap(),
    )
}

fn voucherify_error(status: u16, echo: &str) -> serde_json::Value {
    json!({
        "code": status,
        "key": echo,
        "message": format!("Unauthorized: {echo}"),
        "details": format!("X-App-Token {echo} is not valid"),
        "request_id": echo,
        "resource_id": echo,
        "resource_type": echo,
        "error": {"message": echo},
    })
}

/// Every Voucherify operation, every error status, each echo; and success bodies that echo.
#[test]
fn voucherify_errors_never_print_an_echoed_secret() {
    let api = voucherify_api();
    let generate = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let introspect = api.introspect(&AccessToken::new(TOKEN)).unwrap();
    let revoke = api.revoke(&AccessToken::new(TOKEN)).unwrap();
    let secrets = [SECRET_KEY, TOKEN];
    let mut checked = 0;
    for status in [400, 401, 403, 404, 405, 415, 429, 500, 502, 503] {
        for echo in echoes(&secrets, &introspect.request()) {
            let body = voucherify_error(status, &echo);
            // Generate sends the secret key only: that is what it knows to scrub.
            assert_clean(
                "generate",
                &[SECRET_KEY],
                generate.parse(json_response(status, body.clone())),
            );
            let printed = assert_clean(
                "introspect",
                &secrets,
                introspect.parse(json_response(status, body.clone())),
            );
            assert!(printed.contains(REDACTED), "{printed}");
            assert_clean(
                "revoke",
                &secrets,
                revoke.parse(json_response(status, body)),
            );
            // A proxy's page of another content type is untyped: nothing of it prints.
            assert_clean(
                "generate (html)",
                &[SECRET_KEY],
                generate.parse(response(status, "text/html", echo.clone())),
            );
            checked += 1;
        }
    }
    assert!(checked > 50);

    // Success bodies and parse errors that echo.
    for echo in echoes(&secrets, &revoke.request()) {
        let token = json!({
            "access_token": "issued-token",
            "client_id": echo,
            "expires_at": 1738945086,
            "expires_in": 900,
            "scope": format!("vouchers {}", echo.replace(' ', "_")),
            "token_type": echo,
        });
        assert_clean(
            "generate 200",
            &[SECRET_KEY],
            generate.parse(json_response(200, token.clone())),
        );
        let mut active = token.clone();
        active["active"] = json!(true);
        assert_clean(
            "introspect 200",
            &secrets,
            introspect.parse(json_response(200, active)),
        );
        for broken in [
            format!(r#"{{"access_token":"x","expires_in":{}}}"#, json!(echo)),
            format!(r#"{{{}:1,"access_token":{echo}}}"#, json!(echo)),
            format!(r#"{{"code":400,"message":{}"#, json!(echo)),
        ] {
            assert_clean(
                "generate, broken",
                &[SECRET_KEY],
                generate.parse(response(200, "application/json", broken.clone())),
            );
            assert_clean(
                "revoke, broken",
                &secrets,
                revoke.parse(response(400, "application/json", broken)),
            );
        }
    }
}

/// Scrubbing leaves the success alone: introspecting a token answers with the token itself,
/// which is the result, not an echo.
#[test]
fn an_introspected_token_is_kept_as_sent() {
    let introspect = voucherify_api()
        .introspect(&AccessToken::new(TOKEN))
        .unwrap();
    let body = json!({
        "active": true,
        "access_token": TOKEN,
        "client_id": "c",
        "expires_at": 1738945086,
        "expires_in": 900,
        "scope": "vouchers",
        "token_type": "Bearer",
    });
    let outcome = introspect.parse(json_response(200, body)).unwrap();
    let Parsed::Success(Introspection::Active(token)) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(token.access_token.expose_secret(), TOKEN);
}

fn exact_api() -> exact::Api {
    exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(API_KEY)).unwrap()
}

fn login() -> CreateUserToken {
    login_with(PASSWORD)
}

fn login_with(password: &str) -> CreateUserToken {
    CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("jon@example.com", Password::new(password)),
    )
    .unwrap()
}

fn validation_error(echo: &str) -> serde_json::Value {
    json!({
        "name": echo,
        "issues": [
            {"code": "invalid_string", "path": ["password"], "message": format!("{echo} is weak"),
             "expected": echo, "received": echo},
            {"code": echo, "path": [echo, 0], "keys": [echo, "other"]},
        ],
    })
}

fn order_error(status: u16, echo: &str) -> serde_json::Value {
    json!({
        "code": echo,
        "message": format!("Authorization {echo} is not valid"),
        "type": echo,
        "requestId": echo,
        "status": status,
        "metadata": {"message": {"messages": [echo, "Order does not exist."]}},
    })
}

/// Every Exact Payments operation, every documented error shape and status, each echo.
#[test]
fn exact_errors_never_print_an_echoed_secret() {
    let api = exact_api();
    let permissions = Permissions::from([Permission::ChargesCreate]);
    let order = api.create_order_access_token("ord_1").unwrap();
    let create = api
        .create_application_token("app", "label", &permissions, None)
        .unwrap();
    let list = api
        .list_application_tokens("app", &ListQuery::new())
        .unwrap();
    let delete = api.delete_application_token("app", "tok_1").unwrap();
    let login = login();
    let mut checked = 0;
    for echo in echoes(&[API_KEY], &create.request())
        .into_iter()
        .chain(echoes(&[PASSWORD], &login.request()))
    {
        let secrets = [API_KEY];
        for status in [403, 404, 500, 503] {
            let printed = assert_clean(
                "order",
                &secrets,
                order.parse(json_response(status, order_error(status, &echo))),
            );
            if echo.contains(API_KEY) {
                assert!(printed.contains(REDACTED), "{printed}");
            }
        }
        let text = format!("denied: {echo}");
        for status in [401, 404, 500, 503] {
            assert_clean(
                "create (text)",
                &secrets,
                create.parse(response(status, "text/plain", text.clone())),
            );
            assert_clean(
                "delete (text)",
                &secrets,
                delete.parse(response(status, "text/plain; charset=utf-8", text.clone())),
            );
            assert_clean(
                "list (text)",
                &secrets,
                list.parse(response(status, "text/plain", text.clone())),
            );
            // 401 and 404 of the list are read whatever their content type.
            assert_clean(
                "list (html)",
                &secrets,
                list.parse(response(status, "text/html", text.clone())),
            );
        }
        let invalid = validation_error(&echo);
        assert_clean(
            "create 400",
            &secrets,
            create.parse(json_response(400, invalid.clone())),
        );
        assert_clean(
            "create 400 (bare issues)",
            &secrets,
            create.parse(json_response(400, invalid["issues"].clone())),
        );
        // Success bodies that echo, and bodies that break.
        assert_clean(
            "create 201",
            &secrets,
            create.parse(json_response(
                201,
                json!({"id": echo, "label": echo, "type": echo, "token": "new-token",
                       "allowedPermissions": [echo], "allowedAccounts": [echo]}),
            )),
        );
        assert_clean(
            "list 200",
            &secrets,
            list.parse(json_response(
                200,
                json!([{"id": echo, "label": echo, "type": echo, "allowedPermissions": [echo]}]),
            )),
        );
        assert_clean(
            "order 201, broken",
            &secrets,
            order.parse(json_response(
                201,
                json!({"accessToken": {"token": "t", "expiresAt": echo}}),
            )),
        );

        let secrets = [PASSWORD];
        for status in [401, 403, 404, 423, 500, 503] {
            let printed = assert_clean(
                "login (text)",
                &secrets,
                login.parse(response(status, "text/plain", text.clone())),
            );
            if echo.contains(PASSWORD) {
                assert!(printed.contains(REDACTED), "{printed}");
            }
        }
        assert_clean(
            "login 400",
            &secrets,
            login.parse(json_response(400, invalid.clone())),
        );
        assert_clean(
            "login 201",
            &secrets,
            login.parse(json_response(
                201,
                json!({"token": "user-token", "user": echo, "application": echo,
                       "account": echo, "mode": echo, "accountType": echo,
                       "apiVersion": echo, "allowedAccounts": [echo]}),
            )),
        );
        checked += 1;
    }
    assert!(checked >= 10);
}

/// The request body echoed whole: the password as JSON-escaped in it.
#[test]
fn a_login_body_echoed_whole_shows_no_password() {
    let login = login();
    let sent = String::from_utf8(login.request().body().clone()).unwrap();
    assert!(sent.contains(r#"PW can+ary/\"é=3"#), "{sent}");
    let outcome = login
        .parse(response(401, "text/plain", format!("bad login {sent}")))
        .unwrap();
    let Parsed::Error(UserTokenError::Unauthorized(text)) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        text,
        r#"bad login {"email":"jon@example.com","password":"<redacted>"}"#
    );
}

/// A password echoed with a tab (or a line break) where it has a space: `Display` shows control
/// characters as spaces, so the password must not appear there either.
#[test]
fn a_password_echoed_with_a_control_character_for_its_space_shows_no_password() {
    for control in ["\t", "\n", "\r", "\u{7}"] {
        let echoed = PASSWORD.replace(' ', control);
        assert_ne!(echoed, PASSWORD);
        let text = assert_clean(
            "user token 401, control character",
            &[PASSWORD],
            login().parse(response(401, "text/plain", format!("bad login {echoed}"))),
        );
        assert!(text.contains("<redacted>"), "{control:?}: {text}");
        assert_clean(
            "user token 400, control character",
            &[PASSWORD],
            login().parse(json_response(400, validation_error(&echoed))),
        );
    }
}

/// A password with a dot echoed as a validation path split at that dot: `Display` joins the
/// path with dots.
#[test]
fn a_password_split_across_a_validation_path_shows_no_password() {
    let secret = "pw with.dots";
    let login = login_with(secret);
    let body = json!({"name": "ZodError", "issues": [
        {"code": "custom", "path": ["pw with", "dots"], "message": "no"},
    ]});
    assert_clean(
        "user token 400, split path",
        &[secret],
        login.parse(json_response(400, body)),
    );
}

/// A password with a space and a dot, echoed as a validation path split at the dot with a tab
/// for the space.
#[test]
fn a_password_split_across_a_path_with_a_tab_shows_no_password() {
    let secret = "pw secret.x";
    let login = login_with(secret);
    let body = json!({"name": "ZodError", "issues": [
        {"code": "custom", "path": ["pw\tsecret", "x"], "message": "no"},
    ]});
    assert_clean(
        "user token 400, split path with a tab",
        &[secret],
        login.parse(json_response(400, body)),
    );
}

/// Unknown scope values that spell a secret with a space only when `Display` joins them.
#[test]
fn a_secret_spelled_across_unknown_scopes_shows_no_secret() {
    let secret = "SKcanary split";
    let credentials = Credentials::new("app", keycard_core::SecretKey::new(secret)).unwrap();
    let operation = voucherify::Api::new(Region::Europe.base_url(), credentials)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let body = json!({"access_token": "t", "client_id": "c", "expires_at": 1738945086,
        "expires_in": 900, "scope": "vouchers SKcanary split", "token_type": "Bearer"});
    let printed = assert_clean(
        "generate 200, secret across scopes",
        &[secret],
        operation.parse(json_response(200, body)),
    );
    assert!(printed.contains("<redacted>"), "{printed}");
}

/// A password that an error's `Display` spells only by joining two of its texts (here a
/// validation issue's path and message, `email: Required`): the `ApiError` does not show it.
#[test]
fn a_password_spelled_across_two_fields_of_an_error_shows_no_password() {
    let secret = "email: Required";
    let login = login_with(secret);
    let body = json!({"name": "ZodError", "issues": [
        {"code": "invalid_type", "path": ["email"], "message": "Required"},
    ]});
    let outcome = login.parse(json_response(400, body)).unwrap();
    let api_error = outcome.into_result().unwrap_err();
    let shown = api_error.to_string();
    assert!(
        !shown.contains(secret),
        "a secret leaked in the ApiError's Display"
    );
    assert!(shown.contains("<redacted>"), "{shown}");
}

/// A secret that an error's own `Display` would spell by joining its texts, each harmless
/// alone, with keycard's words: no `Display` of the typed error (nor anything else) shows it.
#[test]
fn a_secret_spelled_across_an_errors_texts_shows_in_no_display() {
    // Exact validation: `path: message`.
    let secret = "email: Required";
    let body = json!({"name": "ZodError", "issues": [
        {"code": "invalid_type", "path": ["email"], "message": "Required"},
    ]});
    let printed = assert_clean(
        "validation",
        &[secret],
        login_with(secret).parse(json_response(400, body)),
    );
    assert!(printed.contains(REDACTED), "{printed}");

    // A login's text error: keycard's `locked: ` before the server's text.
    let secret = "locked: try again later";
    let printed = assert_clean(
        "login 423",
        &[secret],
        login_with(secret).parse(response(423, "text/plain", "try again later")),
    );
    assert!(printed.contains(REDACTED), "{printed}");

    // Voucherify: `message (key)`.
    let secret = "denied (bad_key)";
    let api = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-id", SecretKey::new(secret)).unwrap(),
    );
    let generate = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let printed = assert_clean(
        "voucherify",
        &[secret],
        generate.parse(json_response(
            401,
            json!({"code": 401, "key": "bad_key", "message": "denied"}),
        )),
    );
    assert!(printed.contains(REDACTED), "{printed}");

    // An order error: `message (code); detail`.
    let secret = "Forbidden (E42); retry";
    let order = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(secret))
        .unwrap()
        .create_order_access_token("o")
        .unwrap();
    let printed = assert_clean(
        "order",
        &[secret],
        order.parse(json_response(
            403,
            json!({"code": "E42", "message": "Forbidden", "status": 403,
                   "metadata": {"message": {"messages": ["retry"]}}}),
        )),
    );
    assert!(printed.contains(REDACTED), "{printed}");
}

/// The form body of a revoke echoed whole: the token as form-encoded in it.
#[test]
fn a_revoke_form_echoed_whole_shows_no_token() {
    let revoke = voucherify_api().revoke(&AccessToken::new(TOKEN)).unwrap();
    let sent = String::from_utf8(revoke.request().body().clone()).unwrap();
    assert_eq!(sent, "access_token=TKcanary%2Bt0k%2Fx%3D4");
    let error = revoke
        .parse(json_response(400, voucherify_error(400, &sent)))
        .unwrap()
        .into_result()
        .unwrap_err();
    let error = error.error.unwrap();
    assert_eq!(error.message, "Unauthorized: access_token=<redacted>");
    assert_eq!(
        error.details.as_deref(),
        Some("X-App-Token access_token=<redacted> is not valid")
    );
}

/// A validation error with 10 000 issues, an order error with 1 000 details, a Voucherify
/// message of a megabyte: each `Display` stays a few kilobytes at most.
#[test]
fn every_error_display_is_bounded() {
    let issue = ValidationIssue {
        path: vec!["x".repeat(1000)],
        message: Some("m".repeat(1000)),
        ..ValidationIssue::default()
    };
    let many = ValidationError {
        name: None,
        issues: vec![issue; 10_000],
    };
    let shown = many.to_string();
    assert!(shown.len() < 8_000, "{} bytes", shown.len());
    assert!(shown.ends_with("; … and 9990 more"), "{shown}");
    assert!(shown.contains("… (1000 chars)"), "{shown}");

    let details: Vec<String> = (0..1000).map(|i| format!("detail {i}")).collect();
    let outcome = exact_api()
        .create_order_access_token("o")
        .unwrap()
        .parse(json_response(
            404,
            json!({"message": "m".repeat(100_000),
                   "metadata": {"message": {"messages": details}}}),
        ))
        .unwrap();
    let shown = outcome.error().unwrap().to_string();
    assert!(shown.len() < 8_000, "{} bytes", shown.len());
    assert!(shown.ends_with("; … and 990 more"), "{shown}");
    let api_error = outcome.into_result().unwrap_err().to_string();
    assert!(api_error.len() < 8_000);

    let generate = voucherify_api()
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let outcome = generate
        .parse(json_response(
            401,
            json!({"code": 401, "message": "é".repeat(1 << 20), "key": "k".repeat(1 << 20)}),
        ))
        .unwrap();
    let shown = outcome.error().unwrap().to_string();
    assert!(shown.len() < 1_000, "{} bytes", shown.len());
    assert!(shown.contains("… (1048576 chars)"), "{shown}");
}
