//! The blocking token source (`keycard::BlockingSource` over `keycard::ureq`) against the
//! emulator: single flight across expiries, background refresh ahead of expiry with a slow
//! upstream, rate-limit storms, serving the old token while a refresh fails, the scope check,
//! the 401 path, stores, Exact Payments order tokens.
#![cfg(feature = "ureq")]

mod common;

use common::EmuClock;
use keycard::lifecycle::{
    Event, Failure, FetchError, LiveToken, MemoryStore, RetryPolicy, SourceConfig, SourceError,
    StoreAction, StoreKey, StoredToken, TokenEndpoint, TokenStore,
};
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{
    exact, ApiKey, BaseUrl, BlockingSource, Clock, FileStore, SecretKey, Transport,
    TransportErrorKind,
};
use keycard_emulator::{Emulator, Fault, Route};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

type Source<E> = BlockingSource<E, UreqTransport>;

const THREADS: usize = 64;

fn emulator() -> Emulator {
    Emulator::start().expect("the emulator starts")
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

fn transport() -> UreqTransport {
    UreqTransport::builder()
        .timeout(Duration::from_secs(5))
        .build()
}

/// Quick retries, so that tests that fail on purpose stay fast.
fn quick_config(max_attempts: u32, backoff: Duration) -> SourceConfig {
    let mut retry = RetryPolicy::default();
    retry.max_attempts = max_attempts;
    retry.initial_backoff = backoff;
    retry.max_backoff = backoff * 4;
    retry.jitter = 0.0;
    let mut config = SourceConfig::default();
    config.retry = retry;
    config
}

/// A source for `scopes` that reads the emulator's clock.
fn voucherify_source(
    emu: &Emulator,
    scopes: &[Scope],
    config: SourceConfig,
) -> Source<voucherify::GenerateToken> {
    let endpoint = voucherify_api(emu)
        .generate_token(&Scopes::from_iter(scopes.iter().copied()))
        .unwrap();
    // Tests step the emulator's clock; a background refresher sleeping until the refresh
    // point on the real clock would not see the step, so these refresh inline.
    BlockingSource::new(transport(), endpoint, config)
        .with_clock(EmuClock::new(emu))
        .with_inline_refresh()
}

fn secret<G>(token: &LiveToken<G>) -> String {
    token.access_token().expose_secret().to_owned()
}

/// `THREADS` threads, released together, each calling `token()` `calls` times; every token
/// they got.
fn hammer<E>(source: &Source<E>, calls: usize) -> Vec<Arc<LiveToken<E::Grant>>>
where
    E: TokenEndpoint + Send + 'static,
    E::Grant: Send + Sync,
{
    let barrier = Barrier::new(THREADS);
    thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    (0..calls)
                        .map(|_| source.token().expect("a token"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn keeper_events<E: TokenEndpoint, D>(source: &keycard::TokenSource<E, D>) -> Vec<Event> {
    source.drain_events()
}

#[test]
fn sixty_four_threads_make_one_generate_call_per_refresh() {
    let emu = emulator();
    let source = voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default());

    // No token yet: all threads need one at once, exactly one request goes upstream.
    let first = hammer(&source, 20);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    let token = secret(&first[0]);
    assert!(first.iter().all(|t| secret(t) == token));

    // Past the refresh point, before expiry: one refresh; nobody waits for it, the old token
    // stays valid meanwhile.
    emu.clock().advance(Duration::from_secs(800));
    let now = EmuClock::new(&emu).now();
    assert!(!first[0].is_fresh(now) && first[0].is_valid(now));
    let second = hammer(&source, 20);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
    assert!(second.iter().all(|t| t.is_valid(EmuClock::new(&emu).now())));
    let refreshed = source.token().unwrap();
    assert_ne!(secret(&refreshed), token);
    assert!(second
        .iter()
        .all(|t| secret(t) == token || secret(t) == secret(&refreshed)));

    // Long past expiry: everyone needs the new token, one request gets it.
    emu.clock().advance(Duration::from_secs(1000));
    assert!(!refreshed.is_valid(EmuClock::new(&emu).now()));
    let third = hammer(&source, 20);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    let newest = secret(&third[0]);
    assert!(newest != token && newest != secret(&refreshed));
    assert!(third.iter().all(|t| secret(t) == newest));
    assert_eq!(emu.live_voucherify_tokens(), 1);

    let issued = keeper_events(&source)
        .into_iter()
        .filter(|e| matches!(e, Event::Issued { .. }))
        .count();
    assert_eq!(issued, 3);
}

/// How long the upstream takes to answer in the background-refresh test.
const SLOW: Duration = Duration::from_millis(400);
/// The longest a call on the hot path may take there (it takes microseconds; this is room for
/// a loaded machine, far below [`SLOW`]).
const HOT: Duration = Duration::from_millis(50);

/// The proof for threads: a `BlockingSource` refreshes ahead of expiry on its own
/// thread (its default), so while a slow upstream takes its time no caller waits longer than
/// the hot path; at expiry, a storm of threads still makes one upstream request.
#[test]
fn background_refresh_keeps_callers_on_the_hot_path_and_a_storm_makes_one_request() {
    let emu = emulator();
    let endpoint = voucherify_api(&emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    // Background refresh: the default. The refresher sleeps on the real clock; when the
    // emulator's clock jumps into the refresh window, the hot path wakes it.
    let source: Source<_> = BlockingSource::new(transport(), endpoint, SourceConfig::default())
        .with_clock(EmuClock::new(&emu));
    let first = source.token().unwrap();
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);

    // Every generate request now takes `SLOW`. Into the refresh-ahead window (120–150 s
    // before expiry): 16 threads keep calling while the refresher waits for the upstream.
    emu.inject_always(Route::VoucherifyGenerate, Fault::Delay(SLOW));
    emu.clock().advance(Duration::from_secs(800));
    let advanced = Instant::now();
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    let (mut served_old, mut slowest) = (0u32, Duration::ZERO);
                    loop {
                        let started = Instant::now();
                        let token = source.token().expect("a token");
                        slowest = slowest.max(started.elapsed());
                        if !Arc::ptr_eq(&token, &first) {
                            return (served_old, slowest, started.duration_since(advanced));
                        }
                        served_old += 1;
                        assert!(Instant::now() < deadline, "no refresh happened");
                        thread::sleep(Duration::from_millis(2));
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (served_old, slowest, new_after) in results {
        assert!(slowest < HOT, "a call took {slowest:?}");
        // The upstream took its time, and the caller was served the old token meanwhile.
        assert!(
            new_after >= SLOW - Duration::from_millis(100),
            "{new_after:?}"
        );
        assert!(served_old > 0);
    }
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2, "one refresh");
    assert!(source
        .drain_events()
        .iter()
        .any(|e| matches!(e, Event::Issued { .. })));

    // Long past expiry, the upstream still slow: every thread needs the next token at once.
    emu.clock().advance(Duration::from_secs(1000));
    let storm = hammer(&source, 1);
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        3,
        "one request for the storm"
    );
    assert!(storm.iter().all(|t| Arc::ptr_eq(t, &storm[0])));
    assert!(storm[0].is_fresh(EmuClock::new(&emu).now()));
}

#[test]
fn a_429_storm_is_ridden_out_within_the_retry_budget() {
    let emu = emulator();
    let source = voucherify_source(
        &emu,
        &[Scope::Vouchers],
        quick_config(5, Duration::from_millis(20)),
    );
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        3,
    );
    let started = Instant::now();
    let tokens = hammer(&source, 1);
    let elapsed = started.elapsed();
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        4,
        "3 refused, 1 issued"
    );
    assert!(tokens.iter().all(|t| secret(t) == secret(&tokens[0])));
    // Each retry waited for the server's Retry-After (1 s), not just the 20 ms backoff.
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let events = keeper_events(&source);
    let retries: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::RetryScheduled {
                attempt, failure, ..
            } => Some((*attempt, failure.status())),
            _ => None,
        })
        .collect();
    assert_eq!(
        retries,
        (1..=3)
            .map(|n| (n, Some(http::StatusCode::TOO_MANY_REQUESTS)))
            .collect::<Vec<_>>()
    );
}

