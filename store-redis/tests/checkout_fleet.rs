//! Order access tokens across a fleet: 8 real OS processes (4 blocking `Checkout`s over ureq
//! on a `RedisStore`, 4 async ones over reqwest on an `AsyncRedisStore`) hand out tokens for the
//! same orders through one real `redis-server`, against the emulator, which records which order
//! tokens a later mint invalidated and when. The proof: one order has one token across the
//! fleet, processes asked for the same order at once make one mint, and no token handed out
//! is invalidated except by an explicit re-issue or by a replacement that every hand-out of
//! the new token said invalidated it.
//!
//! The processes are this test binary run again with `KEYCARD_CHECKOUT_CHILD` set (the
//! `checkout_child` test). Each process's clock is the system clock plus an offset the parent
//! sets, in step with the emulator's clock.

mod support;

use keycard_core::exact::{self, Handed, Handout};
use keycard_core::{ApiKey, BaseUrl};
use keycard_emulator::{Emulator, Route};
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore};
use keycard_source::{AsyncCheckout, BlockingCheckout, Clock};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::RedisServer;

const CHILD: &str = "KEYCARD_CHECKOUT_CHILD";

/// What one hand-out said, as a process reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    New,
    Current,
    Replaced,
    Reissued,
    Adopted,
}

impl Kind {
    fn of(handed: Handed) -> Self {
        match handed {
            Handed::New => Self::New,
            Handed::Current => Self::Current,
            Handed::ReplacedEarlier => Self::Replaced,
            Handed::Reissued { .. } => Self::Reissued,
            Handed::Adopted => Self::Adopted,
            other => panic!("a hand-out this test does not know: {other:?}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Current => "current",
            Self::Replaced => "replaced",
            Self::Reissued => "reissued",
            Self::Adopted => "adopted",
        }
    }

    fn parse(name: &str) -> Self {
        [
            Self::New,
            Self::Current,
            Self::Replaced,
            Self::Reissued,
            Self::Adopted,
        ]
        .into_iter()
        .find(|k| k.name() == name)
        .expect("a kind")
    }
}

/// What one process handed out in one phase: per (order index, token id, kind), how many.
#[derive(Debug, Default, Clone)]
struct Report {
    handed: BTreeMap<(usize, u64, Kind), u64>,
    errors: u64,
}

impl Report {
    fn count(&mut self, order: usize, handout: &Handout) {
        let key = (order, token_id(handout), Kind::of(handout.handed()));
        *self.handed.entry(key).or_default() += 1;
    }

    fn add(&mut self, other: Report) {
        for (key, n) in other.handed {
            *self.handed.entry(key).or_default() += n;
        }
        self.errors += other.errors;
    }

    fn line(&self) -> String {
        let mut line = format!("errors={}", self.errors);
        for ((order, token, kind), n) in &self.handed {
            line.push_str(&format!(" h={order}:{token}:{}:{n}", kind.name()));
        }
        line
    }

    fn parse(line: &str) -> Self {
        let mut report = Report::default();
        for field in line.split_whitespace() {
            if let Some(errors) = field.strip_prefix("errors=") {
                report.errors = errors.parse().unwrap();
            } else if let Some(h) = field.strip_prefix("h=") {
                let parts: Vec<&str> = h.split(':').collect();
                let key = (
                    parts[0].parse().unwrap(),
                    parts[1].parse().unwrap(),
                    Kind::parse(parts[2]),
                );
                report.handed.insert(key, parts[3].parse().unwrap());
            }
        }
        report
    }

    /// The tokens handed out for `order`.
    fn tokens(&self, order: usize) -> BTreeSet<u64> {
        self.handed
            .keys()
            .filter(|(o, _, _)| *o == order)
            .map(|(_, t, _)| *t)
            .collect()
    }

