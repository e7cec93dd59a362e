//! Property tests for `ScopeSet`: printing and parsing are inverse, set laws hold, unknown
//! values are never lost, nothing panics.

use keycard_core::exact::{Permission, Permissions};
use keycard_core::voucherify::{Scope, Scopes};
use proptest::prelude::*;
use std::hash::{BuildHasher, RandomState};

/// An unknown value: lowercase, digits, `_`, `-`, `.`; never a known scope.
fn unknown_value() -> impl Strategy<Value = String> {
    "[a-z0-9_.-]{1,12}".prop_filter("a known scope", |s| Scope::from_wire(s).is_none())
}

/// A set with some known scopes and some unknown values.
fn scopes() -> impl Strategy<Value = Scopes> {
    (
        prop::collection::vec(prop::sample::select(Scope::ALL), 0..8),
        prop::collection::vec(unknown_value(), 0..4),
    )
        .prop_map(|(known, unknown)| {
            let mut set: Scopes = known.into_iter().collect();
            for value in unknown {
                set.insert_wire(&value);
            }
            set
        })
}

fn permissions() -> impl Strategy<Value = Permissions> {
    (
        prop::collection::vec(prop::sample::select(Permission::ALL), 0..10),
        prop::collection::vec("[a-z]{1,6}\\.[a-z]{1,6}", 0..3),
    )
        .prop_map(|(known, unknown)| {
            let mut set: Permissions = known.into_iter().collect();
            for value in unknown {
                set.insert_wire(&value);
            }
            set
        })
}

