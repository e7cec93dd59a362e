//! Order tokens handed to checkouts, in the source machine with explicit time: never replaced
//! silently (no retry that may mint twice), the minimum validity, looking in the fleet's store
//! first, the explicit re-issue, adopting the order's own token; the hand-out's verdict; the
//! bounded pool book.

mod lifecycle_common;

use keycard_core::exact::{CreateOrderAccessToken, Handed, OrderAccessToken, OrderId};
use keycard_core::lifecycle::{
    Event, FetchError, Io, IoResult, MintClaim, PoolBook, PoolError, SourceConfig, SourceMachine,
    Step, StoreCall, StoredToken,
};
use keycard_core::voucherify::{Scope, Scopes};
use keycard_core::{TransportError, TransportErrorKind};
use lifecycle_common::*;
use std::time::{Duration, Instant, UNIX_EPOCH};

/// 2023-07-26T23:17:32Z: the wall clock at the start of every test here.
const T0: u64 = 1_690_413_452;

/// The RFC 3339 form of `T0 + d` (the same day: less than 42 minutes after).
fn rfc3339(d: Duration) -> String {
    let s = 23 * 3600 + 17 * 60 + 32 + d.as_secs();
    assert!(s < 86_400);
    format!(
        "2023-07-26T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn clock() -> Clock {
    Clock::at_wall(UNIX_EPOCH + secs(T0))
}

/// The 201 to `POST /orders/{orderId}/accessToken`: `token`, expiring at `T0 + expires`.
fn created(token: &str, expires: Duration) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .body(
            format!(
                r#"{{"accessToken":{{"token":"{token}","expiresAt":"{}"}}}}"#,
                rfc3339(expires)
            )
            .into_bytes(),
        )
        .unwrap()
}

fn machine() -> SourceMachine<CreateOrderAccessToken> {
    SourceMachine::new(order("ord_1"), exact_config())
}

/// A machine holding `tok-1`, minted at the start and valid 900 s.
fn holding(clock: &Clock) -> SourceMachine<CreateOrderAccessToken> {
    let mut m = machine();
    mint(&mut m, clock, secs(0), "tok-1");
    m
}

/// Has `m` mint at `at` (it must ask to send) and answers with `token`, valid 900 s.
fn mint(m: &mut SourceMachine<CreateOrderAccessToken>, clock: &Clock, at: Duration, token: &str) {
    let id = expect_send(m, clock.at(at));
    assert!(answer(m, clock, id, created(token, at + secs(900)), at).is_none());
    assert_eq!(expect_use(m, clock.at(at)), token);
}

/// A token another process minted at `at` and saved, as the store holds it.
fn stored_elsewhere(clock: &Clock, at: Duration, token: &str) -> StoredToken {
    let mut other = machine();
    mint(&mut other, clock, at, token);
    other.current().unwrap().to_stored()
}

fn transport(kind: TransportErrorKind) -> IoResult {
    let uri = http::Uri::from_static("https://api.exactpaysandbox.com/orders/ord_1/accessToken");
    IoResult::Sent(Err(TransportError::new(kind, &uri, "test")))
}

#[test]
fn a_checkout_gets_the_current_token_while_it_has_the_minimum_validity_left() {
    let clock = clock();
    let mut m = holding(&clock);
    let before = m.current().cloned();
    // 300 s in, 600 s are left: exactly the minimum.
    m.require_valid_for(clock.at(secs(300)), secs(600));
    let served = expect_ready(&mut m, clock.at(secs(300)));
    assert_eq!(secret(&served), "tok-1");
    let handed = Handed::classify(before.as_deref(), &served, clock.at(secs(300)), false);
    assert_eq!(handed, Handed::Current);
    assert!(!handed.invalidated_earlier());
}

#[test]
fn a_checkout_needing_more_than_is_left_mints_and_says_it_invalidated_the_earlier_token() {
    let clock = clock();
    let mut m = holding(&clock);
    let before = m.current().cloned();
    m.require_valid_for(clock.at(secs(301)), secs(600));
    mint(&mut m, &clock, secs(301), "tok-2");
    let served = m.current().cloned().unwrap();
    let handed = Handed::classify(before.as_deref(), &served, clock.at(secs(301)), false);
    assert_eq!(handed, Handed::ReplacedEarlier);
    assert!(handed.invalidated_earlier());
    // The need is met and forgotten: the new token is served without another mint.
    assert_eq!(expect_use(&mut m, clock.at(secs(800))), "tok-2");
}

