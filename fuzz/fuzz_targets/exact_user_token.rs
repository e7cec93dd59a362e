//! `exact::CreateUserToken::parse` on any response.
#![no_main]

use keycard_core::exact::{CreateUserToken, Environment, UserCredentials};
use keycard_core::{Operation, Parsed, Password};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<CreateUserToken> = LazyLock::new(|| {
    let credentials =
        UserCredentials::new("fuzz@example.com", Password::new(keycard_fuzz::PASSWORD))
            .with_application("app_fuzz");
    CreateUserToken::new(&Environment::Sandbox.base_url(), &credentials).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    let typed = keycard_fuzz::checked(
        OPERATION.parse(input.response),
        &input.body,
        &[keycard_fuzz::PASSWORD],
    );
    if let Some(Parsed::Success(token)) = typed {
        keycard_fuzz::assert_header_safe(&token.token);
        let _ = token.api_key();
    }
});
