//! `exact::DeleteApplicationToken::parse` on any response.
#![no_main]

use keycard_core::exact::{Api, DeleteApplicationToken, Environment};
use keycard_core::{ApiKey, Operation};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<DeleteApplicationToken> = LazyLock::new(|| {
    Api::new(
        Environment::Sandbox.base_url(),
        ApiKey::new(keycard_fuzz::API_KEY),
    )
    .unwrap()
    .delete_application_token("app_fuzz", "tok_fuzz")
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    keycard_fuzz::checked(
        OPERATION.parse(input.response),
        &input.body,
        &[keycard_fuzz::API_KEY],
    );
});
