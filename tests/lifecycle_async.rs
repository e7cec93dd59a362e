//! The asynchronous token source (`keycard::reqwest::TokenSource`) against the emulator:
//! single flight for 1000 tasks across expiries, rate-limit storms, serving the old token
//! while a refresh fails, the scope check, stores, Exact Payments order tokens, cancellation,
//! and waiting under an executor that is not tokio.
#![cfg(feature = "reqwest")]

use keycard::lifecycle::{
    Event, FetchError, KeeperConfig, LiveToken, MemoryStore, Mint, RetryPolicy,
};
use keycard::reqwest::{ReqwestTransport, SourceError, SourceEvent, TokenSource};
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{exact, ApiKey, AsyncTransport, BaseUrl, SecretKey};
use keycard_emulator::{Emulator, Fault, Route};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 1000;

fn emulator() -> Emulator {
    Emulator::start().expect("the emulator starts")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn voucherify_api(emu: &Emulator) -> voucherify::Api {
    voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(
            emu.voucherify_app_id(),
            SecretKey::new(emu.voucherify_secret_key()),
        )
        .unwrap(),
    )
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Quick retries, so that tests that fail on purpose stay fast.
fn quick_config(max_attempts: u32, backoff: Duration) -> KeeperConfig {
    let mut retry = RetryPolicy::default();
    retry.max_attempts = max_attempts;
    retry.initial_backoff = backoff;
    retry.max_backoff = backoff * 4;
    retry.jitter = 0.0;
    let mut config = KeeperConfig::default();
    config.retry = retry;
    config
}

/// A source for `scopes` over `transport` that reads the emulator's clock.
fn voucherify_source<T: AsyncTransport>(
    emu: &Emulator,
    transport: T,
    scopes: &[Scope],
    config: KeeperConfig,
) -> Arc<TokenSource<voucherify::GenerateToken, T>> {
    let mint = voucherify_api(emu)
        .generate_token(&Scopes::from_iter(scopes.iter().copied()))
        .unwrap();
    let clock = emu.clock().clone();
    Arc::new(TokenSource::new(transport, mint, config).with_clock(move || clock.now()))
}

fn secret(token: &LiveToken) -> String {
    token.access_token().expose_secret().to_owned()
}

/// `TASKS` tasks on a multi-threaded runtime, each calling `token()` `calls` times and
/// authorizing a request; every token they got.
fn swarm<M: Mint + Send + Sync + 'static>(
    rt: &tokio::runtime::Runtime,
    source: &Arc<TokenSource<M>>,
    calls: usize,
) -> Vec<Arc<LiveToken>> {
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let source = Arc::clone(source);
                tokio::spawn(async move {
                    let mut got = Vec::with_capacity(calls);
                    for _ in 0..calls {
                        got.push(source.token().await.expect("a token"));
                        let mut request = http::Request::new(());
                        source.authorize(&mut request).await.expect("authorized");
                        assert!(request.headers()["authorization"].is_sensitive());
                    }
                    got
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all
    })
}

fn keeper_events<M: Mint + Send, T: AsyncTransport>(source: &TokenSource<M, T>) -> Vec<Event> {
    source
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            SourceEvent::Keeper(event) => Some(event),
            _ => None,
        })
        .collect()
}

#[test]
fn a_thousand_tasks_make_one_generate_call_per_refresh() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        KeeperConfig::default(),
    );

    let first = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    let token = secret(&first[0]);
    assert!(first.iter().all(|t| secret(t) == token));

    // Past the refresh point, before expiry: one refresh, the old token served meanwhile.
    emu.clock().advance(Duration::from_secs(800));
    let second = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
    let refreshed = rt.block_on(source.token()).unwrap();
    assert_ne!(secret(&refreshed), token);
    assert!(second
        .iter()
        .all(|t| secret(t) == token || secret(t) == secret(&refreshed)));

    // Long past expiry: every task waits for the one new token.
    emu.clock().advance(Duration::from_secs(1000));
    let third = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    let newest = secret(&third[0]);
    assert!(newest != token && newest != secret(&refreshed));
    assert!(third.iter().all(|t| secret(t) == newest));
}

