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
pub struct BaseUrl {
    /// The normalized URL: `scheme://authority/prefix`, no trailing slash.
    url: String,
    /// Where the authority starts and ends in `url`; the path prefix is what follows it. Parsed
    /// once here so that checking a request against the base allocates nothing. (Functions of
    /// `url`: equality and hashing are still the URL's.)
    authority: std::ops::Range<usize>,
}

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
        // The authority as the trimmed URL parses (what a request's URI is compared with).
        let parsed: Uri = trimmed.parse().map_err(|_| invalid("not a valid URL"))?;
        let authority = parsed
            .authority()
            .ok_or(invalid("the URL has no host"))?
            .as_str();
        let start = trimmed
            .find("://")
            .map(|i| i + 3)
            .filter(|&i| trimmed[i..].starts_with(authority))
            .ok_or(invalid("not a valid URL"))?;
        Ok(Self {
            url: trimmed.to_owned(),
            authority: start..start + authority.len(),
        })
    }

    /// The normalized URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The scheme, `http` or `https` as written (any case), as bytes. (Byte slices: the bounds
    /// are ASCII positions found at parse time, so no character-boundary check is needed.)
    pub(crate) fn scheme(&self) -> &[u8] {
        &self.url.as_bytes()[..self.authority.start - 3]
    }

    /// The authority (host and port), as written, as bytes.
    pub(crate) fn authority(&self) -> &[u8] {
        &self.url.as_bytes()[self.authority.clone()]
    }

    /// The path prefix without a trailing slash, e.g. `/voucherify`, as bytes; empty for none.
    pub(crate) fn path_prefix(&self) -> &[u8] {
        &self.url.as_bytes()[self.authority.end..]
    }

    /// This base URL followed by `path_and_query`, which starts with `/` and is already encoded.
    pub(crate) fn join(&self, path_and_query: &str) -> Result<Uri, BuildError> {
        debug_assert!(path_and_query.starts_with('/'));
        let mut url = String::with_capacity(self.url.len() + path_and_query.len());
        url.push_str(&self.url);
        url.push_str(path_and_query);
        url.parse().map_err(|_| BuildError::InvalidBaseUrl {
            reason: "the URL built on this base is not valid",
        })
    }
}

impl std::fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.url).finish()
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
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
