//! The limits of the crate docs' Limits section, each at its edge, through the public API: a
//! value at the limit is read, one past it is the documented error or clamp.

mod lifecycle_common;

use keycard_core::exact::{
    Api as ExactApi, CreateUserToken, Environment, Permission, Permissions, UserCredentials,
};
use keycard_core::lifecycle::{
    DecodeError, Event, FetchError, RestoreError, SourceMachine, Step, StoredToken,
};
use keycard_core::limits::{
    MAX_JSON_DEPTH, MAX_SCOPES_LEN, MAX_SERVER_WAIT, MAX_STORED_TOKEN_LEN, MAX_TOKEN_LEN,
    MAX_UNIX_SECONDS,
};
use keycard_core::voucherify::RateLimit;
use keycard_core::{ApiKey, FieldProblem, Operation, ParseErrorKind, Password};
use lifecycle_common::*;
use std::time::{Duration, UNIX_EPOCH};

const JSON: &str = "application/json";

fn response(
    status: u16,
    content_type: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", content_type);
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(body.to_vec()).unwrap()
}

/// A Voucherify token body with `token` and `scope` as given.
fn voucherify_token(token: &str, scope: &str) -> Vec<u8> {
    format!(
        r#"{{"access_token":"{token}","client_id":"c","expires_at":{T0},"expires_in":900,"scope":"{scope}","token_type":"Bearer"}}"#
    )
    .into_bytes()
}

fn too_long(field: &'static str, limit: usize) -> ParseErrorKind {
    ParseErrorKind::InvalidField {
        field,
        problem: FieldProblem::TooLong { limit },
    }
}

fn exact_api() -> ExactApi {
    ExactApi::new(Environment::Sandbox.base_url(), ApiKey::new("api-key")).unwrap()
}

// ---- responses --------------------------------------------------------------------------------

#[test]
fn a_token_of_the_limit_is_read_and_one_byte_more_is_too_long() {
    let at_limit = "t".repeat(MAX_TOKEN_LEN);
    let over = "t".repeat(MAX_TOKEN_LEN + 1);

    let generate = generate();
    let token = generate
        .parse(response(
            200,
            JSON,
            &[],
            &voucherify_token(&at_limit, "vouchers"),
        ))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(token.access_token.expose_secret().len(), MAX_TOKEN_LEN);
    let error = generate
        .parse(response(
            200,
            JSON,
            &[],
            &voucherify_token(&over, "vouchers"),
        ))
        .unwrap_err();
    assert_eq!(error.kind, too_long("access_token", MAX_TOKEN_LEN));

    let order = |token: &str| {
        let body = format!(
            r#"{{"accessToken":{{"token":"{token}","expiresAt":"2024-05-01T12:34:56Z"}}}}"#
        );
        order("ord_1").parse(response(201, JSON, &[], body.as_bytes()))
    };
    assert!(order(&at_limit).unwrap().success().is_some());
    assert_eq!(
        order(&over).unwrap_err().kind,
        too_long("accessToken.token", MAX_TOKEN_LEN)
    );

    let login = CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("a@example.com", Password::new("pw")),
    )
    .unwrap();
    let body = format!(r#"{{"token":"{over}"}}"#);
    assert_eq!(
        login
            .parse(response(201, JSON, &[], body.as_bytes()))
            .unwrap_err()
            .kind,
        too_long("token", MAX_TOKEN_LEN)
    );
}

#[test]
fn a_scope_string_of_the_limit_is_read_and_one_byte_more_is_too_long() {
    // Unknown values, each with a separator: the set keeps them all.
    let scope = |len: usize| {
        let mut scope = "vouchers ".repeat(len / 9);
        scope.push_str(&"x".repeat(len - scope.len()));
        scope
    };
    let generate = generate();
    let token = generate
        .parse(response(
            200,
            JSON,
            &[],
            &voucherify_token("t", &scope(MAX_SCOPES_LEN)),
        ))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(token.scope.len(), 2);
    let error = generate
        .parse(response(
            200,
            JSON,
            &[],
            &voucherify_token("t", &scope(MAX_SCOPES_LEN + 1)),
        ))
        .unwrap_err();
    assert_eq!(error.kind, too_long("scope", MAX_SCOPES_LEN));
}

