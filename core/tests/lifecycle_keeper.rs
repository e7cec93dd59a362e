//! The keeper's state machine, with a manual clock: plain `SystemTime` values advanced by hand.

use http::StatusCode;
use keycard_core::lifecycle::{
    Action, Event, FetchError, FetchId, Keeper, KeeperConfig, Progress, Restored,
};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::SecretKey;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const T0: u64 = 1_738_944_186;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn mint() -> GenerateToken {
    let api = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new("sk-very-secret")).unwrap(),
    );
    api.generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}

fn keeper(config: KeeperConfig) -> Keeper<GenerateToken> {
    Keeper::new(mint(), config)
}

/// A config without jitter, so deadlines are exact.
fn exact_config() -> KeeperConfig {
    let mut config = KeeperConfig::default();
    config.refresh_jitter = Duration::ZERO;
    config.retry.jitter = 0.0;
    config
}

fn token_response(token: &str, expires_in: u64, expires_at: u64) -> http::Response<Vec<u8>> {
    let body = format!(
        r#"{{"access_token":"{token}","client_id":"c1","expires_at":{expires_at},"expires_in":{expires_in},"scope":"vouchers","token_type":"Bearer"}}"#
    );
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

fn error_response(status: u16) -> http::Response<Vec<u8>> {
    let body = format!(r#"{{"code":{status},"message":"nope"}}"#);
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

fn expect_fetch(keeper: &mut Keeper<GenerateToken>, now: SystemTime) -> FetchId {
    match keeper.poll(now) {
        Action::Fetch(fetch) => fetch.id,
        other => panic!("expected Fetch at {now:?}, got {other:?}"),
    }
}

fn expect_use(keeper: &mut Keeper<GenerateToken>, now: SystemTime) -> String {
    match keeper.poll(now) {
        Action::Use(token) => token.access_token().expose_secret().to_owned(),
        other => panic!("expected Use at {now:?}, got {other:?}"),
    }
}

fn expect_wait(keeper: &mut Keeper<GenerateToken>, now: SystemTime) -> SystemTime {
    match keeper.poll(now) {
        Action::Wait(until) => until,
        other => panic!("expected Wait at {now:?}, got {other:?}"),
    }
}

/// A keeper holding token `tok-1`, received at `t0`, valid 900 s.
fn with_token(config: KeeperConfig) -> Keeper<GenerateToken> {
    let mut k = keeper(config);
    let id = expect_fetch(&mut k, t0());
    let progress = k
        .on_response(id, token_response("tok-1", 900, T0 + 900), t0())
        .unwrap();
    assert_eq!(progress, Progress::Issued);
    k
}

#[test]
fn first_poll_fetches_and_the_token_is_then_reused() {
    let mut k = with_token(exact_config());
    for s in [0, 1, 60, 600, 779] {
        assert_eq!(expect_use(&mut k, t0() + secs(s)), "tok-1");
    }
}

#[test]
fn the_deadline_is_local_receive_time_plus_expires_in() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    // The server's clock says the token expires in an hour's past: the local clock still rules.
    let received = t0() + secs(2);
    k.on_response(id, token_response("tok-1", 900, T0 - 3600), received)
        .unwrap();
    let live = k.current().unwrap();
    assert_eq!(live.expires_at(), received + secs(900));
    assert_eq!(live.obtained_at(), received);
    assert_eq!(live.server_expires_at(), Some(UNIX_EPOCH + secs(T0 - 3600)));
    assert!(live.is_valid(received + secs(899)));
    assert!(!live.is_valid(received + secs(900)));
}

#[test]
fn refresh_starts_at_the_margin_before_expiry() {
    let mut config = exact_config();
    config.refresh_margin = secs(120);
    let mut k = with_token(config);
    assert_eq!(k.current().unwrap().refresh_at(), t0() + secs(780));
    assert_eq!(expect_use(&mut k, t0() + secs(779)), "tok-1");
    let id = expect_fetch(&mut k, t0() + secs(780));
    // While the refresh is in flight, the old token is still served.
    assert_eq!(expect_use(&mut k, t0() + secs(781)), "tok-1");
    k.on_response(
        id,
        token_response("tok-2", 900, T0 + 1682),
        t0() + secs(782),
    )
    .unwrap();
    assert_eq!(expect_use(&mut k, t0() + secs(783)), "tok-2");
}

#[test]
fn the_margin_is_at_most_half_the_lifetime() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    k.on_response(id, token_response("short", 100, T0 + 100), t0())
        .unwrap();
    assert_eq!(k.current().unwrap().refresh_at(), t0() + secs(50));
}

#[test]
fn the_default_margin_suits_900_second_tokens() {
    let config = KeeperConfig::default();
    let k = with_token(config.clone());
    let live = k.current().unwrap();
    let lead = live.expires_at().duration_since(live.refresh_at()).unwrap();
    assert!(lead >= config.refresh_margin);
    assert!(lead <= config.refresh_margin + config.refresh_jitter);
    // Room for a whole round of retries before expiry.
    let round: Duration = (1..config.retry.max_attempts)
        .map(|n| config.retry.backoff(n))
        .sum();
    assert!(lead > round);
}

fn refresh_lead(seed: u64, received: SystemTime) -> Duration {
    let mut config = KeeperConfig::default();
    config.seed = seed;
    let mut k = keeper(config);
    let id = expect_fetch(&mut k, received);
    k.on_response(id, token_response("tok", 900, T0 + 900), received)
        .unwrap();
    let live = k.current().unwrap();
    live.expires_at().duration_since(live.refresh_at()).unwrap()
}

#[test]
fn refresh_jitter_is_bounded_deterministic_and_seeded() {
    let config = KeeperConfig::default();
    let mut leads = Vec::new();
    for seed in 0..64 {
        let lead = refresh_lead(seed, t0());
        assert!(lead >= config.refresh_margin, "seed {seed}: {lead:?}");
        assert!(
            lead <= config.refresh_margin + config.refresh_jitter,
            "seed {seed}: {lead:?}"
        );
        assert_eq!(lead, refresh_lead(seed, t0()), "same seed, same lead");
        leads.push(lead);
    }
    leads.sort();
    leads.dedup();
    assert!(leads.len() > 60, "different seeds give different leads");
    // Same seed, different receive times (as in two processes of a fleet): they differ too.
    assert_ne!(
        refresh_lead(1, t0()),
        refresh_lead(1, t0() + Duration::from_nanos(1))
    );
}

#[test]
fn clock_skew_is_reported_beyond_the_tolerance() {
    let mut k = keeper(KeeperConfig::default());
    let id = expect_fetch(&mut k, t0());
    // Local clock 2 minutes ahead of the server: the server says expires_at = T0 + 780.
    k.on_response(id, token_response("tok", 900, T0 + 780), t0())
        .unwrap();
    let skew = k
        .drain_events()
        .find_map(|e| match e {
            Event::ClockSkew(skew) => Some(skew),
            _ => None,
        })
        .expect("a skew event");
    assert_eq!(skew.server_behind_by(), secs(120));
    assert_eq!(skew.server_ahead_by(), Duration::ZERO);
    // The deadline is still by the local clock.
    assert_eq!(k.current().unwrap().expires_at(), t0() + secs(900));

    // Within the tolerance: nothing reported.
    let mut k = keeper(KeeperConfig::default());
    let id = expect_fetch(&mut k, t0());
    k.on_response(id, token_response("tok", 900, T0 + 901), t0())
        .unwrap();
    assert!(!k.drain_events().any(|e| matches!(e, Event::ClockSkew(_))));
}

#[test]
fn a_fetch_in_flight_is_answered_consistently() {
    let mut config = exact_config();
    config.fetch_timeout = secs(30);
    let mut k = keeper(config);
    let id = expect_fetch(&mut k, t0());
    assert_eq!(k.fetch_in_flight(), Some(id));
    // No token yet: everyone else waits, until the fetch's timeout at the latest.
    assert_eq!(expect_wait(&mut k, t0() + secs(1)), t0() + secs(30));
    assert_eq!(expect_wait(&mut k, t0() + secs(29)), t0() + secs(30));
    k.on_response(id, token_response("tok-1", 900, T0 + 900), t0() + secs(2))
        .unwrap();
    assert_eq!(k.fetch_in_flight(), None);
    assert_eq!(expect_use(&mut k, t0() + secs(3)), "tok-1");
}

#[test]
fn an_unanswered_fetch_times_out_and_its_late_answer_is_stale() {
    let mut config = exact_config();
    config.fetch_timeout = secs(30);
    let mut k = keeper(config);
    let first = expect_fetch(&mut k, t0());
    let second = expect_fetch(&mut k, t0() + secs(30));
    assert_ne!(first, second);
    assert!(k
        .drain_events()
        .any(|e| e == Event::FetchTimedOut { id: first }));
    let late = k
        .on_response(first, token_response("old", 900, T0 + 900), t0() + secs(31))
        .unwrap();
    assert_eq!(late, Progress::Stale);
    assert!(k.current().is_none());
    k.on_response(
        second,
        token_response("new", 900, T0 + 932),
        t0() + secs(32),
    )
    .unwrap();
    assert_eq!(expect_use(&mut k, t0() + secs(33)), "new");
}

#[test]
fn an_abandoned_fetch_frees_the_single_flight_at_once() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    k.on_abandoned(id);
    assert_eq!(k.fetch_in_flight(), None);
    expect_fetch(&mut k, t0());
}

