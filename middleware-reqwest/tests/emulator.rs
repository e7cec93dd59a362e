//! `TokenMiddleware` in a real `reqwest_middleware::ClientWithMiddleware`, against the
//! emulator: tokens on requests, the 401 path (one new mint, one replay, never a loop), what
//! is never replayed, the scope check, and the typed error with no secret in it.

use keycard_core::lifecycle::SourceConfig;
use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::{AsyncTransport, BaseUrl, SecretKey};
use keycard_emulator::{Emulator, Fault, Route};
use keycard_reqwest::{reqwest, ReqwestTransport};
use keycard_reqwest_middleware::{reqwest_middleware, TokenError, TokenMiddleware};
use keycard_source::AsyncSource;
use reqwest_middleware::ClientWithMiddleware;
use std::sync::Arc;
use std::time::Duration;

type Source = AsyncSource<voucherify::GenerateToken, ReqwestTransport>;

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

fn source(emu: &Emulator, scopes: &[Scope]) -> Arc<Source> {
    source_with_key(emu, scopes, emu.voucherify_secret_key())
}

fn source_with_key(emu: &Emulator, scopes: &[Scope], secret_key: &str) -> Arc<Source> {
    let endpoint = api(emu, secret_key)
        .generate_token(&Scopes::from_iter(scopes.iter().copied()))
        .unwrap();
    Arc::new(AsyncSource::new(
        transport(),
        endpoint,
        SourceConfig::default(),
    ))
}

fn client(
    middleware: TokenMiddleware<voucherify::GenerateToken, ReqwestTransport>,
) -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(middleware)
        .build()
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
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)).check_scopes(base(&emu)));
    for _ in 0..3 {
        let response = client.get(voucher_url(&emu)).send().await.unwrap();
        // The emulator answers 200 only to a live token that grants the voucher.
        assert_eq!(response.status(), 200);
    }
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_by_exactly_one_new_mint_and_the_request_replayed_once() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)).check_scopes(base(&emu)));
    assert_eq!(
        client.get(voucher_url(&emu)).send().await.unwrap().status(),
        200
    );
    let revoked = source.current().unwrap();
    revoke_current(&emu, &source).await;

    let response = client.get(voucher_url(&emu)).send().await.unwrap();
    assert_eq!(response.status(), 200, "the replay with the new token");
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "exactly one new mint"
    );
    // 1 before the revocation, then the 401 and its one replay.
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 3);
    assert!(!Arc::ptr_eq(&source.current().unwrap(), &revoked));
    // The new token serves what follows, with no further mint.
    assert_eq!(
        client.get(voucher_url(&emu)).send().await.unwrap().status(),
        200
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[tokio::test]
async fn a_second_401_is_handed_back_and_never_retried_in_a_loop() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)));
    let unauthorized = Fault::Status(
        401,
        "application/json".to_owned(),
        r#"{"code":401,"message":"Unauthorized","key":"unauthorized"}"#.to_owned(),
    );
    emu.inject(Route::VoucherifyGetVoucher, unauthorized, 3);

    let response = client.get(voucher_url(&emu)).send().await.unwrap();
    assert_eq!(response.status(), 401, "the replay's 401 is the caller's");
    assert_eq!(
        emu.hits(Route::VoucherifyGetVoucher),
        2,
        "one request, one replay"
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[tokio::test]
async fn a_post_with_a_streaming_body_is_not_replayed() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)));
    assert_eq!(
        client.get(voucher_url(&emu)).send().await.unwrap().status(),
        200
    );
    revoke_current(&emu, &source).await;
    let hits_before = emu.hits(Route::VoucherifyIntrospect);

    // Introspection wants the app keys: with the (revoked) bearer token alone it is a 401.
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
        b"token=x",
    ))]);
    let response = client
        .post(format!("{}/v1/oauth/introspect", emu.voucherify_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "handed back");
    assert_eq!(
        emu.hits(Route::VoucherifyIntrospect),
        hits_before + 1,
        "sent once"
    );
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        1,
        "no mint for a replay"
    );
    // The token it used was invalidated all the same: the next request mints.
    assert_eq!(
        client.get(voucher_url(&emu)).send().await.unwrap().status(),
        200
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

#[tokio::test]
async fn a_post_with_a_buffered_body_is_not_replayed_either() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)));
    let response = client
        .post(format!("{}/v1/oauth/introspect", emu.voucherify_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        emu.hits(Route::VoucherifyIntrospect),
        1,
        "POST is not idempotent"
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
}

#[tokio::test]
async fn the_scope_check_refuses_a_request_the_token_does_not_grant_and_sends_nothing() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Customers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)).check_scopes(base(&emu)));
    let error = client.get(voucher_url(&emu)).send().await.unwrap_err();
    let reqwest_middleware::Error::Middleware(error) = error else {
        panic!("a middleware error: {error:?}");
    };
    match error.downcast_ref::<TokenError>() {
        Some(TokenError::NotGranted(why)) => {
            assert!(why.to_string().contains("vouchers"), "{why}");
        }
        other => panic!("not granted: {other:?}"),
    }
    assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0, "nothing sent");
    // A request to another host is refused the same way.
    let error = client
        .get("http://127.0.0.1:9/v1/vouchers/X")
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not sent"), "{error}");
}

#[tokio::test]
async fn no_token_is_a_typed_error_without_the_secret_even_when_the_server_echoes_it() {
    let emu = Emulator::start().unwrap();
    const CANARY: &str = "sk-canary-4c1d7e";
    let source = source_with_key(&emu, &[Scope::Vouchers], CANARY);
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
    let client = client(TokenMiddleware::new(Arc::clone(&source)));
    let error = client.get(voucher_url(&emu)).send().await.unwrap_err();
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("a middleware error: {error:?}");
    };
    let Some(TokenError::Unavailable(why)) = inner.downcast_ref::<TokenError>() else {
        panic!("no token: {error:?}");
    };
    assert!(why.fetch_error().is_some(), "{why:?}");
    let mut report = format!("{error:?} {error:#}");
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_requests_that_see_a_401_for_one_revoked_token_make_one_new_mint() {
    let emu = Emulator::start().unwrap();
    let source = source(&emu, &[Scope::Vouchers]);
    let client = client(TokenMiddleware::new(Arc::clone(&source)).check_scopes(base(&emu)));
    assert_eq!(
        client.get(voucher_url(&emu)).send().await.unwrap().status(),
        200
    );
    revoke_current(&emu, &source).await;

    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, barrier, url) = (client.clone(), Arc::clone(&barrier), voucher_url(&emu));
            tokio::spawn(async move {
                barrier.wait().await;
                client.get(url).send().await.unwrap().status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    // Each request invalidates only the token it used: the revoked one, once; the new token
    // is never thrown away by a request that saw the old one's 401.
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "exactly one new mint"
    );
}
