//! `TokenLayer` around a real hyper client (hyper-util's legacy client), against the emulator:
//! tokens on requests, the 401 path (one new mint, one replay, never a loop), what is never
//! replayed, the scope check, and the typed error with no secret in it.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use keycard_core::lifecycle::SourceConfig;
use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::{AsyncTransport, BaseUrl, SecretKey};
use keycard_emulator::{Emulator, Fault, Route};
use keycard_reqwest::ReqwestTransport;
use keycard_source::AsyncSource;
use keycard_tower::{Error, ReplayBody, TokenError, TokenLayer, TokenService};
use std::sync::Arc;
use std::time::Duration;
use tower::{ServiceBuilder, ServiceExt};

type Source = AsyncSource<voucherify::GenerateToken, ReqwestTransport>;
type Service<B> =
    TokenService<Client<HttpConnector, B>, voucherify::GenerateToken, ReqwestTransport>;

fn transport() -> ReqwestTransport {
    ReqwestTransport::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn api(emu: &Emulator, secret_key: &str) -> voucherify::Api {
    voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(emu.voucherify_app_id(), SecretKey::new(secret_key)).unwrap(),
    )
}

fn source(emu: &Emulator, scopes: &[Scope], secret_key: &str) -> Arc<Source> {
    let endpoint = api(emu, secret_key)
        .generate_token(&Scopes::from_iter(scopes.iter().copied()))
        .unwrap();
    Arc::new(AsyncSource::new(
        transport(),
        endpoint,
        SourceConfig::default(),
    ))
}

/// hyper's client, with the layer.
fn service<B>(layer: TokenLayer<voucherify::GenerateToken, ReqwestTransport>) -> Service<B>
where
    B: hyper::body::Body + ReplayBody + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    ServiceBuilder::new()
        .layer(layer)
        .service(Client::builder(TokioExecutor::new()).build_http())
}

fn voucher_url(emu: &Emulator) -> String {
    format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    )
}

fn base(emu: &Emulator) -> BaseUrl {
    BaseUrl::parse(&emu.voucherify_url()).unwrap()
}

fn get(url: &str) -> http::Request<Full<Bytes>> {
    http::Request::get(url).body(Full::default()).unwrap()
}

/// A body that arrives in chunks: it cannot be copied, so it is never replayed.
type Streaming = StreamBody<
    futures::stream::Iter<std::array::IntoIter<Result<Frame<Bytes>, std::io::Error>, 1>>,
>;

fn streaming(bytes: &'static [u8]) -> Streaming {
    StreamBody::new(futures::stream::iter([Ok(Frame::data(
        Bytes::from_static(bytes),
    ))]))
}

/// Revokes `source`'s current token at the API, as another process (or an admin) would.
async fn revoke_current(emu: &Emulator, source: &Source) {
    let token = source.current().expect("a token was minted");
    transport()
        .run(
            &api(emu, emu.voucherify_secret_key())
                .revoke(token.access_token())
                .unwrap(),
        )
        .await
        .unwrap()
        .into_result()
        .unwrap();
}

#[tokio::test]
async fn every_request_carries_the_sources_token_and_one_mint_serves_them_all() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers], emu.voucherify_secret_key());
    let client = service(TokenLayer::new(Arc::clone(&source)).check_scopes(base(&emu)));
    for _ in 0..3 {
        let response = client
            .clone()
            .oneshot(get(&voucher_url(&emu)))
            .await
            .unwrap();
        // The emulator answers 200 only to a live token that grants the voucher.
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(body.starts_with(b"{"), "the voucher");
    }
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_by_exactly_one_new_mint_and_the_request_replayed_once() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers], emu.voucherify_secret_key());
    let client = service(TokenLayer::new(Arc::clone(&source)).check_scopes(base(&emu)));
    let first = client
        .clone()
        .oneshot(get(&voucher_url(&emu)))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let revoked = source.current().unwrap();
    revoke_current(&emu, &source).await;

    let response = client
        .clone()
        .oneshot(get(&voucher_url(&emu)))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the replay with the new token");
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "exactly one new mint"
    );
    // 1 before the revocation, then the 401 and its one replay.
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 3);
    assert!(!Arc::ptr_eq(&source.current().unwrap(), &revoked));
}

