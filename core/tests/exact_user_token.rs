//! `POST /token`: the request, and every documented response.

mod exact_common;

use exact_common::*;
use keycard_core::exact::{
    AccountType, CreateUserToken, Environment, IssueCode, Mode, Permission, TokenKind,
    UserCredentials, UserToken, UserTokenError,
};
use keycard_core::{
    BaseUrl, BuildError, FieldProblem, Operation, ParseErrorKind, Parsed, Password, Unrecognized,
};
use std::time::{Duration, UNIX_EPOCH};

const EMAIL: &str = "jon.doe@acmecorp.com";
const PASSWORD: &str = "E*3q&87uBHc5xiIsiLK0";
const USER_TOKEN: &str =
    "4b757cf8f34660db39e26b147bd2c830e2439e86c068eb6e2bbf488c619ce75ed6b92b78b4edf02d";

fn credentials() -> UserCredentials {
    UserCredentials::new(EMAIL, Password::new(PASSWORD))
}

fn login() -> CreateUserToken {
    CreateUserToken::new(&Environment::Sandbox.base_url(), &credentials()).unwrap()
}

// ---- the request ------------------------------------------------------------------------------

#[test]
fn request_with_application_and_mode() {
    for (base, prefix) in bases() {
        let credentials = credentials()
            .with_application("admin-pwa")
            .with_mode(Mode::Live);
        let op = CreateUserToken::new(&base, &credentials).unwrap();
        let request = op.request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri().to_string(), format!("{prefix}/token"));
        assert!(request.headers().get("authorization").is_none());
        assert_eq!(header(&request, "content-type"), "application/json");
        assert_eq!(header(&request, "accept"), "application/json, text/plain");
        assert_eq!(header(&request, "x-application-id"), "admin-pwa");
        assert_eq!(request.headers().len(), 3);
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"email":"jon.doe@acmecorp.com","password":"E*3q&87uBHc5xiIsiLK0","application":"admin-pwa","mode":"live"}"#
        );
        assert_eq!(op.application(), Some("admin-pwa"));
    }
}

#[test]
fn request_without_application_or_mode() {
    let request = login().request();
    assert!(request.headers().get("x-application-id").is_none());
    assert_eq!(
        request.body(),
        br#"{"email":"jon.doe@acmecorp.com","password":"E*3q&87uBHc5xiIsiLK0"}"#
    );
    let op = CreateUserToken::new(
        &Environment::Production.base_url(),
        &credentials().with_mode(Mode::Test),
    )
    .unwrap();
    assert_eq!(
        op.request().body(),
        br#"{"email":"jon.doe@acmecorp.com","password":"E*3q&87uBHc5xiIsiLK0","mode":"test"}"#
    );
}

#[test]
fn password_is_json_escaped() {
    let credentials = UserCredentials::new("a@b.c", Password::new("q\"u\\o\nté"));
    let op = CreateUserToken::new(&Environment::Sandbox.base_url(), &credentials).unwrap();
    assert_eq!(
        std::str::from_utf8(op.request().body()).unwrap(),
        r#"{"email":"a@b.c","password":"q\"u\\o\nté"}"#
    );
}

#[test]
fn empty_fields_are_refused() {
    let base = Environment::Sandbox.base_url();
    let refused = |c: UserCredentials| CreateUserToken::new(&base, &c).unwrap_err();
    assert_eq!(
        refused(UserCredentials::new("", Password::new(PASSWORD))),
        BuildError::EmptyField { name: "email" }
    );
    assert_eq!(
        refused(UserCredentials::new(EMAIL, Password::new(""))),
        BuildError::EmptyField { name: "password" }
    );
    assert_eq!(
        refused(credentials().with_application("")),
        BuildError::EmptyField {
            name: "application"
        }
    );
    assert_eq!(
        refused(credentials().with_application("pwa\r\nX-Evil: 1")),
        BuildError::InvalidHeaderValue {
            name: "x-application-id"
        }
    );
}

