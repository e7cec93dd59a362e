//! A fleet of real OS processes sharing tokens through a real `redis-server`, against the
//! emulator: one generate call per refresh across the fleet, a lock holder killed mid-mint,
//! Redis stopped, hung and restarted, a 429 that every process honours, and the ledger of live
//! tokens counting what the emulator holds (and stopping mints past its budget); the same
//! fleet on a Redis Cluster (three masters) too.
//!
//! The processes are this test binary run again with `KEYCARD_FLEET_CHILD` set (the
//! `fleet_child` test). Each holds a token source — a `BlockingSource` over ureq on a
//! `RedisStore`, or an `AsyncSource` over reqwest on an `AsyncRedisStore`, each refreshing in
//! the background or inline — and a clock that is the system clock plus an offset the parent
//! sets, in step with the emulator's clock: moving both forward takes every process past a
//! refresh (or an expiry) at once, so each phase needs exactly one new token, whatever the
//! timing.

mod support;

use keycard_core::lifecycle::{
    Event, LiveToken, SourceConfig, TokenBudget, TokenEndpoint, TokenStore, WhenSpent,
};
use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::{BaseUrl, SecretKey, Transport};
use keycard_emulator::{Emulator, Fault, Route};
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore};
use keycard_source::{AsyncSource, BlockingSource, Clock, TokenSource, TokioSpawner};
use keycard_ureq::UreqTransport;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::cluster::RedisCluster;
use support::RedisServer;

const CHILD: &str = "KEYCARD_FLEET_CHILD";

/// The parent tests run one at a time: each starts a fleet of processes, on 2 cores in CI.
static SERIAL: Mutex<()> = Mutex::new(());

/// What one process did in one phase.
#[derive(Debug, Default, Clone)]
struct Report {
    ok: u64,
    invalid: u64,
    errors: u64,
    verified: u64,
    /// Events: `MintingAlone`, `StoreFailed`, `Issued` (this process minted), `Restored` (it
    /// took a token from Redis).
    alone: u64,
    store_failed: u64,
    issued: u64,
    restored: u64,
    /// `HeldOff` events: this process told the fleet to wait (it got the 429), or was told.
    published: u64,
    told: u64,
    /// `BudgetSpent` events.
    spent: u64,
    /// The token the source held once the phase settled (see [`token_id`]).
    current: u64,
    /// The tokens its callers got, one id per distinct token.
    tokens: BTreeSet<u64>,
}

impl Report {
    fn parse(line: &str) -> Self {
        let mut report = Report::default();
        for field in line.split_whitespace() {
            let Some((name, value)) = field.split_once('=') else {
                continue;
            };
            let number = || value.parse::<u64>().unwrap();
            match name {
                "ok" => report.ok = number(),
                "invalid" => report.invalid = number(),
                "errors" => report.errors = number(),
                "verified" => report.verified = number(),
                "alone" => report.alone = number(),
                "store_failed" => report.store_failed = number(),
                "issued" => report.issued = number(),
                "restored" => report.restored = number(),
                "published" => report.published = number(),
                "told" => report.told = number(),
                "spent" => report.spent = number(),
                "current" => report.current = number(),
                "tokens" => {
                    report.tokens = value
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse().unwrap())
                        .collect()
                }
                _ => {}
            }
        }
        report
    }

    /// The line a child prints.
    fn line(&self) -> String {
        let tokens: Vec<String> = self.tokens.iter().map(u64::to_string).collect();
        format!(
            "ok={} invalid={} errors={} verified={} alone={} store_failed={} issued={} \
             restored={} published={} told={} spent={} current={} tokens={}",
            self.ok,
            self.invalid,
            self.errors,
            self.verified,
            self.alone,
            self.store_failed,
            self.issued,
            self.restored,
            self.published,
            self.told,
            self.spent,
            self.current,
            tokens.join(",")
        )
    }

    /// Counts a token a caller got at `now`.
    fn count<G>(&mut self, token: &LiveToken<G>, now: Instant) {
        if token.is_valid(now) {
            self.ok += 1;
        } else {
            self.invalid += 1;
        }
        self.tokens.insert(token_id(token));
    }

    fn add(&mut self, other: Report) {
        self.ok += other.ok;
        self.invalid += other.invalid;
        self.errors += other.errors;
        self.verified += other.verified;
        self.tokens.extend(other.tokens);
    }
}

