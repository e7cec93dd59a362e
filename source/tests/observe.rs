//! What a token source tells `tracing` and the `metrics` facade: the spans and events of a
//! mint, a retry, a wait, a clock skew, a store failure, a failed refresh and a refresh, with
//! field names after OpenTelemetry's HTTP conventions; and no secret anywhere in them, though
//! the server echoes every secret back in its bodies and headers.

use keycard_core::exact::{self, Environment};
use keycard_core::lifecycle::{SourceConfig, StoreKey, StoredToken, TokenStore};
use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard_core::{ApiKey, AsyncTransport, SecretKey, Transport, TransportError};
use keycard_source::{AsyncSource, BlockingSource, Clock};
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The canaries: every secret a token source handles. Each is header-safe, so it goes
/// everywhere a secret can go.
const SECRET_KEY: &str = "CANARYsecretKEYq7";
const API_KEY: &str = "CANARYapiKEYz3";
const TOKENS: [&str; 2] = ["CANARYtokenONEx1", "CANARYtokenTWOx2"];

fn canaries() -> Vec<&'static str> {
    let mut all = vec![SECRET_KEY, API_KEY, "CANARY"];
    all.extend(TOKENS);
    all
}

/// A clock that runs with real time and jumps when told to.
#[derive(Clone)]
struct JumpClock(Arc<AtomicU64>);

impl JumpClock {
    fn new() -> Self {
        Self(Arc::new(AtomicU64::new(0)))
    }

