//! Answers that end minting: credentials the API rejects (a blocked, deleted or mistyped key; a
//! refused, expired or locked login) and a plan's exhausted billing-cycle quota. With explicit
//! time and fixture responses.

mod lifecycle_common;

use http::StatusCode;
use keycard_core::exact::{CreateUserToken, Environment, Permission, UserCredentials};
use keycard_core::lifecycle::{
    Event, FetchError, Io, Rejection, SourceError, SourceMachine, Step, TokenEndpoint,
};
use keycard_core::voucherify::{GenerateToken, RateLimit, RateLimitType};
use keycard_core::Password;
use lifecycle_common::*;

fn machine() -> SourceMachine<GenerateToken> {
    SourceMachine::new(generate(), exact_config())
}

fn rejection(error: &SourceError) -> Option<Rejection> {
    error.fetch_error().and_then(FetchError::rejection)
}

/// A poll by a new caller at `d` fails at once: no request.
fn fails_without_a_request<E: TokenEndpoint>(
    m: &mut SourceMachine<E>,
    clock: &Clock,
    d: u64,
) -> SourceError {
    let waiter = m.waiter(clock.at(secs(d)));
    match m.poll(clock.at(secs(d)), &waiter) {
        Step::Failed(error) => error,
        other => panic!("expected the error without a request, got {other:?}"),
    }
}

fn sent_key(request: &http::Request<Vec<u8>>) -> String {
    request.headers()["x-app-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_401_from_the_token_endpoint_stops_minting_until_the_endpoint_is_replaced() {
    let clock = Clock::fixed();
    let mut m = machine();
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(&mut m, &clock, id, error_response(401), secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert_eq!(rejection(&error), Some(Rejection::Invalid), "{error:?}");
    assert!(
        matches!(error.fetch_error(), Some(FetchError::CredentialsRejected { status, .. }) if *status == StatusCode::UNAUTHORIZED)
    );
    // No retry was scheduled, and later callers (an hour on) get the error without a request.
    assert!(!events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::RetryScheduled { .. })));
    for d in [1, 60, 3600] {
        let again = fails_without_a_request(&mut m, &clock, d);
        assert_eq!(rejection(&again), Some(Rejection::Invalid));
    }
    // New credentials: the next caller mints with them.
    m.replace_endpoint(generate_with(
        "sk-new-key",
        &[keycard_core::voucherify::Scope::Vouchers],
    ));
    let waiter = m.waiter(clock.at(secs(3601)));
    let Step::Io(Io::Send(id, request)) = m.poll(clock.at(secs(3601)), &waiter) else {
        panic!("expected a request with the new key")
    };
    assert_eq!(sent_key(&request), "sk-new-key");
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-new", 900, T0 + 4501),
        secs(3601),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(3602))), "tok-new");
}

#[test]
fn a_key_rejected_at_refresh_serves_the_live_token_to_its_end_then_fails_without_minting() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.refresh_margin = secs(120);
    let mut m = with_token(&clock, config);
    let id = expect_send(&mut m, clock.at(secs(780)));
    answer(&mut m, &clock, id, error_response(401), secs(780));
    let failed = events(&mut m).into_iter().find_map(|e| match e {
        Event::RefreshFailed {
            serving_for,
            next_attempt_after,
            ..
        } => Some((serving_for, next_attempt_after)),
        _ => None,
    });
    assert_eq!(
        failed,
        Some((secs(120), None)),
        "the event says the token is served to its end, with no new attempt"
    );
    // Served to its end with no further attempt; the refresher sleeps until it expires.
    for d in [781, 800, 899] {
        assert_eq!(expect_use(&mut m, clock.at(secs(d))), "tok-1");
    }
    match m.poll_refresh(clock.at(secs(781))) {
        Step::Wait(until) => assert_eq!(until, clock.at(secs(900))),
        other => panic!("expected the refresher to wait, got {other:?}"),
    }
    let error = fails_without_a_request(&mut m, &clock, 900);
    assert_eq!(rejection(&error), Some(Rejection::Invalid));
}

#[test]
fn an_invalidated_token_whose_key_is_rejected_gives_the_error_not_a_loop() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    // The API answered 401 to a call: the key was blocked, so the token stopped working.
    let used = m.current().unwrap().clone();
    assert!(m.invalidate(&used));
    let waiter = m.waiter(clock.at(secs(10)));
    let id = expect_send(&mut m, clock.at(secs(10)));
    answer(&mut m, &clock, id, error_response(401), secs(10));
    let error = expect_failed(&mut m, clock.at(secs(10)), &waiter);
    assert_eq!(rejection(&error), Some(Rejection::Invalid));
    for d in [11, 12, 500] {
        fails_without_a_request(&mut m, &clock, d);
    }
}

