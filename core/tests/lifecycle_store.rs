//! Persistence: stored tokens round-trip (secret included), store keys hold no secret, and a
//! restarted keeper reuses a live token instead of minting another.

use keycard_core::lifecycle::{
    Action, AuthScheme, Grant, Keeper, KeeperConfig, MemoryStore, Mint, RestoreError, Restored,
    StoreKey, StoredToken, TokenStore,
};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::{exact, ApiKey, SecretKey};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_738_944_186)
}

const SECRET: &str = "sk-SUPER-secret-key-1234";

fn mint(secret: &str, scopes: &[Scope]) -> GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new(secret)).unwrap(),
    )
    .generate_token(&scopes.iter().copied().collect::<Scopes>())
    .unwrap()
}

fn keeper_with_token() -> Keeper<GenerateToken> {
    let mut keeper = Keeper::new(mint(SECRET, &[Scope::Vouchers]), KeeperConfig::default());
    let Action::Fetch(fetch) = keeper.poll(t0()) else {
        panic!()
    };
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"access_token":"tok-LIVE","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
        .unwrap();
    keeper.on_response(fetch.id, response, t0()).unwrap();
    keeper
}

#[test]
fn a_stored_token_serializes_with_its_secret_and_round_trips() {
    let keeper = keeper_with_token();
    let stored = keeper.current().unwrap().to_stored();
    let json = serde_json::to_string(&stored).unwrap();
    assert!(json.contains("tok-LIVE"), "the secret is stored: {json}");
    assert!(
        !format!("{stored:?}").contains("tok-LIVE"),
        "but Debug hides it"
    );
    let back: StoredToken = serde_json::from_str(&json).unwrap();
    assert_eq!(back, stored);
    assert_eq!(back.access_token().expose_secret(), "tok-LIVE");
    assert_eq!(back.scheme(), AuthScheme::Bearer);
    assert_eq!(
        back.grant(),
        &Grant::Voucherify {
            scopes: Scopes::from([Scope::Vouchers])
        }
    );
    assert_eq!(back.expires_at(), t0() + Duration::from_secs(900));
    assert_eq!(back.obtained_at(), t0());
}

#[test]
fn a_restarted_process_reuses_the_live_token() {
    let store = MemoryStore::new();
    let first = keeper_with_token();
    let key = first.store_key();
    store
        .save(&key, &first.current().unwrap().to_stored())
        .unwrap();

    // "Restart": a new keeper for the same credentials and scopes finds it.
    let mut second = Keeper::new(mint(SECRET, &[Scope::Vouchers]), KeeperConfig::default());
    assert_eq!(second.store_key(), key);
    let stored = store.load(&second.store_key()).unwrap().unwrap();
    let now = t0() + Duration::from_secs(300);
    assert_eq!(second.restore(&stored, now).unwrap(), Restored::Installed);
    let Action::Use(token) = second.poll(now) else {
        panic!("no fetch needed")
    };
    assert_eq!(token.header_value(), "Bearer tok-LIVE");

    store.remove(&key).unwrap();
    assert!(store.load(&key).unwrap().is_none());
    assert!(store.is_empty());
}

#[test]
fn the_store_key_holds_no_secret_and_tells_credentials_and_scopes_apart() {
    let key = mint(SECRET, &[Scope::Vouchers]).store_key();
    let text = key.to_string();
    assert!(text.starts_with("keycard:v1:voucherify:"), "{text}");
    assert_eq!(key.digest_hex().len(), 64);
    assert_eq!(key.namespace(), "voucherify");
    assert_eq!(key.file_stem(), format!("voucherify-{}", key.digest_hex()));
    for forbidden in [SECRET, "SUPER", "app-1"] {
        assert!(!text.contains(forbidden), "{text}");
        assert!(!format!("{key:?}").contains(forbidden));
    }
    // Same inputs, same key; any difference, another key.
    assert_eq!(key, mint(SECRET, &[Scope::Vouchers]).store_key());
    assert_ne!(key, mint("another-secret", &[Scope::Vouchers]).store_key());
    assert_ne!(
        key,
        mint(SECRET, &[Scope::Vouchers, Scope::Campaigns]).store_key()
    );
    // The order scopes are given in does not matter.
    assert_eq!(
        mint(SECRET, &[Scope::Campaigns, Scope::Vouchers]).store_key(),
        mint(SECRET, &[Scope::Vouchers, Scope::Campaigns]).store_key()
    );
}

#[test]
fn exact_order_keys_differ_per_order_and_hold_no_key() {
    let api = exact::Api::new(
        exact::Environment::Sandbox.base_url(),
        ApiKey::new("exact-api-key-SECRET"),
    )
    .unwrap();
    let a = api.create_order_access_token("ord_1").unwrap().store_key();
    let b = api.create_order_access_token("ord_2").unwrap().store_key();
    assert_ne!(a, b);
    assert_eq!(a.namespace(), "exact-order");
    assert!(!a.to_string().contains("SECRET"));
}

#[test]
fn from_parts_is_length_prefixed() {
    assert_ne!(
        StoreKey::from_parts("x", &[b"ab", b"c"]),
        StoreKey::from_parts("x", &[b"a", b"bc"])
    );
    assert_eq!(
        StoreKey::from_parts("Bad:Name", &[]).namespace(),
        "_ad__ame"
    );
}

#[test]
fn a_corrupted_stored_token_is_refused_not_panicked_on() {
    let keeper = keeper_with_token();
    let json = serde_json::to_string(&keeper.current().unwrap().to_stored()).unwrap();
    let mut restored = Keeper::new(mint(SECRET, &[Scope::Vouchers]), KeeperConfig::default());

    let unsendable: StoredToken =
        serde_json::from_str(&json.replace("tok-LIVE", "tok LIVE\\n")).unwrap();
    assert_eq!(
        restored.restore(&unsendable, t0()),
        Err(RestoreError::UnsendableToken)
    );
    let future: StoredToken =
        serde_json::from_str(&json.replace(r#""format":1"#, r#""format":99"#)).unwrap();
    assert_eq!(
        restored.restore(&future, t0()),
        Err(RestoreError::UnknownFormat { format: 99 })
    );
    assert!(serde_json::from_str::<StoredToken>(r#"{"format":1}"#).is_err());
    assert!(restored.current().is_none());
}
