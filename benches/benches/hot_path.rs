//! Benchmark 3: the hot path. Authorizing one outgoing request with a live cached token, on one
//! thread and on two threads at once, against the hand-written cache (`Mutex<Option<String>>`
//! and `format!("Bearer {}")` into a new header value).
//!
//! keycard's sources (keycard-source's `BlockingSource` and `AsyncSource`, through `authorize`
//! and through `authorize_cached`, the hot path alone) read the coarse monotonic clock
//! (`SystemClock::now_coarse`) on every call, as in production; the hand-written caches
//! (`Mutex` and `RwLock`) read none (they never expire anything). The thread-scaling curve
//! (1, 2, 4, 8 threads) is `paired hot_path/threads`. Each thread reuses one request,
//! so every call replaces the previous call's header: no request is built in the timed loop.
//! Heap allocations per call are counted with a counting global allocator and printed.

use criterion::{criterion_group, criterion_main, Criterion};
use keycard_benches::hot::{request, Contenders, Way, WAYS};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;

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
        contenders.requests(),
        (1, 1),
        "the token stayed fresh through the benchmark: one fetch per source"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(100);
    targets = hot_path
}
criterion_main!(benches);
