//! The two ways an operation can fail in core: it could not be built, or its response could not
//! be read.

use crate::preview::Preview;
use crate::response::RawResponse;

/// An operation could not be built from what the caller gave. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The scope (or permission) set is empty: ask for at least one scope.
    #[error("the scope set is empty: ask for at least one scope")]
    EmptyScopeSet,
    /// A path parameter (order id, application id, token id) is empty.
    #[error("`{name}` is empty: it is a path segment and must have a value")]
    EmptyPathSegment {
        /// The parameter's name, e.g. `orderId`.
        name: &'static str,
    },
    /// A value that must travel in a header cannot (CR, LF, NUL or another control character,
    /// or a non-ASCII character), or is empty. The value itself is never shown: it may be a
    /// secret.
    #[error(
        "`{name}` cannot be sent as a header value (it is empty, or has control or non-ASCII characters)"
    )]
    InvalidHeaderValue {
        /// What the value is, e.g. `X-App-Token`.
        name: &'static str,
    },
    /// The base URL is not usable.
    #[error("invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A required field is empty, e.g. an application token's label.
    #[error("`{name}` must not be empty")]
    EmptyField {
        /// The field's name on the wire.
        name: &'static str,
    },
    /// The request body could not be serialized (should not happen with keycard's own types).
    #[error("the request body could not be encoded: {0}")]
    Body(String),
}

/// A response could not be read into the documented model for its status.
///
/// The response is kept whole in [`raw`](Self::raw): nothing is lost.
#[derive(Debug, thiserror::Error)]
#[error("{kind} (HTTP {status})", status = raw.status().as_u16())]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// The response as received.
    pub raw: RawResponse,
}

/// What went wrong while reading a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The body is not valid JSON, or does not match the documented model.
    ///
    /// `message` never quotes string values from the body (they may be secrets). Its `Display`
    /// cuts the path and the message to 200 characters each, like every server text.
    #[error(
        "malformed JSON at `{}` (line {line}, column {column}): {}",
        Preview(.path),
        Preview(.message)
    )]
    Json {
        /// Where in the document it broke, e.g. `accessToken.expiresAt`; `.` for the root.
        path: String,
        /// 1-based line of the failure.
        line: usize,
        /// 1-based column of the failure.
        column: usize,
        /// What serde found wrong, with quoted string values elided.
        message: String,
    },
    /// A field parsed as JSON but its value is unusable.
    #[error("field `{field}` is invalid: {problem}")]
    InvalidField {
        /// The field's name on the wire.
        field: &'static str,
        /// Why it is unusable.
        problem: FieldProblem,
    },
    /// A `text/plain` body that is not UTF-8.
    #[error("the text body is not valid UTF-8")]
    NotUtf8,
}

/// Why a field's value is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A token that could never be sent in a header (empty, control characters, spaces or
    /// non-ASCII).
    #[error("not a usable token (empty, or has characters that cannot go in a header)")]
    NotHeaderSafe,
    /// A number out of the range that makes sense for the field.
    #[error("out of range")]
    OutOfRange,
    /// A value longer than keycard reads (see [`crate::limits`]).
    #[error("longer than the limit of {limit} bytes")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A date-time that is not RFC 3339.
    #[error("not an RFC 3339 date-time")]
    NotRfc3339,
    /// A header holding a value that is not what the API documents.
    #[error("not a valid value")]
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::ParseErrorKind;

    /// The path and message are serde's text about the server's: the bound on `Display` does not
    /// rest on how long serde makes them.
    #[test]
    fn a_json_error_shows_its_path_and_message_cut_short() {
        let kind = ParseErrorKind::Json {
            path: "[0]".repeat(100),
            line: 1,
            column: 2,
            message: "m".repeat(1000),
        };
        assert_eq!(
            kind.to_string(),
            format!(
                "malformed JSON at `{}… (300 chars)` (line 1, column 2): {}… (1000 chars)",
                &"[0]".repeat(67)[..200],
                "m".repeat(200)
            )
        );
    }
}
