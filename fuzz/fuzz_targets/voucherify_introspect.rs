//! `voucherify::Introspect::parse` on any response.
#![no_main]

use keycard_core::voucherify::{Api, Credentials, Introspect, Introspection, Region};
use keycard_core::{AccessToken, Operation, Parsed, SecretKey};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<Introspect> = LazyLock::new(|| {
    let credentials =
        Credentials::new("fuzz-app", SecretKey::new(keycard_fuzz::SECRET_KEY)).unwrap();
    Api::new(Region::Europe.base_url(), credentials)
        .introspect(&AccessToken::new(keycard_fuzz::TOKEN))
        .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    let typed = keycard_fuzz::checked(
        OPERATION.parse(input.response),
        &input.body,
        &[keycard_fuzz::SECRET_KEY, keycard_fuzz::TOKEN],
    );
    if let Some(Parsed::Success(Introspection::Active(token))) = typed {
        keycard_fuzz::assert_header_safe(&token.access_token);
    }
});
