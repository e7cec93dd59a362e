//! The source machine through its public API, deterministically: explicit time (one base
//! instant plus durations), no threads. Single flight, refresh ahead and in the background, the
//! fleet-store protocol, failures, cancellation, time, invalidation and the wait limit.

mod lifecycle_common;

use http::StatusCode;
use keycard_core::exact::CreateOrderAccessToken;
use keycard_core::lifecycle::{
    AloneReason, Event, FetchError, Io, IoResult, LiveToken, MintClaim, MintLock, SourceConfig,
    SourceError, SourceMachine, Step, StoreAction, StoreCall, StoreError, StoredToken, Waiter,
};
use keycard_core::voucherify::{GenerateToken, Scopes};
use lifecycle_common::*;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The fleet-store protocol here runs without the ledger of live tokens (`lifecycle_fleet.rs`
/// drives that).
fn machine(mut config: SourceConfig) -> SourceMachine<GenerateToken> {
    config.budget = None;
    SourceMachine::new(generate(), config)
}

fn ok_token(token: &str) -> http::Response<Vec<u8>> {
    token_response(token, 900, T0 + 900)
}

fn store_error() -> StoreError {
    Arc::new(std::io::Error::other("store down"))
}

fn has(events: &[Event], f: impl Fn(&Event) -> bool) -> bool {
    events.iter().any(f)
}

/// Completes `id` with `result` at `d` after the start.
fn complete(
    m: &mut SourceMachine<GenerateToken>,
    clock: &Clock,
    id: keycard_core::lifecycle::StepId,
    result: IoResult,
    d: Duration,
) -> Option<Io> {
    m.complete(id, result, clock.at(d), clock.wall(d))
}

// (a) Single flight ------------------------------------------------------------------------------

#[test]
fn many_waiters_one_send_then_all_ready_with_the_same_token() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let waiters: Vec<Waiter> = (0..64).map(|_| m.waiter(clock.at(secs(0)))).collect();
    let mut sends = Vec::new();
    for waiter in &waiters {
        match m.poll(clock.at(secs(0)), waiter) {
            Step::Io(Io::Send(id, _)) => sends.push(id),
            Step::Wait(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sends.len(), 1, "exactly one Send");
    // Polling again while it is out changes nothing.
    for waiter in &waiters[1..] {
        assert!(matches!(
            m.poll(clock.at(millis(500)), waiter),
            Step::Wait(_)
        ));
    }
    assert!(answer(&mut m, &clock, sends[0], ok_token("tok-1"), secs(1)).is_none());
    let tokens: Vec<Arc<LiveToken<Scopes>>> = waiters
        .iter()
        .map(|w| match m.poll(clock.at(secs(1)), w) {
            Step::Ready(token) => token,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(tokens.iter().all(|t| Arc::ptr_eq(t, &tokens[0])));
    assert_eq!(secret(&tokens[0]), "tok-1");
}

// (b) Refresh ahead --------------------------------------------------------------------------------

#[test]
fn refresh_ahead_one_caller_refreshes_the_others_get_the_old_token() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    let refresh_at = m.current().unwrap().refresh_at();
    assert_eq!(refresh_at, clock.at(secs(780)));
    let mut sends = 0;
    for _ in 0..16 {
        match poll(&mut m, refresh_at) {
            Step::Io(Io::Send(..)) => sends += 1,
            Step::Ready(token) => assert_eq!(secret(&token), "tok-1"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sends, 1);
    assert!(m.serves_valid());
}

#[test]
fn with_background_refresh_callers_are_always_ready_and_the_refresher_sends() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    m.set_background_refresh(true);
    assert!(m.serves_valid());
    let refresh_at = clock.at(secs(780));
    // Before it is due, the refresher sleeps until refresh_at.
    assert!(matches!(m.poll_refresh(clock.at(secs(10))), Step::Wait(at) if at == refresh_at));
    // Callers are never handed the work, not even once it is due.
    for s in [10, 779, 780, 800, 899] {
        assert_eq!(expect_use(&mut m, clock.at(secs(s))), "tok-1");
    }
    let Step::Io(Io::Send(id, _)) = m.poll_refresh(refresh_at) else {
        panic!("the refresher gets the Send at refresh_at")
    };
    // While it is out, the refresher waits and callers get the old token.
    assert!(matches!(m.poll_refresh(clock.at(secs(781))), Step::Wait(_)));
    assert_eq!(expect_use(&mut m, clock.at(secs(781))), "tok-1");
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-2", 900, T0 + 1682),
        secs(782),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(783))), "tok-2");
    assert!(
        matches!(m.poll_refresh(clock.at(secs(783))), Step::Wait(at) if at == clock.at(secs(782 + 780)))
    );
}

// (c) The fleet-store protocol -------------------------------------------------------------------

fn lock(m: &SourceMachine<GenerateToken>) -> MintLock {
    MintLock::new(m.store_key().clone(), "owner-1", secs(30))
}

/// A token another process minted and saved, at the start.
fn saved_elsewhere(clock: &Clock, token: &str) -> StoredToken {
    let mut other = machine(exact_config());
    let id = expect_send(&mut other, clock.at(secs(0)));
    answer(&mut other, clock, id, ok_token(token), secs(0));
    other.current().unwrap().to_stored()
}

fn start_round(m: &mut SourceMachine<GenerateToken>, clock: &Clock, d: Duration) -> Io {
    match poll(m, clock.at(d)) {
        Step::Io(io) => io,
        other => panic!("expected a step, got {other:?}"),
    }
}

#[test]
fn fleet_acquired_load_claim_load_send_save_release() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    m.set_store(true);
    let key = m.store_key().clone();
    let lock = lock(&m);

    let (id, call) = store_call(start_round(&mut m, &clock, secs(0)));
    assert!(matches!(call, StoreCall::Load(k) if k == key));
    let (id, call) =
        store_call(complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0)).unwrap());
    assert!(matches!(call, StoreCall::Claim(k) if k == key));
    let next = complete(
        &mut m,
        &clock,
        id,
        IoResult::Claimed(Ok(MintClaim::Acquired(lock.clone()))),
        secs(0),
    );
    // With the lock, look once more: another process may have just saved a token.
    let (id, call) = store_call(next.unwrap());
    assert!(matches!(call, StoreCall::Load(_)));
    let Some(Io::Send(id, _)) = complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0))
    else {
        panic!("then mint")
    };
    // Other callers wait meanwhile.
    assert!(matches!(poll(&mut m, clock.at(secs(0))), Step::Wait(_)));
    let (id, call) = store_call(answer(&mut m, &clock, id, ok_token("tok-1"), secs(1)).unwrap());
    let StoreCall::Save(k, stored) = call else {
        panic!("then save")
    };
    assert_eq!(k, key);
    assert_eq!(stored.access_token().expose_secret(), "tok-1");
    let (id, call) =
        store_call(complete(&mut m, &clock, id, IoResult::Saved(Ok(())), secs(1)).unwrap());
    assert!(matches!(call, StoreCall::Release(l) if l == lock));
    assert!(complete(&mut m, &clock, id, IoResult::Released(Ok(())), secs(1)).is_none());
    assert_eq!(expect_use(&mut m, clock.at(secs(1))), "tok-1");
    assert!(events(&mut m)
        .iter()
        .all(|e| !matches!(e, Event::StoreFailed { .. } | Event::MintingAlone { .. })));
}

