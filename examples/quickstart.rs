//! The quickstart: every token operation of both APIs, end to end, with a short report of each
//! step.
//!
//! With no configuration it starts the local emulator in-process and runs everything against
//! it. To talk to real servers, set `VOUCHERIFY_API_URL`, `VOUCHERIFY_APP_ID`,
//! `VOUCHERIFY_SECRET_KEY` (and optionally `VOUCHERIFY_VOUCHER_CODE`) and/or `EXACT_API_URL`,
//! `EXACT_API_KEY`, `EXACT_ORDER_ID` (and optionally `EXACT_USER_EMAIL` with
//! `EXACT_USER_PASSWORD` for a login, `EXACT_APPLICATION_ID` for application tokens: created,
//! rotated and deleted again). An API left unconfigured runs against the emulator; a step the
//! credentials do not allow, or that would harm a real account (blocking a key, using up a
//! quota, failing logins), is skipped and said so. Exits non-zero if any step failed.
//!
//! Run: `cargo run --example quickstart --features ureq`

use keycard::exact::{
    self, coverage, ApplicationToken, ApplicationTokenInfo, CheckoutConfig, Coverage,
    CreateUserToken, Handed, ListQuery, Permission, Permissions, UserCredentials,
};
use keycard::lifecycle::{Event, FetchError, Rejection, SourceConfig, SourceError};
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, GenerateToken, Introspection, Scope, Scopes, Token};
use keycard::{
    rotate_application_token, ApiKey, BaseUrl, BlockingCheckout, BlockingSource, Clock, Password,
    SecretKey, Transport,
};
use keycard_emulator::{Emulator, Route};
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
    /// Who logs in, when known.
    login: Option<UserCredentials>,
    /// The application whose tokens are created, rotated and deleted, when known.
    application_id: Option<String>,
    /// Whether each API is the emulator (which the quickstart may steer).
    voucherify_emulated: bool,
    exact_emulated: bool,
    // Kept alive while the quickstart runs, when an API is not configured.
    emulator: Option<Emulator>,
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
    let (voucherify_emulated, exact_emulated) = (!all(&real_voucherify), !all(&real_exact));
    let emulator = if voucherify_emulated || exact_emulated {
        Some(Emulator::start()?)
    } else {
        None
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
    let (exact, order_id, login, application_id) = match (real_exact, &emulator) {
        ([Some(url), Some(key), Some(order)], _) => {
            println!("Exact Payments: {url}");
            let login = match (env("EXACT_USER_EMAIL"), env("EXACT_USER_PASSWORD")) {
                (Some(email), Some(password)) => {
                    Some(UserCredentials::new(email, Password::new(password)))
                }
                _ => None,
            };
            (
                exact::Api::new(BaseUrl::parse(&url)?, ApiKey::new(key))?,
                order,
                login,
                env("EXACT_APPLICATION_ID"),
            )
        }
        (_, Some(emu)) => {
            println!("Exact Payments: the local emulator at {}", emu.exact_url());
            let api = exact::Api::new(
                BaseUrl::parse(&emu.exact_url())?,
                ApiKey::new(emu.exact_api_key()),
            )?;
            let login = UserCredentials::new(
                emu.exact_user_email(),
                Password::new(emu.exact_user_password()),
            );
            (
                api,
                emu.exact_order_id().to_owned(),
                Some(login),
                Some(emu.exact_application_id().to_owned()),
            )
        }
        _ => unreachable!("the emulator runs whenever an API is not configured"),
    };
    Ok(Setup {
        voucherify,
        voucher_code,
        exact,
        order_id,
        login,
        application_id,
        voucherify_emulated,
        exact_emulated,
        emulator,
    })
}

impl Setup {
    /// The emulator, if `emulated` says the API runs on it.
    fn emulator_for(&self, emulated: bool) -> Option<&Emulator> {
        self.emulator.as_ref().filter(|_| emulated)
    }
}

/// Counts failures and skips, and prints each step.
#[derive(Default)]
struct Report {
    failed: usize,
    skipped: usize,
}

