//! Helpers shared by the lifecycle tests: one base instant, explicit durations after it, token
//! responses, and the machine's steps unwrapped.
#![allow(dead_code)]

use keycard_core::exact::{self, CreateOrderAccessToken, Environment};
use keycard_core::lifecycle::{
    Event, Io, IoResult, LiveToken, SourceConfig, SourceError, SourceMachine, Step, StepId,
    StoreCall, TokenEndpoint,
};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::{ApiKey, SecretKey};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The wall time (Unix seconds) every Voucherify test starts at.
pub const T0: u64 = 1_738_944_186;

/// The one reading of the monotonic clock a test takes; every other time is this plus an
/// explicit duration.
#[allow(clippy::disallowed_methods)]
pub fn base() -> Instant {
    Instant::now()
}

/// A test's two clocks: the monotonic base and the wall time at that base.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub start: Instant,
    pub wall0: SystemTime,
}

impl Clock {
    pub fn fixed() -> Self {
        Self::at_wall(UNIX_EPOCH + secs(T0))
    }

    pub fn at_wall(wall0: SystemTime) -> Self {
        Self {
            start: base(),
            wall0,
        }
    }

    /// `d` after the start, on the monotonic clock.
    pub fn at(&self, d: Duration) -> Instant {
        self.start + d
    }

    /// `d` after the start, on the wall clock.
    pub fn wall(&self, d: Duration) -> SystemTime {
        self.wall0 + d
    }
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn generate_with(secret: &str, scopes: &[Scope]) -> GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new(secret)).unwrap(),
    )
    .generate_token(&scopes.iter().copied().collect::<Scopes>())
    .unwrap()
}

pub fn generate() -> GenerateToken {
    generate_with("sk-very-secret", &[Scope::Vouchers])
}

pub fn order(order_id: &str) -> CreateOrderAccessToken {
    exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new("app-key"))
        .unwrap()
        .create_order_access_token(order_id)
        .unwrap()
}

/// A config without jitter, so deadlines are exact.
pub fn exact_config() -> SourceConfig {
    let mut config = SourceConfig::default();
    config.refresh_jitter = Duration::ZERO;
    config.retry.jitter = 0.0;
    config
}

pub fn token_response(token: &str, expires_in: u64, expires_at: u64) -> http::Response<Vec<u8>> {
    let body = format!(
        r#"{{"access_token":"{token}","client_id":"c1","expires_at":{expires_at},"expires_in":{expires_in},"scope":"vouchers","token_type":"Bearer"}}"#
    );
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

pub fn error_response(status: u16) -> http::Response<Vec<u8>> {
    error_response_with(status, &[])
}

pub fn error_response_with(status: u16, headers: &[(&str, String)]) -> http::Response<Vec<u8>> {
    let body = format!(r#"{{"code":{status},"message":"nope"}}"#);
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(body.into_bytes()).unwrap()
}

/// Polls with a new waiter that starts at `now`.
pub fn poll<E: TokenEndpoint>(m: &mut SourceMachine<E>, now: Instant) -> Step<E::Grant> {
    let waiter = m.waiter(now);
    m.poll(now, &waiter)
}

pub fn expect_send<E: TokenEndpoint>(m: &mut SourceMachine<E>, now: Instant) -> StepId {
    match poll(m, now) {
        Step::Io(Io::Send(id, _)) => id,
        other => panic!("expected a Send, got {other:?}"),
    }
}

pub fn expect_ready<E: TokenEndpoint>(
    m: &mut SourceMachine<E>,
    now: Instant,
) -> Arc<LiveToken<E::Grant>> {
    match poll(m, now) {
        Step::Ready(token) => token,
        other => panic!("expected Ready, got {other:?}"),
    }
}

/// The token a caller is served at `now`, as text.
pub fn expect_use<E: TokenEndpoint>(m: &mut SourceMachine<E>, now: Instant) -> String {
    secret(&expect_ready(m, now))
}

pub fn expect_wait<E: TokenEndpoint>(m: &mut SourceMachine<E>, now: Instant) -> Instant {
    match poll(m, now) {
        Step::Wait(until) => until,
        other => panic!("expected Wait, got {other:?}"),
    }
}

pub fn expect_failed<E: TokenEndpoint>(
    m: &mut SourceMachine<E>,
    now: Instant,
    waiter: &keycard_core::lifecycle::Waiter,
) -> SourceError {
    match m.poll(now, waiter) {
        Step::Failed(error) => error,
        other => panic!("expected Failed, got {other:?}"),
    }
}

/// The step `io` as a store call.
pub fn store_call(io: Io) -> (StepId, StoreCall) {
    match io {
        Io::Store(id, call) => (id, call),
        other => panic!("expected a store call, got {other:?}"),
    }
}

pub fn secret<G>(token: &LiveToken<G>) -> String {
    token.access_token().expose_secret().to_owned()
}

/// Answers the Send `id` with `response`, arrived at `d` after the start (on both clocks).
pub fn answer<E: TokenEndpoint>(
    m: &mut SourceMachine<E>,
    clock: &Clock,
    id: StepId,
    response: http::Response<Vec<u8>>,
    d: Duration,
) -> Option<Io> {
    m.complete(id, IoResult::Sent(Ok(response)), clock.at(d), clock.wall(d))
}

pub fn events<E: TokenEndpoint>(m: &mut SourceMachine<E>) -> Vec<Event> {
    m.drain_events().collect()
}

/// A Voucherify machine (no jitter) holding `tok-1`, received at the start, valid 900 s.
pub fn with_token(clock: &Clock, config: SourceConfig) -> SourceMachine<GenerateToken> {
    let mut m = SourceMachine::new(generate(), config);
    let id = expect_send(&mut m, clock.at(Duration::ZERO));
    assert!(answer(
        &mut m,
        clock,
        id,
        token_response("tok-1", 900, T0 + 900),
        Duration::ZERO
    )
    .is_none());
    m
}
