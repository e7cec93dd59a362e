//! The asynchronous transport on tokio: run operations with `ReqwestTransport`, and let a
//! `TokenSource` reuse, refresh and put the token on your own requests, from many tasks.
//!
//! Run: `cargo run --example async_reqwest --features reqwest` (against the local emulator)

use keycard::exact;
use keycard::lifecycle::KeeperConfig;
use keycard::reqwest::{ReqwestTransport, TokenSource};
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{ApiKey, AsyncTransport, BaseUrl, SecretKey};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = keycard_emulator::Emulator::start()?;
    let transport = ReqwestTransport::new();

    // Exact Payments: an order access token for the browser payment form.
    let exact = exact::Api::new(
        BaseUrl::parse(&emulator.exact_url())?,
        ApiKey::new(emulator.exact_api_key()),
    )?;
    let order_token = transport
        .run(&exact.create_order_access_token(emulator.exact_order_id())?)
        .await?
        .into_result()?;
    let left = order_token
        .expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    println!("order access token: expires in {} s", left.as_secs());

    // Voucherify: a token source shared by 100 tasks; one request goes upstream.
    let base = BaseUrl::parse(&emulator.voucherify_url())?;
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let source = Arc::new(TokenSource::new(
        transport,
        api.generate_token(&Scopes::from([Scope::Vouchers]))?,
        KeeperConfig::default(),
    ));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let source = Arc::clone(&source);
            tokio::spawn(async move {
                source
                    .token()
                    .await
                    .map(|t| t.remaining(std::time::SystemTime::now()))
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    println!(
        "100 tasks, {} token request(s) upstream",
        emulator.hits(keycard_emulator::Route::VoucherifyGenerate)
    );

    // Put the token on your own request (checked against the endpoint's scopes first).
    let url = format!("{base}/v1/vouchers/{}", emulator.voucher_code());
    let mut request = http::Request::get(url).body(Vec::new())?;
    source.authorize_checked(&mut request, &base).await?;
    let response = source.transport().send(request).await?;
    println!("GET /v1/vouchers/{{code}} -> HTTP {}", response.status());
    Ok(())
}
