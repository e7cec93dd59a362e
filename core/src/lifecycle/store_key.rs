//! The key a token is stored under: no secret in it.

use sha2::{Digest, Sha256};
use std::fmt;

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