#[test]
fn while_a_replacement_is_minted_the_too_short_token_is_not_served() {
    let clock = clock();
    let mut m = holding(&clock);
    m.require_valid_for(clock.at(secs(400)), secs(600));
    let first = expect_send(&mut m, clock.at(secs(400)));
    // A second checkout for the same order waits for the new token rather than take the old.
    expect_wait(&mut m, clock.at(secs(401)));
    answer(
        &mut m,
        &clock,
        first,
        created("tok-2", secs(1300)),
        secs(401),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(401))), "tok-2");
}

#[test]
fn a_token_with_no_checkout_asking_is_never_replaced_before_it_expires() {
    let clock = clock();
    let mut m = holding(&clock);
    assert_eq!(expect_use(&mut m, clock.at(secs(899))), "tok-1");
    let live = m.current().unwrap();
    assert_eq!(live.refresh_at(), live.expires_at());
}

#[test]
fn a_timeout_or_a_cut_connection_is_not_retried_it_may_have_minted() {
    for kind in [TransportErrorKind::Timeout, TransportErrorKind::Io] {
        let clock = clock();
        let mut m = machine();
        let waiter = m.waiter(clock.at(secs(0)));
        let id = expect_send(&mut m, clock.at(secs(0)));
        assert!(m
            .complete(id, transport(kind), clock.at(secs(1)), clock.wall(secs(1)))
            .is_none());
        let error = expect_failed(&mut m, clock.at(secs(1)), &waiter);
        assert!(
            matches!(
                error.fetch_error(),
                Some(FetchError::GaveUp { attempts: 1, .. })
            ),
            "{kind:?}: {error:?}"
        );
        assert!(
            !events(&mut m)
                .iter()
                .any(|e| matches!(e, Event::RetryScheduled { .. })),
            "{kind:?}"
        );
    }
}

#[test]
fn a_5xx_is_not_retried_it_may_have_minted() {
    let clock = clock();
    let mut m = machine();
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    let response = http::Response::builder()
        .status(503)
        .header("content-type", "application/json")
        .body(br#"{"code":"x","message":"unavailable"}"#.to_vec())
        .unwrap();
    answer(&mut m, &clock, id, response, secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert!(
        matches!(error.fetch_error(), Some(FetchError::NotRetryable { status, .. }) if *status == 503),
        "{error:?}"
    );
}

#[test]
fn a_refused_connection_or_a_429_is_retried_nothing_was_minted() {
    let clock = clock();
    let mut m = machine();
    let id = expect_send(&mut m, clock.at(secs(0)));
    let connect = transport(TransportErrorKind::Connect);
    assert!(m
        .complete(id, connect, clock.at(secs(0)), clock.wall(secs(0)))
        .is_none());
    let retry_at = expect_wait(&mut m, clock.at(secs(0)));
    let id = expect_send(&mut m, retry_at);
    let at = retry_at.duration_since(clock.start);
    answer(&mut m, &clock, id, error_response(429), at);
    let retry_at = expect_wait(&mut m, clock.at(at));
    let id = expect_send(&mut m, retry_at);
    let at = retry_at.duration_since(clock.start);
    answer(&mut m, &clock, id, created("tok-1", secs(900)), at);
    assert_eq!(expect_use(&mut m, clock.at(at)), "tok-1");
}

#[test]
fn looking_in_the_store_takes_another_processs_newer_token_without_minting() {
    let clock = clock();
    let mut m = holding(&clock);
    m.set_store(true);
    let before = m.current().cloned();
    // Another process replaced the token at 100 s and saved it.
    let theirs = stored_elsewhere(&clock, secs(100), "tok-2");
    m.look_in_store();
    m.require_valid_for(clock.at(secs(200)), secs(600));
    let Step::Io(io) = poll(&mut m, clock.at(secs(200))) else {
        panic!("a look in the store")
    };
    let (id, call) = store_call(io);
    assert!(matches!(call, StoreCall::Load(_)), "{call:?}");
    let next = m.complete(
        id,
        IoResult::Loaded(Ok(Some(theirs))),
        clock.at(secs(200)),
        clock.wall(secs(200)),
    );
    assert!(next.is_none(), "{next:?}");
    let served = expect_ready(&mut m, clock.at(secs(200)));
    assert_eq!(secret(&served), "tok-2");
    let handed = Handed::classify(before.as_deref(), &served, clock.at(secs(200)), false);
    assert_eq!(handed, Handed::ReplacedEarlier, "tok-1 no longer works");
}

#[test]
fn while_looking_in_the_store_other_checkouts_wait_rather_than_get_the_held_token() {
    let clock = clock();
    let mut m = holding(&clock);
    m.set_store(true);
    let theirs = stored_elsewhere(&clock, secs(100), "tok-2");
    m.look_in_store();
    let Step::Io(io) = poll(&mut m, clock.at(secs(200))) else {
        panic!()
    };
    // Another checkout meanwhile: tok-1 may have been invalidated by another process's
    // re-issue, so it waits for the look.
    m.look_in_store();
    assert!(!m.serves_valid());
    expect_wait(&mut m, clock.at(secs(200)));
    let (id, _) = store_call(io);
    m.complete(
        id,
        IoResult::Loaded(Ok(Some(theirs))),
        clock.at(secs(200)),
        clock.wall(secs(200)),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(200))), "tok-2");
}

