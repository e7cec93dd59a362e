//! What a token source tells your logs and your metrics: keycard's `tracing` spans and events
//! (printed here by `tracing-subscriber`'s formatter), and, with the feature `metrics`, its
//! counters and histograms (read here from a `metrics-util` debugging recorder; in a service,
//! install the Prometheus or StatsD exporter of your choice instead). The token server fails
//! once (503), so there is a retry and a wait to see. No secret appears in either.
//!
//! Run: `cargo run --example observability --features metrics,ureq` (against the local emulator)

use keycard::lifecycle::SourceConfig;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{BaseUrl, BlockingSource, SecretKey};
use keycard_emulator::{Emulator, Fault, Route};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Spans and events, with the fields of the spans they happened in, on stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(std::io::stderr)
        .init();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install()?;

    let emulator = Emulator::start()?;
    emulator.inject(Route::VoucherifyGenerate, Fault::ServiceUnavailable, 1);
    let base = BaseUrl::parse(&emulator.voucherify_url())?;
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let mut config = SourceConfig::default();
    config.retry.initial_backoff = Duration::from_millis(100);
    let source = BlockingSource::new(
        UreqTransport::new(),
        api.generate_token(&Scopes::from([Scope::Vouchers]))?,
        config,
    );
    let token = source.token()?;
    println!(
        "a token for {:?}, after {} requests",
        token.grant(),
        emulator.hits(Route::VoucherifyGenerate)
    );

    println!("metrics:");
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let labels: Vec<String> = key
            .key()
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let value = match value {
            DebugValue::Counter(n) => n.to_string(),
            DebugValue::Gauge(g) => g.to_string(),
            DebugValue::Histogram(values) => format!("{} observation(s)", values.len()),
        };
        println!("  {}{{{}}} {value}", key.key().name(), labels.join(","));
    }
    Ok(())
}
