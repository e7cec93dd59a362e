//! What a user would write instead of keycard: the models and the hand-written code the
//! benchmarks measure keycard against.

use serde::Deserialize;
use std::collections::HashSet;

/// The `oauth2` crate: Voucherify's two extra fields on a [`oauth2::StandardTokenResponse`].
pub mod oauth2_crate {
    use super::*;

    /// `client_id` and `expires_at`, which RFC 6749 does not define.
    #[derive(Debug, Clone, Deserialize, serde::Serialize)]
    pub struct VoucherifyFields {
        /// The OAuth client id.
        pub client_id: String,
        /// Expiry, Unix seconds.
        pub expires_at: i64,
    }

    impl oauth2::ExtraTokenFields for VoucherifyFields {}

    /// A Voucherify token as the `oauth2` crate models it.
    pub type Token = oauth2::StandardTokenResponse<VoucherifyFields, oauth2::basic::BasicTokenType>;

    /// `serde_json` straight into the `oauth2` model (the cheapest way to use it: the crate's own
    /// client adds `serde_path_to_error` on top).
    pub fn parse(body: &[u8]) -> Token {
        serde_json::from_slice(body).expect("a valid token response")
    }

    /// What the `oauth2` crate's client does with a token endpoint's `http::Response`
    /// (`endpoint_response` in its `endpoint.rs`, which is not public): the status must be 200,
    /// the content type JSON (lower-cased, then compared), and the body is read with
    /// `serde_path_to_error`. The same input and the same checks as keycard's
    /// `GenerateToken::parse`.
    pub fn parse_response(response: http::Response<Vec<u8>>) -> Token {
        assert_eq!(response.status(), http::StatusCode::OK, "a token response");
        let json = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_none_or(|ct| {
                ct.to_str()
                    .ok()
                    .filter(|ct| ct.to_lowercase().starts_with("application/json"))
                    .is_some()
            });
        assert!(json, "a JSON token response");
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(response.body()))
            .expect("a valid token response")
    }
}

/// A generated-SDK-style model (what openapi-generator emits for `OAuthTokenGenerateResponseBody`):
/// every field optional and owned, the scope string split into a `Vec<String>` by the caller.
pub mod sdk {
    use super::*;

    /// The generated model.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct OAuthTokenGenerateResponseBody {
        /// `access_token`
        #[serde(default)]
        pub access_token: Option<String>,
        /// `client_id`
        #[serde(default)]
        pub client_id: Option<String>,
        /// `expires_at`
        #[serde(default)]
        pub expires_at: Option<i64>,
        /// `expires_in`
        #[serde(default)]
        pub expires_in: Option<i64>,
        /// `scope`
        #[serde(default)]
        pub scope: Option<String>,
        /// `token_type`
        #[serde(default)]
        pub token_type: Option<String>,
    }

    /// The model plus the scopes split, as a user of the SDK ends up holding them.
    #[derive(Debug)]
    pub struct Token {
        /// The generated model.
        pub body: OAuthTokenGenerateResponseBody,
        /// `scope` split on spaces.
        pub scopes: Vec<String>,
    }

    /// `serde_json` into the model, then the scopes split.
    pub fn parse(body: &[u8]) -> Token {
        let body: OAuthTokenGenerateResponseBody =
            serde_json::from_slice(body).expect("a valid token response");
        let scopes = body
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        Token { body, scopes }
    }
}

/// The floor: `serde_json` into borrowed `&str` fields, nothing checked, nothing split, nothing
/// copied.
pub mod floor {
    use super::*;

    /// The token fields, borrowed from the body.
    #[derive(Debug, Deserialize)]
    pub struct Token<'a> {
        /// `access_token`
        pub access_token: &'a str,
        /// `client_id`
        pub client_id: &'a str,
        /// `expires_at`
        pub expires_at: i64,
        /// `expires_in`
        pub expires_in: i64,
        /// `scope`, unsplit
        pub scope: &'a str,
        /// `token_type`
        pub token_type: &'a str,
    }

    /// `serde_json::from_slice`.
    pub fn parse(body: &[u8]) -> Token<'_> {
        serde_json::from_slice(body).expect("a valid token response")
    }
}

/// The Exact Payments order token as a user would read it: `serde_json` into owned strings, the
/// expiry by `time`'s RFC 3339 parser; and its floor, borrowed `&str` fields, nothing checked.
pub mod exact_order {
    use super::*;

    /// `accessToken` by hand.
    #[derive(Debug, Deserialize)]
    pub struct Owned {
        /// The token and its expiry.
        #[serde(rename = "accessToken")]
        pub access_token: OwnedDetail,
    }

