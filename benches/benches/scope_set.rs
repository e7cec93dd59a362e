//! Benchmark 2: scope sets. Parsing the wire form, and `grants` (with Voucherify's umbrella
//! scopes), for keycard's `Scopes` against a `Vec<String>` and a `HashSet<String>`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use keycard_benches::alt::scopes as by_hand;
use keycard_benches::fixtures::all_scopes_wire;
use keycard_core::voucherify::{Scope, Scopes};
use std::hint::black_box;

#[global_allocator]
static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;

/// The wire forms parsed: the spec's single scope, a typical narrow token, all 42.
fn wires() -> Vec<(&'static str, String)> {
    vec![
        ("1_scope", "api".to_owned()),
        ("3_scopes", "vouchers campaigns customers".to_owned()),
        ("all_42_scopes", all_scopes_wire()),
    ]
}

fn parse(c: &mut Criterion) {
    for (name, wire) in wires() {
        let wire = wire.as_str();
        eprintln!(
            "scope_set/parse/{name}: heap allocations per parse: keycard {}, Vec<String> {}, HashSet<String> {}",
            keycard_benches::alloc::per_call(1000, || Scopes::parse(black_box(wire))),
            keycard_benches::alloc::per_call(1000, || by_hand::parse_vec(black_box(wire))),
            keycard_benches::alloc::per_call(1000, || by_hand::parse_hash(black_box(wire))),
        );
        let mut group = c.benchmark_group(format!("scope_set/parse/{name}"));
        group.bench_function("keycard", |b| {
            b.iter_batched(
                || (),
                |()| Scopes::parse(black_box(wire)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("vec_string", |b| {
            b.iter_batched(
                || (),
                |()| by_hand::parse_vec(black_box(wire)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("hashset_string", |b| {
            b.iter_batched(
                || (),
                |()| by_hand::parse_hash(black_box(wire)),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

/// `grants` on a parsed set: a scope held directly, one granted by the `api` umbrella, and one
/// not granted (the worst case for a list: every element compared, twice).
fn grants(c: &mut Criterion) {
    let cases: [(&str, &str, Scope); 3] = [
        ("direct", "vouchers campaigns customers", Scope::Customers),
        ("umbrella", "api", Scope::Vouchers),
        (
            "denied",
            "vouchers campaigns customers",
            Scope::ClientRedeem,
        ),
    ];
    for (name, wire, scope) in cases {
        let keycard = Scopes::parse(wire);
        let vec = by_hand::parse_vec(wire);
        let hash = by_hand::parse_hash(wire);
        let s = scope.as_str();
        assert_eq!(keycard.grants(scope), by_hand::grants_vec(&vec, s));
        assert_eq!(keycard.grants(scope), by_hand::grants_hash(&hash, s));
        let mut group = c.benchmark_group(format!("scope_set/grants/{name}"));
        group.bench_function("keycard", |b| {
            b.iter(|| black_box(&keycard).grants(black_box(scope)))
        });
        group.bench_function("vec_string", |b| {
            b.iter(|| by_hand::grants_vec(black_box(&vec), black_box(s)))
        });
        group.bench_function("hashset_string", |b| {
            b.iter(|| by_hand::grants_hash(black_box(&hash), black_box(s)))
        });
        group.finish();
    }
    // The same on the 42-scope set: everything is held directly.
    let wire = all_scopes_wire();
    let keycard = Scopes::parse(&wire);
    let vec = by_hand::parse_vec(&wire);
    let hash = by_hand::parse_hash(&wire);
    let scope = Scope::Vouchers; // last in the list: a linear scan's worst hit
    let s = scope.as_str();
    let mut group = c.benchmark_group("scope_set/grants/all_42_scopes");
    group.bench_function("keycard", |b| {
        b.iter(|| black_box(&keycard).grants(black_box(scope)))
    });
    group.bench_function("vec_string", |b| {
        b.iter(|| by_hand::grants_vec(black_box(&vec), black_box(s)))
    });
    group.bench_function("hashset_string", |b| {
        b.iter(|| by_hand::grants_hash(black_box(&hash), black_box(s)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(200);
    targets = parse, grants
}
criterion_main!(benches);
