//! The plan without Redis: replies fed in, commands and decisions checked.

use super::*;
use crate::RedisStoreError;
use keycard_core::lifecycle::{LiveCount, MintClaim, MintLock};
use redis::{Cmd, RedisResult, Value};
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "token-very-secret";

fn config() -> RedisConfig {
    RedisConfig {
        prefix: "test".into(),
        retry_after: Duration::from_secs(60),
        ..RedisConfig::default()
    }
}

fn key() -> StoreKey {
    StoreKey::from_parts("exact_order", &[b"order-1"])
}

/// An Exact Payments order token obtained at `obtained` and expiring at `expires` (Unix ms),
/// in stored format 2 (the grant is the endpoint's: the order id).
fn token(obtained: u64, expires: u64) -> StoredToken {
    let json = format!(
        r#"{{"key":"{}","token":{{"format":2,"access_token":"{SECRET}","scheme":"raw","grant":"order-1","obtained_at":{obtained},"expires_at":{expires}}}}}"#,
        key().as_str()
    );
    StoredToken::from_json(&key(), json.as_bytes()).expect("a stored token")
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// The command's words, as text (binary ones lossily).
fn words(command: &Cmd) -> Vec<String> {
    command
        .args_iter()
        .map(|arg| match arg {
            redis::Arg::Simple(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            _ => "<cursor>".to_owned(),
        })
        .collect()
}

fn reply(resp: &str) -> RedisResult<Value> {
    redis::parse_redis_value(resp.as_bytes())
}

fn ok(text: &str) -> RedisResult<Value> {
    Ok(Value::SimpleString(text.to_owned()))
}

fn bulk(bytes: impl Into<Vec<u8>>) -> RedisResult<Value> {
    Ok(Value::BulkString(bytes.into()))
}

fn int(n: i64) -> RedisResult<Value> {
    Ok(Value::Int(n))
}

fn broken() -> RedisResult<Value> {
    Err(std::io::Error::from(std::io::ErrorKind::ConnectionReset).into())
}

fn timed_out() -> RedisResult<Value> {
    Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into())
}

/// The next command, or a panic naming what came instead.
fn sent<T>(next: Next<T>) -> Cmd {
    match next {
        Next::Send(command) => command,
        Next::Reconnect(_) => panic!("reconnect"),
        Next::Broken(error) => panic!("broken: {error}"),
        Next::Done(_) => panic!("done"),
    }
}

fn done<T>(next: Next<T>) -> Result<T, RedisStoreError> {
    match next {
        Next::Done(result) => result,
        Next::Send(command) => panic!("send {:?}", words(&command)),
        Next::Reconnect(command) => panic!("reconnect, send {:?}", words(&command)),
        Next::Broken(error) => panic!("broken: {error}"),
    }
}

#[test]
fn ping_sends_ping() {
    let plan = Plan::new(config());
    let (mut exchange, command) = plan.begin(plan.ping(), false);
    assert_eq!(words(&command), ["PING"]);
    done(exchange.read(ok("PONG"))).unwrap();
}

/// The load script's reply for a value kept `left_ms` more.
fn found(left_ms: i64, value: Vec<u8>) -> RedisResult<Value> {
    Ok(Value::Array(vec![
        Value::Int(0),
        Value::Int(left_ms),
        Value::BulkString(value),
    ]))
}

#[test]
fn load_runs_the_script_and_takes_the_time_left_by_redis_clock() {
    let plan = Plan::new(config());
    let name = plan.token_key(&key());
    // Obtained and expiring by a writer's clock far from any reader's.
    let stored = token(1_000, 901_000);

    let (mut exchange, command) = plan.begin(plan.load(&key()), false);
    let hash = redis::Script::new(script::LOAD).get_hash().to_owned();
    assert_eq!(words(&command), ["EVALSHA", &hash, "1", &name, "65536"]);
    let loaded = done(exchange.read(found(300_000, stored.to_json(&key()))))
        .unwrap()
        .unwrap();
    assert_eq!(loaded.access_token(), stored.access_token());
    // Whatever the reader's clock says.
    for wall in [at(0), at(500_000), at(10_000_000)] {
        assert_eq!(loaded.time_left(wall), Duration::from_secs(300));
    }

    let (mut exchange, _) = plan.begin(plan.load(&key()), false);
    assert_eq!(done(exchange.read(Ok(Value::Nil))).unwrap(), None);
}

#[test]
fn a_value_that_is_no_token_for_the_key_is_deleted_if_unchanged_and_never_quoted() {
    let plan = Plan::new(config());
    let name = plan.token_key(&key());
    let other = StoreKey::from_parts("exact_order", &[b"order-2"]);
    let repair = redis::Script::new(script::RELEASE).get_hash().to_owned();
    for (value, left) in [
        (b"not json".to_vec(), 1_000),
        (token(1_000, 901_000).to_json(&other), 1_000),
        // Kept far longer than the token lives: not written by keycard.
        (token(1_000, 901_000).to_json(&key()), 86_400_000),
    ] {
        let (mut exchange, _) = plan.begin(plan.load(&key()), false);
        let delete = sent(exchange.read(found(left, value.clone())));
        let mut expected = vec![
            "EVALSHA".to_owned(),
            repair.clone(),
            "1".into(),
            name.clone(),
        ];
        expected.push(String::from_utf8_lossy(&value).into_owned());
        assert_eq!(words(&delete), expected);
        let error = done(exchange.read(int(1))).unwrap_err();
        assert!(
            matches!(&error, RedisStoreError::Corrupt { key, .. } if *key == name),
            "{error:?}"
        );
        assert!(!format!("{error} {error:?}").contains(SECRET));
    }
    // What the script deleted itself: too large (unread), no expiry, not a string.
    for (code, rest) in [(1, vec![Value::Int(10_000_000)]), (2, vec![]), (3, vec![])] {
        let mut items = vec![Value::Int(code)];
        items.extend(rest);
        let (mut exchange, _) = plan.begin(plan.load(&key()), false);
        let error = done(exchange.read(Ok(Value::Array(items)))).unwrap_err();
        assert!(
            matches!(error, RedisStoreError::Corrupt { .. }),
            "{error:?}"
        );
    }
    // A reply the script never gives is a refusal.
    for odd in [int(3), Ok(Value::Array(vec![Value::Int(9)]))] {
        let (mut exchange, _) = plan.begin(plan.load(&key()), false);
        let error = done(exchange.read(odd)).unwrap_err();
        assert!(matches!(error, RedisStoreError::Refused(_)), "{error:?}");
    }
}

#[test]
fn save_runs_the_script_with_the_value_and_the_time_left() {
    let plan = Plan::new(config());
    let stored = token(1_000, 901_000);
    let save = plan.save(&key(), &stored, at(1_500)).unwrap();
    let (mut exchange, command) = plan.begin(save, false);
    let hash = redis::Script::new(script::SAVE).get_hash().to_owned();
    let value = String::from_utf8(stored.to_json(&key())).unwrap();
    let name = plan.token_key(&key());
    assert_eq!(
        words(&command),
        ["EVALSHA", &hash, "1", &name, &value, "899500"]
    );
    done(exchange.read(int(1))).unwrap();
    // 0: a longer-lived token is there, which is as good.
    let save = plan.save(&key(), &stored, at(1_500)).unwrap();
    let (mut exchange, _) = plan.begin(save, false);
    done(exchange.read(int(0))).unwrap();
}

#[test]
fn the_time_to_live_counts_from_the_later_of_now_and_obtained() {
    let plan = Plan::new(config());
    let stored = token(10_000, 70_000);
    let ttl = |now| {
        let save = plan.save(&key(), &stored, at(now))?;
        let (_, command) = plan.begin(save, false);
        words(&command).pop()
    };
    // This clock is behind the one that obtained the token: count from when it was obtained.
    assert_eq!(ttl(5_000).as_deref(), Some("60000"));
    assert_eq!(ttl(40_000).as_deref(), Some("30000"));
    assert_eq!(ttl(69_999).as_deref(), Some("1"));
    // Expired: nothing to store.
    assert!(plan.save(&key(), &stored, at(70_000)).is_none());
    assert!(plan.save(&key(), &stored, at(99_000)).is_none());
}

#[test]
fn a_script_redis_does_not_know_is_loaded_then_run_again_once() {
    let plan = Plan::new(config());
    let lock = MintLock::new(key(), "owner-1", Duration::from_secs(10));
    let (mut exchange, first) = plan.begin(plan.release(&lock), true);
    let hash = redis::Script::new(script::RELEASE).get_hash().to_owned();
    let name = plan.lock_key(&key());
    assert_eq!(words(&first), ["EVALSHA", &hash, "1", &name, "owner-1"]);

    let noscript = "-NOSCRIPT No matching script. Please use EVAL.\r\n";
    let load = sent(exchange.read(reply(noscript)));
    assert_eq!(words(&load), ["SCRIPT", "LOAD", script::RELEASE]);
    let again = sent(exchange.read(bulk(hash.clone())));
    assert_eq!(words(&again), words(&first));
    done(exchange.read(int(1))).unwrap();

    // Not known even after loading it: a refusal, not a loop.
    let (mut exchange, _) = plan.begin(plan.release(&lock), true);
    sent(exchange.read(reply(noscript)));
    sent(exchange.read(bulk(hash)));
    let error = done(exchange.read(reply(noscript))).unwrap_err();
    assert!(matches!(error, RedisStoreError::Refused(_)), "{error:?}");
}

#[test]
fn remove_deletes_the_token_key() {
    let plan = Plan::new(config());
    let (mut exchange, command) = plan.begin(plan.remove(&key()), false);
    assert_eq!(words(&command), ["DEL", plan.token_key(&key()).as_str()]);
    done(exchange.read(int(0))).unwrap();
}

#[test]
fn a_claim_runs_the_claim_script_on_the_lock_and_the_wait_of_the_token() {
    let config = config();
    let plan = Plan::new(config.clone());
    let hash = redis::Script::new(script::CLAIM).get_hash().to_owned();
    let (lock, hold) = (plan.lock_key(&key()), plan.hold_key(&key()));
    let (mut exchange, command) = plan.begin(plan.claim(&key(), "owner-1".into()), false);
    assert_eq!(
        words(&command),
        // The lock's time to live, and the longest one left to another's lock (lock_wait).
        ["EVALSHA", &hash, "2", &lock, &hold, "owner-1", "10000", "15000"]
    );
    let MintClaim::Acquired(acquired) = done(exchange.read(int(0))).unwrap() else {
        panic!("acquired")
    };
    assert_eq!(acquired, MintLock::new(key(), "owner-1", config.lock_ttl));

    let (mut exchange, _) = plan.begin(plan.claim(&key(), "owner-2".into()), false);
    assert_eq!(
        done(exchange.read(int(-1))).unwrap(),
        MintClaim::HeldElsewhere {
            poll_every: config.poll_every,
            wait_at_most: config.lock_wait,
        }
    );
    let (mut exchange, _) = plan.begin(plan.claim(&key(), "owner-2".into()), false);
    assert_eq!(
        done(exchange.read(int(2_500))).unwrap(),
        MintClaim::HeldOff {
            retry_in: Duration::from_millis(2_500)
        }
    );
    for odd in [int(-2), bulk("soon")] {
        let (mut exchange, _) = plan.begin(plan.claim(&key(), "owner-2".into()), false);
        let error = done(exchange.read(odd)).unwrap_err();
        assert!(matches!(error, RedisStoreError::Refused(_)), "{error:?}");
    }
}

#[test]
fn a_claim_retried_after_a_broken_connection_runs_the_same_script_again() {
    // The script answers 0 to the owner whose first try set the lock.
    let plan = Plan::new(config());
    let (mut exchange, first) = plan.begin(plan.claim(&key(), "owner-1".into()), true);
    let Next::Reconnect(again) = exchange.read(broken()) else {
        panic!("a broken reused connection is replaced once")
    };
    assert_eq!(words(&again), words(&first));
    assert!(matches!(
        done(exchange.read(int(0))).unwrap(),
        MintClaim::Acquired(_)
    ));
}

#[test]
fn holding_off_sets_the_wait_of_the_token_in_ms() {
    let plan = Plan::new(config());
    let hash = redis::Script::new(script::HOLD).get_hash().to_owned();
    let hold = plan.hold_key(&key());
    assert!(hold.starts_with(&plan.token_key(&key())));
    let (mut exchange, command) = plan.begin(plan.hold_off(&key(), Duration::from_secs(3)), false);
    assert_eq!(words(&command), ["EVALSHA", &hash, "1", &hold, "3000"]);
    done(exchange.read(int(1))).unwrap();
}

#[test]
fn the_ledger_records_a_fingerprint_never_the_token_and_reads_the_count() {
    let plan = Plan::new(config());
    let hash = redis::Script::new(script::LEDGER).get_hash().to_owned();
    let budget = StoreKey::from_parts("voucherify-project", &[b"host", b"app-1"]);
    let ledger = plan.ledger_key(&budget);
    let stored = token(1_000, 901_000);
    let (mut exchange, command) = plan.begin(plan.record_mint(&budget, &stored, at(1_500)), false);
    let fingerprint = stored.fingerprint();
    assert_eq!(
        words(&command),
        ["EVALSHA", &hash, "1", &ledger, &fingerprint, "899500"]
    );
    assert!(!words(&command).concat().contains(SECRET));
    let count = done(exchange.read(reply("*2\r\n:3\r\n:120000\r\n"))).unwrap();
    assert_eq!(count, LiveCount::new(3, Some(Duration::from_secs(120))));

    // Counting adds nothing; an expired token is only counted against.
    let (mut exchange, command) = plan.begin(plan.count_live(&budget), false);
    assert_eq!(words(&command), ["EVALSHA", &hash, "1", &ledger]);
    let count = done(exchange.read(reply("*2\r\n:0\r\n:-1\r\n"))).unwrap();
    assert_eq!(count, LiveCount::new(0, None));
    let (_, command) = plan.begin(plan.record_mint(&budget, &stored, at(901_000)), false);
    assert_eq!(words(&command), ["EVALSHA", &hash, "1", &ledger]);

    // Anything else is a refusal, not a count.
    for odd in ["*2\r\n:-3\r\n:0\r\n", "*2\r\n:1\r\n:-5\r\n", ":1\r\n"] {
        let (mut exchange, _) = plan.begin(plan.count_live(&budget), false);
        let error = done(exchange.read(reply(odd))).unwrap_err();
        assert!(
            matches!(error, RedisStoreError::Refused(_)),
            "{odd}: {error:?}"
        );
    }
}

#[test]
fn a_reused_connection_that_broke_is_replaced_once_then_redis_is_down() {
    let plan = Plan::new(config());
    let (mut exchange, first) = plan.begin(plan.remove(&key()), true);
    let Next::Reconnect(again) = exchange.read(broken()) else {
        panic!("replaced once")
    };
    assert_eq!(words(&again), words(&first));
    let Next::Broken(error) = exchange.read(broken()) else {
        panic!("then down")
    };
    assert!(matches!(error, RedisStoreError::Outage(_)), "{error:?}");
    assert!(matches!(
        plan.check(),
        Err(RedisStoreError::Unavailable { retry_in }) if retry_in > Duration::from_secs(50)
    ));
}

#[test]
fn a_timeout_or_a_new_connection_failing_is_no_restart_redis_is_down() {
    for (reused, failure) in [(true, timed_out()), (false, broken())] {
        let plan = Plan::new(config());
        let (mut exchange, _) = plan.begin(plan.ping(), reused);
        assert!(matches!(exchange.read(failure), Next::Broken(_)));
        assert!(plan.check().is_err());
    }
}

#[test]
fn a_refusal_is_no_outage_and_an_answer_clears_one() {
    let plan = Plan::new(config());
    let (mut exchange, _) = plan.begin(plan.remove(&key()), true);
    let noperm = "-NOPERM this user has no permissions to access one of the keys\r\n";
    let error = done(exchange.read(reply(noperm))).unwrap_err();
    assert!(matches!(error, RedisStoreError::Refused(_)), "{error:?}");
    assert!(plan.check().is_ok());

    let connect = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let error = plan.failed(connect.into());
    assert!(error.is_outage());
    assert!(plan.check().is_err());
    // (A store would not send while down; an answer that comes anyway means Redis is back.)
    let (mut exchange, _) = plan.begin(plan.ping(), false);
    done(exchange.read(ok("PONG"))).unwrap();
    assert!(plan.check().is_ok());
}

/// Any reply a hostile or broken server could make the redis crate hand over: nested values of
/// every kind, with text that may hold a stored token (and so its secret).
fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let stored = token(1_000, 901_000).to_json(&key());
    let leaf = prop_oneof![
        Just(Value::Nil),
        Just(Value::Okay),
        any::<i64>().prop_map(Value::Int),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            Just(stored.clone()),
            Just(SECRET.as_bytes().to_vec()),
        ]
        .prop_map(Value::BulkString),
        "[ -~]{0,40}".prop_map(Value::SimpleString),
        // Error replies, some echoing a stored token.
        prop_oneof![
            "[ -~]{0,40}".prop_map(|t| t.into_bytes()),
            Just(stored.clone())
        ]
        .prop_map(|text| {
            let mut resp = b"-ERR ".to_vec();
            resp.extend(text);
            resp.extend(b"\r\n");
            redis::parse_redis_value(&resp).unwrap_or(Value::Nil)
        }),
        any::<f64>().prop_map(Value::Double),
        any::<bool>().prop_map(Value::Boolean),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(inner, 0..4).prop_map(Value::Set),
        ]
    })
}

