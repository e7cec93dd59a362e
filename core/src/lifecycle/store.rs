//! Keeping tokens across restarts: the [`TokenStore`] trait, the key a token is stored under,
//! the serialized form of a token, and an in-memory store.
//!
//! A restarted process that reuses a live token instead of minting another spares the API's
//! budget (Voucherify allows at most 1000 live tokens per project).

use super::{AuthScheme, Claim, Grant, LiveToken, MintLock};
use crate::AccessToken;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The key a token is stored under: the kind of token and a SHA-256 digest of everything that
/// identifies it (base URL, credentials, scope set or order id). It holds no secret: print it,
/// log it, use it as a Redis key or a file name.
///
/// Its text form is `keycard:v1:<namespace>:<64 hex digits>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreKey {
    text: String,
    namespace_len: usize,
}

impl StoreKey {
    /// A key in `namespace` (lowercase letters, digits, `-` and `_`; anything else is replaced
    /// by `_`) for the given parts, hashed with SHA-256. Each part is length-prefixed, so
    /// `["ab", "c"]` and `["a", "bc"]` differ.
    pub fn from_parts(namespace: &str, parts: &[&[u8]]) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"keycard store key v1\0");
        hash.update((namespace.len() as u64).to_be_bytes());
        hash.update(namespace.as_bytes());
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        let namespace: String = namespace
            .chars()
            .map(|c| match c {
                'a'..='z' | '0'..='9' | '-' | '_' => c,
                _ => '_',
            })
            .collect();
        let mut text = format!("keycard:v1:{namespace}:");
        for byte in hash.finalize() {
            text.push_str(&format!("{byte:02x}"));
        }
        Self {
            text,
            namespace_len: namespace.len(),
        }
    }

    /// The key for the token minted by `request`: hashes its method, URI, every header (sorted
    /// by name: this includes the credentials) and its body (the scope set).
    pub fn for_request(namespace: &str, request: &http::Request<Vec<u8>>) -> Self {
        let method = request.method().as_str().as_bytes();
        let uri = request.uri().to_string();
        let mut headers: Vec<(&str, &[u8])> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        headers.sort_unstable();
        let mut parts: Vec<&[u8]> = vec![method, uri.as_bytes()];
        for (name, value) in &headers {
            parts.push(name.as_bytes());
            parts.push(value);
        }
        parts.push(request.body());
        Self::from_parts(namespace, &parts)
    }

    /// The whole key, `keycard:v1:<namespace>:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The namespace, e.g. `voucherify`.
    pub fn namespace(&self) -> &str {
        let start = "keycard:v1:".len();
        &self.text[start..start + self.namespace_len]
    }

    /// The digest in hex (64 characters).
    pub fn digest_hex(&self) -> &str {
        &self.text[self.text.len() - 64..]
    }

    /// A form safe as a file name on every platform: `<namespace>-<hex>`.
    pub fn file_stem(&self) -> String {
        format!("{}-{}", self.namespace(), self.digest_hex())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreKey").field(&self.text).finish()
    }
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A token in the form a store keeps: **including its secret**. Serializing it (with serde)
/// writes the access token in clear; keep what you write owner-only. Its `Debug` is redacted.
///
/// Times are Unix milliseconds by the clock of the process that obtained the token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredToken {
    format: u32,
    #[serde(with = "exposed")]
    access_token: AccessToken,
    scheme: AuthScheme,
    grant: Grant,
    #[serde(with = "unix_ms")]
    obtained_at: SystemTime,
    #[serde(with = "unix_ms")]
    expires_at: SystemTime,
    #[serde(with = "unix_ms_opt", default)]
    server_expires_at: Option<SystemTime>,
}

/// The serialized format written by this version.
const FORMAT: u32 = 1;

