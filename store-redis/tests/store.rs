//! The Redis stores against a real `redis-server`: what is stored and for how long, the fleet
//! lock, outages and restarts. (The fleet of processes is in `fleet.rs`.)

mod support;

use keycard_core::lifecycle::{
    AsyncTokenStore, Io, IoResult, MintClaim, SourceConfig, SourceMachine, Step, StoreKey,
    StoredToken, TokenEndpoint, TokenStore,
};
use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard_core::SecretKey;
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore, RedisStoreError};
use std::time::{Duration, Instant, SystemTime};
use support::RedisServer;

const SECRET_KEY: &str = "sk-very-secret-0123456789";

fn endpoint() -> voucherify::GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-id", SecretKey::new(SECRET_KEY)).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

/// A token obtained at `now` (wall clock), living `expires_in` seconds, and its key: minted by
/// a [`SourceMachine`] fed a canned response.
fn token(access_token: &str, now: SystemTime, expires_in: u64) -> (StoreKey, StoredToken) {
    // Stored times are whole milliseconds.
    let since = now.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(since.as_millis() as u64);
    let mut machine = SourceMachine::new(endpoint(), SourceConfig::default());
    let start = Instant::now();
    let waiter = machine.waiter(start);
    let Step::Io(Io::Send(id, _request)) = machine.poll(start, &waiter) else {
        unreachable!("a machine with no token and no store sends first")
    };
    let server_expiry = since.as_secs() + expires_in;
    let body = format!(
        r#"{{"access_token":"{access_token}","client_id":"c","expires_at":{server_expiry},"expires_in":{expires_in},"scope":"vouchers","token_type":"Bearer"}}"#
    );
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    assert!(machine
        .complete(id, IoResult::Sent(Ok(response)), start, now)
        .is_none());
    let stored = machine.current().expect("a token").to_stored();
    (machine.store_key().clone(), stored)
}

fn config() -> RedisConfig {
    let mut config = RedisConfig::default();
    config.prefix = "test".into();
    config.lock_ttl = Duration::from_millis(800);
    config.lock_wait = Duration::from_secs(3);
    config.connect_timeout = Duration::from_millis(300);
    config.command_timeout = Duration::from_millis(300);
    config.retry_after = Duration::from_millis(300);
    config
}

#[test]
fn a_token_is_stored_under_a_key_without_secrets_and_expires_with_the_token() {
    let redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, stored) = token("token-one", SystemTime::now(), 900);
    assert!(store.load(&key).unwrap().is_none());
    store.save(&key, &stored).unwrap();
    assert_eq!(store.load(&key).unwrap().as_ref(), Some(&stored));

    let name = store.token_key(&key);
    assert!(name.starts_with("test:keycard:v1:voucherify:{"), "{name}");
    let mut connection = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(keys, std::slice::from_ref(&name));
    for key in &keys {
        assert!(
            !key.contains(SECRET_KEY) && !key.contains("app-id"),
            "{key}"
        );
    }
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&name)
        .query(&mut connection)
        .unwrap();
    assert!((898_000..=900_000).contains(&ttl), "{ttl}");

    // A token that lives shorter does not replace it; a longer-lived one does.
    let (_, shorter) = token("token-two", SystemTime::now(), 600);
    store.save(&key, &shorter).unwrap();
    assert_eq!(store.load(&key).unwrap().as_ref(), Some(&stored));
    let (_, later) = token(
        "token-three",
        SystemTime::now() + Duration::from_secs(60),
        900,
    );
    store.save(&key, &later).unwrap();
    assert_eq!(store.load(&key).unwrap().as_ref(), Some(&later));

    // An expired token is not stored; removing is idempotent.
    store.remove(&key).unwrap();
    store.remove(&key).unwrap();
    let (_, expired) = token(
        "token-four",
        SystemTime::now() - Duration::from_secs(1000),
        900,
    );
    store.save(&key, &expired).unwrap();
    assert!(store.load(&key).unwrap().is_none());
}

