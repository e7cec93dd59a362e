//! Benchmark 5: the refresh storm. 1000 concurrent callers want a token at the moment the cached
//! one expires (or is due for refresh). How many requests reach the token endpoint, and how
//! long do the callers wait?
//!
//! keycard's token sources (keycard-ureq on 1000 threads, keycard-reqwest on 1000 tasks) against
//! the naive cache a user would write: a `Mutex<Option<(token, expiry)>>` checked under the lock,
//! and on a miss a fetch without the lock (holding a lock across a request is the other naive
//! choice, and serializes every caller behind it). All fetch from the emulator on 127.0.0.1.
//!
//! Not a criterion benchmark: what it measures is a count and a distribution of waits, over a
//! few rounds. It prints a table; `cargo bench --bench refresh_storm` runs it.

use keycard_benches::alt::hand_fetch;
use keycard_core::lifecycle::KeeperConfig;
use keycard_core::voucherify::{self, Credentials, GenerateToken, Scope, Scopes};
use keycard_core::{BaseUrl, SecretKey};
use keycard_emulator::{Emulator, Fault, Route};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

const CALLERS: usize = 1000;
const ROUNDS: usize = 5;
/// How long the emulator takes to answer `POST /v1/oauth/token`: a network round trip and the
/// server's work, as from a service to Voucherify's API (loopback alone answers in well under a
/// millisecond, before most callers have even woken up).
const UPSTREAM_LATENCY: Duration = Duration::from_millis(50);

/// The time every contender reads: the real clock plus an offset the storm moves forward.
#[derive(Debug, Default)]
struct StormClock {
    offset_secs: AtomicU64,
}

impl StormClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_secs(self.offset_secs.load(Ordering::Acquire))
    }

    fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::AcqRel);
    }
}

/// The naive cache, sync or async.
struct Naive {
    cached: Mutex<Option<(String, SystemTime)>>,
    clock: Arc<StormClock>,
}

impl Naive {
    fn cached(&self) -> Option<String> {
        let now = self.clock.now();
        let cached = self.cached.lock().expect("not poisoned");
        cached
            .as_ref()
            .filter(|(_, expires_at)| now < *expires_at)
            .map(|(token, _)| token.clone())
    }

    fn store(&self, token: hand_fetch::Token, sent_at: SystemTime) -> String {
        let expires_at = sent_at + Duration::from_secs(token.expires_in.max(0) as u64);
        *self.cached.lock().expect("not poisoned") = Some((token.access_token.clone(), expires_at));
        token.access_token
    }

    fn token_ureq(&self, agent: &ureq::Agent, target: &hand_fetch::Target) -> Option<String> {
        if let Some(token) = self.cached() {
            return Some(token);
        }
        let sent_at = self.clock.now();
        let token = hand_fetch::try_with_ureq(agent, target).ok()?;
        Some(self.store(token, sent_at))
    }

    async fn token_reqwest(
        &self,
        client: &reqwest::Client,
        target: &hand_fetch::Target,
    ) -> Option<String> {
        if let Some(token) = self.cached() {
            return Some(token);
        }
        let sent_at = self.clock.now();
        let token = hand_fetch::try_with_reqwest(client, target).await.ok()?;
        Some(self.store(token, sent_at))
    }
}

/// One round's result.
struct Round {
    upstream: u64,
    waits: Vec<Duration>,
    /// Callers that got no token.
    failed: usize,
}

impl Round {
    fn new(upstream: u64, outcomes: Vec<(Duration, bool)>) -> Self {
        Self {
            upstream,
            failed: outcomes.iter().filter(|(_, ok)| !ok).count(),
            waits: outcomes.into_iter().map(|(wait, _)| wait).collect(),
        }
    }
}

impl Round {
    fn percentile(&self, p: f64) -> Duration {
        let mut waits = self.waits.clone();
        waits.sort();
        let i = ((waits.len() as f64 * p).ceil() as usize).clamp(1, waits.len()) - 1;
        waits[i]
    }
}

struct Setup {
    emulator: Emulator,
    generate: GenerateToken,
    target: hand_fetch::Target,
    clock: Arc<StormClock>,
}

