//! Benchmark 5: the refresh storm. 1000 concurrent callers want a token at the moment the cached
//! one expires, or is due for refresh. How many requests reach the token endpoint, and how long
//! do the callers wait?
//!
//! keycard-source's token sources (a `BlockingSource` over keycard-ureq on 1000 threads, an
//! `AsyncSource` over keycard-reqwest on 1000 tasks), each with background refresh (the blocking
//! source's refresher thread; the async source's refresher task, started through a spawner) and
//! with inline refresh (the first caller that finds the token due fetches), against the simple
//! caches a user would write: a `Mutex<Option<(token, expiry)>>` checked under the lock and, on a
//! miss, either fetched without the lock (the naive cache: every caller that misses fetches) or
//! with the lock held across the fetch (`std::sync::Mutex` on threads, `tokio::sync::Mutex`
//! across the `.await` on tasks: one caller fetches, the others wait for it), the latter
//! refetching at expiry or, as a careful user would, keycard's refresh margin before it. All
//! fetch from the emulator on 127.0.0.1.
//!
//! Not a criterion benchmark: what it measures is a count and a distribution of waits, over a
//! few rounds (`STORM_ROUNDS`, 5 by default). It prints a table; `cargo bench --bench
//! refresh_storm` runs it.

use keycard_benches::alt::hand_fetch;
use keycard_core::lifecycle::{LiveToken, SourceConfig};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Scope, Scopes};
use keycard_core::{BaseUrl, SecretKey};
use keycard_emulator::{seed, Emulator, Fault, Route};
use keycard_source::{AsyncSource, BlockingSource, Clock};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

const CALLERS: usize = 1000;
/// How long the emulator takes to answer `POST /v1/oauth/token`: a network round trip and the
/// server's work, as from a service to Voucherify's API (loopback alone answers in well under a
/// millisecond, before most callers have even woken up).
const UPSTREAM_LATENCY: Duration = Duration::from_millis(50);
/// How long to wait for a refresh the callers did not wait for (a background one).
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// Rounds per contender and moment: `STORM_ROUNDS`, or 5.
fn rounds() -> usize {
    std::env::var("STORM_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5)
}

/// The time every contender reads: the real clocks plus an offset the storm moves forward.
#[derive(Debug, Default)]
struct StormClock {
    offset_nanos: AtomicU64,
}

impl StormClock {
    fn offset(&self) -> Duration {
        Duration::from_nanos(self.offset_nanos.load(Ordering::Acquire))
    }

    fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).expect("less than centuries");
        self.offset_nanos.fetch_add(by, Ordering::AcqRel);
    }

    /// `real`, a reading of [`Instant::now`], on this clock.
    fn shifted(&self, real: Instant) -> Instant {
        real + self.offset()
    }
}

impl Clock for StormClock {
    fn now(&self) -> Instant {
        self.shifted(Instant::now())
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
}

/// A simple cache's state: the token and when it expires.
#[derive(Debug, Default)]
struct Cached(Option<(String, SystemTime)>);

impl Cached {
    /// The token, if it is good for longer than `margin` after `now`.
    fn fresh(&self, now: SystemTime, margin: Duration) -> Option<String> {
        self.0
            .as_ref()
            .filter(|(_, expires_at)| now + margin < *expires_at)
            .map(|(token, _)| token.clone())
    }

    fn store(&mut self, token: hand_fetch::Token, sent_at: SystemTime) -> String {
        let expires_at = sent_at + Duration::from_secs(token.expires_in.max(0) as u64);
        self.0 = Some((token.access_token.clone(), expires_at));
        token.access_token
    }
}

/// The simple caches a user would write.
#[derive(Clone, Copy, PartialEq)]
enum Simple {
    /// The naive cache: checked and stored under the lock, fetched without it.
    Naive,
    /// The lock held across the fetch; the token refetched at expiry.
    Held,
    /// The lock held across the fetch; the token refetched keycard's refresh margin before
    /// expiry (still under the lock).
    HeldAhead,
}

impl Simple {
    const ALL: [Self; 3] = [Self::Naive, Self::Held, Self::HeldAhead];

    /// How long before expiry the cache refetches.
    fn margin(self) -> Duration {
        match self {
            Self::Naive | Self::Held => Duration::ZERO,
            Self::HeldAhead => keycard_margin(),
        }
    }

