//! The token sources' hot path allocates nothing: a counting allocator counts the allocations
//! of `token()`, `authorize()` and `authorize_cached()` while the cached token is fresh, for
//! both sources, with and without background refresh. (Timing is the benchmarks' business;
//! this only counts.)
#![cfg(any(feature = "ureq", feature = "reqwest"))]

use keycard::lifecycle::SourceConfig;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{BaseUrl, SecretKey};
use keycard_emulator::{Emulator, Route};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations this thread made in `f`.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn api(emu: &Emulator) -> voucherify::Api {
    voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(
            emu.voucherify_app_id(),
            SecretKey::new(emu.voucherify_secret_key()),
        )
        .unwrap(),
    )
}

fn endpoint(emu: &Emulator) -> voucherify::GenerateToken {
    api(emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}

/// A request with room for its headers, as a client reusing request templates has.
fn request(emu: &Emulator) -> http::Request<()> {
    let url = format!("{}/v1/vouchers/SUMMER", emu.voucherify_url());
    let mut request = http::Request::get(url).body(()).unwrap();
    request.headers_mut().reserve(8);
    request
}

#[cfg(feature = "ureq")]
#[test]
fn the_blocking_hot_path_allocates_nothing() {
    use keycard::ureq::UreqTransport;
    use keycard::BlockingSource;

    // Background refresh (the default: a refresher thread, whose allocations are its own) and
    // inline refresh.
    for background in [true, false] {
        let emu = Emulator::start().unwrap();
        let mut source = BlockingSource::new(
            UreqTransport::new(),
            endpoint(&emu),
            SourceConfig::default(),
        );
        if !background {
            source = source.with_inline_refresh();
        }
        let mut request = request(&emu);
        // The first call fetches (and this thread's first lock-free read sets itself up).
        source.authorize(&mut request).unwrap();
        let n = allocations_in(|| {
            for _ in 0..1000 {
                drop(source.authorize(&mut request).unwrap());
                drop(source.token().unwrap());
                assert!(source.authorize_cached(&mut request));
            }
        });
        assert_eq!(n, 0, "the hot path allocated (background: {background})");
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    }
}

#[cfg(feature = "reqwest")]
#[test]
fn the_async_hot_path_allocates_nothing_and_never_suspends() {
    use keycard::reqwest::ReqwestTransport;
    use keycard::AsyncSource;
    use std::future::Future;
    use std::pin::{pin, Pin};
    use std::task::{Context, Poll, Waker};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Without a spawner, and with one (a background refresher task on the runtime).
    for background in [false, true] {
        let emu = Emulator::start().unwrap();
        let mut source = AsyncSource::new(
            ReqwestTransport::new(),
            endpoint(&emu),
            SourceConfig::default(),
        );
        if background {
            source = source.with_spawner(|task: Pin<Box<dyn Future<Output = ()> + Send>>| {
                drop(tokio::spawn(task))
            });
        }
        let mut request = request(&emu);
        rt.block_on(source.authorize(&mut request)).unwrap();
        // Polled once, by hand, with a waker that does nothing: no executor in the count.
        let mut cx = Context::from_waker(Waker::noop());
        let n = allocations_in(|| {
            for _ in 0..1000 {
                {
                    let authorize = pin!(source.authorize(&mut request));
                    assert!(matches!(authorize.poll(&mut cx), Poll::Ready(Ok(_))));
                }
                let token = pin!(source.token());
                assert!(matches!(token.poll(&mut cx), Poll::Ready(Ok(_))));
                assert!(source.authorize_cached(&mut request));
            }
        });
        assert_eq!(n, 0, "the hot path allocated (background: {background})");
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    }
}
