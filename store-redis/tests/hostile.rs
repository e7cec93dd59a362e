//! The Redis stores against a fake Redis on 127.0.0.1 that answers the connection's handshake
//! and then misbehaves as a real Redis cannot: a 512 MiB value, an array announced with two
//! billion elements, a reply dripped a byte at a time, no answer, bytes that are not RESP.
//! Every call ends within the command timeout (and a margin for a loaded machine) with a typed
//! error, having taken a few MiB at most; a token source over such a store still issues tokens.

mod support;

use keycard_core::lifecycle::{AsyncTokenStore, Event, SourceConfig, StoreKey, TokenStore};
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore, RedisStoreError};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Counts the bytes allocated and not yet freed, and the most at any moment since the last
/// [`Peak::start`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the peak is the whole process's, so none may allocate while another
/// measures.
static SERIAL: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The most memory a hostile reply may cost a call, above what was live before it.
const MEMORY_BOUND: usize = 8 << 20;

/// The stores' timeouts here.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(300);

/// The command timeout where the reply cap is tested: long enough for a debug build on a
/// loaded machine to read (and parse) up to the cap, so that the cap ends the call.
const CAP_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a call may take past its command timeout: a margin for a loaded two-core machine
/// (the drip alone would take 4.4 s, the 512 MiB minutes).
const MARGIN: Duration = Duration::from_millis(1700);

/// The password of [`FakeRedis::url_with_password`].
const PASSWORD: &str = "hunter2-redis-password";

/// What the fake Redis does with the first command after the handshake.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// `$536870912` and 512 MiB of bytes, as fast as the client reads.
    HugeBulk,
    /// `*2000000000` and then empty arrays (`*0`), as fast as the client reads.
    EndlessArray,
    /// A short reply, one byte every 400 ms.
    Drip,
    /// Nothing after the handshake: it reads and never answers.
    Silent,
    /// Nothing at all, not even to the handshake: it reads and never answers.
    Mute,
    /// An HTTP response: not RESP.
    Garbage,
    /// An error reply.
    ErrorReply,
    /// An error reply 100 KiB long that repeats the `AUTH` it received (the password).
    EchoAuth,
    /// The `AUTH` refused, with an error that repeats it (the password).
    RefuseAuth,
    /// One endless bulk string: 80 KiB more of it after each command received.
    Paced,
}

/// A fake Redis on a free port of 127.0.0.1: answers the handshake (`HELLO`, `CLIENT
/// SETINFO`, `SELECT`, `AUTH`) with `+OK` and every other command as `hostile` says. Stops
/// when dropped.
struct FakeRedis {
    port: u16,
    stop: Arc<AtomicBool>,
    /// How many commands other than the handshake it received.
    commands: Arc<AtomicUsize>,
}

impl FakeRedis {
    fn start(hostile: Hostile) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let commands = Arc::new(AtomicUsize::new(0));
        let (stopping, counting) = (Arc::clone(&stop), Arc::clone(&commands));
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (stop, commands) = (Arc::clone(&stopping), Arc::clone(&counting));
                        std::thread::spawn(move || serve(stream, hostile, &stop, &commands));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            port,
            stop,
            commands,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The URL with a user name and [`PASSWORD`].
    fn url_with_password(&self) -> String {
        format!("redis://keycard:{PASSWORD}@127.0.0.1:{}/", self.port)
    }
}

