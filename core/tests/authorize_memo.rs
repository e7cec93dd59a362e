//! `authorize_checked` keeps a per-thread memo of the endpoints it found; it must answer exactly
//! as the lookup does without one. Random sequences of calls, repeating a few requests with
//! small changes (case, prefix, trailing slash, query, percent-encoding, base, method), are
//! checked on one thread (its memo warm with everything before) and each again on a new thread
//! (an empty memo: the lookup itself); the results, the matched pattern included, must agree.

mod lifecycle_common;

use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceMachine};
use keycard_core::voucherify::{self, AuthorizeError, Credentials, Scopes, ENDPOINTS};
use keycard_core::{BaseUrl, SecretKey};
use lifecycle_common::{answer, expect_send, secs, Clock};
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::Arc;

/// A live Voucherify token with `scope` (the wire string), from an API at `base`.
fn live(base: &BaseUrl, scope: &str) -> Arc<LiveToken<Scopes>> {
    let api = voucherify::Api::new(
        base.clone(),
        Credentials::new("app", SecretKey::new("sk")).unwrap(),
    );
    let endpoint = api.generate_token(&Scopes::parse(scope)).unwrap();
    let clock = Clock::fixed();
    let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
    let id = expect_send(&mut machine, clock.at(secs(0)));
    let body = format!(
        r#"{{"access_token":"tok-XYZ","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"{scope}","token_type":"Bearer"}}"#
    );
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap();
    answer(&mut machine, &clock, id, response, secs(0));
    machine.current().unwrap().clone()
}

const BASES: [&str; 5] = [
    "https://api.voucherify.io",
    "https://API.Voucherify.io/",
    "http://api.voucherify.io",
    "https://proxy.example.com/voucherify",
    "https://proxy.example.com:8443/Voucherify/",
];

/// What goes before the path: nothing (a bare path), or a scheme and authority.
const ORIGINS: [&str; 7] = [
    "",
    "https://api.voucherify.io",
    "HTTPS://api.VOUCHERIFY.io",
    "http://api.voucherify.io",
    "https://proxy.example.com",
    "https://proxy.example.com:8443",
    "https://other.example",
];

const PREFIXES: [&str; 4] = ["", "/voucherify", "/Voucherify", "/voucherify/"];

/// Values for a `{param}`: ones that differ only at the start or the end (the memo tells paths
/// apart by their last bytes first), literals of other patterns, encoded bytes, and one so long
/// that the path is not memoized.
fn fills() -> Vec<String> {
    let mut fills: Vec<String> = [
        "SUMMER",
        "XSUMMER",
        "YSUMMER",
        "SUMMEr",
        "S",
        "members",
        "tiers",
        "%2F",
        "%76",
        "qualification",
        "A-SUMMER-2025",
        "B-SUMMER-2025",
    ]
    .map(str::to_owned)
    .to_vec();
    fills.push("L".repeat(100));
    fills
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "PURGE"];

/// One call: a base, a method and a URI built from an origin, a prefix and a table row's
/// pattern filled in.
#[derive(Debug, Clone)]
struct Call {
    base: usize,
    method: usize,
    origin: usize,
    prefix: usize,
    path: String,
}

fn call() -> impl Strategy<Value = Call> {
    (
        0..BASES.len(),
        0..METHODS.len(),
        0..ORIGINS.len(),
        0..PREFIXES.len(),
        0..ENDPOINTS.len(),
        any::<Index>(),
        any::<bool>(),
    )
        .prop_map(|(base, method, origin, prefix, row, fill, own_method)| {
            let e = &ENDPOINTS[row];
            let fill = fill.get(&fills()).clone();
            let path = e
                .path()
                .split('/')
                .map(|s| if s.starts_with('{') { fill.as_str() } else { s })
                .collect::<Vec<_>>()
                .join("/");
            // Mostly the row's own method, so that most calls find their endpoint.
            let method = if own_method {
                METHODS
                    .iter()
                    .position(|m| *m == e.method().as_str())
                    .unwrap()
            } else {
                method
            };
            Call {
                base,
                method,
                origin,
                prefix,
                path,
            }
        })
}

/// A small change to a call, or none: the memo must not answer for a call that differs.
fn tweak(mut call: Call, how: u8) -> Call {
    match how {
        1 => call.path.push('/'),
        2 => call.path = call.path.to_uppercase(),
        3 => call.path.push_str("?code=SUMMER"),
        4 => call.path = call.path.replacen('v', "%76", 1),
        5 => call.path = call.path.replacen("/v1", "/v1/", 1),
        6 => call.base = (call.base + 1) % BASES.len(),
        7 => call.method = (call.method + 1) % METHODS.len(),
        8 => call.prefix = (call.prefix + 1) % PREFIXES.len(),
        9 => call.path.truncate(call.path.len().saturating_sub(1)),
        10 => call.path = call.path.replacen("/v1", "/V1", 1),
        _ => {}
    }
    call
}

