//! The synchronous transport: run operations with `UreqTransport`, and let a `BlockingSource`
//! reuse, refresh and put the token on your own requests, from many threads; after a 401,
//! invalidate exactly the token used.
//!
//! Run: `cargo run --example sync_ureq --features ureq` (against the local emulator)

use keycard::lifecycle::SourceConfig;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{BaseUrl, BlockingSource, SecretKey, Transport};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = keycard_emulator::Emulator::start()?;
    let base = BaseUrl::parse(&emulator.voucherify_url())?;
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let transport = UreqTransport::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build();

    // One operation, run directly: the typed outcome keeps status, headers and raw body.
    let scopes = Scopes::from([Scope::Vouchers]);
    let outcome = transport.run(&api.generate_token(&scopes)?)?;
    println!("generate -> HTTP {}", outcome.status());

    // A token source shared by threads: one token, reused while fresh, refreshed ahead of
    // expiry, with at most one request upstream at a time.
    let source = Arc::new(BlockingSource::new(
        transport,
        api.generate_token(&scopes)?,
        SourceConfig::default(),
    ));
    let code = emulator.voucher_code();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (source, base) = (Arc::clone(&source), base.clone());
            std::thread::spawn(move || -> Result<u16, String> {
                let url = format!("{base}/v1/vouchers/{code}");
                let mut request = http::Request::get(url)
                    .body(Vec::new())
                    .map_err(|e| e.to_string())?;
                // Checks locally that the token's scopes grant this endpoint, then authorizes.
                source
                    .authorize_checked(&mut request, &base)
                    .map_err(|e| e.to_string())?;
                let response = source
                    .transport()
                    .send(request)
                    .map_err(|e| e.to_string())?;
                Ok(response.status().as_u16())
            })
        })
        .collect();
    for handle in handles {
        let status = handle.join().map_err(|_| "a thread panicked")??;
        println!("GET /v1/vouchers/{code} -> HTTP {status}");
    }
    println!(
        "8 threads, {} token request(s) upstream through the source",
        emulator.hits(keycard_emulator::Route::VoucherifyGenerate) - 1
    );

    // The 401 recipe. `authorize` returns the token it put on the request; when the API answers
    // 401 (here: the token was revoked meanwhile), invalidate exactly that token and try again.
    // However many requests saw the 401 at once, one new token is minted.
    let revoked = source.token()?;
    source
        .transport()
        .run(&api.revoke(revoked.access_token())?)?
        .into_result()?;
    let url = format!("{base}/v1/vouchers/{code}");
    for attempt in 1..=2 {
        let mut request = http::Request::get(&url).body(Vec::new())?;
        let used = source.authorize_checked(&mut request, &base)?;
        let response = source.transport().send(request)?;
        println!(
            "attempt {attempt}: GET /v1/vouchers/{code} -> HTTP {}",
            response.status()
        );
        if response.status() != http::StatusCode::UNAUTHORIZED {
            break;
        }
        source.invalidate(&used);
    }
    for event in source.drain_events() {
        println!("keycard: {event}");
    }
    Ok(())
}
