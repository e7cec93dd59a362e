//! The retry policy: which failures are worth another attempt, and when. Pure: it reads the
//! failure, the attempt count, the server's hints and a [`Jitter`], and answers.

use super::{Failure, FetchError, Jitter};
use http::{HeaderMap, StatusCode};
use std::time::{Duration, SystemTime};

/// When and how often to try again after a failed attempt to get a token.
///
/// Retried: 429, 500, 502, 503, 504 and transport failures. Never retried: every other status
/// (notably 400, 401, 403, 404) and an unreadable success. The delay after the `n`th failure is
/// `initial_backoff × 2ⁿ⁻¹`, capped at `max_backoff`, of which a random fraction of up to
/// `jitter` is taken off; and never earlier than the server asked (`Retry-After`, in seconds or
/// as an HTTP date, or Voucherify's `X-Rate-Limit-Retry`).
///
/// ```
/// use keycard_core::lifecycle::{Decision, Failure, Jitter, RetryPolicy};
/// use http::StatusCode;
/// use std::time::{Duration, SystemTime};
///
/// let policy = RetryPolicy::default();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let unavailable = Failure::Status { status: StatusCode::SERVICE_UNAVAILABLE, message: None };
/// let Decision::RetryAt(at) = policy.decide(1, unavailable, now, None, &mut Jitter::new(1)) else {
///     unreachable!()
/// };
/// assert!(at > now && at <= now + policy.initial_backoff);
///
/// let forbidden = Failure::Status { status: StatusCode::FORBIDDEN, message: None };
/// assert!(matches!(policy.decide(1, forbidden, now, None, &mut Jitter::new(1)), Decision::Stop(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many attempts in all (the first one included) before giving up. At least 1.
    pub max_attempts: u32,
    /// The delay after the first failure, before jitter.
    pub initial_backoff: Duration,
    /// The longest delay between two attempts, before jitter.
    pub max_backoff: Duration,
    /// The largest fraction of each delay taken off at random, in `[0, 1]` (0: no jitter).
    pub jitter: f64,
    /// The longest wait the server may impose: a `Retry-After` further away than this ends the
    /// fetch with [`FetchError::RetryTooFar`] instead of leaving the caller waiting.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts; 0.5 s, 1 s, 2 s between them (doubling, capped at 30 s); up to half of each
    /// delay taken off at random; a server may impose a wait of up to 2 minutes.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: 0.5,
            max_wait: Duration::from_secs(120),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Try again, not before this time.
    RetryAt(SystemTime),
    /// Stop: this error says why.
    Stop(FetchError),
}

impl RetryPolicy {
    /// Whether a response with this status is worth another attempt: 429, 500, 502, 503, 504.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    /// Whether this failure is worth another attempt: a retryable status or a transport failure.
    pub fn is_retryable(failure: &Failure) -> bool {
        match failure {
            Failure::Status { status, .. } => Self::is_retryable_status(*status),
            Failure::Transport { .. } => true,
            Failure::Unreadable { .. } | Failure::ExpiredOnArrival => false,
        }
    }

    /// The delay after the `failures`th consecutive failure, before jitter:
    /// `initial_backoff × 2^(failures − 1)`, capped at `max_backoff`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(63);
        self.initial_backoff
            .checked_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX))
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    /// The delay after the `failures`th consecutive failure, with jitter: in
    /// `[backoff × (1 − jitter), backoff]`.
    pub fn jittered_backoff(&self, failures: u32, jitter: &mut Jitter) -> Duration {
        let full = self.backoff(failures);
        let ratio = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full.mul_f64(1.0 - ratio * jitter.fraction()).min(full)
    }

    /// Decides after the `failures`th consecutive failed attempt (1 for the first), which failed
    /// with `failure` at `received_at`; `server_retry_at` is the earliest time the server allows
    /// (see [`server_retry_at`]).
    pub fn decide(
        &self,
        failures: u32,
        failure: Failure,
        received_at: SystemTime,
        server_retry_at: Option<SystemTime>,
        jitter: &mut Jitter,
    ) -> Decision {
        if !Self::is_retryable(&failure) {
            return Decision::Stop(FetchError::final_for(failure));
        }
        if failures >= self.max_attempts.max(1) {
            return Decision::Stop(FetchError::GaveUp {
                attempts: failures,
                last: failure,
            });
        }
        if let Some(retry_at) = server_retry_at {
            let wait = retry_at.duration_since(received_at).unwrap_or_default();
            if wait > self.max_wait {
                return Decision::Stop(FetchError::RetryTooFar {
                    retry_at,
                    last: failure,
                });
            }
        }
        let backoff = self.jittered_backoff(failures, jitter);
        let ours = received_at.checked_add(backoff).unwrap_or(received_at);
        Decision::RetryAt(server_retry_at.map_or(ours, |theirs| ours.max(theirs)))
    }
}

/// The earliest time the server allows another request, from `Retry-After` (seconds or an HTTP
/// date) and Voucherify's `X-Rate-Limit-Retry` (Unix seconds); the later of the two when both
/// are there. Unreadable values are ignored.
pub fn server_retry_at(headers: &HeaderMap, received_at: SystemTime) -> Option<SystemTime> {
    crate::voucherify::RateLimit::from_headers(headers).retry_not_before(received_at)
}