#[test]
fn custom_base_with_a_prefix() {
    let base = BaseUrl::parse("http://127.0.0.1:9000/exact/").unwrap();
    let op = CreateUserToken::new(&base, &credentials()).unwrap();
    assert_eq!(op.request().uri(), "http://127.0.0.1:9000/exact/token");
}

// ---- 201 ------------------------------------------------------------------------------------

fn parse_201(body: &str) -> UserToken {
    let outcome = login().parse(json(201, body)).unwrap();
    match outcome.parsed() {
        Parsed::Success(token) => token.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn user_token_from_the_spec_example() {
    let token = parse_201(&format!(
        r#"{{"isAuthenticated":true,"mode":"live","token":"{USER_TOKEN}","type":"user",
            "user":"64b04d6d198ce11d0d64ca2a","application":"admin-pwa",
            "account":"64b04d6d198ce11d0d64ca2b","accountType":"account",
            "allowedPermissions":["charges.create","charges.read"],
            "allowedAccounts":["64b04d6d198ce11d0d64ca2a"],"apiVersion":"1.0.0",
            "expiresAt":"2023-07-13T20:37:37.088Z"}}"#
    ));
    assert_eq!(token.token.expose_secret(), USER_TOKEN);
    assert_eq!(token.api_key().expose_secret(), USER_TOKEN);
    assert_eq!(token.token_type, Some(TokenKind::User));
    assert_eq!(token.is_authenticated, Some(true));
    assert_eq!(token.mode, Some(Mode::Live));
    assert_eq!(token.user.as_deref(), Some("64b04d6d198ce11d0d64ca2a"));
    assert_eq!(token.application.as_deref(), Some("admin-pwa"));
    assert_eq!(token.account.as_deref(), Some("64b04d6d198ce11d0d64ca2b"));
    assert_eq!(token.account_type, Some(AccountType::Account));
    assert!(token
        .allowed_permissions
        .contains(Permission::ChargesCreate));
    assert!(token.allowed_permissions.contains(Permission::ChargesRead));
    assert_eq!(token.allowed_permissions.len(), 2);
    assert_eq!(token.allowed_accounts, ["64b04d6d198ce11d0d64ca2a"]);
    assert_eq!(token.api_version.as_deref(), Some("1.0.0"));
    assert_eq!(
        token.expires_at,
        Some(UNIX_EPOCH + Duration::from_millis(1_689_280_657_088))
    );
}

