//! Where a token source reads the time: a monotonic clock for deadlines and waits, the wall
//! clock only to read the server's absolute times.

use std::time::{Instant, SystemTime};

/// The clocks a token source reads: [`SystemClock`] by default, or a test's own.
pub trait Clock: Send + Sync + 'static {
    /// The monotonic time: every deadline, backoff and wait runs on it.
    fn now(&self) -> Instant;

    /// The wall time, read when a response or a stored token arrives, to place the server's
    /// absolute times (`Date`, `Retry-After` dates, stored expiries) on the monotonic clock.
    fn wall(&self) -> SystemTime;
}

/// The system's clocks: [`Instant::now`] and [`SystemTime::now`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C>
where
    std::sync::Arc<C>: Send + Sync + 'static,
{
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn wall(&self) -> SystemTime {
        (**self).wall()
    }
}