#[test]
fn past_the_retry_budget_every_waiter_gets_the_one_error() {
    let emu = emulator();
    let source = voucherify_source(
        &emu,
        &[Scope::Vouchers],
        quick_config(3, Duration::from_millis(300)),
    );
    emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
    let barrier = Barrier::new(THREADS);
    let errors: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    source.token().expect_err("no token")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // One round of 3 attempts for all 64 callers: the waiters share its error.
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    for error in &errors {
        let Some(FetchError::GaveUp { attempts: 3, last }) = error.fetch_error() else {
            panic!("{error:?}")
        };
        assert_eq!(last.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    }
}

#[test]
fn a_still_valid_token_is_served_while_the_refresh_fails() {
    let emu = emulator();
    let source = voucherify_source(
        &emu,
        &[Scope::Vouchers],
        quick_config(2, Duration::from_millis(10)),
    );
    let old = source.token().unwrap();
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);

    emu.clock().advance(Duration::from_secs(800));
    emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
    let deadline = Instant::now() + Duration::from_millis(300);
    let mut calls = 0;
    while Instant::now() < deadline {
        let token = source.token().expect("the old token is still valid");
        assert_eq!(secret(&token), secret(&old));
        calls += 1;
        thread::sleep(Duration::from_millis(2));
    }
    let hits = emu.hits(Route::VoucherifyGenerate);
    // Each round is two attempts and then a cool-down; far fewer requests than calls.
    assert!(
        hits >= 3 && hits < 1 + calls / 2,
        "{hits} hits for {calls} calls"
    );
    let events = keeper_events(&source);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::RefreshFailed { .. })),
        "{events:?}"
    );

    // Once the API is back, the next round refreshes.
    emu.clear_faults();
    thread::sleep(Duration::from_millis(60));
    let new = source.token().unwrap();
    assert_ne!(secret(&new), secret(&old));

    // And with the API down past expiry, the caller gets the error.
    emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
    emu.clock().advance(Duration::from_secs(1000));
    let error = source.token().unwrap_err();
    assert!(
        matches!(error.fetch_error(), Some(FetchError::GaveUp { .. })),
        "{error:?}"
    );
}

