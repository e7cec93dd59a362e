//! The hot path's contenders: keycard's token sources (blocking and async) and live token, and
//! the hand-written cache, each holding a live token. Shared by the hot-path benchmark, `paired`
//! and `icount`.

use crate::alt::hand_cache;
use crate::canned::Canned;
use crate::fixtures::api;
use keycard_core::lifecycle::{LiveToken, SourceConfig};
use keycard_core::voucherify::{GenerateToken, Scope, Scopes};
use keycard_source::{AsyncSource, BlockingSource};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The outgoing request, as an application builds it before authorizing it.
pub fn request() -> http::Request<()> {
    http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER")
        .header(http::header::ACCEPT, "application/json")
        .body(())
        .expect("a valid request")
}

/// The ways to authorize a request, each ready with a live token.
pub struct Contenders {
    /// keycard-source's blocking source over a canned transport (background refresh, the
    /// default: its refresher thread sleeps through the benchmark).
    pub blocking_source: BlockingSource<GenerateToken, Canned>,
    /// keycard-source's async source over a canned transport (no spawner: nothing to refresh
    /// during the benchmark).
    pub async_source: AsyncSource<GenerateToken, Canned>,
    /// The sources' live token.
    pub live: Arc<LiveToken<Scopes>>,
    /// The hand-written cache.
    pub hand: hand_cache::Cache,
    /// The hand-written cache behind an `RwLock`.
    pub hand_rw: hand_cache::RwCache,
    /// One copy of the token's header value that every thread clones: how the live token
    /// authorized before it kept a copy per thread (one reference count for all threads).
    pub shared_header: http::HeaderValue,
    /// The API's base URL, for the checked ways.
    pub base: keycard_core::BaseUrl,
}

impl Default for Contenders {
    fn default() -> Self {
        Self::new()
    }
}

impl Contenders {
    /// Each contender with a live token.
    pub fn new() -> Self {
        let api = api();
        let base = api.base_url().clone();
        let endpoint = api
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let blocking_source =
            BlockingSource::new(Canned::default(), endpoint.clone(), SourceConfig::default());
        let live = blocking_source.token().expect("the canned token");
        let async_source = AsyncSource::new(Canned::default(), endpoint, SourceConfig::default());
        ready(async_source.token()).expect("the canned token");
        let hand = hand_cache::Cache::new(live.access_token().expose_secret());
        let hand_rw = hand_cache::RwCache::new(live.access_token().expose_secret());
        let shared_header = live.header_value().clone();
        Self {
            blocking_source,
            async_source,
            live,
            hand,
            hand_rw,
            shared_header,
            base,
        }
    }

    /// Through the blocking source's `authorize` (which returns the token used, for a 401).
    pub fn blocking_source(&self, r: &mut http::Request<()>) {
        self.blocking_source.authorize(r).expect("a live token");
    }

    /// Through the blocking source's `authorize_cached` (the hot path alone).
    pub fn blocking_source_cached(&self, r: &mut http::Request<()>) {
        assert!(self.blocking_source.authorize_cached(r));
    }

    /// Through the async source's `authorize(..).await`, polled once (ready at the first poll
    /// while the token is fresh).
    pub fn async_source(&self, r: &mut http::Request<()>) {
        ready(self.async_source.authorize(r)).expect("a live token");
    }

    /// Through the async source's `authorize_cached` (its synchronous hot path).
    pub fn async_source_cached(&self, r: &mut http::Request<()>) {
        assert!(self.async_source.authorize_cached(r));
    }

    /// With the live token itself.
    pub fn live(&self, r: &mut http::Request<()>) {
        self.live.authorize(r);
    }

    /// With the live token's scope check, `authorize_checked` (the README's way).
    pub fn live_checked(&self, r: &mut http::Request<()>) {
        self.live
            .authorize_checked(r, &self.base)
            .expect("the token grants the request");
    }

    /// With the scope check as it was before the endpoint index: the base URL parsed on every
    /// call and a linear scan of the endpoint table.
    pub fn live_checked_linear(&self, r: &mut http::Request<()>) {
        assert!(crate::alt::linear_check::authorize_checked(
            &self.live, r, &self.base
        ));
    }

    /// Through the hand-written cache.
    pub fn hand(&self, r: &mut http::Request<()>) {
        self.hand.authorize(r);
    }

    /// Through the hand-written `RwLock` cache.
    pub fn hand_rw(&self, r: &mut http::Request<()>) {
        self.hand_rw.authorize(r);
    }

