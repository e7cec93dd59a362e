//! The async token source (`keycard::AsyncSource` over `keycard::reqwest`) against the
//! emulator: single flight for 1000 tasks across expiries, background refresh through a
//! spawner with a slow upstream, rate-limit storms, serving the old token while a refresh
//! fails, the scope check, the 401 path, stores (async and blocking), Exact Payments order
//! tokens, cancellation, and waiting under an executor that is not tokio.
#![cfg(feature = "reqwest")]

mod common;

use common::EmuClock;
use keycard::lifecycle::{
    AsyncTokenStore, Event, FetchError, LiveToken, MemoryStore, RetryPolicy, SourceConfig,
    SourceError, StoreKey, StoredToken, TokenEndpoint, TokenStore,
};
use keycard::reqwest::ReqwestTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{
    exact, ApiKey, AsyncSource, AsyncTransport, BaseUrl, Clock, FileStore, SecretKey, Spawn,
};
use keycard_emulator::{Emulator, Fault, Route};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Source<E, T = ReqwestTransport> = AsyncSource<E, T>;

const TASKS: usize = 1000;

/// How long the upstream takes to answer in the background-refresh tests.
const SLOW: Duration = Duration::from_millis(400);
/// The longest a call on the hot path may take there (it takes microseconds; this is room for
/// a loaded machine, far below [`SLOW`]).
const HOT: Duration = Duration::from_millis(50);

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

fn generate(emu: &Emulator, scopes: &[Scope]) -> voucherify::GenerateToken {
    voucherify_api(emu)
        .generate_token(&Scopes::from_iter(scopes.iter().copied()))
        .unwrap()
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Quick retries, so that tests that fail on purpose stay fast.
fn quick_config(max_attempts: u32, backoff: Duration) -> SourceConfig {
    let mut retry = RetryPolicy::default();
    retry.max_attempts = max_attempts;
    retry.initial_backoff = backoff;
    retry.max_backoff = backoff * 4;
    retry.jitter = 0.0;
    let mut config = SourceConfig::default();
    config.retry = retry;
    config
}

/// A source for `scopes` over `transport` that reads the emulator's clock. No spawner: the
/// first caller that finds the token due fetches (the others keep the old one meanwhile).
fn voucherify_source<T: AsyncTransport + Send + 'static>(
    emu: &Emulator,
    transport: T,
    scopes: &[Scope],
    config: SourceConfig,
) -> Arc<Source<voucherify::GenerateToken, T>> {
    Arc::new(
        AsyncSource::new(transport, generate(emu, scopes), config).with_clock(EmuClock::new(emu)),
    )
}

/// Starts background refreshers on the current tokio runtime: `keycard::TokioSpawner` when the
/// facade has it, else the hook as a plain closure.
#[cfg(feature = "tokio")]
fn spawner() -> impl Spawn {
    keycard::TokioSpawner
}

#[cfg(not(feature = "tokio"))]
fn spawner() -> impl Spawn {
    |task: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>| drop(tokio::spawn(task))
}

fn secret<G>(token: &LiveToken<G>) -> String {
    token.access_token().expose_secret().to_owned()
}

