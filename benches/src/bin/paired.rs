//! Paired timing: the contenders of each comparison run in short alternating batches (the order
//! rotating every round), and each is reported as the median time per call and the median of
//! its per-round ratios to keycard. On a shared machine whose load drifts, criterion measures
//! each contender at a different moment; here every round compares them under the same load.
//!
//! `paired [FILTER]` prints markdown tables (FILTER: a substring of the group names).

use keycard_benches::alt::{
    exact_order, floor, linear_check, oauth2_crate, scopes as by_hand, sdk,
};
use keycard_benches::fixtures::{
    all_scopes_wire, api, exact_api, extra_member_body, json_response, json_response_with,
    token_bodies, unknown_scopes_wire, EXACT_ORDER_TOKEN, SPEC_EXAMPLE,
};
use keycard_benches::hot::{request, Contenders, Way, CHECKED, LOOKUP_PATHS, SCALING, WAYS};
use keycard_core::voucherify::{endpoint, Endpoint, Scope, Scopes};
use keycard_core::Operation;
use keycard_source::{Clock, SystemClock};
use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

type Lookup = fn(&http::Method, &str) -> Option<&'static Endpoint>;

#[global_allocator]
static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;

const ROUNDS: usize = 401;
const BATCH: usize = 256;

/// One contender: runs `n` calls and returns the time they took (setup and drops excluded).
type Run<'a> = Box<dyn FnMut(usize) -> Duration + 'a>;

/// Times `f` over inputs made by `setup`, keeping the outputs until the clock has stopped.
fn batch<I, O>(n: usize, mut setup: impl FnMut() -> I, mut f: impl FnMut(I) -> O) -> Duration {
    let inputs: Vec<I> = (0..n).map(|_| setup()).collect();
    let mut outputs = Vec::with_capacity(n);
    let start = Instant::now();
    for input in inputs {
        outputs.push(f(black_box(input)));
    }
    let elapsed = start.elapsed();
    drop(black_box(outputs));
    elapsed
}

