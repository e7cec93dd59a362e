//! `ScopeSet` over both vocabularies: parsing, printing, umbrellas, set operations, serde.

use keycard_core::exact::{Permission, Permissions};
use keycard_core::voucherify::{Scope, Scopes};
use keycard_core::{ScopeSet, Vocabulary};
use std::collections::HashSet;

fn scopes(wire: &str) -> Scopes {
    Scopes::parse(wire)
}

// ---- the vocabularies -----------------------------------------------------------------------

#[test]
fn voucherify_has_42_scopes_that_round_trip() {
    assert_eq!(Scope::ALL.len(), 42);
    for (i, scope) in Scope::ALL.iter().enumerate() {
        assert_eq!(Scope::from_wire(scope.as_str()), Some(*scope));
        assert_eq!(scope.to_string(), scope.as_str());
        assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
        assert_eq!(Vocabulary::index(*scope), i);
    }
    let names: HashSet<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names.len(), 42, "wire names are unique");
}

#[test]
fn exact_has_84_permissions_that_round_trip() {
    assert_eq!(Permission::ALL.len(), 84);
    for (i, permission) in Permission::ALL.iter().enumerate() {
        assert_eq!(
            Permission::from_wire(permission.as_str()),
            Some(*permission)
        );
        assert_eq!(permission.as_str().parse::<Permission>(), Ok(*permission));
        assert_eq!(Vocabulary::index(*permission), i);
    }
    let names: HashSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(names.len(), 84, "wire names are unique");
}

#[test]
fn unknown_wire_values_are_not_in_the_vocabularies() {
    assert_eq!(Scope::from_wire("API"), None);
    assert_eq!(Scope::from_wire(" api"), None);
    assert_eq!(Scope::from_wire(""), None);
    assert!("gift-cards".parse::<Scope>().is_err());
    assert_eq!(Permission::from_wire("charges.CREATE"), None);
}

