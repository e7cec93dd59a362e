//! Voucherify's error body and rate-limit headers.

use crate::error::ParseErrorKind;
use crate::preview::Preview;
use crate::redact::{Scrub, Secrets};
use crate::request::json_body;
use crate::{RawResponse, RetryAfter};
use http::HeaderMap;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Voucherify's error body, the same on every endpoint, with the rate-limit headers that came
/// with it.
///
/// Every text in it has the secrets of the request scrubbed out (see [`crate::REDACTED`]). Its
/// `Display` is the message and the key, each cut to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The HTTP status the body claims (`code`).
    pub code: u16,
    /// The kind of error (`key`), when given.
    pub key: Option<ErrorKey>,
    /// A human-readable message.
    pub message: String,
    /// More details, when given.
    pub details: Option<String>,
    /// The id to quote to Voucherify's support.
    pub request_id: Option<String>,
    /// The resource the error is about.
    pub resource_id: Option<String>,
    /// The type of that resource.
    pub resource_type: Option<String>,
    /// Extra information (`error.message`, a validation rule's own message).
    pub error: Option<ErrorDetail>,
    /// The rate-limit headers of the response (all `None` when absent).
    pub rate_limit: RateLimit,
}

/// The `error` object of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorDetail {
    /// The message configured by the user in a validation rule.
    pub message: Option<String>,
}

/// The `key` of an error body: the documented keys, and any other kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKey {
    /// `invalid_scope`: a scope is unknown (for example comma-separated scopes).
    InvalidScope,
    /// `invalid_grant_type`: the grant type is not `client_credentials`.
    InvalidGrantType,
    /// `missing_parameters`: a required form field is missing.
    MissingParameters,
    /// `unauthorized`: the credentials or the token are not valid.
    Unauthorized,
    /// `forbidden`: the token's scopes do not allow this call.
    Forbidden,
    /// `not_found`: the resource does not exist.
    NotFound,
    /// Any other key, as sent.
    Other(String),
}

impl ErrorKey {
    fn from_wire(wire: &str) -> Self {
        match wire {
            "invalid_scope" => Self::InvalidScope,
            "invalid_grant_type" => Self::InvalidGrantType,
            "missing_parameters" => Self::MissingParameters,
            "unauthorized" => Self::Unauthorized,
            "forbidden" => Self::Forbidden,
            "not_found" => Self::NotFound,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidScope => "invalid_scope",
            Self::InvalidGrantType => "invalid_grant_type",
            Self::MissingParameters => "missing_parameters",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Other(other) => other,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Preview(&self.message))?;
        match &self.key {
            Some(key) => write!(f, " ({})", Preview(key.as_str())),
            None => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct ErrorWire {
    code: u16,
    key: Option<String>,
    message: String,
    details: Option<String>,
    request_id: Option<String>,
    resource_id: Option<String>,
    resource_type: Option<String>,
    error: Option<ErrorDetail>,
}

impl Error {
    pub(super) fn parse(raw: &RawResponse) -> Result<Self, ParseErrorKind> {
        let wire: ErrorWire = json_body(raw)?;
        Ok(Self {
            code: wire.code,
            key: wire.key.as_deref().map(ErrorKey::from_wire),
            message: wire.message,
            details: wire.details,
            request_id: wire.request_id,
            resource_id: wire.resource_id,
            resource_type: wire.resource_type,
            error: wire.error,
            rate_limit: RateLimit::from_headers(raw.headers()),
        })
    }
}

/// Voucherify's rate-limit headers. A header that is absent or unreadable is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Retry`: when the next request may be made (sent as Unix seconds, read up
    /// to the end of year 9999: [`MAX_UNIX_SECONDS`](crate::limits::MAX_UNIX_SECONDS)).
    pub retry_at: Option<SystemTime>,
    /// `Retry-After`: how long to wait.
    pub retry_after: Option<RetryAfter>,
    /// `X-Rate-Limit-Type`: which of the plan's limits this is about.
    pub limit_type: Option<RateLimitType>,
}

/// Which of a Voucherify plan's limits a response is about (`X-Rate-Limit-Type`): the known
/// types, and any other kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitType {
    /// `api_calls`: the calls per second (or minute) allowed; the window passes: wait and retry.
    ApiCalls,
    /// `bulk_api_calls`: the bulk (asynchronous) calls allowed in a window: wait and retry.
    BulkApiCalls,
    /// `api_calls_cycle`: the calls allowed in the plan's billing cycle, all used: nothing
    /// succeeds until the cycle renews or the plan is raised. Not worth retrying.
    ApiCallsCycle,
    /// `webhook_calls`: the webhooks the plan may send.
    WebhookCalls,
    /// Any other type, as sent (scrubbed of the request's secrets in an [`Error`]). As long as
    /// the header: keycard's transports cap a response's headers at
    /// [`MAX_RESPONSE_HEADER_BYTES`](crate::limits::MAX_RESPONSE_HEADER_BYTES).
    Other(String),
}

impl RateLimitType {
    /// The type a header value names.
    pub fn from_wire(wire: &str) -> Self {
        match wire {
            "api_calls" => Self::ApiCalls,
            "bulk_api_calls" => Self::BulkApiCalls,
            "api_calls_cycle" => Self::ApiCallsCycle,
            "webhook_calls" => Self::WebhookCalls,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ApiCalls => "api_calls",
            Self::BulkApiCalls => "bulk_api_calls",
            Self::ApiCallsCycle => "api_calls_cycle",
            Self::WebhookCalls => "webhook_calls",
            Self::Other(other) => other,
        }
    }