impl Setup {
    fn new() -> Self {
        let emulator = Emulator::start().expect("the emulator starts");
        emulator.inject_always(Route::VoucherifyGenerate, Fault::Delay(UPSTREAM_LATENCY));
        let base = emulator.voucherify_url();
        let api = voucherify::Api::new(
            BaseUrl::parse(&base).expect("the emulator's URL"),
            Credentials::new(
                emulator.voucherify_app_id(),
                SecretKey::new(emulator.voucherify_secret_key()),
            )
            .expect("valid credentials"),
        );
        let generate = api
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let target = hand_fetch::Target::new(
            &base,
            emulator.voucherify_app_id(),
            emulator.voucherify_secret_key(),
            generate.scope_string(),
        );
        Self {
            emulator,
            generate,
            target,
            clock: Arc::default(),
        }
    }

    /// Moves every clock past the lifetime of every token issued so far (the emulator's too, so
    /// its limit of 1000 live tokens frees up), and forgets the hit count.
    fn expire_everything(&self) {
        let by = Duration::from_secs(1000);
        self.clock.advance(by);
        self.emulator.clock().advance(by);
        self.emulator.reset_hits();
    }

    fn upstream(&self) -> u64 {
        self.emulator.hits(Route::VoucherifyGenerate)
    }
}

/// Runs `call` on `CALLERS` threads released at once; each thread's wait.
fn thread_storm(call: &(dyn Fn() -> bool + Sync)) -> Vec<(Duration, bool)> {
    let barrier = Barrier::new(CALLERS);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..CALLERS)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(s, || {
                        barrier.wait();
                        let start = Instant::now();
                        let ok = call();
                        (start.elapsed(), ok)
                    })
                    .expect("a thread")
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().expect("the caller ran"))
            .collect()
    })
}

/// Runs `call` on `CALLERS` tasks released at once; each task's wait.
fn task_storm<F, Fut>(runtime: &tokio::runtime::Runtime, call: F) -> Vec<(Duration, bool)>
where
    F: Fn() -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = bool> + Send,
{
    runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
        let tasks: Vec<_> = (0..CALLERS)
            .map(|_| {
                let barrier = barrier.clone();
                let call = call.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let start = Instant::now();
                    let ok = call().await;
                    (start.elapsed(), ok)
                })
            })
            .collect();
        let mut waits = Vec::with_capacity(CALLERS);
        for task in tasks {
            waits.push(task.await.expect("the caller ran"));
        }
        waits
    })
}

/// Where in the token's life the storm hits.
#[derive(Clone, Copy)]
enum Moment {
    /// Past the expiry: nobody may use the old token.
    Expired,
    /// Inside keycard's refresh-ahead window (the token is still valid).
    RefreshDue,
}

