//! Where a token source reads the time: a monotonic clock for deadlines and waits, the wall
//! clock only to read the server's absolute times, and a cheap, coarse reading of the monotonic
//! clock for the hot path.

use std::time::{Duration, Instant, SystemTime};

/// How far [`Clock::now_coarse`] may lag behind [`Clock::now`]: the hot path treats a token as
/// fresh by the coarse clock only if it would still be fresh this much later.
pub(crate) const COARSE_LAG: Duration = Duration::from_millis(20);

/// The clocks a token source reads: [`SystemClock`] by default, or a test's own.
pub trait Clock: Send + Sync + 'static {
    /// The monotonic time: every deadline, backoff and wait runs on it.
    fn now(&self) -> Instant;

    /// The wall time, read when a response or a stored token arrives, to place the server's
    /// absolute times (`Date`, `Retry-After` dates, stored expiries) on the monotonic clock.
    fn wall(&self) -> SystemTime;

    /// The monotonic time, read cheaply, for the hot path: never later than [`now`](Self::now)
    /// and at most 20 ms earlier. A token is served on this reading alone only while it would
    /// still be fresh 20 ms later; otherwise the source reads [`now`](Self::now). By default,
    /// [`now`](Self::now) itself (a test's clock needs nothing more).
    fn now_coarse(&self) -> Instant {
        self.now()
    }
}

