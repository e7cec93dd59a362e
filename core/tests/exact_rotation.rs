//! Rotating an application token, sans-IO: the requests in turn, fed fixture responses; every
//! failure names the token that works.

use keycard_core::exact::{
    self, ApplicationTokenInfo, Environment, Permission, Permissions, Rotation, RotationError,
    RotationStep, RotationStepError, Verification,
};
use keycard_core::{ApiKey, TransportError, TransportErrorKind};

const ADMIN: &str = "admin-key-0123456789";
const NEW_TOKEN: &str = "new-secret-token-9876543210";
const APP: &str = "64b6d9ad24f5773308785e70";

fn admin() -> exact::Api {
    exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(ADMIN)).unwrap()
}

fn rotation(permissions: &[Permission]) -> Rotation {
    let old = ApplicationTokenInfo::new(
        "old-id",
        "checkout",
        permissions.iter().copied().collect::<Permissions>(),
    );
    admin().rotate_application_token(APP, &old, None).unwrap()
}

fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn text(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn created(permissions: &str) -> http::Response<Vec<u8>> {
    json(
        201,
        &format!(
            r#"{{"id":"new-id","label":"checkout","type":"application","token":"{NEW_TOKEN}","allowedPermissions":[{permissions}],"allowedAccounts":[]}}"#
        ),
    )
}

fn listed(ids: &[(&str, &str)]) -> http::Response<Vec<u8>> {
    let items: Vec<String> = ids
        .iter()
        .map(|(id, permissions)| {
            format!(
                r#"{{"id":"{id}","label":"checkout","type":"application","allowedPermissions":[{permissions}],"createdAt":"2025-02-07T16:03:06.000Z"}}"#
            )
        })
        .collect();
    json(200, &format!("[{}]", items.join(",")))
}

fn sent(step: RotationStep) -> http::Request<Vec<u8>> {
    match step {
        RotationStep::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn failed(step: RotationStep) -> RotationError {
    match step {
        RotationStep::Failed(error) => error,
        other => panic!("expected a failure, got {other:?}"),
    }
}

const READ_AND_CHARGE: &str = r#""application-tokens.read","charges.create""#;

#[test]
fn a_rotation_creates_verifies_with_the_new_token_switches_then_deletes_the_old() {
    let mut r = rotation(&[Permission::ApplicationTokensRead, Permission::ChargesCreate]);
    let create = sent(r.start());
    assert_eq!(create.method(), http::Method::POST);
    assert_eq!(create.uri().path(), format!("/application/{APP}/token"));
    assert_eq!(create.headers()["authorization"], ADMIN);
    let body: serde_json::Value = serde_json::from_slice(create.body()).unwrap();
    assert_eq!(body["label"], "checkout", "the same label");
    let mut asked: Vec<&str> = body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    asked.sort_unstable();
    assert_eq!(
        asked,
        ["application-tokens.read", "charges.create"],
        "the same permissions"
    );

    let verify = sent(r.on_response(Ok(created(READ_AND_CHARGE))));
    assert_eq!(verify.method(), http::Method::GET);
    assert_eq!(verify.uri().path(), format!("/application/{APP}/token"));
    assert_eq!(
        verify.headers()["authorization"],
        NEW_TOKEN,
        "the new token lists"
    );

    let RotationStep::Switch(new) = r.on_response(Ok(listed(&[
        ("new-id", READ_AND_CHARGE),
        ("old-id", READ_AND_CHARGE),
    ]))) else {
        panic!("expected the switch")
    };
    assert_eq!(new.token.expose_secret(), NEW_TOKEN);

    let delete = sent(r.switched());
    assert_eq!(delete.method(), http::Method::DELETE);
    assert_eq!(
        delete.uri().path(),
        format!("/application/{APP}/token/old-id")
    );
    assert_eq!(delete.headers()["authorization"], ADMIN);

    let RotationStep::Done(rotated) = r.on_response(Ok(http::Response::builder()
        .status(204)
        .body(Vec::new())
        .unwrap()))
    else {
        panic!("expected the end")
    };
    assert_eq!(rotated.new.id, "new-id");
    assert_eq!(rotated.old_id, "old-id");
    assert_eq!(rotated.verified_by, Verification::NewToken);
}

#[test]
fn a_new_token_that_may_not_list_is_verified_by_the_admin_listing() {
    let mut r = rotation(&[Permission::ChargesCreate]);
    sent(r.start());
    let verify = sent(r.on_response(Ok(created(r#""charges.create""#))));
    assert_eq!(verify.headers()["authorization"], ADMIN);
    let step = r.on_response(Ok(listed(&[("new-id", r#""charges.create""#)])));
    assert!(matches!(step, RotationStep::Switch(_)), "{step:?}");
    sent(r.switched());
    let RotationStep::Done(rotated) = r.on_response(Ok(http::Response::builder()
        .status(204)
        .body(Vec::new())
        .unwrap()))
    else {
        panic!()
    };
    assert_eq!(rotated.verified_by, Verification::AdminListing);
}

#[test]
fn a_failed_create_leaves_the_old_token_working_and_says_so() {
    let mut r = rotation(&[Permission::ChargesCreate]);
    sent(r.start());
    let error = failed(r.on_response(Ok(text(401, "Unauthorized"))));
    assert!(
        matches!(error, RotationError::CreateFailed { .. }),
        "{error:?}"
    );
    assert_eq!(error.working_id(), "old-id");
    assert!(
        error.to_string().contains("old-id is still in use"),
        "{error}"
    );

    let mut r = rotation(&[Permission::ChargesCreate]);
    sent(r.start());
    let cut = TransportError::without_url(TransportErrorKind::Connect, "connection refused");
    let error = failed(r.on_response(Err(cut)));
    let RotationError::CreateFailed { ref cause, .. } = error else {
        panic!("{error:?}")
    };
    assert!(
        matches!(**cause, RotationStepError::Transport(_)),
        "{cause:?}"
    );
    assert_eq!(error.working_id(), "old-id");
}

#[test]
fn a_new_token_missing_from_the_listing_is_not_switched_to() {
    let mut r = rotation(&[Permission::ApplicationTokensRead]);
    sent(r.start());
    sent(r.on_response(Ok(created(r#""application-tokens.read""#))));
    let error = failed(r.on_response(Ok(listed(&[("old-id", r#""application-tokens.read""#)]))));
    let RotationError::VerifyFailed {
        ref unverified,
        ref cause,
        ..
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(unverified.id, "new-id", "named, to be deleted");
    assert!(matches!(**cause, RotationStepError::NotListed));
    assert_eq!(error.working_id(), "old-id");
    // A listing that shows other permissions does not verify it either.
    let mut r = rotation(&[Permission::ApplicationTokensRead]);
    sent(r.start());
    sent(r.on_response(Ok(created(r#""application-tokens.read""#))));
    let error = failed(r.on_response(Ok(listed(&[("new-id", r#""charges.read""#)]))));
    assert_eq!(error.working_id(), "old-id");
}

#[test]
fn a_failed_delete_names_the_new_token_as_working_and_the_old_as_left() {
    let mut r = rotation(&[Permission::ChargesCreate]);
    sent(r.start());
    sent(r.on_response(Ok(created(r#""charges.create""#))));
    assert!(matches!(
        r.on_response(Ok(listed(&[("new-id", r#""charges.create""#)]))),
        RotationStep::Switch(_)
    ));
    sent(r.switched());
    let error = failed(r.on_response(Ok(text(503, "Service Unavailable"))));
    let RotationError::DeleteFailed {
        ref working,
        ref old_id,
        ..
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!((working.id.as_str(), old_id.as_str()), ("new-id", "old-id"));
    assert_eq!(error.working_id(), "new-id");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(NEW_TOKEN),
        "the new token never shows: {shown}"
    );
}

#[test]
fn input_out_of_order_is_an_error_not_a_panic() {
    let mut r = rotation(&[Permission::ChargesCreate]);
    let error = failed(r.on_response(Ok(created(r#""charges.create""#))));
    assert!(matches!(error, RotationError::OutOfOrder { .. }));
    let error = failed(r.switched());
    assert_eq!(error.working_id(), "old-id");
    sent(r.start());
    let error = failed(r.start());
    assert!(matches!(error, RotationError::OutOfOrder { .. }));
}

#[test]
fn a_token_without_a_label_cannot_be_rotated() {
    let mut old =
        ApplicationTokenInfo::new("old-id", "x", Permissions::from([Permission::ChargesRead]));
    old.label = None;
    assert!(admin().rotate_application_token(APP, &old, None).is_err());
}

/// The error and its whole chain, as a log would show them.
fn shown(error: &RotationError) -> String {
    let mut shown = format!("{error:?}");
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        shown.push_str(&format!(" {e} {e:?}"));
        cause = e.source();
    }
    shown
}

#[test]
fn a_refusal_that_echoes_the_new_token_or_the_admin_key_never_shows_them() {
    // The new token lists with itself: the listing's refusal echoes it.
    let mut r = rotation(&[Permission::ApplicationTokensRead]);
    sent(r.start());
    sent(r.on_response(Ok(created(r#""application-tokens.read""#))));
    let echo = format!("Unauthorized: {NEW_TOKEN} may not read tokens");
    let error = failed(r.on_response(Ok(text(401, &echo))));
    assert!(
        matches!(error, RotationError::VerifyFailed { .. }),
        "{error:?}"
    );
    let shown_verify = shown(&error);
    assert!(!shown_verify.contains(NEW_TOKEN), "{shown_verify}");
    assert!(
        shown_verify.contains(keycard_core::REDACTED),
        "{shown_verify}"
    );

    // The admin key creates: the create's refusal echoes it.
    let mut r = rotation(&[Permission::ChargesCreate]);
    sent(r.start());
    let error = failed(r.on_response(Ok(text(401, &format!("Unauthorized: {ADMIN}")))));
    assert!(
        matches!(error, RotationError::CreateFailed { .. }),
        "{error:?}"
    );
    let shown_create = shown(&error);
    assert!(!shown_create.contains(ADMIN), "{shown_create}");
    assert!(
        shown_create.contains(keycard_core::REDACTED),
        "{shown_create}"
    );
}
