//! Helpers shared by the integration tests: credentials, responses, request checks.
#![allow(dead_code)]

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{Method, Request};
use keycard_core::voucherify::{Api, Credentials, Region};
use keycard_core::{BaseUrl, SecretKey};

/// The application id every test uses.
pub const APP_ID: &str = "a1Bcdefg2HI3Jkl4m5nOP";
/// The secret key every test uses.
pub const SECRET_KEY: &str = "sk-9f8e7d6c5b4a";
/// The access token of the spec's examples.
pub const SPEC_TOKEN: &str = "1ABCde2FGHijKl3m4NO5pqR6STUv7wxYzAbc8dE90FgH1IJkLm";
/// The form media type.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The base URL of a proxy, with a path prefix and a trailing slash.
pub const PROXY_BASE: &str = "https://proxy.example.com/voucherify/";

/// Every base URL a request is checked against: the three regions and a proxy, with the URL
/// prefix the built URIs must start with.
pub fn bases() -> Vec<(BaseUrl, &'static str)> {
    vec![
        (Region::Europe.base_url(), "https://api.voucherify.io"),
        (
            Region::UnitedStates.base_url(),
            "https://us1.api.voucherify.io",
        ),
        (Region::Asia.base_url(), "https://as1.api.voucherify.io"),
        (
            BaseUrl::parse(PROXY_BASE).unwrap(),
            "https://proxy.example.com/voucherify",
        ),
    ]
}

/// The API at `base` with the test credentials.
pub fn api_at(base: BaseUrl) -> Api {
    Api::new(
        base,
        Credentials::new(APP_ID, SecretKey::new(SECRET_KEY)).unwrap(),
    )
}

/// The API in Europe with the test credentials.
pub fn api() -> Api {
    api_at(Region::Europe.base_url())
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
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.to_vec()).unwrap()
}

/// A response with a content type and a body.
pub fn response(status: u16, content_type: Option<&str>, body: &[u8]) -> http::Response<Vec<u8>> {
    response_with(status, content_type, &[], body)
}

/// An `application/json` response.
pub fn json(status: u16, body: &[u8]) -> http::Response<Vec<u8>> {
    response(status, Some("application/json"), body)
}

/// A response with no content type and no body.
pub fn empty(status: u16) -> http::Response<Vec<u8>> {
    response(status, None, b"")
}

/// Decodes a form body into its pairs.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Checks a Voucherify request byte for byte: `POST uri`, exactly the four headers (the secret
/// key marked sensitive), and `body`.
pub fn assert_voucherify_request(request: &Request<Vec<u8>>, uri: &str, body: &str) {
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri().to_string(), uri);
    assert_eq!(request.version(), http::Version::HTTP_11);

    let headers = request.headers();
    let names: Vec<&str> = headers.keys().map(|n| n.as_str()).collect();
    assert_eq!(headers.len(), 4, "unexpected headers: {names:?}");

    let app_id = &headers["x-app-id"];
    assert_eq!(app_id, APP_ID);
    assert!(!app_id.is_sensitive(), "the app id is not a secret");

    let app_token = &headers["x-app-token"];
    assert_eq!(app_token, SECRET_KEY);
    assert!(app_token.is_sensitive(), "X-App-Token must be sensitive");

    assert_eq!(headers[CONTENT_TYPE], FORM);
    assert_eq!(headers[ACCEPT], "application/json");

    assert_eq!(
        std::str::from_utf8(request.body()).unwrap(),
        body,
        "form body"
    );
}

/// Asserts that `text` shows neither `secret` nor its bytes as a `Debug` list of numbers.
#[track_caller]
pub fn assert_hidden(text: &str, secret: &str) {
    assert!(!text.contains(secret), "secret leaked in: {text}");
    let bytes = format!("{:?}", secret.as_bytes());
    let inner = bytes.trim_start_matches('[').trim_end_matches(']');
    assert!(!text.contains(inner), "secret bytes leaked in: {text}");
}
