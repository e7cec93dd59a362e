//! What a token source tells the outside: `tracing` spans and events, and (feature `metrics`)
//! counters and histograms through the `metrics` facade. One place for both drivers, fed by
//! the driver loop ([`crate::drive`]) and the machine's [`Event`]s.
//!
//! Nothing here reads a request's headers or body or a response's headers or body: a token
//! request carries the credentials, its response the token, and a server may echo either
//! anywhere. Fields hold the method, the URL without user info or query, the status, kinds of
//! errors, durations, the store key (a digest, no secret) and the machine's events, whose
//! texts core scrubs of every secret.

use keycard_core::lifecycle::{Event, Failure, FetchError, Io, IoResult, StoreAction, StoreCall};
use keycard_core::TransportErrorKind;
use std::time::{Duration, Instant};
use tracing::field::Empty;
use tracing::{Level, Span};

/// The `tracing` target of everything a token source emits.
pub(crate) const TARGET: &str = "keycard";

/// Who performs a fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A caller that found no token it could use (or the token due, without a refresher).
    Caller,
    /// The background refresher, ahead of expiry.
    Background,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::Background => "background",
        }
    }
}

/// The span of one run of a fetch's steps (the request, or the store calls around it).
pub(crate) fn fetch_span(key: &str, trigger: Trigger) -> Span {
    tracing::info_span!(
        target: TARGET,
        "keycard.fetch",
        keycard.store_key = key,
        keycard.trigger = trigger.as_str(),
    )
}

/// The span of one step: an HTTP client span (OpenTelemetry's HTTP conventions) for the
/// request, a `keycard.store` span for a store call.
pub(crate) fn step_span(io: &Io) -> Span {
    match io {
        Io::Send(_, request) => {
            let uri = request.uri();
            let method = request.method().as_str();
            let span = tracing::info_span!(
                target: TARGET,
                "keycard.request",
                otel.name = method,
                otel.kind = "client",
                http.request.method = method,
                url.full = url_full(uri),
                server.address = uri.host().unwrap_or_default(),
                server.port = Empty,
                http.response.status_code = Empty,
                "error.type" = Empty,
            );
            if let Some(port) = uri.port_u16().or_else(|| default_port(uri)) {
                span.record("server.port", port);
            }
            span
        }
        Io::Store(_, call) => tracing::debug_span!(
            target: TARGET,
            "keycard.store",
            keycard.store.action = action_name(call_action(call)),
            "error.type" = Empty,
        ),
    }
}

/// Records how a step ended on its span: the status of a response (never its headers or
/// body), the kind of a failure.
pub(crate) fn step_done(span: &Span, result: &IoResult) {
    let failed = match result {
        IoResult::Sent(Ok(response)) => {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            if status.is_client_error() || status.is_server_error() {
                // OpenTelemetry: the status code, as text, is the error's type.
                span.record("error.type", status.as_str());
            }
            return;
        }
        IoResult::Sent(Err(error)) => {
            span.record("error.type", transport_kind(error.kind()));
            return;
        }
        IoResult::Loaded(result) => result.is_err(),
        IoResult::Claimed(result) => result.is_err(),
        IoResult::Removed(result)
        | IoResult::Saved(result)
        | IoResult::Released(result)
        | IoResult::HeldOff(result) => result.is_err(),
        IoResult::Counted(result) | IoResult::Recorded(result) => result.is_err(),
    };
    if failed {
        span.record("error.type", "store");
    }
}

