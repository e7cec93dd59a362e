//! `exact::CreateOrderAccessToken::parse` on any response, and `OrderAccessToken::from_order` (the
//! token an order came with) on its body.
#![no_main]

use keycard_core::exact::{Api, CreateOrderAccessToken, Environment, OrderAccessToken};
use keycard_core::{ApiKey, Operation, Parsed};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPERATION: LazyLock<CreateOrderAccessToken> = LazyLock::new(|| {
    Api::new(
        Environment::Sandbox.base_url(),
        ApiKey::new(keycard_fuzz::API_KEY),
    )
    .unwrap()
    .create_order_access_token("ord_fuzz")
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some(input) = keycard_fuzz::response(data) else {
        return;
    };
    let typed = keycard_fuzz::checked(
        OPERATION.parse(input.response),
        &input.body,
        &[keycard_fuzz::API_KEY],
    );
    if let Some(Parsed::Success(token)) = typed {
        keycard_fuzz::assert_header_safe(&token.token);
    }
    // The same body as an order's, with the token it came with (snake case there).
    match OrderAccessToken::from_order(&input.body) {
        Ok(Some(token)) => keycard_fuzz::assert_header_safe(&token.token),
        Ok(None) => {}
        Err(kind) => assert!(kind.to_string().len() <= keycard_fuzz::MAX_DISPLAY_BYTES),
    }
});