#[test]
fn a_429_storm_is_ridden_out_within_the_retry_budget() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        quick_config(5, Duration::from_millis(20)),
    );
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        3,
    );
    let started = Instant::now();
    let tokens = swarm(&rt, &source, 1);
    let elapsed = started.elapsed();
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        4,
        "3 refused, 1 issued"
    );
    assert!(tokens.iter().all(|t| secret(t) == secret(&tokens[0])));
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let retries = keeper_events(&source)
        .into_iter()
        .filter(|e| matches!(e, Event::RetryScheduled { .. }))
        .count();
    assert_eq!(retries, 3);
}

#[test]
fn past_the_retry_budget_every_waiting_task_gets_the_one_error() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        quick_config(3, Duration::from_millis(300)),
    );
    emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
    // Every task is under way before the first fetch starts, so none arrives after the round
    // has ended (which would rightly start a round of its own) on a slow, loaded machine.
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let errors = rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (source, barrier) = (Arc::clone(&source), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    source.token().await.expect_err("no token")
                })
            })
            .collect();
        let mut errors = Vec::new();
        for task in tasks {
            errors.push(task.await.unwrap());
        }
        errors
    });
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    for error in &errors {
        assert!(
            matches!(
                error.fetch_error(),
                Some(FetchError::GaveUp { attempts: 3, .. })
            ),
            "{error:?}"
        );
    }
}

#[test]
fn a_still_valid_token_is_served_while_the_refresh_fails() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        quick_config(2, Duration::from_millis(10)),
    );
    rt.block_on(async {
        let old = source.token().await.unwrap();
        emu.clock().advance(Duration::from_secs(800));
        emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
        for _ in 0..50 {
            let token = source.token().await.expect("the old token is still valid");
            assert_eq!(secret(&token), secret(&old));
            tokio::time::sleep(Duration::from_millis(4)).await;
        }
        let hits = emu.hits(Route::VoucherifyGenerate);
        assert!((3..26).contains(&hits), "{hits}");
        assert!(keeper_events(&source)
            .iter()
            .any(|e| matches!(e, Event::RefreshFailed { .. })));

        emu.clear_faults();
        tokio::time::sleep(Duration::from_millis(60)).await;
        let new = source.token().await.unwrap();
        assert_ne!(secret(&new), secret(&old));
    });
}

#[test]
fn the_scope_check_refuses_what_the_emulator_would_answer_with_403() {
    let emu = emulator();
    let rt = runtime();
    let base = BaseUrl::parse(&emu.voucherify_url()).unwrap();
    let url = format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    );
    let get = || http::Request::get(&url).body(Vec::new()).unwrap();
    rt.block_on(async {
        let campaigns = voucherify_source(
            &emu,
            transport(),
            &[Scope::Campaigns],
            KeeperConfig::default(),
        );
        let mut request = get();
        let error = campaigns
            .authorize_checked(&mut request, &base)
            .await
            .unwrap_err();
        assert!(matches!(error, SourceError::Scope(_)), "{error:?}");
        assert!(request.headers().get("authorization").is_none());
        assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0);

        campaigns.authorize(&mut request).await.unwrap();
        let response = transport().send(request).await.unwrap();
        assert_eq!(response.status(), 403);

        let vouchers = voucherify_source(
            &emu,
            transport(),
            &[Scope::Vouchers],
            KeeperConfig::default(),
        );
        let mut request = get();
        vouchers
            .authorize_checked(&mut request, &base)
            .await
            .unwrap();
        assert_eq!(transport().send(request).await.unwrap().status(), 200);
    });
}