    /// A `'static` header value: cloning it writes no memory at all. The ceiling of the
    /// thread-scaling curve (what the machine gives a header insert that shares nothing).
    pub fn static_header(&self, r: &mut http::Request<()>) {
        r.headers_mut().insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static(STATIC_AUTHORIZATION),
        );
    }

    /// One header value cloned by every thread (the live token before its per-thread copies).
    pub fn shared_header(&self, r: &mut http::Request<()>) {
        r.headers_mut()
            .insert(http::header::AUTHORIZATION, self.shared_header.clone());
    }

    /// Requests the sources sent (one each to get their token, and no more while it is fresh).
    pub fn requests(&self) -> (u64, u64) {
        (
            self.blocking_source.transport().requests(),
            self.async_source.transport().requests(),
        )
    }
}

/// The `'static` value of [`Contenders::static_header`] (not a token: the ceiling's stand-in).
const STATIC_AUTHORIZATION: &str = "Bearer not-a-token-the-ceiling-of-the-scaling-curve";

/// One way to authorize a request.
pub type Way = fn(&Contenders, &mut http::Request<()>);

/// The contenders, by name.
pub const WAYS: [(&str, Way); 7] = [
    ("keycard_blocking_source", Contenders::blocking_source),
    (
        "keycard_blocking_source_cached",
        Contenders::blocking_source_cached,
    ),
    ("keycard_async_source", Contenders::async_source),
    (
        "keycard_async_source_cached",
        Contenders::async_source_cached,
    ),
    ("keycard_core_live_token", Contenders::live),
    ("hand_written", Contenders::hand),
    ("hand_written_rwlock", Contenders::hand_rw),
];

/// The contenders of the thread-scaling curve (issue 15): keycard's hot path, the live token
/// alone, one header value shared by every thread (as the live token was), a `'static` value
/// that shares nothing (the machine's ceiling), and the hand-written caches.
pub const SCALING: [(&str, Way); 7] = [
    (
        "keycard_blocking_source_cached",
        Contenders::blocking_source_cached,
    ),
    ("keycard_blocking_source", Contenders::blocking_source),
    ("keycard_core_live_token", Contenders::live),
    ("one_shared_header_value", Contenders::shared_header),
    ("ceiling_static_header_value", Contenders::static_header),
    ("hand_written", Contenders::hand),
    ("hand_written_rwlock", Contenders::hand_rw),
];

/// The live token's scope-checked ways (`authorize` unchecked first, the ratios' baseline).
pub const CHECKED: [(&str, Way); 3] = [
    ("keycard_core_live_token", Contenders::live),
    ("keycard_core_live_token_checked", Contenders::live_checked),
    (
        "old_check_linear_scan_then_authorize",
        Contenders::live_checked_linear,
    ),
];

/// Paths the endpoint lookup benchmarks look up: a common one, a deep one, one whose literal
/// overlaps a parameter (two candidates), one not in the table.
pub const LOOKUP_PATHS: [(&str, http::Method, &str); 4] = [
    ("voucher", http::Method::GET, "/v1/vouchers/SUMMER"),
    (
        "deep",
        http::Method::POST,
        "/v1/loyalties/members/M-1/pending-points/P-2/activate",
    ),
    ("overlap", http::Method::GET, "/v1/loyalties/members/tiers"),
    ("unknown", http::Method::GET, "/v1/oauth/token"),
];

/// Polls a future that must be ready at once: the async source's first fetch over the canned
/// transport, or its hot path while the token is fresh, never suspends.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the canned transport never suspends"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::AUTHORIZATION;

    /// Every contender puts the same sensitive header on the request, and the sources fetch
    /// once each. (No timing here: the benchmarks measure.)
    #[test]
    fn every_way_authorizes_alike() {
        let contenders = Contenders::new();
        let expected = format!("Bearer {}", contenders.live.access_token().expose_secret());
        for (name, way) in WAYS.into_iter().chain(CHECKED).chain(SCALING) {
            if name.starts_with("ceiling") {
                continue;
            }
            let mut r = request();
            for _ in 0..3 {
                way(&contenders, &mut r);
            }
            let header = &r.headers()[AUTHORIZATION];
            assert_eq!(header.to_str().unwrap(), expected, "{name}");
            assert_eq!(
                r.headers().get_all(AUTHORIZATION).iter().count(),
                1,
                "{name}"
            );
        }
        assert_eq!(contenders.requests(), (1, 1));
    }
}
