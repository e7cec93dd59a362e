//! The Redis stores over TLS against a real `redis-server` (`--tls-port` only), with the tests'
//! own CA: trusted when given, a typed TLS error when not, and mutual TLS.

mod support;

use keycard_core::lifecycle::{AsyncTokenStore, StoreKey, StoredToken, TokenStore};
use keycard_redis::{AsyncRedisStore, RedisConfig, RedisStore, RedisStoreError, RedisTls};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::tls::{TestCa, TlsRedis};

/// A new CA, and a TLS Redis with its certificate (`mtls`: that asks clients for one).
fn servers(mtls: bool) -> (TestCa, TlsRedis) {
    let ca = TestCa::new();
    let redis = TlsRedis::start(&ca, mtls);
    (ca, redis)
}

fn config(tls: RedisTls) -> RedisConfig {
    let mut config = RedisConfig::default();
    config.prefix = "tls-test".into();
    config.tls = tls;
    config
}

fn token(key: &StoreKey) -> StoredToken {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let json = format!(
        r#"{{"key":"{}","token":{{"format":2,"access_token":"tls-token","scheme":"raw","grant":"order-1","obtained_at":{now},"expires_at":{}}}}}"#,
        key.as_str(),
        now + 900_000
    );
    StoredToken::from_json(key, json.as_bytes()).unwrap()
}

#[test]
fn rediss_with_the_users_ca_stores_and_reads_tokens() {
    let (ca, tls) = servers(false);
    let key = StoreKey::from_parts("exact_order", &[b"tls"]);
    let trusted = RedisTls::default().with_ca_pem(ca.ca.cert.as_bytes());
    let store = RedisStore::with_config(&tls.url(), config(trusted.clone())).unwrap();
    store.ping().unwrap();
    store.save(&key, &token(&key)).unwrap();
    let found = store.load(&key).unwrap().unwrap();
    assert_eq!(found.access_token().expose_secret(), "tls-token");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = AsyncRedisStore::with_config(&tls.url(), config(trusted)).unwrap();
    let found = runtime.block_on(store.load(&key)).unwrap().unwrap();
    assert_eq!(found.access_token().expose_secret(), "tls-token");
}

#[test]
fn rediss_without_the_ca_is_a_tls_error_not_an_outage() {
    let (_ca, tls) = servers(false);
    // The public web roots do not know the tests' CA: UnknownIssuer.
    let store = RedisStore::with_config(&tls.url(), config(RedisTls::default())).unwrap();
    let error = store.ping().unwrap_err();
    assert!(matches!(error, RedisStoreError::Tls(_)), "{error:?}");
    assert!(!error.is_outage());
    let cause = std::error::Error::source(&error).map(ToString::to_string);
    assert!(
        cause.as_deref().unwrap_or("").contains("UnknownIssuer"),
        "{error}: {cause:?}"
    );
    // Taken for down a while, as an outage: no handshake per call.
    assert!(matches!(
        store.ping(),
        Err(RedisStoreError::Unavailable { .. })
    ));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = AsyncRedisStore::with_config(&tls.url(), config(RedisTls::default())).unwrap();
    let error = runtime.block_on(store.ping()).unwrap_err();
    assert!(matches!(error, RedisStoreError::Tls(_)), "{error:?}");
}

#[test]
fn mutual_tls_takes_the_client_certificate_and_refuses_without_it() {
    let (ca, mtls) = servers(true);
    let key = StoreKey::from_parts("exact_order", &[b"mtls"]);
    let with_cert = RedisTls::default()
        .with_ca_pem(ca.ca.cert.as_bytes())
        .with_client_cert_pem(ca.client.cert.as_bytes(), ca.client.key.as_bytes());
    let store = RedisStore::with_config(&mtls.url(), config(with_cert.clone())).unwrap();
    store.save(&key, &token(&key)).unwrap();
    assert!(store.load(&key).unwrap().is_some());
    // The key never shows.
    let shown = format!("{with_cert:?} {store:?}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");

    let mut without = config(RedisTls::default().with_ca_pem(ca.ca.cert.as_bytes()));
    without.retry_after = Duration::ZERO;
    let store = RedisStore::with_config(&mtls.url(), without).unwrap();
    let error = store.ping().unwrap_err();
    // TLS 1.3: Redis refuses the missing certificate with an alert after the handshake.
    assert!(matches!(error, RedisStoreError::Tls(_)), "{error:?}");
    assert!(store.load(&key).is_err());
}