    /// Its name in the table, in two parts: the cache, and how it refetches (after the
    /// transport).
    fn label(self, tasks: bool) -> (&'static str, String) {
        let held = if tasks {
            "tokio Mutex held across the fetch"
        } else {
            "Mutex held across the fetch"
        };
        match self {
            Self::Naive => ("naive Mutex<Option<..>>", String::new()),
            Self::Held => (held, ", refetch at expiry".to_owned()),
            Self::HeldAhead => (
                held,
                format!(", refetch {} s ahead", keycard_margin().as_secs()),
            ),
        }
    }
}

/// The refresh margin of keycard's sources in this benchmark (their default).
fn keycard_margin() -> Duration {
    SourceConfig::default().refresh_margin
}

/// A simple cache over ureq (threads) or reqwest (tasks).
struct SimpleCache {
    simple: Simple,
    /// The lock on threads, and the naive cache's on tasks.
    std: Mutex<Cached>,
    /// The held caches' lock on tasks, held across the `.await`.
    tokio: tokio::sync::Mutex<Cached>,
    clock: Arc<StormClock>,
}

impl SimpleCache {
    fn new(simple: Simple, clock: Arc<StormClock>) -> Self {
        Self {
            simple,
            std: Mutex::default(),
            tokio: tokio::sync::Mutex::default(),
            clock,
        }
    }

    fn fresh(&self, cached: &Cached) -> Option<String> {
        cached.fresh(self.clock.wall(), self.simple.margin())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.std.lock().expect("not poisoned")
    }

    fn token_ureq(&self, agent: &ureq::Agent, target: &hand_fetch::Target) -> Option<String> {
        let cached = self.lock();
        if let Some(token) = self.fresh(&cached) {
            return Some(token);
        }
        let held = if self.simple == Simple::Naive {
            drop(cached);
            None
        } else {
            Some(cached)
        };
        let sent_at = self.clock.wall();
        let token = hand_fetch::try_with_ureq(agent, target).ok()?;
        Some(held.unwrap_or_else(|| self.lock()).store(token, sent_at))
    }

    async fn token_reqwest(
        &self,
        client: &reqwest::Client,
        target: &hand_fetch::Target,
    ) -> Option<String> {
        if self.simple != Simple::Naive {
            let mut cached = self.tokio.lock().await;
            if let Some(token) = self.fresh(&cached) {
                return Some(token);
            }
            let sent_at = self.clock.wall();
            let token = hand_fetch::try_with_reqwest(client, target).await.ok()?;
            return Some(cached.store(token, sent_at));
        }
        let cached = self.fresh(&self.lock());
        if cached.is_some() {
            return cached;
        }
        let sent_at = self.clock.wall();
        let token = hand_fetch::try_with_reqwest(client, target).await.ok()?;
        Some(self.lock().store(token, sent_at))
    }
}

/// One caller: when it was released (real clock), how long it waited, whether it got a token.
type Outcome = (Instant, Duration, bool);

/// One round's result.
struct Round {
    upstream: u64,
    waits: Vec<Duration>,
    /// Callers that got no token.
    failed: usize,
    /// From the callers' release until the new token arrived (keycard's sources).
    new_token_after: Option<Duration>,
}

impl Round {
    fn new(upstream: u64, outcomes: &[Outcome], new_token_after: Option<Duration>) -> Self {
        Self {
            upstream,
            failed: outcomes.iter().filter(|(_, _, ok)| !ok).count(),
            waits: outcomes.iter().map(|&(_, wait, _)| wait).collect(),
            new_token_after,
        }
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut waits = self.waits.clone();
        waits.sort();
        let i = ((waits.len() as f64 * p).ceil() as usize).clamp(1, waits.len()) - 1;
        waits[i]
    }
}

/// When the first caller was released.
fn released(outcomes: &[Outcome]) -> Instant {
    outcomes
        .iter()
        .map(|&(start, _, _)| start)
        .min()
        .expect("callers")
}

struct Setup {
    emulator: Emulator,
    generate: GenerateToken,
    target: hand_fetch::Target,
    clock: Arc<StormClock>,
    rounds: usize,
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
            rounds: rounds(),
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

    /// Moves the clocks to `moment` in the life of `token`, a keycard source's token, and
    /// forgets the hit count.
    fn move_to(&self, moment: Moment, token: &LiveToken<Scopes>) {
        match moment {
            Moment::Expired => self.expire_everything(),
            Moment::RefreshDue => {
                let ahead = token
                    .refresh_at()
                    .saturating_duration_since(self.clock.now());
                self.clock.advance(ahead + Duration::from_secs(1));
                self.emulator.reset_hits();
            }
        }
    }