#[test]
fn only_the_token_is_required() {
    let token = parse_201(r#"{"token":"abc123"}"#);
    assert_eq!(token.token.expose_secret(), "abc123");
    assert_eq!(token.token_type, None);
    assert_eq!(token.is_authenticated, None);
    assert_eq!(token.mode, None);
    assert_eq!(token.account_type, None);
    assert!(token.allowed_permissions.is_empty());
    assert!(token.allowed_accounts.is_empty());
    assert_eq!(token.expires_at, None);

    let error = login().parse(json(201, r#"{"type":"user"}"#)).unwrap_err();
    assert_eq!(json_path(&error), ".");
}

#[test]
fn lenient_values_and_unknown_values_are_kept() {
    let token = parse_201(
        r#"{"token":"t","isAuthenticated":"true","mode":"staging","type":"robot",
            "accountType":"partner","allowedPermissions":["charges.create","teleport.create"],
            "user":null,"someNewField":{"x":1}}"#,
    );
    assert_eq!(token.is_authenticated, Some(true));
    assert_eq!(token.mode, Some(Mode::Other("staging".into())));
    assert_eq!(token.token_type, Some(TokenKind::Other("robot".into())));
    assert_eq!(
        token.account_type,
        Some(AccountType::Other("partner".into()))
    );
    assert!(token
        .allowed_permissions
        .contains(Permission::ChargesCreate));
    assert!(token.allowed_permissions.contains_wire("teleport.create"));
    assert_eq!(
        token.allowed_permissions.unknown().collect::<Vec<_>>(),
        ["teleport.create"]
    );
    assert_eq!(token.user, None);
    assert_eq!(
        parse_201(r#"{"token":"t","isAuthenticated":"false"}"#).is_authenticated,
        Some(false)
    );

    let error = login()
        .parse(json(201, r#"{"token":"t","isAuthenticated":"yes"}"#))
        .unwrap_err();
    assert_eq!(json_path(&error), "isAuthenticated");
}

#[test]
fn bad_token_and_bad_expiry_are_refused() {
    let error = login()
        .parse(json(201, r#"{"token":"a\r\nb"}"#))
        .unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "token",
            problem: FieldProblem::NotHeaderSafe
        }
    );
    let error = login()
        .parse(json(201, r#"{"token":"t","expiresAt":"in two hours"}"#))
        .unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "expiresAt",
            problem: FieldProblem::NotRfc3339
        }
    );
    let error = login()
        .parse(json(201, r#"{"token":"t","expiresAt":7200}"#))
        .unwrap_err();
    assert_eq!(json_path(&error), "expiresAt");
}

// ---- 400 ------------------------------------------------------------------------------------

fn parse_error(response: http::Response<Vec<u8>>) -> UserTokenError {
    let outcome = login().parse(response).unwrap();
    match outcome.parsed() {
        Parsed::Error(error) => error.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_request_is_a_zod_error() {
    let error = parse_error(json(
        400,
        r#"{"issues":[{"code":"invalid_type","expected":"string","received":"undefined","path":["email"],"message":"Required"},
                      {"code":"unrecognized_keys","keys":["extra"],"path":[],"message":"Unrecognized key(s) in object: 'extra'"},
                      {"code":"brand_new","path":["a",0,"b"],"message":"Odd"},
                      {"code":"invalid_literal","expected":1,"received":2,"path":["x"]}],
            "name":"ZodError"}"#,
    ));
    let UserTokenError::BadRequest(zod) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(zod.name.as_deref(), Some("ZodError"));
    assert_eq!(zod.issues.len(), 4);
    let first = &zod.issues[0];
    assert_eq!(first.code, Some(IssueCode::InvalidType));
    assert_eq!(first.expected.as_deref(), Some("string"));
    assert_eq!(first.received.as_deref(), Some("undefined"));
    assert_eq!(first.path, ["email"]);
    assert_eq!(first.message.as_deref(), Some("Required"));
    assert_eq!(zod.issues[1].code, Some(IssueCode::UnrecognizedKeys));
    assert_eq!(zod.issues[1].keys, ["extra"]);
    assert_eq!(
        zod.issues[2].code,
        Some(IssueCode::Other("brand_new".into()))
    );
    assert_eq!(zod.issues[2].path, ["a", "0", "b"]);
    assert_eq!(zod.issues[3].expected.as_deref(), Some("1"));
    assert_eq!(zod.issues[3].message, None);
    assert_eq!(
        error.to_string(),
        "invalid request: email: Required; Unrecognized key(s) in object: 'extra'; a.0.b: Odd; x: invalid_literal"
    );
}

#[test]
fn bad_request_as_a_bare_array_or_empty_object() {
    let error = parse_error(json(
        400,
        r#" [{"code":"too_small","path":["password"],"message":"String must contain at least 1 character(s)"}]"#,
    ));
    let UserTokenError::BadRequest(zod) = error else {
        panic!()
    };
    assert_eq!(zod.name, None);
    assert_eq!(zod.issues[0].code, Some(IssueCode::TooSmall));

    let UserTokenError::BadRequest(zod) = parse_error(json(400, "{}")) else {
        panic!()
    };
    assert!(zod.issues.is_empty());

    let error = login()
        .parse(json(400, r#"{"issues":[{"path":"email"}]}"#))
        .unwrap_err();
    assert_eq!(json_path(&error), "issues[0].path");
}

#[test]
fn bad_request_as_text_is_untyped() {
    let outcome = login().parse(text(400, "Bad Request")).unwrap();
    assert_untyped(
        &outcome,
        Unrecognized::UnexpectedContentType {
            expected: "application/json",
        },
    );
}

// ---- text errors ------------------------------------------------------------------------------

#[test]
fn text_errors_by_status() {
    type Variant = fn(String) -> UserTokenError;
    let cases: [(u16, &str, Variant); 6] = [
        (401, "Unauthorized", UserTokenError::Unauthorized),
        (403, "Forbidden", UserTokenError::Forbidden),
        (404, "Not Found", UserTokenError::NotFound),
        (423, "Locked", UserTokenError::Locked),
        (
            500,
            "Internal Server Error",
            UserTokenError::InternalServerError,
        ),
        (
            503,
            "Service Unavailable",
            UserTokenError::ServiceUnavailable,
        ),
    ];
    for (status, body, variant) in cases {
        let error = parse_error(text(status, body));
        assert_eq!(error, variant(body.to_owned()), "{status}");
        let error = parse_error(response(
            status,
            "TEXT/PLAIN; charset=utf-8",
            body.as_bytes(),
        ));
        assert_eq!(error, variant(body.to_owned()), "{status}");
    }
    assert_eq!(
        parse_error(text(423, "Locked")).to_string(),
        "locked: Locked"
    );
    assert_eq!(
        parse_error(text(401, "")).to_string(),
        "unauthorized: (empty body)"
    );
}

#[test]
fn text_error_display_is_one_short_line() {
    let long = "x".repeat(1000);
    let shown = parse_error(text(500, &format!("line1\nline2\r\n{long}"))).to_string();
    assert!(!shown.contains('\n') && !shown.contains('\r'));
    assert!(shown.chars().count() < 250, "{shown}");
    assert!(shown.ends_with("… (1013 chars)"), "{shown}");
}

#[test]
fn text_errors_with_another_content_type_are_untyped() {
    for status in [401, 403, 404, 423, 500, 503] {
        let outcome = login()
            .parse(json(status, r#"{"message":"nope"}"#))
            .unwrap();
        assert_untyped(
            &outcome,
            Unrecognized::UnexpectedContentType {
                expected: "text/plain",
            },
        );
        assert_eq!(outcome.raw().body(), br#"{"message":"nope"}"#);
    }
    let outcome = login()
        .parse(response(500, "text/html", b"<h1>oops</h1>"))
        .unwrap();
    assert_eq!(outcome.raw().body(), b"<h1>oops</h1>");
    assert!(outcome.error().is_none());
}

#[test]
fn text_that_is_not_utf8_is_a_parse_error() {
    let error = login()
        .parse(response(401, "text/plain", b"\xff\xfe bad"))
        .unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::NotUtf8);
    assert_eq!(error.raw.body(), b"\xff\xfe bad");
}

#[test]
fn undocumented_statuses_are_untyped() {
    for status in [200, 202, 409, 418, 429] {
        let outcome = login().parse(text(status, "hm")).unwrap();
        assert_untyped(&outcome, Unrecognized::UndocumentedStatus);
        assert_eq!(outcome.raw().body(), b"hm");
    }
}

// ---- modes ------------------------------------------------------------------------------------

#[test]
fn modes_are_open() {
    assert_eq!(Mode::from_wire("test"), Mode::Test);
    assert_eq!(Mode::from_wire("live"), Mode::Live);
    assert_eq!(Mode::from_wire("LIVE"), Mode::Other("LIVE".into()));
    assert_eq!(Mode::Live.as_str(), "live");
    assert_eq!(Mode::Test.to_string(), "test");
    assert_eq!("live".parse::<Mode>(), Ok(Mode::Live));
    assert!(Mode::Live.is_known());
    assert!(!Mode::Other("x".into()).is_known());
}