#[test]
fn the_scope_check_refuses_what_the_emulator_would_answer_with_403() {
    let emu = emulator();
    let base = BaseUrl::parse(&emu.voucherify_url()).unwrap();
    let url = format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    );
    let get = || http::Request::get(&url).body(Vec::new()).unwrap();

    let campaigns = voucherify_source(&emu, &[Scope::Campaigns], SourceConfig::default());
    let mut request = get();
    let error = campaigns
        .authorize_checked(&mut request, &base)
        .unwrap_err();
    assert!(matches!(error, SourceError::NotGranted(_)), "{error:?}");
    let why = std::error::Error::source(&error).unwrap().to_string();
    assert!(why.contains("vouchers"), "{why}");
    assert!(request.headers().get("authorization").is_none());
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0);

    // Sent anyway, unchecked: the emulator refuses it.
    campaigns.authorize(&mut request).unwrap();
    let response = transport().send(request).unwrap();
    assert_eq!(response.status(), 403);

    // With the right scope, the check passes and the emulator agrees.
    let vouchers = voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default());
    let mut request = get();
    vouchers.authorize_checked(&mut request, &base).unwrap();
    assert!(request.headers()["authorization"].is_sensitive());
    assert_eq!(transport().send(request).unwrap().status(), 200);
}

#[test]
fn a_second_source_reuses_the_stored_token() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(MemoryStore::new());
    for (name, first, second) in [
        (
            "memory",
            voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default())
                .with_store(Arc::clone(&memory)),
            voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default())
                .with_store(Arc::clone(&memory)),
        ),
        (
            "file",
            voucherify_source(&emu, &[Scope::Campaigns], SourceConfig::default())
                .with_store(FileStore::new(dir.path())),
            voucherify_source(&emu, &[Scope::Campaigns], SourceConfig::default())
                .with_store(FileStore::new(dir.path())),
        ),
    ] {
        emu.reset_hits();
        let token = first.token().unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1, "{name}");
        // A restarted process: a new source over the same store mints nothing.
        let again = second.token().unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1, "{name}");
        assert_eq!(secret(&again), secret(&token), "{name}");
        // Stores keep milliseconds.
        let drift = token
            .server_expires_at()
            .unwrap()
            .duration_since(again.server_expires_at().unwrap());
        assert!(drift.unwrap() < Duration::from_millis(1), "{name}");
        assert!(
            keeper_events(&second)
                .iter()
                .any(|e| matches!(e, Event::Restored { .. })),
            "{name}"
        );
        // Invalidated (say, after a 401): gone from the store too.
        assert!(second.invalidate(&again), "{name}");
        let fresh = second.token().unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 2, "{name}");
        assert_ne!(secret(&fresh), secret(&token), "{name}");
    }
    assert_eq!(memory.len(), 1);
}

/// A store that fails at everything.
struct BrokenStore;

#[derive(Debug)]
struct OnFire;

impl std::fmt::Display for OnFire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the disk is on fire")
    }
}

impl std::error::Error for OnFire {}

impl TokenStore for BrokenStore {
    type Error = OnFire;
    fn load(&self, _: &StoreKey) -> Result<Option<StoredToken>, OnFire> {
        Err(OnFire)
    }
    fn save(&self, _: &StoreKey, _: &StoredToken) -> Result<(), OnFire> {
        Err(OnFire)
    }
    fn remove(&self, _: &StoreKey) -> Result<(), OnFire> {
        Err(OnFire)
    }
}

