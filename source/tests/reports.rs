//! Error reports: walking `source()` from a [`SourceError`] shows each cause once (a cause is
//! in a message or in `source()`, never both), and every level says something of its own.

use keycard_core::lifecycle::{SourceConfig, SourceError};
use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard_core::{SecretKey, Transport, TransportError, TransportErrorKind};
use keycard_source::BlockingSource;
use std::error::Error;
use std::time::Duration;

/// Answers every request with `status`, or fails to connect when there is none.
struct Server(Option<u16>);

impl Transport for Server {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        match self.0 {
            Some(200) => Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(br#"{"access_token":"t","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
                .unwrap()),
            Some(status) => Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(br#"{"code":503,"key":"unavailable","message":"try later"}"#.to_vec())
                .unwrap()),
            None => Err(TransportError::new(
                TransportErrorKind::Connect,
                request.uri(),
                "connection refused",
            )),
        }
    }
}

fn source(server: Server) -> BlockingSource<voucherify::GenerateToken, Server> {
    let endpoint = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-1", SecretKey::new("sk-1")).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap();
    let mut config = SourceConfig::default();
    config.retry.max_attempts = 2;
    config.retry.initial_backoff = Duration::from_millis(1);
    config.retry.max_backoff = Duration::from_millis(2);
    BlockingSource::new(server, endpoint, config).with_inline_refresh()
}

/// Each level's own message, outermost first.
fn chain(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut levels = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        levels.push(cause.to_string());
        next = cause.source();
    }
    levels
}

fn assert_each_cause_once(error: &SourceError) -> Vec<String> {
    let levels = chain(error);
    assert!(levels.len() >= 2, "a cause in source(): {levels:?}");
    for (i, level) in levels.iter().enumerate() {
        assert!(!level.is_empty());
        for cause in &levels[i + 1..] {
            assert!(
                !level.contains(cause.as_str()),
                "{level:?} repeats its cause {cause:?}"
            );
        }
    }
    levels
}

#[test]
fn a_fetch_error_report_shows_each_cause_once() {
    for server in [Server(Some(503)), Server(Some(401)), Server(None)] {
        let error = source(server).token().unwrap_err();
        assert!(matches!(error, SourceError::Fetch(_)));
        let levels = assert_each_cause_once(&error);
        assert_eq!(levels[0], "no token");
        // The cause says what went wrong, in words.
        assert!(
            levels[1].contains("HTTP") || levels[1].contains("connect"),
            "{levels:?}"
        );
    }
}

#[test]
fn a_refused_request_report_shows_the_scope_check_once() {
    let source = source(Server(Some(200)));
    // A token for vouchers only; customers need another scope.
    let mut request = http::Request::get("https://api.voucherify.io/v1/customers/c1")
        .body(())
        .unwrap();
    let error = source
        .authorize_checked(&mut request, &Region::Europe.base_url())
        .unwrap_err();
    assert!(matches!(error, SourceError::NotGranted(_)));
    let levels = assert_each_cause_once(&error);
    assert_eq!(levels[0], "the token does not grant this request");
}
