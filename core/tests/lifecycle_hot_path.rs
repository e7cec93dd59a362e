//! The hot path — a fresh token is cached — allocates nothing: checking freshness and putting
//! the precomputed header on a request are a comparison, a reference-count increment and an
//! insert into a header map that has room.

use keycard_core::lifecycle::{Action, Keeper, KeeperConfig, LiveToken};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::SecretKey;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_738_944_186)
}

fn keeper_with_token() -> Keeper<GenerateToken> {
    let mint = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app", SecretKey::new("sk")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap();
    let mut keeper = Keeper::new(mint, KeeperConfig::default());
    let Action::Fetch(fetch) = keeper.poll(t0()) else {
        panic!()
    };
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"access_token":"tok","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
        .unwrap();
    keeper.on_response(fetch.id, response, t0()).unwrap();
    keeper
}

#[test]
fn authorizing_with_a_fresh_token_allocates_nothing() {
    let keeper = keeper_with_token();
    // What a transport publishes for its readers.
    let published: Arc<LiveToken> = keeper.current().unwrap().clone();
    let mut request = http::Request::new(());
    request.headers_mut().reserve(8);
    let now = t0() + Duration::from_secs(10);
    let n = allocations_in(|| {
        let token = Arc::clone(&published);
        assert!(token.is_fresh(now));
        token.authorize(&mut request);
    });
    assert_eq!(n, 0, "the hot path allocated");
    assert_eq!(request.headers()["authorization"], "Bearer tok");
}

#[test]
fn polling_a_keeper_with_a_fresh_token_allocates_nothing() {
    let mut keeper = keeper_with_token();
    let now = t0() + Duration::from_secs(10);
    let n = allocations_in(|| {
        let Action::Use(token) = keeper.poll(now) else {
            panic!()
        };
        drop(Arc::clone(token));
    });
    assert_eq!(n, 0);
}

#[test]
fn keepers_and_tokens_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Keeper<GenerateToken>>();
    shareable::<Keeper<keycard_core::exact::CreateOrderAccessToken>>();
    shareable::<LiveToken>();
    shareable::<keycard_core::lifecycle::MemoryStore>();
}