/// A token's id, the same in every process (a hash of the secret: the report holds none).
fn token_id<G>(token: &LiveToken<G>) -> u64 {
    // `DefaultHasher::new` has fixed keys: every process of this binary hashes alike.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    token.access_token().expose_secret().hash(&mut hasher);
    hasher.finish() | 1
}

/// Settings shared by the parent and its children.
#[derive(Clone, Copy)]
struct Settings {
    lock_ttl: Duration,
    lock_wait: Duration,
    command_timeout: Duration,
    retry_after: Duration,
    transport_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lock_ttl: Duration::from_secs(5),
            lock_wait: Duration::from_secs(8),
            command_timeout: Duration::from_millis(500),
            retry_after: Duration::from_millis(300),
            transport_timeout: Duration::from_secs(5),
        }
    }
}

/// Which token source a child runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// A `BlockingSource` (ureq, `RedisStore`) refreshing on its own thread (the default).
    Sync,
    /// An `AsyncSource` (reqwest on tokio, `AsyncRedisStore`) refreshing inline (no spawner).
    Async,
    /// A `BlockingSource` refreshing inline.
    SyncInline,
    /// An `AsyncSource` refreshing in a background task (`TokioSpawner`).
    AsyncSpawned,
}

impl Flavour {
    const ALL: [Self; 4] = [
        Self::Sync,
        Self::Async,
        Self::SyncInline,
        Self::AsyncSpawned,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Async => "async",
            Self::SyncInline => "sync-inline",
            Self::AsyncSpawned => "async-spawned",
        }
    }

    fn parse(name: &str) -> Self {
        *Self::ALL
            .iter()
            .find(|f| f.name() == name)
            .expect("a flavour")
    }

    /// Each in turn: sync and async alternate.
    fn nth(i: usize) -> Self {
        Self::ALL[i % Self::ALL.len()]
    }
}

