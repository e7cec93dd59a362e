//! A token's deadlines, refresh and retries in the source machine, with explicit time: one base
//! instant and durations after it.

mod lifecycle_common;

use http::StatusCode;
use keycard_core::lifecycle::{
    Event, FetchError, Io, IoResult, SourceConfig, SourceError, SourceMachine, Step, StoreCall,
};
use keycard_core::voucherify::GenerateToken;
use lifecycle_common::*;
use std::time::{Duration, UNIX_EPOCH};

fn machine(config: SourceConfig) -> SourceMachine<GenerateToken> {
    SourceMachine::new(generate(), config)
}

#[test]
fn first_poll_fetches_and_the_token_is_then_reused() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    for s in [0, 1, 60, 600, 779] {
        assert_eq!(expect_use(&mut m, clock.at(secs(s))), "tok-1");
    }
}

#[test]
fn the_deadline_is_the_arrival_plus_expires_in() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    // The server's clock says the token expired an hour ago: its lifetime still rules.
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-1", 900, T0 - 3600),
        secs(2),
    );
    let received = clock.at(secs(2));
    let live = m.current().unwrap();
    assert_eq!(live.expires_at(), received + secs(900));
    assert_eq!(live.obtained_at(), received);
    assert_eq!(live.server_expires_at(), Some(UNIX_EPOCH + secs(T0 - 3600)));
    assert!(live.is_valid(received + secs(899)));
    assert!(!live.is_valid(received + secs(900)));
}

#[test]
fn refresh_starts_at_the_margin_before_expiry() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.refresh_margin = secs(120);
    let mut m = with_token(&clock, config);
    assert_eq!(m.current().unwrap().refresh_at(), clock.at(secs(780)));
    assert_eq!(expect_use(&mut m, clock.at(secs(779))), "tok-1");
    let id = expect_send(&mut m, clock.at(secs(780)));
    // While the refresh is in flight, the old token is still served.
    assert_eq!(expect_use(&mut m, clock.at(secs(781))), "tok-1");
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-2", 900, T0 + 1682),
        secs(782),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(783))), "tok-2");
}

#[test]
fn the_margin_is_at_most_half_the_lifetime() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(
        &mut m,
        &clock,
        id,
        token_response("short", 100, T0 + 100),
        secs(0),
    );
    assert_eq!(m.current().unwrap().refresh_at(), clock.at(secs(50)));
}

#[test]
fn the_default_margin_suits_900_second_tokens() {
    let clock = Clock::fixed();
    let config = SourceConfig::default();
    let m = with_token(&clock, config.clone());
    let live = m.current().unwrap();
    let lead = live.expires_at().duration_since(live.refresh_at());
    assert!(lead >= config.refresh_margin);
    assert!(lead <= config.refresh_margin + config.refresh_jitter);
    // Room for a whole round of retries before expiry.
    let round: Duration = (1..config.retry.max_attempts)
        .map(|n| config.retry.backoff(n))
        .sum();
    assert!(lead > round);
}

fn refresh_lead(seed: u64, clock: &Clock, received: Duration) -> Duration {
    let mut config = SourceConfig::default();
    config.seed = seed;
    let mut m = machine(config);
    let id = expect_send(&mut m, clock.at(received));
    answer(
        &mut m,
        clock,
        id,
        token_response("tok", 900, T0 + 900),
        received,
    );
    let live = m.current().unwrap();
    live.expires_at().duration_since(live.refresh_at())
}

#[test]
fn refresh_jitter_is_bounded_deterministic_and_seeded() {
    let clock = Clock::fixed();
    let config = SourceConfig::default();
    let mut leads = Vec::new();
    for seed in 0..64 {
        let lead = refresh_lead(seed, &clock, secs(0));
        assert!(lead >= config.refresh_margin, "seed {seed}: {lead:?}");
        assert!(
            lead <= config.refresh_margin + config.refresh_jitter,
            "seed {seed}: {lead:?}"
        );
        assert_eq!(
            lead,
            refresh_lead(seed, &clock, secs(0)),
            "same seed, same lead"
        );
        leads.push(lead);
    }
    leads.sort();
    leads.dedup();
    assert!(leads.len() > 60, "different seeds give different leads");
    // Same seed, different receive times (as in two processes of a fleet): they differ too.
    assert_ne!(
        refresh_lead(1, &clock, secs(0)),
        refresh_lead(1, &clock, Duration::from_nanos(1))
    );
}

