//! The retry policy: how often, and when, to try again after a failed attempt. Pure: it reads
//! the attempt count, the server's hint and the jitter, and answers. Which failures may be
//! retried at all is the endpoint's call ([`TokenEndpoint::is_retryable`](super::TokenEndpoint::is_retryable)).

use super::{Failure, FetchError, Jitter};
use std::time::{Duration, Instant};

/// When and how often to try again after a failed attempt to get a token.
///
/// Which failures are retried is the endpoint's policy (by default 429, 500, 502, 503, 504 and
/// transport failures). The delay after the `n`th failure is
/// `initial_backoff × 2ⁿ⁻¹`, capped at `max_backoff`, of which a random fraction of up to
/// `jitter` is taken off; and never earlier than the server asked (`Retry-After`, in seconds or
/// as an HTTP date, or Voucherify's `X-Rate-Limit-Retry`).
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
    /// fetch with [`FetchError::RetryTooFar`] instead of leaving the caller waiting. The source
    /// then sends nothing before the server's time, for at most
    /// [`MAX_SERVER_WAIT`](crate::limits::MAX_SERVER_WAIT).
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
pub(crate) enum Decision {
    /// Try again, not before this time.
    RetryAt(Instant),
    /// Stop: this error says why.
    Stop(FetchError),
}

impl RetryPolicy {
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
    pub(crate) fn jittered_backoff(&self, failures: u32, jitter: &mut Jitter) -> Duration {
        let full = self.backoff(failures);
        let ratio = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full.mul_f64(1.0 - ratio * jitter.fraction()).min(full)
    }

    /// Decides after the `failures`th consecutive failed attempt (1 for the first), which failed
    /// with `failure` at `now`; `retryable` is the endpoint's verdict on it, `server_wait` how
    /// long the server asked to wait.
    pub(crate) fn decide(
        &self,
        failures: u32,
        failure: Failure,
        retryable: bool,
        now: Instant,
        server_wait: Option<Duration>,
        jitter: &mut Jitter,
    ) -> Decision {
        if !retryable {
            return Decision::Stop(FetchError::final_for(failure));
        }
        if failures >= self.max_attempts.max(1) {
            return Decision::Stop(FetchError::GaveUp {
                attempts: failures,
                last: failure,
            });
        }
        let server_wait = server_wait.unwrap_or_default();
        if server_wait > self.max_wait {
            return Decision::Stop(FetchError::RetryTooFar {
                wait: server_wait,
                last: failure,
            });
        }
        let wait = self.jittered_backoff(failures, jitter).max(server_wait);
        Decision::RetryAt(now.checked_add(wait).unwrap_or(now))
    }
}
