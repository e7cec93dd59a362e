//! Benchmark 4: transport overhead. Fetching a token (`POST /v1/oauth/token`, parsed into a
//! typed token) from the emulator on 127.0.0.1 through keycard-ureq and keycard-reqwest, against
//! ureq and reqwest driven by hand with `serde_json`. Connections are kept alive in every client.
//!
//! Besides criterion's groups, a paired measurement runs the two contenders of each pair in
//! alternating rounds and prints the median of the per-round ratios: on a shared machine, the
//! load changes between criterion's benchmarks, but not much within a round.

use criterion::{criterion_group, criterion_main, Criterion};
use keycard_benches::live::Live;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds and requests per contender per round of the paired measurement.
const ROUNDS: usize = 401;
const PER_ROUND: u32 = 40;

fn time(n: u32, f: &dyn Fn()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

/// Median of per-round ratios `keycard / hand`, the order alternating each round.
fn paired(name: &str, keycard: &dyn Fn(), hand: &dyn Fn()) {
    let mut ratios = Vec::with_capacity(ROUNDS);
    let (mut k_all, mut h_all) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (k, h) = if round % 2 == 0 {
            let k = time(PER_ROUND, keycard);
            (k, time(PER_ROUND, hand))
        } else {
            let h = time(PER_ROUND, hand);
            (time(PER_ROUND, keycard), h)
        };
        ratios.push(k.as_secs_f64() / h.as_secs_f64());
        k_all.push(k);
        h_all.push(h);
    }
    ratios.sort_by(f64::total_cmp);
    k_all.sort();
    h_all.sort();
    eprintln!(
        "transport/{name}: paired, {ROUNDS} rounds x {PER_ROUND} requests: median keycard {:?}, hand-written {:?}, median ratio keycard/hand-written {:.3} (quartiles {:.3}..{:.3})",
        k_all[ROUNDS / 2],
        h_all[ROUNDS / 2],
        ratios[ROUNDS / 2],
        ratios[ROUNDS / 4],
        ratios[3 * ROUNDS / 4],
    );
}

fn transport(c: &mut Criterion) {
    let live = Live::start();

    paired("ureq", &|| drop(black_box(live.keycard_ureq())), &|| {
        drop(black_box(live.hand_ureq()))
    });
    paired(
        "ureq, keycard-ureq with an inline resolver for IP addresses",
        &|| drop(black_box(live.keycard_ureq_inline())),
        &|| drop(black_box(live.hand_ureq())),
    );
    paired(
        "ureq, the hand-written client with keycard-ureq's timeouts",
        &|| drop(black_box(live.keycard_ureq())),
        &|| drop(black_box(live.hand_ureq_timeouts())),
    );
    paired(
        "reqwest",
        &|| drop(black_box(live.keycard_reqwest())),
        &|| drop(black_box(live.hand_reqwest())),
    );

    let mut group = c.benchmark_group("transport/ureq");
    group.bench_function("keycard_ureq", |b| b.iter(|| live.keycard_ureq()));
    group.bench_function("keycard_ureq_inline_resolver", |b| {
        b.iter(|| live.keycard_ureq_inline())
    });
    group.bench_function("hand_written_ureq", |b| b.iter(|| live.hand_ureq()));
    group.bench_function("hand_written_ureq_same_timeouts", |b| {
        b.iter(|| live.hand_ureq_timeouts())
    });
    group.finish();

    let mut group = c.benchmark_group("transport/reqwest");
    group.bench_function("keycard_reqwest", |b| b.iter(|| live.keycard_reqwest()));
    group.bench_function("hand_written_reqwest", |b| b.iter(|| live.hand_reqwest()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60).measurement_time(Duration::from_secs(8));
    targets = transport
}
criterion_main!(benches);
