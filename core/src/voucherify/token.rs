//! `POST /v1/oauth/token`: generate a token.

use super::{error_or_untyped, Api, Error, Scopes};
use crate::error::{FieldProblem, ParseErrorKind};
use crate::json;
use crate::request::{parse_with, token_field, with_media_type, Prepared, JSON};
use crate::{AccessToken, BuildError, Operation, ParseError, RawResponse, Response, Typed};
use serde::Deserialize;
use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A Voucherify OAuth access token, as generated or introspected.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token itself: send it as `Authorization: Bearer <token>`.
    pub access_token: AccessToken,
    /// The OAuth client id Voucherify assigned.
    pub client_id: String,
    /// When the token expires, by the server's clock (`expires_at`, Unix seconds).
    pub expires_at: SystemTime,
    /// How long the token had left when the server answered (`expires_in`). Add it to the local
    /// time the response arrived to get a deadline that does not trust the server's clock.
    pub expires_in: Duration,
    /// The scopes granted.
    pub scope: Scopes,
    /// The token type, `Bearer`.
    pub token_type: TokenType,
}

impl Token {
    /// Puts the token on `request` as `Authorization: Bearer <token>`, marked sensitive.
    ///
    /// Fails only for a token built by hand that could never be a header value (a parsed token
    /// always can). To check the token's scopes first and to avoid the allocation on every
    /// call, use a [`LiveToken`](crate::lifecycle::LiveToken).
    pub fn authorize<B>(&self, request: &mut http::Request<B>) -> Result<(), BuildError> {
        let mut value =
            http::HeaderValue::try_from(format!("Bearer {}", self.access_token.expose_secret()))
                .map_err(|_| BuildError::InvalidHeaderValue {
                    name: "Authorization",
                })?;
        value.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

/// The `token_type` of a token: `Bearer`, or a value Voucherify does not document yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (compared ignoring case).
    Bearer,
    /// Anything else, kept as sent.
    Other(String),
}

impl TokenType {
    fn from_wire(wire: &str) -> Self {
        if wire.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else {
            Self::Other(wire.to_owned())
        }
    }
}

/// The largest `expires_at` and `expires_in` accepted: 9999-12-31T23:59:59Z in Unix seconds.
const MAX_SECONDS: u64 = 253_402_300_799;

/// The token fields as they are on the wire.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) struct TokenWire<'a> {
    #[serde(borrow)]
    access_token: Cow<'a, str>,
    #[serde(borrow)]
    client_id: Cow<'a, str>,
    expires_at: i64,
    expires_in: i64,
    #[serde(borrow)]
    scope: Cow<'a, str>,
    #[serde(borrow)]
    token_type: Cow<'a, str>,
}

impl TokenWire<'_> {
    pub(super) fn into_token(self) -> Result<Token, ParseErrorKind> {
        self.into_token_for(None)
    }

    /// Like [`into_token`](Self::into_token); when `requested` is the exact scope string sent
    /// and the set it parses to, a response that echoes that string gets the set without
    /// parsing it again.
    fn into_token_for(self, requested: Option<&Requested>) -> Result<Token, ParseErrorKind> {
        let out_of_range = |field| ParseErrorKind::InvalidField {
            field,
            problem: FieldProblem::OutOfRange,
        };
        // Both are bounded by the last second of year 9999 so that `expires_at` means the same
        // on every platform and `received_at + expires_in` can never overflow `SystemTime`.
        let seconds = |field, value: i64| {
            u64::try_from(value)
                .ok()
                .filter(|secs| *secs <= MAX_SECONDS)
                .map(Duration::from_secs)
                .ok_or_else(|| out_of_range(field))
        };
        let expires_at = UNIX_EPOCH + seconds("expires_at", self.expires_at)?;
        let expires_in = seconds("expires_in", self.expires_in)?;
        Ok(Token {
            access_token: if is_visible_ascii(self.access_token.as_bytes()) {
                AccessToken::new(self.access_token)
            } else {
                // Refused (or an empty token): let the shared check say why.
                token_field("access_token", &self.access_token)?
            },
            client_id: self.client_id.into_owned(),
            expires_at,
            expires_in,
            scope: match requested {
                Some(requested) if *self.scope == *requested.wire => requested.scopes.clone(),
                _ => Scopes::parse(&self.scope),
            },
            token_type: TokenType::from_wire(&self.token_type),
        })
    }
}

/// Whether `b` is non-empty and every byte is visible ASCII (`!` to `~`): what
/// [`token_field`] requires of a token, eight bytes at a time.
fn is_visible_ascii(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit set somewhere iff some byte is below 0x21 or above 0x7e.
    let outside = |w: u64| ((w.wrapping_sub(ONES * 0x21) & !w) | w.wrapping_add(ONES) | w) & HIGH;
    let mut chunks = b.chunks_exact(8);
    let mut bad = 0;
    for chunk in &mut chunks {
        bad |= outside(chunk.try_into().map_or(0, u64::from_le_bytes));
    }
    for &byte in chunks.remainder() {
        bad |= u64::from(!byte.is_ascii_graphic());
    }
    !b.is_empty() && bad == 0
}