impl Report {
    fn step(&mut self, name: &str, result: Step) {
        match result {
            Ok(line) => println!("  ok    {name:<26} {line}"),
            Err(error) => {
                self.failed += 1;
                println!("  FAIL  {name:<26} {error}");
            }
        }
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.skipped += 1;
        println!("  skip  {name:<26} {why}");
    }
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
        "  ok    {:<26} HTTP {status}, scopes [{}], expires in {} s",
        "generate",
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

/// `GET /v1/vouchers/{code}`, authorized by `authorize`: the status.
fn get_voucher(
    setup: &Setup,
    transport: &UreqTransport,
    authorize: impl FnOnce(&mut http::Request<Vec<u8>>) -> Step<()>,
) -> Step<u16> {
    let url = format!(
        "{}/v1/vouchers/{}",
        setup.voucherify.base_url(),
        setup.voucher_code
    );
    let mut request = http::Request::get(url).body(Vec::new())?;
    authorize(&mut request)?;
    Ok(transport.send(request)?.status().as_u16())
}

fn use_on_scoped_request(setup: &Setup, transport: &UreqTransport, token: &Token) -> Step {
    let status = get_voucher(setup, transport, |request| {
        token.authorize(request)?;
        Ok(())
    })?;
    let report = format!("GET /v1/vouchers/{{code}} -> HTTP {status}");
    match status {
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

/// A Voucherify source on the caller's thread, for the steps that steer the emulator.
fn voucherify_source(
    api: &voucherify::Api,
    transport: &UreqTransport,
    scopes: &Scopes,
) -> Step<BlockingSource<GenerateToken, UreqTransport>> {
    Ok(BlockingSource::new(
        transport.clone(),
        api.generate_token(scopes)?,
        SourceConfig::default(),
    )
    .with_inline_refresh())
}

/// The plan's billing-cycle quota used up: one 429 (`api_calls_cycle`), no retry.
fn cycle_quota(emu: &Emulator, setup: &Setup, transport: &UreqTransport, scopes: &Scopes) -> Step {
    let source = voucherify_source(&setup.voucherify, transport, scopes)?;
    emu.set_voucherify_cycle_quota(Some(0));
    let before = emu.hits(Route::VoucherifyGenerate);
    let result = source.token();
    let sent = emu.hits(Route::VoucherifyGenerate) - before;
    emu.set_voucherify_cycle_quota(None);
    match result {
        Err(SourceError::Fetch(error @ FetchError::QuotaExhausted { .. })) if sent == 1 => {
            Ok(format!("1 request, not retried: {error}"))
        }
        other => {
            Err(format!("expected the quota error after 1 request ({sent} sent): {other:?}").into())
        }
    }
}

/// A regenerated secret key: the source keeps serving its live token, then mints with the new
/// key. Returns the API with the new key.
fn regenerated_key(
    emu: &Emulator,
    setup: &Setup,
    transport: &UreqTransport,
    scopes: &Scopes,
) -> Step<(voucherify::Api, String)> {
    let source = voucherify_source(&setup.voucherify, transport, scopes)?;
    let live = source.token()?;
    let new_key = emu.regenerate_voucherify_key();
    let api = voucherify::Api::new(
        setup.voucherify.base_url().clone(),
        Credentials::new(emu.voucherify_app_id(), SecretKey::new(new_key))?,
    );
    source.replace_endpoint(api.generate_token(scopes)?);
    let still = source.token()?;
    if !Arc::ptr_eq(&live, &still) {
        return Err("the live token was replaced".into());
    }
    let status = get_voucher(setup, transport, |request| {
        still.authorize(request);
        Ok(())
    })?;
    source.invalidate(&still);
    source.token()?;
    Ok((
        api,
        format!(
            "live token kept and accepted (HTTP {status}); the next one minted with the new key"
        ),
    ))
}

/// A blocked key: the API refuses its tokens; the source invalidates, tries once, and stops.
fn blocked_key(
    emu: &Emulator,
    setup: &Setup,
    api: &voucherify::Api,
    transport: &UreqTransport,
    scopes: &Scopes,
) -> Step {
    let source = voucherify_source(api, transport, scopes)?;
    let token = source.token()?;
    emu.block_voucherify_key();
    // The spec: its tokens "will stop working within one minute".
    emu.clock().advance(Duration::from_secs(60));
    let status = get_voucher(setup, transport, |request| {
        token.authorize(request);
        Ok(())
    })?;
    if status != 401 {
        return Err(format!("the blocked key's token got HTTP {status}").into());
    }
    source.invalidate(&token);
    let before = emu.hits(Route::VoucherifyGenerate);
    let mut last = None;
    for _ in 0..3 {
        match source.token() {
            Err(error)
                if error.fetch_error().and_then(FetchError::rejection)
                    == Some(Rejection::Invalid) =>
            {
                last = Some(error)
            }
            other => return Err(format!("expected the credentials rejected: {other:?}").into()),
        }
    }
    let sent = emu.hits(Route::VoucherifyGenerate) - before;
    let shown = last
        .and_then(|e| e.fetch_error().map(ToString::to_string))
        .unwrap_or_default();
    match sent {
        1 => Ok(format!(
            "token refused (HTTP 401); 3 calls, 1 mint: {shown}"
        )),
        n => Err(format!("{n} mints for 3 calls").into()),
    }
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

/// The order token handed to a checkout, reused for the next page load, then re-issued.
fn checkout(setup: &Setup, transport: &UreqTransport) -> Step {
    let checkout = BlockingCheckout::new(
        transport.clone(),
        setup.exact.clone(),
        CheckoutConfig::default(),
    );
    let first = checkout.hand_out(&setup.order_id)?;
    let again = checkout.hand_out(&setup.order_id)?;
    if again.handed() != Handed::Current
        || again.token().access_token() != first.token().access_token()
    {
        return Err(format!("the second page load got {:?}", again.handed()).into());
    }
    let fresh = checkout.reissue(&setup.order_id)?;
    if !fresh.invalidated_earlier() {
        return Err(format!("the re-issue said {:?}", fresh.handed()).into());
    }
    Ok(format!(
        "handed out ({:?}), reused ({:?}, nothing minted), re-issued (the earlier one invalidated)",
        first.handed(),
        again.handed()
    ))
}

/// A login source: logs in once and keeps the user token.
fn user_login(setup: &Setup, credentials: &UserCredentials, transport: &UreqTransport) -> Step {
    let login = CreateUserToken::new(setup.exact.base_url(), credentials)?;
    let source = BlockingSource::new(transport.clone(), login, SourceConfig::default());
    let token = source.token()?;
    let again = source.token()?;
    if !Arc::ptr_eq(&token, &again) {
        return Err("the user token was not reused".into());
    }
    Ok(format!(
        "logged in once, token reused; {} min left, {} permissions",
        token.remaining(Instant::now()).as_secs() / 60,
        token.grant().len()
    ))
}

/// A wrong password: one attempt, never retried into a lockout.
fn refused_login(emu: &Emulator, setup: &Setup, transport: &UreqTransport) -> Step {
    let wrong = UserCredentials::new(emu.exact_user_email(), Password::new("not-the-password"));
    let source = BlockingSource::new(
        transport.clone(),
        CreateUserToken::new(setup.exact.base_url(), &wrong)?,
        SourceConfig::default(),
    );
    let before = emu.hits(Route::ExactUserToken);
    let mut shown = String::new();
    for _ in 0..10 {
        match source.token() {
            Err(error) => {
                shown = error
                    .fetch_error()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            }
            Ok(_) => return Err("a wrong password logged in".into()),
        }
    }
    let sent = emu.hits(Route::ExactUserToken) - before;
    if sent != 1 || emu.exact_user_is_locked() {
        return Err(format!("{sent} attempts for 10 calls").into());
    }
    Ok(format!("10 calls, 1 attempt, user not locked: {shown}"))
}

/// A locked user: the error says what to do; once unlocked, new credentials log in.
fn locked_user(
    emu: &Emulator,
    setup: &Setup,
    login: &UserCredentials,
    transport: &UreqTransport,
) -> Step {
    emu.lock_exact_user();
    let source = BlockingSource::new(
        transport.clone(),
        CreateUserToken::new(setup.exact.base_url(), login)?,
        SourceConfig::default(),
    );
    let error = match source.token() {
        Err(error)
            if error.fetch_error().and_then(FetchError::rejection) == Some(Rejection::Locked) =>
        {
            error
        }
        other => return Err(format!("expected the user locked: {other:?}").into()),
    };
    emu.unlock_exact_user();
    source.replace_endpoint(CreateUserToken::new(setup.exact.base_url(), login)?);
    source.token()?;
    let shown = error
        .fetch_error()
        .map(ToString::to_string)
        .unwrap_or_default();
    Ok(format!("{shown}; unlocked, then logged in"))
}

/// Creates an application token for the quickstart.
fn create_application_token(
    setup: &Setup,
    application_id: &str,
    transport: &UreqTransport,
) -> Step<(ApplicationToken, String)> {
    let permissions =
        Permissions::from([Permission::ApplicationTokensRead, Permission::ChargesCreate]);
    let create = setup.exact.create_application_token(
        application_id,
        "keycard quickstart",
        &permissions,
        None,
    )?;
    let outcome = transport.run(&create)?;
    let status = outcome.status();
    let token = outcome.into_result()?;
    let line = format!(
        "HTTP {status}, id {}, {} permissions, never expires",
        token.id,
        token.allowed_permissions.len()
    );
    Ok((token, line))
}

/// What the token's `allowedPermissions` allow, checked locally against the spec's table.
fn permission_check(token: &ApplicationToken, application_id: &str) -> Step {
    let list = format!("/application/{application_id}/token");
    let delete = format!("{list}/{}", token.id);
    let allowed = &token.allowed_permissions;
    match (
        coverage(allowed, &http::Method::GET, &list),
        coverage(allowed, &http::Method::DELETE, &delete),
    ) {
        (Coverage::Covered(may), Coverage::Missing(may_not)) => Ok(format!(
            "may list ({}), may not delete (no {})",
            may.as_str(),
            may_not.as_str()
        )),
        other => Err(format!("unexpected coverage: {other:?}").into()),
    }
}

fn list_application_tokens(
    setup: &Setup,
    application_id: &str,
    transport: &UreqTransport,
    expected: &str,
) -> Step {
    let query = ListQuery::new().sort("createdAt:desc").limit(20);
    let outcome = transport.run(
        &setup
            .exact
            .list_application_tokens(application_id, &query)?,
    )?;
    let status = outcome.status();
    let page = outcome.into_result()?;
    if !page.tokens.iter().any(|t| t.id == expected) {
        return Err(format!("{expected} is not listed").into());
    }
    Ok(format!(
        "HTTP {status}, {} of {} tokens, the new one among them",
        page.tokens.len(),
        page.total.map_or("?".to_owned(), |n| n.to_string())
    ))
}

/// Rotates `old`: a new token with the same label and permissions, verified, an order-token
/// source switched to it (emulator), then `old` deleted.
fn rotate(
    setup: &Setup,
    application_id: &str,
    transport: &UreqTransport,
    old: &ApplicationToken,
) -> Result<(ApplicationToken, String), (String, Box<dyn std::error::Error>)> {
    let keep = |e: Box<dyn std::error::Error>| (old.id.clone(), e);
    // A source that mints order tokens with the token being rotated (on the emulator, where
    // it may: a real account's permissions for orders are not known here).
    let order = setup
        .emulator_for(setup.exact_emulated)
        .map(|emu| emu.exact_order_ids()[1]);
    let source = match order {
        Some(order) => {
            let api = exact::Api::new(setup.exact.base_url().clone(), old.api_key())
                .map_err(|e| keep(e.into()))?;
            let source = BlockingSource::new(
                transport.clone(),
                api.create_order_access_token(order)
                    .map_err(|e| keep(e.into()))?,
                SourceConfig::default(),
            );
            source.token().map_err(|e| keep(e.into()))?;
            Some((source, order))
        }
        None => None,
    };
    let rotation = setup
        .exact
        .rotate_application_token(application_id, &ApplicationTokenInfo::from(old), None)
        .map_err(|e| keep(e.into()))?;
    let mut switched = Ok(());
    let rotated = rotate_application_token(transport, rotation, |new| {
        if let Some((source, order)) = &source {
            switched = exact::Api::new(setup.exact.base_url().clone(), new.api_key())
                .and_then(|api| api.create_order_access_token(order))
                .map(|endpoint| source.replace_endpoint(endpoint));
        }
    })
    .map_err(|error| (error.working_id().to_owned(), error.into()))?;
    let new_id = rotated.new.id.clone();
    let fail = |e: Box<dyn std::error::Error>| (new_id.clone(), e);
    switched.map_err(|e| fail(e.into()))?;
    let mut line = format!(
        "{} -> {} (verified by {:?}), old deleted",
        rotated.old_id, rotated.new.id, rotated.verified_by
    );
    if let Some((source, _)) = source {
        // The live order token is kept; the next one is minted with the new key.
        let live = source
            .current()
            .ok_or_else(|| fail("the source lost its token".into()))?;
        source.invalidate(&live);
        source.token().map_err(|e| fail(e.into()))?;
        line.push_str("; a source switched over mints with the new one");
    }
    Ok((rotated.new, line))
}

fn delete_application_token(
    setup: &Setup,
    application_id: &str,
    transport: &UreqTransport,
    id: &str,
) -> Step {
    let outcome = transport.run(&setup.exact.delete_application_token(application_id, id)?)?;
    let status = outcome.status();
    outcome.into_result()?;
    Ok(format!("HTTP {status}, {id} deleted"))
}

/// Application tokens: create, check permissions locally, list, rotate, delete.
fn application_tokens(
    setup: &Setup,
    application_id: &str,
    transport: &UreqTransport,
    report: &mut Report,
) {
    let created = match create_application_token(setup, application_id, transport) {
        Ok((token, line)) => {
            report.step("application token create", Ok(line));
            token
        }
        Err(error) => return report.step("application token create", Err(error)),
    };
    report.step(
        "permission check (local)",
        permission_check(&created, application_id),
    );
    report.step(
        "application token list",
        list_application_tokens(setup, application_id, transport, &created.id),
    );
    // Whatever happens, the token that works is deleted at the end: the quickstart leaves
    // nothing behind.
    let working = match rotate(setup, application_id, transport, &created) {
        Ok((new, line)) => {
            report.step("application token rotate", Ok(line));
            new.id
        }
        Err((working, error)) => {
            report.step("application token rotate", Err(error));
            working
        }
    };
    report.step(
        "application token delete",
        delete_application_token(setup, application_id, transport, &working),
    );
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
    let mut report = Report::default();

    println!("\nVoucherify OAuth");
    let scopes = Scopes::from([Scope::Vouchers, Scope::Campaigns, Scope::Customers]);
    match generate(&setup, &transport, &scopes) {
        Ok(token) => {
            report.step("introspect", introspect(&setup, &transport, &token, true));
            report.step(
                "scoped request",
                use_on_scoped_request(&setup, &transport, &token),
            );
            report.step("revoke", revoke(&setup, &transport, &token));
            report.step(
                "introspect again",
                introspect(&setup, &transport, &token, false),
            );
        }
        Err(error) => report.step("generate", Err(error)),
    }
    report.step(
        "reuse, then refresh",
        reuse_then_refresh(&setup, &transport, &scopes),
    );

    println!("\nExact Payments");
    report.step("order access token", order_access_token(&setup, &transport));
    report.step("checkout: reuse, re-issue", checkout(&setup, &transport));
    let exact_emulator = setup.emulator_for(setup.exact_emulated);
    match &setup.login {
        Some(login) => report.step("user login", user_login(&setup, login, &transport)),
        None => report.skip("user login", "set EXACT_USER_EMAIL and EXACT_USER_PASSWORD"),
    }
    match (exact_emulator, &setup.login) {
        (Some(emu), Some(login)) => {
            report.step("wrong password", refused_login(emu, &setup, &transport));
            report.step("locked user", locked_user(emu, &setup, login, &transport));
        }
        _ => {
            let why = "emulator only: failed logins would count towards locking a real user";
            report.skip("wrong password", why);
            report.skip("locked user", why);
        }
    }
    match &setup.application_id {
        Some(app) => application_tokens(&setup, app, &transport, &mut report),
        None => report.skip(
            "application tokens",
            "set EXACT_APPLICATION_ID (the key needs application-tokens.create, .read, .delete)",
        ),
    }

    // Last, as they change the project's key and the emulator's clock.
    println!("\nVoucherify key and plan");
    match setup.emulator_for(setup.voucherify_emulated) {
        Some(emu) => {
            report.step(
                "billing-cycle quota",
                cycle_quota(emu, &setup, &transport, &scopes),
            );
            match regenerated_key(emu, &setup, &transport, &scopes) {
                Ok((api, line)) => {
                    report.step("regenerated key", Ok(line));
                    report.step(
                        "blocked key",
                        blocked_key(emu, &setup, &api, &transport, &scopes),
                    );
                }
                Err(error) => report.step("regenerated key", Err(error)),
            }
        }
        None => {
            let why = "emulator only: it would use up, regenerate or block a real project's key";
            report.skip("billing-cycle quota", why);
            report.skip("regenerated key", why);
            report.skip("blocked key", why);
        }
    }

    drop(setup.emulator);
    if report.skipped > 0 {
        println!("\n{} step(s) skipped (see above)", report.skipped);
    }
    if report.failed == 0 {
        println!("\nall steps passed");
        ExitCode::SUCCESS
    } else {
        println!("\n{} step(s) failed", report.failed);
        ExitCode::FAILURE
    }
}
