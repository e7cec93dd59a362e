//! Why a Redis store could not read or write a token, or take a lock.

use keycard_core::lifecycle::DecodeError;
use std::time::Duration;

/// The Redis store could not do what was asked. Token sources never stop on it: they mint
/// alone and report it, and try Redis again at the next refresh.
///
/// No variant holds a token or a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The Redis URL could not be read (e.g. not `redis://`, `rediss://` or `unix://`).
    #[error("not a usable Redis URL: {0}")]
    Url(#[source] redis::RedisError),
    /// Redis failed a moment ago (down, unreachable or too slow), and the store does not try
    /// it again until `retry_in` has passed ([`RedisConfig::retry_after`](crate::RedisConfig)).
    #[error("Redis is taken for down after a recent failure; trying again in {retry_in:?}")]
    Unavailable {
        /// When the store will try Redis again.
        retry_in: Duration,
    },
    /// Redis could not be reached or did not answer in time: check that it runs, the address,
    /// TLS, and the network. The store now takes it for down for a while.
    #[error("Redis is unreachable or too slow: {0}")]
    Outage(#[source] redis::RedisError),
    /// Redis answered with an error (authentication, an ACL that forbids a command or key,
    /// a read-only replica, …): check the credentials and the ACL (see the crate docs).
    #[error("Redis refused: {0}")]
    Refused(#[source] redis::RedisError),
    /// The value under this key is not a token stored by keycard for it (corrupted, or written
    /// by something else). The next mint replaces it.
    #[error("the value under {key} is not a token stored for it: {source}")]
    Corrupt {
        /// The Redis key (holds no secret).
        key: String,
        /// What is wrong with it.
        #[source]
        source: DecodeError,
    },
}

impl RedisStoreError {
    /// Whether Redis is down, unreachable or too slow (now or a moment ago), as opposed to
    /// answering with a refusal or a value that is not a token.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Outage(_))
    }
}

impl From<redis::RedisError> for RedisStoreError {
    fn from(error: redis::RedisError) -> Self {
        if is_outage(&error) {
            Self::Outage(error)
        } else {
            Self::Refused(error)
        }
    }
}

/// Whether an error means Redis could not be reached or did not answer in time (as opposed to
/// an answer the store did not like).
pub(crate) fn is_outage(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
}
