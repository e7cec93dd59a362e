//! The Redis client both stores open, and how a store shows in `Debug`.

use crate::{RedisConfig, RedisStoreError};
use std::fmt;

/// A client for the Redis at `url`. Does not connect yet.
pub(crate) fn open(url: &str) -> Result<redis::Client, RedisStoreError> {
    redis::Client::open(url).map_err(RedisStoreError::Url)
}

/// A store's `Debug`: its type, the address (host and port, or socket path, and database:
/// never the user name or password of the URL) and the configuration.
pub(crate) fn debug(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    client: &redis::Client,
    config: &RedisConfig,
) -> fmt::Result {
    f.debug_struct(name)
        .field(
            "address",
            &format!("{}", client.get_connection_info().addr()),
        )
        .field("config", config)
        .finish_non_exhaustive()
}
