//! The quickstart: every token operation, end to end, with a short report of each step.
//!
//! With no configuration it starts the local emulator in-process. To talk to real servers, set
//! `VOUCHERIFY_API_URL`, `VOUCHERIFY_APP_ID`, `VOUCHERIFY_SECRET_KEY` (and optionally
//! `VOUCHERIFY_VOUCHER_CODE`) and/or `EXACT_API_URL`, `EXACT_API_KEY`, `EXACT_ORDER_ID`; an API
//! left unconfigured runs against the emulator. Exits non-zero if any step failed.
//!
//! Run: `cargo run --example quickstart --features ureq`

use keycard::exact;
use keycard::lifecycle::{Event, SourceConfig};
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, GenerateToken, Introspection, Scope, Scopes, Token};
use keycard::{ApiKey, BaseUrl, BlockingSource, Clock, SecretKey, Transport};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Where each API is, and with which credentials.
struct Setup {
    voucherify: voucherify::Api,
    voucher_code: String,
    exact: exact::Api,
    order_id: String,
    // Kept alive while the quickstart runs, when an API is not configured.
    emulator: Option<keycard_emulator::Emulator>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    let real_voucherify = [
        "VOUCHERIFY_API_URL",
        "VOUCHERIFY_APP_ID",
        "VOUCHERIFY_SECRET_KEY",
    ]
    .map(env);
    let real_exact = ["EXACT_API_URL", "EXACT_API_KEY", "EXACT_ORDER_ID"].map(env);
    let all = |vars: &[Option<String>; 3]| vars.iter().all(Option::is_some);
    let emulator = if all(&real_voucherify) && all(&real_exact) {
        None
    } else {
        Some(keycard_emulator::Emulator::start()?)
    };

    let (voucherify, voucher_code) = match (real_voucherify, &emulator) {
        ([Some(url), Some(app_id), Some(key)], _) => {
            println!("Voucherify: {url}");
            let code = env("VOUCHERIFY_VOUCHER_CODE").unwrap_or_else(|| "quickstart".into());
            let credentials = Credentials::new(app_id, SecretKey::new(key))?;
            (
                voucherify::Api::new(BaseUrl::parse(&url)?, credentials),
                code,
            )
        }
        (_, Some(emu)) => {
            println!("Voucherify: the local emulator at {}", emu.voucherify_url());
            let credentials = Credentials::new(
                emu.voucherify_app_id(),
                SecretKey::new(emu.voucherify_secret_key()),
            )?;
            let api = voucherify::Api::new(BaseUrl::parse(&emu.voucherify_url())?, credentials);
            (api, emu.voucher_code().to_owned())
        }
        _ => unreachable!("the emulator runs whenever an API is not configured"),
    };
    let (exact, order_id) = match (real_exact, &emulator) {
        ([Some(url), Some(key), Some(order)], _) => {
            println!("Exact Payments: {url}");
            (
                exact::Api::new(BaseUrl::parse(&url)?, ApiKey::new(key))?,
                order,
            )
        }
        (_, Some(emu)) => {
            println!("Exact Payments: the local emulator at {}", emu.exact_url());
            let api = exact::Api::new(
                BaseUrl::parse(&emu.exact_url())?,
                ApiKey::new(emu.exact_api_key()),
            )?;
            (api, emu.exact_order_id().to_owned())
        }
        _ => unreachable!("the emulator runs whenever an API is not configured"),
    };
    Ok(Setup {
        voucherify,
        voucher_code,
        exact,
        order_id,
        emulator,
    })
}

/// Seconds from now until `at`, for the report.
fn seconds_until(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::now())
        .unwrap_or_default()
        .as_secs()
}

type Step<T = String> = Result<T, Box<dyn std::error::Error>>;

fn generate(setup: &Setup, transport: &UreqTransport, scopes: &Scopes) -> Step<Token> {
    let outcome = transport.run(&setup.voucherify.generate_token(scopes)?)?;
    let status = outcome.status();
    let token = outcome.into_result()?;
    println!(
        "  ok    generate            HTTP {status}, scopes [{}], expires in {} s",
        token.scope,
        token.expires_in.as_secs()
    );
    Ok(token)
}

fn introspect(setup: &Setup, transport: &UreqTransport, token: &Token, want_active: bool) -> Step {
    let outcome = transport.run(&setup.voucherify.introspect(&token.access_token)?)?;
    let status = outcome.status();
    match (outcome.into_result()?, want_active) {
        (Introspection::Active(t), true) => Ok(format!(
            "HTTP {status}, active, {} s left, scopes [{}]",
            t.expires_in.as_secs(),
            t.scope
        )),
        (Introspection::Inactive, false) => Ok(format!("HTTP {status}, inactive")),
        (answer, _) => Err(format!("unexpected answer: {answer:?}").into()),
    }
}

