//! Persistence: stored tokens round-trip (secret included), store keys hold no secret, and a
//! restarted source takes a live token back from its store instead of minting another.

mod lifecycle_common;

use keycard_core::lifecycle::{
    AuthScheme, Event, Io, IoResult, MemoryStore, RestoreError, SourceConfig, SourceMachine, Step,
    StoreCall, StoreKey, StoredToken, TokenEndpoint, TokenStore,
};
use keycard_core::voucherify::{GenerateToken, Scope, Scopes};
use keycard_core::{exact, ApiKey};
use lifecycle_common::*;

const SECRET: &str = "sk-SUPER-secret-key-1234";

fn machine_with_token(clock: &Clock) -> SourceMachine<GenerateToken> {
    let mut m = SourceMachine::new(
        generate_with(SECRET, &[Scope::Vouchers]),
        SourceConfig::default(),
    );
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(
        &mut m,
        clock,
        id,
        token_response("tok-LIVE", 900, T0 + 900),
        secs(0),
    );
    m
}

#[test]
fn a_stored_token_serializes_with_its_secret_and_round_trips() {
    let clock = Clock::fixed();
    let m = machine_with_token(&clock);
    let stored = m.current().unwrap().to_stored();
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
        &serde_json::to_value(Scopes::from([Scope::Vouchers])).unwrap()
    );
    assert_eq!(back.expires_at(), clock.wall(secs(900)));
    assert_eq!(back.obtained_at(), clock.wall(secs(0)));
    // And in the envelope a byte store writes.
    let key = m.store_key();
    let bytes = stored.to_json(key);
    assert_eq!(StoredToken::from_json(key, &bytes).unwrap(), stored);
}

#[test]
fn a_restarted_process_reuses_the_live_token() {
    let clock = Clock::fixed();
    let store = MemoryStore::new();
    let first = machine_with_token(&clock);
    let key = first.store_key().clone();
    store
        .save(&key, &first.current().unwrap().to_stored())
        .unwrap();

    // "Restart": a new source for the same credentials and scopes finds it.
    let mut second = SourceMachine::new(
        generate_with(SECRET, &[Scope::Vouchers]),
        SourceConfig::default(),
    );
    second.set_store(true);
    assert_eq!(second.store_key(), &key);
    let now = secs(300);
    let Step::Io(io) = poll(&mut second, clock.at(now)) else {
        panic!()
    };
    let (id, StoreCall::Load(load_key)) = store_call(io) else {
        panic!("a source with a store looks in it first")
    };
    let loaded = store.load(&load_key).unwrap();
    assert!(second
        .complete(
            id,
            IoResult::Loaded(Ok(loaded)),
            clock.at(now),
            clock.wall(now)
        )
        .is_none());
    let Step::Ready(token) = poll(&mut second, clock.at(now)) else {
        panic!("no fetch needed")
    };
    assert_eq!(token.header_value(), "Bearer tok-LIVE");
    assert_eq!(token.expires_at(), clock.at(secs(900)));

    store.remove(&key).unwrap();
    assert!(store.load(&key).unwrap().is_none());
    assert!(store.is_empty());
}