/// The result of `authorize_checked` for `call` with a token of each scope, on this thread, and
/// whether it set the header.
fn check(
    call: &Call,
    tokens: &[(BaseUrl, Vec<Arc<LiveToken<Scopes>>>)],
) -> Vec<(Result<(), AuthorizeError>, bool)> {
    let uri = format!(
        "{}{}{}",
        ORIGINS[call.origin], PREFIXES[call.prefix], call.path
    );
    let Ok(uri) = uri.parse::<http::Uri>() else {
        return Vec::new();
    };
    let (base, tokens) = &tokens[call.base];
    tokens
        .iter()
        .map(|token| {
            let mut request = http::Request::builder()
                .method(METHODS[call.method])
                .uri(uri.clone())
                .body(())
                .unwrap();
            let result = token.authorize_checked(&mut request, base);
            let authorized = request.headers().contains_key(http::header::AUTHORIZATION);
            (result, authorized)
        })
        .collect()
}

/// Every base with tokens of three kinds: one granted everything (`api`), one granted some
/// endpoints (`vouchers`), one granted none (an unknown scope), so that a refusal names the
/// pattern the lookup found.
fn tokens() -> Vec<(BaseUrl, Vec<Arc<LiveToken<Scopes>>>)> {
    BASES
        .iter()
        .map(|b| {
            let base = BaseUrl::parse(b).unwrap();
            let tokens = ["api", "vouchers", "brand-new"]
                .iter()
                .map(|s| live(&base, s))
                .collect();
            (base, tokens)
        })
        .collect()
}

/// [`check`] on a new thread, whose memo is empty: the lookup's own answer.
fn cold(
    call: &Call,
    tokens: &[(BaseUrl, Vec<Arc<LiveToken<Scopes>>>)],
) -> Vec<(Result<(), AuthorizeError>, bool)> {
    std::thread::scope(|s| s.spawn(|| check(call, tokens)).join().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_memo_answers_as_the_lookup_on_every_sequence(
        pool in prop::collection::vec(call(), 1..5),
        sequence in prop::collection::vec((any::<Index>(), 0u8..16), 1..24),
    ) {
        let tokens = tokens();
        for (pick, how) in sequence {
            let call = tweak(pick.get(&pool).clone(), how);
            let warm = check(&call, &tokens);
            // A new thread starts with an empty memo: its answer is the lookup's.
            let cold = cold(&call, &tokens);
            prop_assert_eq!(warm, cold, "{:?}", call);
        }
    }
}

/// The same call again and again is answered from the memo after the first (most calls are),
/// between calls that differ only in their first bytes, or in their method: every answer must
/// be the lookup's.
#[test]
fn a_repeated_call_keeps_its_answer() {
    let tokens = tokens();
    let calls: Vec<Call> = [
        (0, "/v1/campaigns/SUMMER"),
        (0, "/v1/customers/SUMMER"),
        (1, "/v1/customers/SUMMER"),
        (0, "/v1/vouchers/A-SUMMER-2025"),
        (0, "/v1/vouchers/B-SUMMER-2025"),
        (0, "/v1/loyalties/members/tiers"),
        (0, "/v1/oauth/token"),
        (1, "/v1/campaigns/qualification"),
    ]
    .iter()
    .map(|&(method, path)| Call {
        base: 0,
        method,
        origin: 1,
        prefix: 0,
        path: path.to_owned(),
    })
    .collect();
    let expected: Vec<_> = calls.iter().map(|c| cold(c, &tokens)).collect();
    for round in 0..calls.len() {
        for (i, c) in calls
            .iter()
            .enumerate()
            .cycle()
            .skip(round)
            .take(calls.len() * 3)
        {
            assert_eq!(check(c, &tokens), expected[i], "{c:?}");
            assert_eq!(check(c, &tokens), expected[i], "{c:?} again");
        }
    }
    // The refusals name what the lookup found, e.g. the literal pattern of an overlap.
    let overlap = &expected[5][2].0;
    assert!(
        matches!(overlap, Err(AuthorizeError::ScopeNotGranted { pattern, .. }) if *pattern == "/v1/loyalties/{campaignId}/tiers"),
        "{overlap:?}"
    );
}
