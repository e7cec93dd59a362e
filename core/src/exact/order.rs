//! `POST /orders/{orderId}/accessToken`: an access token for an order's browser payment form.

use super::wire::{date_time, debug_operation};
use super::{Api, OrderError, OrderErrorStatus};
use crate::base_url::path_segment;
use crate::error::ParseErrorKind;
use crate::json;
use crate::redact::{Scrub, Secrets};
use crate::request::{json_body, parse_with, token_field, with_media_type, Prepared, JSON};
use crate::{
    AccessToken, BuildError, Operation, Outcome, ParseError, Parsed, RawResponse, Unrecognized,
};
use serde::Deserialize;
use std::borrow::Cow;
use std::time::SystemTime;

/// An order access token: hand it to the browser payment form (ExactJS). It is valid for about
/// 15 minutes, and creating another one for the same order invalidates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAccessToken {
    /// The token (`accessToken.token`), checked to be header-safe.
    pub token: AccessToken,
    /// When it expires, by the server's clock (`accessToken.expiresAt`).
    pub expires_at: SystemTime,
}

impl OrderAccessToken {
    /// The access token an order came with, read from the JSON body of the spec's order
    /// responses (`POST /orders`, `GET /account/{accountId}/orders/{orderId}`, …):
    /// `accessToken` with `token` and `expires_at` (snake case there, unlike the
    /// `expiresAt` of `POST /orders/{orderId}/accessToken`). `None` when the order has no
    /// `accessToken`; every other member is skipped.
    ///
    /// Adopt it instead of minting (minting would invalidate it): see
    /// [`SourceMachine::adopt`](crate::lifecycle::SourceMachine::adopt).
    pub fn from_order(body: &[u8]) -> Result<Option<Self>, ParseErrorKind> {
        #[derive(Deserialize)]
        struct OrderWire<'a> {
            #[serde(rename = "accessToken", borrow, default)]
            access_token: Option<SnakeWire<'a>>,
        }
        #[derive(Deserialize)]
        struct SnakeWire<'a> {
            #[serde(borrow)]
            token: Cow<'a, str>,
            #[serde(borrow)]
            expires_at: Cow<'a, str>,
        }
        let wire: OrderWire<'_> = json::from_slice(body)?;
        let Some(detail) = wire.access_token else {
            return Ok(None);
        };
        Ok(Some(Self {
            token: token_field("accessToken.token", &detail.token)?,
            expires_at: date_time("accessToken.expires_at", &detail.expires_at)?,
        }))
    }
}

/// `POST /orders/{orderId}/accessToken` for one order: build with
/// [`Api::create_order_access_token`].
///
/// `201` gives an [`OrderAccessToken`]; `403`, `404`, `500` and `503` with a JSON body give an
/// [`OrderError`]; anything else is untyped.
#[derive(Clone)]
pub struct CreateOrderAccessToken {
    prepared: Prepared,
    order_id: String,
}

impl CreateOrderAccessToken {
    pub(super) fn new(api: &Api, order_id: &str) -> Result<Self, BuildError> {
        let path = format!("/orders/{}/accessToken", path_segment("orderId", order_id)?);
        Ok(Self {
            prepared: api.prepare(http::Method::POST, &path, JSON)?,
            order_id: order_id.to_owned(),
        })
    }

    /// The order id, as given.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }
}

impl std::fmt::Debug for CreateOrderAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_operation(f, "CreateOrderAccessToken", &self.prepared)
            .field("order_id", &self.order_id)
            .finish()
    }
}

#[derive(Deserialize)]
struct OrderAccessTokenWire<'a> {
    #[serde(rename = "accessToken", borrow)]
    access_token: DetailWire<'a>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct DetailWire<'a> {
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(rename = "expiresAt", borrow)]
    expires_at: Cow<'a, str>,
}

/// The fast path: `{"accessToken":{"token":"…","expiresAt":"…"}}` with both strings free of
/// escapes, other members skipped as serde skips them. Anything else gives `None`, and serde
/// reads the body instead (and makes the error); see [`json::flat_object`].
fn read_fast(body: &[u8]) -> Option<DetailWire<'_>> {
    use json::Flat::{Other, Str};
    let (mut detail, mut token, mut expires_at) = (None, None, None);
    // `accessToken`'s object is read in the same pass, as `flat_object_str` reads its text.
    json::flat_object_nested(
        body,
        "accessToken",
        |key, value| match (key, value) {
            ("token", Str(s)) => token.replace(s).is_none(),
            ("expiresAt", Str(s)) => expires_at.replace(s).is_none(),
            ("token" | "expiresAt", _) => false,
            _ => true,
        },
        |key, value| match (key, value) {
            ("accessToken", Other(text)) => detail.replace(text).is_none(),
            ("accessToken", _) => false,
            _ => true,
        },
    )?;
    // Only ever an object: anything else under `accessToken` gave up above.
    detail?;
    Some(DetailWire {
        token: Cow::Borrowed(token?),
        expires_at: Cow::Borrowed(expires_at?),
    })
}