/// A contender that runs at most `per` calls of a batch of `n` and scales the time to `n` (for
/// inputs so large that a whole batch would take seconds).
fn few<'a, O: 'a>(wire: &'a str, per: usize, f: fn(&'a str) -> O) -> Run<'a> {
    Box::new(move |n| {
        let m = n.min(per);
        batch(m, || wire, f) * (n as u32) / (m as u32)
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the contenders (the first is keycard, the baseline) and prints one table.
fn compare(group: &str, filter: &str, contenders: Vec<(&str, Run<'_>)>) {
    compare_with(group, filter, contenders, &[]);
}

/// Like [`compare`], with one more column for each contender `references` names: how much
/// slower that reference is than each contender (the median of the per-round ratios
/// `reference / it`).
fn compare_with(
    group: &str,
    filter: &str,
    mut contenders: Vec<(&str, Run<'_>)>,
    references: &[&str],
) {
    if !group.contains(filter) {
        return;
    }
    let k = contenders.len();
    let mut per_call = vec![Vec::with_capacity(ROUNDS); k];
    for (_, run) in contenders.iter_mut() {
        run(BATCH); // warm up
    }
    for round in 0..ROUNDS {
        for j in 0..k {
            let v = (j + round) % k;
            let elapsed = (contenders[v].1)(BATCH);
            per_call[v].push(elapsed.as_secs_f64() * 1e9 / BATCH as f64);
        }
    }
    let references: Vec<usize> = references
        .iter()
        .filter_map(|name| contenders.iter().position(|(n, _)| n == name))
        .collect();
    println!("\n#### {group}\n");
    let mut header =
        "| contender | median per call | vs keycard (median of per-round ratios) |".to_owned();
    let mut rule = "|---|---|---|".to_owned();
    for &i in &references {
        header.push_str(&format!(" {} is slower by |", contenders[i].0));
        rule.push_str("---|");
    }
    println!("{header}\n{rule}");
    for (v, (name, _)) in contenders.iter().enumerate() {
        let ratio = median(
            (0..ROUNDS)
                .map(|r| per_call[v][r] / per_call[0][r])
                .collect(),
        );
        let mut slower = String::new();
        for &i in &references {
            let by = median(
                (0..ROUNDS)
                    .map(|r| per_call[i][r] / per_call[v][r])
                    .collect(),
            );
            slower.push_str(&format!(" {by:.2}× |"));
        }
        let ns = median(per_call[v].clone());
        let time = if ns >= 1000.0 {
            format!("{:.2} µs", ns / 1000.0)
        } else {
            format!("{ns:.1} ns")
        };
        println!("| {name} | {time} | {ratio:.2}× |{slower}");
    }
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let filter = filter.as_str();
    println!("paired timing: {ROUNDS} rounds of {BATCH} calls per contender");

    let api = api();
    let fresh_other = || {
        api.generate_token(&Scopes::from([Scope::Vouchers]))
            .expect("a valid operation")
    };
    for body in token_bodies() {
        let generate = api.generate_token(&body.scopes).expect("a valid operation");
        let other = api
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .expect("a valid operation");
        let json = body.json.as_str();
        let bytes = json.as_bytes();
        compare(
            &format!("parse_token/{}", body.name),
            filter,
            vec![
                (
                    "keycard",
                    Box::new(|n| batch(n, || json_response(json), |r| generate.parse(r).unwrap())),
                ),
                (
                    "keycard, scope not echoed",
                    Box::new(|n| batch(n, || json_response(json), |r| other.parse(r).unwrap())),
                ),
                (
                    // A fresh operation each call: the answer is parsed, not recognized.
                    "keycard, scope not echoed, first answer",
                    Box::new(|n| {
                        batch(
                            n,
                            || (fresh_other(), json_response(json)),
                            |(op, r)| {
                                let out = op.parse(r).unwrap();
                                (op, out)
                            },
                        )
                    }),
                ),
                (
                    "oauth2, its client's path",
                    Box::new(|n| batch(n, || json_response(json), oauth2_crate::parse_response)),
                ),
                (
                    "oauth2, serde_json only",
                    Box::new(|n| batch(n, || bytes, oauth2_crate::parse)),
                ),
                ("SDK model", Box::new(|n| batch(n, || bytes, sdk::parse))),
                (
                    "floor: serde_json, borrowed",
                    Box::new(|n| batch(n, || bytes, floor::parse)),
                ),
            ],
        );
    }

    // Issue 15, item 1: one member keycard does not model.
    {
        let generate = api
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let extra = extra_member_body();
        let extra = extra.as_str();
        compare(
            "parse_token/extra_member",
            filter,
            vec![
                (
                    "keycard, extra member",
                    Box::new(|n| batch(n, || json_response(extra), |r| generate.parse(r).unwrap())),
                ),
                (
                    "keycard, spec example (no extra member)",
                    Box::new(|n| {
                        batch(
                            n,
                            || json_response(SPEC_EXAMPLE),
                            |r| generate.parse(r).unwrap(),
                        )
                    }),
                ),
                (
                    "oauth2, serde_json only, extra member",
                    Box::new(|n| batch(n, || extra.as_bytes(), oauth2_crate::parse)),
                ),
                (
                    "SDK model, extra member",
                    Box::new(|n| batch(n, || extra.as_bytes(), sdk::parse)),
                ),
                (
                    "floor: serde_json, borrowed, extra member",
                    Box::new(|n| batch(n, || extra.as_bytes(), floor::parse)),
                ),
            ],
        );
    }

    // Issue 15, item 3: the Exact Payments order token.
    {
        let exact = exact_api();
        let order = exact
            .create_order_access_token("ord_123")
            .expect("a valid operation");
        let body = EXACT_ORDER_TOKEN;
        compare(
            "parse_token/exact_order",
            filter,
            vec![
                (
                    "keycard",
                    Box::new(|n| {
                        batch(
                            n,
                            || json_response_with(201, body),
                            |r| order.parse(r).unwrap(),
                        )
                    }),
                ),
                (
                    "by hand: serde_json (owned) + time RFC 3339",
                    Box::new(|n| batch(n, || body.as_bytes(), exact_order::parse)),
                ),
                (
                    "floor: serde_json, borrowed (date unparsed)",
                    Box::new(|n| batch(n, || body.as_bytes(), exact_order::floor)),
                ),
            ],
        );
    }

    // Issue 15, items 4 and 5: parse time against the number of scopes (unknown values from
    // 1 000 on), with the heap each result holds.
    for (name, wire) in [
        ("1_scope", "api".to_owned()),
        (
            "8_scopes",
            Scope::ALL[..8]
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("all_42_scopes", all_scopes_wire()),
        ("8_unknown", unknown_scopes_wire(8)),
        ("1000_unknown", unknown_scopes_wire(1000)),
        ("100000_unknown", unknown_scopes_wire(100_000)),
    ] {
        let wire = wire.as_str();
        if !format!("scope_set/scaling/{name}").contains(filter) {
            continue;
        }
        let bytes = |f: &dyn Fn() -> Box<dyn std::any::Any>| {
            let before = keycard_benches::alloc::live_bytes();
            let out = f();
            let held = keycard_benches::alloc::live_bytes() - before;
            drop(out);
            held
        };
        println!(
            "\nscope_set/scaling/{name}: heap bytes held by the result: keycard {}, Vec<String> {}, HashSet<String> {}",
            bytes(&|| Box::new(Scopes::parse(wire))),
            bytes(&|| Box::new(by_hand::parse_vec(wire))),
            bytes(&|| Box::new(by_hand::parse_hash(wire))),
        );
        // Large inputs: fewer calls per batch.
        let per = (BATCH * 8 / wire.len().max(8)).clamp(1, BATCH);
        compare(
            &format!("scope_set/scaling/{name}"),
            filter,
            vec![
                ("keycard", few(wire, per, Scopes::parse)),
                ("Vec<String>", few(wire, per, by_hand::parse_vec)),
                ("HashSet<String>", few(wire, per, by_hand::parse_hash)),
            ],
        );
    }

    for (name, wire) in [
        ("1_scope", "api".to_owned()),
        ("3_scopes", "vouchers campaigns customers".to_owned()),
        ("all_42_scopes", all_scopes_wire()),
    ] {
        let wire = wire.as_str();
        compare(
            &format!("scope_set/parse/{name}"),
            filter,
            vec![
                ("keycard", Box::new(|n| batch(n, || wire, Scopes::parse))),
                (
                    "Vec<String>",
                    Box::new(|n| batch(n, || wire, by_hand::parse_vec)),
                ),
                (
                    "HashSet<String>",
                    Box::new(|n| batch(n, || wire, by_hand::parse_hash)),
                ),
            ],
        );
    }

    for (name, wire, scope) in [
        (
            "direct",
            "vouchers campaigns customers".to_owned(),
            Scope::Customers,
        ),
        ("umbrella", "api".to_owned(), Scope::Vouchers),
        (
            "denied",
            "vouchers campaigns customers".to_owned(),
            Scope::ClientRedeem,
        ),
        ("all_42_scopes", all_scopes_wire(), Scope::Vouchers),
    ] {
        let set = Scopes::parse(&wire);
        let vec = by_hand::parse_vec(&wire);
        let hash = by_hand::parse_hash(&wire);
        let s = scope.as_str();
        compare(
            &format!("scope_set/grants/{name}"),
            filter,
            vec![
                (
                    "keycard",
                    Box::new(|n| batch(n, || &set, |set| set.grants(black_box(scope)))),
                ),
                (
                    "Vec<String>",
                    Box::new(|n| batch(n, || &vec, |v| by_hand::grants_vec(v, black_box(s)))),
                ),
                (
                    "HashSet<String>",
                    Box::new(|n| batch(n, || &hash, |h| by_hand::grants_hash(h, black_box(s)))),
                ),
            ],
        );
    }

    if "hot_path/1_thread".contains(filter) {
        let contenders = Contenders::new();
        let mut runs: Vec<(&str, Run<'_>)> = WAYS
            .iter()
            .map(|&(name, way)| {
                let c = &contenders;
                let mut r = request();
                let run: Run<'_> = Box::new(move |n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        way(black_box(c), black_box(&mut r));
                    }
                    start.elapsed()
                });
                (name, run)
            })
            .collect();
        // What the sources add to the live token: mostly this.
        runs.push((
            "(the clock read alone: Instant::now)",
            Box::new(|n| {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(Instant::now());
                }
                start.elapsed()
            }),
        ));
        // The coarse clock the sources read on the hot path, and the precise one.
        runs.push((
            "(the coarse clock read alone: SystemClock::now_coarse)",
            Box::new(|n| {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(SystemClock.now_coarse());
                }
                start.elapsed()
            }),
        ));
        compare_with(
            "hot_path/1_thread",
            filter,
            runs,
            &["hand_written", "hand_written_rwlock"],
        );
    }

    if "hot_path/threads".contains(filter) {
        scaling();
    }

    // The scope check (issue 15): `authorize_checked` against `authorize` (the baseline of the
    // ratios) and against the check as it was (base URL parsed per call, linear scan).
    if "authorize_checked".contains(filter) {
        let contenders = Contenders::new();
        let runs: Vec<(&str, Run<'_>)> = CHECKED
            .iter()
            .map(|&(name, way)| {
                let c = &contenders;
                let mut r = request();
                let run: Run<'_> = Box::new(move |n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        way(black_box(c), black_box(&mut r));
                    }
                    start.elapsed()
                });
                (name, run)
            })
            .collect();
        // The same check over requests that change from call to call: three endpoints in
        // turn, and a new voucher code on every call (no path seen twice in a row); each also
        // unchecked, its own yardstick (many requests touch more memory than one).
        let mut runs = runs;
        let live = &contenders.live;
        let base = &contenders.base;
        let endpoints_in_turn: Vec<http::Request<()>> = LOOKUP_PATHS[..3]
            .iter()
            .map(|(_, method, path)| {
                let mut r = request();
                *r.method_mut() = method.clone();
                *r.uri_mut() = format!("https://api.voucherify.io{path}")
                    .parse()
                    .expect("a valid URI");
                r
            })
            .collect();
        let new_codes: Vec<http::Request<()>> = (0..1024)
            .map(|i| {
                let mut r = request();
                *r.uri_mut() = format!("https://api.voucherify.io/v1/vouchers/CODE-{i:04}")
                    .parse()
                    .expect("a valid URI");
                r
            })
            .collect();
        for (name, checked, mut requests) in [
            (
                "checked, 3 endpoints in turn",
                true,
                endpoints_in_turn.clone(),
            ),
            ("unchecked, 3 endpoints in turn", false, endpoints_in_turn),
            (
                "checked, a new voucher code each call",
                true,
                new_codes.clone(),
            ),
            ("unchecked, a new voucher code each call", false, new_codes),
        ] {
            let mut at = 0;
            runs.push((
                name,
                Box::new(move |n| {
                    let start = Instant::now();
                    for _ in 0..n {
                        let len = requests.len();
                        let r = &mut requests[at];
                        at = (at + 1) % len;
                        if checked {
                            live.authorize_checked(black_box(r), black_box(base))
                                .expect("the token grants the request");
                        } else {
                            live.authorize(black_box(r));
                        }
                    }
                    start.elapsed()
                }),
            ));
        }
        compare_with(
            "authorize_checked",
            filter,
            runs,
            &["old_check_linear_scan_then_authorize"],
        );
        // The lookup alone, against the live token's `authorize` as the yardstick.
        let contenders = Contenders::new();
        let mut r = request();
        let mut runs: Vec<(&str, Run<'_>)> = vec![(
            "keycard_core_live_token (authorize)",
            Box::new(move |n| {
                let start = Instant::now();
                for _ in 0..n {
                    contenders.live(black_box(&mut r));
                }
                start.elapsed()
            }),
        )];
        for (name, method, path) in LOOKUP_PATHS {
            for (way, lookup) in [
                ("index", endpoint as Lookup),
                ("linear scan", linear_check::endpoint as Lookup),
            ] {
                let method = method.clone();
                runs.push((
                    Box::leak(format!("{name} {path}: {way}").into_boxed_str()),
                    Box::new(move |n| {
                        let start = Instant::now();
                        for _ in 0..n {
                            black_box(lookup(black_box(&method), black_box(path)));
                        }
                        start.elapsed()
                    }),
                ));
            }
        }
        compare("authorize_checked/endpoint_lookup", filter, runs);
    }
}