/// The system's clocks: [`Instant::now`] and [`SystemTime::now`]; on Linux and Android, the
/// kernel's `CLOCK_MONOTONIC_COARSE` for [`now_coarse`](Clock::now_coarse) (a few nanoseconds
/// instead of `Instant::now`'s tens in a VM), which lags by at most one timer tick (1–4 ms
/// with the usual `HZ`). It is used only when the kernel says its tick is at most 10 ms, so that
/// the 20 ms bound holds while the kernel keeps its time (a virtual machine whose timekeeping
/// vCPU the host stops for longer can let it lag further; the token is then served that much
/// past its refresh time, which lies ahead of its expiry by the refresh margin).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    #[inline]
    fn now_coarse(&self) -> Instant {
        coarse::now().unwrap_or_else(Instant::now)
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

    fn now_coarse(&self) -> Instant {
        (**self).now_coarse()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod coarse {
    //! `CLOCK_MONOTONIC_COARSE` as an [`Instant`]: `Instant` is `CLOCK_MONOTONIC` here, the same
    //! clock read at the last tick, so an anchor read once places one on the other.

    use rustix::time::{clock_getres, clock_gettime_dynamic, ClockId, DynamicClockId, Timespec};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// The coarse clock's tick must be at most this, for [`super::COARSE_LAG`] to hold.
    const MAX_TICK: Duration = Duration::from_millis(10);

    /// An `Instant` and the `CLOCK_MONOTONIC` reading taken right before it. Should the thread
    /// be paused between the two reads, the anchor errs on the safe side: coarse times derived
    /// from it come out late, and deadlines early, by the pause (read the other way round, a
    /// token could be served past its refresh time by as much).
    struct Anchor {
        instant: Instant,
        monotonic: Duration,
    }

    static ANCHOR: OnceLock<Option<Anchor>> = OnceLock::new();

    /// The coarse time, or `None` where it cannot be had within the bound.
    #[inline]
    pub(super) fn now() -> Option<Instant> {
        let anchor = ANCHOR.get_or_init(anchor).as_ref()?;
        let coarse = read(ClockId::MonotonicCoarse)?;
        match coarse.checked_sub(anchor.monotonic) {
            Some(ahead) => anchor.instant.checked_add(ahead),
            None => anchor
                .instant
                .checked_sub(anchor.monotonic.saturating_sub(coarse)),
        }
    }

    /// The coarse clock's own reading, in nanoseconds: no conversion to an [`Instant`]. Compare
    /// it only with a [`deadline`], which is `None` where the coarse clock may lag past the
    /// bound.
    #[inline]
    pub(super) fn raw() -> Option<u64> {
        nanos(rustix::time::clock_gettime(ClockId::MonotonicCoarse))
    }

    /// The raw coarse reading below which `at` lies more than [`super::COARSE_LAG`] ahead,
    /// whatever the coarse clock's lag: `raw() < deadline(at)` means `at` is still ahead by
    /// `Instant` (the same test as `now_coarse() + COARSE_LAG < at`).
    pub(super) fn deadline(at: Instant) -> Option<u64> {
        let anchor = ANCHOR.get_or_init(anchor).as_ref()?;
        let monotonic = match at.checked_duration_since(anchor.instant) {
            Some(ahead) => anchor.monotonic.checked_add(ahead)?,
            None => anchor
                .monotonic
                .checked_sub(anchor.instant.duration_since(at))?,
        };
        u64::try_from(monotonic.checked_sub(super::COARSE_LAG)?.as_nanos()).ok()
    }

    fn anchor() -> Option<Anchor> {
        let tick = duration(clock_getres(ClockId::MonotonicCoarse))?;
        if tick.is_zero() || tick > MAX_TICK {
            return None;
        }
        let monotonic = read(ClockId::Monotonic)?;
        let instant = Instant::now();
        Some(Anchor { instant, monotonic })
    }

    #[inline]
    fn read(clock: ClockId) -> Option<Duration> {
        duration(clock_gettime_dynamic(DynamicClockId::Known(clock)).ok()?)
    }

    /// A reading in nanoseconds; `None` for one no kernel gives (see [`duration`]).
    #[inline]
    fn nanos(t: Timespec) -> Option<u64> {
        let nanos = u64::try_from(t.tv_nsec)
            .ok()
            .filter(|n| *n < 1_000_000_000)?;
        u64::try_from(t.tv_sec)
            .ok()?
            .checked_mul(1_000_000_000)?
            .checked_add(nanos)
    }

    /// A reading as a `Duration`; `None` for one no kernel gives (negative, or nanoseconds
    /// past a second).
    #[inline]
    fn duration(t: Timespec) -> Option<Duration> {
        let nanos = u32::try_from(t.tv_nsec)
            .ok()
            .filter(|n| *n < 1_000_000_000)?;
        Some(Duration::new(u64::try_from(t.tv_sec).ok()?, nanos))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The coarse reading is never after `Instant::now` and lags it by less than the
        /// documented bound (a preemption between the reads only makes the lag look smaller).
        #[test]
        fn coarse_time_lags_the_precise_one_within_the_bound() {
            for _ in 0..1000 {
                let before = Instant::now();
                let Some(coarse) = now() else {
                    // A kernel whose tick is over 10 ms: the precise clock serves instead.
                    let tick = duration(clock_getres(ClockId::MonotonicCoarse));
                    assert!(tick.is_none_or(|t| t.is_zero() || t > MAX_TICK));
                    return;
                };
                let after = Instant::now();
                assert!(coarse <= after, "the coarse time is never ahead");
                assert!(before.saturating_duration_since(coarse) < super::super::COARSE_LAG);
            }
        }

        /// The raw reading against a deadline says what `now_coarse() + COARSE_LAG < at` says
        /// where both are sure: an instant 5 ms ahead (or past) is never ahead by the bound;
        /// one a second ahead is.
        #[test]
        fn a_raw_reading_is_before_a_deadline_only_while_the_bound_is_kept() {
            for _ in 0..1000 {
                let now = Instant::now();
                let Some(far) = deadline(now + Duration::from_secs(1)) else {
                    let tick = duration(clock_getres(ClockId::MonotonicCoarse));
                    assert!(tick.is_none_or(|t| t.is_zero() || t > MAX_TICK));
                    return;
                };
                let near = deadline(now + Duration::from_millis(5));
                let past = now.checked_sub(Duration::from_millis(5)).and_then(deadline);
                let raw = raw().expect("the coarse clock reads");
                assert!(raw < far, "a second ahead is ahead by the bound");
                assert!(near.is_none_or(|d| raw >= d), "5 ms ahead is not");
                assert!(past.is_none_or(|d| raw >= d), "the past is not");
            }
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod coarse {
    /// No coarse clock here: the precise one serves.
    #[inline]
    pub(super) fn now() -> Option<std::time::Instant> {
        None
    }

    #[inline]
    pub(super) fn raw() -> Option<u64> {
        None
    }

    pub(super) fn deadline(_: std::time::Instant) -> Option<u64> {
        None
    }
}

/// The system's coarse clock, read raw, in nanoseconds (`None` where there is none): for the
/// hot path of a source on [`SystemClock`], against a [`coarse_deadline`].
#[inline]
pub(crate) fn coarse_raw() -> Option<u64> {
    coarse::raw()
}

/// The [`coarse_raw`] reading below which `at` lies more than [`COARSE_LAG`] ahead by the
/// system's monotonic clock; `None` where the coarse clock cannot serve within that bound.
pub(crate) fn coarse_deadline(at: Instant) -> Option<u64> {
    coarse::deadline(at)
}
