//! Checking that a Voucherify token's scopes allow a call before sending it, instead of paying
//! for a 403.

use crate::lifecycle::LiveToken;
use crate::voucherify::{self, Scope, Scopes};
use crate::BaseUrl;
use http::{Method, Uri};

/// Why a request was not authorized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// The token's scopes do not grant this endpoint: get a token with one of `required`.
    #[error("{method} {pattern} needs one of the scopes [{}], and the token has [{have}]",
        required.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))]
    ScopeNotGranted {
        /// The method.
        method: Method,
        /// The endpoint's path pattern, e.g. `/v1/vouchers/{code}`.
        pattern: &'static str,
        /// The scopes that would grant it (any one).
        required: Vec<Scope>,
        /// The scopes the token has.
        have: Scopes,
    },
    /// The endpoint is not one known to accept OAuth tokens (it is not in the scope table): a
    /// typo in the path, or an endpoint that needs the secret key instead. Send it unchecked
    /// with [`LiveToken::authorize`] if you know better.
    #[error("{method} {path} is not a Voucherify endpoint known to accept OAuth tokens")]
    UnknownEndpoint {
        /// The method.
        method: Method,
        /// The path, without the base URL's prefix.
        path: String,
    },
    /// The request does not go to the API's base URL.
    #[error("the request does not go to {base}")]
    OtherHost {
        /// The base URL expected.
        base: BaseUrl,
    },
}

impl LiveToken<Scopes> {
    /// Checks that the token's scopes grant `request` at `base`, then authorizes it (see
    /// [`LiveToken::authorize`]). The endpoint must be in [`voucherify::ENDPOINTS`] and the
    /// token's scopes must grant one of its scopes. The request's URI may be absolute (it must
    /// then start with `base`) or a bare path.
    ///
    /// Each thread remembers the last four endpoints it found (about 500 bytes per thread), so
    /// checking the same calls again compares the path with one seen before instead of looking
    /// it up; the answer is the same either way.
    pub fn authorize_checked<B>(
        &self,
        request: &mut http::Request<B>,
        base: &BaseUrl,
    ) -> Result<(), AuthorizeError> {
        check(self.grant(), request.method(), request.uri(), base)?;
        self.authorize(request);
        Ok(())
    }
}

/// Whether `scopes` grant the call `method uri` at `base`. The errors are built out of line
/// (`#[cold]`), so the path that grants stays small.
pub(crate) fn check(
    scopes: &Scopes,
    method: &Method,
    uri: &Uri,
    base: &BaseUrl,
) -> Result<(), AuthorizeError> {
    let Some(path) = relative_path(uri, base) else {
        return Err(other_host(base));
    };
    let Some(endpoint) = voucherify::endpoint_memo::endpoint(method, path) else {
        return Err(unknown_endpoint(method, path));
    };
    if endpoint.granted_by(scopes) {
        Ok(())
    } else {
        Err(not_granted(method, endpoint, scopes))
    }
}

#[cold]
#[inline(never)]
fn other_host(base: &BaseUrl) -> AuthorizeError {
    AuthorizeError::OtherHost { base: base.clone() }
}

#[cold]
#[inline(never)]
fn unknown_endpoint(method: &Method, path: &str) -> AuthorizeError {
    AuthorizeError::UnknownEndpoint {
        method: method.clone(),
        path: path.to_owned(),
    }
}

#[cold]
#[inline(never)]
fn not_granted(
    method: &Method,
    endpoint: &voucherify::Endpoint,
    scopes: &Scopes,
) -> AuthorizeError {
    AuthorizeError::ScopeNotGranted {
        method: method.clone(),
        pattern: endpoint.path(),
        required: endpoint.scopes().to_vec(),
        have: scopes.clone(),
    }
}

/// The request's path with the base URL's prefix taken off; `None` if it goes elsewhere. The
/// base's parts were parsed when it was built: nothing is parsed or allocated here.
fn relative_path<'a>(uri: &'a Uri, base: &BaseUrl) -> Option<&'a str> {
    if let Some(authority) = uri.authority() {
        // Byte equality first (a request built on the base spells it the same way), then the
        // case-insensitive comparison it stands for.
        let same = |a: &[u8], b: &[u8]| crate::short_eq::eq(a, b) || a.eq_ignore_ascii_case(b);
        // The base's scheme is `http` or `https` (any case): its length tells which. A parsed
        // request URI spells either in lower case; any other spelling is compared in full.
        let https = base.scheme().len() == 5;
        let same_scheme = match uri.scheme_str() {
            Some("https") => https,
            Some("http") => !https,
            Some(s) => same(s.as_bytes(), base.scheme()),
            None => false,
        };
        let same_authority = same(base.authority(), authority.as_str().as_bytes());
        if !same_scheme || !same_authority {
            return None;
        }
    }
    let prefix = base.path_prefix();
    let path = uri.path();
    if prefix.is_empty() {
        return Some(path);
    }
    // `prefix` is ASCII and `path` starts with it, so `prefix.len()` is a character boundary.
    let rest = path
        .as_bytes()
        .starts_with(prefix)
        .then(|| &path[prefix.len()..])
        .filter(|rest| rest.is_empty() || rest.starts_with('/'));
    match rest {
        Some(rest) => Some(rest),
        // A bare path may leave the prefix out.
        None if uri.authority().is_none() => Some(path),
        None => None,
    }
}
