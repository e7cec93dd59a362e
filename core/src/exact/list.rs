//! `GET /application/{applicationId}/token`: one page of an application's tokens.

use super::application_token::text_error_or_untyped;
use super::wire::{any_text, debug_operation, optional_date_time};
use super::{Api, ApplicationTokenError, Permissions, TokenKind, JSON_OR_TEXT};
use crate::base_url::path_segment;
use crate::error::{FieldProblem, ParseErrorKind};
use crate::redact::{Scrub, Secrets};
use crate::request::{json_body, parse_with, with_media_type, Prepared, JSON};
use crate::{BuildError, Operation, Outcome, ParseError, Parsed, RawResponse, Unrecognized};
use serde::Deserialize;
use std::time::SystemTime;

/// The paging and sorting of a list: `$skip`, `$sort`, `$limit`. Only the ones set are sent.
///
/// ```
/// use keycard_core::exact::ListQuery;
/// let query = ListQuery::new().skip(20).limit(10).sort("createdAt:desc");
/// assert_eq!(query.limit, Some(10));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// `$skip`: how many tokens to skip (the server's default is 0).
    pub skip: Option<u64>,
    /// `$sort`: comma-separated `field:asc` / `field:desc` terms, e.g. `createdAt:desc`.
    /// Percent-encoded as needed; an empty string is refused.
    pub sort: Option<String>,
    /// `$limit`: the page size (the server's default is 100).
    pub limit: Option<u64>,
}

impl ListQuery {
    /// No parameters: the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same query, skipping `skip` tokens.
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = Some(skip);
        self
    }

    /// The same query, sorted by `sort`.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// The same query, with pages of `limit` tokens.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The query string, without `?`: the parameter names as the spec spells them (`$skip`,
    /// a `$` is legal in a query), the values percent-encoded (all but unreserved characters,
    /// `:` and `,`).
    fn to_query(&self) -> Result<String, BuildError> {
        use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
        const VALUE: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~')
            .remove(b':')
            .remove(b',');
        let mut pairs = Vec::new();
        if let Some(skip) = self.skip {
            pairs.push(format!("$skip={skip}"));
        }
        if let Some(sort) = &self.sort {
            if sort.is_empty() {
                return Err(BuildError::EmptyField { name: "$sort" });
            }
            pairs.push(format!("$sort={}", utf8_percent_encode(sort, VALUE)));
        }
        if let Some(limit) = self.limit {
            pairs.push(format!("$limit={limit}"));
        }
        Ok(pairs.join("&"))
    }
}

/// One page of application tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationTokenPage {
    /// The tokens of this page (without their secret values: a token is shown only once, when
    /// it is created).
    pub tokens: Vec<ApplicationTokenInfo>,
    /// The `x-total-count` header: how many tokens match the query across all pages. `None`
    /// when the header is absent; a value that is not a non-negative integer is a
    /// [`ParseError`] (`InvalidField { field: "x-total-count", problem: Invalid }`).
    pub total: Option<u64>,
}

/// What the list says of one application token (`ApplicationTokenResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationTokenInfo {
    /// `id`: the token's identifier, for deleting it.
    pub id: String,
    /// `label`.
    pub label: Option<String>,
    /// `type`, `application`.
    pub token_type: Option<TokenKind>,
    /// `allowedPermissions` (empty when absent; unknown permissions kept).
    pub allowed_permissions: Permissions,
    /// `createdAt`.
    pub created_at: Option<SystemTime>,
}

/// `GET /application/{applicationId}/token`: build with [`Api::list_application_tokens`].
///
/// `200` gives an [`ApplicationTokenPage`]; `401` and `404` (whatever their content: the spec
/// documents none) and `500`, `503` (`text/plain`) give an [`ApplicationTokenError`]; anything
/// else is untyped.
#[derive(Clone)]
pub struct ListApplicationTokens {
    prepared: Prepared,
    application_id: String,
    query: ListQuery,
}

impl ListApplicationTokens {
    pub(super) fn new(
        api: &Api,
        application_id: &str,
        query: &ListQuery,
    ) -> Result<Self, BuildError> {
        let mut path = format!(
            "/application/{}/token",
            path_segment("applicationId", application_id)?
        );
        let query_string = query.to_query()?;
        if !query_string.is_empty() {
            path.push('?');
            path.push_str(&query_string);
        }
        Ok(Self {
            prepared: api.prepare(http::Method::GET, &path, JSON_OR_TEXT)?,
            application_id: application_id.to_owned(),
            query: query.clone(),
        })
    }

    /// The application id, as given.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The query.
    pub fn query(&self) -> &ListQuery {
        &self.query
    }
}

impl std::fmt::Debug for ListApplicationTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_operation(f, "ListApplicationTokens", &self.prepared)
            .field("application_id", &self.application_id)
            .field("query", &self.query)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationTokenInfoWire {
    id: String,
    label: Option<String>,
    #[serde(rename = "type")]
    token_type: Option<TokenKind>,
    #[serde(default)]
    allowed_permissions: Permissions,
    created_at: Option<String>,
}

fn total_count(raw: &RawResponse) -> Result<Option<u64>, ParseErrorKind> {
    let Some(value) = raw.headers().get("x-total-count") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or(ParseErrorKind::InvalidField {
            field: "x-total-count",
            problem: FieldProblem::Invalid,
        })
}

fn parse_page(raw: &RawResponse) -> Result<ApplicationTokenPage, ParseErrorKind> {
    let wire: Vec<ApplicationTokenInfoWire> = json_body(raw)?;
    let tokens = wire
        .into_iter()
        .map(|t| {
            Ok(ApplicationTokenInfo {
                created_at: optional_date_time("createdAt", t.created_at.as_deref())?,
                id: t.id,
                label: t.label,
                token_type: t.token_type,
                allowed_permissions: t.allowed_permissions,
            })
        })
        .collect::<Result<_, ParseErrorKind>>()?;
    Ok(ApplicationTokenPage {
        tokens,
        total: total_count(raw)?,
    })
}

impl Operation for ListApplicationTokens {
    type Output = Outcome<ApplicationTokenPage, ApplicationTokenError>;
    type Error = ParseError;

    fn request(&self) -> http::Request<Vec<u8>> {
        self.prepared.to_request()
    }

    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, ParseError> {
        parse_with(&self.prepared, response, |raw| {
            match raw.status().as_u16() {
                200 => with_media_type(raw, JSON, |raw| parse_page(raw).map(Parsed::Success)),
                // The spec documents no content for these two: any body is read as text.
                401 => Ok(Parsed::Error(ApplicationTokenError::Unauthorized(
                    any_text(raw),
                ))),
                404 => Ok(Parsed::Error(ApplicationTokenError::NotFound(any_text(
                    raw,
                )))),
                500 | 503 => text_error_or_untyped(raw),
                _ => Ok(Parsed::Unrecognized(Unrecognized::UndocumentedStatus)),
            }
        })
    }
}

impl Scrub for ApplicationTokenPage {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self { tokens, total: _ } = self;
        tokens.scrub(secrets);
    }
}

impl Scrub for ApplicationTokenInfo {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            id,
            label,
            token_type,
            allowed_permissions,
            created_at: _,
        } = self;
        id.scrub(secrets);
        label.scrub(secrets);
        token_type.scrub(secrets);
        allowed_permissions.scrub(secrets);
    }
}
