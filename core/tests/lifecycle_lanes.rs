//! Threads that authorize with one token at once share no reference count: a token keeps its
//! `Authorization` value in up to eight copies (each with its own count), and each thread uses
//! its own. A long token keeps fewer, within a budget. (Timing is the benchmarks' business:
//! this proves which copy each thread puts on its request.) One test in this binary, so that
//! no other test's threads take a turn in between.

mod lifecycle_common;

use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceMachine};
use keycard_core::voucherify::Scopes;
use lifecycle_common::{answer, expect_send, generate, secs, token_response, Clock};
use std::collections::HashSet;
use std::sync::Arc;

fn live(token: &str) -> Arc<LiveToken<Scopes>> {
    let clock = Clock::fixed();
    let mut machine = SourceMachine::new(generate(), SourceConfig::default());
    let id = expect_send(&mut machine, clock.at(secs(0)));
    answer(
        &mut machine,
        &clock,
        id,
        token_response(token, 900, lifecycle_common::T0 + 900),
        secs(0),
    );
    machine.current().expect("a live token").clone()
}

/// Where the `Authorization` value's bytes that `token` puts on a request on a new thread
/// live; and that they say `Bearer <token>`.
fn copy_used_by_a_new_thread(token: &Arc<LiveToken<Scopes>>, secret: &str) -> usize {
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut request = http::Request::new(());
            token.authorize(&mut request);
            // The same thread uses the same copy every time.
            let first = request.headers()["authorization"].as_bytes().as_ptr();
            token.authorize(&mut request);
            let value = &request.headers()["authorization"];
            assert_eq!(value.as_bytes().as_ptr(), first);
            assert!(value.is_sensitive());
            assert_eq!(value.as_bytes(), format!("Bearer {secret}").as_bytes());
            first as usize
        })
        .join()
        .expect("the thread ran")
    })
}

#[test]
fn eight_threads_use_eight_copies_of_the_header_and_a_long_token_fewer() {
    let short = live("tok-short");
    let copies: HashSet<usize> = (0..8)
        .map(|_| copy_used_by_a_new_thread(&short, "tok-short"))
        .collect();
    assert_eq!(copies.len(), 8, "one copy per thread");
    // The ninth thread shares the first's copy.
    assert!(copies.contains(&copy_used_by_a_new_thread(&short, "tok-short")));

    // A 4 KiB token: two copies (8 would be 34 KiB, over the 16 KiB budget).
    let long_secret = "k".repeat(4096);
    let long = live(&long_secret);
    let copies: HashSet<usize> = (0..8)
        .map(|_| copy_used_by_a_new_thread(&long, &long_secret))
        .collect();
    assert_eq!(copies.len(), 2);
}
