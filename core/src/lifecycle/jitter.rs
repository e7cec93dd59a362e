//! A tiny seeded generator for jitter: splitmix64. Deterministic for a given seed, so tests and
//! replays are exact; not for anything that needs to be unpredictable.

use std::time::Duration;

/// A seeded source of jitter (splitmix64).
///
/// The same seed gives the same sequence. Seed it differently in each process (the transports
/// do) so that a fleet does not refresh or retry in lockstep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator with this seed.
    pub(crate) const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// Stirs `value` into the state (for example the nanoseconds of a receive time, which differ
    /// from process to process even under the same seed). Deterministic: the same seed and the
    /// same values stirred in give the same sequence.
    pub(crate) fn stir(&mut self, value: u64) {
        self.state ^= mix(value ^ 0xD1B5_4A32_D192_ED03);
    }

    /// A number in `[0, 1)`, with 53 bits of precision.
    pub(crate) fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A duration in `[0, max]`, uniformly at nanosecond resolution.
    pub(crate) fn up_to(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos();
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Durations beyond u64 nanoseconds (584 years) saturate: jitter never needs that much.
        let bound = u64::try_from(nanos).unwrap_or(u64::MAX);
        let draw = if bound == u64::MAX {
            self.next_u64()
        } else {
            // Lemire's multiply-shift: unbiased enough for jitter, no division.
            ((u128::from(self.next_u64()) * u128::from(bound + 1)) >> 64) as u64
        };
        Duration::from_nanos(draw)
    }
}

/// The splitmix64 finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
