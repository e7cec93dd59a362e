//! Exact Payments order access tokens in the source machine: the lifetime from `expiresAt`
//! against the server's `Date`, the raw header, never refreshed ahead.

mod lifecycle_common;

use keycard_core::exact::CreateOrderAccessToken;
use keycard_core::lifecycle::{
    AuthScheme, Event, FetchError, Io, SourceConfig, SourceError, SourceMachine, Step,
};
use lifecycle_common::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// 2023-07-26T23:17:32Z; the token below expires 15 minutes later.
const T0: u64 = 1_690_413_452;
const EXPIRES: &str = "2023-07-26T23:32:32.000Z";

fn server_t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

fn machine() -> SourceMachine<CreateOrderAccessToken> {
    SourceMachine::new(order("ord_1"), SourceConfig::default())
}

fn created(date: Option<SystemTime>) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder()
        .status(201)
        .header("content-type", "application/json");
    if let Some(date) = date {
        builder = builder.header("date", httpdate::fmt_http_date(date));
    }
    builder
        .body(
            format!(r#"{{"accessToken":{{"token":"Oyen7ydZcNHrxk4x","expiresAt":"{EXPIRES}"}}}}"#)
                .into_bytes(),
        )
        .unwrap()
}

/// Mints with a local wall clock reading `wall` when the response (with `date`) arrives.
fn fetch_and_answer(
    date: Option<SystemTime>,
    wall: SystemTime,
) -> (
    SourceMachine<CreateOrderAccessToken>,
    Clock,
    Result<(), SourceError>,
) {
    let clock = Clock::at_wall(wall);
    let mut m = machine();
    let waiter = m.waiter(clock.at(secs(0)));
    let Step::Io(Io::Send(id, request)) = m.poll(clock.at(secs(0)), &waiter) else {
        panic!()
    };
    assert_eq!(
        request.uri(),
        "https://api.exactpaysandbox.com/orders/ord_1/accessToken"
    );
    answer(&mut m, &clock, id, created(date), secs(0));
    let result = match m.poll(clock.at(secs(0)), &waiter) {
        Step::Ready(_) => Ok(()),
        Step::Failed(error) => Err(error),
        other => panic!("{other:?}"),
    };
    (m, clock, result)
}

#[test]
fn the_deadline_is_the_absolute_expires_at_and_the_header_is_raw() {
    let (m, clock, result) = fetch_and_answer(None, server_t0());
    result.unwrap();
    let live = m.current().unwrap();
    assert_eq!(live.expires_at(), clock.at(secs(900)));
    assert_eq!(live.scheme(), AuthScheme::Raw);
    assert_eq!(live.grant().as_str(), "ord_1");
    let mut request = http::Request::get("https://example.com/pay")
        .body(())
        .unwrap();
    live.authorize(&mut request);
    let value = &request.headers()["authorization"];
    assert_eq!(value, "Oyen7ydZcNHrxk4x");
    assert!(value.is_sensitive());
}

#[test]
fn an_order_token_is_never_refreshed_ahead() {
    let (mut m, clock, result) = fetch_and_answer(None, server_t0());
    result.unwrap();
    let live = m.current().unwrap().clone();
    assert_eq!(live.refresh_at(), live.expires_at());
    assert_eq!(expect_use(&mut m, clock.at(secs(899))), "Oyen7ydZcNHrxk4x");
    expect_send(&mut m, clock.at(secs(900)));
}

#[test]
fn a_local_clock_behind_cannot_stretch_the_token() {
    // The local clock is 2 minutes behind the server's. The `Date` header tells; the token gets
    // 900 s from its arrival, not 1020.
    let (mut m, clock, result) =
        fetch_and_answer(Some(server_t0()), server_t0() - Duration::from_secs(120));
    result.unwrap();
    assert_eq!(m.current().unwrap().expires_at(), clock.at(secs(900)));
    let skew = events(&mut m)
        .into_iter()
        .find_map(|e| match e {
            Event::ClockSkew(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(skew.server_ahead_by(), Duration::from_secs(120));
}

#[test]
fn a_local_clock_ahead_cannot_shorten_the_token() {
    // The local clock is a minute ahead: with a `Date`, the lifetime is still 900 s.
    let (m, clock, result) = fetch_and_answer(Some(server_t0()), server_t0() + secs(60));
    result.unwrap();
    assert_eq!(m.current().unwrap().expires_at(), clock.at(secs(900)));
    assert_eq!(
        m.current().unwrap().to_stored().expires_at(),
        server_t0() + secs(960),
        "stores get the expiry on the local wall clock"
    );
}

#[test]
fn without_a_date_the_local_wall_clock_measures_the_lifetime() {
    let (m, clock, result) = fetch_and_answer(None, server_t0() + secs(60));
    result.unwrap();
    assert_eq!(m.current().unwrap().expires_at(), clock.at(secs(840)));
}

#[test]
fn a_token_expired_by_the_local_clock_is_an_error() {
    let (_, _, result) = fetch_and_answer(None, server_t0() + Duration::from_secs(901));
    let error = result.unwrap_err();
    assert_eq!(error.fetch_error(), Some(&FetchError::ExpiredOnArrival));
}

#[test]
fn a_documented_error_is_not_retried() {
    let clock = Clock::at_wall(server_t0());
    let mut m = machine();
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    let response = http::Response::builder()
        .status(403)
        .header("content-type", "application/json")
        .body(br#"{"code":"order-forbidden-error","message":"You do not have permission to access this resource."}"#.to_vec())
        .unwrap();
    answer(&mut m, &clock, id, response, secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert!(
        matches!(error.fetch_error(), Some(FetchError::NotRetryable { status, message: Some(_) }) if *status == 403),
        "{error:?}"
    );
}
