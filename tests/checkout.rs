//! Order access tokens handed to checkouts (`keycard::Checkout`) and the scope pool
//! (`keycard::ScopePool`) against the emulator, each behaviour through the blocking face (over
//! ureq) and the async face (over reqwest): the emulator's record of which order tokens were
//! invalidated, and when, is the oracle.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::EmuClock;
use keycard::exact::{self, CheckoutConfig, Handed, Handout, OrderAccessToken};
use keycard::lifecycle::{LiveToken, PoolError, SourceConfig, SourceError};
use keycard::reqwest::ReqwestTransport;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{
    ApiKey, AsyncCheckout, AsyncSource, BaseUrl, BlockingCheckout, BlockingSource, ScopePool,
    SecretKey, Transport,
};
use keycard_emulator::{Emulator, Fault, Route};
use std::sync::Arc;
use std::time::Duration;

/// The blocking or the async face of the same checkout object.
enum Face {
    Blocking(BlockingCheckout<UreqTransport>),
    Async(AsyncCheckout<ReqwestTransport>, tokio::runtime::Runtime),
}

impl Face {
    /// Both faces, each on its own emulator.
    fn both(config: CheckoutConfig) -> [(Emulator, Face); 2] {
        [Self::blocking(config.clone()), Self::nonblocking(config)]
    }

    fn blocking(config: CheckoutConfig) -> (Emulator, Face) {
        let emu = Emulator::start().unwrap();
        let transport = UreqTransport::builder()
            .timeout(Duration::from_secs(5))
            .build();
        let checkout =
            BlockingCheckout::new(transport, api(&emu), config).with_clock(EmuClock::new(&emu));
        (emu, Face::Blocking(checkout))
    }

    fn nonblocking(config: CheckoutConfig) -> (Emulator, Face) {
        let emu = Emulator::start().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let transport = runtime.block_on(async {
            ReqwestTransport::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap()
        });
        let checkout =
            AsyncCheckout::new(transport, api(&emu), config).with_clock(EmuClock::new(&emu));
        (emu, Face::Async(checkout, runtime))
    }

    fn name(&self) -> &'static str {
        match self {
            Face::Blocking(_) => "blocking",
            Face::Async(..) => "async",
        }
    }

    fn hand_out(&self, order: &str) -> Result<Handout, PoolError> {
        match self {
            Face::Blocking(c) => c.hand_out(order),
            Face::Async(c, rt) => rt.block_on(c.hand_out(order)),
        }
    }

    fn hand_out_for(&self, order: &str, min: Duration) -> Result<Handout, PoolError> {
        match self {
            Face::Blocking(c) => c.hand_out_for(order, min),
            Face::Async(c, rt) => rt.block_on(c.hand_out_for(order, min)),
        }
    }

    fn reissue(&self, order: &str) -> Result<Handout, PoolError> {
        match self {
            Face::Blocking(c) => c.reissue(order),
            Face::Async(c, rt) => rt.block_on(c.reissue(order)),
        }
    }

    fn adopt(&self, order: &str, token: OrderAccessToken) -> Result<Handout, PoolError> {
        match self {
            Face::Blocking(c) => c.adopt(order, token),
            Face::Async(c, rt) => rt.block_on(c.adopt(order, token)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Face::Blocking(c) => c.len(),
            Face::Async(c, _) => c.len(),
        }
    }

    /// `n` hand-outs for `order` at once: threads, or tasks.
    fn hand_out_concurrently(self: &Arc<Self>, order: &'static str, n: usize) -> Vec<Handout> {
        match &**self {
            Face::Blocking(_) => {
                let barrier = Arc::new(std::sync::Barrier::new(n));
                let threads: Vec<_> = (0..n)
                    .map(|_| {
                        let (face, barrier) = (Arc::clone(self), Arc::clone(&barrier));
                        std::thread::spawn(move || {
                            barrier.wait();
                            face.hand_out(order).unwrap()
                        })
                    })
                    .collect();
                threads.into_iter().map(|t| t.join().unwrap()).collect()
            }
            Face::Async(_, rt) => rt.block_on(async {
                let tasks: Vec<_> = (0..n)
                    .map(|_| {
                        let face = Arc::clone(self);
                        tokio::spawn(async move {
                            let Face::Async(c, _) = &*face else {
                                unreachable!()
                            };
                            c.hand_out(order).await.unwrap()
                        })
                    })
                    .collect();
                let mut handouts = Vec::new();
                for task in tasks {
                    handouts.push(task.await.unwrap());
                }
                handouts
            }),
        }
    }
}

fn api(emu: &Emulator) -> exact::Api {
    exact::Api::new(
        BaseUrl::parse(&emu.exact_url()).unwrap(),
        ApiKey::new(emu.exact_api_key()),
    )
    .unwrap()
}

fn secret(token: &LiveToken<exact::OrderId>) -> String {
    token.access_token().expose_secret().to_owned()
}

/// The tokens of `order` the emulator says a later mint invalidated.
fn invalidated(emu: &Emulator, order: &str) -> Vec<String> {
    emu.order_token_history(order)
        .into_iter()
        .filter(|r| r.invalidated_at.is_some())
        .map(|r| r.token)
        .collect()
}