    /// Moves the clocks to `moment` in the life of a simple cache's token (fetched just now),
    /// and forgets the hit count.
    fn move_simple_to(&self, moment: Moment) {
        match moment {
            Moment::Expired => self.expire_everything(),
            // 1 s into keycard's refresh margin (inside every keycard token's window, whose
            // jitter only widens it): a refetch for a cache that refreshes ahead, a hit for the
            // others.
            Moment::RefreshDue => {
                let lifetime = Duration::from_secs(seed::VOUCHERIFY_TOKEN_LIFETIME_SECS);
                self.clock
                    .advance(lifetime - keycard_margin() + Duration::from_secs(1));
                self.emulator.reset_hits();
            }
        }
    }

    fn upstream(&self) -> u64 {
        self.emulator.hits(Route::VoucherifyGenerate)
    }

    /// After a storm on a keycard source: waits until the source holds a token other than
    /// `old` (a background refresh may still be under way), then a little longer for any
    /// request that should not come; how long after `released` the new token arrived.
    fn settle(
        &self,
        old: &Arc<LiveToken<Scopes>>,
        released: Instant,
        current: impl Fn() -> Option<Arc<LiveToken<Scopes>>>,
    ) -> Option<Duration> {
        let deadline = Instant::now() + SETTLE_LIMIT;
        let new = loop {
            match current() {
                Some(token) if !Arc::ptr_eq(&token, old) => break Some(token),
                _ if Instant::now() >= deadline => break None,
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
        };
        std::thread::sleep(2 * UPSTREAM_LATENCY);
        // The clock's offset has not moved since the release.
        new.map(|token| {
            token
                .obtained_at()
                .saturating_duration_since(self.clock.shifted(released))
        })
    }
}

/// Runs `call` on `CALLERS` threads released at once.
fn thread_storm(call: &(dyn Fn() -> bool + Sync)) -> Vec<Outcome> {
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
                        (start, start.elapsed(), ok)
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

/// Runs `call` on `CALLERS` tasks released at once.
fn task_storm<F, Fut>(runtime: &tokio::runtime::Runtime, call: F) -> Vec<Outcome>
where
    F: Fn() -> Fut + Send + Sync + 'static + Clone,
    Fut: Future<Output = bool> + Send,
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
                    (start, start.elapsed(), ok)
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(CALLERS);
        for task in tasks {
            outcomes.push(task.await.expect("the caller ran"));
        }
        outcomes
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

/// How a keycard source refreshes ahead of expiry.
#[derive(Clone, Copy)]
enum Refresh {
    /// In the background: the blocking source's thread, the async source's spawned task.
    Background,
    /// Inline: the first caller that finds the token due fetches.
    Inline,
}

impl Refresh {
    fn label(self) -> &'static str {
        match self {
            Self::Background => "background refresh",
            Self::Inline => "inline refresh",
        }
    }
}

fn blocking_source(
    setup: &Setup,
    refresh: Refresh,
) -> BlockingSource<GenerateToken, keycard_ureq::UreqTransport> {
    let source = BlockingSource::new(
        keycard_ureq::UreqTransport::new(),
        setup.generate.clone(),
        SourceConfig::default(),
    )
    .with_clock(setup.clock.clone());
    match refresh {
        Refresh::Background => source,
        Refresh::Inline => source.with_inline_refresh(),
    }
}

fn async_source(
    setup: &Setup,
    refresh: Refresh,
    runtime: &tokio::runtime::Runtime,
) -> AsyncSource<GenerateToken, keycard_reqwest::ReqwestTransport> {
    let source = AsyncSource::new(
        keycard_reqwest::ReqwestTransport::new(),
        setup.generate.clone(),
        SourceConfig::default(),
    )
    .with_clock(setup.clock.clone());
    match refresh {
        Refresh::Background => {
            let handle = runtime.handle().clone();
            source.with_spawner(move |task: Pin<Box<dyn Future<Output = ()> + Send>>| {
                drop(handle.spawn(task));
            })
        }
        Refresh::Inline => source,
    }
}

fn blocking_rounds(setup: &Setup, moment: Moment, refresh: Refresh) -> Vec<Round> {
    let source = blocking_source(setup, refresh);
    (0..setup.rounds)
        .map(|_| {
            let token = source.token().expect("a token");
            setup.move_to(moment, &token);
            let outcomes = thread_storm(&|| source.token().is_ok());
            let after = setup.settle(&token, released(&outcomes), || source.current());
            let round = Round::new(setup.upstream(), &outcomes, after);
            setup.expire_everything();
            round
        })
        .collect()
}

fn async_rounds(
    setup: &Setup,
    moment: Moment,
    refresh: Refresh,
    runtime: &tokio::runtime::Runtime,
) -> Vec<Round> {
    let source = Arc::new(async_source(setup, refresh, runtime));
    (0..setup.rounds)
        .map(|_| {
            let token = runtime.block_on(source.token()).expect("a token");
            setup.move_to(moment, &token);
            let s = source.clone();
            let outcomes = task_storm(runtime, move || {
                let s = s.clone();
                async move { s.token().await.is_ok() }
            });
            let after = setup.settle(&token, released(&outcomes), || source.current());
            let round = Round::new(setup.upstream(), &outcomes, after);
            setup.expire_everything();
            round
        })
        .collect()
}

fn simple_ureq_rounds(setup: &Setup, moment: Moment, simple: Simple) -> Vec<Round> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_idle_connections(CALLERS)
        .max_idle_connections_per_host(CALLERS)
        .build()
        .into();
    let cache = SimpleCache::new(simple, setup.clock.clone());
    (0..setup.rounds)
        .map(|_| {
            cache.token_ureq(&agent, &setup.target).expect("a token");
            setup.move_simple_to(moment);
            let outcomes = thread_storm(&|| cache.token_ureq(&agent, &setup.target).is_some());
            let round = Round::new(setup.upstream(), &outcomes, None);
            setup.expire_everything();
            round
        })
        .collect()
}

fn simple_reqwest_rounds(
    setup: &Setup,
    moment: Moment,
    simple: Simple,
    runtime: &tokio::runtime::Runtime,
) -> Vec<Round> {
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(keycard_reqwest::default_tls_config())
        .build()
        .expect("a reqwest client");
    let cache = Arc::new(SimpleCache::new(simple, setup.clock.clone()));
    let target = Arc::new(setup.target.clone());
    (0..setup.rounds)
        .map(|_| {
            runtime
                .block_on(cache.token_reqwest(&client, &target))
                .expect("a token");
            setup.move_simple_to(moment);
            let (n, c, t) = (cache.clone(), client.clone(), target.clone());
            let outcomes = task_storm(runtime, move || {
                let (n, c, t) = (n.clone(), c.clone(), t.clone());
                async move { n.token_reqwest(&c, &t).await.is_some() }
            });
            let round = Round::new(setup.upstream(), &outcomes, None);
            setup.expire_everything();
            round
        })
        .collect()
}

fn print(name: &str, rounds: &[Round]) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let new_token_after = if rounds.iter().any(|r| r.new_token_after.is_some()) {
        // A round whose new token never came counts as the longest.
        let after = rounds
            .iter()
            .map(|r| r.new_token_after.map_or(f64::INFINITY, ms))
            .collect();
        format!("{:.1}", median(after))
    } else {
        "—".to_owned()
    };
    println!(
        "| {name} | {} | {} | {:.2} | {:.2} | {:.2} | {new_token_after} | {} |",
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
        "refresh storm: {CALLERS} callers, {} rounds, medians over rounds; the token endpoint answers in {UPSTREAM_LATENCY:?}",
        setup.rounds
    );
    println!();
    println!("| contender | upstream requests | callers without a token | p50 wait (ms) | p99 wait (ms) | max wait (ms) | new token after (ms) | upstream per round |");
    println!("|---|---|---|---|---|---|---|---|");

