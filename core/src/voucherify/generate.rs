//! `POST /v1/oauth/token`: generate a token.

use super::token::TokenWire;
use super::{error_or_untyped, Api, Error, Scopes, Token};
use crate::error::ParseErrorKind;
use crate::request::{parse_with, with_media_type, Prepared, JSON};
use crate::{BuildError, Operation, Outcome, ParseError, Parsed, RawResponse};
use std::sync::OnceLock;

/// The scopes a generate request asked for: the exact string sent, and the set that string
/// parses to; and the first other scope string a response carried, with its set. Its `Debug`
/// leaves that answer out: it is the server's text, never scrubbed.
#[derive(Clone)]
pub(super) struct Requested {
    pub(super) wire: String,
    pub(super) scopes: Scopes,
    /// A server answers the same request the same way each time (in its own order, say): a
    /// scope string seen before costs a comparison, not a parse. Only strings up to
    /// [`MAX_ANSWER_KEPT`] bytes are kept.
    answered: OnceLock<(String, Scopes)>,
}

/// The longest answered scope string [`Requested`] keeps (all 42 Voucherify scopes take 560).
const MAX_ANSWER_KEPT: usize = 4096;

impl std::fmt::Debug for Requested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requested")
            .field("wire", &self.wire)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl Requested {
    fn new(wire: String) -> Self {
        Self {
            scopes: Scopes::parse(&wire),
            wire,
            answered: OnceLock::new(),
        }
    }

    /// The set a response's scope string `wire` means, parsed only if not seen before.
    pub(super) fn scopes_of(&self, wire: &str) -> Scopes {
        if wire == self.wire {
            return self.scopes.clone();
        }
        if let Some((seen, scopes)) = self.answered.get() {
            if seen == wire {
                return scopes.clone();
            }
        }
        let scopes = Scopes::parse(wire);
        if wire.len() <= MAX_ANSWER_KEPT && self.answered.get().is_none() {
            // Another thread may have set it meanwhile: either answer is right.
            let _ = self.answered.set((wire.to_owned(), scopes.clone()));
        }
        scopes
    }
}

/// Reads a token from a JSON body; see [`TokenWire::into_token_for`] for `requested`.
fn parse_token(raw: &RawResponse, requested: Option<&Requested>) -> Result<Token, ParseErrorKind> {
    TokenWire::read(raw.body())?.into_token_for(requested)
}

/// `POST /v1/oauth/token` for one scope set: build with [`Api::generate_token`].
///
/// Success is `200` with a [`Token`]; every error status carries Voucherify's [`Error`].
#[derive(Debug, Clone)]
pub struct GenerateToken {
    /// The API it is sent to, for revoking what it minted.
    pub(super) api: Api,
    prepared: Prepared,
    scopes: Scopes,
    /// The scope string sent and the set it parses to (normally `scopes` itself), for
    /// responses that echo it.
    requested: Requested,
}

impl GenerateToken {
    pub(super) fn new(api: &Api, scopes: &Scopes) -> Result<Self, BuildError> {
        if scopes.is_empty() {
            return Err(BuildError::EmptyScopeSet);
        }
        let scope_string = scopes.to_string();
        let prepared = api.form_post(
            "/v1/oauth/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", &scope_string),
            ],
        )?;
        let requested = Requested::new(scope_string);
        Ok(Self {
            api: api.clone(),
            prepared,
            scopes: scopes.clone(),
            requested,
        })
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// The exact `scope` value sent (space-separated, before form encoding).
    pub fn scope_string(&self) -> &str {
        &self.requested.wire
    }
}

impl Operation for GenerateToken {
    type Output = Outcome<Token, Error>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                200 => with_media_type(raw, JSON, |raw| {
                    parse_token(raw, Some(&self.requested)).map(Parsed::Success)
                }),
                _ => error_or_untyped(raw),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::voucherify::token::{TokenWire, SPEC};

    #[test]
    fn an_echoed_scope_string_reads_as_a_parsed_one() {
        use crate::voucherify::{Api, Credentials, Region, Scope, Scopes};
        use crate::{Operation, SecretKey};
        let api = Api::new(
            Region::Europe.base_url(),
            Credentials::new("app", SecretKey::new("key")).unwrap(),
        );
        let mut odd = Scopes::from([Scope::Vouchers, Scope::ClientApi]);
        odd.insert_wire("brand-new");
        odd.insert_wire("zeta");
        let all: Scopes = Scope::ALL.iter().copied().collect();
        for asked in [Scopes::from([Scope::Api]), odd, all] {
            let generate = api.generate_token(&asked).unwrap();
            for scope in [
                generate.scope_string().to_owned(),
                "api".to_owned(),
                "zeta brand-new vouchers".to_owned(),
                format!("{} ", generate.scope_string()),
            ] {
                let body = SPEC.replace(r#""scope":"api""#, &format!(r#""scope":"{scope}""#));
                let response = http::Response::builder()
                    .header("content-type", "application/json")
                    .body(body.clone().into_bytes())
                    .unwrap();
                let token = generate.parse(response).unwrap().into_result().unwrap();
                let plain = TokenWire::read(body.as_bytes())
                    .unwrap()
                    .into_token()
                    .unwrap();
                assert_eq!(token, plain, "{scope}");
                assert_eq!(
                    token.scope.unknown().collect::<Vec<_>>(),
                    plain.scope.unknown().collect::<Vec<_>>()
                );
            }
        }
    }
}