#[test]
fn clock_skew_is_reported_beyond_the_tolerance() {
    let clock = Clock::fixed();
    let mut m = machine(SourceConfig::default());
    let id = expect_send(&mut m, clock.at(secs(0)));
    // Local clock 2 minutes ahead of the server: the server says expires_at = T0 + 780.
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok", 900, T0 + 780),
        secs(0),
    );
    let skew = events(&mut m)
        .into_iter()
        .find_map(|e| match e {
            Event::ClockSkew(skew) => Some(skew),
            _ => None,
        })
        .expect("a skew event");
    assert_eq!(skew.server_behind_by(), secs(120));
    assert_eq!(skew.server_ahead_by(), Duration::ZERO);
    // The deadline is still the server's lifetime from the arrival.
    assert_eq!(m.current().unwrap().expires_at(), clock.at(secs(900)));

    // Within the tolerance: nothing reported.
    let mut m = machine(SourceConfig::default());
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok", 900, T0 + 901),
        secs(0),
    );
    assert!(!events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::ClockSkew(_))));
}

#[test]
fn a_fetch_in_flight_is_answered_consistently() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.fetch_timeout = secs(30);
    let mut m = machine(config);
    let id = expect_send(&mut m, clock.at(secs(0)));
    // No token yet: everyone else waits, until the step's timeout at the latest.
    assert_eq!(expect_wait(&mut m, clock.at(secs(1))), clock.at(secs(30)));
    assert_eq!(expect_wait(&mut m, clock.at(secs(29))), clock.at(secs(30)));
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-1", 900, T0 + 900),
        secs(2),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(3))), "tok-1");
}

#[test]
fn an_unanswered_fetch_times_out_and_its_late_answer_is_ignored() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.fetch_timeout = secs(30);
    let mut m = machine(config);
    let first = expect_send(&mut m, clock.at(secs(0)));
    let second = expect_send(&mut m, clock.at(secs(30)));
    assert_ne!(first, second);
    assert!(events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::StepTimedOut)));
    let late = answer(
        &mut m,
        &clock,
        first,
        token_response("old", 900, T0 + 900),
        secs(31),
    );
    assert!(late.is_none());
    assert!(m.current().is_none());
    answer(
        &mut m,
        &clock,
        second,
        token_response("new", 900, T0 + 932),
        secs(32),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(33))), "new");
}

#[test]
fn an_abandoned_fetch_frees_the_single_flight_at_once() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    m.abandon(id);
    let again = expect_send(&mut m, clock.at(secs(0)));
    assert_ne!(id, again);
}

#[test]
fn a_failing_refresh_keeps_serving_the_valid_token() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    let mut now = secs(780);
    let mut attempts = 0;
    let error = loop {
        let id = match poll(&mut m, clock.at(now)) {
            Step::Io(Io::Send(id, _)) => id,
            Step::Ready(t) => {
                assert_eq!(secret(&t), "tok-1");
                now += millis(100);
                continue;
            }
            other => panic!("a valid token must be served: {other:?}"),
        };
        attempts += 1;
        assert!(answer(&mut m, &clock, id, error_response(503), now).is_none());
        assert_eq!(expect_use(&mut m, clock.at(now)), "tok-1");
        let failed = events(&mut m).into_iter().find_map(|e| match e {
            Event::RefreshFailed {
                error, serving_for, ..
            } => Some((error, serving_for)),
            _ => None,
        });
        if let Some((error, serving_for)) = failed {
            assert_eq!(clock.at(now) + serving_for, clock.at(secs(900)));
            break error;
        }
    };
    let max = SourceConfig::default().retry.max_attempts;
    assert_eq!(attempts, max);
    assert!(matches!(error, FetchError::GaveUp { attempts, .. } if attempts == max));
    // After the round, the old token is still served, and a new round starts later.
    assert_eq!(expect_use(&mut m, clock.at(now + secs(1))), "tok-1");
    expect_send(&mut m, clock.at(now + secs(30)));
}

#[test]
fn without_a_valid_token_the_error_reaches_the_caller() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let waiter = m.waiter(clock.at(secs(0)));
    let Step::Io(Io::Send(id, _)) = m.poll(clock.at(secs(0)), &waiter) else {
        panic!()
    };
    answer(&mut m, &clock, id, error_response(403), secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert_eq!(
        error.fetch_error(),
        Some(&FetchError::NotRetryable {
            status: StatusCode::FORBIDDEN,
            message: Some("nope".into())
        })
    );
    assert!(events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::GaveUp { .. })));
    // A new call starts a new round.
    expect_send(&mut m, clock.at(secs(1)));
}