/// Feeds `replies` to `operation` until it ends (or the replies run out): never a panic, and
/// whatever it ends with shows no secret and stays short.
fn survives<O: Operation>(plan: &Plan, operation: O, replies: Vec<RedisResult<Value>>)
where
    O::Output: std::fmt::Debug,
{
    // What a store does with every error before it returns it.
    let scrub = crate::scrub::Scrub::for_urls(&["redis://keycard:pw@127.0.0.1:6379"]);
    let show = |error: RedisStoreError| {
        let error = scrub.error(error);
        let source = std::error::Error::source(&error).map(ToString::to_string);
        format!("{error} {error:?} {source:?}")
    };
    let (mut exchange, _) = plan.begin(operation, false);
    for reply in replies {
        let shown = match exchange.read(reply) {
            Next::Send(_) | Next::Reconnect(_) => continue,
            Next::Broken(error) | Next::Done(Err(error)) => show(error),
            Next::Done(Ok(output)) => format!("{output:?}"),
        };
        assert!(!shown.contains(SECRET), "a stored token's secret was shown");
        assert!(shown.len() < 4096, "{} bytes shown", shown.len());
        return;
    }
}

proptest::proptest! {
    /// Whatever Redis answers, each operation ends in a result or a typed error.
    #[test]
    fn any_reply_to_any_operation_is_a_result_or_a_typed_error(
        replies in proptest::collection::vec(any_value(), 1..4),
        which in 0..9usize,
    ) {
        let plan = Plan::new(config());
        let replies: Vec<RedisResult<Value>> = replies.into_iter().map(Ok).collect();
        let stored = token(1_000, 901_000);
        let budget = StoreKey::from_parts("budget", &[b"project"]);
        match which {
            0 => survives(&plan, plan.ping(), replies),
            1 => survives(&plan, plan.load(&key()), replies),
            2 => match plan.save(&key(), &stored, at(1_500)) {
                Some(save) => survives(&plan, save, replies),
                None => panic!("a live token is saved"),
            },
            3 => survives(&plan, plan.remove(&key()), replies),
            4 => survives(&plan, plan.claim(&key(), "owner-1".into()), replies),
            5 => survives(&plan, plan.hold_off(&key(), Duration::from_secs(5)), replies),
            6 => survives(&plan, plan.record_mint(&budget, &stored, at(1_500)), replies),
            7 => survives(&plan, plan.count_live(&budget), replies),
            _ => survives(
                &plan,
                plan.release(&MintLock::new(key(), "owner-1", Duration::from_secs(10))),
                replies,
            ),
        }
    }

    /// Any bytes, read as a reply by the redis crate's parser, then fed to a load.
    #[test]
    fn any_bytes_read_as_a_reply_to_a_load_are_a_result_or_a_typed_error(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
    ) {
        let plan = Plan::new(config());
        survives(&plan, plan.load(&key()), vec![redis::parse_redis_value(&bytes)]);
    }
}