#[test]
fn a_failing_store_never_stops_issuance() {
    let emu = emulator();
    let source = voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default())
        .with_store(BrokenStore);
    let token = source.token().unwrap();
    assert!(token.is_fresh(EmuClock::new(&emu).now()));
    let failures: Vec<_> = source
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::StoreFailed { action, error } => Some((action, error.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures,
        [
            (StoreAction::Load, "the disk is on fire".to_owned()),
            (StoreAction::Save, "the disk is on fire".to_owned())
        ]
    );
}

#[test]
fn exact_order_tokens_one_mint_per_order() {
    let emu = emulator();
    let api = exact::Api::new(
        BaseUrl::parse(&emu.exact_url()).unwrap(),
        ApiKey::new(emu.exact_api_key()),
    )
    .unwrap();
    let order = emu.exact_order_id();
    let clock = EmuClock::new(&emu);
    let source = BlockingSource::new(
        transport(),
        api.create_order_access_token(order).unwrap(),
        SourceConfig::default(),
    )
    .with_clock(clock.clone());

    let tokens = hammer(&source, 10);
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1);
    let first = secret(&tokens[0]);
    assert!(tokens.iter().all(|t| secret(t) == first));
    assert!(emu.order_token_is_current(order, &first));
    // Exact tokens travel raw, not as Bearer.
    let mut request = http::Request::new(());
    source.authorize(&mut request).unwrap();
    assert_eq!(request.headers()["authorization"], first.as_str());

    // Another source for the same order mints a new token, which replaces the old one.
    let other = BlockingSource::new(
        transport(),
        api.create_order_access_token(order).unwrap(),
        SourceConfig::default(),
    )
    .with_clock(clock);
    let second = secret(&other.token().unwrap());
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2);
    assert!(emu.order_token_is_current(order, &second));
    assert!(!emu.order_token_is_current(order, &first));

    // The first source learns it (say, from a 401) and mints again; a stale invalidation of a
    // token that is no longer current does nothing.
    let stale = source.token().unwrap();
    assert!(source.invalidate(&stale));
    assert!(!source.invalidate(&stale));
    let third = secret(&source.token().unwrap());
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 3);
    assert!(emu.order_token_is_current(order, &third));
}

#[test]
fn a_transport_failure_keeps_the_transport_error() {
    // Nothing listens on this port once the emulator is gone.
    let emu = emulator();
    let source = voucherify_source(
        &emu,
        &[Scope::Vouchers],
        quick_config(2, Duration::from_millis(5)),
    );
    drop(emu);
    let error = source.token().unwrap_err();
    let Some(FetchError::GaveUp {
        attempts,
        last: Failure::Transport(source),
    }) = error.fetch_error()
    else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 2);
    assert_eq!(source.kind(), TransportErrorKind::Connect, "{source:?}");
}

#[test]
fn nothing_a_source_prints_holds_a_secret() {
    let emu = emulator();
    let source = voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default());
    let token = secret(&source.token().unwrap());
    let printed = format!(
        "{source:?} {:?} {:?}",
        source.drain_events(),
        source.current()
    );
    assert!(!printed.contains(&token), "{printed}");
    assert!(!printed.contains(emu.voucherify_secret_key()), "{printed}");
}

#[test]
fn eight_threads_that_see_a_401_for_one_revoked_token_make_one_new_mint() {
    let emu = emulator();
    let base = BaseUrl::parse(&emu.voucherify_url()).unwrap();
    let source = voucherify_source(&emu, &[Scope::Vouchers], SourceConfig::default());
    let revoked = source.token().unwrap();
    transport()
        .run(&voucherify_api(&emu).revoke(revoked.access_token()).unwrap())
        .unwrap()
        .into_result()
        .unwrap();
    let url = format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    );
    let barrier = Barrier::new(8);
    let statuses: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let mut request = http::Request::get(&url).body(Vec::new()).unwrap();
                    let used = source.authorize_checked(&mut request, &base).unwrap();
                    let first = transport().send(request).unwrap().status();
                    // Every thread has seen its 401 before any invalidates.
                    barrier.wait();
                    source.invalidate(&used);
                    let mut request = http::Request::get(&url).body(Vec::new()).unwrap();
                    source.authorize_checked(&mut request, &base).unwrap();
                    (first, transport().send(request).unwrap().status())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (first, second) in statuses {
        assert_eq!(first, http::StatusCode::UNAUTHORIZED);
        assert_eq!(second, http::StatusCode::OK);
    }
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "exactly one new mint"
    );
}