#[test]
fn a_corrupt_or_foreign_value_is_an_error_not_a_panic() {
    let redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, stored) = token("token-one", SystemTime::now(), 900);
    let mut connection = redis.connection();
    let _: () = redis::cmd("SET")
        .arg(store.token_key(&key))
        .arg("not json")
        .query(&mut connection)
        .unwrap();
    let error = store.load(&key).unwrap_err();
    assert!(
        matches!(error, RedisStoreError::Corrupt { .. }),
        "{error:?}"
    );
    // Written for another key.
    let other = StoreKey::from_parts("voucherify", &[b"other"]);
    let _: () = redis::cmd("SET")
        .arg(store.token_key(&key))
        .arg(stored.to_json(&other))
        .query(&mut connection)
        .unwrap();
    let error = store.load(&key).unwrap_err();
    assert!(!format!("{error} {error:?}").contains("token-one"));
}

#[test]
fn the_fleet_lock_is_exclusive_released_only_by_its_holder_and_expires() {
    let redis = RedisServer::start();
    let a = RedisStore::with_config(&redis.url(), config()).unwrap();
    let b = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, _) = token("t", SystemTime::now(), 900);

    let MintClaim::Acquired(lock) = a.claim_mint(&key).unwrap() else {
        panic!("the first claim gets the lock")
    };
    let MintClaim::HeldElsewhere {
        poll_every,
        wait_at_most,
    } = b.claim_mint(&key).unwrap()
    else {
        panic!("the second claim waits")
    };
    assert_eq!(poll_every, config().poll_every);
    assert_eq!(wait_at_most, config().lock_wait);
    assert!(format!("{lock:?}").contains(lock.owner()));

    // The lock expires on its own (its holder died); another process takes it; the late
    // holder's release leaves the new holder's lock alone.
    std::thread::sleep(config().lock_ttl + Duration::from_millis(100));
    let MintClaim::Acquired(lock_b) = b.claim_mint(&key).unwrap() else {
        panic!("an expired lock can be taken")
    };
    a.release_mint(&lock).unwrap();
    assert!(matches!(
        a.claim_mint(&key).unwrap(),
        MintClaim::HeldElsewhere { .. }
    ));
    b.release_mint(&lock_b).unwrap();
    assert!(matches!(
        a.claim_mint(&key).unwrap(),
        MintClaim::Acquired(_)
    ));
}