#[test]
fn replacing_the_endpoint_keeps_serving_the_live_token_and_refreshes_with_the_new_key() {
    let clock = Clock::fixed();
    let mut config = exact_config();
    config.refresh_margin = secs(120);
    let mut m = with_token(&clock, config);
    let old_key = m.store_key().clone();
    m.replace_endpoint(generate_with(
        "sk-regenerated",
        &[keycard_core::voucherify::Scope::Vouchers],
    ));
    assert_ne!(
        m.store_key(),
        &old_key,
        "tokens are stored under the new key from now on"
    );
    for d in [1, 400, 779] {
        assert_eq!(expect_use(&mut m, clock.at(secs(d))), "tok-1");
    }
    let waiter = m.waiter(clock.at(secs(780)));
    let Step::Io(Io::Send(_, request)) = m.poll(clock.at(secs(780)), &waiter) else {
        panic!("expected the refresh")
    };
    assert_eq!(sent_key(&request), "sk-regenerated");
}

#[test]
fn a_request_of_the_old_endpoint_still_out_is_ignored_after_a_replacement() {
    let clock = Clock::fixed();
    let mut m = machine();
    let old = expect_send(&mut m, clock.at(secs(0)));
    m.replace_endpoint(generate_with(
        "sk-new-key",
        &[keycard_core::voucherify::Scope::Vouchers],
    ));
    // The old key's 401 arrives late: it rejects nothing.
    assert!(answer(&mut m, &clock, old, error_response(401), secs(1)).is_none());
    let id = expect_send(&mut m, clock.at(secs(1)));
    answer(
        &mut m,
        &clock,
        id,
        token_response("tok-2", 900, T0 + 901),
        secs(1),
    );
    assert_eq!(expect_use(&mut m, clock.at(secs(2))), "tok-2");
}

fn rate_limited(limit_type: &str) -> http::Response<Vec<u8>> {
    error_response_with(
        429,
        &[
            ("x-rate-limit-type", limit_type.to_owned()),
            ("retry-after", "1".to_owned()),
        ],
    )
}

#[test]
fn a_429_for_the_billing_cycle_quota_is_not_retried() {
    let clock = Clock::fixed();
    let mut m = machine();
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(&mut m, &clock, id, rate_limited("api_calls_cycle"), secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert!(
        matches!(error.fetch_error(), Some(FetchError::QuotaExhausted { status, .. }) if *status == StatusCode::TOO_MANY_REQUESTS),
        "{error:?}"
    );
    assert!(error
        .fetch_error()
        .unwrap()
        .to_string()
        .contains("billing cycle"));
    assert!(!events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::RetryScheduled { .. })));
}

#[test]
fn a_429_for_the_calls_per_window_is_retried() {
    let clock = Clock::fixed();
    let mut m = machine();
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(&mut m, &clock, id, rate_limited("api_calls"), secs(0));
    assert!(events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::RetryScheduled { .. })));
}

#[test]
fn x_rate_limit_type_is_typed_and_other_types_are_kept() {
    for (wire, typed) in [
        ("api_calls", RateLimitType::ApiCalls),
        ("bulk_api_calls", RateLimitType::BulkApiCalls),
        ("api_calls_cycle", RateLimitType::ApiCallsCycle),
        ("webhook_calls", RateLimitType::WebhookCalls),
        ("projects", RateLimitType::Other("projects".into())),
    ] {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-rate-limit-type", wire.parse().unwrap());
        let limit = RateLimit::from_headers(&headers);
        assert_eq!(limit.limit_type.as_ref(), Some(&typed));
        assert_eq!(typed.as_str(), wire);
        assert_eq!(limit.is_cycle_exhausted(), wire == "api_calls_cycle");
    }
    assert_eq!(
        RateLimit::from_headers(&http::HeaderMap::new()).limit_type,
        None
    );
}

fn login() -> CreateUserToken {
    CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("jon@example.com", Password::new("pa55-w0rd")),
    )
    .unwrap()
}

