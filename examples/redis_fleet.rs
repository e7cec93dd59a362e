//! Tokens shared by a fleet through Redis: two token sources stand for two processes of a
//! fleet. They share one store, so the fleet mints one token, not one per process; after a
//! 401, one process invalidates it and the fleet mints one more.
//!
//! Run: `cargo run --example redis_fleet --features redis,ureq`, with `REDIS_URL` set to a
//! Redis of yours (`redis://127.0.0.1:6379/0`, `rediss://user:password@host:6380/0`). This
//! example starts nothing itself: without `REDIS_URL` it says so and uses a `MemoryStore`
//! shared by the two sources instead (one process; the fleet protocol is the same). Either
//! way the API is the local emulator.

use keycard::lifecycle::{MemoryStore, SourceConfig, TokenStore};
use keycard::redis::RedisStore;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, GenerateToken, Scope, Scopes};
use keycard::{BaseUrl, BlockingSource, SecretKey, Transport};
use keycard_emulator::{Emulator, Route};
use std::sync::Arc;

type Source = BlockingSource<GenerateToken, UreqTransport>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start()?;
    let base = BaseUrl::parse(&emulator.voucherify_url())?;
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let scopes = Scopes::from([Scope::Vouchers]);
    let make = || -> Result<Source, Box<dyn std::error::Error>> {
        Ok(BlockingSource::new(
            UreqTransport::new(),
            api.generate_token(&scopes)?,
            SourceConfig::default(),
        ))
    };

    let (first, second) = match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => {
            // The URL may hold a password: never print it.
            println!("store: the Redis at REDIS_URL (keys hold no secret; tokens are in clear)");
            let (a, b) = (RedisStore::open(&url)?, RedisStore::open(&url)?);
            // A clean slate for this key, so that the counts below are this run's.
            a.remove(&make()?.store_key())?;
            (make()?.with_store(a), make()?.with_store(b))
        }
        _ => {
            println!(
                "REDIS_URL is not set: the two sources share a MemoryStore instead \
                 (set REDIS_URL to share tokens through a Redis of yours)"
            );
            let shared = Arc::new(MemoryStore::new());
            (
                make()?.with_store(Arc::clone(&shared)),
                make()?.with_store(shared),
            )
        }
    };

    let minted = || emulator.hits(Route::VoucherifyGenerate);
    let one = first.token()?;
    let two = second.token()?;
    println!(
        "two sources, {} token minted; both hold the same token: {}",
        minted(),
        one.access_token() == two.access_token()
    );
    if minted() != 1 || one.access_token() != two.access_token() {
        return Err("the fleet should have minted exactly one token".into());
    }

    // The token is revoked; both processes see a 401. One invalidates, and the store hands the
    // new token to the other.
    first
        .transport()
        .run(&api.revoke(one.access_token())?)?
        .into_result()?;
    let code = emulator.voucher_code();
    for (name, source) in [("first", &first), ("second", &second)] {
        let mut request =
            http::Request::get(format!("{base}/v1/vouchers/{code}")).body(Vec::new())?;
        let used = source.authorize_checked(&mut request, &base)?;
        let status = source.transport().send(request)?.status();
        if status == http::StatusCode::UNAUTHORIZED {
            source.invalidate(&used);
            let mut retry =
                http::Request::get(format!("{base}/v1/vouchers/{code}")).body(Vec::new())?;
            source.authorize_checked(&mut retry, &base)?;
            let again = source.transport().send(retry)?.status();
            println!("{name}: HTTP 401, invalidated, once more: HTTP {again}");
        } else {
            println!("{name}: HTTP {status}");
        }
    }
    println!("after the revocation: {} tokens minted in all", minted());
    if minted() != 2 {
        return Err("the fleet should have minted exactly one new token".into());
    }
    Ok(())
}