#[test]
fn a_checkout_reuses_the_orders_token_while_it_has_the_minimum_validity_left() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_id();
        let first = face.hand_out(order).unwrap();
        assert_eq!(first.handed(), Handed::New, "{name}");
        // 5 minutes later, 10 are left: the same token, nothing minted.
        emu.clock().advance(Duration::from_secs(300));
        let again = face.hand_out(order).unwrap();
        assert_eq!(again.handed(), Handed::Current, "{name}");
        assert_eq!(secret(again.token()), secret(first.token()), "{name}");
        assert!(!again.invalidated_earlier(), "{name}");
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1, "{name}");
        assert!(invalidated(&emu, order).is_empty(), "{name}");
        assert!(
            emu.order_token_is_current(order, &secret(again.token())),
            "{name}"
        );
    }
}

#[test]
fn a_checkout_with_less_left_than_the_minimum_mints_and_says_it_invalidated_the_earlier() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_id();
        let first = face.hand_out(order).unwrap();
        // 5 minutes 10 seconds later, less than 10 minutes are left.
        emu.clock().advance(Duration::from_secs(310));
        let second = face.hand_out(order).unwrap();
        assert_eq!(second.handed(), Handed::ReplacedEarlier, "{name}");
        assert!(second.invalidated_earlier(), "{name}");
        assert_ne!(secret(second.token()), secret(first.token()), "{name}");
        assert_eq!(
            invalidated(&emu, order),
            [secret(first.token())],
            "{name}: the emulator agrees"
        );
        assert!(second.token().remaining(second.token().obtained_at()) > Duration::from_secs(600));
    }
}

#[test]
fn a_checkout_may_ask_for_its_own_minimum_validity() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_id();
        let first = face.hand_out(order).unwrap();
        emu.clock().advance(Duration::from_secs(420));
        // 8 minutes left: enough for a form that needs 5, not for one that needs 9.
        let short = face.hand_out_for(order, Duration::from_secs(300)).unwrap();
        assert_eq!(short.handed(), Handed::Current, "{name}");
        assert_eq!(secret(short.token()), secret(first.token()), "{name}");
        let long = face.hand_out_for(order, Duration::from_secs(540)).unwrap();
        assert_eq!(long.handed(), Handed::ReplacedEarlier, "{name}");
        assert_eq!(invalidated(&emu, order), [secret(first.token())], "{name}");
    }
}

#[test]
fn a_reissue_mints_a_fresh_token_and_says_the_earlier_stopped_working() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_id();
        let first = face.hand_out(order).unwrap();
        let fresh = face.reissue(order).unwrap();
        assert_eq!(
            fresh.handed(),
            Handed::Reissued {
                invalidated_earlier: true
            },
            "{name}"
        );
        assert_eq!(invalidated(&emu, order), [secret(first.token())], "{name}");
        // The next checkout gets the re-issued token.
        let next = face.hand_out(order).unwrap();
        assert_eq!(next.handed(), Handed::Current, "{name}");
        assert_eq!(secret(next.token()), secret(fresh.token()), "{name}");
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2, "{name}");
    }
}

#[test]
fn the_token_an_order_came_with_is_adopted_instead_of_minting() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_ids()[1];
        // The order's creation answered with its token (the emulator has no `POST /orders`:
        // its token is minted directly, and put in the order response's snake case form).
        let create = api(&emu).create_order_access_token(order).unwrap();
        let minted = UreqTransport::builder()
            .build()
            .run(&create)
            .unwrap()
            .into_result()
            .unwrap();
        let body = format!(
            r#"{{"id":"{order}","status":"awaiting_payment","accessToken":{{"token":"{}","expires_at":"{}"}}}}"#,
            minted.token.expose_secret(),
            rfc3339(minted.expires_at),
        );
        let own = OrderAccessToken::from_order(body.as_bytes())
            .unwrap()
            .unwrap();
        let handout = face.adopt(order, own).unwrap();
        assert_eq!(handout.handed(), Handed::Adopted, "{name}");
        assert_eq!(
            secret(handout.token()),
            minted.token.expose_secret(),
            "{name}"
        );
        let again = face.hand_out(order).unwrap();
        assert_eq!(again.handed(), Handed::Current, "{name}");
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1, "{name}: no mint");
        assert!(
            emu.order_token_is_current(order, &secret(again.token())),
            "{name}"
        );
    }
}

#[test]
fn a_mint_that_may_have_reached_the_server_is_not_retried() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let order = emu.exact_order_id();
        // The emulator mints, then cuts the body short: the client cannot know.
        emu.inject(Route::ExactOrderAccessToken, Fault::TruncatedBody, 1);
        let error = face.hand_out(order).unwrap_err();
        assert!(
            matches!(error, PoolError::Token(SourceError::Fetch(_))),
            "{name}: {error:?}"
        );
        assert_eq!(
            emu.hits(Route::ExactOrderAccessToken),
            1,
            "{name}: one attempt"
        );
        // A 503 likewise: the caller decides whether to mint again.
        emu.inject(Route::ExactOrderAccessToken, Fault::ServiceUnavailable, 1);
        face.hand_out(order).unwrap_err();
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2, "{name}");
        let handout = face.hand_out(order).unwrap();
        assert_eq!(handout.handed(), Handed::New, "{name}");
    }
}

