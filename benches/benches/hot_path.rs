//! Benchmark 3: the hot path. Authorizing one outgoing request with a live cached token, on one
//! thread and on two threads at once, against the hand-written cache (`Mutex<Option<String>>`
//! and `format!("Bearer {}")` into a new header value).
//!
//! keycard's sources read the real clock (`SystemTime::now`) on every call, as in production;
//! the hand-written cache reads none (it never expires anything). Each thread reuses one request,
//! so every call replaces the previous call's header: no request is built in the timed loop.
//! Heap allocations per call are counted with a counting global allocator and printed.

use criterion::{criterion_group, criterion_main, Criterion};
use keycard_benches::alt::hand_cache;
use keycard_benches::canned::Canned;
use keycard_benches::fixtures::api;
use keycard_core::lifecycle::{KeeperConfig, LiveToken};
use keycard_core::voucherify::{Scope, Scopes};
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;

/// The outgoing request, as an application builds it before authorizing it.
fn request() -> http::Request<()> {
    http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER")
        .header(http::header::ACCEPT, "application/json")
        .body(())
        .expect("a valid request")
}

/// The ways to authorize a request, each ready with a live token.
struct Contenders {
    ureq_source: keycard_ureq::TokenSource<keycard_core::voucherify::GenerateToken, Canned>,
    reqwest_source: keycard_reqwest::TokenSource<keycard_core::voucherify::GenerateToken, Canned>,
    live: Arc<LiveToken>,
    hand: hand_cache::Cache,
}

impl Contenders {
    fn new() -> Self {
        let mint = api()
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let ureq_source = keycard_ureq::TokenSource::new(
            Canned::default(),
            mint.clone(),
            KeeperConfig::default(),
        );
        let live = ureq_source.token().expect("the canned token");
        let reqwest_source =
            keycard_reqwest::TokenSource::new(Canned::default(), mint, KeeperConfig::default());
        futures_lite_block_on(reqwest_source.token()).expect("the canned token");
        let hand = hand_cache::Cache::new(live.access_token().expose_secret());
        Self {
            ureq_source,
            reqwest_source,
            live,
            hand,
        }
    }

    fn ureq_source(&self, r: &mut http::Request<()>) {
        self.ureq_source.authorize(r).expect("a live token");
    }

    fn reqwest_source(&self, r: &mut http::Request<()>) {
        assert!(self.reqwest_source.authorize_cached(r));
    }

    fn live(&self, r: &mut http::Request<()>) {
        self.live.authorize(r);
    }

    fn hand(&self, r: &mut http::Request<()>) {
        self.hand.authorize(r);
    }
}

type Way = fn(&Contenders, &mut http::Request<()>);

const WAYS: [(&str, Way); 4] = [
    ("keycard_ureq_source", Contenders::ureq_source),
    ("keycard_reqwest_source", Contenders::reqwest_source),
    ("keycard_core_live_token", Contenders::live),
    ("hand_written", Contenders::hand),
];

/// Polls a future that is ready at once (the reqwest source's first fetch, over the canned
/// transport, never suspends).
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the canned transport never suspends"),
    }
}

/// Runs `iters` calls on each of two threads at once; the slower thread's time.
fn on_two_threads(iters: u64, contenders: &Contenders, way: Way) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut r = request();
                    way(contenders, &mut r);
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        way(black_box(contenders), black_box(&mut r));
                    }
                    start.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("the thread ran"))
            .max()
            .unwrap_or_default()
    })
}

fn hot_path(c: &mut Criterion) {
    let contenders = Contenders::new();
    for (name, way) in WAYS {
        let mut r = request();
        eprintln!(
            "hot_path/{name}: heap allocations per call: {}",
            keycard_benches::alloc::per_call(10_000, || way(&contenders, &mut r))
        );
    }

    let mut group = c.benchmark_group("hot_path/1_thread");
    for (name, way) in WAYS {
        let mut r = request();
        group.bench_function(name, |b| {
            b.iter(|| way(black_box(&contenders), black_box(&mut r)))
        });
    }
    group.finish();

    // Time per call on each thread while the other thread makes the same calls.
    let mut group = c.benchmark_group("hot_path/2_threads");
    for (name, way) in WAYS {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| on_two_threads(iters, &contenders, way))
        });
    }
    group.finish();

    assert_eq!(
        contenders.ureq_source.transport().requests(),
        1,
        "the token stayed fresh through the benchmark: one fetch"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(100);
    targets = hot_path
}
criterion_main!(benches);