/// One child process.
struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Process {
    /// A process running a source of this `flavour`.
    fn spawn(emu: &Emulator, redis: &RedisServer, settings: Settings, flavour: Flavour) -> Self {
        Self::spawn_with(emu, &redis.url(), settings, flavour, &[])
    }

    /// The same on the Redis at `redis` (with `FLEET_CLUSTER`: a cluster, `redis` the URLs of
    /// its nodes, comma-separated), with more settings for the child (`FLEET_SCOPES`,
    /// `FLEET_BUDGET`).
    fn spawn_with(
        emu: &Emulator,
        redis: &str,
        settings: Settings,
        flavour: Flavour,
        extra: &[(&str, String)],
    ) -> Self {
        let mut child = support::child::test_binary("fleet_child")
            .env(CHILD, flavour.name())
            .env("FLEET_EMULATOR", emu.voucherify_url())
            .env("FLEET_APP_ID", emu.voucherify_app_id())
            .env("FLEET_SECRET_KEY", emu.voucherify_secret_key())
            .env("FLEET_VOUCHER", emu.voucher_code())
            .env("FLEET_REDIS", redis)
            .env("FLEET_LOCK_TTL_MS", millis(settings.lock_ttl))
            .env("FLEET_LOCK_WAIT_MS", millis(settings.lock_wait))
            .env("FLEET_COMMAND_TIMEOUT_MS", millis(settings.command_timeout))
            .env("FLEET_RETRY_AFTER_MS", millis(settings.retry_after))
            .env(
                "FLEET_TRANSPORT_TIMEOUT_MS",
                millis(settings.transport_timeout),
            )
            .envs(extra.iter().map(|(name, value)| (name, value)))
            .spawn()
            .expect("the test binary runs again as a child");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut process = Self {
            child,
            stdin,
            stdout,
        };
        assert_eq!(process.read("ready"), "");
        process
    }

    /// Starts a phase: the clock `offset` ahead, `threads` callers × `calls` each.
    fn start_phase(&mut self, offset: Duration, threads: u32, calls: u32) {
        writeln!(self.stdin, "phase {} {threads} {calls}", offset.as_millis()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn report(&mut self) -> Report {
        Report::parse(&self.read("done"))
    }

    /// The rest of the next protocol line starting with `@@ <word>`.
    fn read(&mut self, word: &str) -> String {
        support::child::read_line(&mut self.stdout, word)
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn millis(d: Duration) -> String {
    d.as_millis().to_string()
}

/// Runs one phase on every process at once; their reports.
fn phase(fleet: &mut [Process], offset: Duration, threads: u32, calls: u32) -> Vec<Report> {
    for process in fleet.iter_mut() {
        process.start_phase(offset, threads, calls);
    }
    fleet.iter_mut().map(Process::report).collect()
}

/// Moves the emulator's clock to `offset` ahead of real time (from `*current`).
/// Redis's clock is not moved: its entries are aged by as much (what Redis does not answer
/// quickly, stopped or hung, keeps them as they are).
fn move_clock(emu: &Emulator, redis: &RedisServer, current: &mut Duration, offset: Duration) {
    emu.clock().advance(offset - *current);
    age_entries(redis, offset - *current);
    *current = offset;
}

/// Shortens the time to live of every entry of `redis` by `by`, as if that much time had
/// passed on its clock: the stores read a token's life from Redis's time to live.
fn age_entries(redis: &RedisServer, by: Duration) {
    const AGE: &str = r"
for _, key in ipairs(redis.call('KEYS', '*')) do
  local left = redis.call('PTTL', key)
  if left > 0 then
    if left <= tonumber(ARGV[1]) then redis.call('DEL', key)
    else redis.call('PEXPIRE', key, left - tonumber(ARGV[1])) end
  end
end
return 0";
    let timeout = Duration::from_millis(300);
    let Ok(mut connection) =
        redis::Client::open(redis.url()).and_then(|c| c.get_connection_with_timeout(timeout))
    else {
        return;
    };
    if connection.set_read_timeout(Some(timeout)).is_err() {
        return;
    }
    let _: redis::RedisResult<i64> = redis::cmd("EVAL")
        .arg(AGE)
        .arg(0)
        .arg(by.as_millis() as u64)
        .query(&mut connection);
}

fn assert_all_served(reports: &[Report], threads: u32, calls: u32, what: &str) {
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(
            report.ok,
            u64::from(threads * calls),
            "{what}: process {i}: {report:?}"
        );
        assert_eq!(report.errors, 0, "{what}: process {i}: {report:?}");
        assert_eq!(report.invalid, 0, "{what}: process {i}: {report:?}");
        assert_eq!(report.verified, 1, "{what}: process {i}: {report:?}");
    }
}

/// Every process ended the phase on the same, single token, which one of them minted (said
/// by an `Issued` event) and every other took from Redis, once (a `Restored` event).
fn assert_one_token(reports: &[Report], what: &str) {
    let current: BTreeSet<u64> = reports.iter().map(|r| r.current).collect();
    assert_eq!(current.len(), 1, "{what}: {reports:?}");
    let issued: u64 = reports.iter().map(|r| r.issued).sum();
    assert_eq!(issued, 1, "{what}: one process minted: {reports:?}");
    for report in reports {
        assert_eq!(
            report.issued + report.restored,
            1,
            "{what}: each process minted it or took it from Redis, once: {reports:?}"
        );
    }
}

/// Every process minted its own token, alone.
fn assert_minted_alone(reports: &[Report], processes: usize, what: &str) {
    let current: BTreeSet<u64> = reports.iter().map(|r| r.current).collect();
    assert_eq!(current.len(), processes, "{what}: {reports:?}");
    for report in reports {
        assert_eq!(report.issued, 1, "{what}: {reports:?}");
    }
}

#[test]
fn eight_processes_make_one_generate_call_per_refresh() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    // Four sync processes and four async ones, half of each refreshing in the background:
    // one fleet.
    let mut fleet: Vec<Process> = (0..8)
        .map(|i| Process::spawn(&emu, &redis, Settings::default(), Flavour::nth(i)))
        .collect();
    let (threads, calls) = (8, 250);
    let mut clock = Duration::ZERO;
    let mut per_refresh = Vec::new();
    // Start; then into the refresh window of the token (it is still valid); then past its
    // expiry; twice.
    for (what, offset) in [
        ("first token", 0),
        ("refresh ahead of expiry", 800),
        ("after expiry", 1800),
        ("after expiry again", 2800),
    ] {
        let offset = Duration::from_secs(offset);
        move_clock(&emu, &redis, &mut clock, offset);
        let before = emu.hits(Route::VoucherifyGenerate);
        let reports = phase(&mut fleet, offset, threads, calls);
        let hits = emu.hits(Route::VoucherifyGenerate) - before;
        assert_all_served(&reports, threads, calls, what);
        assert_one_token(&reports, what);
        for report in &reports {
            assert_eq!(report.alone, 0, "{what}: {reports:?}");
            assert_eq!(report.store_failed, 0, "{what}: {reports:?}");
        }
        assert_eq!(
            hits, 1,
            "{what}: one generate call for 8 processes: {reports:?}"
        );
        per_refresh.push(hits);
    }
    eprintln!(
        "8 processes (4 sync, 4 async; 4 refreshing in the background) x {threads} callers \
         x {calls} calls: \
         generate calls per phase {per_refresh:?}"
    );
    // Only the newest token is still live by the emulator's clock.
    assert_eq!(emu.live_voucherify_tokens(), 1);
}

#[test]
fn a_lock_holder_killed_mid_mint_stalls_the_others_no_longer_than_the_lock() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let settings = Settings {
        lock_ttl: Duration::from_secs(2),
        lock_wait: Duration::from_secs(10),
        transport_timeout: Duration::from_secs(30),
        ..Settings::default()
    };
    let mut holder = Process::spawn(&emu, &redis, settings, Flavour::Sync);
    let mut others: Vec<Process> = (0..4)
        .map(|i| Process::spawn(&emu, &redis, settings, Flavour::nth(i)))
        .collect();

    // The holder's generate call stalls: it holds the fleet's lock, mid-mint.
    emu.inject(Route::VoucherifyGenerate, Fault::StallHeaders, 1);
    holder.start_phase(Duration::ZERO, 1, 1);
    let started = Instant::now();
    while emu.hits(Route::VoucherifyGenerate) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no generate call"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let locked_at = Instant::now();
    let mut connection = redis.connection();
    let locks: Vec<String> = redis::cmd("KEYS")
        .arg("*:lock")
        .query(&mut connection)
        .unwrap();
    assert_eq!(locks.len(), 1, "the holder holds the lock");

    for process in &mut others {
        process.start_phase(Duration::ZERO, 4, 50);
    }
    std::thread::sleep(Duration::from_millis(300));
    holder.kill();
    let reports: Vec<Report> = others.iter_mut().map(Process::report).collect();
    let waited = locked_at.elapsed();
    assert_all_served(&reports, 4, 50, "after the holder died");
    assert_one_token(&reports, "after the holder died");
    assert!(
        waited < settings.lock_ttl + Duration::from_secs(3),
        "the others waited {waited:?}, the lock lives {:?}",
        settings.lock_ttl
    );
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "the dead holder's call, then one for the 4 others: {reports:?}"
    );
    eprintln!("holder killed mid-mint: the others had a token {waited:?} after it took the lock");
}