#[test]
fn a_failing_refresh_keeps_serving_the_valid_token() {
    let mut k = with_token(exact_config());
    let mut now = t0() + secs(780);
    let mut attempts = 0;
    let error = loop {
        let id = match k.poll(now) {
            Action::Fetch(f) => f.id,
            Action::Use(t) => {
                assert_eq!(t.access_token().expose_secret(), "tok-1");
                now += Duration::from_millis(100);
                continue;
            }
            Action::Wait(_) => panic!("a valid token must be served"),
        };
        attempts += 1;
        match k.on_response(id, error_response(503), now).unwrap() {
            Progress::WillRetry { .. } => assert_eq!(expect_use(&mut k, now), "tok-1"),
            Progress::ServingOld { until, error } => {
                assert_eq!(until, t0() + secs(900));
                break error;
            }
            other => panic!("{other:?}"),
        }
    };
    let max = KeeperConfig::default().retry.max_attempts;
    assert_eq!(attempts, max);
    assert!(matches!(error, FetchError::GaveUp { attempts, .. } if attempts == max));
    assert!(k
        .drain_events()
        .any(|e| matches!(e, Event::RefreshFailed { .. })));
    // After the round, the old token is still served, and a new round starts later.
    assert_eq!(expect_use(&mut k, now + secs(1)), "tok-1");
    expect_fetch(&mut k, now + secs(30));
}

