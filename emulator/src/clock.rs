//! The emulator's clock: real time by default, settable so tokens expire without waiting.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The emulator's notion of "now". It ticks with real time from a base that tests can move.
///
/// Cloning gives another handle on the same clock.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Mutex<Base>>,
}

#[derive(Debug)]
struct Base {
    at: SystemTime,
    anchor: Instant,
}

impl Clock {
    /// A clock that starts at the real time.
    pub(crate) fn new() -> Self {
        Clock {
            inner: Arc::new(Mutex::new(Base {
                at: SystemTime::now(),
                anchor: Instant::now(),
            })),
        }
    }

    /// The current emulator time.
    pub fn now(&self) -> SystemTime {
        let base = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        base.at + base.anchor.elapsed()
    }

    /// Sets the emulator time; it keeps ticking from there.
    pub fn set(&self, time: SystemTime) {
        let mut base = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        base.at = time;
        base.anchor = Instant::now();
    }

    /// Moves the emulator time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut base = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        base.at += by;
    }

    /// The current emulator time in whole Unix seconds.
    pub fn unix_seconds(&self) -> u64 {
        unix_seconds(self.now())
    }
}

/// Whole seconds since the Unix epoch (0 before it).
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds, like `2023-07-26T23:32:32.000Z`.
pub(crate) fn rfc3339_millis(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let millis = d.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `t` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), for a `Date` header that tells the
/// emulator's time rather than the machine's.
pub(crate) fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[((days + 4) % 7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1) % 12];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod http_date_tests {
    use super::http_date;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn an_http_date_is_the_imf_fixdate_form() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        let t = UNIX_EPOCH + Duration::from_secs(1_690_413_452);
        assert_eq!(http_date(t), "Wed, 26 Jul 2023 23:17:32 GMT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_spec_example() {
        let t = UNIX_EPOCH + Duration::from_secs(1_690_414_352);
        assert_eq!(rfc3339_millis(t), "2023-07-26T23:32:32.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(951_782_400_123);
        assert_eq!(rfc3339_millis(t), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn set_and_advance() {
        let c = Clock::new();
        let t = UNIX_EPOCH + Duration::from_secs(1_000_000);
        c.set(t);
        c.advance(Duration::from_secs(10));
        let now = unix_seconds(c.now());
        assert!((1_000_010..1_000_012).contains(&now));
    }
}