#[test]
fn redis_stopped_hung_or_restarted_never_stops_issuance_and_sharing_resumes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let settings = Settings::default();
    let processes = 6;
    let mut fleet: Vec<Process> = (0..processes)
        .map(|i| Process::spawn(&emu, &redis, settings, Flavour::nth(i)))
        .collect();
    let (threads, calls) = (4, 100);
    let mut clock = Duration::ZERO;
    let mut run = |fleet: &mut [Process], redis: &RedisServer, what: &str, offset: u64| {
        let offset = Duration::from_secs(offset);
        move_clock(&emu, redis, &mut clock, offset);
        let before = emu.hits(Route::VoucherifyGenerate);
        let started = Instant::now();
        let reports = phase(fleet, offset, threads, calls);
        let took = started.elapsed();
        let hits = emu.hits(Route::VoucherifyGenerate) - before;
        assert_all_served(&reports, threads, calls, what);
        eprintln!("{what}: {hits} generate calls, {took:?}");
        (reports, hits, took)
    };

    let (_, hits, _) = run(&mut fleet, &redis, "shared", 0);
    assert_eq!(hits, 1);

    // Redis stopped: each process mints alone, and says so.
    redis.stop();
    let (reports, hits, _) = run(&mut fleet, &redis, "redis stopped", 1000);
    assert_eq!(hits, processes as u64, "{reports:?}");
    assert_minted_alone(&reports, processes, "redis stopped");
    for report in &reports {
        assert!(report.alone >= 1 && report.store_failed >= 1, "{reports:?}");
    }

    // Redis back (empty): sharing resumes at the next refresh.
    redis.restart();
    std::thread::sleep(settings.retry_after + Duration::from_millis(200));
    let (reports, hits, _) = run(&mut fleet, &redis, "redis restarted", 2000);
    assert_eq!(hits, 1, "{reports:?}");
    assert_one_token(&reports, "redis restarted");
    for report in &reports {
        assert_eq!((report.alone, report.store_failed), (0, 0), "{reports:?}");
    }

    // Redis hung (SIGSTOP): commands time out, each process mints alone, quickly.
    let pid = redis.pid().unwrap().to_string();
    signal("-STOP", &pid);
    let (reports, hits, took) = run(&mut fleet, &redis, "redis hung", 3000);
    signal("-CONT", &pid);
    assert_eq!(hits, processes as u64, "{reports:?}");
    assert_minted_alone(&reports, processes, "redis hung");
    for report in &reports {
        assert!(report.alone >= 1, "{reports:?}");
    }
    assert!(took < Duration::from_secs(5), "{took:?}");

    std::thread::sleep(settings.retry_after + Duration::from_millis(200));
    let (reports, hits, _) = run(&mut fleet, &redis, "redis answering again", 4000);
    assert_eq!(hits, 1, "{reports:?}");
    assert_one_token(&reports, "redis answering again");
}

