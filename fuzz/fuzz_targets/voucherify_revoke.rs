//! `voucherify::Revoke::parse` on any response.
#![no_main]

use keycard_core::voucherify::{Api, Credentials, Region, Revocation, Revoke};
use keycard_core::{AccessToken, Operation, Parsed, SecretKey};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<Revoke> = LazyLock::new(|| {
    let credentials =
        Credentials::new("fuzz-app", SecretKey::new(keycard_fuzz::SECRET_KEY)).unwrap();
    Api::new(Region::Europe.base_url(), credentials)
        .revoke(&AccessToken::new(keycard_fuzz::TOKEN))
        .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    let status = input.response.status().as_u16();
    let typed = keycard_fuzz::checked(
        OPERATION.parse(input.response),
        &input.body,
        &[keycard_fuzz::SECRET_KEY, keycard_fuzz::TOKEN],
    );
    match typed {
        Some(Parsed::Success(Revocation::Revoked)) => assert_eq!(status, 204),
        Some(Parsed::Success(Revocation::NotActive)) => assert_eq!(status, 404),
        _ => {}
    }
});