#[test]
fn fleet_held_elsewhere_waits_then_adopts_the_other_process_token() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    m.set_store(true);
    let (id, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let (id, _) =
        store_call(complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0)).unwrap());
    let held = MintClaim::HeldElsewhere {
        poll_every: secs(2),
        wait_at_most: secs(10),
    };
    assert!(complete(&mut m, &clock, id, IoResult::Claimed(Ok(held)), secs(0)).is_none());
    // Everyone waits until poll_every.
    for _ in 0..4 {
        assert_eq!(expect_wait(&mut m, clock.at(secs(1))), clock.at(secs(2)));
    }
    let (id, call) = store_call(start_round(&mut m, &clock, secs(2)));
    assert!(matches!(call, StoreCall::Load(_)));
    let stored = saved_elsewhere(&clock, "tok-theirs");
    let next = complete(
        &mut m,
        &clock,
        id,
        IoResult::Loaded(Ok(Some(stored))),
        secs(2),
    );
    assert!(next.is_none(), "adopted: nothing to send");
    let token = expect_ready(&mut m, clock.at(secs(2)));
    assert_eq!(secret(&token), "tok-theirs");
    assert_eq!(token.expires_at(), clock.at(secs(900)));
    assert!(has(&events(&mut m), |e| matches!(
        e,
        Event::Restored { .. }
    )));
}

