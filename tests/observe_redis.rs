//! A Redis store that is down, with a password in its URL: the store's failures reach
//! `tracing` (and the source mints alone), and neither the password, the secret key nor the
//! token the server sends (and echoes in a header) appears in any span or event.
#![cfg(feature = "redis")]

use keycard::lifecycle::SourceConfig;
use keycard::redis::RedisStore;
use keycard::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard::{BlockingSource, SecretKey, Transport, TransportError};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

const PASSWORD: &str = "CANARYredisPASSq4";
const SECRET_KEY: &str = "CANARYsecretKEYr5";
const TOKEN: &str = "CANARYtokenRDSx9";

/// Mints `TOKEN`, echoing the request's headers and the token in a response header.
struct Echoing;

impl Transport for Echoing {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let mut echo = String::from(TOKEN);
        for (name, value) in request.headers() {
            echo.push_str(&format!(
                " {name}={}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        let body = format!(
            r#"{{"access_token":"{TOKEN}","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}}"#
        );
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("x-echo", echo.replace(['\r', '\n'], " "))
            .body(body.into_bytes())
            .unwrap())
    }
}

/// Every span's and event's name and fields, as one line each.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl<S: Subscriber> Layer<S> for Lines {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let mut line = attrs.metadata().name().to_owned();
        attrs.record(&mut Text(&mut line));
        self.0.lock().unwrap().push(line);
    }

    fn on_record(&self, _: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut line = String::from("(record)");
        values.record(&mut Text(&mut line));
        self.0.lock().unwrap().push(line);
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = event.metadata().name().to_owned();
        event.record(&mut Text(&mut line));
        self.0.lock().unwrap().push(line);
    }
}

#[test]
fn a_down_redis_is_traced_without_its_password() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry().with(lines.clone());
    tracing::subscriber::with_default(subscriber, || {
        let port = keycard_testkit::server::closed_port();
        let store = RedisStore::open(&format!("redis://keycard:{PASSWORD}@127.0.0.1:{port}/0"))
            .expect("a URL");
        let endpoint = voucherify::Api::new(
            Region::Europe.base_url(),
            Credentials::new("app-1", SecretKey::new(SECRET_KEY)).unwrap(),
        )
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
        let source = BlockingSource::new(Echoing, endpoint, SourceConfig::default())
            .with_inline_refresh()
            .with_store(store);
        let token = source.token().expect("minted alone, without the store");
        assert_eq!(token.access_token().expose_secret(), TOKEN);
    });

    let lines = lines.0.lock().unwrap().clone();
    let has = |what: &str| lines.iter().any(|line| line.contains(what));
    assert!(has("keycard.event=\"store_failed\""), "{lines:#?}");
    assert!(has("keycard.event=\"minting_alone\""), "{lines:#?}");
    assert!(has("keycard.event=\"issued\""), "{lines:#?}");
    assert!(has("http.response.status_code=200"), "{lines:#?}");
    for line in &lines {
        for canary in [PASSWORD, SECRET_KEY, TOKEN, "CANARY"] {
            assert!(
                !line.contains(canary),
                "a secret ({} chars) in a trace line of {} chars",
                canary.len(),
                line.len()
            );
        }
    }
}
