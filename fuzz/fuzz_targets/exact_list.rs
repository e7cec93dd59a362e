//! `exact::ListApplicationTokens::parse` on any response (a JSON array, `X-Total-Count`).
#![no_main]

use keycard_core::exact::{Api, Environment, ListApplicationTokens, ListQuery};
use keycard_core::{ApiKey, Operation};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<ListApplicationTokens> = LazyLock::new(|| {
    Api::new(
        Environment::Sandbox.base_url(),
        ApiKey::new(keycard_fuzz::API_KEY),
    )
    .unwrap()
    .list_application_tokens("app_fuzz", &ListQuery::new().limit(10))
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
