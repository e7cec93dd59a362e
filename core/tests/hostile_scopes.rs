//! Hostile scope strings and permission lists: huge, repetitive, or all separators. Reading them
//! is linear in their size (regression: every unknown value used to be searched for in a list,
//! which made 100 000 distinct values take about a minute), and nothing is dropped.

use keycard_core::exact::{Api, Environment, Permission, Permissions};
use keycard_core::voucherify::{Credentials, Region, Scope, Scopes};
use keycard_core::{ApiKey, Operation, Parsed, SecretKey};
use std::time::{Duration, Instant};

const ENTRIES: usize = 100_000;

/// Generous for a debug build on a loaded machine (each takes well under 2 s there); the
/// quadratic version took minutes.
const BOUND: Duration = Duration::from_secs(10);

/// Times `f` by the wall clock: the one place a test of core needs it (what is measured is how
/// long parsing takes, not what it means).
#[track_caller]
#[allow(clippy::disallowed_methods)]
fn within_bound<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let started = Instant::now();
    let result = f();
    let took = started.elapsed();
    assert!(took < BOUND, "{what} took {took:?}");
    result
}

fn distinct_unknown(n: usize) -> String {
    (0..n).map(|i| format!("scope-{i} ")).collect()
}

#[test]
fn a_scope_string_of_100_000_distinct_unknown_entries_is_read_in_linear_time() {
    let wire = distinct_unknown(ENTRIES);
    let scopes = within_bound("parsing", || Scopes::parse(&wire));
    assert_eq!(scopes.len(), ENTRIES);
    assert_eq!(scopes.unknown().next(), Some("scope-0"));
    assert_eq!(scopes.unknown().last(), Some("scope-99999"));

    let again = within_bound("printing and reading back", || {
        Scopes::parse(&scopes.to_string())
    });
    within_bound("set operations", || {
        assert_eq!(again, scopes);
        assert!(scopes.is_subset(&again));
        assert_eq!(scopes.union(&again).len(), ENTRIES);
        assert_eq!(scopes.intersection(&again).len(), ENTRIES);
        assert!(scopes.difference(&again).is_empty());
        assert!(scopes.contains_wire("scope-54321"));
    });
}

#[test]
fn a_scope_string_of_100_000_copies_of_one_scope_is_one_scope() {
    let wire = "vouchers ".repeat(ENTRIES);
    let scopes = within_bound("parsing", || Scopes::parse(&wire));
    assert_eq!(scopes, Scopes::from([Scope::Vouchers]));
}

#[test]
fn a_scope_string_of_100_000_copies_of_one_unknown_value_is_one_value() {
    let wire = "brand-new,".repeat(ENTRIES);
    let scopes = within_bound("parsing", || Scopes::parse(&wire));
    assert_eq!(scopes.len(), 1);
    assert_eq!(scopes.unknown().collect::<Vec<_>>(), ["brand-new"]);
}

#[test]
fn a_scope_string_of_only_separators_is_the_empty_set() {
    let wire = " ,\t\r\n".repeat(ENTRIES);
    assert!(within_bound("parsing", || Scopes::parse(&wire)).is_empty());
}

#[test]
fn a_single_unknown_scope_of_a_megabyte_is_kept_whole() {
    let wire = "x".repeat(1 << 20);
    let scopes = Scopes::parse(&wire);
    assert_eq!(
        scopes.unknown().map(str::len).collect::<Vec<_>>(),
        [1 << 20]
    );
}

#[test]
fn a_generated_token_with_100_000_scopes_is_read_in_linear_time() {
    let api = keycard_core::voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app", SecretKey::new("key")).unwrap(),
    );
    let generate = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let body = format!(
        r#"{{"access_token":"t","client_id":"c","expires_at":1,"expires_in":1,"scope":"vouchers {}","token_type":"Bearer"}}"#,
        distinct_unknown(ENTRIES).trim_end()
    );
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    let outcome = within_bound("parsing the token", || generate.parse(response).unwrap());
    let Parsed::Success(token) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(token.scope.len(), ENTRIES + 1);
    assert!(token.scope.grants(Scope::Vouchers));
}

#[test]
fn an_application_token_with_100_000_permissions_is_read_in_linear_time() {
    let create = Api::new(Environment::Sandbox.base_url(), ApiKey::new("key"))
        .unwrap()
        .create_application_token(
            "app",
            "label",
            &Permissions::from([Permission::ChargesCreate]),
            None,
        )
        .unwrap();
    let items: Vec<String> = (0..ENTRIES).map(|i| format!("\"perm.{i}\"")).collect();
    let body = format!(
        r#"{{"id":"i","token":"t","allowedPermissions":["charges.create",{}]}}"#,
        items.join(",")
    );
    let response = http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    let outcome = within_bound("parsing the token", || create.parse(response).unwrap());
    let Parsed::Success(token) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(token.allowed_permissions.len(), ENTRIES + 1);
    assert!(token
        .allowed_permissions
        .contains(Permission::ChargesCreate));
    assert!(token.allowed_permissions.contains_wire("perm.99999"));
}

#[test]
fn equality_and_hashing_of_huge_sets_ignore_order_in_linear_time() {
    use std::hash::{BuildHasher, RandomState};
    let forward = Scopes::parse(&distinct_unknown(ENTRIES));
    let backward: Scopes = {
        let mut set = Scopes::new();
        for i in (0..ENTRIES).rev() {
            set.insert_wire(&format!("scope-{i}"));
        }
        set
    };
    let hasher = RandomState::new();
    within_bound("comparing and hashing", || {
        assert_eq!(forward, backward);
        assert_eq!(hasher.hash_one(&forward), hasher.hash_one(&backward));
    });
}
