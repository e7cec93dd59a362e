//! The blocking and async drivers over a counting, in-process transport: single flight under a
//! storm, background refresh that keeps every caller on the hot path, the 401 path, stores.

use keycard_core::lifecycle::{Event, MemoryStore, SourceConfig, SourceError};
use keycard_core::voucherify::{self, Credentials, GenerateToken, Region, Scope, Scopes};
use keycard_core::{AsyncTransport, SecretKey, Transport, TransportError};
use keycard_source::{AsyncSource, BlockingSource, Clock};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock that moves only when told to.
#[derive(Clone)]
struct TestClock {
    base: Instant,
    offset_ms: Arc<AtomicU64>,
}

impl TestClock {
    fn new() -> Self {
        Self {
            base: Instant::now(),
            offset_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }

    fn wall(&self) -> SystemTime {
        UNIX_EPOCH
            + Duration::from_secs(1_738_944_186)
            + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Mints `tok-N` tokens (900 s, or `lifetime`), counting requests; optionally slow, or
/// answering a status.
#[derive(Clone, Default)]
struct Upstream {
    minted: Arc<AtomicUsize>,
    delay: Duration,
    status: Arc<Mutex<Option<u16>>>,
    lifetime: Option<u64>,
}

impl Upstream {
    fn lasting(seconds: u64) -> Self {
        Self {
            lifetime: Some(seconds),
            ..Self::default()
        }
    }

    fn slow(delay: Duration) -> Self {
        Self {
            delay,
            ..Self::default()
        }
    }

    fn minted(&self) -> usize {
        self.minted.load(Ordering::SeqCst)
    }

    fn answer(&self) -> http::Response<Vec<u8>> {
        if let Some(status) = *self.status.lock().unwrap() {
            return http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(br#"{"code":503,"key":"unavailable","message":"try later"}"#.to_vec())
                .unwrap();
        }
        let n = self.minted.fetch_add(1, Ordering::SeqCst) + 1;
        let lifetime = self.lifetime.unwrap_or(900);
        let body = format!(
            r#"{{"access_token":"tok-{n}","client_id":"c","expires_at":1738945086,"expires_in":{lifetime},"scope":"vouchers","token_type":"Bearer"}}"#
        );
        http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body.into_bytes())
            .unwrap()
    }
}

impl Transport for Upstream {
    fn send(
        &self,
        _request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        std::thread::sleep(self.delay);
        Ok(self.answer())
    }
}

impl AsyncTransport for Upstream {
    async fn send(
        &self,
        _request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        futures_timer_sleep(self.delay).await;
        Ok(self.answer())
    }
}

async fn futures_timer_sleep(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

fn endpoint() -> GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new("sk-CANARY-SECRET")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

fn config() -> SourceConfig {
    let mut config = SourceConfig::default();
    config.seed = 7;
    config
}

#[test]
fn sixty_four_threads_make_one_request() {
    let upstream = Upstream::slow(Duration::from_millis(50));
    let source = BlockingSource::new(upstream.clone(), endpoint(), config()).with_inline_refresh();
    let barrier = Barrier::new(64);
    std::thread::scope(|s| {
        for _ in 0..64 {
            s.spawn(|| {
                barrier.wait();
                let token = source.token().unwrap();
                assert_eq!(token.access_token().expose_secret(), "tok-1");
            });
        }
    });
    assert_eq!(upstream.minted(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_make_one_request() {
    let upstream = Upstream::slow(Duration::from_millis(50));
    let source = Arc::new(AsyncSource::new(upstream.clone(), endpoint(), config()));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let source = Arc::clone(&source);
            tokio::spawn(async move { source.token().await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(upstream.minted(), 1);
}

#[test]
fn background_refresh_keeps_every_caller_on_the_hot_path() {
    let clock = TestClock::new();
    let upstream = Upstream::slow(Duration::from_millis(300));
    let source =
        BlockingSource::new(upstream.clone(), endpoint(), config()).with_clock(clock.clone());
    let first = source.token().unwrap();
    assert_eq!(upstream.minted(), 1);
    // Into the refresh-ahead window (120–150 s before expiry): the refresher mints while
    // every caller is served the old token at once.
    clock.advance(Duration::from_secs(900 - 100));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut served_old = 0;
    loop {
        let started = Instant::now();
        let token = source.token().unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "a caller waited"
        );
        if !Arc::ptr_eq(&token, &first) {
            break;
        }
        served_old += 1;
        assert!(Instant::now() < deadline, "no refresh happened");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(served_old > 0);
    assert_eq!(upstream.minted(), 2);
}

#[test]
fn the_storm_at_expiry_makes_one_request_with_a_refresher() {
    let clock = TestClock::new();
    let upstream = Upstream::slow(Duration::from_millis(50));
    let source =
        BlockingSource::new(upstream.clone(), endpoint(), config()).with_clock(clock.clone());
    source.token().unwrap();
    clock.advance(Duration::from_secs(901));
    let barrier = Barrier::new(32);
    std::thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                barrier.wait();
                source.token().unwrap();
            });
        }
    });
    assert_eq!(upstream.minted(), 2);
}

#[test]
fn eight_threads_that_see_a_401_make_one_new_mint() {
    let upstream = Upstream::default();
    let source = BlockingSource::new(upstream.clone(), endpoint(), config()).with_inline_refresh();
    let used: Vec<_> = (0..8)
        .map(|_| {
            let mut request = http::Request::get("/v1/vouchers/X").body(()).unwrap();
            source.authorize(&mut request).unwrap()
        })
        .collect();
    let barrier = Barrier::new(8);
    let invalidated = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for token in &used {
            s.spawn(|| {
                barrier.wait();
                // The API answered 401 to the request `token` authorized.
                if source.invalidate(token) {
                    invalidated.fetch_add(1, Ordering::SeqCst);
                }
                let mut retry = http::Request::get("/v1/vouchers/X").body(()).unwrap();
                let new = source.authorize(&mut retry).unwrap();
                assert_eq!(new.access_token().expose_secret(), "tok-2");
            });
        }
    });
    assert_eq!(invalidated.load(Ordering::SeqCst), 1);
    assert_eq!(upstream.minted(), 2);
}

#[test]
fn waiters_share_the_error_of_the_round_they_waited_for() {
    let upstream = Upstream::slow(Duration::from_millis(20));
    *upstream.status.lock().unwrap() = Some(401);
    let source = BlockingSource::new(upstream.clone(), endpoint(), config()).with_inline_refresh();
    let barrier = Barrier::new(16);
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                barrier.wait();
                let error = source.token().unwrap_err();
                assert!(matches!(error, SourceError::Fetch(_)), "{error:?}");
            });
        }
    });
}