impl StoredToken {
    /// The token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// How it travels.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// What it grants.
    pub fn grant(&self) -> &Grant {
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
    /// bytes, or bytes written for another key, are an error, never a panic; the error never
    /// quotes the secret.
    pub fn from_json(key: &StoreKey, bytes: &[u8]) -> Result<Self, DecodeError> {
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
    /// A stored token that cannot be used.
    #[error(transparent)]
    Restore(RestoreError),
}

impl LiveToken {
    /// The form a store keeps, secret included (see [`StoredToken`]).
    pub fn to_stored(&self) -> StoredToken {
        StoredToken {
            format: FORMAT,
            access_token: self.access_token().clone(),
            scheme: self.scheme(),
            grant: self.grant().clone(),
            obtained_at: self.obtained_at(),
            expires_at: self.expires_at(),
            server_expires_at: self.server_expires_at(),
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
    /// The stored token cannot be sent in a header: the store is corrupted.
    #[error("the stored token cannot be sent in a header: the store is corrupted")]
    UnsendableToken,
}

/// Where tokens outlive the process: load a live token at start, save each new one.
///
/// Implementations: [`MemoryStore`] here; `keycard::FileStore` in the facade crate;
/// `keycard::redis::RedisStore`, shared by a fleet of processes. An async program uses an
/// [`AsyncTokenStore`].
pub trait TokenStore {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks).
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error>;

    /// Stores `token` under `key`, replacing what was there.
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error>;

    /// Forgets the token under `key` (for example after revoking it). Absent is not an error.
    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error>;

    /// Asks to mint the token under `key` on behalf of every process sharing this store
    /// (fleet-wide single flight: [`Claim`] describes the protocol).
    ///
    /// The default answers [`Claim::NotShared`]: a store that only this process uses needs no
    /// lock. A shared store (`keycard::redis::RedisStore`) takes a short lock with an expiry.
    fn claim_mint(&self, key: &StoreKey) -> Result<Claim, Self::Error> {
        let _ = key;
        Ok(Claim::NotShared)
    }

    /// Releases a lock [`claim_mint`](Self::claim_mint) acquired, if this process still holds
    /// it (a lock that expired and was taken by another process is left alone). The default
    /// does nothing.
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        let _ = lock;
        Ok(())
    }
}

/// [`TokenStore`] for async code: the same operations, as futures (a network store such as
/// Redis does not block a runtime's thread).
///
/// Implementations: [`MemoryStore`] here (it never waits); `keycard::redis::AsyncRedisStore`.
pub trait AsyncTokenStore: Send + Sync {
    /// Why the store could not be read or written.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The token stored under `key`, if any (expired or not: the keeper checks).
    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send;

    /// Stores `token` under `key`, replacing what was there.
    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Forgets the token under `key`. Absent is not an error.
    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// See [`TokenStore::claim_mint`]. The default answers [`Claim::NotShared`].
    fn claim_mint(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send {
        let _ = key;
        std::future::ready(Ok(Claim::NotShared))
    }

    /// See [`TokenStore::release_mint`]. The default does nothing.
    fn release_mint(
        &self,
        lock: &MintLock,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = lock;
        std::future::ready(Ok(()))
    }
}

/// A store in memory: shared by keepers in one process, gone at exit. Useful in tests and as a
/// model for other stores.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<StoreKey, StoredToken>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tokens it holds.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, StoredToken>> {
        // A panic elsewhere while holding the lock leaves the map consistent: every operation
        // below is a single insert, get or remove.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl TokenStore for MemoryStore {
    type Error = std::convert::Infallible;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        Ok(self.map().get(key).cloned())
    }

    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        self.map().insert(key.clone(), token.clone());
        Ok(())
    }

    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        self.map().remove(key);
        Ok(())
    }
}

impl<S: TokenStore + ?Sized> TokenStore for std::sync::Arc<S> {
    type Error = S::Error;
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        (**self).load(key)
    }
    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        (**self).save(key, token)
    }
    fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        (**self).remove(key)
    }
    fn claim_mint(&self, key: &StoreKey) -> Result<Claim, Self::Error> {
        (**self).claim_mint(key)
    }
    fn release_mint(&self, lock: &MintLock) -> Result<(), Self::Error> {
        (**self).release_mint(lock)
    }
}

impl AsyncTokenStore for MemoryStore {
    type Error = std::convert::Infallible;

    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send {
        std::future::ready(TokenStore::load(self, key))
    }

    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(TokenStore::save(self, key, token))
    }

    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send {
        std::future::ready(TokenStore::remove(self, key))
    }
}

impl<S: AsyncTokenStore + ?Sized> AsyncTokenStore for std::sync::Arc<S> {
    type Error = S::Error;

    fn load(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Option<StoredToken>, Self::Error>> + Send {
        (**self).load(key)
    }

    fn save(
        &self,
        key: &StoreKey,
        token: &StoredToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).save(key, token)
    }

    fn remove(&self, key: &StoreKey) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).remove(key)
    }

    fn claim_mint(
        &self,
        key: &StoreKey,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send {
        (**self).claim_mint(key)
    }

    fn release_mint(
        &self,
        lock: &MintLock,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).release_mint(lock)
    }
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

fn from_ms(ms: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(ms))
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
