//! Exact Payments secrets never print: a canary API key, password and tokens go through every
//! type, operation and error, and never come out of a `Debug` or `Display`.

mod exact_common;

use exact_common::*;
use keycard_core::exact::{
    Api, CreateUserToken, Environment, ListQuery, Mode, Permission, Permissions, UserCredentials,
};
use keycard_core::{ApiKey, BuildError, Operation, Password};

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

fn canary_api() -> Api {
    Api::new(Environment::Sandbox.base_url(), ApiKey::new(CANARY)).unwrap()
}

fn canary_credentials() -> UserCredentials {
    UserCredentials::new("jon.doe@acmecorp.com", Password::new(CANARY))
        .with_application("admin-pwa")
        .with_mode(Mode::Live)
}

#[test]
fn api_and_operations_hide_the_api_key() {
    let api = canary_api();
    assert_debug_hidden(&api);
    assert!(format!("{api:?}").contains("<redacted>"));
    let permissions = Permissions::from([Permission::ChargesCreate]);
    let order = api.create_order_access_token("o1").unwrap();
    let create = api
        .create_application_token("app", "label", &permissions, Some(Mode::Test))
        .unwrap();
    let list = api
        .list_application_tokens("app", &ListQuery::new().limit(3))
        .unwrap();
    let delete = api.delete_application_token("app", "t1").unwrap();
    assert_debug_hidden(&order);
    assert_debug_hidden(&create);
    assert_debug_hidden(&list);
    assert_debug_hidden(&delete);
    for request in [
        order.request(),
        create.request(),
        list.request(),
        delete.request(),
    ] {
        assert_eq!(request.headers()["authorization"], CANARY);
        assert!(request.headers()["authorization"].is_sensitive());
        assert_debug_hidden(&request);
    }
}

#[test]
fn login_hides_the_password() {
    let credentials = canary_credentials();
    assert_debug_hidden(&credentials);
    let op = CreateUserToken::new(&Environment::Sandbox.base_url(), &credentials).unwrap();
    assert_debug_hidden(&op);
    let shown = format!("{op:?}");
    assert!(shown.contains("/token"), "{shown}");
    // The password travels only in the body.
    let body = String::from_utf8(op.request().body().clone()).unwrap();
    assert!(body.contains(CANARY));
}

#[test]
fn build_errors_never_show_the_value() {
    let error = Api::new(
        Environment::Sandbox.base_url(),
        ApiKey::new(format!("{CANARY}\r\n")),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::InvalidHeaderValue {
            name: "Authorization"
        }
    );
    assert_error_hidden(&error);
    let error = CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("a@b.c", Password::new(CANARY))
            .with_application(format!("{CANARY}\n")),
    )
    .unwrap_err();
    assert_error_hidden(&error);
}

