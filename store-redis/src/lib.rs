//! # keycard-redis
//!
//! A keycard token store shared by a fleet — many processes or machines, or short-lived
//! serverless instances — on Redis. Without it each process mints its own token, and a fleet
//! burns through Voucherify's limit of 1000 live tokens per project and multiplies the load on
//! the token endpoint. With it:
//!
//! - **One token per key across the fleet.** A token is stored per credentials and scope set
//!   (per order for Exact Payments order tokens) under its [`StoreKey`], with a Redis expiry at
//!   the token's own. Every process that shares the Redis (and the [prefix](RedisConfig::prefix))
//!   reuses it.
//! - **Fleet-wide single flight.** A process that finds no live token takes a short lock
//!   (`SET <key>:lock <random owner id> NX PX <lock_ttl>`) before it mints; the others poll for
//!   the token it saves, for at most [`lock_wait`](RedisConfig::lock_wait). Only the holder
//!   releases the lock (a Lua compare-and-delete on its owner id); a holder that dies loses it
//!   when it expires, and another process takes over. See
//!   [`MintClaim`](keycard_core::lifecycle::MintClaim) for the protocol a token source runs.
//! - **Redis trouble never stops token issuance.** Every command has a timeout
//!   ([`command_timeout`](RedisConfig::command_timeout)); when Redis is down or too slow, the
//!   store fails fast for [`retry_after`](RedisConfig::retry_after), token sources mint alone
//!   and report it ([`Event::MintingAlone`] and [`Event::StoreFailed`], from the source's
//!   `drain_events`), and the next refresh tries Redis again.
//!
//! [`RedisStore`] is blocking: give it to a `BlockingSource` (`keycard_source`, or
//! `keycard::BlockingSource`, e.g. over `keycard::ureq`) with `with_store`.
//! [`AsyncRedisStore`] is async (tokio): give it to an `AsyncSource` (e.g. over
//! `keycard::reqwest`) with `with_async_store`. Both use the same keys, values and lock: sync
//! and async processes share one fleet.
//!
//! ```no_run
//! use keycard_core::lifecycle::SourceConfig;
//! use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard_core::SecretKey;
//! use keycard_redis::RedisStore;
//! use keycard_source::BlockingSource;
//! use keycard_ureq::UreqTransport;
//!
//! let api = voucherify::Api::new(
//!     Region::Europe.base_url(),
//!     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
//! );
//! let endpoint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
//! let store = RedisStore::open("rediss://keycard:password@redis.internal:6380/0")?;
//! let source = BlockingSource::new(UreqTransport::new(), endpoint, SourceConfig::default())
//!     .with_store(store);
//! let token = source.token()?; // one token for the whole fleet
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same with async code: an [`AsyncRedisStore`] on an `AsyncSource`, through
//! `with_async_store`:
//!
//! ```no_run
//! use keycard_core::lifecycle::SourceConfig;
//! use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
//! use keycard_core::SecretKey;
//! use keycard_redis::AsyncRedisStore;
//! use keycard_reqwest::ReqwestTransport;
//! use keycard_source::{AsyncSource, TokioSpawner};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let api = voucherify::Api::new(
//!     Region::Europe.base_url(),
//!     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
//! );
//! let endpoint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
//! let store = AsyncRedisStore::open("rediss://keycard:password@redis.internal:6380/0")?;
//! let source = AsyncSource::new(ReqwestTransport::new(), endpoint, SourceConfig::default())
//!     .with_async_store(store)
//!     .with_spawner(TokioSpawner); // refresh ahead of expiry in a background task
//! let token = source.token().await?;
//! # Ok(()) }
//! ```
//!
//! # Redis Cluster, TLS, clocks
//!
//! - **Redis Cluster**: [`RedisStore::open_cluster`] / [`AsyncRedisStore::open_cluster`] (or
//!   `with_cluster_config`) with a few of its nodes. Every key of a token holds the token's
//!   digest in a hash tag (`{…}`), so the token, its lock and its other keys share one slot
//!   and one script. Redirections are followed, and a command is tried again through a failover
//!   (each try bounded by [`command_timeout`](RedisConfig::command_timeout)). The ACL user
//!   also needs `+cluster|slots`.
//! - **TLS with a private CA, and mTLS**: [`RedisConfig::tls`] ([`RedisTls`]) takes the CA in
//!   PEM and, where Redis asks for one, a client certificate and key. A refused certificate is
//!   [`RedisStoreError::Tls`].
//! - **Clocks**: a token read from Redis carries the time Redis keeps it left (`PTTL`, read in
//!   the same script as the value), which readers use instead of the writer's wall clock
//!   ([`StoredToken::with_time_left`](keycard_core::lifecycle::StoredToken::with_time_left)).
//! - **Bad values and bounds**: an entry keycard never writes (undecodable, for another key, over
//!   [`MAX_STORED_TOKEN_LEN`](keycard_core::limits::MAX_STORED_TOKEN_LEN), without an expiry or
//!   kept longer than its token lives) is deleted as it is read and reported as
//!   [`RedisStoreError::Corrupt`]; its size is checked before it is read. A lock left without an
//!   expiry is given [`lock_ttl`](RedisConfig::lock_ttl). Every other reply is a number.
//! - **What a hostile or broken server can cost**: on one Redis the store opens the connection
//!   itself and reads at most
//!   [`MAX_STORE_REPLY_LEN`](keycard_core::limits::MAX_STORE_REPLY_LEN) (256 KiB) between two
//!   of its writes, with at most 3 commands in flight: a huge value or an endless array is
//!   [`RedisStoreError::Protocol`] (as are bytes that are not RESP) after a few MiB of memory
//!   at most, and the connection is dropped unread. Every command has a deadline
//!   ([`command_timeout`](RedisConfig::command_timeout)), however slowly the reply comes: the
//!   blocking store runs its commands on a thread of its own, as the async one does. On a
//!   cluster, the `redis` crate opens the nodes' connections: each try of a command has the
//!   same deadline, but a reply's size is not capped (a value's size is still checked before
//!   it is read); point a store at a cluster you trust.
//!
//! # What is stored, and how to protect it
//!
//! | Redis key | value | expiry |
//! |---|---|---|
//! | `[<prefix>:]keycard:v1:<namespace>:{<sha-256 hex>}` | the token as JSON ([`StoredToken::to_json`]): **the access token in clear**, its scheme, scopes or order id, when it was obtained and expires | the token's own expiry |
//! | the same, then `:lock` (in the token's hash slot: the `{…}` hash tag keeps every key of a token on one Redis Cluster node) | a random owner id (no secret) | [`lock_ttl`](RedisConfig::lock_ttl) |
//! | the same, then `:hold` | `1`: the fleet waits (a server answered 429 and named a time); claims answer [`MintClaim::HeldOff`](keycard_core::lifecycle::MintClaim::HeldOff) until it expires | the wait the server named (at most an hour) |
//! | `[<prefix>:]keycard:v1:voucherify-project:{<sha-256 hex>}:ledger` (per project: host and application id, hashed) | a sorted set of token fingerprints (128 bits of a SHA-256: no token), scored by expiry on Redis's clock: the fleet's live tokens | its last entry's expiry |
//!
//! The key is a SHA-256 digest of the mint request (base URL, credentials, scope set or order
//! id): it holds no secret and can be logged. The value **is** a secret, for as long as the
//! token lives (15 minutes for Voucherify and Exact order tokens): anyone who can read it can
//! call the API with the token's scopes. So:
//!
//! - **Encrypt in transit**: use `rediss://` (TLS, with rustls and the webpki roots; no
//!   OpenSSL) whenever Redis is not on the same host.
//! - **Restrict access with an ACL user** that may touch only keycard's keys and run only the
//!   commands it needs, e.g. with the prefix `checkout`:
//!   `ACL SETUSER keycard on >password ~checkout:keycard:* resetchannels -@all +get +set +del +pttl +pexpire +type +strlen +eval +evalsha +script|load +ping +zadd +zrem +zcard +zrange +zremrangebyscore +time`
//!   and connect as `rediss://keycard:password@host:6380/0`.
//! - Don't persist or replicate the database somewhere less protected than Redis itself
//!   (RDB/AOF files, backups hold the tokens until they expire).
//!
//! [`StoreKey`]: keycard_core::lifecycle::StoreKey
//! [`Event::MintingAlone`]: keycard_core::lifecycle::Event::MintingAlone
//! [`Event::StoreFailed`]: keycard_core::lifecycle::Event::StoreFailed
//! [`StoredToken::to_json`]: keycard_core::lifecycle::StoredToken::to_json
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod async_store;
mod capped;
mod client;
mod config;
mod error;
mod plan;
mod scrub;
mod store;
mod tls;

pub use async_store::AsyncRedisStore;
pub use config::RedisConfig;
pub use error::RedisStoreError;
pub use store::RedisStore;
pub use tls::RedisTls;
