//! The Redis keys of a token and of the fleet's lock on minting it.

use crate::RedisConfig;
use keycard_core::lifecycle::StoreKey;

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
}