    /// Whether waiting a while lifts this limit: not for the billing cycle's quota.
    pub fn passes_with_time(&self) -> bool {
        !matches!(self, Self::ApiCallsCycle)
    }
}

impl RateLimit {
    /// Reads the rate-limit headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Self {
            limit: number("x-rate-limit-limit"),
            remaining: number("x-rate-limit-remaining"),
            // Bounded so that it means the same on every platform.
            retry_at: number("x-rate-limit-retry")
                .filter(|&secs| secs <= crate::limits::MAX_UNIX_SECONDS)
                .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs))),
            retry_after: headers
                .get(http::header::RETRY_AFTER)
                .and_then(RetryAfter::parse),
            // Bounded by the transport's header limit; trimmed, as the numbers are.
            limit_type: headers
                .get("x-rate-limit-type")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(RateLimitType::from_wire),
        }
    }

    /// Whether this says the plan's quota for its billing cycle is used up
    /// ([`RateLimitType::ApiCallsCycle`]): waiting within a retry policy does not help.
    pub fn is_cycle_exhausted(&self) -> bool {
        self.limit_type
            .as_ref()
            .is_some_and(|t| !t.passes_with_time())
    }

    /// The earliest time a retry is allowed by these headers, given when the response arrived.
    pub fn retry_not_before(&self, received_at: SystemTime) -> Option<SystemTime> {
        let after = self.retry_after.map(|r| r.resolve(received_at));
        match (after, self.retry_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Scrub for Error {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            code: _,
            key,
            message,
            details,
            request_id,
            resource_id,
            resource_type,
            error,
            rate_limit,
        } = self;
        key.scrub(secrets);
        message.scrub(secrets);
        details.scrub(secrets);
        request_id.scrub(secrets);
        resource_id.scrub(secrets);
        resource_type.scrub(secrets);
        error.scrub(secrets);
        if let Some(RateLimitType::Other(other)) = &mut rate_limit.limit_type {
            other.scrub(secrets);
        }
        // `Display` is `message (key)`: a secret may be spelled across the two.
        if secrets.shown_by(self) {
            self.message = crate::REDACTED.to_owned();
            if let Some(ErrorKey::Other(other)) = &mut self.key {
                *other = crate::REDACTED.to_owned();
            }
            if secrets.shown_by(self) {
                self.key = None;
            }
        }
    }
}

impl Scrub for ErrorKey {
    fn scrub(&mut self, secrets: &Secrets) {
        if let Self::Other(other) = self {
            other.scrub(secrets);
        }
    }
}

impl Scrub for ErrorDetail {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self { message } = self;
        message.scrub(secrets);
    }
}
