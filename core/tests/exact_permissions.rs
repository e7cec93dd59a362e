//! The operation → permission table copied from the Exact Payments spec, and the local check
//! that a token's `allowedPermissions` cover an operation.

use http::Method;
use keycard_core::exact::{
    coverage, required_permission, Coverage, Permission, Permissions, REQUIRED_PERMISSIONS,
};

const APP: &str = "/application/64b6d9ad24f5773308785e70/token";

#[test]
fn the_application_token_operations_need_their_named_permissions() {
    let none = Permissions::new();
    for (method, path, permission) in [
        (
            Method::POST,
            APP.to_owned(),
            Permission::ApplicationTokensCreate,
        ),
        (
            Method::GET,
            APP.to_owned(),
            Permission::ApplicationTokensRead,
        ),
        (
            Method::DELETE,
            format!("{APP}/64b6d9ad24f5773308785e71"),
            Permission::ApplicationTokensDelete,
        ),
    ] {
        assert_eq!(
            coverage(&none, &method, &path),
            Coverage::Missing(permission),
            "{method} {path}"
        );
        let allowed = Permissions::from([permission]);
        assert_eq!(
            coverage(&allowed, &method, &path),
            Coverage::Covered(permission)
        );
    }
}

#[test]
fn a_call_the_spec_names_no_permission_for_is_undocumented() {
    let all: Permissions = Permissions::new();
    for (method, path) in [
        (Method::GET, "/status"),
        (Method::POST, "/token"),
        (Method::POST, "/orders/ord_1/accessToken"),
        (Method::PUT, "/organization/o/onboarding-workflow/w/enable"),
        (Method::PATCH, APP),
    ] {
        assert_eq!(
            coverage(&all, &method, path),
            Coverage::Undocumented,
            "{method} {path}"
        );
    }
}

#[test]
fn a_literal_segment_wins_over_a_parameter() {
    let row = required_permission(
        &Method::GET,
        "/organization/o/onboarding/b/document/download",
    )
    .unwrap();
    assert_eq!(row.operation_id(), "get-download-all-documents");
    let row =
        required_permission(&Method::GET, "/organization/o/onboarding/b/document/d1").unwrap();
    assert_eq!(row.operation_id(), "get-retrieve-document");
    assert_eq!(row.permission(), Permission::OnboardingDocumentsRead);
}

#[test]
fn every_row_is_a_distinct_operation_that_matches_its_own_pattern() {
    let mut seen = std::collections::HashSet::new();
    for row in REQUIRED_PERMISSIONS {
        assert!(seen.insert((row.method(), row.path())), "{row:?} twice");
        assert!(Method::from_bytes(row.method().as_bytes()).is_ok());
        let concrete = row.path().replace('{', "x").replace('}', "");
        assert!(row.matches_path(&concrete), "{row:?}");
        assert!(!row.matches_path(&format!("{concrete}/more")), "{row:?}");
    }
    assert_eq!(REQUIRED_PERMISSIONS.len(), 31);
}
