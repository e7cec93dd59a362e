//! The keeper for Exact Payments order access tokens: absolute expiry, the raw header.

use keycard_core::exact::{self, CreateOrderAccessToken, Environment};
use keycard_core::lifecycle::{Action, AuthScheme, Event, FetchError, Grant, Keeper, KeeperConfig};
use keycard_core::ApiKey;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// 2023-07-26T23:17:32Z; the token below expires 15 minutes later.
const T0: u64 = 1_690_413_452;
const EXPIRES: &str = "2023-07-26T23:32:32.000Z";

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

fn keeper() -> Keeper<CreateOrderAccessToken> {
    let api = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new("app-key")).unwrap();
    Keeper::new(
        api.create_order_access_token("ord_1").unwrap(),
        KeeperConfig::default(),
    )
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

fn fetch_and_answer(
    date: Option<SystemTime>,
    received_at: SystemTime,
) -> (Keeper<CreateOrderAccessToken>, Result<(), FetchError>) {
    let mut k = keeper();
    let Action::Fetch(fetch) = k.poll(received_at) else {
        panic!()
    };
    assert_eq!(
        fetch.request.uri(),
        "https://api.exactpaysandbox.com/orders/ord_1/accessToken"
    );
    let result = k
        .on_response(fetch.id, created(date), received_at)
        .map(|_| ());
    (k, result)
}

#[test]
fn the_deadline_is_the_absolute_expires_at_and_the_header_is_raw() {
    let (k, result) = fetch_and_answer(None, t0());
    result.unwrap();
    let live = k.current().unwrap();
    assert_eq!(live.expires_at(), t0() + Duration::from_secs(900));
    assert_eq!(live.scheme(), AuthScheme::Raw);
    assert_eq!(
        live.grant(),
        &Grant::ExactOrder {
            order_id: "ord_1".into()
        }
    );
    let mut request = http::Request::get("https://example.com/pay")
        .body(())
        .unwrap();
    live.authorize(&mut request);
    let value = &request.headers()["authorization"];
    assert_eq!(value, "Oyen7ydZcNHrxk4x");
    assert!(value.is_sensitive());
}

#[test]
fn a_local_clock_behind_cannot_stretch_the_token() {
    // The local clock is 2 minutes behind: by it, the response arrived at T0 - 120. The `Date`
    // header tells; the token gets 900 s from the local receive time, not 1020.
    let received = t0() - Duration::from_secs(120);
    let (mut k, result) = fetch_and_answer(Some(t0()), received);
    result.unwrap();
    assert_eq!(
        k.current().unwrap().expires_at(),
        received + Duration::from_secs(900)
    );
    let skew = k
        .drain_events()
        .find_map(|e| match e {
            Event::ClockSkew(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(skew.server_ahead_by(), Duration::from_secs(120));
}

#[test]
fn a_local_clock_ahead_keeps_the_absolute_expiry() {
    let received = t0() + Duration::from_secs(60);
    let (k, result) = fetch_and_answer(Some(t0()), received);
    result.unwrap();
    assert_eq!(
        k.current().unwrap().expires_at(),
        t0() + Duration::from_secs(900)
    );
}

#[test]
fn a_token_expired_by_the_local_clock_is_an_error() {
    let (_, result) = fetch_and_answer(None, t0() + Duration::from_secs(901));
    assert_eq!(result, Err(FetchError::ExpiredOnArrival));
}

#[test]
fn a_documented_error_is_not_retried() {
    let mut k = keeper();
    let Action::Fetch(fetch) = k.poll(t0()) else {
        panic!()
    };
    let response = http::Response::builder()
        .status(403)
        .header("content-type", "application/json")
        .body(br#"{"code":"order-forbidden-error","message":"You do not have permission to access this resource."}"#.to_vec())
        .unwrap();
    let error = k.on_response(fetch.id, response, t0()).unwrap_err();
    assert!(
        matches!(error, FetchError::NotRetryable { status, message: Some(_) } if status == 403),
        "{error:?}"
    );
}