#[test]
fn without_a_valid_token_the_error_reaches_the_caller() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    let error = k.on_response(id, error_response(401), t0()).unwrap_err();
    assert_eq!(
        error,
        FetchError::NotRetryable {
            status: StatusCode::UNAUTHORIZED,
            message: Some("nope".into())
        }
    );
    assert!(k.drain_events().any(|e| matches!(e, Event::GaveUp { .. })));
    // The next poll starts a new round.
    expect_fetch(&mut k, t0() + secs(1));
}

#[test]
fn a_token_expired_on_arrival_is_an_error() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    let error = k
        .on_response(id, token_response("dead", 0, T0), t0())
        .unwrap_err();
    assert_eq!(error, FetchError::ExpiredOnArrival);
}

#[test]
fn an_unreadable_success_is_not_retried() {
    let mut k = keeper(exact_config());
    let id = expect_fetch(&mut k, t0());
    let html = http::Response::builder()
        .status(200)
        .header("content-type", "text/html")
        .body(b"<html>proxy</html>".to_vec())
        .unwrap();
    let error = k.on_response(id, html, t0()).unwrap_err();
    assert!(matches!(error, FetchError::Unreadable { status, .. } if status == 200));
}

#[test]
fn an_expired_token_is_not_used() {
    let mut k = with_token(exact_config());
    // Past expiry with the refresh failing from the start: the keeper never serves it.
    k.invalidate();
    expect_fetch(&mut k, t0() + secs(10));
    let mut k = with_token(exact_config());
    let _ = k.poll(t0() + secs(860)); // refresh starts ...
    assert!(k.valid(t0() + secs(900)).is_none());
    // ... and is still in flight at expiry: now the others wait, at most until its timeout.
    assert_eq!(expect_wait(&mut k, t0() + secs(900)), t0() + secs(920));
}

#[test]
fn a_stored_token_is_restored_with_a_fresh_refresh_time() {
    let source = with_token(exact_config());
    let stored = source.current().unwrap().to_stored();

    let mut k = keeper(exact_config());
    assert_eq!(
        k.restore(&stored, t0() + secs(100)).unwrap(),
        Restored::Installed
    );
    assert_eq!(expect_use(&mut k, t0() + secs(100)), "tok-1");
    assert_eq!(k.current().unwrap().refresh_at(), t0() + secs(780));

    let mut k = keeper(exact_config());
    assert_eq!(
        k.restore(&stored, t0() + secs(900)).unwrap(),
        Restored::Expired
    );
    expect_fetch(&mut k, t0() + secs(900));

    let mut k = with_token(exact_config());
    assert_eq!(k.restore(&stored, t0()).unwrap(), Restored::KeptCurrent);
}

#[test]
fn events_never_hold_the_secret() {
    let mut k = with_token(KeeperConfig::default());
    let id = expect_fetch(&mut k, t0() + secs(800));
    let _ = k.on_response(id, error_response(503), t0() + secs(800));
    let debug = format!("{:?} {:?}", k.drain_events().collect::<Vec<_>>(), k);
    assert!(!debug.contains("tok-1"), "{debug}");
    assert!(!debug.contains("sk-very-secret"), "{debug}");
}