#[test]
fn fleet_lock_holder_died_mint_alone_after_wait_at_most() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    m.set_store(true);
    let held = || {
        IoResult::Claimed(Ok(MintClaim::HeldElsewhere {
            poll_every: secs(2),
            wait_at_most: secs(6),
        }))
    };
    let (id, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let (mut id, _) =
        store_call(complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0)).unwrap());
    let mut now = secs(0);
    loop {
        match complete(&mut m, &clock, id, held(), now) {
            None => {
                now += secs(2);
                let (load, call) = store_call(start_round(&mut m, &clock, now));
                assert!(matches!(call, StoreCall::Load(_)));
                let (claim, call) = store_call(
                    complete(&mut m, &clock, load, IoResult::Loaded(Ok(None)), now).unwrap(),
                );
                assert!(matches!(call, StoreCall::Claim(_)));
                id = claim;
            }
            Some(Io::Send(..)) => break,
            Some(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(now, secs(6));
    assert!(has(&events(&mut m), |e| matches!(
        e,
        Event::MintingAlone {
            reason: AloneReason::WaitedTooLong { waited }
        } if *waited == secs(6)
    )));
}

#[test]
fn fleet_store_errors_mint_alone_and_say_so() {
    let clock = Clock::fixed();
    // The claim fails.
    let mut m = machine(exact_config());
    m.set_store(true);
    let (id, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let (id, _) =
        store_call(complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0)).unwrap());
    let Some(Io::Send(id, _)) = complete(
        &mut m,
        &clock,
        id,
        IoResult::Claimed(Err(store_error())),
        secs(0),
    ) else {
        panic!("mint alone")
    };
    let (id, _) = store_call(answer(&mut m, &clock, id, ok_token("tok-1"), secs(0)).unwrap());
    assert!(complete(
        &mut m,
        &clock,
        id,
        IoResult::Saved(Err(store_error())),
        secs(0)
    )
    .is_none());
    assert_eq!(expect_use(&mut m, clock.at(secs(0))), "tok-1");
    let seen = events(&mut m);
    assert!(has(&seen, |e| matches!(
        e,
        Event::StoreFailed {
            action: StoreAction::Claim,
            ..
        }
    )));
    assert!(has(&seen, |e| matches!(
        e,
        Event::MintingAlone {
            reason: AloneReason::StoreFailed
        }
    )));
    assert!(has(&seen, |e| matches!(
        e,
        Event::StoreFailed {
            action: StoreAction::Save,
            ..
        }
    )));

    // The load fails: the store is down, mint alone at once.
    let mut m = machine(exact_config());
    m.set_store(true);
    let (id, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let next = complete(
        &mut m,
        &clock,
        id,
        IoResult::Loaded(Err(store_error())),
        secs(0),
    );
    assert!(matches!(next, Some(Io::Send(..))), "{next:?}");
    let seen = events(&mut m);
    assert!(has(&seen, |e| matches!(
        e,
        Event::StoreFailed {
            action: StoreAction::Load,
            ..
        }
    )));
    assert!(has(&seen, |e| matches!(
        e,
        Event::MintingAlone {
            reason: AloneReason::StoreFailed
        }
    )));
}

// (d) Failures -----------------------------------------------------------------------------------

#[test]
fn a_503_while_the_old_token_is_valid_serves_the_old_token() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.retry.max_attempts = 1;
    let mut m = with_token(&clock, config);
    let id = expect_send(&mut m, clock.at(secs(780)));
    answer(&mut m, &clock, id, error_response(503), secs(780));
    for _ in 0..4 {
        assert_eq!(expect_use(&mut m, clock.at(secs(781))), "tok-1");
    }
    let seen = events(&mut m);
    assert!(has(&seen, |e| matches!(
        e,
        Event::RefreshFailed { serving_for, .. } if *serving_for == secs(120)
    )));
    assert!(!has(&seen, |e| matches!(e, Event::GaveUp { .. })));
}

#[test]
fn a_401_without_a_token_fails_every_waiter_of_the_round_as_rejected_credentials() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let waiters: Vec<Waiter> = (0..8).map(|_| m.waiter(clock.at(secs(0)))).collect();
    let mut send = None;
    for w in &waiters {
        if let Step::Io(Io::Send(id, _)) = m.poll(clock.at(secs(0)), w) {
            assert!(send.replace(id).is_none());
        }
    }
    answer(&mut m, &clock, send.unwrap(), error_response(401), secs(1));
    for w in &waiters {
        let error = expect_failed(&mut m, clock.at(secs(1)), w);
        assert!(
            matches!(
                &error,
                SourceError::Fetch(FetchError::CredentialsRejected { status, .. })
                    if *status == StatusCode::UNAUTHORIZED
            ),
            "{error:?}"
        );
    }
}

