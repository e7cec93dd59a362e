//! Keeps `voucherify::ENDPOINTS` in step with `core/data/voucherify-endpoint-scopes.tsv`.

use http::Method;
use keycard_core::voucherify::{endpoint, Scope, ENDPOINTS};

/// The in-repository copy of the vendor's table, compiled in: without it the test does not build.
const TSV: &str = include_str!("../data/voucherify-endpoint-scopes.tsv");

#[test]
fn the_table_equals_the_tsv() {
    let mut expected = Vec::new();
    for line in TSV.lines() {
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("method\t") {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "malformed line: {line:?}");
        let scopes: Vec<String> = fields[2].split_whitespace().map(str::to_owned).collect();
        expected.push((fields[0].to_owned(), fields[1].to_owned(), scopes));
    }
    let actual: Vec<(String, String, Vec<String>)> = ENDPOINTS
        .iter()
        .map(|e| {
            (
                e.method().as_str().to_owned(),
                e.path().to_owned(),
                e.scopes().iter().map(|s| s.as_str().to_owned()).collect(),
            )
        })
        .collect();
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(a, e, "row {i} differs");
    }
    assert_eq!(actual.len(), expected.len(), "the number of rows differs");
    assert!(!expected.is_empty(), "the TSV has no rows");
}

#[test]
fn every_endpoint_finds_itself() {
    for e in ENDPOINTS {
        let concrete = e
            .path()
            .split('/')
            .map(|s| if s.starts_with('{') { "x-1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let found = endpoint(e.method(), &concrete)
            .unwrap_or_else(|| panic!("{} {} not found", e.method(), e.path()));
        assert_eq!(found.method(), e.method());
        // A literal may win over a parameter, but the scopes are always the endpoint's own.
        assert_eq!(found.scopes(), e.scopes(), "{} {}", e.method(), e.path());
    }
}

#[test]
fn parameters_match_one_segment_and_literals_win() {
    let e = endpoint(&Method::GET, "/v1/vouchers/ABC-1").unwrap();
    assert_eq!(e.path(), "/v1/vouchers/{code}");
    assert_eq!(e.scopes(), &[Scope::Api, Scope::Vouchers]);
    assert!(endpoint(&Method::GET, "/v1/vouchers/ABC/extra/segments/here").is_none());
    assert!(
        endpoint(&Method::GET, "/v1/vouchers/ABC/").is_some(),
        "a trailing slash is ignored"
    );
    let q = endpoint(&Method::POST, "/v1/campaigns/qualification").unwrap();
    assert_eq!(q.path(), "/v1/campaigns/qualification");
    assert!(endpoint(&Method::PATCH, "/v1/vouchers/ABC").is_none());
    assert!(endpoint(&Method::POST, "/v1/oauth/token").is_none());
}