#[test]
fn looking_in_the_store_and_finding_the_held_token_mints_nothing() {
    let clock = clock();
    let mut m = holding(&clock);
    m.set_store(true);
    let ours = m.current().unwrap().to_stored();
    m.look_in_store();
    let (id, _) = match poll(&mut m, clock.at(secs(10))) {
        Step::Io(io) => store_call(io),
        other => panic!("{other:?}"),
    };
    let next = m.complete(
        id,
        IoResult::Loaded(Ok(Some(ours))),
        clock.at(secs(10)),
        clock.wall(secs(10)),
    );
    assert!(next.is_none(), "{next:?}");
    assert_eq!(expect_use(&mut m, clock.at(secs(10))), "tok-1");
}

#[test]
fn a_stored_token_too_short_for_the_checkout_is_not_taken_one_is_minted() {
    let clock = clock();
    let mut m = machine();
    m.set_store(true);
    // The fleet's token was minted at 0; at 400 s it has 500 s left, the checkout needs 600.
    let short = stored_elsewhere(&clock, secs(0), "tok-1");
    m.require_valid_for(clock.at(secs(400)), secs(600));
    let Step::Io(io) = poll(&mut m, clock.at(secs(400))) else {
        panic!()
    };
    let (id, _) = store_call(io);
    let next = m
        .complete(
            id,
            IoResult::Loaded(Ok(Some(short))),
            clock.at(secs(400)),
            clock.wall(secs(400)),
        )
        .unwrap();
    let (id, call) = store_call(next);
    assert!(matches!(call, StoreCall::Claim(_)), "{call:?}");
    let next = m
        .complete(
            id,
            IoResult::Claimed(Ok(MintClaim::NotShared)),
            clock.at(secs(400)),
            clock.wall(secs(400)),
        )
        .unwrap();
    let Io::Send(id, _) = next else {
        panic!("{next:?}")
    };
    let save = answer(&mut m, &clock, id, created("tok-2", secs(1300)), secs(400)).unwrap();
    assert!(matches!(store_call(save).1, StoreCall::Save(..)));
}

#[test]
fn a_reissue_mints_even_when_the_store_holds_a_valid_token() {
    let clock = clock();
    let mut m = holding(&clock);
    m.set_store(true);
    let before = m.current().cloned();
    let stored = m.current().unwrap().to_stored();
    assert!(m.reissue());
    let Step::Io(io) = poll(&mut m, clock.at(secs(30))) else {
        panic!()
    };
    let (id, _) = store_call(io);
    // Neither taken back nor removed (a removal could race another process's save): claimed.
    let next = m
        .complete(
            id,
            IoResult::Loaded(Ok(Some(stored))),
            clock.at(secs(30)),
            clock.wall(secs(30)),
        )
        .unwrap();
    let (id, call) = store_call(next);
    assert!(matches!(call, StoreCall::Claim(_)), "{call:?}");
    let Some(Io::Send(id, _)) = m.complete(
        id,
        IoResult::Claimed(Ok(MintClaim::NotShared)),
        clock.at(secs(30)),
        clock.wall(secs(30)),
    ) else {
        panic!()
    };
    let save = answer(&mut m, &clock, id, created("tok-2", secs(930)), secs(30)).unwrap();
    let (id, _) = store_call(save);
    m.complete(
        id,
        IoResult::Saved(Ok(())),
        clock.at(secs(30)),
        clock.wall(secs(30)),
    );
    let served = expect_ready(&mut m, clock.at(secs(30)));
    assert_eq!(secret(&served), "tok-2");
    let handed = Handed::classify(before.as_deref(), &served, clock.at(secs(30)), true);
    assert_eq!(
        handed,
        Handed::Reissued {
            invalidated_earlier: true
        }
    );
}

