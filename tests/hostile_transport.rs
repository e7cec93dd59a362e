//! Hostile servers through both transports, beyond the emulator's faults in `faults.rs`: memory
//! stays bounded by the body cap (measured with a counting allocator), a redirect to another
//! origin is never followed and nothing reaches it, and servers that drip, reset, babble or say
//! nothing end in a typed transport error within the timeout.
//!
//! The servers here are plain TCP listeners on 127.0.0.1, each bounded in time.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::{emulator, exact, voucherify, Failure, Kind, Via, TIMEOUT};
use keycard::reqwest::ReqwestTransport;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{Scope, Scopes};
use keycard::{BaseUrl, Parsed, SecretKey, Unrecognized};
use keycard_emulator::{Fault, Route};
use keycard_testkit::server::{keep_request, Server};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---- a counting allocator --------------------------------------------------------------------

/// Counts the bytes allocated by threads that opted in (see [`peak_while`]); every other
/// thread (the emulator's, other tests') allocates uncounted.
struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn measuring() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

fn grow(bytes: usize) {
    let now = CURRENT.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    CURRENT.fetch_sub(bytes as isize, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && measuring() {
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && measuring() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if measuring() {
            shrink(layout.size());
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && measuring() {
            grow(new_size);
            shrink(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time (the counters are global).
static MEASURE: Mutex<()> = Mutex::new(());

/// Runs `f` on this thread and gives the peak of the bytes it held at once, above what it held
/// when it started. Both transports do all their work on the calling thread here: ureq is
/// synchronous, and reqwest runs on a current-thread runtime.
fn peak_while<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let _one = MEASURE.lock().unwrap_or_else(|e| e.into_inner());
    CURRENT.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    MEASURING.with(|m| m.set(true));
    let result = f();
    MEASURING.with(|m| m.set(false));
    (result, PEAK.load(Ordering::SeqCst).max(0) as usize)
}

// ---- transports with a larger cap, for the memory measurements --------------------------------

/// The body cap for the memory measurements: large enough that the transports' fixed overhead
/// (buffers, TLS-less connection state, the runtime's task) is small beside it.
const BIG_CAP: usize = 1024 * 1024;

fn big_cap_transports() -> [Via; 2] {
    let ureq = UreqTransport::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .max_body_size(BIG_CAP)
        .build();
    let reqwest = ReqwestTransport::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .max_body_size(BIG_CAP)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    [Via::Ureq(ureq), Via::Reqwest(reqwest, runtime)]
}

/// What the peak may be: a small multiple of the cap. Reading up to the cap into a growing
/// `Vec` doubles it past the cap once, and a reallocation holds the old and the new buffer at
/// once (3 × the cap), plus the transports' own buffers.
const PEAK_BOUND: usize = 4 * BIG_CAP + 512 * 1024;

fn generate_at(base: &str) -> keycard::voucherify::GenerateToken {
    keycard::voucherify::Api::new(
        BaseUrl::parse(base).unwrap(),
        keycard::voucherify::Credentials::new("app-id", SecretKey::new("hostile-secret-key"))
            .unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

#[test]
fn an_oversized_body_is_refused_with_memory_bounded_by_the_cap() {
    let emu = emulator();
    let generate = voucherify(&emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    for via in big_cap_transports() {
        let name = via.name();
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::OversizedBody(64 * BIG_CAP),
            1,
        );
        let (failure, peak) = peak_while(|| via.fail(&generate));
        eprintln!("{name}: 64 MiB body, cap 1 MiB: peak {peak} bytes");
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: BIG_CAP },
            "{name}: {failure:?}"
        );
        assert!(peak <= PEAK_BOUND, "{name}: peak {peak} > {PEAK_BOUND}");
    }
}

#[test]
fn a_gzip_bomb_is_refused_with_memory_bounded_by_the_cap() {
    let emu = emulator();
    let generate = voucherify(&emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    for via in big_cap_transports() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::GzipBomb(32 * BIG_CAP), 1);
        let (failure, peak) = peak_while(|| via.fail(&generate));
        eprintln!("{name}: gzip inflating to 32 MiB, cap 1 MiB: peak {peak} bytes");
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: BIG_CAP },
            "{name}: {failure:?}"
        );
        assert!(peak <= PEAK_BOUND, "{name}: peak {peak} > {PEAK_BOUND}");
    }
}

#[test]
fn a_body_just_under_the_cap_is_read_with_memory_near_its_size() {
    let emu = emulator();
    let generate = voucherify(&emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    for via in big_cap_transports() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::OversizedBody(BIG_CAP), 1);
        let (response, peak) = peak_while(|| {
            via.send(keycard::Operation::request(&generate))
                .map(|r| r.body().len())
        });
        eprintln!("{name}: body of exactly the cap: peak {peak} bytes");
        assert_eq!(response.unwrap(), BIG_CAP, "{name}");
        assert!(peak <= PEAK_BOUND, "{name}: peak {peak} > {PEAK_BOUND}");
    }
}

// ---- hand-made hostile servers ----------------------------------------------------------------

/// Writes `bytes` one at a time, `every` apart, until the client goes away or `limit` passes.
fn drip(stream: &mut TcpStream, bytes: impl Iterator<Item = u8>, every: Duration, limit: Duration) {
    let until = Instant::now() + limit;
    for b in bytes {
        if Instant::now() > until || stream.write_all(&[b]).is_err() {
            return;
        }
        std::thread::sleep(every);
    }
}

/// How long a failing exchange may take: the transport's timeout plus slack for a loaded machine.
const BOUND: Duration = Duration::from_secs(2 + 5);

fn assert_within_bound(name: &str, started: Instant) {
    let took = started.elapsed();
    assert!(
        took < BOUND,
        "{name}: took {took:?}, the timeout is {TIMEOUT:?}"
    );
}

#[test]
fn headers_that_drip_forever_time_out_within_the_bound() {
    let server = Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        let head = b"HTTP/1.1 200 OK\r\nX-Slow: ".iter().copied();
        let forever = head.chain(std::iter::repeat(b'a'));
        drip(
            &mut stream,
            forever,
            Duration::from_millis(50),
            Duration::from_secs(20),
        );
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let started = Instant::now();
        let failure = via.fail(&generate);
        assert_quiet(&failure);
        assert_eq!(failure.kind, Kind::Timeout, "{name}: {failure:?}");
        assert_within_bound(name, started);
    }
}