#[test]
fn a_permission_list_of_the_limit_is_read_and_one_byte_more_is_refused() {
    let create = exact_api()
        .create_application_token(
            "app",
            "label",
            &Permissions::from([Permission::ChargesCreate]),
            None,
        )
        .unwrap();
    // Items of 1 KiB (all but the last), counted together.
    let list = |len: usize| {
        let item = "p".repeat(1024);
        let mut items = vec![format!("\"{item}\""); len / 1024];
        items.push(format!("\"{}\"", "q".repeat(len % 1024)));
        format!(
            r#"{{"id":"i","token":"t","allowedPermissions":[{}]}}"#,
            items.join(",")
        )
    };
    let token = create
        .parse(response(201, JSON, &[], list(MAX_SCOPES_LEN).as_bytes()))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(token.allowed_permissions.len(), 1);
    let error = create
        .parse(response(
            201,
            JSON,
            &[],
            list(MAX_SCOPES_LEN + 1).as_bytes(),
        ))
        .unwrap_err();
    let ParseErrorKind::Json { path, message, .. } = &error.kind else {
        panic!("{error:?}")
    };
    assert_eq!(path, "allowedPermissions");
    assert!(
        message.contains(&format!("more than {MAX_SCOPES_LEN} bytes")),
        "{message}"
    );
}

#[test]
fn json_nested_past_the_depth_limit_is_a_json_error() {
    // A validation issue's `path` items are read whatever they are: four levels around them
    // (the body, `issues`, the issue, `path`), then the item's own.
    let login = CreateUserToken::new(
        &Environment::Sandbox.base_url(),
        &UserCredentials::new("a@example.com", Password::new("pw")),
    )
    .unwrap();
    let body = |levels: usize| {
        let inner = levels - 4;
        format!(
            r#"{{"issues":[{{"path":[{}{}]}}]}}"#,
            "[".repeat(inner),
            "]".repeat(inner)
        )
    };
    let outcome = login
        .parse(response(400, JSON, &[], body(MAX_JSON_DEPTH).as_bytes()))
        .unwrap();
    assert!(outcome.error().is_some(), "{outcome:?}");
    let error = login
        .parse(response(
            400,
            JSON,
            &[],
            body(MAX_JSON_DEPTH + 1).as_bytes(),
        ))
        .unwrap_err();
    let ParseErrorKind::Json { message, .. } = &error.kind else {
        panic!("{error:?}")
    };
    assert_eq!(message, "recursion limit exceeded");
}

#[test]
fn expires_in_and_expires_at_stop_at_the_end_of_year_9999() {
    let body = |expires_at: u64, expires_in: u64| {
        format!(
            r#"{{"access_token":"t","client_id":"c","expires_at":{expires_at},"expires_in":{expires_in},"scope":"vouchers","token_type":"Bearer"}}"#
        )
    };
    let generate = generate();
    let parse = |b: String| generate.parse(response(200, JSON, &[], b.as_bytes()));
    let token = parse(body(MAX_UNIX_SECONDS, MAX_UNIX_SECONDS))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(token.expires_in, Duration::from_secs(MAX_UNIX_SECONDS));
    for (b, field) in [
        (body(MAX_UNIX_SECONDS + 1, 900), "expires_at"),
        (body(T0, MAX_UNIX_SECONDS + 1), "expires_in"),
    ] {
        assert_eq!(
            parse(b).unwrap_err().kind,
            ParseErrorKind::InvalidField {
                field,
                problem: FieldProblem::OutOfRange
            }
        );
    }
}

#[test]
fn x_rate_limit_retry_past_year_9999_is_ignored() {
    let headers = |secs: u64| {
        let mut map = http::HeaderMap::new();
        map.insert("x-rate-limit-retry", secs.to_string().parse().unwrap());
        map
    };
    assert_eq!(
        RateLimit::from_headers(&headers(MAX_UNIX_SECONDS)).retry_at,
        Some(UNIX_EPOCH + Duration::from_secs(MAX_UNIX_SECONDS))
    );
    assert_eq!(
        RateLimit::from_headers(&headers(MAX_UNIX_SECONDS + 1)).retry_at,
        None
    );
}