/// `TASKS` tasks on a multi-threaded runtime, each calling `token()` `calls` times and
/// authorizing a request; every token they got.
fn swarm<E>(
    rt: &tokio::runtime::Runtime,
    source: &Arc<Source<E>>,
    calls: usize,
) -> Vec<Arc<LiveToken<E::Grant>>>
where
    E: TokenEndpoint + Send + Sync + 'static,
{
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

#[test]
fn a_thousand_tasks_make_one_generate_call_per_refresh() {
    let emu = emulator();
    let rt = runtime();
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        SourceConfig::default(),
    );

    let first = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
    let token = secret(&first[0]);
    assert!(first.iter().all(|t| secret(t) == token));

    // Past the refresh point, before expiry: one refresh, the old token served meanwhile.
    emu.clock().advance(Duration::from_secs(800));
    let now = EmuClock::new(&emu).now();
    assert!(!first[0].is_fresh(now) && first[0].is_valid(now));
    let second = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
    let refreshed = rt.block_on(source.token()).unwrap();
    assert_ne!(secret(&refreshed), token);
    assert!(second
        .iter()
        .all(|t| secret(t) == token || secret(t) == secret(&refreshed)));

    // Long past expiry: every task waits for the one new token.
    emu.clock().advance(Duration::from_secs(1000));
    assert!(!refreshed.is_valid(EmuClock::new(&emu).now()));
    let third = swarm(&rt, &source, 3);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    let newest = secret(&third[0]);
    assert!(newest != token && newest != secret(&refreshed));
    assert!(third.iter().all(|t| secret(t) == newest));
    assert_eq!(emu.live_voucherify_tokens(), 1);

    let issued = source
        .drain_events()
        .into_iter()
        .filter(|e| matches!(e, Event::Issued { .. }))
        .count();
    assert_eq!(issued, 3);
}

/// The proof for async code: with a spawner, refreshing ahead of expiry happens in a
/// background task, so while a slow upstream takes its time no task waits (every call is ready
/// on its first poll); at expiry, a storm of tasks still makes one upstream request.
#[test]
fn with_a_spawner_no_task_waits_for_a_slow_refresh_and_a_storm_makes_one_request() {
    let emu = emulator();
    let rt = runtime();
    let source = Arc::new(
        AsyncSource::new(
            transport(),
            generate(&emu, &[Scope::Vouchers]),
            SourceConfig::default(),
        )
        .with_clock(EmuClock::new(&emu))
        .with_spawner(spawner()),
    );
    let first = rt.block_on(source.token()).unwrap();
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);

    // Every generate request now takes `SLOW`. Into the refresh-ahead window (120–150 s
    // before expiry): 16 tasks keep calling while the refresher waits for the upstream.
    emu.inject_always(Route::VoucherifyGenerate, Fault::Delay(SLOW));
    emu.clock().advance(Duration::from_secs(800));
    let advanced = Instant::now();
    let results = rt.block_on(async {
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let source = Arc::clone(&source);
                let first = Arc::clone(&first);
                tokio::spawn(async move {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    let (mut served_old, mut slowest) = (0u32, Duration::ZERO);
                    loop {
                        let started = Instant::now();
                        // Ready on the first poll: this task never suspends for a token.
                        let token = futures::FutureExt::now_or_never(source.token())
                            .expect("a task waited for a token")
                            .unwrap();
                        slowest = slowest.max(started.elapsed());
                        if !Arc::ptr_eq(&token, &first) {
                            return (served_old, slowest, started.duration_since(advanced));
                        }
                        served_old += 1;
                        assert!(Instant::now() < deadline, "no refresh happened");
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    for (served_old, slowest, new_after) in results {
        assert!(slowest < HOT, "a call took {slowest:?}");
        // The upstream took its time, and the task was served the old token meanwhile.
        assert!(
            new_after >= SLOW - Duration::from_millis(100),
            "{new_after:?}"
        );
        assert!(served_old > 0);
    }
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2, "one refresh");

    // Long past expiry, the upstream still slow: 1000 tasks need the next token at once.
    emu.clock().advance(Duration::from_secs(1000));
    let storm = swarm(&rt, &source, 1);
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        3,
        "one request for the storm"
    );
    assert!(storm.iter().all(|t| Arc::ptr_eq(t, &storm[0])));
    assert!(storm[0].is_fresh(EmuClock::new(&emu).now()));
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
    // Each retry waited for the server's Retry-After (1 s), not just the 20 ms backoff.
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let retries: Vec<_> = source
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::RetryScheduled {
                attempt, failure, ..
            } => Some((attempt, failure.status())),
            _ => None,
        })
        .collect();
    assert_eq!(
        retries,
        (1..=3)
            .map(|n| (n, Some(http::StatusCode::TOO_MANY_REQUESTS)))
            .collect::<Vec<_>>()
    );
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
    // One round of 3 attempts for all the tasks: the waiters share its error.
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
    for error in &errors {
        let Some(FetchError::GaveUp { attempts: 3, last }) = error.fetch_error() else {
            panic!("{error:?}")
        };
        assert_eq!(last.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
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
        // Each round is two attempts and then a cool-down; far fewer requests than calls.
        let hits = emu.hits(Route::VoucherifyGenerate);
        assert!((3..26).contains(&hits), "{hits}");
        let events = source.drain_events();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::RefreshFailed { .. })),
            "{events:?}"
        );

        // Once the API is back, the next round refreshes.
        emu.clear_faults();
        tokio::time::sleep(Duration::from_millis(60)).await;
        let new = source.token().await.unwrap();
        assert_ne!(secret(&new), secret(&old));

        // And with the API down past expiry, the caller gets the error.
        emu.inject_always(Route::VoucherifyGenerate, Fault::ServiceUnavailable);
        emu.clock().advance(Duration::from_secs(1000));
        let error = source.token().await.unwrap_err();
        assert!(
            matches!(error.fetch_error(), Some(FetchError::GaveUp { .. })),
            "{error:?}"
        );
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
            SourceConfig::default(),
        );
        let mut request = get();
        let error = campaigns
            .authorize_checked(&mut request, &base)
            .await
            .unwrap_err();
        assert!(matches!(error, SourceError::NotGranted(_)), "{error:?}");
        let why = std::error::Error::source(&error).unwrap().to_string();
        assert!(why.contains("vouchers"), "{why}");
        assert!(request.headers().get("authorization").is_none());
        assert_eq!(emu.hits(Route::VoucherifyGetVoucher), 0);

        // Sent anyway, unchecked: the emulator refuses it.
        campaigns.authorize(&mut request).await.unwrap();
        let response = transport().send(request).await.unwrap();
        assert_eq!(response.status(), 403);

        // With the right scope, the check passes and the emulator agrees.
        let vouchers = voucherify_source(
            &emu,
            transport(),
            &[Scope::Vouchers],
            SourceConfig::default(),
        );
        let mut request = get();
        vouchers
            .authorize_checked(&mut request, &base)
            .await
            .unwrap();
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(transport().send(request).await.unwrap().status(), 200);
    });
}