#[test]
fn retries_honour_retry_after_and_x_rate_limit_retry_on_the_server_clock() {
    // The local wall clock is 100 s ahead of the server's; the server's own `Date` measures
    // its waits.
    let clock = Clock::fixed();
    let server_now = UNIX_EPOCH + secs(T0 - 100);
    let date = ("date", httpdate::fmt_http_date(server_now));
    for (headers, wait) in [
        (vec![date.clone(), ("retry-after", "7".to_string())], 7),
        (
            vec![
                date.clone(),
                ("retry-after", "2".to_string()),
                ("x-rate-limit-retry", (T0 - 100 + 9).to_string()),
            ],
            9,
        ),
    ] {
        let mut m = machine(exact_config());
        let id = expect_send(&mut m, clock.at(secs(0)));
        answer(
            &mut m,
            &clock,
            id,
            error_response_with(429, &headers),
            secs(0),
        );
        let after = events(&mut m).into_iter().find_map(|e| match e {
            Event::RetryScheduled { after, .. } => Some(after),
            _ => None,
        });
        assert_eq!(after, Some(secs(wait)));
        assert_eq!(expect_wait(&mut m, clock.at(secs(1))), clock.at(secs(wait)));
        expect_send(&mut m, clock.at(secs(wait)));
    }
}

// (e) Cancellation --------------------------------------------------------------------------------

#[test]
fn an_abandoned_step_goes_to_the_next_caller() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let first = expect_send(&mut m, clock.at(secs(0)));
    assert!(matches!(poll(&mut m, clock.at(secs(0))), Step::Wait(_)));
    m.abandon(first);
    let second = expect_send(&mut m, clock.at(secs(0)));
    assert_ne!(first, second);
    // A late answer to the abandoned step is ignored.
    assert!(answer(&mut m, &clock, first, ok_token("late"), secs(1)).is_none());
    assert!(m.current().is_none());
    answer(&mut m, &clock, second, ok_token("tok-1"), secs(1));
    assert_eq!(expect_use(&mut m, clock.at(secs(1))), "tok-1");
}