    fn jump(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

impl Clock for JumpClock {
    fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
}

/// What the server answers next.
enum Answer {
    /// A token response, its `Date` this far behind the local clock; the token is echoed in a
    /// header too.
    Token(&'static str, Duration),
    /// This status, with the request's headers and body echoed in the body and a header.
    Echo(u16),
}

/// A server that answers from a script, echoing every secret it is sent.
#[derive(Clone)]
struct Scripted(Arc<Mutex<VecDeque<Answer>>>);

impl Scripted {
    fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self(Arc::new(Mutex::new(answers.into_iter().collect())))
    }

    fn left(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn answer(&self, request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let mut echo = String::from_utf8_lossy(request.body()).into_owned();
        for (name, value) in request.headers() {
            echo.push_str(&format!(
                " {name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let echo = echo.replace(['\r', '\n', '"', '\\'], " ");
        match self.0.lock().unwrap().pop_front() {
            Some(Answer::Token(token, behind)) => {
                let body = format!(
                    r#"{{"access_token":"{token}","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}}"#
                );
                let date = httpdate(SystemTime::now() - behind);
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .header("date", date)
                    .header("x-echo", format!("{token} {echo}"))
                    .body(body.into_bytes())
                    .unwrap()
            }
            Some(Answer::Echo(status)) => {
                let body = format!(
                    r#"{{"code":{status},"key":"{echo}","message":"{echo}","details":"{echo}","error":{{"message":"{echo}"}}}}"#
                );
                http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .header("x-echo", echo)
                    .body(body.into_bytes())
                    .unwrap()
            }
            None => panic!("the script ran out: an unexpected request"),
        }
    }
}

impl Transport for Scripted {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        Ok(self.answer(&request))
    }
}

impl AsyncTransport for Scripted {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        Ok(self.answer(&request))
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate) by hand: the tests need one header.
fn httpdate(at: SystemTime) -> String {
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        months[(month - 1) as usize]
    )
}

/// A store that is down.
struct DownStore;

#[derive(Debug, thiserror::Error)]
#[error("the store is down")]
struct Down;

impl TokenStore for DownStore {
    type Error = Down;
    fn load(&self, _: &StoreKey) -> Result<Option<StoredToken>, Down> {
        Err(Down)
    }
    fn save(&self, _: &StoreKey, _: &StoredToken) -> Result<(), Down> {
        Err(Down)
    }
    fn remove(&self, _: &StoreKey) -> Result<(), Down> {
        Err(Down)
    }
}

/// One span or event as a subscriber saw it: its name, level, fields (as a formatting layer
/// would print them) and, for an event, the spans it happened in.
#[derive(Debug, Clone)]
struct Seen {
    span: bool,
    name: String,
    level: tracing::Level,
    fields: Vec<(String, String)>,
    scope: Vec<String>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

/// Keeps everything, in order; a span's later `record`s are added to it.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

/// Where a span's entry is in the capture.
struct Index(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        let mut seen = self.0.lock().unwrap();
        seen.push(Seen {
            span: true,
            name: attrs.metadata().name().to_owned(),
            level: *attrs.metadata().level(),
            fields,
            scope: Vec::new(),
        });
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Index(seen.len() - 1));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let Some(&Index(at)) = span.extensions().get::<Index>() else {
            return;
        };
        values.record(&mut Fields(&mut self.0.lock().unwrap()[at].fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        let scope = ctx
            .event_scope(event)
            .map(|scope| scope.map(|span| span.name().to_owned()).collect())
            .unwrap_or_default();
        self.0.lock().unwrap().push(Seen {
            span: false,
            name: event.metadata().name().to_owned(),
            level: *event.metadata().level(),
            fields,
            scope,
        });
    }
}

impl Capture {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// The events with this `keycard.event`.
    fn events(&self, kind: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| !s.span && s.field("keycard.event") == Some(kind))
            .collect()
    }

    /// Fails, saying where, if any span or event holds a canary.
    fn assert_no_secret(&self) {
        let seen = self.seen();
        assert!(seen.len() >= 6, "too little was traced to prove anything");
        for entry in seen {
            let mut texts = vec![entry.name.clone()];
            for (name, value) in &entry.fields {
                texts.push(name.clone());
                texts.push(value.clone());
            }
            for text in texts {
                for canary in canaries() {
                    assert!(
                        !text.contains(canary),
                        "a secret ({} chars) in the {} `{}`",
                        canary.len(),
                        if entry.span { "span" } else { "event" },
                        entry.name,
                    );
                }
            }
        }
    }
}

fn voucherify_endpoint() -> voucherify::GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new(SECRET_KEY)).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

fn config() -> SourceConfig {
    let mut config = SourceConfig::default();
    config.seed = 7;
    config.retry.max_attempts = 2;
    // Long enough that a caller surely waits it out (at least half of it, 100 ms), however
    // slow the machine: the tests expect a wait.
    config.retry.initial_backoff = Duration::from_millis(200);
    config.retry.max_backoff = Duration::from_millis(400);
    config
}

/// The whole life the tests watch, on the calling thread: a mint after a retry (the caller
/// waits out the backoff), from a server whose clock is an hour behind, with the store down;
/// a refresh that fails (the old token is served); a refresh that succeeds; and an Exact
/// Payments order whose mint is refused.
fn live_a_life() {
    let clock = JumpClock::new();
    let hour = Duration::from_secs(3600);
    let server = Scripted::new([
        Answer::Echo(503),
        Answer::Token(TOKENS[0], hour),
        Answer::Echo(503),
        Answer::Echo(503),
        Answer::Token(TOKENS[1], Duration::ZERO),
    ]);
    let source = BlockingSource::new(server.clone(), voucherify_endpoint(), config())
        .with_inline_refresh()
        .with_clock(clock.clone())
        .with_store(DownStore);
    let first = source.token().unwrap();
    assert_eq!(first.access_token().expose_secret(), TOKENS[0]);

    // Into the refresh-ahead window: the refresh fails twice; the old token is served.
    clock.jump(Duration::from_secs(800));
    let mut token = source.token().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while token.access_token().expose_secret() != TOKENS[1] {
        assert!(Instant::now() < deadline, "no refresh came");
        std::thread::sleep(Duration::from_millis(5));
        if server.left() == 1 {
            // Past the failed round's pause.
            clock.jump(Duration::from_secs(5));
        }
        token = source.token().unwrap();
    }
    assert_eq!(server.left(), 0);

    let order = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(API_KEY))
        .unwrap()
        .create_order_access_token("ord_1")
        .unwrap();
    let refused = BlockingSource::new(Scripted::new([Answer::Echo(403)]), order, config())
        .with_inline_refresh();
    assert!(refused.token().is_err());
}

#[test]
fn a_life_is_traced_with_opentelemetry_fields_and_no_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, live_a_life);

