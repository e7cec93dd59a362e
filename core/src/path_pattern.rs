//! Matching a request path against a spec's path pattern (`/v1/vouchers/{code}`): shared by
//! Voucherify's endpoint table and Exact Payments' permission table.

/// Whether `path` (no query, no base URL prefix) matches `pattern`: a `{param}` segment
/// matches any one non-empty segment, any other segment only itself; a leading or trailing
/// slash is ignored.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    let mut pattern = segments(pattern);
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

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn a_param_matches_one_non_empty_segment_and_literals_only_themselves() {
        assert!(matches("/v1/vouchers/{code}", "/v1/vouchers/ABC"));
        assert!(matches("/v1/vouchers/{code}", "v1/vouchers/ABC/"));
        assert!(!matches("/v1/vouchers/{code}", "/v1/vouchers/"));
        assert!(!matches("/v1/vouchers/{code}", "/v1/vouchers//"));
        assert!(!matches("/v1/vouchers/{code}", "/v1/vouchers/ABC/x"));
        assert!(!matches("/v1/vouchers/{code}", "/v1/campaigns/ABC"));
        assert!(!matches("/v1/{}", "/v1/x"));
    }
}
