//! `voucherify::GenerateToken::parse` on any response.
#![no_main]

use keycard_core::voucherify::{Api, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::{Operation, Parsed, SecretKey};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

static OPERATION: LazyLock<GenerateToken> = LazyLock::new(|| {
    let credentials =
        Credentials::new("fuzz-app", SecretKey::new(keycard_fuzz::SECRET_KEY)).unwrap();
    Api::new(Region::Europe.base_url(), credentials)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    // A fresh clone each run: the operation keeps the first answer it has not sent (so each
    // input is judged alone), and its `Debug` must not show it.
    let operation = OPERATION.clone();
    let typed = keycard_fuzz::checked(
        operation.parse(input.response),
        &input.body,
        &[keycard_fuzz::SECRET_KEY],
    );
    keycard_fuzz::assert_no_secret(
        "the operation's Debug",
        &format!("{operation:?}"),
        &[keycard_fuzz::SECRET_KEY],
    );
    if let Some(Parsed::Success(token)) = typed {
        keycard_fuzz::assert_header_safe(&token.access_token);
        // A deadline from any receive time up to year 9999 never overflows.
        let received = UNIX_EPOCH + std::time::Duration::from_secs(253_402_300_799);
        assert!(received.checked_add(token.expires_in).is_some());
        assert!(token.expires_at >= UNIX_EPOCH && token.expires_at <= received);
        let _ = SystemTime::now();
        assert_eq!(Scopes::parse(&token.scope.to_string()), token.scope);
    }
});