#[test]
fn parsed_tokens_are_redacted() {
    let api = canary_api();
    let order = api.create_order_access_token("o1").unwrap();
    let outcome = order
        .parse(json(
            201,
            &format!(
                r#"{{"accessToken":{{"token":"{CANARY}","expiresAt":"2023-07-26T23:32:32Z"}}}}"#
            ),
        ))
        .unwrap();
    assert_eq!(outcome.success().unwrap().token.expose_secret(), CANARY);
    assert_debug_hidden(&outcome);

    let login =
        CreateUserToken::new(&Environment::Sandbox.base_url(), &canary_credentials()).unwrap();
    let outcome = login
        .parse(json(
            201,
            &format!(r#"{{"token":"{CANARY}","type":"user"}}"#),
        ))
        .unwrap();
    let user = outcome.success().unwrap();
    assert_debug_hidden(user);
    assert_debug_hidden(&user.api_key());
    assert_debug_hidden(&outcome);

    let create = api
        .create_application_token(
            "app",
            "l",
            &Permissions::from([Permission::EventsRead]),
            None,
        )
        .unwrap();
    let outcome = create
        .parse(json(201, &format!(r#"{{"id":"i","token":"{CANARY}"}}"#)))
        .unwrap();
    assert_debug_hidden(outcome.success().unwrap());
    assert_debug_hidden(&outcome);
}

#[test]
fn parse_errors_never_quote_tokens() {
    let api = canary_api();
    let order = api.create_order_access_token("o1").unwrap();
    let bodies = [
        // Not header-safe.
        format!(r#"{{"accessToken":{{"token":"{CANARY}\n","expiresAt":"2023-07-26T23:32:32Z"}}}}"#),
        // Wrong shape around a secret string.
        format!(r#"{{"accessToken":"{CANARY}"}}"#),
        format!(r#"{{"accessToken":{{"token":"{CANARY}","expiresAt":"{CANARY}"}}}}"#),
        format!(r#"{{"accessToken":{{"token":["{CANARY}"],"expiresAt":"x"}}}}"#),
        format!(r#"{{"accessToken":{{"token":"{CANARY}"#),
    ];
    for body in &bodies {
        let error = order.parse(json(201, body)).unwrap_err();
        assert_error_hidden(&error);
        assert_eq!(error.raw.body(), body.as_bytes(), "kept in the raw body");
    }

    let login =
        CreateUserToken::new(&Environment::Sandbox.base_url(), &canary_credentials()).unwrap();
    for body in [
        format!(r#"{{"token":"{CANARY}\r"}}"#),
        format!(r#"{{"token":"{CANARY}","isAuthenticated":"{CANARY}"}}"#),
        format!(r#"{{"token":"{CANARY}","expiresAt":"{CANARY}"}}"#),
        format!(r#"{{"token":{{"{CANARY}":1}}}}"#),
    ] {
        assert_error_hidden(&login.parse(json(201, &body)).unwrap_err());
    }

    let create = api
        .create_application_token(
            "app",
            "l",
            &Permissions::from([Permission::EventsRead]),
            None,
        )
        .unwrap();
    for body in [
        format!(r#"{{"id":"i","token":"{CANARY} "}}"#),
        format!(r#"{{"id":7,"token":"{CANARY}"}}"#),
    ] {
        assert_error_hidden(&create.parse(json(201, &body)).unwrap_err());
    }

    let list = api
        .list_application_tokens("app", &ListQuery::new())
        .unwrap();
    let error = list
        .parse(response_with(
            200,
            Some("application/json"),
            &[("x-total-count", CANARY)],
            b"[]",
        ))
        .unwrap_err();
    assert_error_hidden(&error);
}

#[test]
fn api_errors_never_show_the_key() {
    let api = canary_api();
    let order = api.create_order_access_token("o1").unwrap();
    let error = order
        .parse(json(403, r#"{"code":"order-forbidden-error"}"#))
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_error_hidden(&error);
    let delete = api.delete_application_token("a", "t").unwrap();
    let error = delete
        .parse(text(401, "Unauthorized"))
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_error_hidden(&error);
    let error = delete
        .parse(response(500, "text/html", b"<html/>"))
        .unwrap()
        .into_result()
        .unwrap_err();
    assert_error_hidden(&error);
}

#[test]
fn error_bodies_echoing_the_api_key_or_password_print_neither() {
    let echo = format!("you sent {CANARY}");
    let login =
        CreateUserToken::new(&Environment::Sandbox.base_url(), &canary_credentials()).unwrap();
    for status in [401, 403, 404, 423, 500, 503] {
        let outcome = login.parse(text(status, &echo)).unwrap();
        assert_debug_hidden(&outcome);
        assert_error_hidden(&outcome.into_result().unwrap_err());
    }
    let issues = format!(r#"[{{"path":["{CANARY}"],"message":"{CANARY}","received":"{CANARY}"}}]"#);
    let outcome = login.parse(json(400, &issues)).unwrap();
    assert_debug_hidden(&outcome);
    assert_error_hidden(&outcome.into_result().unwrap_err());

    let api = canary_api();
    let order = api.create_order_access_token("o1").unwrap();
    let body = format!(r#"{{"code":"{CANARY}","message":"{CANARY}","requestId":"{CANARY}"}}"#);
    for status in [403, 404, 500, 503] {
        let outcome = order.parse(json(status, &body)).unwrap();
        assert_debug_hidden(&outcome);
        assert_error_hidden(&outcome.into_result().unwrap_err());
    }
    let delete = api.delete_application_token("app", "t1").unwrap();
    let outcome = delete.parse(text(401, &echo)).unwrap();
    assert_debug_hidden(&outcome);
    assert_error_hidden(&outcome.into_result().unwrap_err());
}