#[test]
fn a_429_one_process_gets_holds_off_every_process_of_the_fleet() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let processes = 6;
    let mut fleet: Vec<Process> = (0..processes)
        .map(|i| Process::spawn(&emu, &redis, Settings::default(), Flavour::nth(i)))
        .collect();
    // The first generate call is told to come back in 2 s (`Retry-After: 2` and
    // `X-Rate-Limit-Retry`); the next would succeed.
    let retry_after = Duration::from_secs(2);
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::RateLimited { retry_after },
        1,
    );
    let (threads, calls) = (2, 5);
    for process in &mut fleet {
        process.start_phase(Duration::ZERO, threads, calls);
    }
    // Watch the generate calls as they come: when the 429 went out, when the next call came.
    let started = Instant::now();
    let mut first = None;
    let mut second = None;
    while second.is_none() && started.elapsed() < Duration::from_secs(30) {
        let hits = emu.hits(Route::VoucherifyGenerate);
        if hits >= 1 && first.is_none() {
            first = Some(Instant::now());
        }
        if hits >= 2 {
            second = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let reports: Vec<Report> = fleet.iter_mut().map(Process::report).collect();
    let (first, second) = (first.unwrap(), second.expect("a second generate call"));
    let quiet = second - first;
    assert_all_served(&reports, threads, calls, "after the 429");
    assert_one_token(&reports, "after the 429");
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "the 429, then one mint for the fleet: {reports:?}"
    );
    // Nobody sent before the server's time (`Retry-After` is whole seconds from a `Date` of
    // whole seconds: at least 1 s after, whatever the rounding).
    assert!(
        quiet >= retry_after - Duration::from_millis(1_000),
        "the second call came {quiet:?} after the 429"
    );
    let published: u64 = reports.iter().map(|r| r.published).sum();
    assert_eq!(
        published, 1,
        "the process that got the 429 told the fleet: {reports:?}"
    );
    for report in reports.iter().filter(|r| r.published == 0) {
        assert!(
            report.told >= 1,
            "every other process was told: {reports:?}"
        );
    }
    eprintln!(
        "429 with Retry-After {retry_after:?}: {processes} processes sent nothing for {quiet:?}"
    );
}

#[test]
fn the_ledger_counts_what_the_emulator_holds_live_and_stops_mints_past_the_budget() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    // Eight processes, two per scope set: four tokens per refresh for the project. A budget
    // of 8 live tokens: fail, not wait, when it is spent.
    let budget = [("FLEET_BUDGET", "8".to_owned())];
    let mut fleet: Vec<Process> = (0..8)
        .map(|i| {
            let mut extra = budget.to_vec();
            extra.push(("FLEET_SCOPES", (i % 4).to_string()));
            Process::spawn_with(
                &emu,
                &redis.url(),
                Settings::default(),
                Flavour::nth(i),
                &extra,
            )
        })
        .collect();
    let mut config = RedisConfig::default();
    config.prefix = "fleet-test".into();
    let store = RedisStore::with_config(&redis.url(), config).unwrap();
    let api = support::voucherify_api(&emu);
    let project = api
        .generate_token(&scope_set(0))
        .unwrap()
        .budget_key()
        .unwrap();
    let ledger = || store.count_live(&project).unwrap().unwrap().live;
    let (threads, calls) = (2, 20);
    let mut clock = Duration::ZERO;

    // The ledger follows Redis's clock, which the test cannot move: it is compared with the
    // emulator's count before the emulator's moved clock has expired anything.
    for (what, offset, live) in [("first tokens", 0, 4), ("refresh ahead of expiry", 800, 8)] {
        let offset = Duration::from_secs(offset);
        move_clock(&emu, &redis, &mut clock, offset);
        let before = emu.hits(Route::VoucherifyGenerate);
        let reports = phase(&mut fleet, offset, threads, calls);
        assert_all_served(&reports, threads, calls, what);
        assert_eq!(emu.hits(Route::VoucherifyGenerate) - before, 4, "{what}");
        assert_eq!(emu.live_voucherify_tokens(), live, "{what}");
        assert_eq!(
            ledger(),
            live as u32,
            "{what}: the ledger counts as the emulator"
        );
    }

    // A ninth process with a fifth scope set: the budget is spent, it mints nothing and says
    // so; the others keep their tokens.
    let mut extra = budget.to_vec();
    extra.push(("FLEET_SCOPES", "4".to_owned()));
    let mut late = Process::spawn_with(
        &emu,
        &redis.url(),
        Settings::default(),
        Flavour::Sync,
        &extra,
    );
    let before = emu.hits(Route::VoucherifyGenerate);
    late.start_phase(clock, 1, 3);
    let report = late.report();
    assert_eq!(report.ok, 0, "{report:?}");
    assert_eq!(report.errors, 3, "{report:?}");
    assert!(report.spent >= 1, "{report:?}");
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        before,
        "no mint past the budget"
    );
    assert_eq!(ledger(), 8);
    eprintln!("ledger: 4 then 8 live tokens, as the emulator counted; the 9th process refused");
}

