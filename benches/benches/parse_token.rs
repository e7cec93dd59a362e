//! Benchmark 1: parsing a Voucherify token response into a typed token.
//!
//! keycard (`GenerateToken::parse`, from the `http::Response` a transport hands over) against
//! the `oauth2` crate's `StandardTokenResponse` (read as the crate's client reads a response, and
//! with bare `serde_json`), a generated-SDK-style model and the floor (`serde_json` into borrowed
//! `&str` fields). keycard is measured twice: answering its own request (the response echoes
//! the scope string sent, as Voucherify's does) and answering a request for other scopes (the
//! scope string is parsed in full). Every variant's output is dropped outside the
//! timed region, and keycard's input response is built outside it: what is timed is the parse.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use keycard_benches::alt::{floor, oauth2_crate, sdk};
use keycard_benches::fixtures::{api, json_response, token_bodies};
use keycard_core::voucherify::{Scope, Scopes};
use keycard_core::Operation;
use std::hint::black_box;

#[global_allocator]
static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;

fn allocations_of<I, R>(input: I, f: impl FnOnce(I) -> R) -> u64 {
    let before = keycard_benches::alloc::allocations();
    let out = black_box(f(input));
    let n = keycard_benches::alloc::allocations() - before;
    drop(out);
    n
}

fn parse_token(c: &mut Criterion) {
    let api = api();
    for body in token_bodies() {
        let generate = api.generate_token(&body.scopes).expect("a valid operation");
        // A request for other scopes: the response's scope string is then parsed in full.
        let other = api
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .expect("a valid operation");
        let bytes = body.json.as_bytes();

        eprintln!(
            "parse_token/{}: heap allocations per parse: keycard {}, oauth2 client path {}, oauth2 {}, sdk {}, floor {}",
            body.name,
            allocations_of(json_response(&body.json), |r| generate.parse(r).unwrap()),
            allocations_of(json_response(&body.json), oauth2_crate::parse_response),
            allocations_of(bytes, oauth2_crate::parse),
            allocations_of(bytes, sdk::parse),
            allocations_of(bytes, floor::parse),
        );

        let mut group = c.benchmark_group(format!("parse_token/{}", body.name));
        group.bench_function("keycard", |b| {
            b.iter_batched(
                || json_response(&body.json),
                |response| generate.parse(black_box(response)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("keycard_scope_not_echoed", |b| {
            b.iter_batched(
                || json_response(&body.json),
                |response| other.parse(black_box(response)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("oauth2_client_path", |b| {
            b.iter_batched(
                || json_response(&body.json),
                |response| oauth2_crate::parse_response(black_box(response)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("oauth2", |b| {
            b.iter_batched(
                || (),
                |()| oauth2_crate::parse(black_box(bytes)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("sdk_model", |b| {
            b.iter_batched(
                || (),
                |()| sdk::parse(black_box(bytes)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("floor_borrowed", |b| {
            b.iter_batched(
                || (),
                |()| floor::parse(black_box(bytes)),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(200);
    targets = parse_token
}
criterion_main!(benches);
