//! The hot path — a fresh token is cached — allocates nothing: checking freshness and putting
//! the precomputed header on a request are a comparison, a reference-count increment and an
//! insert into a header map that has room.

mod lifecycle_common;

use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceMachine, Step};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::SecretKey;
use lifecycle_common::{answer, expect_send, secs, Clock};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

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

fn machine_with_token(clock: &Clock) -> SourceMachine<GenerateToken> {
    let endpoint = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app", SecretKey::new("sk")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap();
    let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
    let id = expect_send(&mut machine, clock.at(secs(0)));
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"access_token":"tok","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
        .unwrap();
    answer(&mut machine, clock, id, response, secs(0));
    machine
}

#[test]
fn authorizing_with_a_fresh_token_allocates_nothing() {
    let clock = Clock::fixed();
    let machine = machine_with_token(&clock);
    // What a driver publishes for its readers.
    let published: Arc<LiveToken<Scopes>> = machine.current().unwrap().clone();
    let mut request = http::Request::new(());
    request.headers_mut().reserve(8);
    let now = clock.at(secs(10));
    let n = allocations_in(|| {
        let token = Arc::clone(&published);
        assert!(token.is_fresh(now));
        token.authorize(&mut request);
    });
    assert_eq!(n, 0, "the hot path allocated");
    assert_eq!(request.headers()["authorization"], "Bearer tok");
}

#[test]
fn polling_a_machine_with_a_fresh_token_allocates_nothing() {
    let clock = Clock::fixed();
    let mut machine = machine_with_token(&clock);
    let now = clock.at(secs(10));
    let waiter = machine.waiter(now);
    let n = allocations_in(|| {
        let Step::Ready(token) = machine.poll(now, &waiter) else {
            panic!()
        };
        drop(token);
    });
    assert_eq!(n, 0);
}

#[test]
fn machines_and_tokens_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SourceMachine<GenerateToken>>();
    shareable::<SourceMachine<keycard_core::exact::CreateOrderAccessToken>>();
    shareable::<LiveToken<Scopes>>();
    shareable::<LiveToken<keycard_core::exact::OrderId>>();
    shareable::<keycard_core::lifecycle::MemoryStore>();
}
