//! The asynchronous transport on tokio: run operations with `ReqwestTransport`, and let a
//! `AsyncSource` reuse, refresh (in the background, on tokio) and put the token on your own
//! requests, from many tasks.
//!
//! Run: `cargo run --example async_reqwest --features reqwest` (against the local emulator)

use keycard::exact;
use keycard::lifecycle::SourceConfig;
use keycard::reqwest::ReqwestTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{ApiKey, AsyncSource, AsyncTransport, BaseUrl, SecretKey, TokioSpawner};
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
    let source = Arc::new(
        AsyncSource::new(
            transport,
            api.generate_token(&Scopes::from([Scope::Vouchers]))?,
            SourceConfig::default(),
        )
        // Refresh ahead of expiry in a background task, so no caller waits for it.
        .with_spawner(TokioSpawner),
    );
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let source = Arc::clone(&source);
            tokio::spawn(async move {
                source
                    .token()
                    .await
                    .map(|t| t.remaining(std::time::Instant::now()))
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
    let used = source.authorize_checked(&mut request, &base).await?;
    let response = source.transport().send(request).await?;
    println!("GET /v1/vouchers/{{code}} -> HTTP {}", response.status());
    if response.status() == http::StatusCode::UNAUTHORIZED {
        // Revoked meanwhile: forget exactly this token; the next call mints a new one.
        source.invalidate(&used);
    }
    Ok(())
}