/// Reports one of the machine's events. `replaced` is when the token held before the event
/// was obtained (to measure its age when a new one replaces it); `now` is when it happened.
pub(crate) fn event(event: &Event, key: &str, replaced: Option<Instant>, now: Instant) {
    let age = replaced.map(|obtained| now.saturating_duration_since(obtained));
    match event {
        Event::Issued { lifetime, .. } => {
            tracing::event!(
                target: TARGET,
                Level::INFO,
                {
                    keycard.event = "issued",
                    keycard.store_key = key,
                    keycard.refresh = age.is_some(),
                    keycard.token.lifetime_s = lifetime.as_secs_f64(),
                    keycard.token.replaced_age_s = age.map(|a| a.as_secs_f64()),
                },
                "{event}",
            );
            metrics::issued(key, age);
        }
        Event::Restored { remaining } => {
            tracing::event!(
                target: TARGET,
                Level::INFO,
                {
                    keycard.event = "restored",
                    keycard.store_key = key,
                    keycard.refresh = age.is_some(),
                    keycard.token.remaining_s = remaining.as_secs_f64(),
                    keycard.token.replaced_age_s = age.map(|a| a.as_secs_f64()),
                },
                "{event}",
            );
            metrics::restored(key, age);
        }
        Event::ClockSkew(skew) => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "clock_skew",
                    keycard.store_key = key,
                    keycard.clock_skew_s = skew.magnitude().as_secs_f64(),
                    keycard.server_clock_ahead = skew.server_ahead_by() > Duration::ZERO,
                },
                "{event}",
            );
            metrics::clock_skew(key, skew.magnitude());
        }
        Event::RetryScheduled {
            attempt,
            after,
            failure,
        } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "retry_scheduled",
                    keycard.store_key = key,
                    keycard.attempt = attempt,
                    keycard.retry_after_s = after.as_secs_f64(),
                    http.response.status_code = failure.status().map(|s| s.as_u16()),
                    "error.type" = failure_type(failure),
                },
                "{event}",
            );
            metrics::retry(key);
        }
        Event::RefreshFailed {
            error,
            serving_for,
            next_attempt_after,
        } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "refresh_failed",
                    keycard.store_key = key,
                    keycard.serving_for_s = serving_for.as_secs_f64(),
                    keycard.next_attempt_after_s = next_attempt_after.map(|d| d.as_secs_f64()),
                    "error.type" = fetch_error_type(error),
                },
                "{event}",
            );
            metrics::failed(key, "serving_old_token");
        }
        Event::GaveUp { error } => {
            tracing::event!(
                target: TARGET,
                Level::ERROR,
                {
                    keycard.event = "gave_up",
                    keycard.store_key = key,
                    "error.type" = fetch_error_type(error),
                },
                "{event}",
            );
            metrics::failed(key, "no_token");
        }
        Event::StepTimedOut => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "step_timed_out",
                    keycard.store_key = key,
                    "error.type" = "timeout",
                },
                "{event}",
            );
        }
        Event::StoreFailed { action, .. } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "store_failed",
                    keycard.store_key = key,
                    keycard.store.action = action_name(*action),
                    "error.type" = "store",
                },
                "{event}",
            );
            metrics::store_failed(key, *action);
        }
        Event::StoredTokenRejected { .. } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "stored_token_rejected",
                    keycard.store_key = key,
                    "error.type" = "stored_token",
                },
                "{event}",
            );
        }
        Event::MintingAlone { .. } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "minting_alone",
                    keycard.store_key = key,
                },
                "{event}",
            );
            metrics::minting_alone(key);
        }
        Event::HeldOff {
            retry_in,
            published,
        } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "held_off",
                    keycard.store_key = key,
                    keycard.retry_after_s = retry_in.as_secs_f64(),
                    keycard.published = published,
                },
                "{event}",
            );
            metrics::held_off(key);
        }
        Event::NearTokenLimit { live, limit } => {
            tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    keycard.event = "near_token_limit",
                    keycard.store_key = key,
                    keycard.fleet.live_tokens = live,
                    keycard.fleet.token_limit = limit,
                },
                "{event}",
            );
            metrics::live_tokens(key, *live);
        }
        Event::BudgetSpent {
            live,
            max_live,
            retry_in,
        } => {
            tracing::event!(
                target: TARGET,
                Level::ERROR,
                {
                    keycard.event = "budget_spent",
                    keycard.store_key = key,
                    keycard.fleet.live_tokens = live,
                    keycard.fleet.token_budget = max_live,
                    keycard.retry_after_s = retry_in.as_secs_f64(),
                },
                "{event}",
            );
            metrics::live_tokens(key, *live);
            metrics::failed(key, "budget_spent");
        }
        // Events core adds later: their text, at least.
        _ => tracing::event!(target: TARGET, Level::INFO, { keycard.store_key = key }, "{event}"),
    }
}

