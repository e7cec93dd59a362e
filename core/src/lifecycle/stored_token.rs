//! A token in the form a store keeps, secret included, and why one could not be read back.

use super::{AuthScheme, LiveToken, StoreKey};
use crate::limits::{MAX_STORED_TOKEN_LEN, MAX_UNIX_SECONDS};
use crate::AccessToken;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A token in the form a store keeps: **including its secret**. Serializing it (with serde)
/// writes the access token in clear; keep what you write owner-only. Its `Debug` is redacted.
///
/// Times are Unix milliseconds by the wall clock of the process that obtained the token: a
/// store is read by other processes, and only wall time means the same to all of them. They are
/// read up to the end of year 9999 ([`MAX_UNIX_SECONDS`]); a later time is malformed.
///
/// Two are equal when they hold the same token and times, whatever a store measured of their
/// time left.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredToken {
    format: u32,
    #[serde(with = "exposed")]
    access_token: AccessToken,
    scheme: AuthScheme,
    /// What the token grants, as the endpoint's grant type serializes it.
    grant: serde_json::Value,
    #[serde(with = "unix_ms")]
    obtained_at: SystemTime,
    #[serde(with = "unix_ms")]
    expires_at: SystemTime,
    #[serde(with = "unix_ms_opt", default)]
    server_expires_at: Option<SystemTime>,
    /// How long it had left when read, measured by the store's own clock (not stored).
    #[serde(skip)]
    time_left: Option<Duration>,
}

impl PartialEq for StoredToken {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format
            && self.access_token == other.access_token
            && self.scheme == other.scheme
            && self.grant == other.grant
            && self.obtained_at == other.obtained_at
            && self.expires_at == other.expires_at
            && self.server_expires_at == other.server_expires_at
    }
}

impl Eq for StoredToken {}

/// The serialized format written by this version.
/// (1: a grant tagged with its API, before grants became the endpoint's own type.)
const FORMAT: u32 = 2;

impl StoredToken {
    /// The token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// How it travels.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// What it grants, in its serialized form.
    pub fn grant(&self) -> &serde_json::Value {
        &self.grant
    }

    /// When it was obtained (local clock of the process that obtained it).
    pub fn obtained_at(&self) -> SystemTime {
        self.obtained_at
    }

    /// When it expires (local clock of the process that obtained it). A shared store uses it
    /// for the entry's time to live.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The expiry the server stated, by the server's clock.
    pub fn server_expires_at(&self) -> Option<SystemTime> {
        self.server_expires_at
    }

    /// Whether it is still valid at `now`.
    pub fn is_valid(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }

    /// The token as read from a shared store that measured how long it has left by its own
    /// clock (Redis's time to live of the entry): readers take `left` instead of counting
    /// from [`expires_at`](Self::expires_at), which the writer's clock set. Hosts whose
    /// clocks disagree then agree on the token's life. It is capped at the token's lifetime.
    pub fn with_time_left(mut self, left: Duration) -> Self {
        self.time_left = Some(left);
        self
    }

    /// How long it has left at `wall` (the reader's clock): what the store measured (see
    /// [`with_time_left`](Self::with_time_left)), at most the token's lifetime; otherwise
    /// until [`expires_at`](Self::expires_at).
    pub fn time_left(&self, wall: SystemTime) -> Duration {
        match self.time_left {
            Some(left) => {
                let lifetime = self
                    .expires_at
                    .duration_since(self.obtained_at)
                    .unwrap_or_default();
                left.min(lifetime)
            }
            None => self.expires_at.duration_since(wall).unwrap_or_default(),
        }
    }

    /// Checks what was read back: a known format and a token that can travel in a header.
    pub(crate) fn check(&self) -> Result<(), RestoreError> {
        if self.format != FORMAT {
            return Err(RestoreError::UnknownFormat {
                format: self.format,
            });
        }
        if !crate::request::is_header_safe_token(self.access_token.expose_secret()) {
            return Err(RestoreError::UnsendableToken);
        }
        Ok(())
    }
}

/// The envelope [`StoredToken::to_json`] writes: the key it was written for, and the token.
#[derive(serde::Serialize)]
struct EnvelopeOut<'a> {
    key: &'a str,
    token: &'a StoredToken,
}

#[derive(serde::Deserialize)]
struct EnvelopeIn {
    key: String,
    token: StoredToken,
}