/// The backquoted names after `marker` in a description: "Allowed values: `a`, `b`."
fn listed_names(description: &str, marker: &str) -> Vec<String> {
    let start = description.find(marker).expect(marker) + marker.len();
    description[start..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The in-repository copy of Voucherify's OAuth OpenAPI document (see `core/data/README.md`),
/// compiled in: without it the test does not build.
const OAUTH_SPEC: &str = include_str!("../data/voucherify-oauth.json");

#[test]
fn voucherify_scopes_are_exactly_the_specs_list() {
    let spec: serde_json::Value = serde_json::from_str(OAUTH_SPEC).unwrap();
    let ours: Vec<String> = Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let schemas = &spec["components"]["schemas"];
    let request = schemas["OAuthTokenGenerateRequestBody"]["properties"]["scope"]["description"]
        .as_str()
        .unwrap();
    assert_eq!(listed_names(request, "Allowed values:"), ours);
    let token = schemas["OAuthToken"]["properties"]["scope"]["description"]
        .as_str()
        .unwrap();
    assert_eq!(listed_names(token, "Possible values:"), ours);
}

// ---- parsing and printing -------------------------------------------------------------------

#[test]
fn parsing_is_lenient_about_separators() {
    let expected = Scopes::from([Scope::Vouchers, Scope::Campaigns, Scope::Customers]);
    for wire in [
        "vouchers campaigns customers",
        "vouchers   campaigns    customers",
        "  vouchers campaigns customers  ",
        "vouchers,campaigns,customers",
        "vouchers, campaigns ,customers,",
        "vouchers\tcampaigns\t\tcustomers",
        "vouchers\r\ncampaigns\ncustomers",
        ",,vouchers,, ,campaigns\t, customers",
    ] {
        assert_eq!(scopes(wire), expected, "{wire:?}");
    }
}

#[test]
fn printing_is_single_spaced_known_in_vocabulary_order_then_unknown_in_insertion_order() {
    let set = scopes("zeta vouchers alpha api client_api zeta campaigns");
    assert_eq!(
        set.to_string(),
        "api campaigns client_api vouchers zeta alpha"
    );
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        [
            "api",
            "campaigns",
            "client_api",
            "vouchers",
            "zeta",
            "alpha"
        ]
    );
}

#[test]
fn unknown_values_are_kept_never_dropped() {
    let set = scopes("vouchers brand-new API Vouchers");
    assert_eq!(set.len(), 4);
    assert_eq!(
        set.unknown().collect::<Vec<_>>(),
        ["brand-new", "API", "Vouchers"]
    );
    assert!(set.contains_wire("brand-new"));
    assert!(set.contains_wire("vouchers"));
    assert!(!set.contains_wire("campaigns"));
}

#[test]
fn duplicates_count_once() {
    let set = scopes("api api x x");
    assert_eq!(set.len(), 2);
    assert_eq!(set.to_string(), "api x");
}

#[test]
fn empty_and_blank_strings_are_the_empty_set() {
    for wire in ["", " ", ",", " , \t\r\n"] {
        let set = scopes(wire);
        assert!(set.is_empty(), "{wire:?}");
        assert_eq!(set.len(), 0);
        assert_eq!(set.to_string(), "");
    }
    assert_eq!(Scopes::new(), Scopes::default());
}

#[test]
fn from_str_and_display_round_trip() {
    let set: Scopes = "vouchers campaigns brand-new".parse().unwrap();
    assert_eq!(set.to_string().parse::<Scopes>().unwrap(), set);
}

#[test]
fn insert_wire_with_separators_adds_each_value() {
    let mut set = Scopes::new();
    assert!(set.insert_wire("vouchers campaigns,brand-new"));
    assert_eq!(set, scopes("vouchers campaigns brand-new"));
    assert!(!set.insert_wire(" vouchers ,"));
    assert!(!set.insert_wire(""));
    assert_eq!(set.to_string().parse::<Scopes>().unwrap(), set);
}

#[test]
fn insert_and_remove_report_change() {
    let mut set = Scopes::new();
    assert!(set.insert(Scope::Api));
    assert!(!set.insert(Scope::Api));
    assert!(set.insert_wire("x"));
    assert!(!set.insert_wire("x"));
    assert!(!set.insert_wire("api"));
    assert!(set.remove(Scope::Api));
    assert!(!set.remove(Scope::Api));
    assert_eq!(set.to_string(), "x");
}

#[test]
fn debug_lists_the_values() {
    assert_eq!(
        format!("{:?}", scopes("vouchers api x")),
        r#"{"api", "vouchers", "x"}"#
    );
}

// ---- grants and umbrellas -------------------------------------------------------------------

fn is_client(scope: Scope) -> bool {
    scope.as_str().starts_with("client_")
}

#[test]
fn api_grants_every_server_side_scope_and_no_client_scope() {
    let set = Scopes::from([Scope::Api]);
    for scope in Scope::ALL {
        assert_eq!(set.grants(*scope), !is_client(*scope), "{scope}");
    }
}

#[test]
fn client_api_grants_every_client_scope_and_no_server_side_scope() {
    let set = Scopes::from([Scope::ClientApi]);
    for scope in Scope::ALL {
        assert_eq!(set.grants(*scope), is_client(*scope), "{scope}");
    }
}

#[test]
fn a_narrow_scope_grants_only_itself() {
    let set = Scopes::from([Scope::Vouchers]);
    for scope in Scope::ALL {
        assert_eq!(set.grants(*scope), *scope == Scope::Vouchers, "{scope}");
    }
    assert!(!Scopes::from([Scope::ClientVouchers]).grants(Scope::ClientApi));
    assert!(!Scopes::from([Scope::ClientVouchers]).grants(Scope::Vouchers));
}

#[test]
fn grants_any_needs_one() {
    let set = Scopes::from([Scope::Vouchers]);
    assert!(set.grants_any(&[Scope::Campaigns, Scope::Vouchers]));
    assert!(!set.grants_any(&[Scope::Campaigns, Scope::Customers]));
    assert!(!set.grants_any(&[]));
    assert!(Scopes::from([Scope::Api]).grants_any(&[Scope::Campaigns]));
}

#[test]
fn permissions_have_no_umbrella() {
    let set = Permissions::from([Permission::ChargesCreate]);
    for permission in Permission::ALL {
        assert_eq!(
            set.grants(*permission),
            *permission == Permission::ChargesCreate
        );
    }
}

// ---- set operations -------------------------------------------------------------------------

#[test]
fn union_intersection_difference() {
    let a = scopes("api vouchers x y");
    let b = scopes("vouchers campaigns y z");
    assert_eq!(a.union(&b), scopes("api vouchers campaigns x y z"));
    assert_eq!(a.intersection(&b), scopes("vouchers y"));
    assert_eq!(a.difference(&b), scopes("api x"));
    assert_eq!(b.difference(&a), scopes("campaigns z"));
}

#[test]
fn union_keeps_unknown_in_insertion_order() {
    let a = scopes("x y");
    let b = scopes("z x w");
    assert_eq!(a.union(&b).to_string(), "x y z w");
}

#[test]
fn subset_and_superset() {
    let small = scopes("vouchers x");
    let big = scopes("api vouchers x y");
    assert!(small.is_subset(&big));
    assert!(big.is_superset(&small));
    assert!(!big.is_subset(&small));
    assert!(small.is_subset(&small));
    assert!(Scopes::new().is_subset(&small));
    assert!(!scopes("vouchers q").is_subset(&big));
    // Subset is exact membership: `api` grants `vouchers` but {vouchers} ⊄ {api}.
    assert!(!scopes("vouchers").is_subset(&scopes("api")));
}

#[test]
fn equality_and_hash_ignore_insertion_order() {
    use std::hash::{BuildHasher, RandomState};
    let a = scopes("x y api");
    let b = scopes("api y x");
    assert_eq!(a, b);
    let hasher = RandomState::new();
    assert_eq!(hasher.hash_one(&a), hasher.hash_one(&b));
    assert_ne!(scopes("x"), scopes("x y"));
    assert_ne!(scopes("x y"), scopes("x z"));
}

#[test]
fn collects_and_extends() {
    let mut set: Scopes = [Scope::Vouchers].into_iter().collect();
    set.extend([Scope::Campaigns, Scope::Vouchers]);
    assert_eq!(set, Scopes::from([Scope::Campaigns, Scope::Vouchers]));
    assert_eq!(
        set.known().collect::<Vec<_>>(),
        [Scope::Campaigns, Scope::Vouchers]
    );
}

#[test]
fn generic_over_the_vocabulary() {
    fn count<V: Vocabulary>(set: &ScopeSet<V>) -> usize {
        set.iter().count()
    }
    assert_eq!(count(&scopes("api x")), 2);
    assert_eq!(
        count(&Permissions::parse("charges.read charges.create other")),
        3
    );
}

// ---- exact permissions ----------------------------------------------------------------------

#[test]
fn permissions_parse_and_print() {
    let set = Permissions::parse("charges.read,users.read  brand.new");
    assert!(set.contains(Permission::ChargesRead));
    assert!(set.contains(Permission::UsersRead));
    assert_eq!(set.to_string(), "users.read charges.read brand.new");
}

// ---- serde ----------------------------------------------------------------------------------

#[test]
fn serializes_as_the_wire_string() {
    let set = scopes("vouchers api x");
    assert_eq!(serde_json::to_string(&set).unwrap(), r#""api vouchers x""#);
    assert_eq!(serde_json::to_string(&Scopes::new()).unwrap(), r#""""#);
}

#[test]
fn deserializes_from_a_string() {
    let set: Scopes = serde_json::from_str(r#""vouchers,campaigns  x""#).unwrap();
    assert_eq!(set, scopes("vouchers campaigns x"));
}

#[test]
fn deserializes_from_an_array() {
    let set: Permissions =
        serde_json::from_str(r#"["charges.read","users.read","brand.new"]"#).unwrap();
    assert_eq!(set, Permissions::parse("charges.read users.read brand.new"));
    let set: Scopes = serde_json::from_str(r#"["vouchers", "x\"y"]"#).unwrap();
    assert!(set.contains_wire("x\"y"));
}

#[test]
fn array_items_with_separators_round_trip_through_the_string_form() {
    let set: Scopes = serde_json::from_str(r#"["vouchers campaigns", "a,b"]"#).unwrap();
    assert_eq!(set, scopes("vouchers campaigns a b"));
    let again: Scopes = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
    assert_eq!(again, set);
}

#[test]
fn serde_round_trips() {
    let set = scopes("client_api vouchers x y");
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), set);
}

#[test]
fn refuses_other_json_types() {
    assert!(serde_json::from_str::<Scopes>("5").is_err());
    assert!(serde_json::from_str::<Scopes>("[1]").is_err());
    assert!(serde_json::from_str::<Scopes>("{}").is_err());
    assert!(serde_json::from_str::<Scopes>("null").is_err());
}