fn print(name: &str, rounds: &[Round]) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| {name} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
        median(rounds.iter().map(|r| r.upstream as f64).collect()),
        median(rounds.iter().map(|r| r.failed as f64).collect()),
        median(rounds.iter().map(|r| ms(r.percentile(0.5))).collect()),
        median(rounds.iter().map(|r| ms(r.percentile(0.99))).collect()),
        median(rounds.iter().map(|r| ms(r.percentile(1.0))).collect()),
        rounds
            .iter()
            .map(|r| r.upstream.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` and test harness probes: nothing to list.
        return;
    }
    let setup = Setup::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    println!(
        "refresh storm: {CALLERS} callers, {ROUNDS} rounds, medians over rounds; the token endpoint answers in {UPSTREAM_LATENCY:?}"
    );
    println!();
    println!("| contender | upstream requests | callers without a token | p50 wait (ms) | p99 wait (ms) | max wait (ms) | upstream per round |");
    println!("|---|---|---|---|---|---|---|");

    for moment in [Moment::Expired, Moment::RefreshDue] {
        let label = match moment {
            Moment::Expired => "at expiry",
            Moment::RefreshDue => "in the refresh-ahead window",
        };

        // keycard-ureq, threads.
        let clock = setup.clock.clone();
        let source = keycard_ureq::TokenSource::new(
            keycard_ureq::UreqTransport::new(),
            setup.generate.clone(),
            KeeperConfig::default(),
        )
        .with_clock(move || clock.now());
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            let token = source.token().expect("a token");
            match moment {
                Moment::Expired => setup.expire_everything(),
                Moment::RefreshDue => {
                    let ahead = token
                        .refresh_at()
                        .duration_since(setup.clock.now())
                        .unwrap_or_default();
                    setup.clock.advance(ahead + Duration::from_secs(1));
                    setup.emulator.reset_hits();
                }
            }
            let outcomes = thread_storm(&|| source.token().is_ok());
            rounds.push(Round::new(setup.upstream(), outcomes));
            setup.expire_everything();
        }
        print(
            &format!("keycard-ureq TokenSource, 1000 threads, {label}"),
            &rounds,
        );

        // Naive with ureq, threads.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_idle_connections(CALLERS)
            .max_idle_connections_per_host(CALLERS)
            .build()
            .into();
        let naive = Naive {
            cached: Mutex::new(None),
            clock: setup.clock.clone(),
        };
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            naive.token_ureq(&agent, &setup.target).expect("a token");
            match moment {
                Moment::Expired => setup.expire_everything(),
                // The naive cache has no refresh-ahead: the same moment is still a hit for it.
                Moment::RefreshDue => {
                    setup.clock.advance(Duration::from_secs(900 - 135));
                    setup.emulator.reset_hits();
                }
            }
            let outcomes = thread_storm(&|| naive.token_ureq(&agent, &setup.target).is_some());
            rounds.push(Round::new(setup.upstream(), outcomes));
            setup.expire_everything();
        }
        print(
            &format!("naive Mutex<Option<..>> + ureq, 1000 threads, {label}"),
            &rounds,
        );

        // keycard-reqwest, tasks.
        let clock = setup.clock.clone();
        let source = Arc::new(
            keycard_reqwest::TokenSource::new(
                keycard_reqwest::ReqwestTransport::new(),
                setup.generate.clone(),
                KeeperConfig::default(),
            )
            .with_clock(move || clock.now()),
        );
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            let token = runtime.block_on(source.token()).expect("a token");
            match moment {
                Moment::Expired => setup.expire_everything(),
                Moment::RefreshDue => {
                    let ahead = token
                        .refresh_at()
                        .duration_since(setup.clock.now())
                        .unwrap_or_default();
                    setup.clock.advance(ahead + Duration::from_secs(1));
                    setup.emulator.reset_hits();
                }
            }
            let s = source.clone();
            let outcomes = task_storm(&runtime, move || {
                let s = s.clone();
                async move { s.token().await.is_ok() }
            });
            rounds.push(Round::new(setup.upstream(), outcomes));
            setup.expire_everything();
        }
        print(
            &format!("keycard-reqwest TokenSource, 1000 tasks, {label}"),
            &rounds,
        );

        // Naive with reqwest, tasks.
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(keycard_reqwest::default_tls_config())
            .build()
            .expect("a reqwest client");
        let naive = Arc::new(Naive {
            cached: Mutex::new(None),
            clock: setup.clock.clone(),
        });
        let target = Arc::new(setup.target.clone());
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            runtime
                .block_on(naive.token_reqwest(&client, &target))
                .expect("a token");
            match moment {
                Moment::Expired => setup.expire_everything(),
                Moment::RefreshDue => {
                    setup.clock.advance(Duration::from_secs(900 - 135));
                    setup.emulator.reset_hits();
                }
            }
            let (n, c, t) = (naive.clone(), client.clone(), target.clone());
            let outcomes = task_storm(&runtime, move || {
                let (n, c, t) = (n.clone(), c.clone(), t.clone());
                async move { n.token_reqwest(&c, &t).await.is_some() }
            });
            rounds.push(Round::new(setup.upstream(), outcomes));
            setup.expire_everything();
        }
        print(
            &format!("naive Mutex<Option<..>> + reqwest, 1000 tasks, {label}"),
            &rounds,
        );
    }
}