    /// `accessToken.token` and `accessToken.expiresAt`.
    #[derive(Debug, Deserialize)]
    pub struct OwnedDetail {
        /// The token.
        pub token: String,
        /// The expiry, as sent.
        #[serde(rename = "expiresAt")]
        pub expires_at: String,
    }

    /// `serde_json` into owned strings, then `time` for the date.
    pub fn parse(body: &[u8]) -> (String, time::OffsetDateTime) {
        let wire: Owned = serde_json::from_slice(body).expect("an order token");
        let at = time::OffsetDateTime::parse(
            &wire.access_token.expires_at,
            &time::format_description::well_known::Rfc3339,
        )
        .expect("an RFC 3339 date");
        (wire.access_token.token, at)
    }

    /// The floor: borrowed fields.
    #[derive(Debug, Deserialize)]
    pub struct Floor<'a> {
        /// The token and its expiry.
        #[serde(rename = "accessToken", borrow)]
        pub access_token: FloorDetail<'a>,
    }

    /// Borrowed `token` and `expiresAt`.
    #[derive(Debug, Deserialize)]
    pub struct FloorDetail<'a> {
        /// The token.
        pub token: &'a str,
        /// The expiry, unparsed.
        #[serde(rename = "expiresAt")]
        pub expires_at: &'a str,
    }

    /// `serde_json` into borrowed `&str` fields: nothing checked, nothing copied.
    pub fn floor(body: &[u8]) -> Floor<'_> {
        serde_json::from_slice(body).expect("an order token")
    }
}

/// Scope sets by hand: a `Vec<String>` or a `HashSet<String>`, with Voucherify's umbrella
/// scopes (`api` covers the server-side scopes, `client_api` the `client_*` ones) checked by hand.
pub mod scopes {
    use super::*;

    /// The umbrella a hand-written check would look for.
    pub fn umbrella(scope: &str) -> Option<&'static str> {
        match scope {
            "api" | "client_api" => None,
            s if s.starts_with("client_") => Some("client_api"),
            _ => Some("api"),
        }
    }

    /// Splits the wire form into a `Vec<String>`.
    pub fn parse_vec(wire: &str) -> Vec<String> {
        wire.split_whitespace().map(str::to_owned).collect()
    }

    /// Whether the `Vec` holds `scope` or its umbrella.
    pub fn grants_vec(set: &[String], scope: &str) -> bool {
        set.iter().any(|s| s == scope)
            || umbrella(scope).is_some_and(|u| set.iter().any(|s| s == u))
    }

    /// Splits the wire form into a `HashSet<String>`.
    pub fn parse_hash(wire: &str) -> HashSet<String> {
        wire.split_whitespace().map(str::to_owned).collect()
    }

    /// Whether the `HashSet` holds `scope` or its umbrella.
    pub fn grants_hash(set: &HashSet<String>, scope: &str) -> bool {
        set.contains(scope) || umbrella(scope).is_some_and(|u| set.contains(u))
    }
}

/// The hand-written token cache: the token in a `Mutex<Option<String>>`, formatted into a new
/// header value on every request.
pub mod hand_cache {
    use http::header::AUTHORIZATION;
    use http::HeaderValue;
    use std::sync::{Mutex, RwLock};

    /// The cache.
    #[derive(Debug, Default)]
    pub struct Cache {
        token: Mutex<Option<String>>,
    }

    impl Cache {
        /// A cache holding `token`.
        pub fn new(token: &str) -> Self {
            Self {
                token: Mutex::new(Some(token.to_owned())),
            }
        }

        /// Puts `Authorization: Bearer <token>` on `request`.
        pub fn authorize<B>(&self, request: &mut http::Request<B>) {
            let guard = self.token.lock().expect("not poisoned");
            let token = guard.as_deref().expect("a cached token");
            let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
            drop(guard);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }

    /// The same cache behind an `RwLock`, which readers share: what a user reaches for when
    /// many threads read one token.
    #[derive(Debug, Default)]
    pub struct RwCache {
        token: RwLock<Option<String>>,
    }

    impl RwCache {
        /// A cache holding `token`.
        pub fn new(token: &str) -> Self {
            Self {
                token: RwLock::new(Some(token.to_owned())),
            }
        }

        /// Puts `Authorization: Bearer <token>` on `request`.
        pub fn authorize<B>(&self, request: &mut http::Request<B>) {
            let guard = self.token.read().expect("not poisoned");
            let token = guard.as_deref().expect("a cached token");
            let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
            drop(guard);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    }
}

/// Fetching a token by hand: the same request keycard sends (`POST /v1/oauth/token`, form body,
/// `X-App-Id`, `X-App-Token`, `Accept`), the body read and handed to `serde_json`.
pub mod hand_fetch {
    use serde::Deserialize;