#[test]
fn a_body_that_drips_forever_times_out_within_the_bound() {
    let server = Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        );
        drip(
            &mut stream,
            std::iter::repeat(b' '),
            Duration::from_millis(50),
            Duration::from_secs(20),
        );
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let started = Instant::now();
        let failure = via.fail(&generate);
        assert_quiet(&failure);
        assert_eq!(failure.kind, Kind::Timeout, "{name}: {failure:?}");
        assert_within_bound(name, started);
    }
}

#[test]
fn endless_headers_are_refused_with_memory_bounded() {
    let server = Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        let until = Instant::now() + Duration::from_secs(10);
        if stream.write_all(b"HTTP/1.1 200 OK\r\n").is_err() {
            return;
        }
        let line = format!("X-Filler: {}\r\n", "b".repeat(1000));
        while Instant::now() < until && stream.write_all(line.as_bytes()).is_ok() {}
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let started = Instant::now();
        let (failure, peak) = peak_while(|| via.fail(&generate));
        eprintln!(
            "{name}: endless headers: {:?}, peak {peak} bytes",
            failure.kind
        );
        assert!(
            matches!(failure.kind, Kind::Protocol | Kind::Io),
            "{name}: {failure:?}"
        );
        assert!(peak <= 2 * 1024 * 1024, "{name}: peak {peak}");
        assert_within_bound(name, started);
    }
}