#[test]
fn the_orders_own_token_is_adopted_and_served_without_minting() {
    let clock = clock();
    let mut m = machine();
    let own = OrderAccessToken::from_order(
        format!(
            r#"{{"id":"ord_1","status":"awaiting_payment","accessToken":{{"token":"own-1","expires_at":"{}"}}}}"#,
            rfc3339(secs(900))
        )
        .as_bytes(),
    )
    .unwrap()
    .unwrap();
    let issued = order("ord_1").issued(own);
    assert!(m.adopt(issued, clock.at(secs(0)), clock.wall(secs(0)), None));
    assert_eq!(expect_use(&mut m, clock.at(secs(100))), "own-1");
    assert_eq!(
        m.current().unwrap().expires_at(),
        clock.at(secs(900)),
        "its expiry, measured from now"
    );
}

#[test]
fn an_orders_own_token_is_not_adopted_over_a_later_one() {
    let clock = clock();
    let mut m = holding(&clock);
    m.require_valid_for(clock.at(secs(400)), secs(600));
    mint(&mut m, &clock, secs(400), "tok-2");
    // The order's creation response, read late: its token was invalidated by tok-1 already.
    let old = OrderAccessToken::from_order(
        format!(
            r#"{{"accessToken":{{"token":"own-1","expires_at":"{}"}}}}"#,
            rfc3339(secs(900))
        )
        .as_bytes(),
    )
    .unwrap()
    .unwrap();
    assert!(!m.adopt(
        order("ord_1").issued(old),
        clock.at(secs(401)),
        clock.wall(secs(401)),
        None
    ));
    assert_eq!(expect_use(&mut m, clock.at(secs(401))), "tok-2");
}

#[test]
fn an_adopted_token_is_saved_for_the_fleet() {
    let clock = clock();
    let mut m = machine();
    m.set_store(true);
    let own = OrderAccessToken {
        token: keycard_core::AccessToken::new("own-1"),
        expires_at: UNIX_EPOCH + secs(T0 + 900),
    };
    assert!(m.adopt(
        order("ord_1").issued(own),
        clock.at(secs(0)),
        clock.wall(secs(0)),
        None
    ));
    let Step::Io(io) = poll(&mut m, clock.at(secs(0))) else {
        panic!()
    };
    let (_, call) = store_call(io);
    let StoreCall::Save(_, stored) = call else {
        panic!("{call:?}")
    };
    assert_eq!(stored.access_token().expose_secret(), "own-1");
}

#[test]
fn a_handout_with_no_valid_earlier_token_invalidated_nothing() {
    let clock = clock();
    let mut m = holding(&clock);
    let expired = m.current().cloned();
    mint(&mut m, &clock, secs(900), "tok-2");
    let served = m.current().cloned().unwrap();
    let at = clock.at(secs(900));
    let handed = Handed::classify(expired.as_deref(), &served, at, false);
    assert_eq!(handed, Handed::New);
    assert!(!handed.invalidated_earlier());
    let handed = Handed::classify(None, &served, at, true);
    assert_eq!(
        handed,
        Handed::Reissued {
            invalidated_earlier: false
        }
    );
    assert!(!handed.invalidated_earlier());
}

#[test]
fn from_order_reads_the_spec_example_of_an_order_response() {
    // The example of `order_response` in the Exact Payments OpenAPI document (copied in
    // tests/fixtures/exact/order_response.json).
    let body = include_bytes!("fixtures/exact/order_response.json");
    let token = OrderAccessToken::from_order(body).unwrap().unwrap();
    assert_eq!(token.token.expose_secret(), "xFwJtFt13XHun123");
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + secs(1_690_414_352),
        "2023-07-26T23:32:32Z"
    );
    let debug = format!("{token:?}");
    assert!(!debug.contains("xFwJtFt13XHun123"), "{debug}");

    let example = include_bytes!("fixtures/exact/order_response_example1.json");
    let token = OrderAccessToken::from_order(example).unwrap().unwrap();
    assert_eq!(token.token.expose_secret(), "string");
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + Duration::from_millis(1_671_573_218_369),
        "2022-12-20T21:53:38.369Z"
    );
}

