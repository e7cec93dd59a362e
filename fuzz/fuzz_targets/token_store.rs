//! The token store's deserialization (`StoredToken` from JSON), and what the source machine does
//! with whatever it reads: a store file is outside input (another version, corruption, a hand edit).
#![no_main]

use keycard_core::lifecycle::{
    Io, IoResult, SourceConfig, SourceMachine, Step, StoreCall, StoredToken,
};
use keycard_core::voucherify::{Api, Credentials, Region, Scope, Scopes};
use keycard_core::SecretKey;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let Ok(stored) = serde_json::from_slice::<StoredToken>(data) else {
        return;
    };
    // What is read back writes and reads back the same.
    let written = serde_json::to_vec(&stored).unwrap();
    let again: StoredToken = serde_json::from_slice(&written).unwrap();
    assert_eq!(again, stored);
    let _ = format!("{stored:?}");

    let credentials =
        Credentials::new("fuzz-app", SecretKey::new(keycard_fuzz::SECRET_KEY)).unwrap();
    let endpoint = Api::new(Region::Europe.base_url(), credentials)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    for wall in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(1_738_945_086),
        stored.obtained_at(),
        stored.expires_at(),
        UNIX_EPOCH + Duration::from_secs(i64::MAX as u64 - 1),
    ] {
        // A source with a store looks in it first, and is offered whatever was read.
        let mut machine = SourceMachine::new(endpoint.clone(), SourceConfig::default());
        machine.set_store(true);
        let waiter = machine.waiter(start);
        let Step::Io(Io::Store(id, StoreCall::Load(_))) = machine.poll(start, &waiter) else {
            panic!("a source with a store loads first")
        };
        let next = machine.complete(id, IoResult::Loaded(Ok(Some(stored.clone()))), start, wall);
        match next {
            // Taken back: nothing more to do this round.
            None => {
                let live = machine
                    .current()
                    .expect("an adopted token is current")
                    .clone();
                assert!(stored.is_valid(wall));
                assert!(live.is_valid(start));
                let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers")
                    .body(())
                    .unwrap();
                live.authorize(&mut request);
                assert!(request.headers()["authorization"].is_sensitive());
                assert!(matches!(machine.poll(start, &waiter), Step::Ready(_)));
                let later = start + Duration::from_secs(3600);
                let _ = machine.poll(later, &machine.waiter(later));
            }
            // Not taken back (expired, or rejected): the source goes on to mint.
            Some(Io::Store(_, StoreCall::Claim(_))) => assert!(machine.current().is_none()),
            Some(other) => panic!("after a load: {other:?}"),
        }
        for event in machine.drain_events() {
            let _ = format!("{event:?} {event}");
        }
    }
});
