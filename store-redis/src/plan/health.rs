//! The memory of Redis being down.

use crate::RedisStoreError;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Remembers that Redis failed, so that operations fail at once for a while instead of each
/// waiting for a timeout.
#[derive(Debug, Default)]
pub(crate) struct Health {
    down_until: Mutex<Option<Instant>>,
}

impl Health {
    /// `Err` while Redis is taken for down.
    pub(crate) fn check(&self) -> Result<(), RedisStoreError> {
        let down_until = *self
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match down_until {
            Some(until) => {
                let retry_in = until.saturating_duration_since(Instant::now());
                if retry_in.is_zero() {
                    Ok(())
                } else {
                    Err(RedisStoreError::Unavailable { retry_in })
                }
            }
            None => Ok(()),
        }
    }

    /// Redis answered.
    pub(crate) fn up(&self) {
        *self
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Redis failed: take it for down for `retry_after`.
    pub(crate) fn down(&self, retry_after: Duration) {
        *self
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now().checked_add(retry_after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_remembers_an_outage_for_a_while() {
        let health = Health::default();
        assert!(health.check().is_ok());
        health.down(Duration::from_secs(60));
        assert!(matches!(
            health.check(),
            Err(RedisStoreError::Unavailable { .. })
        ));
        health.up();
        assert!(health.check().is_ok());
        health.down(Duration::ZERO);
        assert!(health.check().is_ok());
    }
}
