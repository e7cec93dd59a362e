//! The scope-set parser over both vocabularies: the wire string (`ScopeSet::parse`,
//! `insert_wire`) and serde (a string or an array), with the set laws checked on what it reads.
#![no_main]

use keycard_core::exact::Permission;
use keycard_core::voucherify::Scope;
use keycard_core::{ScopeSet, Vocabulary};
use libfuzzer_sys::fuzz_target;

fn laws<V: Vocabulary>(a: &ScopeSet<V>, b: &ScopeSet<V>) {
    // Printing and reading back gives the same set: unknown values are kept, never dropped.
    let printed = a.to_string();
    assert_eq!(
        &ScopeSet::<V>::parse(&printed),
        a,
        "round trip of {printed:?}"
    );
    assert_eq!(a.len(), a.iter().count());
    assert_eq!(a.is_empty(), a.len() == 0);
    for value in a.iter() {
        assert!(!value.is_empty());
        assert!(a.contains_wire(value));
    }
    let union = a.union(b);
    let intersection = a.intersection(b);
    let difference = a.difference(b);
    assert!(a.is_subset(&union) && b.is_subset(&union));
    assert!(intersection.is_subset(a) && intersection.is_subset(b));
    assert!(difference.is_subset(a));
    assert!(difference.intersection(b).is_empty());
    assert_eq!(union.len(), a.len() + b.len() - intersection.len());
    assert_eq!(&a.union(a), a);
    assert!(a.difference(a).is_empty());
    let json = serde_json::to_string(a).unwrap();
    assert_eq!(&serde_json::from_str::<ScopeSet<V>>(&json).unwrap(), a);
}

fn run<V: Vocabulary>(mode: u8, data: &[u8]) {
    let (left, right) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let (a, b) = if mode & 1 == 0 {
        // Wire strings.
        let a = ScopeSet::<V>::parse(&String::from_utf8_lossy(left));
        let mut b = ScopeSet::<V>::new();
        b.insert_wire(&String::from_utf8_lossy(right));
        (a, b)
    } else {
        // JSON: a string or an array of strings; anything else is an error, never a panic.
        let a = serde_json::from_slice::<ScopeSet<V>>(left).unwrap_or_default();
        let b = serde_json::from_slice::<ScopeSet<V>>(right).unwrap_or_default();
        (a, b)
    };
    laws(&a, &b);
    laws(&b, &a);
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 2 == 0 {
        run::<Scope>(*mode, rest);
    } else {
        run::<Permission>(*mode, rest);
    }
});
