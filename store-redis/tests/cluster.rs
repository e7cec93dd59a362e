//! The Redis stores against a real Redis Cluster (three masters, a replica each, started
//! here): every key of a token in one slot, one mint per refresh for threads and tasks sharing
//! the cluster, and a master failover costing at most one extra mint.

mod support;

use keycard_core::lifecycle::{AsyncTokenStore, MintClaim, StoreKey, StoredToken, TokenStore};
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore, RedisStoreError};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::cluster::RedisCluster;

fn config() -> RedisConfig {
    let mut config = RedisConfig::default();
    config.prefix = "cluster-test".into();
    config.lock_ttl = Duration::from_secs(5);
    config.lock_wait = Duration::from_secs(8);
    config.poll_every = Duration::from_millis(10);
    config.retry_after = Duration::from_millis(200);
    config
}

/// A token as a store keeps it, obtained now and living `secs`, for `key`.
fn token(key: &StoreKey, access_token: &str, secs: u64) -> StoredToken {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let json = format!(
        r#"{{"key":"{}","token":{{"format":2,"access_token":"{access_token}","scheme":"raw","grant":"order-1","obtained_at":{now},"expires_at":{}}}}}"#,
        key.as_str(),
        now + secs * 1000
    );
    StoredToken::from_json(key, json.as_bytes()).unwrap()
}

/// One refresh as a token source runs it on a shared store: look; claim; if held, look, mint
/// (counted), save, release; if held elsewhere, poll until the token is there. The token.
fn refresh(
    store: &RedisStore,
    key: &StoreKey,
    mints: &AtomicU32,
    name: &str,
) -> Result<String, RedisStoreError> {
    let started = Instant::now();
    loop {
        if let Some(found) = store.load(key)? {
            return Ok(found.access_token().expose_secret().to_owned());
        }
        match store.claim_mint(key)? {
            MintClaim::Acquired(lock) => {
                let token = match store.load(key)? {
                    Some(found) => found,
                    None => {
                        mints.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50)); // the mint
                        let minted = token(key, name, 900);
                        store.save(key, &minted)?;
                        minted
                    }
                };
                store.release_mint(&lock)?;
                return Ok(token.access_token().expose_secret().to_owned());
            }
            MintClaim::HeldElsewhere { poll_every, .. } => std::thread::sleep(poll_every),
            other => panic!("a cluster store is shared: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "stuck");
    }
}

/// The same, async.
async fn refresh_async(
    store: &AsyncRedisStore,
    key: &StoreKey,
    mints: &AtomicU32,
    name: &str,
) -> String {
    loop {
        if let Some(found) = store.load(key).await.unwrap() {
            return found.access_token().expose_secret().to_owned();
        }
        match store.claim_mint(key).await.unwrap() {
            MintClaim::Acquired(lock) => {
                let token = match store.load(key).await.unwrap() {
                    Some(found) => found,
                    None => {
                        mints.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let minted = token(key, name, 900);
                        store.save(key, &minted).await.unwrap();
                        minted
                    }
                };
                store.release_mint(&lock).await.unwrap();
                return token.access_token().expose_secret().to_owned();
            }
            MintClaim::HeldElsewhere { poll_every, .. } => tokio::time::sleep(poll_every).await,
            other => panic!("a cluster store is shared: {other:?}"),
        }
    }
}

#[test]
fn a_token_and_its_lock_live_in_one_slot_of_the_cluster() {
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let store = RedisStore::with_cluster_config(&RedisCluster::url_refs(&urls), config()).unwrap();
    let key = StoreKey::from_parts("exact_order", &[b"slot-check"]);
    let mut node = cluster.node(cluster.master_and_replica_of(&store.token_key(&key)).0);
    let mut slot = |name: &str| -> i64 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(name)
            .query(&mut node)
            .unwrap()
    };
    assert_eq!(slot(&store.token_key(&key)), slot(&store.lock_key(&key)));
    // Saved, read back with its time left by the cluster's clock, and locked, through
    // redirections from whichever node the client asks first.
    store.save(&key, &token(&key, "token-slot", 900)).unwrap();
    let found = store.load(&key).unwrap().unwrap();
    assert_eq!(found.access_token().expose_secret(), "token-slot");
    assert!(found.time_left(SystemTime::UNIX_EPOCH) > Duration::from_secs(890));
    assert!(matches!(
        store.claim_mint(&key).unwrap(),
        MintClaim::Acquired(_)
    ));
    assert!(format!("{store:?}").contains("cluster"));
}