/// Reports that a caller waited `waited` for a token (a fetch by another caller, a backoff),
/// and whether it got one.
pub(crate) fn waited(key: &str, waited: Duration, got_token: bool) {
    let outcome = if got_token { "token" } else { "error" };
    tracing::event!(
        target: TARGET,
        Level::DEBUG,
        {
            keycard.event = "waited",
            keycard.store_key = key,
            keycard.wait_s = waited.as_secs_f64(),
            keycard.outcome = outcome,
        },
        "waited {waited:?} for a token ({outcome})",
    );
    metrics::waited(key, waited, outcome);
}

/// The URL as OpenTelemetry's `url.full`, without what may hold a secret: scheme, host, port
/// and path; no user info, no query, no fragment.
fn url_full(uri: &http::Uri) -> String {
    let mut url = String::new();
    if let Some(scheme) = uri.scheme_str() {
        url.push_str(scheme);
        url.push_str("://");
    }
    if let Some(host) = uri.host() {
        url.push_str(host);
    }
    if let Some(port) = uri.port_u16() {
        url.push(':');
        url.push_str(&port.to_string());
    }
    url.push_str(uri.path());
    url
}

fn default_port(uri: &http::Uri) -> Option<u16> {
    match uri.scheme_str()? {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

fn call_action(call: &StoreCall) -> StoreAction {
    match call {
        StoreCall::Load(_) => StoreAction::Load,
        StoreCall::Remove(_) => StoreAction::Remove,
        StoreCall::Claim(_) => StoreAction::Claim,
        StoreCall::Save(..) => StoreAction::Save,
        StoreCall::Release(_) => StoreAction::Release,
        StoreCall::HoldOff(..) => StoreAction::HoldOff,
        StoreCall::Count(_) => StoreAction::Count,
        StoreCall::Record(..) => StoreAction::Record,
    }
}

fn action_name(action: StoreAction) -> &'static str {
    match action {
        StoreAction::Load => "load",
        StoreAction::Save => "save",
        StoreAction::Remove => "remove",
        StoreAction::Claim => "claim",
        StoreAction::Release => "release",
        StoreAction::HoldOff => "hold_off",
        StoreAction::Count => "count",
        StoreAction::Record => "record",
        _ => "other",
    }
}

fn transport_kind(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connect",
        TransportErrorKind::Timeout => "timeout",
        TransportErrorKind::BodyTooLarge { .. } => "body_too_large",
        TransportErrorKind::Tls => "tls",
        TransportErrorKind::Io => "io",
        TransportErrorKind::Protocol => "protocol",
        TransportErrorKind::RedirectFollowed => "redirect_followed",
        TransportErrorKind::InvalidRequest => "invalid_request",
        TransportErrorKind::ClientBuild => "client_build",
        _ => "_OTHER",
    }
}

/// `error.type` for a failed attempt: the status code, or the transport's kind of failure.
fn failure_type(failure: &Failure) -> &str {
    match failure {
        Failure::Status { status, .. } => status.as_str(),
        Failure::Transport(error) => transport_kind(error.kind()),
        Failure::Unreadable { .. } => "unreadable_body",
        Failure::ExpiredOnArrival => "expired_on_arrival",
        Failure::CredentialsRejected { .. } => "credentials_rejected",
        Failure::QuotaExhausted { .. } => "quota_exhausted",
        _ => "_OTHER",
    }
}

fn fetch_error_type(error: &FetchError) -> &str {
    match error {
        FetchError::GaveUp { last, .. } | FetchError::RetryTooFar { last, .. } => {
            failure_type(last)
        }
        FetchError::NotRetryable { status, .. } => status.as_str(),
        FetchError::Unreadable { .. } => "unreadable_body",
        FetchError::ExpiredOnArrival => "expired_on_arrival",
        FetchError::CredentialsRejected { .. } => "credentials_rejected",
        FetchError::QuotaExhausted { .. } => "quota_exhausted",
        _ => "_OTHER",
    }
}

