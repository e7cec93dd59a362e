//! What the transport does with what comes over the wire, against one-shot servers on
//! 127.0.0.1: the wire suite every keycard transport passes, and what only reqwest has.

use keycard_core::{AsyncTransport, TransportErrorKind};
use keycard_reqwest::{reqwest, ReqwestTransport};
use keycard_testkit::server::response;
use keycard_testkit::wire::request;
use keycard_testkit::{BlockOn, OneShot};
use std::time::Duration;

fn transport(timeout: Duration, cap: usize) -> BlockOn<ReqwestTransport> {
    let transport = ReqwestTransport::builder()
        .timeout(timeout)
        .max_body_size(cap)
        .build()
        .expect("the client builds");
    BlockOn::new(transport)
}

keycard_testkit::wire_suite!(make: transport, user_agent: "keycard-reqwest/");

#[tokio::test]
async fn a_users_client_that_follows_redirects_is_caught() {
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(keycard_reqwest::default_tls_config())
        .build()
        .unwrap();
    let target = OneShot::start(response("200 OK", &[], b"followed"), Duration::ZERO);
    let server = OneShot::redirecting_to(&format!("{}/elsewhere?x=1", target.url));
    let error = ReqwestTransport::with_client(client)
        .send(request(&server.url))
        .await
        .unwrap_err();
    assert_eq!(
        error.kind(),
        TransportErrorKind::RedirectFollowed,
        "{error:?}"
    );
    assert_eq!(error.detail(), format!("{}/elsewhere", target.url));
}

/// The header bounds of keycard-core's Limits: a response with as many header fields as allowed,
/// or fields taking as many bytes, comes back; one more field or byte is a protocol error.
#[test]
fn headers_are_read_up_to_their_limits_and_refused_past_them() {
    use keycard_core::limits::{MAX_RESPONSE_HEADERS, MAX_RESPONSE_HEADER_BYTES};
    use keycard_core::Transport;
    use keycard_testkit::wire;

    let send = |headers: &[(&str, &str)]| {
        let server = OneShot::start(response("200 OK", headers, b""), Duration::ZERO);
        transport(wire::TIMEOUT, wire::CAP).send(wire::request(&server.url))
    };
    // `response` adds `content-length: 0` and `connection: close`: 19 bytes each, as counted.
    let added = 2;
    let names: Vec<String> = (0..MAX_RESPONSE_HEADERS)
        .map(|i| format!("x-{i}"))
        .collect();
    let fields = |n: usize| -> Vec<(&str, &str)> {
        names[..n - added]
            .iter()
            .map(|name| (name.as_str(), "v"))
            .collect()
    };
    let answer = send(&fields(MAX_RESPONSE_HEADERS)).expect("as many fields as allowed");
    assert_eq!(answer.headers().len(), MAX_RESPONSE_HEADERS);
    let error = send(&fields(MAX_RESPONSE_HEADERS + 1)).expect_err("one field too many");
    assert_eq!(error.kind(), TransportErrorKind::Protocol, "{error:?}");

    let big = |bytes: usize| "b".repeat(bytes - 2 * 19 - "x-big".len() - 4);
    let value = big(MAX_RESPONSE_HEADER_BYTES);
    send(&[("x-big", &value)]).expect("as many bytes as allowed");
    let value = big(MAX_RESPONSE_HEADER_BYTES + 1);
    let error = send(&[("x-big", &value)]).expect_err("one byte too many");
    assert_eq!(error.kind(), TransportErrorKind::Protocol, "{error:?}");
    assert!(!error.detail().contains("bbb"), "{error:?}");
}