    let seen = capture.seen();
    // Each run of steps is a `keycard.fetch` span named by the store key, with the request as
    // an HTTP client span inside it.
    let fetch = seen
        .iter()
        .find(|s| s.span && s.name == "keycard.fetch")
        .expect("a fetch span");
    assert!(fetch
        .field("keycard.store_key")
        .is_some_and(|k| k.starts_with("keycard:v1:voucherify:")));
    assert_eq!(fetch.field("keycard.trigger"), Some("caller"));
    let requests: Vec<_> = seen
        .iter()
        .filter(|s| s.span && s.name == "keycard.request")
        .collect();
    assert_eq!(requests.len(), 6, "{requests:#?}");
    for request in &requests {
        assert_eq!(request.field("http.request.method"), Some("POST"));
        assert_eq!(request.field("otel.kind"), Some("client"));
        assert!(request
            .field("url.full")
            .is_some_and(|u| u.starts_with("https://")));
        assert_eq!(request.field("server.port"), Some("443"));
    }
    assert_eq!(
        requests[0].field("url.full"),
        Some("https://api.voucherify.io/v1/oauth/token")
    );
    assert_eq!(
        requests[0].field("server.address"),
        Some("api.voucherify.io")
    );
    assert_eq!(requests[0].field("http.response.status_code"), Some("503"));
    assert_eq!(requests[0].field("error.type"), Some("503"));
    assert_eq!(requests[1].field("http.response.status_code"), Some("200"));
    assert_eq!(requests[1].field("error.type"), None);
    assert_eq!(requests[5].field("http.response.status_code"), Some("403"));

    // The retry, with the status as the error's type.
    let retries = capture.events("retry_scheduled");
    assert_eq!(retries.len(), 2, "{retries:#?}");
    assert_eq!(retries[0].field("keycard.attempt"), Some("1"));
    assert_eq!(retries[0].field("error.type"), Some("503"));
    assert_eq!(retries[0].level, tracing::Level::WARN);
    assert_eq!(
        retries[0].scope.first().map(String::as_str),
        Some("keycard.fetch")
    );
    // The caller waited out the backoff, and got a token.
    let waits = capture.events("waited");
    assert!(!waits.is_empty());
    assert_eq!(waits[0].field("keycard.outcome"), Some("token"));
    // The mint, then the refresh, which says how old the token it replaced was.
    let issued = capture.events("issued");
    assert_eq!(issued.len(), 2, "{issued:#?}");
    assert_eq!(issued[0].field("keycard.refresh"), Some("false"));
    assert_eq!(issued[1].field("keycard.refresh"), Some("true"));
    let age: f64 = issued[1]
        .field("keycard.token.replaced_age_s")
        .and_then(|a| a.parse().ok())
        .expect("the replaced token's age");
    assert!((800.0..900.0).contains(&age), "{age}");
    // The server's clock is an hour behind (then, as the test's clock jumped, minutes).
    let skews = capture.events("clock_skew");
    assert_eq!(skews.len(), 2, "{skews:#?}");
    let skew: f64 = skews[0]
        .field("keycard.clock_skew_s")
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500.0..3700.0).contains(&skew), "{skew}");
    // The store is down: each load and save fails, and the source mints alone.
    let store_failures = capture.events("store_failed");
    assert!(store_failures
        .iter()
        .any(|e| e.field("keycard.store.action") == Some("load")));
    assert!(store_failures
        .iter()
        .any(|e| e.field("keycard.store.action") == Some("save")));
    assert!(!capture.events("minting_alone").is_empty());
    assert!(seen
        .iter()
        .any(|s| s.span && s.name == "keycard.store" && s.field("error.type") == Some("store")));
    // The refresh that failed, the old token still served; the order refused for good.
    let failed = capture.events("refresh_failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].field("error.type"), Some("503"));
    let gave_up = capture.events("gave_up");
    assert_eq!(gave_up.len(), 1, "{gave_up:#?}");
    assert_eq!(gave_up[0].level, tracing::Level::ERROR);
    assert_eq!(gave_up[0].field("error.type"), Some("403"));
    // Every event says what happened in words, not as a `Debug` dump.
    for event in seen.iter().filter(|s| !s.span) {
        let message = event.field("message").expect("a message");
        assert!(
            !message.contains(" {") && !message.contains("Some("),
            "{message}"
        );
    }

    // The server's echoes reached the events' texts, scrubbed.
    assert!(seen.iter().any(|s| s
        .fields
        .iter()
        .any(|(_, v)| v.contains(keycard_core::REDACTED))));
    capture.assert_no_secret();
}

