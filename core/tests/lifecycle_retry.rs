//! The retry policy as the source machine follows it, with explicit time: which failures are
//! retried, the schedule (seen in `Event::RetryScheduled` and `Step::Wait`), and the server's
//! `Retry-After` and `X-Rate-Limit-Retry`.

mod lifecycle_common;

use http::{HeaderMap, StatusCode};
use keycard_core::lifecycle::{
    Event, Failure, FetchError, IoResult, RetryPolicy, SourceConfig, SourceMachine, Step,
    TokenEndpoint,
};
use keycard_core::voucherify::{GenerateToken, RateLimit};
use keycard_core::{TransportError, TransportErrorKind};
use lifecycle_common::*;
use std::time::{Duration, UNIX_EPOCH};

fn status(code: u16) -> Failure {
    Failure::Status {
        status: StatusCode::from_u16(code).unwrap(),
        message: None,
    }
}

fn transport() -> Failure {
    Failure::Transport(TransportError::without_url(
        TransportErrorKind::Connect,
        "connection refused",
    ))
}

fn machine(config: SourceConfig) -> SourceMachine<GenerateToken> {
    SourceMachine::new(generate(), config)
}

/// The `after` of the last `RetryScheduled` event.
fn scheduled(m: &mut SourceMachine<GenerateToken>) -> Option<(u32, Duration, Failure)> {
    events(m).into_iter().rev().find_map(|e| match e {
        Event::RetryScheduled {
            attempt,
            after,
            failure,
        } => Some((attempt, after, failure)),
        _ => None,
    })
}