#[test]
fn a_store_spares_a_restarted_process_its_mint() {
    let store = Arc::new(MemoryStore::new());
    let upstream = Upstream::default();
    let first = BlockingSource::new(upstream.clone(), endpoint(), config())
        .with_inline_refresh()
        .with_store(Arc::clone(&store));
    let token = first.token().unwrap();
    drop(first);
    let second = BlockingSource::new(upstream.clone(), endpoint(), config())
        .with_inline_refresh()
        .with_store(Arc::clone(&store));
    let again = second.token().unwrap();
    assert_eq!(again.access_token(), token.access_token());
    assert_eq!(upstream.minted(), 1);
    assert!(second
        .drain_events()
        .iter()
        .any(|e| matches!(e, Event::Restored { .. })));
}

#[test]
fn a_dropped_future_hands_the_fetch_to_the_next_caller() {
    let upstream = Upstream::slow(Duration::from_millis(200));
    let source = AsyncSource::new(upstream.clone(), endpoint(), config());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let cancelled = tokio::time::timeout(Duration::from_millis(20), source.token()).await;
        assert!(cancelled.is_err());
        let token = source.token().await.unwrap();
        assert!(token.is_valid(Instant::now()));
    });
}

#[test]
fn a_wall_clock_step_moves_no_deadline() {
    struct Jumpy(TestClock);
    impl Clock for Jumpy {
        fn now(&self) -> Instant {
            self.0.now()
        }
        fn wall(&self) -> SystemTime {
            // An hour ahead: NTP stepped, a VM was restored.
            self.0.wall() + Duration::from_secs(3600)
        }
    }
    let clock = TestClock::new();
    let source = BlockingSource::new(Upstream::default(), endpoint(), config())
        .with_inline_refresh()
        .with_clock(Jumpy(clock.clone()));
    let token = source.token().unwrap();
    assert_eq!(token.remaining(clock.now()), Duration::from_secs(900));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_source_with_a_spawner_refreshes_in_the_background() {
    let clock = TestClock::new();
    let upstream = Upstream::slow(Duration::from_millis(300));
    let source = AsyncSource::new(upstream.clone(), endpoint(), config())
        .with_clock(clock.clone())
        .with_spawner(|task| drop(tokio::spawn(task)));
    let first = source.token().await.unwrap();
    clock.advance(Duration::from_secs(900 - 100));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let started = Instant::now();
        let token = source.token().await.unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "a caller waited"
        );
        if !Arc::ptr_eq(&token, &first) {
            break;
        }
        assert!(Instant::now() < deadline, "no refresh happened");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(upstream.minted(), 2);
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn the_tokio_spawner_starts_the_refresher() {
    let upstream = Upstream::default();
    let source = AsyncSource::new(upstream.clone(), endpoint(), config())
        .with_spawner(keycard_source::TokioSpawner);
    source.token().await.unwrap();
    assert_eq!(upstream.minted(), 1);
}

#[test]
fn a_dropped_source_stops_its_refresher() {
    let upstream = Upstream::default();
    let source = BlockingSource::new(upstream.clone(), endpoint(), config());
    let token = source.token().unwrap();
    let weak = Arc::downgrade(&token);
    drop(token);
    drop(source);
    // The refresher held no token; once it has seen the stop, nothing keeps the source alive.
    let deadline = Instant::now() + Duration::from_secs(5);
    while weak.upgrade().is_some() {
        assert!(Instant::now() < deadline, "the source outlived its drop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(feature = "tokio")]
#[test]
fn the_tokio_spawner_outside_a_runtime_falls_back_to_inline_refresh() {
    let clock = TestClock::new();
    let upstream = Upstream::default();
    let source = AsyncSource::new(upstream.clone(), endpoint(), config())
        .with_clock(clock.clone())
        .with_spawner(keycard_source::TokioSpawner);
    futures::executor::block_on(async {
        let first = source.token().await.unwrap();
        // Due for refresh: with no refresher, a caller refreshes inline.
        clock.advance(Duration::from_secs(900 - 100));
        let second = source.token().await.unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
    });
    assert_eq!(upstream.minted(), 2);
}

/// A clock whose coarse reading lags the precise one by the whole documented bound (20 ms),
/// counting the precise reads.
struct Lagging {
    clock: TestClock,
    precise_reads: AtomicUsize,
}

impl Clock for Lagging {
    fn now(&self) -> Instant {
        self.precise_reads.fetch_add(1, Ordering::SeqCst);
        self.clock.now()
    }
    fn wall(&self) -> SystemTime {
        self.clock.wall()
    }
    fn now_coarse(&self) -> Instant {
        self.clock.now() - Duration::from_millis(20)
    }
}

#[test]
fn a_fresh_token_is_served_on_the_coarse_clock_alone() {
    let clock = TestClock::new();
    let lagging = Arc::new(Lagging {
        clock: clock.clone(),
        precise_reads: AtomicUsize::new(0),
    });
    let source = BlockingSource::new(Upstream::default(), endpoint(), config())
        .with_inline_refresh()
        .with_clock(Arc::clone(&lagging));
    source.token().unwrap();
    clock.advance(Duration::from_secs(60));
    let before = lagging.precise_reads.load(Ordering::SeqCst);
    let mut request = http::Request::new(());
    for _ in 0..100 {
        assert!(source.authorize_cached(&mut request));
        source.authorize(&mut request).unwrap();
    }
    assert_eq!(lagging.precise_reads.load(Ordering::SeqCst), before);
}

#[test]
fn a_lagging_coarse_clock_serves_no_token_past_its_refresh_time() {
    let clock = TestClock::new();
    let upstream = Upstream::default();
    let source = BlockingSource::new(upstream.clone(), endpoint(), config())
        .with_inline_refresh()
        .with_clock(Lagging {
            clock: clock.clone(),
            precise_reads: AtomicUsize::new(0),
        });
    let first = source.token().unwrap();
    // To the last whole millisecond before the refresh time: still the first token.
    let due = first.refresh_at() - clock.now();
    let before = Duration::from_millis(due.as_millis() as u64);
    let before = if before == due {
        before - Duration::from_millis(1)
    } else {
        before
    };
    clock.advance(before);
    assert!(Arc::ptr_eq(&source.token().unwrap(), &first));
    assert_eq!(upstream.minted(), 1);
    // At (or just past) it: a new one, although the coarse reading is 20 ms earlier.
    clock.advance(Duration::from_millis(1));
    assert!(clock.now() >= first.refresh_at());
    let second = source.token().unwrap();
    assert!(!Arc::ptr_eq(&second, &first));
    assert_eq!(upstream.minted(), 2);
}

/// The `Authorization` value a request carries.
fn authorization(request: &http::Request<()>) -> &str {
    request.headers()["authorization"].to_str().unwrap()
}

/// On the system's clock (its coarse reading checked against a deadline each thread keeps with
/// its token), a token is served up to its refresh time and never from it on: a call that
/// starts at or after it gets the next token, through every way of asking.
#[test]
fn on_the_system_clock_no_token_is_served_from_its_refresh_time_on() {
    let upstream = Upstream::lasting(1);
    let mut config = config();
    config.refresh_margin = Duration::from_millis(500);
    config.refresh_jitter = Duration::ZERO;
    let source = BlockingSource::new(upstream.clone(), endpoint(), config).with_inline_refresh();
    let first = source.token().unwrap();
    let mut request = http::Request::new(());
    let mut served_before = 0;
    loop {
        let started = Instant::now();
        let cached = source
            .authorize_cached(&mut request)
            .then(|| authorization(&request).to_owned());
        let used = source.authorize(&mut request).unwrap();
        if started < first.refresh_at() {
            served_before += 1;
            continue;
        }
        // Due, and nobody refreshing: not served from the cache; `authorize` fetches. (The
        // cache may serve the next token: the last call before the refresh time may have
        // reached `authorize` after it, and fetched.)
        assert_ne!(
            cached.as_deref(),
            Some("Bearer tok-1"),
            "a due token was served from the cache"
        );
        assert!(!Arc::ptr_eq(&used, &first), "a due token was served");
        assert_eq!(used.access_token().expose_secret(), "tok-2");
        assert_eq!(authorization(&request), "Bearer tok-2");
        break;
    }
    assert!(served_before > 0);
    // And the new token is served from the thread's own copy again.
    assert!(source.authorize_cached(&mut request));
    assert_eq!(authorization(&request), "Bearer tok-2");
    assert_eq!(upstream.minted(), 2);
}

/// A thread keeps its own reference to the token it serves; once another thread replaced or
/// invalidated that token, the thread serves the source's current token, never its copy.
#[test]
fn a_thread_never_serves_a_token_another_thread_replaced() {
    let upstream = Upstream::default();
    let source = BlockingSource::new(upstream.clone(), endpoint(), config()).with_inline_refresh();
    let mut request = http::Request::new(());
    let first = source.authorize(&mut request).unwrap();
    assert!(source.authorize_cached(&mut request));
    assert_eq!(authorization(&request), "Bearer tok-1");
    // Another thread sees a 401 and invalidates it: nothing cached to serve here.
    std::thread::scope(|s| {
        s.spawn(|| assert!(source.invalidate(&first)));
    });
    assert!(!source.authorize_cached(&mut request));
    assert!(source.current().is_none());
    // Another thread mints the next one: served here at once.
    std::thread::scope(|s| {
        s.spawn(|| source.token().unwrap());
    });
    assert!(source.authorize_cached(&mut request));
    assert_eq!(authorization(&request), "Bearer tok-2");
    let used = source.authorize(&mut request).unwrap();
    assert_eq!(used.access_token().expose_secret(), "tok-2");
    // A 401 on this thread's token invalidates exactly it (the same `Arc`).
    assert!(Arc::ptr_eq(&used, &source.current().unwrap()));
    assert!(source.invalidate(&used));
    assert!(!source.authorize_cached(&mut request));
    assert_eq!(upstream.minted(), 2);
}

/// A thread that serves from more sources than it keeps tokens for (four) puts each source's
/// own token on each request, in any order.
#[test]
fn a_thread_serving_many_sources_puts_each_its_own_token() {
    let upstream = Upstream::default();
    let sources: Vec<_> = (0..6)
        .map(|_| {
            let source = BlockingSource::new(upstream.clone(), endpoint(), config());
            source.token().unwrap();
            source
        })
        .collect();
    let mut request = http::Request::new(());
    for round in 0..5 {
        for i in 0..sources.len() {
            // Forwards, then backwards, then every other.
            let i = match round % 3 {
                0 => i,
                1 => sources.len() - 1 - i,
                _ => (i * 2 + i / 3) % sources.len(),
            };
            let source = &sources[i];
            let expected = format!("Bearer tok-{}", i + 1);
            assert!(source.authorize_cached(&mut request));
            assert_eq!(authorization(&request), expected);
            let used = source.authorize(&mut request).unwrap();
            assert_eq!(authorization(&request), expected);
            assert!(Arc::ptr_eq(&used, &source.current().unwrap()));
        }
    }
    assert_eq!(upstream.minted(), 6);
}