fn text(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn a_refused_login_is_never_retried_and_says_what_the_user_must_do() {
    for (status, body, expected, advice) in [
        (401, "Unauthorized", Rejection::Invalid, "replace them"),
        (
            403,
            "Forbidden",
            Rejection::PasswordExpired,
            "set a new one",
        ),
        (423, "Locked", Rejection::Locked, "ask a manager to unlock"),
    ] {
        let clock = Clock::fixed();
        let mut m = SourceMachine::new(login(), exact_config());
        let waiter = m.waiter(clock.at(secs(0)));
        let id = expect_send(&mut m, clock.at(secs(0)));
        answer(&mut m, &clock, id, text(status, body), secs(0));
        let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
        assert_eq!(rejection(&error), Some(expected), "{status}: {error:?}");
        let shown = error.fetch_error().unwrap().to_string();
        assert!(shown.contains(advice), "{status}: {shown}");
        assert!(!shown.contains("pa55-w0rd"));
        // No second login attempt: it would count towards a lockout.
        for d in [1, 7200] {
            fails_without_a_request(&mut m, &clock, d);
        }
    }
}

#[test]
fn a_login_refused_with_an_undocumented_body_is_still_a_refusal() {
    let clock = Clock::fixed();
    let mut m = SourceMachine::new(login(), exact_config());
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(&mut m, &clock, id, error_response(423), secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert_eq!(rejection(&error), Some(Rejection::Locked));
}

#[test]
fn a_login_503_is_retried_and_a_201_gives_a_user_token_with_its_permissions() {
    let clock = Clock::fixed();
    let mut m = SourceMachine::new(login(), exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(
        &mut m,
        &clock,
        id,
        text(503, "Service Unavailable"),
        secs(0),
    );
    assert!(events(&mut m)
        .iter()
        .any(|e| matches!(e, Event::RetryScheduled { .. })));
    let id = expect_send(&mut m, clock.at(secs(5)));
    // expiresAt two hours after the server's Date.
    let body = br#"{"token":"user-tok-1","type":"user","allowedPermissions":["charges.read","orders.unknown"],"expiresAt":"2025-02-07T18:03:06.000Z"}"#;
    let response = http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("date", "Fri, 07 Feb 2025 16:03:06 GMT")
        .body(body.to_vec())
        .unwrap();
    answer(&mut m, &clock, id, response, secs(5));
    let token = expect_ready(&mut m, clock.at(secs(6)));
    assert_eq!(secret(&token), "user-tok-1");
    assert!(token.grant().grants(Permission::ChargesRead));
    assert_eq!(token.expires_at(), clock.at(secs(5 + 7200)));
    let mut call = http::Request::get("https://api.exactpaysandbox.com/account/a/orders")
        .body(())
        .unwrap();
    token.authorize(&mut call);
    assert_eq!(
        call.headers()["authorization"],
        "user-tok-1",
        "as is, no Bearer"
    );
}

#[test]
fn a_refusal_that_echoes_the_password_never_shows_it() {
    let clock = Clock::fixed();
    let mut m = SourceMachine::new(login(), exact_config());
    let waiter = m.waiter(clock.at(secs(0)));
    let id = expect_send(&mut m, clock.at(secs(0)));
    answer(&mut m, &clock, id, text(423, "Locked: pa55-w0rd"), secs(0));
    let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
    assert_eq!(rejection(&error), Some(Rejection::Locked));
    let fetch = error.fetch_error().unwrap();
    for shown in [
        format!("{fetch}"),
        format!("{fetch:?}"),
        format!("{error:?}"),
    ] {
        assert!(!shown.contains("pa55-w0rd"), "{shown}");
        assert!(shown.contains(keycard_core::REDACTED), "{shown}");
    }
    for event in events(&mut m) {
        assert!(!format!("{event:?}").contains("pa55-w0rd"));
    }
}

#[test]
fn an_unknown_rate_limit_type_that_echoes_the_key_is_scrubbed() {
    use keycard_core::voucherify::Error;
    use keycard_core::{Operation, Parsed};
    let response = error_response_with(429, &[("x-rate-limit-type", "sk-very-secret".to_owned())]);
    let outcome = generate().parse(response).unwrap();
    let Parsed::Error(Error { rate_limit, .. }) = outcome.parsed() else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        rate_limit.limit_type,
        Some(RateLimitType::Other(keycard_core::REDACTED.to_owned()))
    );
    assert!(!format!("{outcome:?}").contains("sk-very-secret"));
}