impl<'a> TokenWire<'a> {
    /// The fast path: the six fields of a flat body, each once, and nothing else. Anything
    /// outside that (another field, a duplicate, an escape, a float) gives `None`, and serde
    /// reads the body instead; see [`json::flat_object`].
    fn read_flat(body: &'a [u8]) -> Option<Self> {
        use json::Flat::{Int, Str};
        fn put<T>(slot: &mut Option<T>, value: T) -> bool {
            slot.replace(value).is_none()
        }
        let (mut access_token, mut client_id, mut scope, mut token_type) = (None, None, None, None);
        let (mut expires_at, mut expires_in) = (None, None);
        json::flat_object(body, |key, value| match (key, value) {
            ("access_token", Str(s)) => put(&mut access_token, s),
            ("client_id", Str(s)) => put(&mut client_id, s),
            ("expires_at", Int(n)) => put(&mut expires_at, n),
            ("expires_in", Int(n)) => put(&mut expires_in, n),
            ("scope", Str(s)) => put(&mut scope, s),
            ("token_type", Str(s)) => put(&mut token_type, s),
            _ => false,
        })?;
        Some(Self {
            access_token: Cow::Borrowed(access_token?),
            client_id: Cow::Borrowed(client_id?),
            expires_at: expires_at?,
            expires_in: expires_in?,
            scope: Cow::Borrowed(scope?),
            token_type: Cow::Borrowed(token_type?),
        })
    }

    /// Reads the token fields from a JSON body: the fast path, else serde (which also makes the
    /// error).
    pub(super) fn read(body: &'a [u8]) -> Result<Self, ParseErrorKind> {
        match Self::read_flat(body) {
            Some(wire) => Ok(wire),
            None => json::from_slice(body),
        }
    }
}