/// Thread counts of the scaling curve.
const THREADS: [usize; 4] = [1, 2, 4, 8];
/// Rounds of the scaling curve; calls per thread in each run (long enough that a worker's
/// wake-up, tens of microseconds, is lost in the run: 2 ms at the fastest).
const SCALING_ROUNDS: usize = 21;
const SCALING_CALLS: usize = 131_072;

/// What the scaling curve's workers do next.
#[derive(Clone, Copy)]
enum Job {
    /// The first `threads` workers make `SCALING_CALLS` calls each.
    Run {
        way: Way,
        threads: usize,
    },
    Stop,
}

/// Hot-path throughput against the number of threads (issue 15): every contender at 1, 2, 4
/// and 8 threads at once, the runs of one round in rotating order. Each run is the wall time
/// from the first worker's start to the last one's end (8 workers live throughout, waiting on
/// barriers). Reported: calls per second (median), the median of the per-round ratios to the
/// same contender on 1 thread, and to the hand-written caches at the same thread count.
fn scaling() {
    let contenders = Contenders::new();
    let workers = THREADS[THREADS.len() - 1];
    let start = Barrier::new(workers + 1);
    let end = Barrier::new(workers + 1);
    let job = Mutex::new(Job::Stop);
    let spans: Mutex<Vec<(Instant, Instant)>> = Mutex::new(Vec::with_capacity(workers));
    let runs: Vec<(usize, usize)> = (0..SCALING.len())
        .flat_map(|c| (0..THREADS.len()).map(move |t| (c, t)))
        .collect();
    // calls per second, by contender, thread count, round
    let mut rate = vec![vec![Vec::with_capacity(SCALING_ROUNDS); THREADS.len()]; SCALING.len()];
    std::thread::scope(|s| {
        for i in 0..workers {
            let (contenders, start, end, job, spans) = (&contenders, &start, &end, &job, &spans);
            s.spawn(move || {
                let mut r = request();
                loop {
                    start.wait();
                    let next = *job.lock().expect("not poisoned");
                    match next {
                        Job::Stop => break,
                        Job::Run { way, threads } if i < threads => {
                            let began = Instant::now();
                            for _ in 0..SCALING_CALLS {
                                way(black_box(contenders), black_box(&mut r));
                            }
                            let ended = Instant::now();
                            spans.lock().expect("not poisoned").push((began, ended));
                        }
                        Job::Run { .. } => {}
                    }
                    end.wait();
                }
            });
        }
        let run = |c: usize, t: usize| {
            *job.lock().expect("not poisoned") = Job::Run {
                way: SCALING[c].1,
                threads: THREADS[t],
            };
            start.wait();
            end.wait();
            // From the first worker's start to the last one's end: waking the idle workers is
            // not counted.
            let mut spans = spans.lock().expect("not poisoned");
            let began = spans.iter().map(|s| s.0).min().expect("a worker ran");
            let ended = spans.iter().map(|s| s.1).max().expect("a worker ran");
            spans.clear();
            (THREADS[t] * SCALING_CALLS) as f64 / (ended - began).as_secs_f64()
        };
        for &(c, t) in &runs {
            run(c, t); // warm up
        }
        for round in 0..SCALING_ROUNDS {
            for k in 0..runs.len() {
                let (c, t) = runs[(k + round * 7) % runs.len()];
                rate[c][t].push(run(c, t));
            }
        }
        *job.lock().expect("not poisoned") = Job::Stop;
        start.wait();
    });
    let hand = |name: &str| SCALING.iter().position(|(n, _)| *n == name);
    let (mutex, rwlock) = (hand("hand_written"), hand("hand_written_rwlock"));
    println!(
        "\n#### hot_path/threads\n\n{SCALING_ROUNDS} rounds, {SCALING_CALLS} calls per thread per run; {} cores\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("| contender | 1 thread | 2 threads | 4 threads | 8 threads |");
    println!("|---|---|---|---|---|");
    for (c, (name, _)) in SCALING.iter().enumerate() {
        let mut row = format!("| {name} |");
        for t in 0..THREADS.len() {
            let calls = median(rate[c][t].clone()) / 1e6;
            let scale = median(
                (0..SCALING_ROUNDS)
                    .map(|r| rate[c][t][r] / rate[c][0][r])
                    .collect(),
            );
            row.push_str(&format!(" {calls:.1} M/s ({scale:.2}×) |"));
        }
        println!("{row}");
    }
    println!("\nThroughput against the hand-written caches (median of per-round ratios; `Mutex` / `RwLock`):\n");
    println!("| contender | 1 thread | 2 threads | 4 threads | 8 threads |");
    println!("|---|---|---|---|---|");
    for (c, (name, _)) in SCALING.iter().enumerate() {
        let mut row = format!("| {name} |");
        for (t, _) in THREADS.iter().enumerate() {
            let against = |h: Option<usize>| {
                h.map_or(f64::NAN, |h| {
                    median(
                        (0..SCALING_ROUNDS)
                            .map(|r| rate[c][t][r] / rate[h][t][r])
                            .collect(),
                    )
                })
            };
            row.push_str(&format!(
                " {:.2}× / {:.2}× |",
                against(mutex),
                against(rwlock)
            ));
        }
        println!("{row}");
    }
    assert_eq!(contenders.requests(), (1, 1), "the token stayed fresh");
}