#[test]
fn the_async_driver_traces_the_same_spans_and_events() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, || {
        let server = Scripted::new([Answer::Echo(429), Answer::Token(TOKENS[0], Duration::ZERO)]);
        let source = AsyncSource::new(server, voucherify_endpoint(), config());
        let token = futures::executor::block_on(source.token()).unwrap();
        assert_eq!(token.access_token().expose_secret(), TOKENS[0]);
    });
    let requests: Vec<_> = capture
        .seen()
        .into_iter()
        .filter(|s| s.span && s.name == "keycard.request")
        .collect();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].field("http.response.status_code"), Some("429"));
    assert_eq!(capture.events("retry_scheduled").len(), 1);
    assert_eq!(capture.events("waited").len(), 1);
    assert_eq!(capture.events("issued").len(), 1);
    capture.assert_no_secret();
}

#[test]
fn drained_events_are_the_traced_ones() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let events = tracing::subscriber::with_default(subscriber, || {
        let server = Scripted::new([Answer::Echo(503), Answer::Token(TOKENS[0], Duration::ZERO)]);
        let source = BlockingSource::new(server, voucherify_endpoint(), config());
        source.token().unwrap();
        source.drain_events()
    });
    let traced: Vec<_> = capture
        .seen()
        .into_iter()
        .filter(|s| !s.span && s.field("keycard.event") != Some("waited"))
        .map(|s| s.field("message").unwrap_or_default().to_owned())
        .collect();
    let drained: Vec<_> = events.iter().map(ToString::to_string).collect();
    assert_eq!(traced, drained);
}

#[cfg(feature = "metrics")]
#[test]
fn metrics_count_mints_failed_refreshes_waits_and_token_age_with_no_secret_in_a_label() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, live_a_life);

    let snapshot = snapshotter.snapshot().into_vec();
    let counter = |name: &str, label: Option<(&str, &str)>| -> u64 {
        snapshot
            .iter()
            .filter(|(key, ..)| key.key().name() == name)
            .filter(|(key, ..)| {
                label
                    .is_none_or(|(k, v)| key.key().labels().any(|l| l.key() == k && l.value() == v))
            })
            .map(|(.., value)| match value {
                DebugValue::Counter(n) => *n,
                other => panic!("{name} is not a counter: {other:?}"),
            })
            .sum()
    };
    let histogram = |name: &str| -> Vec<f64> {
        snapshot
            .iter()
            .filter(|(key, ..)| key.key().name() == name)
            .flat_map(|(.., value)| match value {
                DebugValue::Histogram(values) => {
                    values.iter().map(|v| v.into_inner()).collect::<Vec<f64>>()
                }
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .collect()
    };

    assert_eq!(
        counter("keycard_tokens_minted_total", Some(("token", "voucherify"))),
        2
    );
    assert_eq!(counter("keycard_retries_total", None), 2);
    assert_eq!(
        counter(
            "keycard_refreshes_failed_total",
            Some(("outcome", "serving_old_token"))
        ),
        1
    );
    assert_eq!(
        counter(
            "keycard_refreshes_failed_total",
            Some(("outcome", "no_token"))
        ),
        1
    );
    assert!(counter("keycard_store_failures_total", Some(("action", "load"))) >= 2);
    assert!(counter("keycard_waits_total", Some(("outcome", "token"))) >= 1);
    let waits = histogram("keycard_wait_seconds");
    assert!(
        !waits.is_empty() && waits.iter().all(|w| (0.0..5.0).contains(w)),
        "{waits:?}"
    );
    let ages = histogram("keycard_token_age_at_refresh_seconds");
    assert_eq!(ages.len(), 1, "{ages:?}");
    assert!((800.0..900.0).contains(&ages[0]), "{ages:?}");

    for (key, ..) in &snapshot {
        let mut texts = vec![key.key().name().to_owned()];
        for label in key.key().labels() {
            texts.push(label.key().to_owned());
            texts.push(label.value().to_owned());
        }
        for text in texts {
            for canary in canaries() {
                assert!(
                    !text.contains(canary),
                    "a secret in metric {}",
                    key.key().name()
                );
            }
        }
    }
}