#[test]
fn an_abandoned_send_under_the_fleet_lock_has_the_next_caller_release_it() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    m.set_store(true);
    let lock = lock(&m);
    let (id, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let (id, _) =
        store_call(complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0)).unwrap());
    let (id, _) = store_call(
        complete(
            &mut m,
            &clock,
            id,
            IoResult::Claimed(Ok(MintClaim::Acquired(lock.clone()))),
            secs(0),
        )
        .unwrap(),
    );
    let Some(Io::Send(send, _)) = complete(&mut m, &clock, id, IoResult::Loaded(Ok(None)), secs(0))
    else {
        panic!()
    };
    m.abandon(send);
    let (id, call) = store_call(start_round(&mut m, &clock, secs(1)));
    assert!(matches!(call, StoreCall::Release(l) if l == lock));
    assert!(complete(&mut m, &clock, id, IoResult::Released(Ok(())), secs(1)).is_none());
    // Then a new round.
    let (_, call) = store_call(start_round(&mut m, &clock, secs(1)));
    assert!(matches!(call, StoreCall::Load(_)));
}

#[test]
fn a_step_not_completed_within_fetch_timeout_goes_to_the_next_caller() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.fetch_timeout = secs(20);
    let mut m = machine(config);
    let first = expect_send(&mut m, clock.at(secs(0)));
    assert_eq!(expect_wait(&mut m, clock.at(secs(19))), clock.at(secs(20)));
    let second = expect_send(&mut m, clock.at(secs(20)));
    assert_ne!(first, second);
    assert!(has(&events(&mut m), |e| matches!(e, Event::StepTimedOut)));

    // A store step too.
    let mut config = exact_config();
    config.fetch_timeout = secs(20);
    let mut m = machine(config);
    m.set_store(true);
    let (load, _) = store_call(start_round(&mut m, &clock, secs(0)));
    let (again, call) = store_call(start_round(&mut m, &clock, secs(20)));
    assert_ne!(load, again);
    assert!(matches!(call, StoreCall::Load(_)));
    assert!(has(&events(&mut m), |e| matches!(e, Event::StepTimedOut)));
}

// (f) Time ------------------------------------------------------------------------------------------

#[test]
fn a_wall_clock_step_neither_stretches_nor_shortens_the_token() {
    let clock = Clock::fixed();
    let day = secs(86_400);
    for wall in [clock.wall0 + 10 * day, clock.wall0 - 10 * day, clock.wall0] {
        let mut m = machine(exact_config());
        let id = expect_send(&mut m, clock.at(secs(0)));
        m.complete(
            id,
            IoResult::Sent(Ok(ok_token("tok-1"))),
            clock.at(secs(3)),
            wall,
        );
        let token = expect_ready(&mut m, clock.at(secs(3)));
        assert_eq!(token.expires_at(), clock.at(secs(903)), "wall {wall:?}");
        assert_eq!(token.refresh_at(), clock.at(secs(783)));
        assert_eq!(expect_use(&mut m, clock.at(secs(782))), "tok-1");
    }
}

const EXACT_T0: u64 = 1_690_413_452; // 2023-07-26T23:17:32Z
const EXACT_EXPIRES: &str = "2023-07-26T23:32:32.000Z"; // 15 minutes later

fn order_created(date: SystemTime) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("date", httpdate::fmt_http_date(date))
        .body(
            format!(
                r#"{{"accessToken":{{"token":"Oyen7ydZcNHrxk4x","expiresAt":"{EXACT_EXPIRES}"}}}}"#
            )
            .into_bytes(),
        )
        .unwrap()
}

