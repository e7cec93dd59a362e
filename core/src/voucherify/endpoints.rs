//! Which Voucherify endpoints accept an OAuth bearer token, and with which scopes.
//!
//! The table is generated at build time (`core/build.rs`) from
//! `core/data/voucherify-endpoint-scopes.tsv`, the vendor's table copied into the repository: that
//! file is its only source. The test `core/tests/endpoint_scopes.rs` checks the two agree.
//!
//! ```
//! use keycard_core::voucherify::{endpoint, Scope};
//! use http::Method;
//!
//! let found = endpoint(&Method::GET, "/v1/vouchers/SUMMER-2025").unwrap();
//! assert_eq!(found.path(), "/v1/vouchers/{code}");
//! assert_eq!(found.scopes(), &[Scope::Api, Scope::Vouchers]);
//! assert!(endpoint(&Method::GET, "/v1/oauth/token").is_none());
//! ```

use super::Scope;
use http::Method;

/// One endpoint that accepts an OAuth bearer token: its method, path pattern and the scopes it
/// accepts (any one suffices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    method: Method,
    path: &'static str,
    scopes: &'static [Scope],
}

impl Endpoint {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path pattern, e.g. `/v1/vouchers/{code}`; `{…}` stands for one path segment.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The scopes the endpoint accepts; a token holding any one of them may call it.
    pub fn scopes(&self) -> &'static [Scope] {
        self.scopes
    }

    /// Whether `path` (no query, no base URL prefix) matches this endpoint's pattern. A
    /// trailing slash is ignored; a `{param}` matches any one non-empty segment.
    pub fn matches_path(&self, path: &str) -> bool {
        let mut pattern = segments(self.path);
        let mut actual = segments(path);
        loop {
            match (pattern.next(), actual.next()) {
                (None, None) => return true,
                (Some(p), Some(a)) if is_param(p) && !a.is_empty() => {}
                (Some(p), Some(a)) if p == a => {}
                _ => return false,
            }
        }
    }

    /// How many segments of the pattern are literal (used to prefer `/campaigns/qualification`
    /// over `/campaigns/{campaignId}`).
    fn literal_segments(&self) -> usize {
        segments(self.path).filter(|s| !is_param(s)).count()
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// The endpoint that `method` and `path` (no query, no base URL prefix) call, if it is one that
/// accepts an OAuth token. A literal segment wins over a `{param}` when both match.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .filter(|e| e.method == *method && e.matches_path(path))
        .max_by_key(|e| e.literal_segments())
}

const fn row(method: Method, path: &'static str, scopes: &'static [Scope]) -> Endpoint {
    Endpoint {
        method,
        path,
        scopes,
    }
}

/// Every Voucherify endpoint that accepts an OAuth bearer token, in the order of
/// `voucherify-endpoint-scopes.tsv`.
pub static ENDPOINTS: &[Endpoint] = include!(concat!(env!("OUT_DIR"), "/voucherify_endpoints.rs"));
