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
        .use_preconfigured_tls(keycard_reqwest::default_tls_config())
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