fn first_error(response: http::Response<Vec<u8>>) -> SourceError {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let waiter = m.waiter(clock.at(secs(0)));
    let Step::Io(Io::Send(id, _)) = m.poll(clock.at(secs(0)), &waiter) else {
        panic!()
    };
    answer(&mut m, &clock, id, response, secs(0));
    expect_failed(&mut m, clock.at(secs(0)), &waiter)
}

#[test]
fn a_token_expired_on_arrival_is_an_error() {
    let error = first_error(token_response("dead", 0, T0));
    assert_eq!(error.fetch_error(), Some(&FetchError::ExpiredOnArrival));
}

#[test]
fn an_unreadable_success_is_not_retried() {
    let html = http::Response::builder()
        .status(200)
        .header("content-type", "text/html")
        .body(b"<html>proxy</html>".to_vec())
        .unwrap();
    let error = first_error(html);
    assert!(
        matches!(error.fetch_error(), Some(FetchError::Unreadable { status, .. }) if *status == 200)
    );
}

#[test]
fn an_expired_token_is_not_used() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    // An invalidated token is never served: the next poll fetches.
    let current = m.current().unwrap().clone();
    assert!(m.invalidate(&current));
    expect_send(&mut m, clock.at(secs(10)));

    let mut m = with_token(&clock, exact_config());
    let _ = poll(&mut m, clock.at(secs(860))); // the refresh starts ...
                                               // ... and is still out at expiry: now the others wait, at most until the step's timeout.
    assert_eq!(
        expect_wait(&mut m, clock.at(secs(900))),
        clock.at(secs(920))
    );
}

/// Starts a round with a store at `now` and answers its Load with `stored`; the next step.
fn load(
    m: &mut SourceMachine<GenerateToken>,
    clock: &Clock,
    now: Duration,
    stored: keycard_core::lifecycle::StoredToken,
) -> Step<keycard_core::voucherify::Scopes> {
    m.set_store(true);
    let Step::Io(io) = poll(m, clock.at(now)) else {
        panic!("expected a step")
    };
    let (id, StoreCall::Load(_)) = store_call(io) else {
        panic!("expected a Load")
    };
    match m.complete(
        id,
        IoResult::Loaded(Ok(Some(stored))),
        clock.at(now),
        clock.wall(now),
    ) {
        Some(io) => Step::Io(io),
        None => poll(m, clock.at(now)),
    }
}

#[test]
fn a_stored_token_is_restored_with_a_fresh_refresh_time() {
    let clock = Clock::fixed();
    let source = with_token(&clock, exact_config());
    let stored = source.current().unwrap().to_stored();

    let mut m = machine(exact_config());
    let Step::Ready(token) = load(&mut m, &clock, secs(100), stored.clone()) else {
        panic!("the stored token is taken back")
    };
    assert_eq!(secret(&token), "tok-1");
    assert_eq!(token.refresh_at(), clock.at(secs(780)));
    assert_eq!(token.expires_at(), clock.at(secs(900)));
    assert!(events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::Restored { remaining } if *remaining == secs(800))));

    // Expired: not taken back; the machine goes on to mint (claiming the fleet's lock first).
    let mut m = machine(exact_config());
    let Step::Io(io) = load(&mut m, &clock, secs(900), stored.clone()) else {
        panic!()
    };
    assert!(matches!(store_call(io).1, StoreCall::Claim(_)));
    assert!(m.current().is_none());

    // No better than the current one: kept the current one.
    let mut m = with_token(&clock, exact_config());
    let current = m.current().unwrap().clone();
    let Step::Io(io) = load(&mut m, &clock, secs(780), stored) else {
        panic!()
    };
    assert!(matches!(store_call(io).1, StoreCall::Claim(_)));
    assert!(std::sync::Arc::ptr_eq(m.current().unwrap(), &current));
}

#[test]
fn events_never_hold_the_secret() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, SourceConfig::default());
    let id = expect_send(&mut m, clock.at(secs(800)));
    let _ = answer(&mut m, &clock, id, error_response(503), secs(800));
    let debug = format!("{:?} {:?}", events(&mut m), m);
    assert!(!debug.contains("tok-1"), "{debug}");
    assert!(!debug.contains("sk-very-secret"), "{debug}");
}
