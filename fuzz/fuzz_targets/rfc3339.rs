//! RFC 3339 expiry parsing, through the order access token's `accessToken.expiresAt`: whatever
//! the string, the parse is a success exactly when the `time` crate reads it as RFC 3339 and it
//! fits a `SystemTime`; otherwise the typed field error says which.
#![no_main]

use keycard_core::exact::{Api, CreateOrderAccessToken, Environment};
use keycard_core::{ApiKey, FieldProblem, Operation, ParseErrorKind, Parsed};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use std::time::UNIX_EPOCH;
use time::format_description::well_known::Rfc3339;

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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let body = format!(
        r#"{{"accessToken":{{"token":"tok","expiresAt":{}}}}}"#,
        serde_json::to_string(text).unwrap()
    );
    let response = http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    let reference = time::OffsetDateTime::parse(text, &Rfc3339);
    match OPERATION.parse(response) {
        Ok(outcome) => {
            let Parsed::Success(token) = outcome.parsed() else {
                panic!("a 201 JSON body was not typed: {outcome:?}");
            };
            let reference = reference.expect("accepted what `time` refuses");
            let nanos = match token.expires_at.duration_since(UNIX_EPOCH) {
                Ok(after) => after.as_nanos() as i128,
                Err(before) => -(before.duration().as_nanos() as i128),
            };
            assert_eq!(nanos, reference.unix_timestamp_nanos());
        }
        Err(error) => {
            let problem = match error.kind {
                ParseErrorKind::InvalidField {
                    field: "accessToken.expiresAt",
                    problem,
                } => problem,
                other => panic!("unexpected error {other:?}"),
            };
            match reference {
                Ok(_) => assert_eq!(problem, FieldProblem::OutOfRange),
                Err(_) => assert_eq!(problem, FieldProblem::NotRfc3339),
            }
        }
    }
});