#[tokio::test]
async fn a_second_401_is_handed_back_and_never_retried_in_a_loop() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers], emu.voucherify_secret_key());
    let client = service(TokenLayer::new(Arc::clone(&source)));
    let unauthorized = Fault::Status(
        401,
        "application/json".to_owned(),
        r#"{"code":401,"message":"Unauthorized","key":"unauthorized"}"#.to_owned(),
    );
    emu.inject(Route::VoucherifyGetVoucher, unauthorized, 3);

    let response = client.oneshot(get(&voucher_url(&emu))).await.unwrap();
    assert_eq!(response.status(), 401, "the replay's 401 is the caller's");
    assert_eq!(
        emu.hits(Route::VoucherifyGetVoucher),
        2,
        "one request, one replay"
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[tokio::test]
async fn a_streaming_body_is_never_replayed_even_on_an_idempotent_method() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers], emu.voucherify_secret_key());
    let client = service::<Streaming>(TokenLayer::new(Arc::clone(&source)));
    let request = |method: http::Method, url: String| {
        http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(streaming(b"token=x"))
            .unwrap()
    };
    let ok = client
        .clone()
        .oneshot(request(http::Method::GET, voucher_url(&emu)))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    revoke_current(&emu, &source).await;

    // A GET whose body is a stream: handed back, not replayed.
    let response = client
        .clone()
        .oneshot(request(http::Method::GET, voucher_url(&emu)))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 2, "sent once");
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        1,
        "no mint for a replay"
    );

    // A POST with a streaming body (introspection wants the app keys, so the bearer token
    // alone is a 401): sent once, handed back.
    let introspect = format!("{}/v1/oauth/introspect", emu.voucherify_url());
    let response = client
        .clone()
        .oneshot(request(http::Method::POST, introspect))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(emu.hits(Route::VoucherifyIntrospect), 1, "sent once");
    // Each 401 invalidated its token: this POST went with a new one, the second mint.
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[tokio::test]
async fn the_scope_check_refuses_a_request_the_token_does_not_grant_and_sends_nothing() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Customers], emu.voucherify_secret_key());
    let client = service(TokenLayer::new(Arc::clone(&source)).check_scopes(base(&emu)));
    let error = client.oneshot(get(&voucher_url(&emu))).await.unwrap_err();
    match error {
        Error::Token(TokenError::NotGranted(why)) => {
            assert!(why.to_string().contains("vouchers"), "{why}");
        }
        other => panic!("not granted: {other:?}"),
    }
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0, "nothing sent");
}

#[tokio::test]
async fn no_token_is_a_typed_error_without_the_secret_even_when_the_server_echoes_it() {
    let emu = Emulator::start().unwrap();
    const CANARY: &str = "sk-canary-9b2f01";
    let source = source(&emu, &[Scope::Vouchers], CANARY);
    // The token endpoint's 401 echoes the key it was sent, as servers and proxies do.
    emu.inject_always(
        Route::VoucherifyGenerate,
        Fault::Status(
            401,
            "application/json".into(),
            format!(
                r#"{{"code":401,"message":"Unauthorized: unknown key {CANARY}","key":"{CANARY}","details":"X-App-Token {CANARY}"}}"#
            ),
        ),
    );
    let client = service(TokenLayer::new(Arc::clone(&source)));
    let error = client.oneshot(get(&voucher_url(&emu))).await.unwrap_err();
    let Error::Token(TokenError::Unavailable(why)) = &error else {
        panic!("no token: {error:?}");
    };
    assert!(why.fetch_error().is_some(), "{why:?}");
    let mut report = format!("{error:?}");
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = cause {
        report.push_str(&format!(" {e} {e:?}"));
        cause = e.source();
    }
    assert!(
        !report.contains(CANARY),
        "the secret key leaked into the error"
    );
    // The echo reached keycard, which scrubbed it.
    assert!(report.contains(keycard_core::REDACTED), "{report}");
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0, "nothing sent");
}

#[tokio::test]
async fn the_inner_services_failure_is_a_send_error() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers], emu.voucherify_secret_key());
    let client = service(TokenLayer::new(Arc::clone(&source)));
    // Nothing listens on port 9 of 127.0.0.1 (discard): the connection is refused.
    let error = client
        .oneshot(get("http://127.0.0.1:9/v1/vouchers/X"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Send(_)), "{error:?}");
}