/// The scopes a generate request asked for: the exact string sent, and the set that string
/// parses to.
#[derive(Debug, Clone)]
struct Requested {
    wire: String,
    scopes: Scopes,
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
        let requested = Requested {
            scopes: Scopes::parse(&scope_string),
            wire: scope_string,
        };
        Ok(Self {
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
    type Output = Response<Token, Error>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(response, |raw| match raw.status().as_u16() {
            200 => with_media_type(raw, JSON, |raw| {
                parse_token(raw, Some(&self.requested)).map(Typed::Success)
            }),
            _ => error_or_untyped(raw),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TokenWire;
    use proptest::prelude::*;

    const SPEC: &str = r#"{"access_token":"1ABCde2FGHijKl3m4NO5pqR6STUv7wxYzAbc8dE90FgH1IJkLm","client_id":"a1Bcdefg2HI3Jkl4m5nOP","expires_at":1738945086,"expires_in":900,"scope":"api","token_type":"Bearer"}"#;

    /// The fast path may only ever agree with serde: whenever it reads a body, serde reads the
    /// same fields from it.
    fn agrees(body: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = TokenWire::read_flat(body) {
            let slow = serde_json::from_slice::<TokenWire>(body);
            prop_assert!(
                slow.is_ok(),
                "fast path read a body serde refuses: {:?}",
                String::from_utf8_lossy(body)
            );
            prop_assert_eq!(fast, slow.unwrap());
        }
        Ok(())
    }

    #[test]
    fn fast_path_reads_the_spec_example_like_serde() {
        let fast =
            TokenWire::read_flat(SPEC.as_bytes()).expect("the fast path reads the spec's example");
        assert_eq!(
            fast,
            serde_json::from_slice::<TokenWire>(SPEC.as_bytes()).unwrap()
        );
        let spaced = SPEC
            .replace(':', " : ")
            .replace(',', " ,\n\t")
            .replace('{', "\r\n{ ");
        assert!(TokenWire::read_flat(spaced.as_bytes()).is_some());
    }

    #[test]
    fn fast_path_leaves_everything_else_to_serde() {
        for body in [
            SPEC.replace("Bearer", r"Bear\u0065r"),     // escape
            SPEC.replace("900", "900.0"),               // float
            SPEC.replace("900", "9e2"),                 // exponent
            SPEC.replace("900", "-900"),                // sign
            SPEC.replace("900", "0900"),                // leading zero
            SPEC.replace("900", "9000000000000000000"), // 19 digits
            SPEC.replace("900", "\"900\""),             // wrong type
            SPEC.replace(r#""scope":"api","#, ""),      // missing
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","scope":"api""#), // duplicate
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","extra":1"#), // unknown field
            SPEC.replace("api", "a\tpi"),               // control character
            format!("{SPEC}x"),                         // trailing bytes
            format!("[{SPEC}]"),                        // not an object
        ] {
            assert!(TokenWire::read_flat(body.as_bytes()).is_none(), "{body}");
        }
        // Invalid UTF-8.
        let mut bytes = SPEC.as_bytes().to_vec();
        bytes[20] = 0xff;
        assert!(TokenWire::read_flat(&bytes).is_none());
    }

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

    #[test]
    fn visible_ascii_is_what_the_header_check_accepts() {
        for byte in 0..=255u8 {
            for len in [1, 7, 8, 9, 16, 50] {
                for at in [0, len / 2, len - 1] {
                    let mut token = vec![b'a'; len];
                    token[at] = byte;
                    assert_eq!(
                        super::is_visible_ascii(&token),
                        token.iter().all(u8::is_ascii_graphic),
                        "byte {byte:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!super::is_visible_ascii(b""));
    }

    fn string_value() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => "[a-zA-Z0-9 _.,-]",
                1 => Just("\\\"".to_owned()),
                1 => Just("\\u0041".to_owned()),
                1 => Just("\\n".to_owned()),
                1 => Just("\t".to_owned()),
                1 => Just("é".to_owned()),
                1 => Just("\u{7f}".to_owned()),
            ],
            0..12,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()))
    }

    fn number_value() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..u64::MAX).prop_map(|n| n.to_string()),
            (0u64..100_000).prop_map(|n| n.to_string()),
            (-1000i64..0).prop_map(|n| n.to_string()),
            "0[0-9]{1,3}",
            "[0-9]{1,20}",
            "[0-9]{1,3}\\.[0-9]{1,2}",
            "[0-9]{1,3}[eE][+-]?[0-9]",
            Just("null".to_owned()),
        ]
    }

    fn member() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("access_token"),
            Just("client_id"),
            Just("expires_at"),
            Just("expires_in"),
            Just("scope"),
            Just("token_type"),
            Just("other"),
            Just("scope\\u0020"),
        ];
        let value = prop_oneof![string_value(), number_value()];
        let ws = "[ \t\r\n]{0,2}";
        (ws, key, ws, ws, value, ws)
            .prop_map(|(a, k, b, c, v, d)| format!("{a}\"{k}\"{b}:{c}{v}{d}"))
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_serde_on_generated_objects(
            members in prop::collection::vec(member(), 0..8),
            lead in "[ \n]{0,2}",
            trail in prop_oneof![Just(String::new()), Just(" ".to_owned()), Just(",".to_owned()), Just("}".to_owned())],
        ) {
            let body = format!("{lead}{{{}}}{trail}", members.join(","));
            agrees(body.as_bytes())?;
        }

        #[test]
        fn fast_path_reads_plain_tokens_exactly_as_serde(
            order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
            strings in prop::collection::vec("[a-zA-Z0-9 _.,é\u{7f}-]{0,20}", 4),
            numbers in prop::collection::vec(0i64..1_000_000_000_000_000_000, 2),
            ws in "[ \t\r\n]{0,2}",
        ) {
            const KEYS: [&str; 6] = ["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"];
            let value = |k: usize| match k {
                2 | 3 => numbers[k - 2].to_string(),
                0 | 1 => format!("\"{}\"", strings[k]),
                _ => format!("\"{}\"", strings[k - 2]),
            };
            let body = format!(
                "{{{ws}{}{ws}}}",
                order.iter().map(|&k| format!("\"{}\"{ws}:{ws}{}", KEYS[k], value(k))).collect::<Vec<_>>().join(&format!("{ws},{ws}"))
            );
            let fast = TokenWire::read_flat(body.as_bytes());
            prop_assert!(fast.is_some(), "{}", body);
            prop_assert_eq!(fast.unwrap(), serde_json::from_slice::<TokenWire>(body.as_bytes()).unwrap());
        }

        #[test]
        fn fast_path_agrees_with_serde_on_complete_tokens(
            order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
            values in prop::collection::vec(prop_oneof![string_value(), number_value()], 6),
        ) {
            const KEYS: [&str; 6] = ["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"];
            let body = format!(
                "{{{}}}",
                order.iter().map(|&k| format!("\"{}\":{}", KEYS[k], values[k])).collect::<Vec<_>>().join(",")
            );
            agrees(body.as_bytes())?;
        }

        #[test]
        fn fast_path_agrees_with_serde_on_mutated_examples(
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" \t\"\\,:{}[]0129.-eE\x01\x7fa\xc3\xa9\xff".to_vec())), 1..4),
        ) {
            let mut body = SPEC.as_bytes().to_vec();
            for (at, kind, byte) in edits {
                let i = at.index(body.len() + 1);
                match kind {
                    0 => body.insert(i, byte),
                    1 if i < body.len() => { body.remove(i); }
                    _ if i < body.len() => body[i] = byte,
                    _ => {}
                }
            }
            agrees(&body)?;
        }
    }
}
