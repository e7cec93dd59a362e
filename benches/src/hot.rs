//! The hot path's contenders: keycard's token sources and live token, and the hand-written
//! cache, each holding a live token. Shared by the hot-path benchmark and `icount`.

use crate::alt::hand_cache;
use crate::canned::Canned;
use crate::fixtures::api;
use keycard_core::lifecycle::{KeeperConfig, LiveToken};
use keycard_core::voucherify::{GenerateToken, Scope, Scopes};
use std::sync::Arc;

/// The outgoing request, as an application builds it before authorizing it.
pub fn request() -> http::Request<()> {
    http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER")
        .header(http::header::ACCEPT, "application/json")
        .body(())
        .expect("a valid request")
}

/// The ways to authorize a request, each ready with a live token.
pub struct Contenders {
    /// keycard-ureq's source over a canned transport.
    pub ureq_source: keycard_ureq::TokenSource<GenerateToken, Canned>,
    /// keycard-reqwest's source over a canned transport.
    pub reqwest_source: keycard_reqwest::TokenSource<GenerateToken, Canned>,
    /// The core keeper's live token.
    pub live: Arc<LiveToken>,
    /// The hand-written cache.
    pub hand: hand_cache::Cache,
}

impl Default for Contenders {
    fn default() -> Self {
        Self::new()
    }
}

impl Contenders {
    /// Each contender with a live token.
    pub fn new() -> Self {
        let mint = api()
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let ureq_source = keycard_ureq::TokenSource::new(
            Canned::default(),
            mint.clone(),
            KeeperConfig::default(),
        );
        let live = ureq_source.token().expect("the canned token");
        let reqwest_source =
            keycard_reqwest::TokenSource::new(Canned::default(), mint, KeeperConfig::default());
        futures_lite_block_on(reqwest_source.token()).expect("the canned token");
        let hand = hand_cache::Cache::new(live.access_token().expose_secret());
        Self {
            ureq_source,
            reqwest_source,
            live,
            hand,
        }
    }

    /// Through keycard-ureq's source.
    pub fn ureq_source(&self, r: &mut http::Request<()>) {
        self.ureq_source.authorize(r).expect("a live token");
    }

    /// Through keycard-reqwest's source (its synchronous hot path).
    pub fn reqwest_source(&self, r: &mut http::Request<()>) {
        assert!(self.reqwest_source.authorize_cached(r));
    }

    /// With the live token itself.
    pub fn live(&self, r: &mut http::Request<()>) {
        self.live.authorize(r);
    }

    /// Through the hand-written cache.
    pub fn hand(&self, r: &mut http::Request<()>) {
        self.hand.authorize(r);
    }
}

/// One way to authorize a request.
pub type Way = fn(&Contenders, &mut http::Request<()>);

/// The contenders, by name.
pub const WAYS: [(&str, Way); 4] = [
    ("keycard_ureq_source", Contenders::ureq_source),
    ("keycard_reqwest_source", Contenders::reqwest_source),
    ("keycard_core_live_token", Contenders::live),
    ("hand_written", Contenders::hand),
];

/// Polls a future that is ready at once (the reqwest source's first fetch, over the canned
/// transport, never suspends).
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the canned transport never suspends"),
    }
}
