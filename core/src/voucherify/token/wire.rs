//! The token fields as they are on the wire, and the checks that make them a [`Token`].

use super::{Token, TokenType};
use crate::error::{FieldProblem, ParseErrorKind};
use crate::limits::{MAX_SCOPES_LEN, MAX_UNIX_SECONDS};
use crate::request::token_field;
use crate::voucherify::generate::Requested;
use crate::voucherify::Scopes;
use serde::Deserialize;
use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

/// The token fields as they are on the wire.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(in crate::voucherify) struct TokenWire<'a> {
    #[serde(borrow)]
    pub(super) access_token: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) client_id: Cow<'a, str>,
    pub(super) expires_at: i64,
    pub(super) expires_in: i64,
    #[serde(borrow)]
    pub(super) scope: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) token_type: Cow<'a, str>,
}

impl TokenWire<'_> {
    pub(in crate::voucherify) fn into_token(self) -> Result<Token, ParseErrorKind> {
        self.into_token_for(None)
    }

    /// Like [`into_token`](Self::into_token); with `requested` (what a generate request sent), a
    /// response's scope string is read through [`Requested::scopes_of`], which parses a string
    /// only the first time it is seen.
    pub(in crate::voucherify) fn into_token_for(
        self,
        requested: Option<&Requested>,
    ) -> Result<Token, ParseErrorKind> {
        let out_of_range = |field| ParseErrorKind::InvalidField {
            field,
            problem: FieldProblem::OutOfRange,
        };
        // Both are bounded by the last second of year 9999 so that `expires_at` means the same
        // on every platform and `received_at + expires_in` can never overflow `SystemTime`.
        let seconds = |field, value: i64| {
            u64::try_from(value)
                .ok()
                .filter(|secs| *secs <= MAX_UNIX_SECONDS)
                .map(Duration::from_secs)
                .ok_or_else(|| out_of_range(field))
        };
        let expires_at = UNIX_EPOCH + seconds("expires_at", self.expires_at)?;
        let expires_in = seconds("expires_in", self.expires_in)?;
        if self.scope.len() > MAX_SCOPES_LEN {
            return Err(ParseErrorKind::InvalidField {
                field: "scope",
                problem: FieldProblem::TooLong {
                    limit: MAX_SCOPES_LEN,
                },
            });
        }
        Ok(Token {
            access_token: token_field("access_token", &self.access_token)?,
            client_id: self.client_id.into_owned(),
            expires_at,
            expires_in,
            scope: match requested {
                Some(requested) => requested.scopes_of(&self.scope),
                None => Scopes::parse(&self.scope),
            },
            token_type: TokenType::from_wire(&self.token_type),
        })
    }
}