/// The `metrics` facade (feature `metrics`); without it, nothing.
#[cfg(feature = "metrics")]
mod metrics {
    use keycard_core::lifecycle::StoreAction;
    use std::time::Duration;

    /// The namespace of a store key (`voucherify`, `exact-order`, …): which kind of token,
    /// with few values, and no secret.
    fn kind(key: &str) -> String {
        key.split(':').nth(2).unwrap_or_default().to_owned()
    }

    pub(super) fn issued(key: &str, age: Option<Duration>) {
        ::metrics::counter!("keycard_tokens_minted_total", "token" => kind(key)).increment(1);
        if let Some(age) = age {
            ::metrics::histogram!("keycard_token_age_at_refresh_seconds", "token" => kind(key))
                .record(age.as_secs_f64());
        }
    }

    pub(super) fn restored(key: &str, age: Option<Duration>) {
        ::metrics::counter!("keycard_tokens_restored_total", "token" => kind(key)).increment(1);
        if let Some(age) = age {
            ::metrics::histogram!("keycard_token_age_at_refresh_seconds", "token" => kind(key))
                .record(age.as_secs_f64());
        }
    }

    pub(super) fn retry(key: &str) {
        ::metrics::counter!("keycard_retries_total", "token" => kind(key)).increment(1);
    }

    pub(super) fn failed(key: &str, outcome: &'static str) {
        ::metrics::counter!(
            "keycard_refreshes_failed_total",
            "token" => kind(key),
            "outcome" => outcome,
        )
        .increment(1);
    }

    pub(super) fn clock_skew(key: &str, by: Duration) {
        ::metrics::gauge!("keycard_clock_skew_seconds", "token" => kind(key)).set(by.as_secs_f64());
    }

    pub(super) fn store_failed(key: &str, action: StoreAction) {
        ::metrics::counter!(
            "keycard_store_failures_total",
            "token" => kind(key),
            "action" => super::action_name(action),
        )
        .increment(1);
    }

    pub(super) fn minting_alone(key: &str) {
        ::metrics::counter!("keycard_minting_alone_total", "token" => kind(key)).increment(1);
    }

    pub(super) fn held_off(key: &str) {
        ::metrics::counter!("keycard_fleet_held_off_total", "token" => kind(key)).increment(1);
    }

    /// The fleet's count of live tokens, when it nears the limit (or the budget is spent).
    pub(super) fn live_tokens(key: &str, live: u32) {
        ::metrics::gauge!("keycard_fleet_live_tokens", "token" => kind(key)).set(f64::from(live));
    }

    pub(super) fn waited(key: &str, waited: Duration, outcome: &'static str) {
        ::metrics::counter!("keycard_waits_total", "token" => kind(key), "outcome" => outcome)
            .increment(1);
        ::metrics::histogram!("keycard_wait_seconds", "token" => kind(key), "outcome" => outcome)
            .record(waited.as_secs_f64());
    }
}

/// Without the feature `metrics`: nothing to count.
#[cfg(not(feature = "metrics"))]
mod metrics {
    use keycard_core::lifecycle::StoreAction;
    use std::time::Duration;

    pub(super) fn issued(_: &str, _: Option<Duration>) {}
    pub(super) fn restored(_: &str, _: Option<Duration>) {}
    pub(super) fn retry(_: &str) {}
    pub(super) fn failed(_: &str, _: &'static str) {}
    pub(super) fn clock_skew(_: &str, _: Duration) {}
    pub(super) fn store_failed(_: &str, _: StoreAction) {}
    pub(super) fn minting_alone(_: &str) {}
    pub(super) fn held_off(_: &str) {}
    pub(super) fn live_tokens(_: &str, _: u32) {}
    pub(super) fn waited(_: &str, _: Duration, _: &'static str) {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_full_has_no_user_info_query_or_fragment() {
        let uri: http::Uri = "https://user:CANARY@api.example:8443/v1/oauth/token?key=CANARY"
            .parse()
            .unwrap();
        assert_eq!(
            super::url_full(&uri),
            "https://api.example:8443/v1/oauth/token"
        );
    }
}