    for moment in [Moment::Expired, Moment::RefreshDue] {
        let at = match moment {
            Moment::Expired => "at expiry",
            Moment::RefreshDue => "in the refresh-ahead window",
        };
        for refresh in [Refresh::Background, Refresh::Inline] {
            print(
                &format!(
                    "keycard BlockingSource + ureq, {}, 1000 threads, {at}",
                    refresh.label()
                ),
                &blocking_rounds(&setup, moment, refresh),
            );
        }
        for simple in Simple::ALL {
            let (cache, refetch) = simple.label(false);
            print(
                &format!("{cache} + ureq{refetch}, 1000 threads, {at}"),
                &simple_ureq_rounds(&setup, moment, simple),
            );
        }
        for refresh in [Refresh::Background, Refresh::Inline] {
            let how = match refresh {
                Refresh::Background => "background refresh (spawner)",
                Refresh::Inline => "inline refresh (no spawner)",
            };
            print(
                &format!("keycard AsyncSource + reqwest, {how}, 1000 tasks, {at}"),
                &async_rounds(&setup, moment, refresh, &runtime),
            );
        }
        for simple in Simple::ALL {
            let (cache, refetch) = simple.label(true);
            print(
                &format!("{cache} + reqwest{refetch}, 1000 tasks, {at}"),
                &simple_reqwest_rounds(&setup, moment, simple, &runtime),
            );
        }
    }
}