#[test]
fn from_order_gives_none_for_an_order_without_a_token_and_an_error_for_a_bad_one() {
    assert!(
        OrderAccessToken::from_order(br#"{"id":"o","status":"paid"}"#)
            .unwrap()
            .is_none()
    );
    assert!(
        OrderAccessToken::from_order(br#"{"id":"o","accessToken":null}"#)
            .unwrap()
            .is_none()
    );
    for bad in [
        &br#"{"accessToken":{"token":"t","expires_at":"tomorrow"}}"#[..],
        br#"{"accessToken":{"token":"t u","expires_at":"2023-07-26T23:32:32Z"}}"#,
        br#"{"accessToken":{"token":"t","expiresAt":"2023-07-26T23:32:32Z"}}"#,
        br#"{"accessToken":"secret-token"}"#,
        b"not json",
    ] {
        let error = OrderAccessToken::from_order(bad).unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("secret-token"), "{text}");
    }
}

/// A book value with an expiry, for the pool book.
#[derive(Debug)]
struct Entry {
    expires: Instant,
}

fn keep(entry: &Entry, now: Instant) -> bool {
    now < entry.expires
}

#[test]
fn the_pool_book_is_bounded_and_drops_expired_orders_first() {
    let clock = clock();
    let mut book = PoolBook::new(2);
    let order = |id: &str| OrderId::new(id);
    let entry = |s: u64| Entry {
        expires: clock.at(secs(s)),
    };
    book.insert(order("a"), entry(900), clock.at(secs(0)), keep)
        .unwrap();
    book.insert(order("b"), entry(100), clock.at(secs(0)), keep)
        .unwrap();
    // Full, and both live: the third is refused, nothing dropped.
    let refused = book.insert(order("c"), entry(900), clock.at(secs(50)), keep);
    assert!(matches!(refused, Err(PoolError::Full { capacity: 2 })));
    assert_eq!(book.len(), 2);
    // Once b's token has expired, it makes room.
    book.insert(order("c"), entry(900), clock.at(secs(100)), keep)
        .unwrap();
    assert!(book.find(&order("b"), |_| 0).is_none());
    assert!(book.find(&order("a"), |_| 0).is_some());
    assert!(book.find(&order("c"), |_| 0).is_some());
}

#[test]
fn the_pool_book_serves_a_scope_set_from_a_held_key_that_grants_it() {
    let clock = clock();
    let mut book = PoolBook::new(8);
    let now = clock.at(secs(0));
    let api = Scopes::from([Scope::Api]);
    let vouchers = Scopes::from([Scope::Vouchers]);
    let both = Scopes::from([Scope::Vouchers, Scope::Campaigns]);
    book.insert(vouchers.clone(), 1, now, |_, _| true).unwrap();
    // `vouchers` does not grant `campaigns`: no match yet.
    assert!(book.find(&both, |v| *v).is_none());
    book.insert(api.clone(), 2, now, |_, _| true).unwrap();
    // `api` is the umbrella of both: it serves them.
    assert_eq!(book.find(&both, |v| *v).map(|(k, _)| k), Some(&api));
    // An exact key is served by itself first.
    assert_eq!(book.find(&vouchers, |v| *v).map(|(_, v)| *v), Some(1));
    // A narrower set never serves a broader one.
    let mut narrow = PoolBook::new(8);
    narrow.insert(vouchers, 1, now, |_, _| true).unwrap();
    assert!(narrow.find(&api, |v| *v).is_none());
    // Orders match only themselves.
    let mut orders = PoolBook::new(8);
    orders
        .insert(OrderId::new("a"), 1, now, |_, _| true)
        .unwrap();
    assert!(orders.find(&OrderId::new("ab"), |v| *v).is_none());
}

#[test]
fn the_default_checkout_minimum_suits_a_payment_form() {
    let config = keycard_core::exact::CheckoutConfig::default();
    assert_eq!(config.min_validity, Duration::from_secs(600));
    assert_eq!(config.max_orders, 10_000);
    assert_eq!(config.source, SourceConfig::default());
}

#[test]
fn a_minimum_past_the_end_of_the_clock_is_met_by_no_token_it_mints() {
    let clock = clock();
    let mut m = holding(&clock);
    // As long a minimum as can be asked: no token lives that long, so the checkout mints
    // rather than take the need for none.
    m.require_valid_for(clock.at(secs(10)), Duration::MAX);
    let id = expect_send(&mut m, clock.at(secs(10)));
    assert!(answer(&mut m, &clock, id, created("tok-2", secs(910)), secs(10)).is_none());
    assert_eq!(m.current().map(|t| secret(t)), Some("tok-2".to_owned()));
}