impl Drop for FakeRedis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One client connection: commands in, answers out, until the client goes or the server stops.
fn serve(stream: TcpStream, hostile: Hostile, stop: &AtomicBool, commands: &AtomicUsize) {
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    if let Hostile::Mute = hostile {
        let mut sink = [0u8; 1024];
        while !stop.load(Ordering::Relaxed) && matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        return;
    }
    let mut auth = String::new();
    let mut first = true;
    while let Some(command) = read_command(&mut reader) {
        let name = command[0].to_uppercase();
        if name == "AUTH" {
            auth = command.join(" ");
            if let Hostile::RefuseAuth = hostile {
                let refusal = format!("-WRONGPASS you sent {auth}\r\n");
                if writer.write_all(refusal.as_bytes()).is_err() {
                    return;
                }
                continue;
            }
        }
        if ["HELLO", "CLIENT", "SELECT", "AUTH"].contains(&name.as_str()) {
            if writer.write_all(b"+OK\r\n").is_err() {
                return;
            }
            continue;
        }
        commands.fetch_add(1, Ordering::Relaxed);
        let sent = match hostile {
            Hostile::HugeBulk => stream_forever(&mut writer, b"$536870912\r\n", b"x", stop),
            Hostile::EndlessArray => {
                stream_forever(&mut writer, b"*2000000000\r\n", b"*0\r\n", stop)
            }
            Hostile::Drip => {
                for byte in b"$5\r\nhello\r\n" {
                    if stop.load(Ordering::Relaxed) || writer.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(400));
                }
                true
            }
            Hostile::Silent => {
                // Hold the connection open, answering nothing.
                let mut sink = [0u8; 1024];
                while !stop.load(Ordering::Relaxed)
                    && matches!(reader.read(&mut sink), Ok(n) if n > 0)
                {}
                return;
            }
            Hostile::Garbage => writer
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .is_ok(),
            Hostile::ErrorReply => writer.write_all(b"-ERR hostile\r\n").is_ok(),
            Hostile::EchoAuth => {
                let echo = format!("-ERR you sent {auth} {}\r\n", "x".repeat(100 << 10));
                writer.write_all(echo.as_bytes()).is_ok()
            }
            Hostile::Paced => {
                let head: &[u8] = if first { b"$536870912\r\n" } else { b"" };
                first = false;
                writer.write_all(head).is_ok() && writer.write_all(&[b'x'; 80 << 10]).is_ok()
            }
            Hostile::Mute => unreachable!("it answers nothing"),
            Hostile::RefuseAuth => writer
                .write_all(b"-ERR not after a refused AUTH\r\n")
                .is_ok(),
        };
        if !sent {
            return;
        }
    }
}

/// `head`, then `unit` repeated (in blocks of 64 KiB) for up to 512 MiB, while the client reads.
fn stream_forever(writer: &mut TcpStream, head: &[u8], unit: &[u8], stop: &AtomicBool) -> bool {
    if writer.write_all(head).is_err() {
        return false;
    }
    let block = unit.repeat(64 * 1024 / unit.len());
    let mut sent = 0;
    while sent < 512 << 20 {
        if stop.load(Ordering::Relaxed) || writer.write_all(&block).is_err() {
            return false;
        }
        sent += block.len();
    }
    true
}

/// The next command (an array of bulk strings, at least one): its name and arguments; `None`
/// once the client has gone.
fn read_command(reader: &mut impl BufRead) -> Option<Vec<String>> {
    let count: usize = read_line(reader)?.strip_prefix('*')?.parse().ok()?;
    let mut command = Vec::new();
    for _ in 0..count {
        let len: usize = read_line(reader)?.strip_prefix('$')?.parse().ok()?;
        let mut arg = vec![0u8; len + 2];
        reader.read_exact(&mut arg).ok()?;
        arg.truncate(len);
        command.push(String::from_utf8_lossy(&arg).into_owned());
    }
    (!command.is_empty()).then_some(command)
}

fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end().to_owned()),
    }
}

fn config() -> RedisConfig {
    config_timing_out(COMMAND_TIMEOUT)
}

fn config_timing_out(after: Duration) -> RedisConfig {
    let mut config = RedisConfig::default();
    config.connect_timeout = after;
    config.command_timeout = after;
    config.retry_after = Duration::from_millis(100);
    config
}

/// [`config`], with Redis left alone for a minute after it failed: one timeout per source.
fn left_alone() -> RedisConfig {
    let mut config = config();
    config.retry_after = Duration::from_secs(60);
    config
}

fn key() -> StoreKey {
    StoreKey::from_parts("voucherify", &[b"hostile"])
}

/// Runs `call` with the memory counted: its result, how long it took, and the most memory it
/// held above what was live before.
fn measured<T>(call: impl FnOnce() -> T) -> (T, Duration, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let result = call();
    let took = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (result, took, peak)
}