    /// The token as a hand-written client models it.
    #[derive(Debug, Deserialize)]
    pub struct Token {
        /// `access_token`
        pub access_token: String,
        /// `client_id`
        pub client_id: String,
        /// `expires_at`
        pub expires_at: i64,
        /// `expires_in`
        pub expires_in: i64,
        /// `scope`
        pub scope: String,
        /// `token_type`
        pub token_type: String,
    }

    /// What to send.
    #[derive(Debug, Clone)]
    pub struct Target {
        /// `{base}/v1/oauth/token`
        pub url: String,
        /// `X-App-Id`
        pub app_id: String,
        /// `X-App-Token`
        pub secret_key: String,
        /// The form body.
        pub body: String,
    }

    impl Target {
        /// The request for `scope` at `base`.
        pub fn new(base: &str, app_id: &str, secret_key: &str, scope: &str) -> Self {
            Self {
                url: format!("{base}/v1/oauth/token"),
                app_id: app_id.to_owned(),
                secret_key: secret_key.to_owned(),
                body: format!("grant_type=client_credentials&scope={scope}"),
            }
        }
    }

    /// With ureq.
    pub fn with_ureq(agent: &ureq::Agent, target: &Target) -> Token {
        try_with_ureq(agent, target).expect("a token")
    }

    /// With ureq; a failure as a message.
    pub fn try_with_ureq(agent: &ureq::Agent, target: &Target) -> Result<Token, String> {
        let mut response = agent
            .post(&target.url)
            .header("X-App-Id", &target.app_id)
            .header("X-App-Token", &target.secret_key)
            .header("Accept", "application/json")
            .content_type("application/x-www-form-urlencoded")
            .send(target.body.as_bytes())
            .map_err(|e| e.to_string())?;
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    /// With reqwest.
    pub async fn with_reqwest(client: &reqwest::Client, target: &Target) -> Token {
        try_with_reqwest(client, target).await.expect("a token")
    }

    /// With reqwest; a failure as a message.
    pub async fn try_with_reqwest(
        client: &reqwest::Client,
        target: &Target,
    ) -> Result<Token, String> {
        let body = client
            .post(&target.url)
            .header("X-App-Id", &target.app_id)
            .header("X-App-Token", &target.secret_key)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(target.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

/// `authorize_checked` as it was before the endpoint index (issue 15), rebuilt from the public
/// API: the base URL parsed (and its scheme lowercased) on every call, then a linear scan of the
/// 217 endpoint patterns, each splitting the path again. The baseline a user checking scopes
/// by hand with `Endpoint::matches_path` would write.
pub mod linear_check {
    use http::{Method, Uri};
    use keycard_core::lifecycle::LiveToken;
    use keycard_core::voucherify::{Endpoint, Scopes, ENDPOINTS};
    use keycard_core::BaseUrl;

    /// The lookup as it was: the matching pattern with the most literal segments (the last of
    /// equals, as `max_by_key` picks).
    pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
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

    fn relative_path<'a>(uri: &'a Uri, base: &BaseUrl) -> Option<&'a str> {
        let base_uri: Uri = base.as_str().parse().ok()?;
        if let Some(authority) = uri.authority() {
            let same_scheme = uri.scheme_str().map(str::to_ascii_lowercase)
                == base_uri.scheme_str().map(str::to_ascii_lowercase);
            let same_authority = base_uri
                .authority()
                .is_some_and(|b| b.as_str().eq_ignore_ascii_case(authority.as_str()));
            if !same_scheme || !same_authority {
                return None;
            }
        }
        let prefix = base_uri.path().trim_end_matches('/');
        let path = uri.path();
        if prefix.is_empty() {
            return Some(path);
        }
        let rest = path
            .strip_prefix(prefix)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        match rest {
            Some(rest) => Some(rest),
            None if uri.authority().is_none() => Some(path),
            None => None,
        }
    }

    /// Checks the request as `authorize_checked` did, then authorizes it; `false` if refused.
    pub fn authorize_checked<B>(
        token: &LiveToken<Scopes>,
        request: &mut http::Request<B>,
        base: &BaseUrl,
    ) -> bool {
        let granted = relative_path(request.uri(), base)
            .and_then(|path| endpoint(request.method(), path))
            .is_some_and(|e| token.grant().grants_any(e.scopes()));
        if granted {
            token.authorize(request);
        }
        granted
    }
}
