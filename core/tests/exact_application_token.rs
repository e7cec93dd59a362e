//! The application-token endpoints: create, list, delete.

mod exact_common;

use exact_common::*;
use keycard_core::exact::{
    ApplicationTokenError, ApplicationTokenPage, Deleted, IssueCode, ListQuery, Mode, Permission,
    Permissions, TokenKind,
};
use keycard_core::{
    ApiKey, BuildError, FieldProblem, Operation, ParseErrorKind, Parsed, Unrecognized,
};
use std::time::{Duration, UNIX_EPOCH};

const APP_TOKEN: &str =
    "bbf96d9ceafadca6614350066c93e4dbea4d44f6634cc9b18868e4bfd06e050874a0c31275b3a82d";
const LABEL: &str = "Transactions Application Token";

fn permissions() -> Permissions {
    Permissions::from([Permission::ChargesRead, Permission::ChargesCreate])
}

fn typed_error<T: std::fmt::Debug>(
    outcome: &keycard_core::Outcome<T, ApplicationTokenError>,
) -> ApplicationTokenError {
    match outcome.parsed() {
        Parsed::Error(error) => error.clone(),
        other => panic!("{other:?}"),
    }
}

// ---- create: the request ------------------------------------------------------------------------

#[test]
fn create_request() {
    for (base, prefix) in bases() {
        let api = keycard_core::exact::Api::new(base, ApiKey::new(API_KEY)).unwrap();
        let op = api
            .create_application_token("admin-pwa", LABEL, &permissions(), Some(Mode::Test))
            .unwrap();
        let request = op.request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(
            request.uri().to_string(),
            format!("{prefix}/application/admin-pwa/token")
        );
        assert_eq!(request.headers()["authorization"], API_KEY);
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(header(&request, "content-type"), "application/json");
        assert_eq!(header(&request, "accept"), "application/json, text/plain");
        assert_eq!(request.headers().len(), 3);
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"label":"Transactions Application Token","permissions":["charges.create","charges.read"],"mode":"test"}"#
        );
        assert_eq!(op.application_id(), "admin-pwa");
        assert_eq!(op.label(), LABEL);
        assert_eq!(op.permissions(), &permissions());
    }
}

#[test]
fn create_request_without_mode_and_with_an_unknown_permission() {
    let mut permissions = Permissions::from([Permission::WebhooksRead]);
    permissions.insert_wire("teleport.create");
    let op = api()
        .create_application_token("app/1", "a \"label\"", &permissions, None)
        .unwrap();
    let request = op.request();
    assert_eq!(
        request.uri(),
        "https://api.exactpaysandbox.com/application/app%2F1/token"
    );
    assert_eq!(
        std::str::from_utf8(request.body()).unwrap(),
        r#"{"label":"a \"label\"","permissions":["webhooks.read","teleport.create"]}"#
    );
}

#[test]
fn create_refuses_empty_inputs() {
    let api = api();
    assert_eq!(
        api.create_application_token("app", "", &permissions(), None)
            .unwrap_err(),
        BuildError::EmptyField { name: "label" }
    );
    assert_eq!(
        api.create_application_token("app", LABEL, &Permissions::new(), None)
            .unwrap_err(),
        BuildError::EmptyScopeSet
    );
    assert_eq!(
        api.create_application_token("", LABEL, &permissions(), None)
            .unwrap_err(),
        BuildError::EmptyPathSegment {
            name: "applicationId"
        }
    );
}

// ---- create: responses ------------------------------------------------------------------------

fn create() -> keycard_core::exact::CreateApplicationToken {
    api()
        .create_application_token("admin-pwa", LABEL, &permissions(), None)
        .unwrap()
}

#[test]
fn created_token_from_the_spec_example() {
    let body = format!(
        r#"{{"id":"64b6d9ad24f5773308785e70","label":"{LABEL}","type":"application",
            "token":"{APP_TOKEN}","allowedPermissions":["charges.create","teleport.create"],
            "allowedAccounts":["64b04d6d198ce11d0d64ca2a"]}}"#
    );
    let outcome = create().parse(json(201, &body)).unwrap();
    let token = outcome.success().unwrap();
    assert_eq!(token.id, "64b6d9ad24f5773308785e70");
    assert_eq!(token.label.as_deref(), Some(LABEL));
    assert_eq!(token.token_type, Some(TokenKind::Application));
    assert_eq!(token.token.expose_secret(), APP_TOKEN);
    assert_eq!(token.api_key().expose_secret(), APP_TOKEN);
    assert!(token
        .allowed_permissions
        .contains(Permission::ChargesCreate));
    assert!(token.allowed_permissions.contains_wire("teleport.create"));
    assert_eq!(token.allowed_accounts, ["64b04d6d198ce11d0d64ca2a"]);
}