fn headers(pairs: &[(&str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    map
}

#[test]
fn retryable_statuses_and_transport_failures() {
    let endpoint = generate();
    for code in [429, 500, 502, 503, 504] {
        assert!(endpoint.is_retryable(&status(code)), "{code}");
    }
    assert!(endpoint.is_retryable(&transport()));
    for code in [400, 401, 403, 404, 405, 409, 422, 501] {
        assert!(!endpoint.is_retryable(&status(code)), "{code}");
    }
    assert!(!endpoint.is_retryable(&Failure::ExpiredOnArrival));
}

#[test]
fn not_retryable_responses_end_the_fetch_at_once() {
    // (401 is final too, as rejected credentials: see `lifecycle_rejection.rs`.)
    for code in [400, 403, 404] {
        let clock = Clock::fixed();
        let mut m = machine(SourceConfig::default());
        let waiter = m.waiter(clock.at(secs(0)));
        let id = expect_send(&mut m, clock.at(secs(0)));
        answer(&mut m, &clock, id, error_response(code), secs(0));
        let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
        assert!(
            matches!(error.fetch_error(), Some(FetchError::NotRetryable { status, .. }) if *status == code),
            "{code}: {error:?}"
        );
        assert!(scheduled(&mut m).is_none());
    }
}

/// Fails `n` attempts in a row with `response()`, each as soon as allowed; the delays scheduled.
fn schedule(
    config: SourceConfig,
    n: u32,
    response: impl Fn() -> http::Response<Vec<u8>>,
) -> Vec<Duration> {
    let clock = Clock::fixed();
    let mut m = machine(config);
    let mut now = secs(0);
    let mut delays = Vec::new();
    for attempt in 1..=n {
        let id = expect_send(&mut m, clock.at(now));
        answer(&mut m, &clock, id, response(), now);
        let (seen, after, _) = scheduled(&mut m).expect("a retry is scheduled");
        assert_eq!(seen, attempt);
        // Callers wait exactly until then.
        assert_eq!(expect_wait(&mut m, clock.at(now)), clock.at(now + after));
        delays.push(after);
        now += after;
    }
    delays
}

#[test]
fn the_schedule_is_exponential_and_capped() {
    let mut config = exact_config();
    config.retry.initial_backoff = secs(1);
    config.retry.max_backoff = secs(10);
    config.retry.max_attempts = 10;
    config.wait_limit = secs(60);
    let policy = config.retry.clone();
    let delays: Vec<u64> = (1..=6).map(|n| policy.backoff(n).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    assert_eq!(policy.backoff(u32::MAX), secs(10));
    let seen = schedule(config, 6, || error_response(503));
    let expected: Vec<Duration> = (1..=6).map(|n| policy.backoff(n)).collect();
    assert_eq!(seen, expected);
}

#[test]
fn jitter_takes_at_most_its_fraction_off_and_follows_the_seed() {
    let mut seen = std::collections::BTreeSet::new();
    let policy = RetryPolicy::default(); // jitter 0.5
    for seed in 1..=50 {
        let mut config = SourceConfig::default();
        config.seed = seed;
        let delays = schedule(config.clone(), 3, || error_response(503));
        for (n, delay) in (1..).zip(&delays) {
            let full = policy.backoff(n);
            assert!(*delay <= full, "{delay:?} > {full:?}");
            assert!(*delay >= full / 2, "{delay:?} < half of {full:?}");
            seen.insert(*delay);
        }
        assert_eq!(delays, schedule(config, 3, || error_response(503)));
    }
    assert!(seen.len() > 100, "jitter varies the delays");
}

#[test]
fn attempts_are_bounded_and_the_last_failure_is_kept() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let max = RetryPolicy::default().max_attempts;
    let mut now = secs(0);
    let waiter = m.waiter(clock.at(now));
    for _ in 1..max {
        let id = expect_send(&mut m, clock.at(now));
        let error = TransportError::without_url(TransportErrorKind::Connect, "connection refused");
        m.complete(
            id,
            IoResult::Sent(Err(error)),
            clock.at(now),
            clock.wall(now),
        );
        now += scheduled(&mut m).unwrap().1;
    }
    let Step::Io(io) = m.poll(clock.at(now), &waiter) else {
        panic!()
    };
    let error = TransportError::without_url(TransportErrorKind::Connect, "connection refused");
    m.complete(
        io.id(),
        IoResult::Sent(Err(error)),
        clock.at(now),
        clock.wall(now),
    );
    let error = expect_failed(&mut m, clock.at(now), &waiter);
    assert_eq!(
        error.fetch_error(),
        Some(&FetchError::GaveUp {
            attempts: max,
            last: transport()
        })
    );
}

#[test]
fn retry_after_in_seconds_is_honoured() {
    let delays = schedule(exact_config(), 1, || {
        error_response_with(429, &[("retry-after", "7".into())])
    });
    assert_eq!(delays, [secs(7)]);
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let when = UNIX_EPOCH + secs(T0 + 20);
    let delays = schedule(exact_config(), 1, || {
        error_response_with(429, &[("retry-after", httpdate::fmt_http_date(when))])
    });
    assert_eq!(delays, [secs(20)]);
    let at = generate().retry_not_before(
        &headers(&[("retry-after", httpdate::fmt_http_date(when))]),
        UNIX_EPOCH + secs(T0),
    );
    assert_eq!(at, Some(when));
}

#[test]
fn x_rate_limit_retry_is_honoured() {
    let pairs = [
        ("x-rate-limit-retry", (T0 + 12).to_string()),
        ("retry-after", "3".to_string()),
    ];
    // The later of the two.
    let received = UNIX_EPOCH + secs(T0);
    let expected = Some(received + secs(12));
    assert_eq!(
        RateLimit::from_headers(&headers(&pairs)).retry_not_before(received),
        expected
    );
    assert_eq!(
        generate().retry_not_before(&headers(&pairs), received),
        expected
    );
    let delays = schedule(exact_config(), 1, || error_response_with(429, &pairs));
    assert_eq!(delays, [secs(12)]);
}

#[test]
fn our_backoff_wins_when_it_is_later_than_the_server_asks() {
    let mut config = exact_config();
    config.retry.initial_backoff = secs(5);
    let delays = schedule(config, 1, || {
        error_response_with(503, &[("retry-after", "1".into())])
    });
    assert_eq!(delays, [secs(5)]);
}

#[test]
fn a_wait_longer_than_max_wait_ends_the_fetch() {
    let clock = Clock::fixed();
    let config = SourceConfig::default();
    let wait = config.retry.max_wait + secs(1);
    let mut m = machine(config);
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    let response = error_response_with(429, &[("retry-after", wait.as_secs().to_string())]);
    answer(&mut m, &clock, id, response, secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert_eq!(
        error.fetch_error(),
        Some(&FetchError::RetryTooFar {
            wait,
            last: Failure::Status {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: Some("nope".into())
            }
        })
    );
    // Before the server's time, a new call does not send: it is told the same.
    let later = m.waiter(clock.at(secs(1)));
    assert!(matches!(
        m.poll(clock.at(secs(1)), &later),
        Step::Failed(_) | Step::Wait(_)
    ));
}

#[test]
fn the_machine_waits_as_the_server_asks_then_gives_up_with_the_reason() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let mut now = secs(0);
    let rate_limited = || {
        http::Response::builder()
            .status(429)
            .header("content-type", "application/json")
            .header("retry-after", "3")
            .body(
                br#"{"code":429,"message":"Too many requests hit the API too quickly."}"#.to_vec(),
            )
            .unwrap()
    };
    let waiter = m.waiter(clock.at(now));
    for attempt in 1..=3 {
        let id = expect_send(&mut m, clock.at(now));
        answer(&mut m, &clock, id, rate_limited(), now);
        let (seen, after, failure) = scheduled(&mut m).expect("retried");
        assert_eq!(seen, attempt);
        assert_eq!(after, secs(3));
        assert_eq!(failure.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        match m.poll(clock.at(now + secs(1)), &waiter) {
            Step::Wait(until) => assert_eq!(until, clock.at(now + secs(3))),
            other => panic!("{other:?}"),
        }
        now += after;
    }
    let id = expect_send(&mut m, clock.at(now));
    answer(&mut m, &clock, id, rate_limited(), now);
    let error = expect_failed(&mut m, clock.at(now), &waiter);
    let Some(FetchError::GaveUp { attempts, last }) = error.fetch_error() else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 4);
    assert_eq!(
        last,
        &Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: Some("Too many requests hit the API too quickly.".into())
        }
    );
    let text = error.fetch_error().unwrap().to_string();
    assert!(text.contains("gave up after 4 attempts"), "{text}");
    // Even after giving up, the server's wait is honoured by the next round.
    assert_eq!(
        expect_wait(&mut m, clock.at(now + secs(1))),
        clock.at(now + secs(3))
    );
    expect_send(&mut m, clock.at(now + secs(3)));
}

#[test]
fn transport_failures_are_retried() {
    let clock = Clock::fixed();
    let mut m = machine(exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    let error = TransportError::without_url(TransportErrorKind::Connect, "connection refused");
    m.complete(
        id,
        IoResult::Sent(Err(error)),
        clock.at(secs(0)),
        clock.wall(secs(0)),
    );
    let (attempt, after, failure) = scheduled(&mut m).unwrap();
    assert_eq!((attempt, after), (1, millis(500)));
    assert_eq!(failure, transport());
    assert_eq!(
        expect_wait(&mut m, clock.at(secs(0))),
        clock.at(millis(500))
    );
    expect_send(&mut m, clock.at(millis(500)));
}
