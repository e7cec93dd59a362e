//! Benchmark 9: the cost of one refresh across a fleet, by its size (1, 8, 32, 64 members).
//!
//! Each member is what a process of a fleet holds: a `BlockingSource` over keycard-ureq with its
//! own `RedisStore` (its own Redis connection), against a real `redis-server` the benchmark
//! starts and the emulator, both on 127.0.0.1. The members live in one process, on one thread
//! each (Redis sees one client per member, as with processes; starting 64 processes per
//! iteration would measure process start-up instead). One iteration: every member wants a
//! token at once and the store holds none; it ends when the last member has one. One member
//! mints (load, claim, count, send, save, record, release); the others wait for its token,
//! looking in Redis every `poll_every` (50 ms, the default). Measured: that whole time.
//!
//! Needs `redis-server` on the PATH (or `KEYCARD_REDIS_SERVER`). `cargo bench --bench
//! fleet_refresh` runs it; CI only compiles it.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use keycard_core::lifecycle::SourceConfig;
use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::{BaseUrl, SecretKey};
use keycard_emulator::Emulator;
use keycard_redis::{RedisConfig, RedisStore};
use keycard_source::BlockingSource;
use keycard_ureq::UreqTransport;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const SIZES: [usize; 4] = [1, 8, 32, 64];

/// A `redis-server` on a free port of 127.0.0.1, without persistence; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let program =
            std::env::var("KEYCARD_REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (install it, or set KEYCARD_REDIS_SERVER)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One iteration for `members`: fresh sources (connected to Redis beforehand) and an empty
/// store (a new prefix); the time until every member has a token.
fn one_refresh(emu: &Emulator, redis: &Redis, members: usize, round: u64) -> Duration {
    let api = voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).expect("the emulator's URL"),
        Credentials::new(
            emu.voucherify_app_id(),
            SecretKey::new(emu.voucherify_secret_key()),
        )
        .expect("the emulator's credentials"),
    );
    let endpoint = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .expect("a generate request");
    let mut config = RedisConfig::default();
    config.prefix = format!("bench-{round}");
    let sources: Vec<_> = (0..members)
        .map(|_| {
            let store = RedisStore::with_config(&redis.url(), config.clone()).expect("a store");
            store.ping().expect("Redis answers");
            BlockingSource::new(
                UreqTransport::new(),
                endpoint.clone(),
                SourceConfig::default(),
            )
            .with_store(store)
            .with_inline_refresh()
        })
        .collect();
    let start = Arc::new(Barrier::new(members + 1));
    let started = std::thread::scope(|scope| {
        for source in &sources {
            let start = Arc::clone(&start);
            scope.spawn(move || {
                start.wait();
                source.token().expect("a token");
            });
        }
        start.wait();
        Instant::now()
    });
    started.elapsed()
}

fn fleet_refresh(c: &mut Criterion) {
    let redis = Redis::start();
    let emu = Emulator::start().expect("the emulator");
    let mut round = 0;
    let mut group = c.benchmark_group("fleet_refresh");
    group.sample_size(10);
    for members in SIZES {
        group.bench_with_input(BenchmarkId::from_parameter(members), &members, |b, &n| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        round += 1;
                        // The emulator's earlier tokens expire: the project never nears its
                        // limit of live tokens, whatever the number of iterations.
                        emu.clock().advance(Duration::from_secs(901));
                        one_refresh(&emu, &redis, n, round)
                    })
                    .sum()
            });
        });
    }
    group.finish();
    // Check, outside the timing, that a fleet made one mint per refresh.
    let before = emu.hits(keycard_emulator::Route::VoucherifyGenerate);
    round += 1;
    one_refresh(&emu, &redis, 8, round);
    let minted = emu.hits(keycard_emulator::Route::VoucherifyGenerate) - before;
    assert_eq!(minted, 1, "one mint per refresh for the fleet");
}

criterion_group!(benches, fleet_refresh);
criterion_main!(benches);