    /// How many hand-outs of `order` said `kind`.
    fn said(&self, order: usize, kind: Kind) -> u64 {
        self.handed
            .iter()
            .filter(|((o, _, k), _)| *o == order && *k == kind)
            .map(|(_, n)| n)
            .sum()
    }
}

/// A token's id, the same in every process (a hash of the secret: no report holds one).
fn token_id(handout: &Handout) -> u64 {
    secret_id(handout.token().access_token().expose_secret())
}

fn secret_id(secret: &str) -> u64 {
    // `DefaultHasher::new` has fixed keys: every process of this binary hashes alike.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    secret.hash(&mut hasher);
    hasher.finish() | 1
}

/// One child process.
struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Process {
    fn spawn(emu: &Emulator, redis: &RedisServer, blocking: bool) -> Self {
        let mut child = support::child::test_binary("checkout_child")
            .env(CHILD, if blocking { "blocking" } else { "async" })
            .env("CHECKOUT_EMULATOR", emu.exact_url())
            .env("CHECKOUT_API_KEY", emu.exact_api_key())
            .env("CHECKOUT_ORDERS", emu.exact_order_ids().join("\n"))
            .env("CHECKOUT_REDIS", redis.url())
            .spawn()
            .expect("the test binary runs again as a child");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut process = Self {
            child,
            stdin,
            stdout,
        };
        process.read("ready");
        process
    }

    fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn report(&mut self) -> Report {
        Report::parse(&self.read("done"))
    }

    /// The rest of the next protocol line starting with `@@ <word>`.
    fn read(&mut self, word: &str) -> String {
        support::child::read_line(&mut self.stdout, word)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fleet's clock: the emulator and every process, `offset` ahead of real time.
struct FleetClock<'a> {
    emu: &'a Emulator,
    offset: Duration,
}

impl FleetClock<'_> {
    /// Moves the fleet's clocks to `offset`, after a second of real time: Redis keeps the
    /// longer-lived of two saved tokens by its own TTLs, which run in real time while the
    /// fleet's clocks jump, and a token's lifetime is known to a second (the `Date` header's
    /// precision). A second of real time keeps a later mint the longer-lived, as it is without
    /// jumps.
    fn to(&mut self, offset: Duration) -> u128 {
        std::thread::sleep(Duration::from_millis(1100));
        self.emu.clock().advance(offset - self.offset);
        self.offset = offset;
        offset.as_millis()
    }
}

/// Every process hands out `calls` tokens on each of `threads` callers, spread over the
/// orders; their reports.
fn hand_out_everywhere(
    fleet: &mut [Process],
    offset_ms: u128,
    threads: u32,
    calls: u32,
) -> Vec<Report> {
    for process in fleet.iter_mut() {
        process.send(&format!("handout {offset_ms} {threads} {calls}"));
    }
    fleet.iter_mut().map(Process::report).collect()
}

/// Every order was handed out with one token across the fleet, the emulator's current one.
fn assert_one_current_token_per_order(emu: &Emulator, reports: &[Report], what: &str) -> Vec<u64> {
    let orders = emu.exact_order_ids();
    let mut current = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        let tokens: BTreeSet<u64> = reports.iter().flat_map(|r| r.tokens(i)).collect();
        assert_eq!(tokens.len(), 1, "{what}: order {i}: {reports:?}");
        let history = emu.order_token_history(order);
        let last = history.last().expect("a token was minted");
        assert!(emu.order_token_is_current(order, &last.token), "{what}");
        assert_eq!(
            tokens.first(),
            Some(&secret_id(&last.token)),
            "{what}: order {i}: the token handed out is the order's current one"
        );
        current.push(secret_id(&last.token));
    }
    for report in reports {
        assert_eq!(report.errors, 0, "{what}: {reports:?}");
    }
    current
}

fn said(reports: &[Report], order: usize, kind: Kind) -> u64 {
    reports.iter().map(|r| r.said(order, kind)).sum()
}

