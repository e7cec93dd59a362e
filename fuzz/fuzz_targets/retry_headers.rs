//! `Retry-After` and the rate-limit headers: `RetryAfter::parse`, `voucherify::RateLimit::
//! from_headers`, Voucherify's `TokenEndpoint::retry_not_before`, at receive times from the
//! epoch to the end of what `SystemTime` holds; and what the source machine schedules after a
//! 429 that carries them.
#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use keycard_core::lifecycle::{
    Event, Io, IoResult, SourceConfig, SourceMachine, Step, TokenEndpoint,
};
use keycard_core::voucherify::{Api, Credentials, GenerateToken, RateLimit, Region, Scope, Scopes};
use keycard_core::{RetryAfter, SecretKey};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const NAMES: [&str; 5] = [
    "retry-after",
    "x-rate-limit-retry",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-type",
];

fn received_times() -> [SystemTime; 4] {
    [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(1_738_945_086),
        UNIX_EPOCH + Duration::from_secs(253_402_300_799),
        // Near the end of what a 64-bit `SystemTime` holds on Unix.
        UNIX_EPOCH + Duration::from_secs(i64::MAX as u64 - 1),
    ]
}

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for (i, value) in data.split(|b| *b == b'\n').enumerate() {
        let Ok(value) = HeaderValue::from_bytes(value) else {
            continue;
        };
        if let Some(after) = RetryAfter::parse(&value) {
            for received in received_times() {
                let at = after.resolve(received);
                if let RetryAfter::Delay(_) = after {
                    assert!(at >= received, "a delay never resolves to the past");
                }
            }
        }
        headers.append(HeaderName::from_static(NAMES[i % NAMES.len()]), value);
    }

    let limits = RateLimit::from_headers(&headers);
    let endpoint = generate_token();
    for received in received_times() {
        let not_before = limits.retry_not_before(received);
        // Voucherify's policy reads exactly these headers.
        assert_eq!(endpoint.retry_not_before(&headers, received), not_before);
        if let Some(at) = not_before {
            if let Some(RetryAfter::Delay(_)) = limits.retry_after {
                assert!(at >= received, "a delay never resolves to the past");
            }
        }
    }

    // What the machine does with them: a 429 carrying these headers, received at a fixed
    // wall time, is retried no earlier than the server allows, or ends the fetch.
    let mut response = http::Response::builder()
        .status(StatusCode::TOO_MANY_REQUESTS)
        .body(Vec::new())
        .unwrap();
    *response.headers_mut() = headers.clone();
    let wall = received_times()[1];
    let server_wait = limits
        .retry_not_before(wall)
        .map(|at| at.duration_since(wall).unwrap_or_default());
    let mut config = SourceConfig::default();
    config.seed = 7;
    let mut machine = SourceMachine::new(endpoint, config);
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let waiter = machine.waiter(start);
    let Step::Io(Io::Send(id, _)) = machine.poll(start, &waiter) else {
        panic!("the first poll sends")
    };
    assert!(machine
        .complete(id, IoResult::Sent(Ok(response)), start, wall)
        .is_none());
    for event in machine.drain_events() {
        let secrets = [keycard_fuzz::SECRET_KEY];
        keycard_fuzz::assert_no_secret("Display of an event", &event.to_string(), &secrets);
        keycard_fuzz::assert_no_secret("Debug of an event", &format!("{event:?}"), &secrets);
        if let Event::RetryScheduled { after, .. } = event {
            if let Some(server) = server_wait {
                assert!(
                    after >= server,
                    "a retry never comes before the server allows"
                );
            }
        }
    }
    match machine.poll(start, &waiter) {
        Step::Wait(until) => {
            assert!(until >= start, "a retry is never scheduled in the past");
        }
        Step::Failed(error) => {
            let secrets = [keycard_fuzz::SECRET_KEY];
            keycard_fuzz::assert_no_secret("Display of an error", &error.to_string(), &secrets);
            keycard_fuzz::assert_no_secret("Debug of an error", &format!("{error:?}"), &secrets);
        }
        other => panic!("after a 429: {other:?}"),
    }
});

fn generate_token() -> GenerateToken {
    let credentials =
        Credentials::new("fuzz-app", SecretKey::new(keycard_fuzz::SECRET_KEY)).unwrap();
    Api::new(Region::Europe.base_url(), credentials)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}