#[test]
fn concurrent_checkouts_for_one_order_make_one_mint() {
    for (emu, face) in Face::both(CheckoutConfig::default()) {
        let name = face.name();
        let face = Arc::new(face);
        let handouts = face.hand_out_concurrently(emu.exact_order_id(), 16);
        let tokens: std::collections::BTreeSet<String> =
            handouts.iter().map(|h| secret(h.token())).collect();
        assert_eq!(tokens.len(), 1, "{name}");
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1, "{name}");
        assert!(handouts.iter().all(|h| !h.invalidated_earlier()), "{name}");
    }
}

#[test]
fn one_object_serves_many_orders_within_its_cap_and_drops_expired_ones() {
    let mut config = CheckoutConfig::default();
    config.max_orders = 2;
    for (emu, face) in Face::both(config.clone()) {
        let name = face.name();
        let orders = emu.exact_order_ids();
        let a = face.hand_out(orders[0]).unwrap();
        let b = face.hand_out(orders[1]).unwrap();
        assert_ne!(secret(a.token()), secret(b.token()), "{name}");
        assert_eq!(face.len(), 2, "{name}");
        // Both live: a third order is refused rather than forget a token handed out.
        let full = face.hand_out(orders[2]).unwrap_err();
        assert!(
            matches!(full, PoolError::Full { capacity: 2 }),
            "{name}: {full:?}"
        );
        // Once their tokens expired, they make room.
        emu.clock().advance(Duration::from_secs(15 * 60 + 1));
        face.hand_out(orders[2]).unwrap();
        assert_eq!(face.len(), 1, "{name}");
        assert_eq!(emu.hits(Route::ExactOrderAccessToken), 3, "{name}");
    }
}

/// `t` as RFC 3339 UTC, whole seconds (what the order endpoints send).
fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn voucherify_api(emu: &Emulator) -> voucherify::Api {
    voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(
            emu.voucherify_app_id(),
            SecretKey::new(emu.voucherify_secret_key()),
        )
        .unwrap(),
    )
}

#[test]
fn a_scope_pool_reuses_a_held_token_whose_scopes_grant_the_request_blocking() {
    let emu = Emulator::start().unwrap();
    let api = voucherify_api(&emu);
    let transport = UreqTransport::builder()
        .timeout(Duration::from_secs(5))
        .build();
    let pool = ScopePool::new(8, move |scopes: &Scopes| {
        let endpoint = api.generate_token(scopes)?;
        Ok(BlockingSource::new(
            transport.clone(),
            endpoint,
            SourceConfig::default(),
        ))
    });
    let api_token = pool.token(&Scopes::from([Scope::Api])).unwrap();
    let vouchers = pool
        .token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))
        .unwrap();
    assert!(Arc::ptr_eq(&api_token, &vouchers), "`api` grants both");
    assert_eq!(pool.len(), 1);
    let client = pool.token(&Scopes::from([Scope::ClientApi])).unwrap();
    assert!(
        !Arc::ptr_eq(&api_token, &client),
        "`api` does not grant client_api"
    );
    assert_eq!(pool.len(), 2);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[test]
fn a_scope_pool_refuses_a_key_it_cannot_mint_for_with_a_typed_error() {
    let emu = Emulator::start().unwrap();
    let api = voucherify_api(&emu);
    let transport = UreqTransport::builder().build();
    let pool = ScopePool::new(8, move |scopes: &Scopes| {
        let endpoint = api.generate_token(scopes)?;
        Ok(BlockingSource::new(
            transport.clone(),
            endpoint,
            SourceConfig::default(),
        ))
    });
    let empty = pool.token(&Scopes::new()).unwrap_err();
    assert!(matches!(empty, PoolError::Build(_)), "{empty:?}");
    assert!(pool.is_empty());
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 0);
}

#[test]
fn a_scope_pool_reuses_a_held_token_whose_scopes_grant_the_request_async() {
    let emu = Emulator::start().unwrap();
    let api = voucherify_api(&emu);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let transport = ReqwestTransport::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let pool = ScopePool::new(1, move |scopes: &Scopes| {
            let endpoint = api.generate_token(scopes)?;
            Ok(AsyncSource::new(
                transport.clone(),
                endpoint,
                SourceConfig::default(),
            ))
        });
        let vouchers = pool.token(&Scopes::from([Scope::Vouchers])).await.unwrap();
        let again = pool.token(&Scopes::from([Scope::Vouchers])).await.unwrap();
        assert!(Arc::ptr_eq(&vouchers, &again));
        // Bounded: a second scope set does not fit while the first token lives.
        let full = pool.token(&Scopes::from([Scope::Campaigns])).await;
        assert!(
            matches!(full, Err(PoolError::Full { capacity: 1 })),
            "{full:?}"
        );
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    });
}
