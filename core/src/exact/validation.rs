//! The `400 Bad Request` body of the token endpoints: a Zod validation error
//! (`components.schemas.BadRequestZodError`, `ZodError`).

use super::wire::{exact, lenient_string, lenient_strings, open_enum};
use crate::error::ParseErrorKind;
use crate::preview::{bounded_list, Preview};
use crate::redact::{Scrub, Secrets};
use crate::request::json_body;
use crate::RawResponse;
use serde::Deserialize;

/// Why the server refused a request body: `{"issues":[…],"name":"ZodError"}`. A bare array of
/// issues (the "minified" form other endpoints use) is read too, with no `name`.
///
/// Every text in it has the secrets of the request scrubbed out (see [`crate::REDACTED`]). Its
/// `Display` shows the first 10 issues (then `… and N more`), each text cut to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationError {
    /// `name`, `ZodError` when given.
    pub name: Option<String>,
    /// What was wrong, one issue per problem.
    pub issues: Vec<ValidationIssue>,
}

/// One problem found while validating a request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ValidationIssue {
    /// `code`: what kind of problem.
    #[serde(default)]
    pub code: Option<IssueCode>,
    /// `path`: where in the request body, e.g. `["email"]` (array indices as decimal strings).
    #[serde(default, deserialize_with = "lenient_strings")]
    pub path: Vec<String>,
    /// `message`, e.g. `Required`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// `expected`: the expected type (`invalid_type`) or value (non-string values as JSON text).
    #[serde(default, deserialize_with = "lenient_string")]
    pub expected: Option<String>,
    /// `received`: the type received (`invalid_type`), or the value received.
    #[serde(default, deserialize_with = "lenient_string")]
    pub received: Option<String>,
    /// `keys`: the unsupported fields (`unrecognized_keys`).
    #[serde(default, deserialize_with = "lenient_strings")]
    pub keys: Vec<String>,
}

open_enum! {
    /// The `code` of a validation issue.
    pub enum IssueCode {
        /// `invalid_type`: a field has the wrong type (or is missing: `received` is `undefined`).
        InvalidType => "invalid_type",
        /// `unrecognized_keys`: the body has fields the endpoint does not accept.
        UnrecognizedKeys => "unrecognized_keys",
        /// `invalid_union`: a value matches none of the accepted shapes.
        InvalidUnion => "invalid_union",
        /// `invalid_enum_value`: a value is not one of the accepted ones (e.g. a permission).
        InvalidEnumValue => "invalid_enum_value",
        /// `invalid_date`.
        InvalidDate => "invalid_date",
        /// `invalid_string`: e.g. not an email address.
        InvalidString => "invalid_string",
        /// `invalid_literal`.
        InvalidLiteral => "invalid_literal",
        /// `too_small`: e.g. an empty label or permission list.
        TooSmall => "too_small",
        /// `too_big`.
        TooBig => "too_big",
        /// `custom`: a rule of the server's own.
        Custom => "custom",
    }
    compare exact
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid request")?;
        bounded_list(f, &self.issues, ": ", "; ", |f, issue| {
            if !issue.path.is_empty() {
                write!(f, "{}: ", Preview(&issue.path.join(".")))?;
            }
            match (&issue.message, &issue.code) {
                (Some(message), _) => write!(f, "{}", Preview(message)),
                (None, Some(code)) => write!(f, "{}", Preview(code.as_str())),
                (None, None) => f.write_str("invalid"),
            }
        })
    }
}

#[derive(Deserialize)]
struct ValidationErrorWire {
    #[serde(default)]
    issues: Vec<ValidationIssue>,
    name: Option<String>,
}

impl ValidationError {
    /// Reads the JSON body: the documented object, or a bare array of issues.
    pub(super) fn parse(raw: &RawResponse) -> Result<Self, ParseErrorKind> {
        let first = raw.body().iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            Ok(Self {
                name: None,
                issues: json_body(raw)?,
            })
        } else {
            let wire: ValidationErrorWire = json_body(raw)?;
            Ok(Self {
                name: wire.name,
                issues: wire.issues,
            })
        }
    }
}

impl Scrub for ValidationError {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self { name, issues } = self;
        name.scrub(secrets);
        issues.scrub(secrets);
        // `Display` joins each issue's path and message, and the issues: a secret may be
        // spelled across them.
        if secrets.shown_by(self) {
            for issue in &mut self.issues {
                issue.path = vec![crate::REDACTED.to_owned()];
                issue.message = Some(crate::REDACTED.to_owned());
            }
        }
    }
}

/// Scrubs an error of an endpoint that answers `400` with a [`ValidationError`] and other
/// statuses with a text that `Display` shows after keycard's words (`locked: …`). `parts` gives
/// the text (`Ok`) or the validation error (`Err`). Should the words and the text together
/// spell a secret, the text is blanked.
pub(super) fn scrub_status_error<E: std::fmt::Display>(
    error: &mut E,
    secrets: &Secrets,
    parts: fn(&mut E) -> Result<&mut String, &mut ValidationError>,
) {
    match parts(error) {
        Err(invalid) => invalid.scrub(secrets),
        Ok(text) => {
            text.scrub(secrets);
            if secrets.shown_by(error) {
                if let Ok(text) = parts(error) {
                    *text = crate::REDACTED.to_owned();
                }
            }
        }
    }
}

impl Scrub for ValidationIssue {
    fn scrub(&mut self, secrets: &Secrets) {
        let Self {
            code,
            path,
            message,
            expected,
            received,
            keys,
        } = self;
        code.scrub(secrets);
        path.scrub(secrets);
        // `Display` joins the path with dots: a secret split across its parts must not form.
        if path.len() > 1 && secrets.shows_in(&path.join(".")) {
            *path = vec![crate::REDACTED.to_owned()];
        }
        message.scrub(secrets);
        expected.scrub(secrets);
        received.scrub(secrets);
        keys.scrub(secrets);
    }
}