#[test]
fn an_outage_fails_fast_and_a_restart_is_picked_up() {
    let mut redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, stored) = token("token-one", SystemTime::now(), 900);
    store.save(&key, &stored).unwrap();

    redis.stop();
    let error = store.load(&key).unwrap_err();
    assert!(error.is_outage(), "{error:?}");
    let started = Instant::now();
    let error = store.claim_mint(&key).unwrap_err();
    assert!(
        matches!(error, RedisStoreError::Unavailable { .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(50));

    redis.restart();
    std::thread::sleep(config().retry_after);
    // A new, empty Redis: the broken connection is replaced without an error.
    assert!(store.load(&key).unwrap().is_none());
    store.save(&key, &stored).unwrap();
    assert_eq!(store.load(&key).unwrap(), Some(stored));
}

#[test]
fn a_hung_redis_counts_as_down_within_the_command_timeout() {
    let redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, _) = token("t", SystemTime::now(), 900);
    store.ping().unwrap();
    let pid = redis.pid().unwrap().to_string();
    signal("-STOP", &pid);
    let started = Instant::now();
    let error = store.load(&key).unwrap_err();
    let waited = started.elapsed();
    signal("-CONT", &pid);
    assert!(error.is_outage(), "{error:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

fn signal(which: &str, pid: &str) {
    let status = std::process::Command::new("kill")
        .args([which, pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_async_store_shares_keys_values_and_locks_with_the_sync_one() {
    let redis = RedisServer::start();
    let sync = RedisStore::with_config(&redis.url(), config()).unwrap();
    let store = AsyncRedisStore::with_config(&redis.url(), config()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (key, stored) = token("token-one", SystemTime::now(), 900);
        assert!(store.load(&key).await.unwrap().is_none());
        store.save(&key, &stored).await.unwrap();
        assert_eq!(sync.load(&key).unwrap().as_ref(), Some(&stored));
        store.ping().await.unwrap();

        let MintClaim::Acquired(lock) = store.claim_mint(&key).await.unwrap() else {
            panic!("the first claim gets the lock")
        };
        assert!(matches!(
            sync.claim_mint(&key).unwrap(),
            MintClaim::HeldElsewhere { .. }
        ));
        store.release_mint(&lock).await.unwrap();
        assert!(matches!(
            sync.claim_mint(&key).unwrap(),
            MintClaim::Acquired(_)
        ));

        store.remove(&key).await.unwrap();
        assert!(sync.load(&key).unwrap().is_none());
    });
}

#[test]
fn the_async_store_survives_an_outage_and_a_restart() {
    let mut redis = RedisServer::start();
    let store = AsyncRedisStore::with_config(&redis.url(), config()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (key, stored) = token("token-one", SystemTime::now(), 900);
    runtime.block_on(store.save(&key, &stored)).unwrap();
    redis.stop();
    let error = runtime.block_on(store.load(&key)).unwrap_err();
    assert!(error.is_outage(), "{error:?}");
    redis.restart();
    std::thread::sleep(config().retry_after);
    assert!(runtime.block_on(store.load(&key)).unwrap().is_none());
    runtime.block_on(store.save(&key, &stored)).unwrap();
    assert_eq!(runtime.block_on(store.load(&key)).unwrap(), Some(stored));
}

#[test]
fn debug_shows_the_address_but_never_the_password() {
    let store = RedisStore::open("rediss://keycard:hunter2-password@127.0.0.1:6380/0").unwrap();
    let text = format!("{store:?}");
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let store =
        AsyncRedisStore::open("rediss://keycard:hunter2-password@127.0.0.1:6380/0").unwrap();
    assert!(!format!("{store:?}").contains("hunter2"));
    assert!(matches!(
        RedisStore::open("http://example.com"),
        Err(RedisStoreError::Url(_))
    ));
}

#[test]
fn the_documented_acl_user_is_enough() {
    let redis = RedisServer::start();
    let mut admin = redis.connection();
    // The ACL of the crate docs, with the prefix `test`.
    let rule = "on >keycard-password ~test:keycard:* resetchannels -@all +get +set +del +pttl \
                +pexpire +type +strlen +eval +evalsha +script|load +ping +zadd +zrem +zcard \
                +zrange +zremrangebyscore +time";
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("keycard")
        .arg(rule.split_whitespace().collect::<Vec<_>>())
        .query(&mut admin)
        .unwrap();
    let url = format!(
        "redis://keycard:keycard-password@127.0.0.1:{}/",
        redis.port()
    );
    let store = RedisStore::with_config(&url, config()).unwrap();
    let (key, stored) = token("token-one", SystemTime::now(), 900);
    store.ping().unwrap();
    assert!(store.load(&key).unwrap().is_none());
    store.save(&key, &stored).unwrap();
    assert_eq!(store.load(&key).unwrap(), Some(stored.clone()));
    let MintClaim::Acquired(lock) = store.claim_mint(&key).unwrap() else {
        panic!("the lock")
    };
    store.release_mint(&lock).unwrap();
    store.hold_off(&key, Duration::from_secs(1)).unwrap();
    let budget = endpoint().budget_key().unwrap();
    assert_eq!(
        store.record_mint(&budget, &stored).unwrap().unwrap().live,
        1
    );
    store.forget_mint(&budget, &stored.fingerprint()).unwrap();
    store.remove(&key).unwrap();

    // Outside its prefix, the user is refused: an error, not an outage.
    let mut other = config();
    other.prefix = "elsewhere".into();
    let store = RedisStore::with_config(&url, other).unwrap();
    let error = store.load(&key).unwrap_err();
    assert!(matches!(error, RedisStoreError::Refused(_)), "{error:?}");
    assert!(!error.is_outage());
    assert!(!format!("{error} {error:?}").contains("keycard-password"));
}

#[test]
fn exact_order_tokens_are_shared_per_order() {
    use keycard_core::{exact, ApiKey, BaseUrl};
    use keycard_emulator::{Emulator, Route};
    use keycard_source::BlockingSource;
    use keycard_ureq::UreqTransport;

    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let api = exact::Api::new(
        BaseUrl::parse(&emu.exact_url()).unwrap(),
        ApiKey::new(emu.exact_api_key()),
    )
    .unwrap();
    let orders = emu.exact_order_ids();
    // Two "processes" (each its own source and connection) per order, for two orders.
    let sources: Vec<_> = [orders[0], orders[0], orders[1], orders[1]]
        .into_iter()
        .map(|order| {
            BlockingSource::new(
                UreqTransport::new(),
                api.create_order_access_token(order).unwrap(),
                SourceConfig::default(),
            )
            .with_store(RedisStore::with_config(&redis.url(), config()).unwrap())
        })
        .collect();
    let tokens: Vec<_> = sources.iter().map(|s| s.token().unwrap()).collect();
    assert_eq!(tokens[0].access_token(), tokens[1].access_token());
    assert_eq!(tokens[2].access_token(), tokens[3].access_token());
    assert_ne!(tokens[0].access_token(), tokens[2].access_token());
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2, "one per order");
    assert_ne!(sources[0].store_key(), sources[2].store_key());
}

#[test]
fn a_wait_one_store_sets_holds_off_every_store_until_redis_expires_it() {
    let redis = RedisServer::start();
    let a = RedisStore::with_config(&redis.url(), config()).unwrap();
    let b = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, _) = token("token-one", SystemTime::now(), 900);
    a.hold_off(&key, Duration::from_millis(600)).unwrap();
    // A shorter wait does not cut a longer one short.
    b.hold_off(&key, Duration::from_millis(10)).unwrap();
    let MintClaim::HeldOff { retry_in } = b.claim_mint(&key).unwrap() else {
        panic!("every store is held off")
    };
    assert!(
        retry_in > Duration::from_millis(300) && retry_in <= Duration::from_millis(600),
        "{retry_in:?}"
    );
    // The wait is a key of the token: in its hash slot, with Redis's own expiry.
    let mut connection = redis.connection();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{}:hold", a.token_key(&key)))
        .query(&mut connection)
        .unwrap();
    assert!(ttl > 0 && ttl <= 600, "{ttl}");
    std::thread::sleep(Duration::from_millis(650));
    assert!(matches!(
        b.claim_mint(&key).unwrap(),
        MintClaim::Acquired(_)
    ));
}

#[test]
fn the_ledger_counts_live_tokens_across_sync_and_async_stores_on_redis_time() {
    let redis = RedisServer::start();
    let sync = RedisStore::with_config(&redis.url(), config()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let budget = endpoint().budget_key().unwrap();
    let now = SystemTime::now();
    let (_, long) = token("token-long", now, 900);
    let (_, other) = token("token-other", now, 900);
    let (_, short) = token("token-short", now, 1);
    assert_eq!(sync.count_live(&budget).unwrap().unwrap().live, 0);
    sync.record_mint(&budget, &long).unwrap();
    // Recording the same token twice counts it once.
    sync.record_mint(&budget, &long).unwrap();
    sync.record_mint(&budget, &short).unwrap();
    let count = runtime.block_on(async {
        let store = AsyncRedisStore::with_config(&redis.url(), config()).unwrap();
        store.record_mint(&budget, &other).await.unwrap().unwrap()
    });
    assert_eq!(count.live, 3);
    let first = count.next_expiry_in.unwrap();
    assert!(first <= Duration::from_secs(1), "{first:?}");

    // What Redis holds: fingerprints, no token, expiring with the last entry.
    let mut connection = redis.connection();
    let name = format!(
        "test:keycard:v1:voucherify-project:{{{}}}:ledger",
        budget.digest_hex()
    );
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(&name)
        .arg(0)
        .arg(-1)
        .query(&mut connection)
        .unwrap();
    assert_eq!(members.len(), 3);
    assert!(members.contains(&long.fingerprint()));
    assert!(members.iter().all(|m| !m.contains("token-")));
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&name)
        .query(&mut connection)
        .unwrap();
    assert!(ttl > 850_000 && ttl <= 900_000, "{ttl}");

    std::thread::sleep(first + Duration::from_millis(50));
    let count = sync.count_live(&budget).unwrap().unwrap();
    assert_eq!(count.live, 2, "the short one expired");
    sync.forget_mint(&budget, &other.fingerprint()).unwrap();
    assert_eq!(sync.count_live(&budget).unwrap().unwrap().live, 1);
}

/// A value a test writes under a token key by hand.
fn put(connection: &mut redis::Connection, name: &str, value: &[u8], ttl_ms: Option<u64>) {
    let mut set = redis::cmd("SET");
    set.arg(name).arg(value);
    if let Some(ttl) = ttl_ms {
        set.arg("PX").arg(ttl);
    }
    let _: () = set.query(connection).unwrap();
}

fn exists(connection: &mut redis::Connection, name: &str) -> bool {
    redis::cmd("EXISTS")
        .arg(name)
        .query::<i64>(connection)
        .unwrap()
        == 1
}

#[test]
fn a_bad_value_under_a_token_key_is_reported_deleted_and_replaced_by_the_next_save() {
    let redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, stored) = token("token-good", SystemTime::now(), 900);
    let name = store.token_key(&key);
    let json = stored.to_json(&key);
    let other = StoreKey::from_parts("voucherify", &[b"other"]);
    let text = String::from_utf8(json.clone()).unwrap();
    let cases: Vec<(&str, Vec<u8>, Option<u64>)> = vec![
        ("garbage", b"\xff\x00garbage".to_vec(), Some(600_000)),
        ("truncated", json[..json.len() / 2].to_vec(), Some(600_000)),
        (
            "another version",
            text.replace(r#""format":2"#, r#""format":9"#).into_bytes(),
            Some(600_000),
        ),
        ("another key's token", stored.to_json(&other), Some(600_000)),
        // A token kept a day: its own expiry is 15 minutes.
        ("kept longer than it lives", json.clone(), Some(86_400_000)),
        ("kept forever", json.clone(), None),
        ("too large", vec![b' '; 8 * 1024 * 1024], Some(600_000)),
    ];
    let mut connection = redis.connection();
    for (what, value, ttl) in cases {
        put(&mut connection, &name, &value, ttl);
        let started = Instant::now();
        let error = store.load(&key).unwrap_err();
        assert!(
            matches!(error, RedisStoreError::Corrupt { .. }),
            "{what}: {error:?}"
        );
        assert!(
            !format!("{error} {error:?}").contains("token-good"),
            "{what}"
        );
        assert!(started.elapsed() < Duration::from_millis(300), "{what}");
        assert!(!exists(&mut connection, &name), "{what}: repaired");
        // Absent now: the next load finds nothing, the next save stores a good token.
        assert!(store.load(&key).unwrap().is_none(), "{what}");
        store.save(&key, &stored).unwrap();
        assert_eq!(store.load(&key).unwrap(), Some(stored.clone()), "{what}");
    }
    // Not a string at all.
    let _: () = redis::cmd("DEL").arg(&name).query(&mut connection).unwrap();
    let _: () = redis::cmd("RPUSH")
        .arg(&name)
        .arg("x")
        .query(&mut connection)
        .unwrap();
    assert!(matches!(
        store.load(&key),
        Err(RedisStoreError::Corrupt { .. })
    ));
    assert!(!exists(&mut connection, &name));
}

#[test]
fn a_too_large_value_is_refused_unread_by_the_async_store_too() {
    let redis = RedisServer::start();
    let (key, _) = token("t", SystemTime::now(), 900);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = AsyncRedisStore::with_config(&redis.url(), config()).unwrap();
    let mut connection = redis.connection();
    let name = store.token_key(&key);
    let limit = keycard_core::limits::MAX_STORED_TOKEN_LEN;
    put(
        &mut connection,
        &name,
        &vec![b'x'; limit + 1],
        Some(600_000),
    );
    let error = runtime.block_on(store.load(&key)).unwrap_err();
    assert!(
        matches!(
            error,
            RedisStoreError::Corrupt {
                source: keycard_core::lifecycle::DecodeError::TooLarge { .. },
                ..
            }
        ),
        "{error:?}"
    );
    // At the limit it is read (and is no token).
    put(&mut connection, &name, &vec![b'x'; limit], Some(600_000));
    let error = runtime.block_on(store.load(&key)).unwrap_err();
    assert!(
        matches!(
            error,
            RedisStoreError::Corrupt {
                source: keycard_core::lifecycle::DecodeError::Malformed { .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_lock_left_without_expiry_is_given_one_and_taken_over_after_it() {
    let redis = RedisServer::start();
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, _) = token("t", SystemTime::now(), 900);
    let lock = store.lock_key(&key);
    let mut connection = redis.connection();
    for ttl in [None, Some(86_400_000)] {
        put(&mut connection, &lock, b"left-by-hand", ttl);
        assert!(matches!(
            store.claim_mint(&key).unwrap(),
            MintClaim::HeldElsewhere { .. }
        ));
        let left: i64 = redis::cmd("PTTL")
            .arg(&lock)
            .query(&mut connection)
            .unwrap();
        assert!(
            (1..=config().lock_ttl.as_millis() as i64).contains(&left),
            "{ttl:?}: {left}"
        );
        std::thread::sleep(config().lock_ttl + Duration::from_millis(100));
        let MintClaim::Acquired(taken) = store.claim_mint(&key).unwrap() else {
            panic!("{ttl:?}: taken over once it expired")
        };
        store.release_mint(&taken).unwrap();
    }
}

/// The system's clocks with the wall clock `offset` ahead (or behind).
struct Skewed {
    offset: Duration,
    ahead: bool,
}

impl Skewed {
    fn wall_now(&self) -> SystemTime {
        if self.ahead {
            SystemTime::now() + self.offset
        } else {
            SystemTime::now() - self.offset
        }
    }
}

impl keycard_source::Clock for Skewed {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        self.wall_now()
    }
}

/// A transport with no network: a source that tries to mint fails.
#[derive(Clone, Default)]
struct NoNetwork(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl keycard_core::Transport for NoNetwork {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, keycard_core::TransportError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(keycard_core::TransportError::new(
            keycard_core::TransportErrorKind::Connect,
            request.uri(),
            "no network in this test",
        ))
    }
}

#[test]
fn hosts_whose_clocks_disagree_by_minutes_agree_on_a_shared_tokens_life() {
    let redis = RedisServer::start();
    let minutes = |m: u64, ahead: bool| Skewed {
        offset: Duration::from_secs(m * 60),
        ahead,
    };
    // (writer, reader): a writer 20 minutes fast once made readers believe 2098 s left; a
    // reader 20 minutes fast took a live token for dead.
    for (writer, reader) in [
        (minutes(20, true), minutes(0, true)),
        (minutes(0, true), minutes(20, true)),
        (minutes(0, true), minutes(20, false)),
        (minutes(20, true), minutes(20, false)),
    ] {
        let store = RedisStore::with_config(&redis.url(), config()).unwrap();
        let (key, stored) = token("token-shared", writer.wall_now(), 900);
        store.remove(&key).unwrap();
        store.save(&key, &stored).unwrap();

        let network = NoNetwork::default();
        let source = keycard_source::BlockingSource::new(
            network.clone(),
            endpoint(),
            SourceConfig::default(),
        )
        .with_store(RedisStore::with_config(&redis.url(), config()).unwrap())
        .with_clock(reader);
        let token = source.token().unwrap();
        assert_eq!(token.access_token().expose_secret(), "token-shared");
        let left = token.remaining(Instant::now());
        assert!(
            left <= Duration::from_secs(900) && left > Duration::from_secs(890),
            "{left:?}"
        );
        assert_eq!(network.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    // A token that died by Redis's clock is not served, whatever a reader's clock says.
    let store = RedisStore::with_config(&redis.url(), config()).unwrap();
    let (key, stored) = token("token-short", minutes(20, true).wall_now(), 1);
    store.remove(&key).unwrap();
    store.save(&key, &stored).unwrap();
    std::thread::sleep(Duration::from_millis(1_100));
    let network = NoNetwork::default();
    let source =
        keycard_source::BlockingSource::new(network.clone(), endpoint(), SourceConfig::default())
            .with_store(RedisStore::with_config(&redis.url(), config()).unwrap())
            .with_clock(minutes(20, false));
    match source.token() {
        Ok(token) => assert_ne!(token.access_token().expose_secret(), "token-short"),
        Err(_) => assert!(network.0.load(std::sync::atomic::Ordering::SeqCst) > 0),
    }
}

#[test]
fn at_shutdown_a_source_revokes_only_the_token_no_store_holds() {
    use keycard_emulator::Emulator;
    use keycard_source::{AsyncSource, BlockingSource};
    use keycard_ureq::UreqTransport;

    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let api = support::voucherify_api(&emu);
    let endpoint = |scope| api.generate_token(&Scopes::from([scope])).unwrap();

    // Shared through Redis: it may serve other processes; left alone.
    let shared = BlockingSource::new(
        UreqTransport::new(),
        endpoint(Scope::Vouchers),
        SourceConfig::default(),
    )
    .with_store(RedisStore::with_config(&redis.url(), config()).unwrap());
    shared.token().unwrap();
    assert!(!shared.revoke_unshared().unwrap());
    assert_eq!(emu.live_voucherify_tokens(), 1);

    // No store: the token dies with the process; revoked, and forgotten.
    let alone = BlockingSource::new(
        UreqTransport::new(),
        endpoint(Scope::Customers),
        SourceConfig::default(),
    );
    alone.token().unwrap();
    assert_eq!(emu.live_voucherify_tokens(), 2);
    assert!(alone.revoke_unshared().unwrap());
    assert_eq!(emu.live_voucherify_tokens(), 1);
    assert!(alone.current().is_none());
    assert!(!alone.revoke_unshared().unwrap(), "nothing left to revoke");

    // The same from async code.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let source = AsyncSource::new(
            keycard_reqwest::ReqwestTransport::new(),
            endpoint(Scope::Orders),
            SourceConfig::default(),
        );
        source.token().await.unwrap();
        assert_eq!(emu.live_voucherify_tokens(), 2);
        assert!(source.revoke_unshared().await.unwrap());
    });
    assert_eq!(emu.live_voucherify_tokens(), 1);
}

#[test]
fn a_bad_value_is_repaired_by_one_mint_for_the_whole_fleet() {
    use keycard_emulator::Emulator;
    use keycard_source::BlockingSource;
    use keycard_ureq::UreqTransport;

    let redis = RedisServer::start();
    let emu = Emulator::start().unwrap();
    let api = support::voucherify_api(&emu);
    let endpoint = || {
        api.generate_token(&Scopes::from([Scope::Vouchers]))
            .unwrap()
    };
    // Garbage under the fleet's token key, as a broken writer or a person might leave it.
    let name = RedisStore::with_config(&redis.url(), config())
        .unwrap()
        .token_key(&endpoint().store_key());
    put(
        &mut redis.connection(),
        &name,
        b"\xff\x00garbage",
        Some(600_000),
    );

    // Eight members of the fleet, each with its own connection, all asking at once.
    let start = std::sync::Barrier::new(8);
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let members: Vec<_> = (0..8)
            .map(|_| {
                let (start, endpoint, url) = (&start, endpoint(), redis.url());
                scope.spawn(move || {
                    let source = BlockingSource::new(
                        UreqTransport::new(),
                        endpoint,
                        SourceConfig::default(),
                    )
                    .with_store(RedisStore::with_config(&url, config()).unwrap());
                    start.wait();
                    let token = source.token().unwrap();
                    token.access_token().expose_secret().to_owned()
                })
            })
            .collect();
        members.into_iter().map(|m| m.join().unwrap()).collect()
    });
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    assert_eq!(emu.live_voucherify_tokens(), 1, "one mint for the fleet");
    let stored = RedisStore::with_config(&redis.url(), config())
        .unwrap()
        .load(&endpoint().store_key())
        .unwrap()
        .expect("the good token replaced the bad value");
    assert_eq!(stored.access_token().expose_secret(), tokens[0]);
}

#[test]
fn both_stores_share_tokens_over_a_unix_socket() {
    let redis = RedisServer::start_with_unix_socket();
    let url = redis.socket_url();
    let store = RedisStore::with_config(&url, config()).unwrap();
    let (key, stored) = token("over-a-socket", SystemTime::now(), 900);
    store.save(&key, &stored).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = AsyncRedisStore::with_config(&url, config()).unwrap();
    let loaded = runtime.block_on(async_store.load(&key)).unwrap();
    assert_eq!(loaded, Some(stored.clone()));
    // The same Redis as over TCP.
    let over_tcp = RedisStore::with_config(&redis.url(), config()).unwrap();
    assert_eq!(over_tcp.load(&key).unwrap(), Some(stored));
}

#[test]
fn tls_settings_keycard_cannot_honour_are_refused_when_the_store_is_made() {
    use keycard_redis::RedisTls;

    // No certificate check at all: never.
    let insecure = "rediss://127.0.0.1:6380/#insecure";
    assert!(matches!(
        RedisStore::open(insecure),
        Err(RedisStoreError::Url(_))
    ));
    assert!(matches!(
        AsyncRedisStore::open(insecure),
        Err(RedisStoreError::Url(_))
    ));
    // A CA that holds no certificate, or certificates for a URL without TLS: not ignored.
    let mut config = config();
    config.tls = RedisTls::default().with_ca_pem("not a PEM");
    let error = RedisStore::with_config("rediss://127.0.0.1:6380/", config.clone()).unwrap_err();
    assert!(matches!(error, RedisStoreError::Url(_)), "{error:?}");
    let error = AsyncRedisStore::with_config("redis://127.0.0.1:6379/", config).unwrap_err();
    assert!(matches!(error, RedisStoreError::Url(_)), "{error:?}");
    // The same for a cluster's nodes.
    let error = RedisStore::open_cluster(&["redis://127.0.0.1:7000", insecure]).unwrap_err();
    assert!(matches!(error, RedisStoreError::Url(_)), "{error:?}");
    let mut config = self::config();
    config.tls = RedisTls::default().with_ca_pem("not a PEM");
    let error =
        AsyncRedisStore::with_cluster_config(&["redis://127.0.0.1:7000"], config).unwrap_err();
    assert!(matches!(error, RedisStoreError::Url(_)), "{error:?}");
}