#[test]
fn eight_processes_hand_out_one_token_per_order_and_none_is_invalidated_unsaid() {
    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let orders = emu.exact_order_ids();
    let mut fleet: Vec<Process> = (0..8)
        .map(|i| Process::spawn(&emu, &redis, i % 2 == 0))
        .collect();
    let mut clock = FleetClock {
        emu: &emu,
        offset: Duration::ZERO,
    };
    let (threads, calls) = (4, 8);
    let hits = || emu.hits(Route::ExactOrderAccessToken);
    let mut handed_out: BTreeSet<(usize, u64)> = BTreeSet::new();
    let mut note = |reports: &[Report]| {
        for report in reports {
            for (order, token, _) in report.handed.keys() {
                handed_out.insert((*order, *token));
            }
        }
    };

    // 1. First checkouts, all processes at once: one mint per order for the whole fleet.
    let at = clock.to(Duration::ZERO);
    let reports = hand_out_everywhere(&mut fleet, at, threads, calls);
    note(&reports);
    let first = assert_one_current_token_per_order(&emu, &reports, "first checkouts");
    assert_eq!(
        hits(),
        orders.len() as u64,
        "one mint per order: {reports:?}"
    );
    for i in 0..orders.len() {
        assert_eq!(said(&reports, i, Kind::Replaced), 0);
        assert!(said(&reports, i, Kind::New) >= 1);
    }

    // 2. 4 minutes on, 11 are left (the minimum is 10): the same tokens, nothing minted.
    let at = clock.to(Duration::from_secs(240));
    let reports = hand_out_everywhere(&mut fleet, at, threads, calls);
    note(&reports);
    let same = assert_one_current_token_per_order(&emu, &reports, "reuse");
    assert_eq!(same, first);
    assert_eq!(hits(), orders.len() as u64, "nothing minted: {reports:?}");
    for i in 0..orders.len() {
        let total: u64 = reports
            .iter()
            .flat_map(|r| r.handed.iter())
            .filter(|((o, _, _), _)| *o == i)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(said(&reports, i, Kind::Current), total, "{reports:?}");
    }

    // 3. 6 minutes on, 9 are left: each order is replaced once for the whole fleet, and every
    //    process says so.
    let at = clock.to(Duration::from_secs(360));
    let before = hits();
    let reports = hand_out_everywhere(&mut fleet, at, threads, calls);
    note(&reports);
    let replaced = assert_one_current_token_per_order(&emu, &reports, "replacement");
    assert_eq!(
        hits() - before,
        orders.len() as u64,
        "one mint per order: {reports:?}"
    );
    for (i, report) in reports.iter().enumerate() {
        for order in 0..orders.len() {
            assert!(
                report.said(order, Kind::Replaced) >= 1,
                "process {i} said the earlier token of order {order} stopped working: {report:?}"
            );
        }
    }

    // 4. A page asks for a fresh token for order 0: one process re-issues it, and every
    //    process then hands out the new one (each looks in Redis first), minting nothing.
    let at = clock.to(Duration::from_secs(400));
    fleet[3].send(&format!("reissue {at} 0"));
    let reissue = fleet[3].report();
    assert_eq!(reissue.said(0, Kind::Reissued), 1, "{reissue:?}");
    let reissued = *reissue.tokens(0).first().unwrap();
    note(std::slice::from_ref(&reissue));
    let before = hits();
    let reports = hand_out_everywhere(&mut fleet, at, threads, calls);
    note(&reports);
    let after_reissue = assert_one_current_token_per_order(&emu, &reports, "after the re-issue");
    assert_eq!(after_reissue[0], reissued);
    assert_eq!(&after_reissue[1..], &replaced[1..]);
    assert_eq!(hits(), before, "nothing minted: {reports:?}");

    // 5. Past every expiry: one mint per order again; an expired token is not invalidated.
    let at = clock.to(Duration::from_secs(360 + 900 + 60));
    let before = hits();
    let reports = hand_out_everywhere(&mut fleet, at, threads, calls);
    note(&reports);
    assert_one_current_token_per_order(&emu, &reports, "after expiry");
    assert_eq!(hits() - before, orders.len() as u64, "{reports:?}");
    for i in 0..orders.len() {
        assert_eq!(said(&reports, i, Kind::Replaced), 0, "{reports:?}");
    }

    // The emulator's record: every token handed out that a later mint invalidated was
    // invalidated by the re-issue, or by a replacement each process said invalidated it.
    for (i, order) in orders.iter().enumerate() {
        let history = emu.order_token_history(order);
        let invalidated: Vec<u64> = history
            .iter()
            .filter(|r| r.invalidated_at.is_some())
            .map(|r| secret_id(&r.token))
            .collect();
        for token in &invalidated {
            assert!(
                handed_out.contains(&(i, *token)),
                "order {i}: an unseen mint"
            );
        }
        let expected: Vec<u64> = if i == 0 {
            vec![first[i], replaced[i]]
        } else {
            vec![first[i]]
        };
        assert_eq!(
            invalidated, expected,
            "order {i}: only the replaced (said) and the re-issued tokens were invalidated"
        );
        assert_eq!(
            history.len(),
            expected.len() + 2,
            "order {i}: every mint accounted for"
        );
    }
    eprintln!(
        "8 processes x {threads} callers x {calls} hand-outs per phase, {} orders: {} mints \
         in 5 phases",
        orders.len(),
        hits()
    );
}

/// The system's clocks, `offset` ahead (the parent sets it, in step with the emulator's).
#[derive(Clone)]
struct OffsetClock(Arc<AtomicU64>);