/// `load` through the blocking and the async store, against a fake Redis that misbehaves as
/// `hostile` says: each ends within `timeout` and the margin, in bounded memory, with the error
/// `expected` accepts.
fn both_stores_hold(hostile: Hostile, timeout: Duration, expected: fn(&RedisStoreError) -> bool) {
    let _serial = one_at_a_time();
    let fake = FakeRedis::start(hostile);
    let bound = timeout + MARGIN;

    let store = RedisStore::with_config(&fake.url(), config_timing_out(timeout)).unwrap();
    let (result, took, peak) = measured(|| store.load(&key()));
    let error = result.expect_err("a hostile Redis gives no token");
    report("blocking", hostile, &error, took, peak);
    assert!(expected(&error), "blocking, {hostile:?}: {error:?}");
    assert!(took < bound, "blocking, {hostile:?}: {took:?}");
    assert!(peak < MEMORY_BOUND, "blocking, {hostile:?}: {peak} bytes");
    drop(store);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = AsyncRedisStore::with_config(&fake.url(), config_timing_out(timeout)).unwrap();
    let (result, took, peak) = measured(|| runtime.block_on(store.load(&key())));
    let error = result.expect_err("a hostile Redis gives no token");
    report("async", hostile, &error, took, peak);
    assert!(expected(&error), "async, {hostile:?}: {error:?}");
    assert!(took < bound, "async, {hostile:?}: {took:?}");
    assert!(peak < MEMORY_BOUND, "async, {hostile:?}: {peak} bytes");
    // Past the handshake, which a mute server never answers.
    let answered_handshake = !matches!(hostile, Hostile::Mute);
    assert_eq!(
        fake.commands.load(Ordering::Relaxed) >= 2,
        answered_handshake,
        "the hostile reply answered the stores' commands, not their handshake"
    );
}

fn report(store: &str, hostile: Hostile, error: &RedisStoreError, took: Duration, peak: usize) {
    println!(
        "{store}, {hostile:?}: {took:?}, peak {} KiB, {error}",
        peak / 1024
    );
}

fn protocol(error: &RedisStoreError) -> bool {
    matches!(error, RedisStoreError::Protocol(_))
}

fn timed_out(error: &RedisStoreError) -> bool {
    matches!(error, RedisStoreError::Outage(e) if e.is_timeout())
}

#[test]
fn a_512_mib_value_is_refused_past_the_reply_cap_in_a_few_mib() {
    both_stores_hold(Hostile::HugeBulk, CAP_TIMEOUT, protocol);
}

#[test]
fn an_array_of_two_billion_elements_is_refused_past_the_reply_cap_in_a_few_mib() {
    both_stores_hold(Hostile::EndlessArray, CAP_TIMEOUT, protocol);
}

#[test]
fn a_reply_dripped_a_byte_at_a_time_ends_at_the_command_timeout() {
    both_stores_hold(Hostile::Drip, COMMAND_TIMEOUT, timed_out);
}

#[test]
fn no_answer_at_all_ends_at_the_command_timeout() {
    both_stores_hold(Hostile::Silent, COMMAND_TIMEOUT, timed_out);
}

#[test]
fn a_server_that_never_answers_the_handshake_ends_at_the_connect_timeout() {
    both_stores_hold(Hostile::Mute, COMMAND_TIMEOUT, timed_out);
}

#[test]
fn bytes_that_are_not_resp_are_a_protocol_error() {
    both_stores_hold(Hostile::Garbage, COMMAND_TIMEOUT, protocol);
}

#[test]
fn an_error_reply_is_a_refusal() {
    both_stores_hold(Hostile::ErrorReply, COMMAND_TIMEOUT, |error| {
        matches!(error, RedisStoreError::Refused(_))
    });
}