#[test]
fn the_store_key_holds_no_secret_and_tells_credentials_and_scopes_apart() {
    let key = generate_with(SECRET, &[Scope::Vouchers]).store_key();
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
    assert_eq!(key, generate_with(SECRET, &[Scope::Vouchers]).store_key());
    assert_ne!(
        key,
        generate_with("another-secret", &[Scope::Vouchers]).store_key()
    );
    assert_ne!(
        key,
        generate_with(SECRET, &[Scope::Vouchers, Scope::Campaigns]).store_key()
    );
    // The order scopes are given in does not matter.
    assert_eq!(
        generate_with(SECRET, &[Scope::Campaigns, Scope::Vouchers]).store_key(),
        generate_with(SECRET, &[Scope::Vouchers, Scope::Campaigns]).store_key()
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

/// Offers `stored` to a new source with a store; the event it reports and the step after.
fn offer(clock: &Clock, stored: StoredToken) -> (Vec<Event>, Option<Io>) {
    let mut m = SourceMachine::new(
        generate_with(SECRET, &[Scope::Vouchers]),
        SourceConfig::default(),
    );
    m.set_store(true);
    let Step::Io(io) = poll(&mut m, clock.at(secs(0))) else {
        panic!()
    };
    let next = m.complete(
        io.id(),
        IoResult::Loaded(Ok(Some(stored))),
        clock.at(secs(0)),
        clock.wall(secs(0)),
    );
    assert!(m.current().is_none());
    (events(&mut m), next)
}

fn rejected(events: &[Event]) -> Option<RestoreError> {
    events.iter().find_map(|e| match e {
        Event::StoredTokenRejected { error } => Some(error.clone()),
        _ => None,
    })
}

#[test]
fn a_corrupted_stored_token_is_refused_not_panicked_on() {
    let clock = Clock::fixed();
    let m = machine_with_token(&clock);
    let json = serde_json::to_string(&m.current().unwrap().to_stored()).unwrap();

    let unsendable: StoredToken =
        serde_json::from_str(&json.replace("tok-LIVE", "tok LIVE\\n")).unwrap();
    let (events, next) = offer(&clock, unsendable);
    assert_eq!(rejected(&events), Some(RestoreError::UnsendableToken));
    // The source goes on to mint.
    assert!(matches!(next, Some(Io::Store(_, StoreCall::Claim(_)))));

    assert!(json.contains(r#""format":2"#), "{json}");
    let future: StoredToken =
        serde_json::from_str(&json.replace(r#""format":2"#, r#""format":99"#)).unwrap();
    let (events, _) = offer(&clock, future);
    assert_eq!(
        rejected(&events),
        Some(RestoreError::UnknownFormat { format: 99 })
    );

    let other_grant: StoredToken =
        serde_json::from_str(&json.replace(r#""vouchers""#, r#"{"order":1}"#)).unwrap();
    let (events, _) = offer(&clock, other_grant);
    assert_eq!(rejected(&events), Some(RestoreError::OtherGrant));

    assert!(serde_json::from_str::<StoredToken>(r#"{"format":2}"#).is_err());
}

/// A store's error for a value under the key that is not a token: the decoding error is its
/// cause, as `keycard-redis` and the file store report it.
#[derive(Debug, thiserror::Error)]
#[error("the value under the key is not a token")]
struct NotAToken(#[source] keycard_core::lifecycle::DecodeError);

/// A store that could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("the store is down")]
struct Down;

/// What a source with a shared store does after its first look in the store failed this way.
fn after_a_failed_load(error: keycard_core::lifecycle::StoreError) -> Io {
    let clock = Clock::fixed();
    let mut m = SourceMachine::new(
        generate_with(SECRET, &[Scope::Vouchers]),
        SourceConfig::default(),
    );
    m.set_store(true);
    let Step::Io(io) = poll(&mut m, clock.at(secs(0))) else {
        panic!("a source with a store looks in it first")
    };
    let (id, StoreCall::Load(_)) = store_call(io) else {
        panic!("a source with a store looks in it first")
    };
    // The next step of the same fetch.
    m.complete(
        id,
        IoResult::Loaded(Err(error)),
        clock.at(secs(0)),
        clock.wall(secs(0)),
    )
    .expect("no token yet: the source goes on fetching")
}

#[test]
fn a_value_that_is_no_token_still_goes_through_the_fleets_lock() {
    let key = StoreKey::from_parts("voucherify", &[b"k"]);
    let decode = StoredToken::from_json(&key, b"\xffgarbage").unwrap_err();
    // The store answered, with a value it repairs: the fleet's lock decides who mints, so a
    // bad value costs the fleet one mint, not one per process.
    let next = after_a_failed_load(std::sync::Arc::new(NotAToken(decode)));
    assert!(
        matches!(next, Io::Store(_, StoreCall::Claim(_))),
        "{next:?}"
    );
    // A store that failed: the source mints alone, without asking it for the lock.
    let next = after_a_failed_load(std::sync::Arc::new(Down));
    assert!(matches!(next, Io::Send(..)), "{next:?}");
}