#[test]
fn an_exact_order_token_lives_expires_at_minus_date_and_is_never_refreshed_ahead() {
    let clock = Clock::fixed();
    let server_now = UNIX_EPOCH + secs(EXACT_T0);
    for wall in [
        server_now,
        server_now + secs(3600),
        server_now - secs(3600),
        UNIX_EPOCH + secs(T0),
    ] {
        let mut m: SourceMachine<CreateOrderAccessToken> =
            SourceMachine::new(order("ord_1"), SourceConfig::default());
        let id = expect_send(&mut m, clock.at(secs(0)));
        m.complete(
            id,
            IoResult::Sent(Ok(order_created(server_now))),
            clock.at(secs(1)),
            wall,
        );
        let token = expect_ready(&mut m, clock.at(secs(1)));
        assert_eq!(token.expires_at(), clock.at(secs(901)), "wall {wall:?}");
        assert_eq!(token.refresh_at(), token.expires_at());
        // Served to the end, replaced only once expired.
        assert_eq!(expect_use(&mut m, clock.at(secs(900))), "Oyen7ydZcNHrxk4x");
        expect_send(&mut m, clock.at(secs(901)));
    }
}

// (g) Invalidation --------------------------------------------------------------------------------

#[test]
fn invalidate_from_many_callers_invalidates_once_and_sends_once() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    let used: Vec<_> = (0..8)
        .map(|_| expect_ready(&mut m, clock.at(secs(5))))
        .collect();
    let invalidated: Vec<bool> = used.iter().map(|t| m.invalidate(t)).collect();
    assert_eq!(invalidated.iter().filter(|&&b| b).count(), 1);
    assert!(invalidated[0]);
    let mut sends = 0;
    for _ in 0..8 {
        match poll(&mut m, clock.at(secs(6))) {
            Step::Io(Io::Send(..)) => sends += 1,
            Step::Wait(_) => {}
            other => panic!("the invalidated token is never served: {other:?}"),
        }
    }
    assert_eq!(sends, 1);
}

#[test]
fn a_revoked_token_found_in_the_store_is_removed_not_adopted() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.budget = None;
    let mut m = with_token(&clock, config);
    m.set_store(true);
    let used = m.current().unwrap().clone();
    let stored = used.to_stored();
    assert!(m.invalidate(&used));
    let (id, _) = store_call(start_round(&mut m, &clock, secs(5)));
    let (id, call) = store_call(
        complete(
            &mut m,
            &clock,
            id,
            IoResult::Loaded(Ok(Some(stored))),
            secs(5),
        )
        .unwrap(),
    );
    assert!(matches!(call, StoreCall::Remove(k) if &k == m.store_key()));
    assert!(m.current().is_none(), "not adopted");
    let (id, call) =
        store_call(complete(&mut m, &clock, id, IoResult::Removed(Ok(())), secs(5)).unwrap());
    assert!(matches!(call, StoreCall::Claim(_)));
    let next = complete(
        &mut m,
        &clock,
        id,
        IoResult::Claimed(Ok(MintClaim::NotShared)),
        secs(5),
    );
    assert!(matches!(next, Some(Io::Send(..))));
    assert!(!has(&events(&mut m), |e| matches!(
        e,
        Event::Restored { .. }
    )));
}

// (h) The wait limit ----------------------------------------------------------------------------

#[test]
fn a_waiter_past_the_wait_limit_times_out() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.wait_limit = secs(10);
    config.fetch_timeout = secs(60);
    let mut m = machine(config);
    let _send = expect_send(&mut m, clock.at(secs(0)));
    let waiter = m.waiter(clock.at(secs(0)));
    assert!(
        matches!(m.poll(clock.at(secs(1)), &waiter), Step::Wait(at) if at == clock.at(secs(10)))
    );
    let error = expect_failed(&mut m, clock.at(secs(10)), &waiter);
    assert!(
        matches!(error, SourceError::TimedOut { waited } if waited == secs(10)),
        "{error:?}"
    );
    // A later call waits afresh.
    assert!(matches!(poll(&mut m, clock.at(secs(10))), Step::Wait(_)));
}