#[test]
fn a_second_source_reuses_the_stored_token() {
    let emu = emulator();
    let rt = runtime();
    let store = Arc::new(MemoryStore::new());
    let make = || {
        let mint = voucherify_api(&emu)
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .unwrap();
        let clock = emu.clock().clone();
        TokenSource::new(transport(), mint, KeeperConfig::default())
            .with_clock(move || clock.now())
            .with_store(Arc::clone(&store))
    };
    rt.block_on(async {
        let first = make().token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
        let restarted = make();
        let again = restarted.token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
        assert_eq!(secret(&again), secret(&first));
        assert!(keeper_events(&restarted)
            .iter()
            .any(|e| matches!(e, Event::Restored { .. })));
    });

    // A blocking store (a file) works too; an invalidated token leaves it.
    let dir = tempfile::tempdir().unwrap();
    let make = || {
        let mint = voucherify_api(&emu)
            .generate_token(&Scopes::from([Scope::Campaigns]))
            .unwrap();
        let clock = emu.clock().clone();
        TokenSource::new(transport(), mint, KeeperConfig::default())
            .with_clock(move || clock.now())
            .with_blocking_store(keycard::FileStore::new(dir.path()))
    };
    rt.block_on(async {
        let first = make().token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
        let restarted = make();
        assert_eq!(secret(&restarted.token().await.unwrap()), secret(&first));
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
        restarted.invalidate().await;
        let fresh = make().token().await.unwrap();
        assert_ne!(secret(&fresh), secret(&first));
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    });
}

#[test]
fn exact_order_tokens_one_mint_per_order() {
    let emu = emulator();
    let rt = runtime();
    let api = exact::Api::new(
        BaseUrl::parse(&emu.exact_url()).unwrap(),
        ApiKey::new(emu.exact_api_key()),
    )
    .unwrap();
    let order = emu.exact_order_id();
    let make = || {
        let clock = emu.clock().clone();
        Arc::new(
            TokenSource::new(
                transport(),
                api.create_order_access_token(order).unwrap(),
                KeeperConfig::default(),
            )
            .with_clock(move || clock.now()),
        )
    };
    let source = make();
    let tokens = swarm(&rt, &source, 2);
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1);
    let first = secret(&tokens[0]);
    assert!(tokens.iter().all(|t| secret(t) == first));
    assert!(emu.order_token_is_current(order, &first));

    let second = secret(&rt.block_on(make().token()).unwrap());
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2);
    assert!(emu.order_token_is_current(order, &second));
    assert!(!emu.order_token_is_current(order, &first));
}

#[test]
fn a_cancelled_fetch_lets_the_next_caller_fetch_at_once() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        KeeperConfig::default(),
    );
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    rt.block_on(async {
        let cancelled = tokio::time::timeout(Duration::from_millis(200), source.token()).await;
        assert!(cancelled.is_err(), "the first fetch is stalled");
        // The keeper was told: this call fetches now instead of waiting out the lease (60 s).
        let started = Instant::now();
        source.token().await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    });
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
}

/// reqwest's I/O on a tokio runtime in the background; everything else on whatever executor
/// polls the source.
struct OnTokio {
    transport: ReqwestTransport,
    runtime: tokio::runtime::Handle,
}

impl AsyncTransport for OnTokio {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, keycard::TransportError>> + Send {
        let transport = self.transport.clone();
        let task = self
            .runtime
            .spawn(async move { transport.send(request).await });
        async move { task.await.expect("the send task ran") }
    }
}

#[test]
fn waiting_needs_no_tokio_runtime() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        OnTokio {
            transport: transport(),
            runtime: rt.handle().clone(),
        },
        &[Scope::Vouchers],
        quick_config(3, Duration::from_millis(50)),
    );
    // One 503 first, so the fetching caller also sleeps through a backoff.
    emu.inject(Route::VoucherifyGenerate, Fault::ServiceUnavailable, 1);
    let tokens = futures::executor::block_on(async {
        assert!(
            tokio::runtime::Handle::try_current().is_err(),
            "not on tokio"
        );
        let calls = (0..TASKS).map(|_| source.token());
        futures::future::join_all(calls).await
    });
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2, "one 503, one token");
    let tokens: Vec<_> = tokens.into_iter().map(|t| t.unwrap()).collect();
    assert!(tokens.iter().all(|t| secret(t) == secret(&tokens[0])));

    // From plain threads too, each with its own executor.
    emu.clock().advance(Duration::from_secs(1000));
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| futures::executor::block_on(source.token()).unwrap());
        }
    });
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
}
