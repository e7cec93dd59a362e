//! Where a token source reads the time.

use std::time::SystemTime;

/// The clock a token source reads "now" from: [`SystemClock`] by default, or any
/// `Fn() -> SystemTime` (a test's clock, an emulator's clock).
///
/// ```
/// use keycard_reqwest::Clock;
/// use std::time::{Duration, SystemTime};
///
/// let frozen = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let clock = move || frozen;
/// assert_eq!(Clock::now(&clock), frozen);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

impl<F: Fn() -> SystemTime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> SystemTime {
        self()
    }
}

/// The system's wall clock, [`SystemTime::now`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
