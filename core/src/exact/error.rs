//! The error body of `POST /orders/{orderId}/accessToken` (`components.responses.error_403`,
//! `error_404`, `error_500`, `error_503`).

use super::wire::{exact, ignoring_final_period, open_enum};
use crate::error::ParseErrorKind;
use crate::preview::{bounded_list, Preview};
use crate::redact::{Scrub, Secrets};
use crate::request::json_body;
use crate::RawResponse;
use serde::Deserialize;

/// An order endpoint's JSON error body. The four documented statuses share one shape (every field
/// optional); [`status`](Self::status) says which one this is, and only the `404` carries
/// [`details`](Self::details).
///
/// Every text in it has the secrets of the request scrubbed out (see [`crate::REDACTED`]). Its
/// `Display` cuts each text to 200 characters and shows the first 10 details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderError {
    /// Which documented status this body came with.
    pub status: OrderErrorStatus,
    /// `code`, e.g. `order-forbidden-error`.
    pub code: Option<OrderErrorCode>,
    /// `message`, e.g. `You do not have permission to access this resource.`.
    pub message: Option<OrderErrorMessage>,
    /// `type`, e.g. `authorization-error`, `api-error`, `system-error`.
    pub error_type: Option<String>,
    /// `requestId`: quote it to Exact Payments' support.
    pub request_id: Option<String>,
    /// `metadata.message.messages` (404): why the order could not be found.
    pub details: Vec<OrderErrorDetail>,
}

/// The documented statuses of an order endpoint's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderErrorStatus {
    /// `403`: the credentials do not grant access to the order (or its account was not found).
    /// Use a key with access to the order's account.
    Forbidden,
    /// `404`: the order does not exist, or no token could be created for it.
    NotFound,
    /// `500`: the server failed; retrying may help.
    InternalServerError,
    /// `503`: the service is unavailable; retry later.
    ServiceUnavailable,
}

impl OrderErrorStatus {
    /// The status for a documented error code, if it is one.
    pub fn from_status(status: http::StatusCode) -> Option<Self> {
        match status.as_u16() {
            403 => Some(Self::Forbidden),
            404 => Some(Self::NotFound),
            500 => Some(Self::InternalServerError),
            503 => Some(Self::ServiceUnavailable),
            _ => None,
        }
    }

    /// The HTTP status.
    pub fn status_code(self) -> http::StatusCode {
        match self {
            Self::Forbidden => http::StatusCode::FORBIDDEN,
            Self::NotFound => http::StatusCode::NOT_FOUND,
            Self::InternalServerError => http::StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

open_enum! {
    /// The `code` of an order error: the documented ones, others kept as sent.
    pub enum OrderErrorCode {
        /// `order-forbidden-error` (403): the key may not access this order.
        OrderForbidden => "order-forbidden-error",
        /// `payments-forbidden-error` (403): the key may not access payments of this account.
        PaymentsForbidden => "payments-forbidden-error",
    }
    compare exact
}

open_enum! {
    /// The `message` of an order error: the documented ones (matched with or without a final
    /// period, as the server adds one the spec does not have), others kept as sent.
    pub enum OrderErrorMessage {
        /// `You do not have permission to access this resource` (403).
        NoPermission => "You do not have permission to access this resource",
        /// `Account not found` (403).
        AccountNotFound => "Account not found",
        /// `Failed to get order details.` (404).
        FailedToGetOrderDetails => "Failed to get order details.",
        /// `Failed to create an access token.` (404).
        FailedToCreateAccessToken => "Failed to create an access token.",
    }
    compare ignoring_final_period
}

open_enum! {
    /// One of `metadata.message.messages` of a 404 (matched with or without a final period),
    /// others kept as sent.
    pub enum OrderErrorDetail {
        /// `Unable to find specified order.`
        UnableToFindOrder => "Unable to find specified order.",
        /// `Order does not exist.`
        OrderDoesNotExist => "Order does not exist.",
    }
    compare ignoring_final_period
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(message) => write!(f, "{}", Preview(message.as_str()))?,
            None => f.write_str(match self.status {
                OrderErrorStatus::Forbidden => "forbidden",
                OrderErrorStatus::NotFound => "not found",
                OrderErrorStatus::InternalServerError => "internal server error",
                OrderErrorStatus::ServiceUnavailable => "service unavailable",
            })?,
        }
        if let Some(code) = &self.code {
            write!(f, " ({})", Preview(code.as_str()))?;
        }
        bounded_list(f, &self.details, "; ", "; ", |f, detail| {
            write!(f, "{}", Preview(detail.as_str()))
        })
    }
}

#[derive(Deserialize)]
struct OrderErrorWire {
    code: Option<OrderErrorCode>,
    message: Option<OrderErrorMessage>,
    #[serde(rename = "type")]
    error_type: Option<String>,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    metadata: Option<MetadataWire>,
}

#[derive(Deserialize)]
struct MetadataWire {
    message: Option<MetadataMessageWire>,
}

#[derive(Deserialize)]
struct MetadataMessageWire {
    messages: Option<Vec<OrderErrorDetail>>,
}

impl OrderError {
    /// Reads the JSON body of a response with status `status`.
    pub(super) fn parse(
        status: OrderErrorStatus,
        raw: &RawResponse,
    ) -> Result<Self, ParseErrorKind> {
        let wire: OrderErrorWire = json_body(raw)?;
        Ok(Self {
            status,
            code: wire.code,
            message: wire.message,
            error_type: wire.error_type,
            request_id: wire.request_id,
            details: wire
                .metadata
                .and_then(|m| m.message)
                .and_then(|m| m.messages)
                .unwrap_or_default(),
        })
    }
}

impl Scrub for OrderError {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            status: _,
            code,
            message,
            error_type,
            request_id,
            details,
        } = self;
        code.scrub(secrets);
        message.scrub(secrets);
        error_type.scrub(secrets);
        request_id.scrub(secrets);
        details.scrub(secrets);
        // `Display` joins the message, the code and the details: a secret may be spelled
        // across them.
        if secrets.shown_by(self) {
            self.message = Some(OrderErrorMessage::Other(crate::REDACTED.to_owned()));
            self.code = None;
            self.details = vec![OrderErrorDetail::Other(crate::REDACTED.to_owned())];
        }
    }
}