#[test]
fn threads_and_tasks_sharing_a_cluster_mint_once_per_refresh_for_several_sources() {
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let urls = RedisCluster::url_refs(&urls);
    // Several sources (keys), spread over the masters.
    let keys: Vec<StoreKey> = (0..6)
        .map(|i| StoreKey::from_parts("exact_order", &[format!("order-{i}").as_bytes()]))
        .collect();
    let mints: Vec<AtomicU32> = keys.iter().map(|_| AtomicU32::new(0)).collect();
    let stores: Vec<RedisStore> = (0..4)
        .map(|_| RedisStore::with_cluster_config(&urls, config()).unwrap())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let async_stores: Vec<Arc<AsyncRedisStore>> = (0..4)
        .map(|_| Arc::new(AsyncRedisStore::with_cluster_config(&urls, config()).unwrap()))
        .collect();
    let mints = Arc::new(mints);
    let keys = Arc::new(keys);
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (s, store) in stores.iter().enumerate() {
            for t in 0..2 {
                let (keys, mints, seen) = (&keys, &mints, &seen);
                scope.spawn(move || {
                    for (k, key) in keys.iter().enumerate() {
                        let got =
                            refresh(store, key, &mints[k], &format!("tok-{k}-s{s}-{t}")).unwrap();
                        seen.lock().unwrap().push((k, got));
                    }
                });
            }
        }
        let tasks: Vec<_> = async_stores
            .iter()
            .enumerate()
            .flat_map(|(s, store)| (0..2).map(move |t| (s, t, Arc::clone(store))))
            .map(|(s, t, store)| {
                let (keys, mints) = (Arc::clone(&keys), Arc::clone(&mints));
                runtime.spawn(async move {
                    let mut got = Vec::new();
                    for (k, key) in keys.iter().enumerate() {
                        let name = format!("tok-{k}-a{s}-{t}");
                        got.push((k, refresh_async(&store, key, &mints[k], &name).await));
                    }
                    got
                })
            })
            .collect();
        for task in tasks {
            seen.lock().unwrap().extend(runtime.block_on(task).unwrap());
        }
    });
    for (k, count) in mints.iter().enumerate() {
        assert_eq!(count.load(Ordering::SeqCst), 1, "source {k}");
    }
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 16 * 6);
    for k in 0..6 {
        let tokens: std::collections::BTreeSet<_> = seen
            .iter()
            .filter(|(i, _)| *i == k)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(tokens.len(), 1, "one token for source {k}: {tokens:?}");
    }
}

#[test]
fn a_master_failover_costs_the_fleet_at_most_one_extra_mint() {
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let urls = RedisCluster::url_refs(&urls);
    let key = StoreKey::from_parts("exact_order", &[b"failover"]);
    let stores: Vec<RedisStore> = (0..4)
        .map(|_| RedisStore::with_cluster_config(&urls, config()).unwrap())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_store = AsyncRedisStore::with_cluster_config(&urls, config()).unwrap();
    let mints = AtomicU32::new(0);
    // The fleet shares a token.
    for (i, store) in stores.iter().enumerate() {
        refresh(store, &key, &mints, &format!("before-{i}")).unwrap();
    }
    assert_eq!(mints.load(Ordering::SeqCst), 1);

    // The token is gone (it expired), and the master of its slot hands over to its replica
    // while the fleet refreshes: one mint for the refresh, and at most one more.
    stores[0].remove(&key).unwrap();
    let (_, replica) = cluster.master_and_replica_of(&stores[0].token_key(&key));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let served = AtomicU32::new(0);
    std::thread::scope(|scope| {
        for (i, store) in stores.iter().enumerate() {
            let (key, mints, stop, served) = (&key, &mints, &stop, &served);
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    // A store error (the moment of the switch) is what a source mints alone on.
                    match refresh(store, key, mints, &format!("during-{i}")) {
                        Ok(_) => {
                            served.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(error) => {
                            eprintln!("store {i}: {error}");
                            mints.fetch_add(1, Ordering::SeqCst);
                            // It holds its own token until its next refresh.
                            std::thread::sleep(Duration::from_millis(300));
                        }
                    }
                }
            });
        }
        cluster.fail_over_to(replica);
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
    });
    assert!(served.load(Ordering::SeqCst) > 0);
    let extra = mints.load(Ordering::SeqCst) - 2;
    eprintln!(
        "failover: {extra} extra mints, {} refreshes served",
        served.load(Ordering::SeqCst)
    );
    assert!(extra <= 1, "{extra} extra mints during the failover");

    // After it, sync and async stores read the same token from the new master.
    std::thread::sleep(config().retry_after);
    let after = refresh(&stores[0], &key, &mints, "after").unwrap();
    let after_async = runtime.block_on(refresh_async(&async_store, &key, &mints, "after-async"));
    assert_eq!(after, after_async);
    assert!(mints.load(Ordering::SeqCst) - 2 <= 1);
    let (now_master, _) = cluster.master_and_replica_of(&stores[0].token_key(&key));
    assert_eq!(now_master, replica, "the replica took over the slot");
}