#[test]
fn eight_tasks_that_see_a_401_for_one_revoked_token_make_one_new_mint() {
    let emu = emulator();
    let rt = runtime();
    let base = BaseUrl::parse(&emu.voucherify_url()).unwrap();
    let url = format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    );
    let source = voucherify_source(
        &emu,
        transport(),
        &[Scope::Vouchers],
        SourceConfig::default(),
    );
    let statuses = rt.block_on(async {
        let revoked = source.token().await.unwrap();
        transport()
            .run(&voucherify_api(&emu).revoke(revoked.access_token()).unwrap())
            .await
            .unwrap()
            .into_result()
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (source, barrier) = (Arc::clone(&source), Arc::clone(&barrier));
                let (base, url) = (base.clone(), url.clone());
                tokio::spawn(async move {
                    let mut request = http::Request::get(&url).body(Vec::new()).unwrap();
                    let used = source.authorize_checked(&mut request, &base).await.unwrap();
                    let first = transport().send(request).await.unwrap().status();
                    // Every task has seen its 401 before any invalidates.
                    barrier.wait().await;
                    source.invalidate(&used);
                    let mut request = http::Request::get(&url).body(Vec::new()).unwrap();
                    source.authorize_checked(&mut request, &base).await.unwrap();
                    (first, transport().send(request).await.unwrap().status())
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        statuses
    });
    for (first, second) in statuses {
        assert_eq!(first, http::StatusCode::UNAUTHORIZED);
        assert_eq!(second, http::StatusCode::OK);
    }
    assert_eq!(
        emu.hits(Route::VoucherifyGenerate),
        2,
        "exactly one new mint"
    );
}

/// An async store: a memory store behind calls that really suspend.
struct Suspending(Arc<MemoryStore>);

impl AsyncTokenStore for Suspending {
    type Error = std::convert::Infallible;

    async fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, Self::Error> {
        tokio::task::yield_now().await;
        self.0.load(key)
    }

    async fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), Self::Error> {
        tokio::task::yield_now().await;
        self.0.save(key, token)
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), Self::Error> {
        tokio::task::yield_now().await;
        self.0.remove(key)
    }
}