fn parse_token(raw: &RawResponse) -> Result<OrderAccessToken, ParseErrorKind> {
    let wire = match read_fast(raw.body()) {
        Some(wire) => wire,
        None => json_body::<OrderAccessTokenWire>(raw)?.access_token,
    };
    Ok(OrderAccessToken {
        token: token_field("accessToken.token", &wire.token)?,
        expires_at: date_time("accessToken.expiresAt", &wire.expires_at)?,
    })
}

impl Scrub for OrderAccessToken {
    fn scrub(&mut self, _: &Secrets) {
        let Self {
            token: _,
            expires_at: _,
        } = self;
    }
}

impl Operation for CreateOrderAccessToken {
    type Output = Outcome<OrderAccessToken, OrderError>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            if raw.status() == http::StatusCode::CREATED {
                return with_media_type(raw, JSON, |raw| parse_token(raw).map(Parsed::Success));
            }
            match OrderErrorStatus::from_status(raw.status()) {
                Some(status) => with_media_type(raw, JSON, |raw| {
                    OrderError::parse(status, raw).map(Parsed::Error)
                }),
                None => Ok(Parsed::Unrecognized(Unrecognized::UndocumentedStatus)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{read_fast, OrderAccessTokenWire};
    use proptest::prelude::*;

    const EXAMPLE: &str = r#"{"accessToken":{"token":"eyJhbGciOiJIUzI1NiJ9.e30.abc","expiresAt":"2024-05-01T12:34:56.789Z"}}"#;

    /// Whenever the fast path reads a body, serde reads the same from it.
    fn agrees(body: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = read_fast(body) {
            let slow = serde_json::from_slice::<OrderAccessTokenWire>(body);
            prop_assert!(
                slow.is_ok(),
                "fast path read a body serde refuses: {:?}",
                String::from_utf8_lossy(body)
            );
            prop_assert_eq!(fast, slow.unwrap().access_token);
        }
        Ok(())
    }

    #[test]
    fn fast_path_reads_the_order_token_like_serde() {
        for body in [
            EXAMPLE.to_owned(),
            EXAMPLE.replace(r#"{"token""#, r#"{"extra":[1,{"a":null}],"token""#),
            EXAMPLE.replace(r#"{"accessToken""#, r#"{"id":"x\u0041","accessToken""#),
            format!(" {} ", EXAMPLE.replace(':', " : ")),
        ] {
            let fast = read_fast(body.as_bytes()).expect("the fast path reads it");
            assert_eq!(
                fast,
                serde_json::from_slice::<OrderAccessTokenWire>(body.as_bytes())
                    .unwrap()
                    .access_token
            );
        }
        for body in [
            EXAMPLE.replace("abc", r"ab\u0063"),
            EXAMPLE.replace(r#""accessToken":{"#, r#""accessToken":{"token":"t","#),
            r#"{"accessToken":["t","2024-05-01T12:34:56Z"]}"#.to_owned(),
            format!("{}x", EXAMPLE),
            EXAMPLE.replace(
                r#""expiresAt":"2024-05-01T12:34:56.789Z""#,
                r#""expiresAt":1"#,
            ),
        ] {
            assert!(read_fast(body.as_bytes()).is_none(), "{body}");
        }
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_serde_on_mutated_examples(
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" \t\"\\,:{}[]0129.-eEa\xc3\xa9\xff".to_vec())), 1..4),
        ) {
            agrees(&crate::json::mutated(EXAMPLE.as_bytes(), &edits))?;
        }

        #[test]
        fn fast_path_agrees_with_serde_on_generated_bodies(
            outer in prop::collection::vec((prop_oneof![Just("accessToken"), Just("id"), Just("x")], prop_oneof![
                Just(r#"{"token":"t","expiresAt":"2024-01-01T00:00:00Z"}"#.to_owned()),
                Just(r#"{"token":"t","expiresAt":"e","token":"u"}"#.to_owned()),
                Just(r#"{"token":"t\u0041","expiresAt":"e","z":[]}"#.to_owned()),
                Just(r#"{"expiresAt":"e"}"#.to_owned()),
                Just("null".to_owned()),
                Just("[1,2]".to_owned()),
                "\"[a-z]{0,4}\"",
            ]), 0..4),
        ) {
            let body = format!("{{{}}}", outer.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
            agrees(body.as_bytes())?;
        }
    }
}
