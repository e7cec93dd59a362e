//! `voucherify::endpoint` (an index built at compile time) answers exactly as the linear scan it
//! replaced: every pattern of every table row, instantiated, and random paths.

use http::Method;
use keycard_core::voucherify::{endpoint, Endpoint, ENDPOINTS};
use proptest::prelude::*;

/// The lookup as it was: every row, filtered by method and path, the one with the most literal
/// segments (`max_by_key`: the last of equals).
fn linear(method: &Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .filter(|e| e.method() == method && e.matches_path(path))
        .max_by_key(|e| {
            e.path()
                .trim_start_matches('/')
                .trim_end_matches('/')
                .split('/')
                .filter(|s| !(s.len() > 2 && s.starts_with('{') && s.ends_with('}')))
                .count()
        })
}

fn same(method: &Method, path: &str) {
    let (fast, slow) = (endpoint(method, path), linear(method, path));
    assert!(
        fast.map(|e| e as *const Endpoint) == slow.map(|e| e as *const Endpoint),
        "{method} {path:?}: index {:?}, linear scan {:?}",
        fast.map(Endpoint::path),
        slow.map(Endpoint::path)
    );
}

fn methods() -> Vec<Method> {
    let mut methods = vec![
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::HEAD,
        Method::OPTIONS,
    ];
    methods.push(Method::from_bytes(b"PURGE").unwrap());
    methods
}

/// The pattern with each `{param}` replaced by `fill` (which may itself be a literal of another
/// pattern, to provoke overlaps), plus variants with slashes and cut or added segments.
fn instances(pattern: &str, fill: &str) -> Vec<String> {
    let filled: Vec<&str> = pattern
        .split('/')
        .map(|s| {
            if s.len() > 2 && s.starts_with('{') && s.ends_with('}') {
                fill
            } else {
                s
            }
        })
        .collect();
    let path = filled.join("/");
    let parent = path.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
    vec![
        path.clone(),
        format!("{path}/"),
        format!("{path}//"),
        format!("/{path}"),
        path.trim_start_matches('/').to_owned(),
        format!("{path}/extra"),
        format!("{path}/{fill}"),
        path.replacen('/', "//", 2),
        parent,
        path.to_uppercase(),
    ]
}

#[test]
fn every_row_instantiated_answers_as_the_linear_scan() {
    let segments = |p: &'static str| -> Vec<&'static str> {
        p.trim_start_matches('/')
            .trim_end_matches('/')
            .split('/')
            .collect()
    };
    let mut checked = 0;
    for e in ENDPOINTS {
        // As a parameter's value, any literal that another pattern of about as many segments
        // has at the same place: that is where patterns overlap.
        let own = segments(e.path());
        let mut fills: Vec<&str> = vec!["SUMMER-2025", "", "x", "{code}", "%2F"];
        for other in ENDPOINTS {
            let theirs = segments(other.path());
            if theirs.len().abs_diff(own.len()) <= 1 {
                for s in theirs.into_iter().take(own.len()) {
                    if !fills.contains(&s) {
                        fills.push(s);
                    }
                }
            }
        }
        for fill in &fills {
            for path in instances(e.path(), fill) {
                same(e.method(), &path);
                checked += 1;
            }
        }
        for method in methods() {
            same(&method, e.path());
            same(&method, &e.path().replace(['{', '}'], ""));
        }
    }
    assert!(checked > 20_000, "{checked}");
}

#[test]
fn equal_patterns_resolve_as_before() {
    // Overlapping patterns with as many literal segments: the later row wins, as it did.
    for path in [
        "/v1/loyalties/members/tiers",
        "/v1/loyalties/members/members",
        "/v1/promotions/tiers/tiers",
        "/v1/promotions/tiers/stacks",
        "/v1/exports/EXP-1",
        "/v1/campaigns/qualification",
    ] {
        same(&Method::GET, path);
        same(&Method::POST, path);
        assert!(endpoint(&Method::GET, path).is_some(), "{path}");
    }
    assert_eq!(
        endpoint(&Method::GET, "/v1/loyalties/members/tiers")
            .unwrap()
            .path(),
        "/v1/loyalties/{campaignId}/tiers"
    );
}

#[test]
fn a_literal_with_any_one_byte_changed_answers_as_the_linear_scan() {
    // Whatever way the index compares a segment with a literal, a change anywhere (in the middle
    // of a long literal too) must be seen.
    for e in ENDPOINTS {
        let segments: Vec<&str> = e.path().split('/').collect();
        for (i, literal) in segments.iter().enumerate() {
            if literal.starts_with('{') {
                continue;
            }
            for at in 0..literal.len() {
                for replacement in [b'x', b'-', b'A'] {
                    let mut changed = literal.as_bytes().to_vec();
                    changed[at] = replacement;
                    let mut path = segments.clone();
                    let changed = String::from_utf8(changed).unwrap();
                    path[i] = &changed;
                    same(e.method(), &path.join("/"));
                }
            }
        }
    }
}

/// Segments drawn mostly from the table's own literals, so random paths hit real prefixes.
fn segment() -> impl Strategy<Value = String> {
    let literals: Vec<String> = ENDPOINTS
        .iter()
        .flat_map(|e| e.path().split('/'))
        .map(str::to_owned)
        .collect();
    prop_oneof![
        4 => proptest::sample::select(literals),
        1 => "[a-zA-Z0-9_{}%.-]{0,6}",
    ]
}

fn method() -> impl Strategy<Value = Method> {
    proptest::sample::select(methods())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn random_paths_answer_as_the_linear_scan(
        method in method(),
        lead in "/{0,2}",
        segments in proptest::collection::vec(segment(), 0..9),
        trail in "/{0,2}",
    ) {
        let path = format!("{lead}{}{trail}", segments.join("/"));
        same(&method, &path);
    }

    #[test]
    fn arbitrary_strings_answer_as_the_linear_scan(method in method(), path in "\\PC{0,40}") {
        same(&method, &path);
    }
}
