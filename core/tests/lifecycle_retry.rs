//! The retry policy (pure) and how the keeper follows it, with a manual clock.

use http::StatusCode;
use keycard_core::lifecycle::{
    server_retry_at, Action, Decision, Failure, FetchError, Jitter, Keeper, KeeperConfig, Progress,
    RetryPolicy,
};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::SecretKey;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const T0: u64 = 1_738_944_186;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

fn status(code: u16) -> Failure {
    Failure::Status {
        status: StatusCode::from_u16(code).unwrap(),
        message: None,
    }
}

fn transport() -> Failure {
    Failure::Transport {
        message: "connection refused".into(),
    }
}

fn no_jitter() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.jitter = 0.0;
    policy
}

fn retry_at(decision: Decision) -> SystemTime {
    match decision {
        Decision::RetryAt(at) => at,
        Decision::Stop(e) => panic!("expected a retry, got {e:?}"),
    }
}

#[test]
fn retryable_statuses_and_transport_failures() {
    for code in [429, 500, 502, 503, 504] {
        assert!(RetryPolicy::is_retryable(&status(code)), "{code}");
    }
    assert!(RetryPolicy::is_retryable(&transport()));
    for code in [400, 401, 403, 404, 405, 409, 422, 501] {
        assert!(!RetryPolicy::is_retryable(&status(code)), "{code}");
    }
}

#[test]
fn never_retry_400_401_403_404() {
    let policy = RetryPolicy::default();
    for code in [400, 401, 403, 404] {
        let decision = policy.decide(1, status(code), t0(), None, &mut Jitter::new(0));
        assert_eq!(
            decision,
            Decision::Stop(FetchError::NotRetryable {
                status: StatusCode::from_u16(code).unwrap(),
                message: None
            })
        );
    }
}

#[test]
fn the_schedule_is_exponential_and_capped() {
    let mut policy = no_jitter();
    policy.initial_backoff = Duration::from_secs(1);
    policy.max_backoff = Duration::from_secs(10);
    policy.max_attempts = 10;
    let delays: Vec<u64> = (1..=6).map(|n| policy.backoff(n).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(10));
    for n in 1..=6 {
        let at = retry_at(policy.decide(n, status(503), t0(), None, &mut Jitter::new(0)));
        assert_eq!(at, t0() + policy.backoff(n));
    }
}

#[test]
fn jitter_takes_at_most_its_fraction_off() {
    let policy = RetryPolicy::default(); // jitter 0.5
    let mut jitter = Jitter::new(42);
    let mut seen = std::collections::BTreeSet::new();
    for n in 1..=5 {
        for _ in 0..200 {
            let delay = policy.jittered_backoff(n, &mut jitter);
            let full = policy.backoff(n);
            assert!(delay <= full, "{delay:?} > {full:?}");
            assert!(delay >= full / 2, "{delay:?} < half of {full:?}");
            seen.insert(delay);
        }
    }
    assert!(seen.len() > 900, "jitter varies the delays");
}