#[test]
fn an_api_errors_display_cuts_a_long_content_type() {
    let content_type = format!("text/html; note={}", "n".repeat(100_000));
    let error = generate()
        .parse(response(500, &content_type, &[], b"<html>"))
        .unwrap()
        .into_result()
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.len() < 1_000, "{} bytes", shown.len());
    assert!(
        shown.starts_with("HTTP 500 Internal Server Error with content type \"text/html; note=nnn"),
        "{shown}"
    );
    assert!(shown.contains("… (100016 chars)"), "{shown}");
    // The header itself is kept whole.
    assert_eq!(error.raw.content_type(), Some(content_type.as_str()));
}

// ---- token sources ----------------------------------------------------------------------------

/// Ten years, in seconds: far past any wait a source honours.
const DECADE: u64 = 10 * 365 * 86_400;

#[test]
fn a_server_wait_of_years_is_honoured_for_max_server_wait_at_most() {
    for header in ["retry-after", "x-rate-limit-retry"] {
        let clock = Clock::fixed();
        let mut m = SourceMachine::new(generate(), exact_config());
        let waiter = m.waiter(clock.at(secs(0)));
        let id = expect_send(&mut m, clock.at(secs(0)));
        let value = match header {
            "retry-after" => DECADE,
            _ => T0 + DECADE,
        };
        let rate_limited = error_response_with(429, &[(header, value.to_string())]);
        answer(&mut m, &clock, id, rate_limited, secs(0));
        let error = expect_failed(&mut m, clock.at(secs(0)), &waiter);
        assert!(
            matches!(error.fetch_error(), Some(FetchError::RetryTooFar { wait, .. }) if *wait == secs(DECADE)),
            "{header}: {error:?}"
        );
        // Nothing is sent before the wait is over, up to MAX_SERVER_WAIT: a call told to wait
        // longer than it may is refused, a call that may wait waits...
        assert!(
            matches!(poll(&mut m, clock.at(secs(60))), Step::Failed(_)),
            "{header}"
        );
        let before = MAX_SERVER_WAIT - secs(1);
        assert_eq!(
            expect_wait(&mut m, clock.at(before)),
            clock.at(MAX_SERVER_WAIT),
            "{header}"
        );
        // ... and no later.
        expect_send(&mut m, clock.at(MAX_SERVER_WAIT));
    }
}

#[test]
fn a_refresh_refused_for_years_is_tried_again_after_max_server_wait() {
    let clock = Clock::fixed();
    let mut m = with_token(&clock, exact_config());
    events(&mut m);
    // Due for refresh 120 s before its expiry at 900 s.
    let due = secs(780);
    let id = expect_send(&mut m, clock.at(due));
    let rate_limited = error_response_with(429, &[("retry-after", DECADE.to_string())]);
    answer(&mut m, &clock, id, rate_limited, due);
    let next = events(&mut m).into_iter().find_map(|e| match e {
        Event::RefreshFailed {
            next_attempt_after, ..
        } => next_attempt_after,
        _ => None,
    });
    assert_eq!(next, Some(MAX_SERVER_WAIT));
    expect_send(&mut m, clock.at(due + MAX_SERVER_WAIT));
}

// ---- stored tokens ----------------------------------------------------------------------------

/// A machine's live token (`tok-1`, 900 s) as `from_json` reads it, as a JSON value to edit.
fn stored_json(
    clock: &Clock,
) -> (
    SourceMachine<keycard_core::voucherify::GenerateToken>,
    serde_json::Value,
) {
    let m = with_token(clock, exact_config());
    let bytes = m.current().unwrap().to_stored().to_json(m.store_key());
    (m, serde_json::from_slice(&bytes).unwrap())
}

fn from_json(
    m: &SourceMachine<keycard_core::voucherify::GenerateToken>,
    json: &serde_json::Value,
) -> Result<StoredToken, DecodeError> {
    StoredToken::from_json(m.store_key(), json.to_string().as_bytes())
}

#[test]
fn stored_bytes_past_the_limit_are_not_read() {
    let clock = Clock::fixed();
    let (m, json) = stored_json(&clock);
    let text = json.to_string();
    // Whitespace after the JSON is JSON: only the length differs.
    let padded = |len: usize| format!("{text}{}", " ".repeat(len - text.len()));
    assert!(StoredToken::from_json(m.store_key(), padded(MAX_STORED_TOKEN_LEN).as_bytes()).is_ok());
    assert_eq!(
        StoredToken::from_json(m.store_key(), padded(MAX_STORED_TOKEN_LEN + 1).as_bytes()),
        Err(DecodeError::TooLarge {
            limit: MAX_STORED_TOKEN_LEN
        })
    );
}

