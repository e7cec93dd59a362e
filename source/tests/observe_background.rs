//! The background refresher's work is traced like a caller's, as `keycard.trigger =
//! "background"`, on its own thread. A file of its own: the subscriber must be the global one
//! to reach the refresher's thread, and a process has one.

use keycard_core::lifecycle::SourceConfig;
use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard_core::{SecretKey, Transport, TransportError};
use keycard_source::{BlockingSource, Clock};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// A clock that runs with real time and jumps when told to.
#[derive(Clone, Default)]
struct JumpClock(Arc<AtomicU64>);

impl Clock for JumpClock {
    fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.0.load(Ordering::SeqCst))
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now() + Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// Mints `tok-N`, counting.
#[derive(Clone, Default)]
struct Upstream(Arc<AtomicUsize>);

impl Transport for Upstream {
    fn send(
        &self,
        _request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let body = format!(
            r#"{{"access_token":"tok-{n}","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}}"#
        );
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body.into_bytes())
            .unwrap())
    }
}

/// What was seen (`fetch` or `issued`), its trigger or `keycard.refresh`, and on which thread.
type Seen = (String, String, Option<String>);

/// Each fetch span's trigger, and each `issued` event's `keycard.refresh`, with the thread.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

struct Pick<'a>(&'a str, Option<String>);

impl Visit for Pick<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == self.0 {
            self.1 = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == self.0 {
            self.1 = Some(value.to_owned());
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "keycard.fetch" {
            let mut trigger = Pick("keycard.trigger", None);
            attrs.record(&mut trigger);
            let thread = std::thread::current().name().map(str::to_owned);
            let trigger = trigger.1.unwrap_or_default();
            self.0
                .lock()
                .unwrap()
                .push(("fetch".into(), trigger, thread));
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut kind = Pick("keycard.event", None);
        event.record(&mut kind);
        if kind.1.as_deref() == Some("issued") {
            let mut refresh = Pick("keycard.refresh", None);
            event.record(&mut refresh);
            let thread = std::thread::current().name().map(str::to_owned);
            let refresh = refresh.1.unwrap_or_default();
            self.0
                .lock()
                .unwrap()
                .push(("issued".into(), refresh, thread));
        }
    }
}

#[test]
fn the_background_refresh_is_traced_on_the_refresher_thread() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .unwrap();
    let clock = JumpClock::default();
    let upstream = Upstream::default();
    let endpoint = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new("sk-1")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap();
    let mut config = SourceConfig::default();
    config.seed = 7;
    let source = BlockingSource::new(upstream.clone(), endpoint, config).with_clock(clock.clone());
    source.token().unwrap();
    // Into the refresh-ahead window: the refresher mints the next token.
    clock.0.fetch_add(800_000, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    while upstream.0.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "no background refresh");
        source.token().unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(source);

    let seen = capture.0.lock().unwrap().clone();
    let caller = seen.iter().find(|(what, ..)| what == "fetch").unwrap();
    assert_eq!(caller.1, "caller", "{seen:?}");
    let background = seen
        .iter()
        .find(|(what, trigger, _)| what == "fetch" && trigger == "background")
        .unwrap_or_else(|| panic!("no background fetch span: {seen:?}"));
    assert_eq!(background.2.as_deref(), Some("keycard-refresh"));
    let refreshed = seen
        .iter()
        .find(|(what, refresh, _)| what == "issued" && refresh == "true")
        .unwrap_or_else(|| panic!("no refresh: {seen:?}"));
    assert_eq!(refreshed.2.as_deref(), Some("keycard-refresh"));
}
