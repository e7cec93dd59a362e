//! Helpers shared by the Exact Payments tests: keys, responses, request checks.
#![allow(dead_code)]

use keycard_core::exact::{Api, Environment};
use keycard_core::{ApiKey, BaseUrl, ParseError, ParseErrorKind, Unrecognized};

/// The API key every test uses (an application token from the spec's examples).
pub const API_KEY: &str =
    "bbf96d9ceafadca6614350066c93e4dbea4d44f6634cc9b18868e4bfd06e050874a0c31275b3a82d";
/// A secret that must never come out of a `Debug` or `Display`.
pub const CANARY: &str = "CANARYk3Yc4rdXq7";
/// A proxy's base URL, with a path prefix and a trailing slash.
pub const PROXY_BASE: &str = "https://proxy.example.com/exact/";

/// The sandbox API with the test key.
pub fn api() -> Api {
    Api::new(Environment::Sandbox.base_url(), ApiKey::new(API_KEY)).unwrap()
}

/// Every base URL a request is checked against, with the prefix the built URIs must start with.
pub fn bases() -> Vec<(BaseUrl, &'static str)> {
    vec![
        (
            Environment::Sandbox.base_url(),
            "https://api.exactpaysandbox.com",
        ),
        (
            Environment::Production.base_url(),
            "https://api-p2.exactpay.com",
        ),
        (
            BaseUrl::parse(PROXY_BASE).unwrap(),
            "https://proxy.example.com/exact",
        ),
    ]
}

/// A response with a status, an optional content type, extra headers and a body.
pub fn response_with(
    status: u16,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.to_vec()).unwrap()
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    response_with(status, Some("application/json"), &[], body.as_bytes())
}

/// A `text/plain` response.
pub fn text(status: u16, body: &str) -> http::Response<Vec<u8>> {
    response_with(status, Some("text/plain"), &[], body.as_bytes())
}

/// A response with a content type.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> http::Response<Vec<u8>> {
    response_with(status, Some(content_type), &[], body)
}

/// The JSON failure's path, or a panic naming what came instead.
#[track_caller]
pub fn json_path(error: &ParseError) -> &str {
    match &error.kind {
        ParseErrorKind::Json { path, .. } => path,
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

/// `expected` is the untyped reason.
#[track_caller]
pub fn assert_untyped<T: std::fmt::Debug, E: std::fmt::Debug>(
    outcome: &keycard_core::Outcome<T, E>,
    expected: Unrecognized,
) {
    match outcome.parsed() {
        keycard_core::Parsed::Unrecognized(reason) => assert_eq!(*reason, expected),
        other => panic!("expected untyped, got {other:?}"),
    }
}

/// `text` does not contain `secret`.
#[track_caller]
pub fn assert_hidden(text: &str, secret: &str) {
    assert!(!text.contains(secret), "secret leaked in: {text}");
}

/// The request's header `name` as a string, or a panic.
#[track_caller]
pub fn header<'a>(request: &'a http::Request<Vec<u8>>, name: &str) -> &'a str {
    request
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}
