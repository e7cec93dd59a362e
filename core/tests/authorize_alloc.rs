//! `authorize_checked` allocates nothing when it authorizes (its refusals may, to build their
//! error): a counting allocator counts the allocations of many calls after a warm-up one.
//! (Timing is the benchmarks' business; this only counts.)

mod lifecycle_common;

use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceMachine};
use keycard_core::voucherify::{self, Credentials, Scopes};
use keycard_core::{BaseUrl, SecretKey};
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

/// A live Voucherify token with `scope` (the wire string), from an API at `base`.
fn live(base: &BaseUrl, scope: &str) -> Arc<LiveToken<Scopes>> {
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new("app", SecretKey::new("sk")).unwrap(),
    );
    let endpoint = api.generate_token(&Scopes::parse(scope)).unwrap();
    let clock = Clock::fixed();
    let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
    let id = expect_send(&mut machine, clock.at(secs(0)));
    let body = format!(
        r#"{{"access_token":"tok-XYZ","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"{scope}","token_type":"Bearer"}}"#
    );
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    answer(&mut machine, &clock, id, response, secs(0));
    machine.current().unwrap().clone()
}

#[test]
fn authorize_checked_allocates_nothing_when_it_authorizes() {
    let cases = [
        ("https://api.voucherify.io", "api", "https://api.voucherify.io/v1/vouchers/SUMMER"),
        ("https://api.voucherify.io", "vouchers", "/v1/vouchers/SUMMER/"),
        ("https://api.voucherify.io", "campaigns", "HTTPS://API.voucherify.io/v1/campaigns/qualification"),
        (
            "https://proxy.example.com:8443/voucherify/",
            "loyalties",
            "https://proxy.example.com:8443/voucherify/v1/loyalties/members/M-1/pending-points/P-2/activate",
        ),
        ("https://proxy.example.com/voucherify", "client_api", "/client/v1/validate"),
    ];
    for (base, scope, uri) in cases {
        let base = BaseUrl::parse(base).unwrap();
        let token = live(&base, scope);
        let method = if uri.contains("activate") || uri.contains("qualification") {
            http::Method::POST
        } else {
            http::Method::GET
        };
        let mut request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(())
            .unwrap();
        // The first call inserts the header (the map's first allocation); later ones replace it.
        token.authorize_checked(&mut request, &base).unwrap();
        let n = allocations_in(|| {
            for _ in 0..1000 {
                token
                    .authorize_checked(std::hint::black_box(&mut request), &base)
                    .unwrap();
            }
        });
        assert_eq!(n, 0, "{uri}: {n} allocations in 1000 calls");
    }
}

#[test]
fn the_lookup_allocates_nothing() {
    let n = allocations_in(|| {
        for e in voucherify::ENDPOINTS {
            let path = e.path().replace('{', "x").replace('}', "");
            let found = allocations_in(|| {
                std::hint::black_box(voucherify::endpoint(
                    e.method(),
                    std::hint::black_box(&path),
                ));
            });
            assert_eq!(found, 0, "{} {}", e.method(), e.path());
        }
    });
    // Only the `replace`s above allocated.
    assert!(n > 0);
}

/// The scheme compares case-insensitively whichever way it is spelled: the base's in any case,
/// the request's parsed (lower case) or built from parts as written (`HTTPS` is then kept).
#[test]
fn the_scheme_compares_in_any_case() {
    use keycard_core::voucherify::AuthorizeError;
    let cases: [(&str, http::Uri, bool); 6] = [
        (
            "HTTP://api.voucherify.io",
            "http://api.voucherify.io/v1/vouchers/S".parse().unwrap(),
            true,
        ),
        (
            "HTTP://api.voucherify.io",
            "https://api.voucherify.io/v1/vouchers/S".parse().unwrap(),
            false,
        ),
        (
            "https://api.voucherify.io",
            "http://api.voucherify.io/v1/vouchers/S".parse().unwrap(),
            false,
        ),
        (
            "HtTpS://api.voucherify.io",
            "HTTPS://api.voucherify.io/v1/vouchers/S".parse().unwrap(),
            true,
        ),
        (
            "https://api.voucherify.io",
            http::Uri::builder()
                .scheme("HTTPS")
                .authority("api.voucherify.io")
                .path_and_query("/v1/vouchers/S")
                .build()
                .unwrap(),
            true,
        ),
        (
            "https://api.voucherify.io",
            http::Uri::builder()
                .scheme("httpx")
                .authority("api.voucherify.io")
                .path_and_query("/v1/vouchers/S")
                .build()
                .unwrap(),
            false,
        ),
    ];
    for (base, uri, ok) in cases {
        let base = BaseUrl::parse(base).unwrap();
        let token = live(&base, "api");
        let mut request = http::Request::builder().uri(uri.clone()).body(()).unwrap();
        let result = token.authorize_checked(&mut request, &base);
        if ok {
            assert_eq!(result, Ok(()), "{base} {uri}");
        } else {
            assert!(
                matches!(result, Err(AuthorizeError::OtherHost { .. })),
                "{base} {uri}: {result:?}"
            );
        }
    }
}