impl Clock for OffsetClock {
    fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now() + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

/// The child's side: a process the parent test starts (ignored in a plain run).
#[test]
#[ignore = "a process of the fleet tests, started by them (with --ignored)"]
fn checkout_child() {
    let flavour = std::env::var(CHILD).expect("started by a fleet test, which sets CHILD");
    let env = |name: &str| std::env::var(name).unwrap();
    let api = exact::Api::new(
        BaseUrl::parse(&env("CHECKOUT_EMULATOR")).unwrap(),
        ApiKey::new(env("CHECKOUT_API_KEY")),
    )
    .unwrap();
    let orders: Vec<String> = env("CHECKOUT_ORDERS").lines().map(str::to_owned).collect();
    let mut config = RedisConfig::default();
    config.prefix = "checkout-fleet".into();
    config.command_timeout = Duration::from_secs(3);
    config.connect_timeout = Duration::from_secs(3);
    let clock = OffsetClock(Arc::new(AtomicU64::new(0)));
    let timeout = Duration::from_secs(5);

    if flavour == "async" {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let transport = runtime.block_on(async {
            keycard_reqwest::ReqwestTransport::builder()
                .timeout(timeout)
                .build()
                .unwrap()
        });
        let store = AsyncRedisStore::with_config(&env("CHECKOUT_REDIS"), config).unwrap();
        let checkout = Arc::new(
            AsyncCheckout::new(transport, api, exact::CheckoutConfig::default())
                .with_async_store(store)
                .with_clock(clock.clone()),
        );
        serve(&clock, &orders, |command| match command {
            Task::HandOut { threads, calls } => runtime.block_on(async {
                let mut tasks = Vec::new();
                for thread in 0..threads {
                    let (checkout, orders) = (Arc::clone(&checkout), orders.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut mine = Report::default();
                        for call in 0..calls {
                            let i = (thread + call) as usize % orders.len();
                            match checkout.hand_out(&orders[i]).await {
                                Ok(handout) => mine.count(i, &handout),
                                Err(error) => {
                                    eprintln!("no token: {error}");
                                    mine.errors += 1;
                                }
                            }
                        }
                        mine
                    }));
                }
                let mut report = Report::default();
                for task in tasks {
                    report.add(task.await.unwrap());
                }
                report
            }),
            Task::Reissue(i) => {
                let mut report = Report::default();
                match runtime.block_on(checkout.reissue(&orders[i])) {
                    Ok(handout) => report.count(i, &handout),
                    Err(_) => report.errors += 1,
                }
                report
            }
        });
        return;
    }

    let transport = keycard_ureq::UreqTransport::builder()
        .timeout(timeout)
        .build();
    let store = RedisStore::with_config(&env("CHECKOUT_REDIS"), config).unwrap();
    let checkout = BlockingCheckout::new(transport, api, exact::CheckoutConfig::default())
        .with_store(store)
        .with_clock(clock.clone());
    serve(&clock, &orders, |command| match command {
        Task::HandOut { threads, calls } => {
            let totals = Mutex::new(Report::default());
            std::thread::scope(|scope| {
                for thread in 0..threads {
                    let (checkout, totals, orders) = (&checkout, &totals, &orders);
                    scope.spawn(move || {
                        let mut mine = Report::default();
                        for call in 0..calls {
                            let i = (thread + call) as usize % orders.len();
                            match checkout.hand_out(&orders[i]) {
                                Ok(handout) => mine.count(i, &handout),
                                Err(error) => {
                                    eprintln!("no token: {error}");
                                    mine.errors += 1;
                                }
                            }
                        }
                        totals.lock().unwrap().add(mine);
                    });
                }
            });
            totals.into_inner().unwrap()
        }
        Task::Reissue(i) => {
            let mut report = Report::default();
            match checkout.reissue(&orders[i]) {
                Ok(handout) => report.count(i, &handout),
                Err(_) => report.errors += 1,
            }
            report
        }
    });
}

/// A command from the parent.
enum Task {
    /// `handout <offset ms> <callers> <calls>`.
    HandOut { threads: u32, calls: u32 },
    /// `reissue <offset ms> <order index>`.
    Reissue(usize),
}

/// The child's loop: reads commands, sets the clock, runs them, prints each report.
fn serve(clock: &OffsetClock, orders: &[String], mut run: impl FnMut(Task) -> Report) {
    assert!(!orders.is_empty());
    println!("@@ ready");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let command = match words[..] {
            ["handout", offset, threads, calls] => {
                clock.0.store(offset.parse().unwrap(), Ordering::Relaxed);
                Task::HandOut {
                    threads: threads.parse().unwrap(),
                    calls: calls.parse().unwrap(),
                }
            }
            ["reissue", offset, order] => {
                clock.0.store(offset.parse().unwrap(), Ordering::Relaxed);
                Task::Reissue(order.parse().unwrap())
            }
            _ => break,
        };
        println!("@@ done {}", run(command).line());
    }
}