impl StoredToken {
    /// JSON bytes for a store that keeps bytes (a file, a Redis value):
    /// `{"key":"keycard:v1:…","token":{…}}`. **Holds the secret.**
    pub fn to_json(&self, key: &StoreKey) -> Vec<u8> {
        let envelope = EnvelopeOut {
            key: key.as_str(),
            token: self,
        };
        // Serializing plain fields (strings, integers, a scope string) to JSON cannot fail.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }

    /// Reads what [`to_json`](Self::to_json) wrote for `key`, checked like a restore. Corrupted
    /// bytes, bytes written for another key, or more than [`MAX_STORED_TOKEN_LEN`] bytes are an
    /// error, never a panic; the error never quotes the secret.
    pub fn from_json(key: &StoreKey, bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_STORED_TOKEN_LEN {
            return Err(DecodeError::TooLarge {
                limit: MAX_STORED_TOKEN_LEN,
            });
        }
        let envelope: EnvelopeIn =
            crate::json::from_slice(bytes).map_err(|kind| DecodeError::Malformed {
                reason: kind.to_string(),
            })?;
        if envelope.key != key.as_str() {
            return Err(DecodeError::OtherKey);
        }
        envelope.token.check().map_err(DecodeError::Restore)?;
        Ok(envelope.token)
    }
}

/// Stored bytes could not be read back as a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not a stored token (corrupted, truncated, or not written by keycard). Delete it: the
    /// keeper will mint a new token.
    #[error("not a stored token: {reason}")]
    Malformed {
        /// What is wrong (never quotes string values).
        reason: String,
    },
    /// A stored token, but written for another key (a file copied or renamed by hand).
    #[error("the stored token was written for another key")]
    OtherKey,
    /// More bytes than a stored token takes ([`MAX_STORED_TOKEN_LEN`]): not read at all.
    #[error("larger than a stored token may be ({limit} bytes)")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A stored token that cannot be used.
    #[error(transparent)]
    Restore(RestoreError),
}

impl<G: serde::Serialize> LiveToken<G> {
    /// The form a store keeps, secret included (see [`StoredToken`]).
    pub fn to_stored(&self) -> StoredToken {
        StoredToken {
            format: FORMAT,
            access_token: self.access_token().clone(),
            scheme: self.scheme(),
            // A grant is plain data (a scope set, an id): serializing it cannot fail.
            grant: serde_json::to_value(self.grant()).unwrap_or_default(),
            obtained_at: storable(self.wall_obtained_at()),
            expires_at: storable(self.wall_expires_at()),
            server_expires_at: self.server_expires_at().map(storable),
            time_left: None,
        }
    }
}

/// A stored token could not be taken back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// It was written by another version of keycard in a format this one does not read: the
    /// keeper will mint a new token.
    #[error("stored token format {format} is not one this version reads")]
    UnknownFormat {
        /// The format number found.
        format: u32,
    },
    /// The stored token cannot be sent in a header (empty, with spaces or control characters,
    /// or longer than [`MAX_TOKEN_LEN`](crate::limits::MAX_TOKEN_LEN)): the store is corrupted.
    #[error("the stored token cannot be sent in a header: the store is corrupted")]
    UnsendableToken,
    /// The stored grant is not one this endpoint's tokens have (another kind of token was
    /// stored under this key): the store is corrupted.
    #[error("the stored token's grant is not one this endpoint gives")]
    OtherGrant,
}

mod exposed {
    use crate::AccessToken;

    pub fn serialize<S: serde::Serializer>(t: &AccessToken, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.expose_secret())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AccessToken, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        Ok(AccessToken::new(text))
    }
}

fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The last millisecond a stored time may be.
const MAX_MS: u64 = MAX_UNIX_SECONDS * 1000 + 999;

/// A stored time, if it is at most [`MAX_MS`].
fn from_ms(ms: u64) -> Option<SystemTime> {
    (ms <= MAX_MS)
        .then(|| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .flatten()
}

/// `t`, or the last time a store can hold if it is later (a lifetime of millennia), so that
/// what is written reads back the same.
fn storable(t: SystemTime) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(MAX_MS))
        .map_or(t, |last| t.min(last))
}

mod unix_ms {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(super::to_ms(*t))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms: u64 = serde::Deserialize::deserialize(d)?;
        super::from_ms(ms).ok_or_else(|| serde::de::Error::custom("time out of range"))
    }
}

mod unix_ms_opt {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::to_ms(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        let ms: Option<u64> = serde::Deserialize::deserialize(d)?;
        ms.map(|ms| super::from_ms(ms).ok_or_else(|| serde::de::Error::custom("time out of range")))
            .transpose()
    }
}
