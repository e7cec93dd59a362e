//! What the transport does with what comes over the wire, against a one-shot server on
//! 127.0.0.1.

mod server;

use keycard_core::AsyncTransport;
use keycard_reqwest::{reqwest, Error, ReqwestTransport};
use server::{corrupt_gzip, leaks, request, response, OneShot};
use std::time::{Duration, Instant};

fn transport() -> ReqwestTransport {
    ReqwestTransport::builder()
        .timeout(Duration::from_secs(3))
        .max_body_size(1024)
        .build()
        .unwrap()
}

#[tokio::test]
async fn sends_the_request_as_built_and_returns_an_error_status_with_its_body() {
    let server = OneShot::start(
        response(
            "418 I'm a teapot",
            &[("content-type", "text/plain")],
            b"short and stout",
        ),
        Duration::ZERO,
    );
    let answer = transport()
        .send(request(&format!("{}/v1/oauth/token", server.url)))
        .await
        .unwrap();
    assert_eq!(answer.status(), 418);
    assert_eq!(answer.body(), b"short and stout");
    let sent = String::from_utf8(server.request().unwrap()).unwrap();
    assert!(
        sent.starts_with("POST /v1/oauth/token HTTP/1.1\r\n"),
        "{sent}"
    );
    assert!(
        sent.contains("x-app-token: s3cr3t-header-value\r\n"),
        "{sent}"
    );
    assert!(
        sent.ends_with("\r\n\r\naccess_token=s3cr3t-body-value"),
        "{sent}"
    );
    assert!(
        sent.to_ascii_lowercase()
            .contains("user-agent: keycard-reqwest/"),
        "{sent}"
    );
    assert!(
        sent.to_ascii_lowercase().contains("accept-encoding: gzip"),
        "{sent}"
    );
}

#[tokio::test]
async fn redirects_come_back_to_the_parser() {
    let target = OneShot::start(response("200 OK", &[], b"followed"), Duration::ZERO);
    let server = OneShot::start(
        response(
            "302 Found",
            &[("location", &format!("{}/elsewhere", target.url))],
            b"",
        ),
        Duration::ZERO,
    );
    let answer = transport().send(request(&server.url)).await.unwrap();
    assert_eq!(answer.status(), 302);
    assert!(target.request().is_none(), "the redirect was followed");
}

#[tokio::test]
async fn a_users_client_that_follows_redirects_is_caught() {
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(keycard_reqwest::default_tls_config())
        .build()
        .unwrap();
    let target = OneShot::start(response("200 OK", &[], b"followed"), Duration::ZERO);
    let server = OneShot::start(
        response(
            "302 Found",
            &[("location", &format!("{}/elsewhere?x=1", target.url))],
            b"",
        ),
        Duration::ZERO,
    );
    let error = ReqwestTransport::with_client(client)
        .send(request(&server.url))
        .await
        .unwrap_err();
    let Error::RedirectFollowed { location, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(location, &format!("{}/elsewhere", target.url));
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_without_reading_the_body() {
    let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n".to_vec();
    answer.extend_from_slice(b"0123456789");
    let server = OneShot::start(answer, Duration::from_secs(4));
    let started = Instant::now();
    let error = transport().send(request(&server.url)).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { cap: 1024, .. }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_http_is_a_protocol_error() {
    let server = OneShot::start(b"HTTP/1.1 abc\r\n\r\n".to_vec(), Duration::ZERO);
    let error = transport().send(request(&server.url)).await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn corrupt_gzip_is_a_protocol_error() {
    let server = OneShot::start(
        response("200 OK", &[("content-encoding", "gzip")], &corrupt_gzip()),
        Duration::ZERO,
    );
    let error = transport().send(request(&server.url)).await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
}

#[tokio::test]
async fn errors_name_the_url_without_user_info_query_or_secrets() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url =
        format!("http://user:s3cr3t-password@127.0.0.1:{port}/v1/oauth/token?key=s3cr3t-query");
    let error = transport().send(request(&url)).await.unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(
        error.url(),
        format!("http://127.0.0.1:{port}/v1/oauth/token")
    );
    let text = format!("{error} {error:?}");
    assert!(!leaks(&text), "{text}");
}

#[tokio::test]
async fn stalled_server_times_out() {
    let server = OneShot::start(Vec::new(), Duration::from_secs(4));
    let transport = ReqwestTransport::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = transport.send(request(&server.url)).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!leaks(&format!("{error} {error:?}")));
}

#[tokio::test]
async fn https_to_a_server_that_does_not_speak_tls_is_a_tls_error() {
    let server = OneShot::start(
        response("200 OK", &[], b"plain text, not TLS"),
        Duration::ZERO,
    );
    let url = server.url.replace("http://", "https://");
    let error = transport().send(request(&url)).await.unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(!error.is_retryable());
    assert!(!leaks(&format!("{error} {error:?}")));
}