#[test]
fn a_second_source_reuses_the_stored_token() {
    let emu = emulator();
    let rt = runtime();
    let store = Arc::new(MemoryStore::new());
    let make = || {
        AsyncSource::new(
            transport(),
            generate(&emu, &[Scope::Vouchers]),
            SourceConfig::default(),
        )
        .with_clock(EmuClock::new(&emu))
        .with_async_store(Suspending(Arc::clone(&store)))
    };
    rt.block_on(async {
        let first = make().token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
        // A restarted process: a new source over the same store mints nothing.
        let restarted = make();
        let again = restarted.token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
        assert_eq!(secret(&again), secret(&first));
        assert!(restarted
            .drain_events()
            .iter()
            .any(|e| matches!(e, Event::Restored { .. })));
        // Invalidated (say, after a 401): gone from the store too.
        assert!(restarted.invalidate(&again));
        let fresh = restarted.token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
        assert_ne!(secret(&fresh), secret(&first));
    });
    assert_eq!(store.len(), 1);

    // A blocking store (a file) works too; an invalidated token leaves it.
    let dir = tempfile::tempdir().unwrap();
    let make = || {
        AsyncSource::new(
            transport(),
            generate(&emu, &[Scope::Campaigns]),
            SourceConfig::default(),
        )
        .with_clock(EmuClock::new(&emu))
        .with_store(FileStore::new(dir.path()))
    };
    rt.block_on(async {
        let first = make().token().await.unwrap();
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
        let restarted = make();
        let again = restarted.token().await.unwrap();
        assert_eq!(secret(&again), secret(&first));
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
        // Invalidated (say, after a 401): the source's next mint removes it from the file
        // first, then saves the new token there.
        assert!(restarted.invalidate(&again));
        let fresh = restarted.token().await.unwrap();
        assert_ne!(secret(&fresh), secret(&first));
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 4);
        // The next process takes the new token from the file, never the invalidated one.
        let next = make().token().await.unwrap();
        assert_eq!(secret(&next), secret(&fresh));
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 4);
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
        Arc::new(
            AsyncSource::new(
                transport(),
                api.create_order_access_token(order).unwrap(),
                SourceConfig::default(),
            )
            .with_clock(EmuClock::new(&emu)),
        )
    };
    let source = make();
    let tokens = swarm(&rt, &source, 2);
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 1);
    let first = secret(&tokens[0]);
    assert!(tokens.iter().all(|t| secret(t) == first));
    assert!(emu.order_token_is_current(order, &first));
    // Exact tokens travel raw, not as Bearer.
    let mut request = http::Request::new(());
    rt.block_on(source.authorize(&mut request)).unwrap();
    assert_eq!(request.headers()["authorization"], first.as_str());

    // Another source for the same order mints a new token, which replaces the old one.
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
        SourceConfig::default(),
    );
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    rt.block_on(async {
        let cancelled = tokio::time::timeout(Duration::from_millis(200), source.token()).await;
        assert!(cancelled.is_err(), "the first fetch is stalled");
        // The source was told: this call fetches now instead of waiting out the fetch
        // timeout (60 s).
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