/// A separator run as a lenient parser must accept it.
fn separators() -> impl Strategy<Value = String> {
    "[ ,\t]{1,4}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // ---- parse and print ----------------------------------------------------------------

    #[test]
    fn parse_of_print_is_identity(a in scopes()) {
        prop_assert_eq!(Scopes::parse(&a.to_string()), a);
    }

    #[test]
    fn parse_of_print_is_identity_for_permissions(a in permissions()) {
        prop_assert_eq!(Permissions::parse(&a.to_string()), a);
    }

    #[test]
    fn print_is_single_spaced(a in scopes()) {
        let printed = a.to_string();
        prop_assert!(!printed.contains("  "));
        prop_assert!(!printed.starts_with(' ') && !printed.ends_with(' '));
        prop_assert_eq!(printed.split(' ').filter(|s| !s.is_empty()).count(), a.len());
    }

    #[test]
    fn print_of_parse_is_stable(a in scopes()) {
        let once = a.to_string();
        prop_assert_eq!(Scopes::parse(&once).to_string(), once);
    }

    #[test]
    fn any_separators_parse_the_same(values in prop::collection::vec(unknown_value(), 1..6),
                                      seps in prop::collection::vec(separators(), 6)) {
        let spaced = values.join(" ");
        let mut messy = seps[5].clone();
        for (value, sep) in values.iter().zip(&seps) {
            messy.push_str(value);
            messy.push_str(sep);
        }
        prop_assert_eq!(Scopes::parse(&messy), Scopes::parse(&spaced));
    }

    #[test]
    fn unknown_values_survive_print_and_parse(a in scopes()) {
        let back = Scopes::parse(&a.to_string());
        let before: Vec<&str> = a.unknown().collect();
        let after: Vec<&str> = back.unknown().collect();
        prop_assert_eq!(before, after);
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics(s in any::<String>()) {
        let set = Scopes::parse(&s);
        prop_assert_eq!(set.len(), set.iter().count());
        prop_assert_eq!(Scopes::parse(&set.to_string()), set);
    }

    #[test]
    fn insert_wire_of_arbitrary_strings_round_trips(values in prop::collection::vec(any::<String>(), 0..4)) {
        let mut set = Scopes::new();
        for value in &values {
            set.insert_wire(value);
        }
        prop_assert_eq!(Scopes::parse(&set.to_string()), set);
    }

    #[test]
    fn serde_round_trips(a in scopes()) {
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), a.clone());
        let array: Vec<&str> = a.iter().collect();
        let json = serde_json::to_string(&array).unwrap();
        prop_assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), a);
    }

    // ---- counting and membership ---------------------------------------------------------

    #[test]
    fn len_is_consistent(a in scopes()) {
        prop_assert_eq!(a.len(), a.iter().count());
        prop_assert_eq!(a.len(), a.known().count() + a.unknown().count());
        prop_assert_eq!(a.is_empty(), a.iter().next().is_none());
    }

    #[test]
    fn grants_everything_it_contains(a in scopes()) {
        for value in a.known() {
            prop_assert!(a.grants(value));
            prop_assert!(a.contains(value));
            prop_assert!(a.contains_wire(value.as_str()));
        }
        for value in a.unknown() {
            prop_assert!(a.contains_wire(value));
        }
    }

    #[test]
    fn an_umbrella_grants_what_it_covers(a in scopes(), scope in prop::sample::select(Scope::ALL)) {
        let covered = if scope.as_str().starts_with("client_") { Scope::ClientApi } else { Scope::Api };
        let mut with = a.clone();
        with.insert(covered);
        prop_assert!(with.grants(scope));
    }

    // ---- set laws ------------------------------------------------------------------------

    #[test]
    fn union_and_intersection_commute(a in scopes(), b in scopes()) {
        prop_assert_eq!(a.union(&b), b.union(&a));
        prop_assert_eq!(a.intersection(&b), b.intersection(&a));
    }

    #[test]
    fn union_and_intersection_associate(a in scopes(), b in scopes(), c in scopes()) {
        prop_assert_eq!(a.union(&b).union(&c), a.union(&b.union(&c)));
        prop_assert_eq!(a.intersection(&b).intersection(&c), a.intersection(&b.intersection(&c)));
    }

    #[test]
    fn absorption(a in scopes(), b in scopes()) {
        prop_assert_eq!(a.union(&a.intersection(&b)), a.clone());
        prop_assert_eq!(a.intersection(&a.union(&b)), a);
    }

    #[test]
    fn idempotence_and_identity(a in scopes()) {
        prop_assert_eq!(a.union(&a), a.clone());
        prop_assert_eq!(a.intersection(&a), a.clone());
        prop_assert_eq!(a.union(&Scopes::new()), a.clone());
        prop_assert!(a.intersection(&Scopes::new()).is_empty());
        prop_assert!(a.difference(&a).is_empty());
        prop_assert_eq!(a.difference(&Scopes::new()), a);
    }

    #[test]
    fn distributivity(a in scopes(), b in scopes(), c in scopes()) {
        prop_assert_eq!(a.union(&b.intersection(&c)), a.union(&b).intersection(&a.union(&c)));
        prop_assert_eq!(a.intersection(&b.union(&c)), a.intersection(&b).union(&a.intersection(&c)));
    }

    #[test]
    fn subsets(a in scopes(), b in scopes()) {
        let union = a.union(&b);
        let intersection = a.intersection(&b);
        prop_assert!(a.is_subset(&union));
        prop_assert!(union.is_superset(&b));
        prop_assert!(intersection.is_subset(&a));
        prop_assert!(intersection.is_subset(&b));
        prop_assert!(a.difference(&b).is_subset(&a));
        prop_assert_eq!(a.is_subset(&b) && b.is_subset(&a), a == b);
        prop_assert_eq!(a.is_subset(&b), a.union(&b) == b);
    }

    #[test]
    fn difference_laws(a in scopes(), b in scopes(), c in scopes()) {
        prop_assert!(a.difference(&b).intersection(&b).is_empty());
        prop_assert_eq!(a.difference(&b).union(&a.intersection(&b)), a.clone());
        prop_assert_eq!(a.difference(&b.union(&c)), a.difference(&b).intersection(&a.difference(&c)));
        prop_assert_eq!(a.difference(&b.intersection(&c)), a.difference(&b).union(&a.difference(&c)));
        prop_assert_eq!(a.union(&b).len() + a.intersection(&b).len(), a.len() + b.len());
    }

    #[test]
    fn equal_sets_hash_equal(a in scopes(), b in scopes()) {
        let hasher = RandomState::new();
        prop_assert_eq!(hasher.hash_one(a.union(&b)), hasher.hash_one(b.union(&a)));
    }
}
