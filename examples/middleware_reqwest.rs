//! The reqwest-middleware middleware: a token from an `AsyncSource` on every request of a
//! `reqwest_middleware::ClientWithMiddleware`, the scope check before sending, and a revoked
//! token replaced (one new mint) with the request replayed once.
//!
//! Run: `cargo run --example middleware_reqwest --features reqwest,reqwest-middleware,tokio`
//! (against the local emulator)

use keycard::lifecycle::SourceConfig;
use keycard::reqwest::{reqwest, ReqwestTransport};
use keycard::reqwest_middleware::{reqwest_middleware, TokenError, TokenMiddleware};
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{AsyncSource, AsyncTransport, BaseUrl, SecretKey, TokioSpawner};
use keycard_emulator::Route;
use std::sync::Arc;

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

    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(TokenMiddleware::new(Arc::clone(&source)).check_scopes(base.clone()))
        .build();
    let voucher = format!("{base}/v1/vouchers/{}", emulator.voucher_code());

    let response = client.get(&voucher).send().await?;
    println!("GET /v1/vouchers/{{code}} -> HTTP {}", response.status());

    // The token is revoked behind the program's back: the next request sees a 401, the
    // middleware invalidates that token, mints one new token and replays the request.
    if let Some(token) = source.current() {
        ReqwestTransport::new()
            .run(&api.revoke(token.access_token())?)
            .await?
            .into_result()?;
    }
    let response = client.get(&voucher).send().await?;
    println!(
        "after a revocation: HTTP {}, {} token(s) minted in all",
        response.status(),
        emulator.hits(Route::VoucherifyGenerate)
    );

    // A request the token's scopes do not grant is refused before it is sent.
    let error = client
        .get(format!("{base}/v1/customers/cust_1"))
        .send()
        .await
        .expect_err("the token has the `vouchers` scope only");
    if let reqwest_middleware::Error::Middleware(error) = &error {
        if let Some(TokenError::NotGranted(why)) = error.downcast_ref::<TokenError>() {
            println!("not sent: {why}");
        }
    }
    Ok(())
}
