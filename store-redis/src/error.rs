//! Why a Redis store could not read or write a token, or take a lock.

use keycard_core::lifecycle::DecodeError;
use std::time::Duration;

/// The Redis store could not do what was asked. Token sources never stop on it: they mint
/// alone and report it, and try Redis again at the next refresh.
///
/// No variant holds a token or a password (a Redis error that repeats the password shows
/// `<redacted>` instead), and the cause, in `source()`, shows at most 512 bytes of Redis's
/// text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The Redis URL could not be read (e.g. not `redis://`, `rediss://` or `unix://`), asks for
    /// what keycard refuses (`rediss://…#insecure`), or the TLS settings cannot be used (a PEM
    /// that does not parse, certificates for a URL that is not `rediss://`).
    #[error("not a usable Redis URL or TLS setting")]
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
    #[error("Redis is unreachable or too slow")]
    Outage(#[source] redis::RedisError),
    /// The TLS handshake with Redis failed: its certificate is not signed by a trusted CA
    /// (`UnknownIssuer`: give the CA with [`RedisTls::with_ca_pem`](crate::RedisTls::with_ca_pem)),
    /// names another host, has expired, or Redis refused this client's certificate (or its
    /// absence: [`RedisTls::with_client_cert_pem`](crate::RedisTls::with_client_cert_pem)).
    /// The store takes Redis for down for a while, as for an outage.
    #[error("the TLS handshake with Redis failed")]
    Tls(#[source] redis::RedisError),
    /// What came back is no Redis reply keycard can use: not RESP, or a reply past
    /// [`MAX_STORE_REPLY_LEN`](keycard_core::limits::MAX_STORE_REPLY_LEN) (is this address
    /// Redis's?). The connection is dropped, and the store takes Redis for down for a while,
    /// as for an outage.
    #[error("Redis's answer broke the protocol or keycard's bounds")]
    Protocol(#[source] redis::RedisError),
    /// The store could not start the thread its blocking calls run on (the system is out of
    /// threads or memory).
    #[error("could not start the Redis store's I/O thread")]
    Runtime(#[source] std::io::Error),
    /// Redis answered with an error (authentication, an ACL that forbids a command or key,
    /// a read-only replica, …): check the credentials and the ACL (see the crate docs).
    #[error("Redis refused the command")]
    Refused(#[source] redis::RedisError),
    /// The value under this key is not a token stored by keycard for it (corrupted, or written
    /// by something else). The next mint replaces it.
    #[error("the value under {key} is not a token stored for it")]
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

    /// Whether the store should leave Redis alone for a while after this error: an outage,
    /// or a TLS handshake that will fail the same way at once.
    pub(crate) fn takes_redis_down(&self) -> bool {
        self.is_outage() || matches!(self, Self::Tls(_) | Self::Protocol(_))
    }
}

impl From<redis::RedisError> for RedisStoreError {
    fn from(error: redis::RedisError) -> Self {
        if is_tls(&error) {
            Self::Tls(error)
        } else if crate::capped::is_too_large(&error) {
            Self::Protocol(error)
        } else if is_outage(&error) {
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

/// Whether rustls (the TLS of `rediss://`) failed somewhere in the error's causes: a
/// certificate it refused, or an alert from Redis refusing this client.
pub(crate) fn is_tls(error: &redis::RedisError) -> bool {
    any_cause(error, &|e| e.is::<rustls::Error>())
}

/// Whether a connection's error says that what came back was no Redis reply (not RESP), or a
/// reply past the cap. (A value of the wrong type, once read, is a refusal instead.)
pub(crate) fn is_protocol(error: &redis::RedisError) -> bool {
    error.kind() == redis::ErrorKind::Parse || crate::capped::is_too_large(error)
}

/// Whether `error` or one of its causes is `wanted`, looking inside the wrappers whose
/// `source()` skips what they wrap (an `io::Error`, an `Arc`).
pub(crate) fn any_cause(
    error: &(dyn std::error::Error + 'static),
    wanted: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if is_or_wraps(error, wanted) {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Whether `error` is `wanted`, directly or inside an `io::Error` or an `Arc`.
fn is_or_wraps(
    error: &(dyn std::error::Error + 'static),
    wanted: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    if wanted(error) {
        return true;
    }
    if let Some(shared) = error.downcast_ref::<Shared>() {
        let inner: &(dyn std::error::Error + 'static) = &**shared;
        return any_cause(inner, wanted);
    }
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        let inner: &(dyn std::error::Error + 'static) = inner;
        return any_cause(inner, wanted);
    }
    false
}