/// [`age_entries`] on every node of a cluster, key by key (a replica refuses the writes: its
/// master's reach it).
fn age_cluster(urls: &[String], by: Duration) {
    let by = by.as_millis() as i64;
    for url in urls {
        let mut node = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut node).unwrap();
        for key in keys {
            let left: i64 = redis::cmd("PTTL").arg(&key).query(&mut node).unwrap_or(-1);
            let aged: redis::RedisResult<i64> = if left <= 0 {
                continue;
            } else if left <= by {
                redis::cmd("DEL").arg(&key).query(&mut node)
            } else {
                redis::cmd("PEXPIRE")
                    .arg(&key)
                    .arg(left - by)
                    .query(&mut node)
            };
            drop(aged);
        }
    }
}

/// In a child on a cluster (`FLEET_CLUSTER`): the URLs of its nodes.
fn cluster_urls() -> Option<Vec<&'static str>> {
    std::env::var("FLEET_CLUSTER").ok()?;
    let urls = std::env::var("FLEET_REDIS").ok()?.leak();
    Some(urls.split(',').collect())
}

#[test]
fn on_a_redis_cluster_a_fleet_mints_once_per_refresh_honours_a_429_and_counts_its_tokens() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let emu = Emulator::start().unwrap();
    let processes = 6;
    let on_cluster = [("FLEET_CLUSTER", "1".to_owned())];
    let mut fleet: Vec<Process> = (0..processes)
        .map(|i| {
            let flavour = Flavour::nth(i);
            Process::spawn_with(
                &emu,
                &urls.join(","),
                Settings::default(),
                flavour,
                &on_cluster,
            )
        })
        .collect();
    let mut config = RedisConfig::default();
    config.prefix = "fleet-test".into();
    let store = RedisStore::with_cluster_config(&RedisCluster::url_refs(&urls), config).unwrap();
    let api = support::voucherify_api(&emu);
    let project = api
        .generate_token(&scope_set(0))
        .unwrap()
        .budget_key()
        .unwrap();
    let (threads, calls) = (2, 20);

    // The first generate call is rate-limited for 2 s: the whole fleet waits, then one mints.
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::RateLimited {
            retry_after: Duration::from_secs(2),
        },
        1,
    );
    let started = Instant::now();
    let reports = phase(&mut fleet, Duration::ZERO, threads, calls);
    let took = started.elapsed();
    assert_all_served(&reports, threads, calls, "cluster: after a 429");
    assert_one_token(&reports, "cluster: after a 429");
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2, "{reports:?}");
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert_eq!(
        reports.iter().map(|r| r.published).sum::<u64>(),
        1,
        "{reports:?}"
    );

    // A refresh ahead of expiry: one more mint for the fleet.
    let clock = Duration::from_secs(800);
    emu.clock().advance(clock);
    age_cluster(&urls, clock);
    let reports = phase(&mut fleet, clock, threads, calls);
    assert_all_served(&reports, threads, calls, "cluster: refresh");
    assert_one_token(&reports, "cluster: refresh");
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3, "{reports:?}");

    // The ledger (on the cluster) counts what the emulator holds live.
    assert_eq!(emu.live_voucherify_tokens(), 2);
    assert_eq!(store.count_live(&project).unwrap().unwrap().live, 2);
    eprintln!("cluster: 6 processes waited {took:?} after a 429; 2 mints, 2 in the ledger");
}