fn use_on_scoped_request(setup: &Setup, transport: &UreqTransport, token: &Token) -> Step {
    let url = format!(
        "{}/v1/vouchers/{}",
        setup.voucherify.base_url(),
        setup.voucher_code
    );
    let mut request = http::Request::get(url).body(Vec::new())?;
    token.authorize(&mut request)?;
    let status = transport.send(request)?.status();
    let report = format!("GET /v1/vouchers/{{code}} -> HTTP {status}");
    match status.as_u16() {
        // 404: the token was accepted; that voucher code just does not exist there.
        200 | 404 => Ok(report),
        _ => Err(report.into()),
    }
}

fn revoke(setup: &Setup, transport: &UreqTransport, token: &Token) -> Step {
    let outcome = transport.run(&setup.voucherify.revoke(&token.access_token)?)?;
    Ok(format!(
        "HTTP {}, {:?}",
        outcome.status(),
        outcome.into_result()?
    ))
}

/// A clock the quickstart can move ahead, instead of waiting 13 minutes.
#[derive(Debug, Clone)]
struct JumpClock {
    start: (Instant, SystemTime),
    ahead_secs: Arc<AtomicU64>,
}

impl JumpClock {
    fn jump_to(&self, offset: Duration) {
        self.ahead_secs.store(offset.as_secs(), Ordering::Relaxed);
    }
    fn offset(&self) -> Duration {
        Duration::from_secs(self.ahead_secs.load(Ordering::Relaxed))
    }
}

impl Clock for JumpClock {
    fn now(&self) -> Instant {
        self.start.0 + self.offset()
    }
    fn wall(&self) -> SystemTime {
        self.start.1 + self.offset()
    }
}

/// How many tokens the source minted since the last call.
fn minted(source: &BlockingSource<GenerateToken, UreqTransport>) -> usize {
    source
        .drain_events()
        .iter()
        .filter(|event| matches!(event, Event::Issued { .. }))
        .count()
}

/// A token source reuses a live token, then refreshes it ahead of expiry. Its clock is
/// pluggable, so the quickstart can jump ahead instead of waiting 13 minutes.
fn reuse_then_refresh(setup: &Setup, transport: &UreqTransport, scopes: &Scopes) -> Step {
    let clock = JumpClock {
        start: (Instant::now(), SystemTime::now()),
        ahead_secs: Arc::new(AtomicU64::new(0)),
    };
    let source = BlockingSource::new(
        transport.clone(),
        setup.voucherify.generate_token(scopes)?,
        SourceConfig::default(),
    )
    .with_clock(clock.clone())
    // Refresh on the caller's thread, so this walk-through sees it happen.
    .with_inline_refresh();
    let first = source.token()?;
    if minted(&source) != 1 {
        return Err("the first ask did not fetch".into());
    }
    clock.jump_to(Duration::from_secs(60));
    source.token()?;
    if minted(&source) != 0 {
        return Err("a live token was not reused".into());
    }
    let later = first.refresh_at().duration_since(clock.start.0) + Duration::from_secs(1);
    clock.jump_to(later);
    source.token()?;
    if minted(&source) != 1 {
        return Err("the token was not refreshed ahead of expiry".into());
    }
    Ok(format!(
        "reused at +60 s, refreshed at +{} s (900 s tokens)",
        later.as_secs()
    ))
}

fn order_access_token(setup: &Setup, transport: &UreqTransport) -> Step {
    let outcome = transport.run(&setup.exact.create_order_access_token(&setup.order_id)?)?;
    let status = outcome.status();
    let token = outcome.into_result()?;
    Ok(format!(
        "HTTP {status}, expires in {} s",
        seconds_until(token.expires_at)
    ))
}

fn main() -> ExitCode {
    let setup = match setup() {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("setup failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let transport = UreqTransport::new();
    let mut failed = 0;
    let mut report = |name: &str, result: Step| match result {
        Ok(line) => println!("  ok    {name:<19} {line}"),
        Err(error) => {
            failed += 1;
            println!("  FAIL  {name:<19} {error}");
        }
    };

    println!("\nVoucherify OAuth");
    let scopes = Scopes::from([Scope::Vouchers, Scope::Campaigns, Scope::Customers]);
    match generate(&setup, &transport, &scopes) {
        Ok(token) => {
            report("introspect", introspect(&setup, &transport, &token, true));
            report(
                "scoped request",
                use_on_scoped_request(&setup, &transport, &token),
            );
            report("revoke", revoke(&setup, &transport, &token));
            report(
                "introspect again",
                introspect(&setup, &transport, &token, false),
            );
        }
        Err(error) => report("generate", Err(error)),
    }
    report(
        "reuse, then refresh",
        reuse_then_refresh(&setup, &transport, &scopes),
    );

    println!("\nExact Payments");
    report("order access token", order_access_token(&setup, &transport));

    drop(setup.emulator);
    if failed == 0 {
        println!("\nall steps passed");
        ExitCode::SUCCESS
    } else {
        println!("\n{failed} step(s) failed");
        ExitCode::FAILURE
    }
}
