//! The Redis keys of a token and of everything kept beside it (the fleet's lock on minting it,
//! and whatever else a token needs): the one place that names them.
//!
//! Every key of one token holds its digest in a hash tag, `{<hex>}`: Redis Cluster places a
//! key by its hash tag alone, so the token, its lock and every other key of the token live in
//! one hash slot, and one script may touch them all. On a single Redis the braces are just
//! characters.
//!
//! | key | what |
//! |---|---|
//! | `[<prefix>:]keycard:v1:<namespace>:{<hex>}` | the token |
//! | `[<prefix>:]keycard:v1:<namespace>:{<hex>}:lock` | the fleet's lock on minting it |
//! | `[<prefix>:]keycard:v1:<namespace>:{<hex>}:hold` | the fleet's wait after a rate limit ([`hold_key`]) |
//! | `[<prefix>:]keycard:v1:<namespace>:{<hex>}:<suffix>` | any other key of the same token ([`token_part_key`]) |
//! | `[<prefix>:]keycard:v1:voucherify-project:{<hex>}:ledger` | the ledger of a budget's live tokens ([`ledger_key`]) |

use crate::RedisConfig;
use keycard_core::lifecycle::StoreKey;

/// The suffix of the fleet's lock on minting a token.
const LOCK: &str = "lock";

/// The suffix of the fleet's wait after a rate limit.
const HOLD: &str = "hold";

/// The suffix of a budget's ledger.
const LEDGER: &str = "ledger";

/// The Redis key of the token stored under `key`: the store key with its digest in a hash tag,
/// after the prefix.
pub(crate) fn token_key(config: &RedisConfig, key: &StoreKey) -> String {
    let text = key.as_str();
    let hex = key.digest_hex();
    // `keycard:v1:<namespace>:` then the digest, which ends the store key.
    let head = &text[..text.len() - hex.len()];
    let mut name = String::with_capacity(config.prefix.len() + text.len() + 3);
    if !config.prefix.is_empty() {
        name.push_str(&config.prefix);
        name.push(':');
    }
    name.push_str(head);
    name.push('{');
    name.push_str(hex);
    name.push('}');
    name
}

/// Another key of the token stored under `key`: `<token key>:<suffix>`, in the token's hash
/// slot (a cluster keeps it on the same node, and one script may touch both).
pub(crate) fn token_part_key(config: &RedisConfig, key: &StoreKey, suffix: &str) -> String {
    let mut name = token_key(config, key);
    name.push(':');
    name.push_str(suffix);
    name
}

/// The Redis key of the fleet's lock on minting the token under `key`.
pub(crate) fn lock_key(config: &RedisConfig, key: &StoreKey) -> String {
    token_part_key(config, key, LOCK)
}

/// The Redis key of the fleet's wait before minting the token under `key` again (a rate
/// limit): in the token's slot, so that the claim script reads it with the lock.
pub(crate) fn hold_key(config: &RedisConfig, key: &StoreKey) -> String {
    token_part_key(config, key, HOLD)
}

/// The Redis key of the ledger of live tokens for the budget `budget` (e.g. a Voucherify
/// project): a key of its own, in its own slot.
pub(crate) fn ledger_key(config: &RedisConfig, budget: &StoreKey) -> String {
    token_part_key(config, budget, LEDGER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of `name` Redis Cluster hashes: the first `{…}` with something inside, or the
    /// whole name (the rule of the cluster specification).
    fn hashed(name: &str) -> &str {
        if let Some(open) = name.find('{') {
            if let Some(len) = name[open + 1..].find('}') {
                if len > 0 {
                    return &name[open + 1..open + 1 + len];
                }
            }
        }
        name
    }

    #[test]
    fn keys_hold_no_secret_and_take_the_prefix() {
        let key = StoreKey::from_parts("voucherify", &[b"app-id", b"very-secret-key"]);
        let mut config = RedisConfig::default();
        assert_eq!(
            token_key(&config, &key),
            format!("keycard:v1:voucherify:{{{}}}", key.digest_hex())
        );
        config.prefix = "checkout".into();
        let name = token_key(&config, &key);
        assert!(
            name.starts_with("checkout:keycard:v1:voucherify:{"),
            "{name}"
        );
        assert!(!name.contains("secret"));
        assert_eq!(lock_key(&config, &key), format!("{name}:lock"));
        assert_eq!(
            token_part_key(&config, &key, "ledger"),
            format!("{name}:ledger")
        );
    }

    #[test]
    fn every_key_of_a_token_hashes_alike_whatever_the_prefix() {
        let key = StoreKey::from_parts("exact_order", &[b"order-1"]);
        let other = StoreKey::from_parts("exact_order", &[b"order-2"]);
        for prefix in ["", "checkout", "a{b", "{tenant}", "x}y{"] {
            let config = RedisConfig {
                prefix: prefix.into(),
                ..RedisConfig::default()
            };
            let token = token_key(&config, &key);
            let tag = hashed(&token);
            assert_eq!(hashed(&lock_key(&config, &key)), tag, "{prefix}");
            assert_eq!(
                hashed(&token_part_key(&config, &key, "any")),
                tag,
                "{prefix}"
            );
            if !prefix.contains('{') {
                assert_eq!(tag, key.digest_hex(), "{prefix}");
                assert_ne!(hashed(&token_key(&config, &other)), tag);
            }
        }
    }
}