#[test]
fn a_store_that_failed_is_taken_for_down_and_fails_at_once() {
    let _serial = one_at_a_time();
    let fake = FakeRedis::start(Hostile::HugeBulk);
    let store = RedisStore::with_config(&fake.url(), left_alone()).unwrap();
    assert!(matches!(
        store.load(&key()),
        Err(RedisStoreError::Protocol(_))
    ));
    let started = Instant::now();
    let error = store.load(&key()).unwrap_err();
    assert!(
        matches!(error, RedisStoreError::Unavailable { .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(fake.commands.load(Ordering::Relaxed), 1, "no second try");
}

#[test]
fn the_largest_values_read_at_once_stay_under_the_reply_cap() {
    let _serial = one_at_a_time();
    use keycard_core::limits::MAX_STORED_TOKEN_LEN;
    // Twelve values of the largest size a store reads, under twelve keys of a real Redis, all
    // loaded at once through one connection: each is read whole (and, being no token,
    // reported corrupt), none trips the cap.
    let redis = support::RedisServer::start();
    let store = Arc::new(AsyncRedisStore::with_config(&redis.url(), config()).unwrap());
    let mut connection = redis.connection();
    let keys: Vec<StoreKey> = (0..12)
        .map(|i| StoreKey::from_parts("voucherify", &[format!("big-{i}").as_bytes()]))
        .collect();
    for key in &keys {
        redis::cmd("SET")
            .arg(store.token_key(key))
            .arg(vec![b'x'; MAX_STORED_TOKEN_LEN])
            .arg("PX")
            .arg(600_000)
            .exec(&mut connection)
            .unwrap();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let results = runtime.block_on(async {
        let mut loads = tokio::task::JoinSet::new();
        for key in keys {
            let store = Arc::clone(&store);
            loads.spawn(async move { store.load(&key).await });
        }
        loads.join_all().await
    });
    for result in results {
        assert!(
            matches!(result, Err(RedisStoreError::Corrupt { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn sources_over_a_hostile_store_mint_alone_and_say_why() {
    let _serial = one_at_a_time();
    use keycard_core::voucherify::{Scope, Scopes};
    use keycard_emulator::Emulator;
    use keycard_source::{AsyncSource, BlockingSource};
    use keycard_ureq::UreqTransport;

    let fake = FakeRedis::start(Hostile::Drip);
    let emu = Emulator::start().unwrap();
    let api = support::voucherify_api(&emu);
    let endpoint = |scope| api.generate_token(&Scopes::from([scope])).unwrap();
    let store_failed = |events: Vec<Event>| {
        events.iter().any(|event| {
            matches!(event, Event::StoreFailed { error, .. }
                if error.downcast_ref::<RedisStoreError>().is_some_and(RedisStoreError::is_outage))
        })
    };

    let source = BlockingSource::new(
        UreqTransport::new(),
        endpoint(Scope::Vouchers),
        SourceConfig::default(),
    )
    .with_store(RedisStore::with_config(&fake.url(), left_alone()).unwrap());
    let started = Instant::now();
    source.token().expect("a token, minted alone");
    assert!(
        started.elapsed() < COMMAND_TIMEOUT + MARGIN,
        "{:?}",
        started.elapsed()
    );
    assert!(
        store_failed(source.drain_events()),
        "the store's failure is reported"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let source = AsyncSource::new(
            keycard_reqwest::ReqwestTransport::new(),
            endpoint(Scope::Customers),
            SourceConfig::default(),
        )
        .with_async_store(AsyncRedisStore::with_config(&fake.url(), left_alone()).unwrap());
        let started = Instant::now();
        source.token().await.expect("a token, minted alone");
        assert!(
            started.elapsed() < COMMAND_TIMEOUT + MARGIN,
            "{:?}",
            started.elapsed()
        );
        assert!(
            store_failed(source.drain_events()),
            "the store's failure is reported"
        );
    });
    assert_eq!(emu.live_voucherify_tokens(), 2);
}

#[test]
fn a_blocking_store_works_and_drops_inside_an_async_runtime() {
    let _serial = one_at_a_time();
    let fake = FakeRedis::start(Hostile::ErrorReply);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = RedisStore::with_config(&fake.url(), config()).unwrap();
        assert!(matches!(
            store.load(&key()),
            Err(RedisStoreError::Refused(_))
        ));
        drop(store);
    });
}

/// `load` through both stores on a fake Redis that echoes the password: the error is
/// `expected`, and neither it, its `Debug`, its causes nor a token source's event show the
/// password or more than a short text.
fn no_store_output_shows_the_password(hostile: Hostile, expected: fn(&RedisStoreError) -> bool) {
    use keycard_core::voucherify::{Scope, Scopes};
    use keycard_emulator::Emulator;
    use keycard_source::BlockingSource;
    use keycard_ureq::UreqTransport;

    let _serial = one_at_a_time();
    let fake = FakeRedis::start(hostile);
    let check = |error: &dyn std::error::Error, debug: String| {
        let mut shown = vec![debug];
        let mut cause = Some(error);
        while let Some(error) = cause {
            shown.push(error.to_string());
            cause = error.source();
        }
        // Never printed, even when the test fails.
        for text in shown {
            assert!(!text.contains(PASSWORD), "{hostile:?}: the password shows");
            assert!(text.len() < 2048, "{hostile:?}: {} bytes", text.len());
        }
    };

    let store = RedisStore::with_config(&fake.url_with_password(), config()).unwrap();
    let error = store.load(&key()).unwrap_err();
    check(&error, format!("{error:?}"));
    assert!(expected(&error), "blocking, {hostile:?}: {error:?}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = AsyncRedisStore::with_config(&fake.url_with_password(), config()).unwrap();
    let error = runtime.block_on(store.load(&key())).unwrap_err();
    check(&error, format!("{error:?}"));
    assert!(expected(&error), "async, {hostile:?}: {error:?}");

    let emu = Emulator::start().unwrap();
    let api = support::voucherify_api(&emu);
    let source = BlockingSource::new(
        UreqTransport::new(),
        api.generate_token(&Scopes::from([Scope::Vouchers]))
            .unwrap(),
        SourceConfig::default(),
    )
    .with_store(RedisStore::with_config(&fake.url_with_password(), config()).unwrap());
    source.token().expect("a token, minted alone");
    let mut failed = 0;
    for event in source.drain_events() {
        let shown = format!("{event} {event:?}");
        assert!(!shown.contains(PASSWORD), "{hostile:?}: the password shows");
        if let Event::StoreFailed { error, .. } = &event {
            check(error.as_ref(), format!("{error:?}"));
            failed += 1;
        }
    }
    assert!(failed > 0, "the store's failure is reported");
}

#[test]
fn an_error_reply_that_echoes_the_password_shows_it_nowhere_and_is_cut() {
    no_store_output_shows_the_password(Hostile::EchoAuth, |error| {
        matches!(error, RedisStoreError::Refused(_))
    });
}

#[test]
fn a_refused_auth_that_echoes_the_password_shows_it_nowhere() {
    no_store_output_shows_the_password(Hostile::RefuseAuth, |error| {
        matches!(error, RedisStoreError::Refused(_))
    });
}

/// A reply that never ends, fed a little more after each command it gets, while many tasks
/// share one connection: the first to time out stops the connection for all, so the others
/// cannot write again (each write would reset the reply cap), and memory stays bounded.
#[test]
fn a_reply_that_grows_with_each_command_stays_bounded_with_many_callers() {
    let _serial = one_at_a_time();
    let fake = FakeRedis::start(Hostile::Paced);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = config_timing_out(Duration::from_secs(1));
    config.retry_after = Duration::from_secs(60);
    let store = Arc::new(AsyncRedisStore::with_config(&fake.url(), config).unwrap());
    let (errors, _, peak) = measured(|| {
        runtime.block_on(async {
            let mut calls = Vec::new();
            for _ in 0..200 {
                let store = Arc::clone(&store);
                calls.push(tokio::spawn(async move { store.load(&key()).await }));
                tokio::time::sleep(Duration::from_millis(4)).await;
            }
            let mut errors = Vec::new();
            for call in calls {
                errors.push(call.await.unwrap().unwrap_err());
            }
            errors
        })
    });
    assert!(
        errors.iter().all(RedisStoreError::is_outage),
        "{:?}",
        errors[0]
    );
    assert!(peak < MEMORY_BOUND, "{} KiB", peak / 1024);
}
