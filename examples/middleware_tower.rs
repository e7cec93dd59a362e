//! The tower layer around hyper's client: a token from an `AsyncSource` on every request, the
//! scope check before sending, and a revoked token replaced (one new mint) with the request
//! replayed once. Any `tower::Service` over `http::Request` takes the same layer.
//!
//! Run: `cargo run --example middleware_tower --features reqwest,tower,tokio` (against the
//! local emulator)

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use keycard::lifecycle::SourceConfig;
use keycard::reqwest::ReqwestTransport;
use keycard::tower::{Error, TokenError, TokenLayer};
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{AsyncSource, AsyncTransport, BaseUrl, SecretKey, TokioSpawner};
use keycard_emulator::Route;
use std::sync::Arc;
use tower::{ServiceBuilder, ServiceExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = keycard_emulator::Emulator::start()?;
    // base: "https://api.voucherify.io", or here the local emulator.
    let base = BaseUrl::parse(&emulator.voucherify_url())?;
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let source = Arc::new(
        AsyncSource::new(
            ReqwestTransport::new(),
            api.generate_token(&Scopes::from([Scope::Vouchers]))?,
            SourceConfig::default(),
        )
        .with_spawner(TokioSpawner),
    );

    // (For https, build hyper's client with an HTTPS connector, e.g. hyper-rustls.)
    let client = ServiceBuilder::new()
        .layer(TokenLayer::new(Arc::clone(&source)).check_scopes(base.clone()))
        .service(Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    let get = |path: String| http::Request::get(format!("{base}{path}")).body(Full::default());
    let voucher = format!("/v1/vouchers/{}", emulator.voucher_code());

    let response = client.clone().oneshot(get(voucher.clone())?).await?;
    println!("GET /v1/vouchers/{{code}} -> HTTP {}", response.status());

    // The token is revoked behind the program's back: the next request sees a 401, the layer
    // invalidates that token, mints one new token and replays the request.
    if let Some(token) = source.current() {
        ReqwestTransport::new()
            .run(&api.revoke(token.access_token())?)
            .await?
            .into_result()?;
    }
    let response = client.clone().oneshot(get(voucher)?).await?;
    println!(
        "after a revocation: HTTP {}, {} token(s) minted in all",
        response.status(),
        emulator.hits(Route::VoucherifyGenerate)
    );

    // A request the token's scopes do not grant is refused before it is sent.
    match client
        .oneshot(get("/v1/customers/cust_1".to_owned())?)
        .await
    {
        Err(Error::Token(TokenError::NotGranted(why))) => println!("not sent: {why}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