#[test]
fn a_connection_reset_mid_body_is_an_io_error() {
    let server = Server::start(Duration::from_secs(30), |mut stream, _| {
        // The request is left unread, so closing sends a reset (RST), not a clean FIN.
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"access_token\":",
        );
        std::thread::sleep(Duration::from_millis(200));
        drop(stream);
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let started = Instant::now();
        let failure = via.fail(&generate);
        assert_quiet(&failure);
        assert_eq!(failure.kind, Kind::Io, "{name}: {failure:?}");
        assert_within_bound(name, started);
    }
}

#[test]
fn a_server_that_closes_without_answering_is_an_io_error() {
    let server = Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        drop(stream);
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let failure = via.fail(&generate);
        assert_quiet(&failure);
        assert!(
            matches!(failure.kind, Kind::Io | Kind::Protocol),
            "{name}: {failure:?}"
        );
    }
}

#[test]
fn a_server_that_is_not_http_is_a_protocol_error() {
    let server = Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        std::thread::sleep(Duration::from_millis(200));
    });
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let failure = via.fail(&generate);
        assert_quiet(&failure);
        assert_eq!(failure.kind, Kind::Protocol, "{name}: {failure:?}");
    }
}

// ---- redirects to another origin --------------------------------------------------------------

/// A listener that must never be reached: it records any connection.
fn bystander() -> Server {
    Server::start(Duration::from_secs(30), |mut stream, kept| {
        keep_request(&mut stream, kept);
        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
    })
}

#[test]
fn an_emulator_redirect_to_another_origin_is_not_followed_and_sends_nothing_there() {
    let emu = emulator();
    let elsewhere = bystander();
    let voucherify = voucherify(&emu);
    let generate = voucherify
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let order = exact(&emu)
        .create_order_access_token(emu.exact_order_id())
        .unwrap();
    let target = format!("{}/v1/oauth/token", elsewhere.url);
    for via in Via::both() {
        let name = via.name();
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::Redirect(target.clone()),
            1,
        );
        let outcome = via.ok(&generate);
        assert_eq!(outcome.status(), 307, "{name}");
        assert_eq!(
            outcome.parsed(),
            &Parsed::Unrecognized(Unrecognized::UndocumentedStatus),
            "{name}"
        );
        assert_eq!(outcome.raw().headers()["location"], target.as_str());

        emu.inject(
            Route::ExactOrderAccessToken,
            Fault::Redirect(target.clone()),
            1,
        );
        let outcome = via.ok(&order);
        assert_eq!(outcome.status(), 307, "{name}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(elsewhere.connections(), 0, "the other origin was contacted");
    assert!(elsewhere.received().is_empty());
}

#[test]
fn every_redirect_status_to_another_origin_comes_back_unfollowed() {
    let elsewhere = bystander();
    let location = format!("{}/steal", elsewhere.url);
    let statuses = [301u16, 302, 303, 307, 308];
    let server = {
        let location = location.clone();
        let next = Arc::new(AtomicUsize::new(0));
        Server::start(Duration::from_secs(30), move |mut stream, kept| {
            keep_request(&mut stream, kept);
            let status = statuses[next.fetch_add(1, Ordering::SeqCst) % statuses.len()];
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        })
    };
    let generate = generate_at(&server.url);
    for via in Via::both() {
        let name = via.name();
        let mut seen = Vec::new();
        for _ in statuses {
            let outcome = via.ok(&generate);
            assert_eq!(
                outcome.parsed(),
                &Parsed::Unrecognized(Unrecognized::UndocumentedStatus),
                "{name}"
            );
            seen.push(outcome.status().as_u16());
        }
        seen.sort_unstable();
        assert_eq!(seen, statuses, "{name}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(elsewhere.connections(), 0, "the other origin was contacted");
    // The credentials went to the server asked, and only there.
    let asked = String::from_utf8_lossy(&server.received()).to_lowercase();
    assert!(asked.contains("x-app-token: hostile-secret-key"), "{asked}");
    assert!(elsewhere.received().is_empty());
}

/// A failure's text never holds the secret.
fn assert_quiet(failure: &Failure) {
    assert!(!failure.text.contains("hostile-secret-key"), "{failure:?}");
}