#[test]
fn jitter_is_deterministic_per_seed_and_seeds_differ() {
    let draw = |seed| {
        let mut j = Jitter::new(seed);
        (0..16).map(|_| j.next_u64()).collect::<Vec<_>>()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
    let mut j = Jitter::new(1);
    for _ in 0..1000 {
        let f = j.fraction();
        assert!((0.0..1.0).contains(&f));
        assert!(j.up_to(Duration::from_secs(3)) <= Duration::from_secs(3));
    }
    assert_eq!(j.up_to(Duration::ZERO), Duration::ZERO);
}

#[test]
fn attempts_are_bounded_and_the_last_failure_is_kept() {
    let policy = RetryPolicy::default();
    let max = policy.max_attempts;
    retry_at(policy.decide(max - 1, transport(), t0(), None, &mut Jitter::new(0)));
    assert_eq!(
        policy.decide(max, transport(), t0(), None, &mut Jitter::new(0)),
        Decision::Stop(FetchError::GaveUp {
            attempts: max,
            last: transport()
        })
    );
}

#[test]
fn retry_after_in_seconds_is_honoured() {
    let response = http::Response::builder()
        .status(429)
        .header("retry-after", "7")
        .body(Vec::<u8>::new())
        .unwrap();
    let server = server_retry_at(response.headers(), t0());
    assert_eq!(server, Some(t0() + Duration::from_secs(7)));
    let at = retry_at(no_jitter().decide(1, status(429), t0(), server, &mut Jitter::new(0)));
    assert_eq!(at, t0() + Duration::from_secs(7));
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let when = t0() + Duration::from_secs(20);
    let response = http::Response::builder()
        .status(503)
        .header("retry-after", httpdate::fmt_http_date(when))
        .body(Vec::<u8>::new())
        .unwrap();
    assert_eq!(server_retry_at(response.headers(), t0()), Some(when));
}

#[test]
fn x_rate_limit_retry_is_honoured() {
    let response = http::Response::builder()
        .status(429)
        .header("x-rate-limit-retry", (T0 + 12).to_string())
        .header("retry-after", "3")
        .body(Vec::<u8>::new())
        .unwrap();
    // The later of the two.
    assert_eq!(
        server_retry_at(response.headers(), t0()),
        Some(t0() + Duration::from_secs(12))
    );
}

#[test]
fn our_backoff_wins_when_it_is_later_than_the_server_asks() {
    let mut policy = no_jitter();
    policy.initial_backoff = Duration::from_secs(5);
    let server = Some(t0() + Duration::from_secs(1));
    let at = retry_at(policy.decide(1, status(503), t0(), server, &mut Jitter::new(0)));
    assert_eq!(at, t0() + Duration::from_secs(5));
}

#[test]
fn a_wait_longer_than_max_wait_ends_the_fetch() {
    let policy = RetryPolicy::default();
    let server = t0() + policy.max_wait + Duration::from_secs(1);
    assert_eq!(
        policy.decide(1, status(429), t0(), Some(server), &mut Jitter::new(0)),
        Decision::Stop(FetchError::RetryTooFar {
            retry_at: server,
            last: status(429)
        })
    );
}

fn mint() -> GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new("sk")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

fn fetch(keeper: &mut Keeper<GenerateToken>, now: SystemTime) -> keycard_core::lifecycle::FetchId {
    match keeper.poll(now) {
        Action::Fetch(f) => f.id,
        other => panic!("expected Fetch, got {other:?}"),
    }
}

#[test]
fn the_keeper_waits_as_the_server_asks_then_gives_up_with_the_reason() {
    let mut config = KeeperConfig::default();
    config.retry.jitter = 0.0;
    let mut k = Keeper::new(mint(), config);
    let mut now = t0();
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
    for attempt in 1..=3 {
        let id = fetch(&mut k, now);
        let Progress::WillRetry { at, failure } = k.on_response(id, rate_limited(), now).unwrap()
        else {
            panic!("attempt {attempt} should be retried")
        };
        assert_eq!(at, now + Duration::from_secs(3));
        assert_eq!(failure.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        match k.poll(now + Duration::from_secs(1)) {
            Action::Wait(until) => assert_eq!(until, at),
            other => panic!("{other:?}"),
        }
        now = at;
    }
    let id = fetch(&mut k, now);
    let error = k.on_response(id, rate_limited(), now).unwrap_err();
    let FetchError::GaveUp { attempts, last } = &error else {
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
    assert!(
        error.to_string().contains("gave up after 4 attempts"),
        "{error}"
    );
    // Even after giving up, the server's wait is honoured by the next round.
    match k.poll(now + Duration::from_secs(1)) {
        Action::Wait(until) => assert_eq!(until, now + Duration::from_secs(3)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transport_failures_are_retried_by_the_keeper() {
    let mut config = KeeperConfig::default();
    config.retry.jitter = 0.0;
    let mut k = Keeper::new(mint(), config);
    let id = fetch(&mut k, t0());
    let progress = k.on_transport_error(id, t0(), "timed out").unwrap();
    assert_eq!(
        progress,
        Progress::WillRetry {
            at: t0() + Duration::from_millis(500),
            failure: Failure::Transport {
                message: "timed out".into()
            }
        }
    );
    fetch(&mut k, t0() + Duration::from_millis(500));
}

#[test]
fn not_retryable_responses_end_the_fetch_at_once() {
    for code in [400, 401, 403, 404] {
        let mut k = Keeper::new(mint(), KeeperConfig::default());
        let id = fetch(&mut k, t0());
        let response = http::Response::builder()
            .status(code)
            .header("content-type", "application/json")
            .body(format!(r#"{{"code":{code},"message":"no"}}"#).into_bytes())
            .unwrap();
        let error = k.on_response(id, response, t0()).unwrap_err();
        assert!(
            matches!(error, FetchError::NotRetryable { status, .. } if status == code),
            "{code}: {error:?}"
        );
    }
}
