//! `Retry-After` and the rate-limit headers: `RetryAfter::parse`, `voucherify::RateLimit::
//! from_headers`, `lifecycle::server_retry_at`, and the retry policy's decision on what they
//! say, at receive times from the epoch to the end of what `SystemTime` holds.
#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use keycard_core::lifecycle::{server_retry_at, Decision, Failure, Jitter, RetryPolicy};
use keycard_core::voucherify::RateLimit;
use keycard_core::RetryAfter;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    let policy = RetryPolicy::default();
    for received in received_times() {
        let not_before = limits.retry_not_before(received);
        assert_eq!(server_retry_at(&headers, received), not_before);
        let mut jitter = Jitter::new(7);
        let failure = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: None,
        };
        for failures in [1, 2, policy.max_attempts] {
            match policy.decide(failures, failure.clone(), received, not_before, &mut jitter) {
                Decision::RetryAt(at) => {
                    assert!(at >= received, "a retry is never scheduled in the past");
                    if let Some(server) = not_before {
                        assert!(at >= server, "a retry never comes before the server allows");
                    }
                }
                Decision::Stop(error) => {
                    let _ = error.to_string();
                }
            }
        }
    }
});
