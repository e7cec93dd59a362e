//! The token store's deserialization (`StoredToken` from JSON), and what a keeper does with
//! whatever it reads: a store file is outside input (another version, corruption, a hand edit).
#![no_main]

use keycard_core::lifecycle::{Keeper, KeeperConfig, Restored, StoredToken};
use keycard_core::voucherify::{Api, Credentials, Region, Scope, Scopes};
use keycard_core::SecretKey;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let Ok(stored) = serde_json::from_slice::<StoredToken>(data) else {
        return;
    };
    // What is read back writes and reads back the same.
    let written = serde_json::to_vec(&stored).unwrap();
    let again: StoredToken = serde_json::from_slice(&written).unwrap();
    assert_eq!(again, stored);
    let _ = format!("{stored:?}");

    let credentials = Credentials::new("fuzz-app", SecretKey::new("fuzz-secret")).unwrap();
    let mint = Api::new(Region::Europe.base_url(), credentials)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    for now in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(1_738_945_086),
        stored.obtained_at(),
        stored.expires_at(),
        UNIX_EPOCH + Duration::from_secs(i64::MAX as u64 - 1),
    ] {
        let mut keeper = Keeper::new(mint.clone(), KeeperConfig::default());
        match keeper.restore(&stored, now) {
            Ok(Restored::Installed) => {
                let live = keeper
                    .current()
                    .expect("an installed token is current")
                    .clone();
                let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers")
                    .body(())
                    .unwrap();
                live.authorize(&mut request);
                assert!(request.headers()["authorization"].is_sensitive());
                let _ = keeper.poll(now);
                let _ = keeper.poll(now + Duration::from_secs(3600));
            }
            Ok(_) => {}
            Err(error) => {
                let _ = error.to_string();
            }
        }
        for event in keeper.drain_events() {
            let _ = format!("{event:?}");
        }
    }
});
