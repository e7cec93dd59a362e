//! What the sync and async stores share: key names, scripts, the time to live of an entry, lock
//! owner ids, and the memory of Redis being down.

use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{StoreKey, StoredToken};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Saves a token unless the entry already there lives longer (a token minted later, by another
/// process). `KEYS[1]` the token key, `ARGV[1]` the value, `ARGV[2]` its time to live in ms.
/// Returns 1 if it saved.
pub(crate) const SAVE_SCRIPT: &str = r"
local left = redis.call('PTTL', KEYS[1])
if left > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
";

/// Deletes the lock only if it still holds this owner id (compare and delete, atomically).
/// `KEYS[1]` the lock key, `ARGV[1]` the owner id. Returns 1 if it deleted.
pub(crate) const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// The Redis key of the token stored under `key`.
pub(crate) fn token_key(config: &RedisConfig, key: &StoreKey) -> String {
    if config.prefix.is_empty() {
        key.as_str().to_owned()
    } else {
        format!("{}:{}", config.prefix, key.as_str())
    }
}

/// The Redis key of the fleet's lock on minting the token under `key`.
pub(crate) fn lock_key(config: &RedisConfig, key: &StoreKey) -> String {
    let mut name = token_key(config, key);
    name.push_str(":lock");
    name
}

/// The time to live of the entry for `token`: until it expires, counted from now or from when
/// it was obtained, whichever is later (a clock that runs ahead of this one must not make the
/// entry outlive the token by less than its lifetime). `None` if it has expired.
pub(crate) fn time_to_live(token: &StoredToken, now: SystemTime) -> Option<Duration> {
    let from = now.max(token.obtained_at());
    let left = token.expires_at().duration_since(from).ok()?;
    (left >= Duration::from_millis(1)).then_some(left)
}

/// Whole milliseconds, at least 1, as Redis takes them.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A lock owner id: unique per claim across processes and machines (process id, time, a
/// counter and the standard library's random hasher keys). Not a secret: it only tells the
/// holder's lock from another's.
pub(crate) fn owner_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(nanos);
    hasher.write_u64(count);
    format!(
        "{:08x}-{:016x}-{:x}",
        std::process::id(),
        hasher.finish(),
        count
    )
}

/// Whether an error means Redis could not be reached or did not answer in time (as opposed to
/// an answer the store did not like).
pub(crate) fn is_outage(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
}

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

/// The address to show in `Debug`: host and port (or socket path) and database, never a
/// user name or password.
pub(crate) fn describe(info: &redis::ConnectionInfo) -> String {
    format!("{}", info.addr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_no_secret_and_take_the_prefix() {
        let key = StoreKey::from_parts("voucherify", &[b"app-id", b"very-secret-key"]);
        let mut config = RedisConfig::default();
        assert_eq!(token_key(&config, &key), key.as_str());
        config.prefix = "checkout".into();
        let name = token_key(&config, &key);
        assert!(
            name.starts_with("checkout:keycard:v1:voucherify:"),
            "{name}"
        );
        assert!(!name.contains("secret"));
        assert_eq!(lock_key(&config, &key), format!("{name}:lock"));
    }

    #[test]
    fn owner_ids_differ() {
        let a = owner_id();
        let b = owner_id();
        assert_ne!(a, b);
    }

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
