//! `Retry-After`: a delay in seconds or an HTTP date.

use http::HeaderValue;
use std::time::{Duration, SystemTime};

/// When the server says to try again (`Retry-After`, RFC 9110 §10.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// A number of seconds after the response was received.
    Delay(Duration),
    /// An absolute time (an HTTP date).
    At(SystemTime),
}

impl RetryAfter {
    /// Reads a `Retry-After` value: delay-seconds or an HTTP date. Anything else is `None`.
    pub fn parse(value: &HeaderValue) -> Option<Self> {
        let text = value.to_str().ok()?.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            // An absurd number of seconds saturates rather than failing.
            let seconds = text.parse::<u64>().unwrap_or(u64::MAX);
            return Some(Self::Delay(Duration::from_secs(seconds)));
        }
        httpdate::parse_http_date(text).ok().map(Self::At)
    }

    /// The time to wait until, given when the response was received.
    pub fn resolve(self, received_at: SystemTime) -> SystemTime {
        match self {
            Self::Delay(delay) => received_at
                .checked_add(delay)
                .or_else(|| received_at.checked_add(Duration::from_secs(u64::from(u32::MAX))))
                .unwrap_or(received_at),
            Self::At(at) => at,
        }
    }
}
