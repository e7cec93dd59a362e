//! `POST /orders/{orderId}/accessToken`: an access token for an order's browser payment form.

use super::wire::{date_time, debug_operation};
use super::{Api, OrderError, OrderErrorStatus};
use crate::base_url::path_segment;
use crate::error::ParseErrorKind;
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
struct DetailWire<'a> {
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(rename = "expiresAt", borrow)]
    expires_at: Cow<'a, str>,
}

fn parse_token(raw: &RawResponse) -> Result<OrderAccessToken, ParseErrorKind> {
    let wire = json_body::<OrderAccessTokenWire>(raw)?.access_token;
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
