//! Where an API lives: a validated `http`/`https` base URL, possibly with a path prefix.

use crate::error::BuildError;
use http::Uri;

/// A validated base URL: `http` or `https`, a host, an optional path prefix (a proxy's), no query
/// and no fragment. A trailing slash does not matter.
///
/// ```
/// use keycard_core::BaseUrl;
/// let base = BaseUrl::parse("https://proxy.example.com/voucherify/")?;
/// assert_eq!(base.as_str(), "https://proxy.example.com/voucherify");
/// # Ok::<(), keycard_core::BuildError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks and normalizes a base URL.
    pub fn parse(url: &str) -> Result<Self, BuildError> {
        let invalid = |reason: &'static str| BuildError::InvalidBaseUrl { reason };
        if url.contains(['?', '#']) {
            return Err(invalid("a base URL has no query or fragment"));
        }
        let uri: Uri = url.parse().map_err(|_| invalid("not a valid URL"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("the URL must be absolute (http:// or https://)")),
        }
        let Some(authority) = uri.authority() else {
            return Err(invalid("the URL has no host"));
        };
        if authority.host().is_empty() {
            return Err(invalid("the URL has no host"));
        }
        if authority.as_str().contains('@') {
            return Err(invalid("credentials do not belong in the base URL"));
        }
        let trimmed = url.trim_end_matches('/');
        Ok(Self(trimmed.to_owned()))
    }

    /// The normalized URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This base URL followed by `path_and_query`, which starts with `/` and is already encoded.
    pub(crate) fn join(&self, path_and_query: &str) -> Result<Uri, BuildError> {
        debug_assert!(path_and_query.starts_with('/'));
        let mut url = String::with_capacity(self.0.len() + path_and_query.len());
        url.push_str(&self.0);
        url.push_str(path_and_query);
        url.parse().map_err(|_| BuildError::InvalidBaseUrl {
            reason: "the URL built on this base is not valid",
        })
    }
}

impl std::fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.0).finish()
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters, so `/`, `?`,
/// `#` and `%` in an id can never change the path. An empty segment is refused.
pub(crate) fn path_segment(name: &'static str, value: &str) -> Result<String, BuildError> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    if value.is_empty() {
        return Err(BuildError::EmptyPathSegment { name });
    }
    // "." and ".." are unreserved but would be resolved away as dot-segments.
    if value == "." || value == ".." {
        return Ok(value.replace('.', "%2E"));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}