#[test]
fn stored_times_past_year_9999_are_malformed() {
    let clock = Clock::fixed();
    let (m, mut json) = stored_json(&clock);
    let last_ms = MAX_UNIX_SECONDS * 1000 + 999;
    for field in ["obtained_at", "expires_at", "server_expires_at"] {
        json["token"][field] = last_ms.into();
        assert!(from_json(&m, &json).is_ok(), "{field}");
        json["token"][field] = (last_ms + 1).into();
        let error = from_json(&m, &json).unwrap_err();
        assert!(
            matches!(&error, DecodeError::Malformed { reason } if reason.contains("time out of range")),
            "{field}: {error:?}"
        );
        json["token"][field] = 1_000.into();
    }
}

#[test]
fn a_token_that_lives_past_year_9999_is_stored_as_ending_then() {
    let clock = Clock::fixed();
    let mut m = SourceMachine::new(generate(), exact_config());
    let id = expect_send(&mut m, clock.at(secs(0)));
    let token = token_response("tok-1", MAX_UNIX_SECONDS, MAX_UNIX_SECONDS);
    answer(&mut m, &clock, id, token, secs(0));
    let stored = m.current().expect("a token").to_stored();
    assert_eq!(
        stored.expires_at(),
        UNIX_EPOCH + Duration::from_millis(MAX_UNIX_SECONDS * 1000 + 999)
    );
    let bytes = stored.to_json(m.store_key());
    assert_eq!(StoredToken::from_json(m.store_key(), &bytes), Ok(stored));
}

#[test]
fn a_stored_token_past_the_limit_is_unsendable() {
    let clock = Clock::fixed();
    let (m, mut json) = stored_json(&clock);
    json["token"]["access_token"] = "t".repeat(MAX_TOKEN_LEN).into();
    assert!(from_json(&m, &json).is_ok());
    json["token"]["access_token"] = "t".repeat(MAX_TOKEN_LEN + 1).into();
    assert_eq!(
        from_json(&m, &json),
        Err(DecodeError::Restore(RestoreError::UnsendableToken))
    );
}

#[test]
fn a_stored_grant_is_read_to_the_depth_and_scope_limits() {
    let clock = Clock::fixed();
    let (m, mut json) = stored_json(&clock);
    // Two levels around the grant: the envelope and the token.
    let nested = |levels: usize| -> serde_json::Value {
        let text = format!("{}{}", "[".repeat(levels - 2), "]".repeat(levels - 2));
        serde_json::from_str(&text).unwrap()
    };
    json["token"]["grant"] = nested(MAX_JSON_DEPTH);
    assert!(from_json(&m, &json).is_ok());
    json["token"]["grant"] = nested(MAX_JSON_DEPTH + 1);
    let error = from_json(&m, &json).unwrap_err();
    assert!(
        matches!(&error, DecodeError::Malformed { reason } if reason.contains("recursion limit")),
        "{error:?}"
    );

    // A grant of scopes past the limit (from a store that deserializes tokens itself: bytes
    // are bounded tighter) is not one this endpoint gives: the source mints.
    let offer = |grant: String| {
        let mut token = json["token"].clone();
        token["grant"] = grant.into();
        let stored: StoredToken = serde_json::from_value(token).unwrap();
        let mut fresh = SourceMachine::new(generate(), exact_config());
        fresh.set_store(true);
        let Step::Io(io) = poll(&mut fresh, clock.at(secs(0))) else {
            panic!("a source with a store loads first")
        };
        fresh.complete(
            io.id(),
            keycard_core::lifecycle::IoResult::Loaded(Ok(Some(stored))),
            clock.at(secs(0)),
            clock.wall(secs(0)),
        );
        (fresh.current().is_some(), events(&mut fresh))
    };
    let (restored, _) = offer("x".repeat(MAX_SCOPES_LEN));
    assert!(restored);
    let (restored, events) = offer("x".repeat(MAX_SCOPES_LEN + 1));
    assert!(!restored);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::StoredTokenRejected {
            error: RestoreError::OtherGrant
        }
    )));
}