#[test]
fn created_token_needs_id_and_token() {
    let minimal = create()
        .parse(json(201, r#"{"id":"i","token":"t"}"#))
        .unwrap();
    let token = minimal.success().unwrap();
    assert_eq!(token.label, None);
    assert!(token.allowed_permissions.is_empty());
    assert!(token.allowed_accounts.is_empty());

    let error = create().parse(json(201, r#"{"id":"i"}"#)).unwrap_err();
    assert_eq!(json_path(&error), ".");
    let error = create()
        .parse(json(
            201,
            r#"{"id":"i","token":"t","allowedPermissions":[1]}"#,
        ))
        .unwrap_err();
    assert_eq!(json_path(&error), "allowedPermissions[0]");
    let error = create()
        .parse(json(201, r#"{"id":"i","token":"a\nb"}"#))
        .unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "token",
            problem: FieldProblem::NotHeaderSafe
        }
    );
}

#[test]
fn create_bad_request_is_a_zod_error() {
    let outcome = create()
        .parse(json(
            400,
            r#"{"issues":[{"code":"invalid_enum_value","path":["permissions",0],"message":"Invalid enum value","received":"teleport.create"}],"name":"ZodError"}"#,
        ))
        .unwrap();
    let ApplicationTokenError::BadRequest(zod) = typed_error(&outcome) else {
        panic!()
    };
    assert_eq!(zod.issues[0].code, Some(IssueCode::InvalidEnumValue));
    assert_eq!(zod.issues[0].path, ["permissions", "0"]);
    assert_eq!(zod.issues[0].received.as_deref(), Some("teleport.create"));
}

#[test]
fn create_text_errors() {
    type Variant = fn(String) -> ApplicationTokenError;
    let cases: [(u16, Variant); 4] = [
        (401, ApplicationTokenError::Unauthorized),
        (404, ApplicationTokenError::NotFound),
        (500, ApplicationTokenError::InternalServerError),
        (503, ApplicationTokenError::ServiceUnavailable),
    ];
    for (status, variant) in cases {
        let outcome = create().parse(text(status, "Nope")).unwrap();
        assert_eq!(typed_error(&outcome), variant("Nope".into()));
        let outcome = create()
            .parse(response(status, "text/html", b"<p>Nope</p>"))
            .unwrap();
        assert_untyped(
            &outcome,
            Unrecognized::UnexpectedContentType {
                expected: "text/plain",
            },
        );
        assert_eq!(outcome.raw().body(), b"<p>Nope</p>");
    }
    for status in [200, 403, 418] {
        let outcome = create().parse(text(status, "x")).unwrap();
        assert_untyped(&outcome, Unrecognized::UndocumentedStatus);
    }
}

// ---- list ---------------------------------------------------------------------------------------

#[test]
fn list_request_without_query() {
    let op = api()
        .list_application_tokens("admin-pwa", &ListQuery::new())
        .unwrap();
    let request = op.request();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(
        request.uri(),
        "https://api.exactpaysandbox.com/application/admin-pwa/token"
    );
    assert_eq!(request.headers()["authorization"], API_KEY);
    assert!(request.headers()["authorization"].is_sensitive());
    assert_eq!(header(&request, "accept"), "application/json, text/plain");
    assert!(request.headers().get("content-type").is_none());
    assert!(request.body().is_empty());
    assert_eq!(op.application_id(), "admin-pwa");
}

#[test]
fn list_request_with_every_parameter() {
    let query = ListQuery::new().skip(10).sort("createdAt:asc").limit(5);
    let op = api().list_application_tokens("admin-pwa", &query).unwrap();
    assert_eq!(
        op.request().uri(),
        "https://api.exactpaysandbox.com/application/admin-pwa/token?$skip=10&$sort=createdAt:asc&$limit=5"
    );
    assert_eq!(op.query(), &query);

    let only_limit = ListQuery {
        limit: Some(0),
        ..ListQuery::default()
    };
    let op = api().list_application_tokens("a", &only_limit).unwrap();
    assert_eq!(
        op.request().uri(),
        "https://api.exactpaysandbox.com/application/a/token?$limit=0"
    );
}

#[test]
fn list_sort_values_are_percent_encoded() {
    let query = ListQuery::new().sort("label:desc,createdAt:asc &x=1+2#%é/?");
    let op = api().list_application_tokens("admin pwa", &query).unwrap();
    assert_eq!(
        op.request().uri(),
        "https://api.exactpaysandbox.com/application/admin%20pwa/token?$sort=label:desc,createdAt:asc%20%26x%3D1%2B2%23%25%C3%A9%2F%3F"
    );
    assert_eq!(
        api()
            .list_application_tokens("a", &ListQuery::new().sort(""))
            .unwrap_err(),
        BuildError::EmptyField { name: "$sort" }
    );
    assert_eq!(
        api()
            .list_application_tokens("", &ListQuery::new())
            .unwrap_err(),
        BuildError::EmptyPathSegment {
            name: "applicationId"
        }
    );
}

fn list() -> keycard_core::exact::ListApplicationTokens {
    api()
        .list_application_tokens("admin-pwa", &ListQuery::new())
        .unwrap()
}

const LIST_BODY: &str = r#"[
    {"id":"64b6d9ad24f5773308785e70","label":"Transactions Application Token","type":"application",
     "allowedPermissions":["charges.create"],"createdAt":"2022-01-24T15:05:18.262Z"},
    {"id":"64b6d9ad24f5773308785e71","allowedPermissions":["teleport.create"]}
]"#;

fn parse_page(response: http::Response<Vec<u8>>) -> ApplicationTokenPage {
    list().parse(response).unwrap().success().unwrap().clone()
}

#[test]
fn list_page_from_the_spec_example() {
    let page = parse_page(response_with(
        200,
        Some("application/json; charset=utf-8"),
        &[("x-total-count", "250")],
        LIST_BODY.as_bytes(),
    ));
    assert_eq!(page.total, Some(250));
    assert_eq!(page.tokens.len(), 2);
    let first = &page.tokens[0];
    assert_eq!(first.id, "64b6d9ad24f5773308785e70");
    assert_eq!(
        first.label.as_deref(),
        Some("Transactions Application Token")
    );
    assert_eq!(first.token_type, Some(TokenKind::Application));
    assert!(first
        .allowed_permissions
        .contains(Permission::ChargesCreate));
    assert_eq!(
        first.created_at,
        Some(UNIX_EPOCH + Duration::from_millis(1_643_036_718_262))
    );
    let second = &page.tokens[1];
    assert_eq!(second.label, None);
    assert_eq!(second.created_at, None);
    assert!(second.allowed_permissions.contains_wire("teleport.create"));
}

#[test]
fn list_total_count_header() {
    let page = parse_page(json(200, "[]"));
    assert_eq!(page, ApplicationTokenPage::default());
    let page = parse_page(response_with(
        200,
        Some("application/json"),
        &[("X-Total-Count", " 0 ")],
        b"[]",
    ));
    assert_eq!(page.total, Some(0));
    for bad in ["abc", "-1", "2.5", "", "99999999999999999999999"] {
        let error = list()
            .parse(response_with(
                200,
                Some("application/json"),
                &[("x-total-count", bad)],
                b"[]",
            ))
            .unwrap_err();
        assert_eq!(
            error.kind,
            ParseErrorKind::InvalidField {
                field: "x-total-count",
                problem: FieldProblem::Invalid
            },
            "{bad:?}"
        );
    }
}

#[test]
fn list_malformed_bodies() {
    let error = list()
        .parse(json(200, r#"[{"id":"a"},{"id":5}]"#))
        .unwrap_err();
    assert_eq!(json_path(&error), "[1].id");
    let error = list().parse(json(200, r#"{"data":[]}"#)).unwrap_err();
    assert_eq!(json_path(&error), ".");
    let error = list()
        .parse(json(200, r#"[{"id":"a","createdAt":"yesterday"}]"#))
        .unwrap_err();
    assert_eq!(
        error.kind,
        ParseErrorKind::InvalidField {
            field: "createdAt",
            problem: FieldProblem::NotRfc3339
        }
    );
}

#[test]
fn list_errors() {
    // 401 and 404 have no documented content: any body is taken as text.
    let outcome = list().parse(response_with(401, None, &[], b"")).unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::Unauthorized(String::new())
    );
    let outcome = list()
        .parse(response(404, "text/html", b"<p>Not \xffFound</p>"))
        .unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::NotFound("<p>Not \u{fffd}Found</p>".into())
    );
    assert_eq!(outcome.raw().body(), b"<p>Not \xffFound</p>");
    let outcome = list().parse(text(500, "Internal Server Error")).unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::InternalServerError("Internal Server Error".into())
    );
    let outcome = list().parse(text(503, "Service Unavailable")).unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::ServiceUnavailable("Service Unavailable".into())
    );
    let outcome = list().parse(json(503, "{}")).unwrap();
    assert_untyped(
        &outcome,
        Unrecognized::UnexpectedContentType {
            expected: "text/plain",
        },
    );
    let outcome = list().parse(text(200, "[]")).unwrap();
    assert_untyped(
        &outcome,
        Unrecognized::UnexpectedContentType {
            expected: "application/json",
        },
    );
    for status in [201, 400, 418] {
        let outcome = list().parse(json(status, "[]")).unwrap();
        assert_untyped(&outcome, Unrecognized::UndocumentedStatus);
    }
}

// ---- delete -----------------------------------------------------------------------------------

#[test]
fn delete_request() {
    for (base, prefix) in bases() {
        let api = keycard_core::exact::Api::new(base, ApiKey::new(API_KEY)).unwrap();
        let op = api
            .delete_application_token("admin-pwa", "623cddcad82a8effbb0b9845")
            .unwrap();
        let request = op.request();
        assert_eq!(request.method(), http::Method::DELETE);
        assert_eq!(
            request.uri().to_string(),
            format!("{prefix}/application/admin-pwa/token/623cddcad82a8effbb0b9845")
        );
        assert_eq!(request.headers()["authorization"], API_KEY);
        assert!(request.headers()["authorization"].is_sensitive());
        assert!(request.headers().get("content-type").is_none());
        assert!(request.body().is_empty());
        assert_eq!(op.application_id(), "admin-pwa");
        assert_eq!(op.token_id(), "623cddcad82a8effbb0b9845");
    }
}

#[test]
fn delete_ids_are_encoded_and_required() {
    let op = api().delete_application_token("a/b", "t?1 %é").unwrap();
    assert_eq!(
        op.request().uri(),
        "https://api.exactpaysandbox.com/application/a%2Fb/token/t%3F1%20%25%C3%A9"
    );
    assert_eq!(
        api().delete_application_token("a", "").unwrap_err(),
        BuildError::EmptyPathSegment { name: "tokenId" }
    );
    assert_eq!(
        api().delete_application_token("", "t").unwrap_err(),
        BuildError::EmptyPathSegment {
            name: "applicationId"
        }
    );
}

#[test]
fn delete_responses() {
    let op = api().delete_application_token("a", "t").unwrap();
    let outcome = op.parse(response_with(204, None, &[], b"")).unwrap();
    assert_eq!(outcome.success(), Some(&Deleted));
    let outcome = op.parse(text(404, "Not Found")).unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::NotFound("Not Found".into())
    );
    assert_eq!(
        op.parse(text(404, "Not Found"))
            .unwrap()
            .into_result()
            .unwrap_err()
            .to_string(),
        "HTTP 404 Not Found: not found: Not Found"
    );
    let outcome = op.parse(text(401, "Unauthorized")).unwrap();
    assert_eq!(
        typed_error(&outcome),
        ApplicationTokenError::Unauthorized("Unauthorized".into())
    );
    let outcome = op.parse(response(500, "text/html", b"<b>x</b>")).unwrap();
    assert_untyped(
        &outcome,
        Unrecognized::UnexpectedContentType {
            expected: "text/plain",
        },
    );
    for status in [200, 202, 418] {
        let outcome = op.parse(text(status, "")).unwrap();
        assert_untyped(&outcome, Unrecognized::UndocumentedStatus);
    }
}