/// The scope sets the processes of a fleet may ask for (each with `vouchers`: every process
/// checks its token on a voucher).
fn scope_set(n: usize) -> Scopes {
    let other = [
        Scope::Customers,
        Scope::Orders,
        Scope::Products,
        Scope::Campaigns,
    ];
    let mut scopes = Scopes::from([Scope::Vouchers]);
    if let Some(scope) = n.checked_sub(1).and_then(|i| other.get(i)) {
        scopes = scopes.union(&Scopes::from([*scope]));
    }
    scopes
}

fn signal(which: &str, pid: &str) {
    let status = Command::new("kill").args([which, pid]).status().unwrap();
    assert!(status.success());
}

/// The system's clocks, `offset` ahead (the parent sets it, in step with the emulator's).
#[derive(Clone)]
struct OffsetClock(Arc<AtomicU64>);

impl OffsetClock {
    fn offset(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
}

/// The child's side: a process a parent test starts (ignored in a plain run).
#[test]
#[ignore = "a process of the fleet tests, started by them (with --ignored)"]
fn fleet_child() {
    let flavour = std::env::var(CHILD).expect("started by a fleet test, which sets CHILD");
    let flavour = Flavour::parse(&flavour);
    let env = |name: &str| std::env::var(name).unwrap();
    let env_ms = |name: &str| Duration::from_millis(env(name).parse().unwrap());
    let base = BaseUrl::parse(&env("FLEET_EMULATOR")).unwrap();
    let api = voucherify::Api::new(
        base,
        Credentials::new(env("FLEET_APP_ID"), SecretKey::new(env("FLEET_SECRET_KEY"))).unwrap(),
    );
    let scopes = std::env::var("FLEET_SCOPES").map_or(0, |n| n.parse().unwrap());
    let endpoint = api.generate_token(&scope_set(scopes)).unwrap();
    let mut source_config = SourceConfig::default();
    if let Ok(max_live) = std::env::var("FLEET_BUDGET") {
        let mut budget = TokenBudget::default();
        budget.max_live = max_live.parse().unwrap();
        budget.when_spent = WhenSpent::Fail;
        source_config.budget = Some(budget);
    }
    let mut config = RedisConfig::default();
    config.prefix = "fleet-test".into();
    config.lock_ttl = env_ms("FLEET_LOCK_TTL_MS");
    config.lock_wait = env_ms("FLEET_LOCK_WAIT_MS");
    config.command_timeout = env_ms("FLEET_COMMAND_TIMEOUT_MS");
    config.connect_timeout = env_ms("FLEET_COMMAND_TIMEOUT_MS");
    config.retry_after = env_ms("FLEET_RETRY_AFTER_MS");
    let clock = OffsetClock(Arc::new(AtomicU64::new(0)));
    let timeout = env_ms("FLEET_TRANSPORT_TIMEOUT_MS");
    let voucher_url = format!(
        "{}/v1/vouchers/{}",
        env("FLEET_EMULATOR").trim_end_matches('/'),
        env("FLEET_VOUCHER")
    );
    let verify = |status: Option<http::StatusCode>| status == Some(http::StatusCode::OK);

    if matches!(flavour, Flavour::Async | Flavour::AsyncSpawned) {
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
        let store = match cluster_urls() {
            Some(urls) => AsyncRedisStore::with_cluster_config(&urls, config),
            None => AsyncRedisStore::with_config(&env("FLEET_REDIS"), config),
        }
        .unwrap();
        let mut source = AsyncSource::new(transport.clone(), endpoint, source_config)
            .with_async_store(store)
            .with_clock(clock.clone());
        if flavour == Flavour::AsyncSpawned {
            source = source.with_spawner(TokioSpawner);
        }
        let source = Arc::new(source);
        serve(&clock, |tasks, calls| {
            let mut totals = runtime.block_on(async {
                let mut handles = Vec::new();
                for task in 0..tasks {
                    let (source, clock) = (Arc::clone(&source), clock.clone());
                    let (transport, voucher_url) = (transport.clone(), voucher_url.clone());
                    handles.push(tokio::spawn(async move {
                        let mut mine = Report::default();
                        for call in 0..calls {
                            match source.token().await {
                                Ok(token) => {
                                    mine.count(&token, clock.now());
                                    if task == 0 && call == 0 {
                                        let mut request = http::Request::get(voucher_url.as_str())
                                            .body(Vec::new())
                                            .unwrap();
                                        token.authorize(&mut request);
                                        let sent =
                                            keycard_core::AsyncTransport::send(&transport, request)
                                                .await;
                                        mine.verified += u64::from(verify(
                                            sent.as_ref().ok().map(|r| r.status()),
                                        ));
                                    }
                                }
                                Err(error) => {
                                    eprintln!("no token: {error}");
                                    mine.errors += 1;
                                }
                            }
                        }
                        mine
                    }));
                }
                let mut totals = Report::default();
                for handle in handles {
                    totals.add(handle.await.unwrap());
                }
                totals
            });
            settle(&source, &clock, &mut totals, || {
                let _ = runtime.block_on(source.token());
            });
            totals
        });
        return;
    }

    let transport = UreqTransport::builder().timeout(timeout).build();
    let store = match cluster_urls() {
        Some(urls) => RedisStore::with_cluster_config(&urls, config),
        None => RedisStore::with_config(&env("FLEET_REDIS"), config),
    }
    .unwrap();
    let mut source = BlockingSource::new(transport.clone(), endpoint, source_config)
        .with_store(store)
        .with_clock(clock.clone());
    if flavour == Flavour::SyncInline {
        source = source.with_inline_refresh();
    }
    serve(&clock, |threads, calls| {
        let totals = Mutex::new(Report::default());
        std::thread::scope(|scope| {
            for thread in 0..threads {
                let (source, totals, clock) = (&source, &totals, &clock);
                let (transport, voucher_url) = (&transport, &voucher_url);
                scope.spawn(move || {
                    let mut mine = Report::default();
                    for call in 0..calls {
                        match source.token() {
                            Ok(token) => {
                                mine.count(&token, clock.now());
                                if thread == 0 && call == 0 {
                                    let mut request = http::Request::get(voucher_url.as_str())
                                        .body(Vec::new())
                                        .unwrap();
                                    token.authorize(&mut request);
                                    let sent = transport.send(request);
                                    mine.verified +=
                                        u64::from(verify(sent.as_ref().ok().map(|r| r.status())));
                                }
                            }
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
        let mut totals = totals.into_inner().unwrap();
        settle(&source, &clock, &mut totals, || {
            let _ = source.token();
        });
        totals
    });
}

/// Ends a phase: waits (a while at most) until the source holds a fresh token, then notes
/// that token and the events of the phase. The callers may have been served the old, still
/// valid token while the refresh went on: in a background refresher, or inline while this
/// process waits for another one's token. The latter goes on as callers call: `call` is one
/// more (not counted).
fn settle<E: TokenEndpoint, D>(
    source: &TokenSource<E, D>,
    clock: &OffsetClock,
    report: &mut Report,
    call: impl Fn(),
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let current = loop {
        let current = source.current();
        let fresh = current.as_ref().is_some_and(|t| t.is_fresh(clock.now()));
        // A phase whose callers got no token (the budget was spent) has nothing to settle.
        if fresh || report.ok == 0 || Instant::now() >= deadline {
            break current;
        }
        std::thread::sleep(Duration::from_millis(5));
        call();
    };
    report.current = current.as_deref().map_or(0, token_id);
    for event in source.drain_events() {
        match event {
            Event::MintingAlone { .. } => report.alone += 1,
            Event::StoreFailed { .. } => report.store_failed += 1,
            Event::Issued { .. } => report.issued += 1,
            Event::Restored { .. } => report.restored += 1,
            Event::HeldOff {
                published: true, ..
            } => report.published += 1,
            Event::HeldOff {
                published: false, ..
            } => report.told += 1,
            Event::BudgetSpent { .. } => report.spent += 1,
            _ => {}
        }
    }
}

/// The child's loop: reads `phase <offset ms> <callers> <calls>` lines, sets the clock, runs
/// `phase(callers, calls)`, prints its report.
fn serve(clock: &OffsetClock, mut phase: impl FnMut(u32, u32) -> Report) {
    println!("@@ ready");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let ["phase", offset_ms, callers, calls] = words[..] else {
            break;
        };
        clock.0.store(offset_ms.parse().unwrap(), Ordering::Relaxed);
        let report = phase(callers.parse().unwrap(), calls.parse().unwrap());
        println!("@@ done {}", report.line());
    }
}
