//! Pieces shared by the Exact Payments operations: open enums, date-times, text bodies, and
//! `Debug` for operations.

use crate::error::{FieldProblem, ParseErrorKind};
use crate::request::Prepared;
use crate::RawResponse;
use serde::{Deserialize, Deserializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Defines an open enum over string values: the known values as variants, anything else kept
/// in `Other(String)`. Reading one never fails. `$compare(documented, received)` says whether a
/// received value is a known one.
macro_rules! open_enum {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident => $wire:literal, )+
        }
        compare $compare:path
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// Any other value, kept as sent.
            Other(String),
        }

        impl $name {
            /// Reads the wire form; a value that is not known is kept in `Other`.
            pub fn from_wire(wire: &str) -> Self {
                $( if $compare($wire, wire) { return Self::$variant; } )+
                Self::Other(wire.to_owned())
            }

            /// The wire form (for a known value, the documented one).
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(other) => other,
                }
            }

            /// Whether this is one of the documented values.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::redact::Scrub for $name {
            fn scrub(&mut self, secrets: &crate::redact::Secrets) {
                if let Self::Other(other) = self {
                    crate::redact::Scrub::scrub(other, secrets);
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_wire(&wire))
            }
        }
    };
}
pub(super) use open_enum;

/// Exact comparison.
pub(super) fn exact(documented: &str, received: &str) -> bool {
    documented == received
}

/// Equal, whether or not either ends with a final period (the spec's enums and the server's
/// messages differ by one).
pub(super) fn ignoring_final_period(documented: &str, received: &str) -> bool {
    fn strip(s: &str) -> &str {
        s.strip_suffix('.').unwrap_or(s)
    }
    strip(documented) == strip(received)
}

/// An RFC 3339 date-time (fractional seconds optional, any offset) as a `SystemTime`.
pub(super) fn date_time(field: &'static str, value: &str) -> Result<SystemTime, ParseErrorKind> {
    use time::format_description::well_known::Rfc3339;
    let invalid = |problem| ParseErrorKind::InvalidField { field, problem };
    let parsed = time::OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|_| invalid(FieldProblem::NotRfc3339))?;
    let nanos = parsed.unix_timestamp_nanos();
    let magnitude = nanos.unsigned_abs();
    let secs =
        u64::try_from(magnitude / 1_000_000_000).map_err(|_| invalid(FieldProblem::OutOfRange))?;
    let subsec =
        u32::try_from(magnitude % 1_000_000_000).map_err(|_| invalid(FieldProblem::OutOfRange))?;
    let offset = Duration::new(secs, subsec);
    let time = if nanos >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    time.ok_or_else(|| invalid(FieldProblem::OutOfRange))
}

/// An optional date-time field.
pub(super) fn optional_date_time(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<SystemTime>, ParseErrorKind> {
    value.map(|v| date_time(field, v)).transpose()
}

/// A `text/plain` body as a string.
pub(super) fn text_body(raw: &RawResponse) -> Result<String, ParseErrorKind> {
    std::str::from_utf8(raw.body())
        .map(str::to_owned)
        .map_err(|_| ParseErrorKind::NotUtf8)
}

/// A body of no documented content type, read as text whatever it holds.
pub(super) fn any_text(raw: &RawResponse) -> String {
    String::from_utf8_lossy(raw.body()).into_owned()
}

/// `Debug` for an operation: method, URI and header names only (header values and the body
/// may hold secrets).
pub(super) fn debug_operation<'a, 'b: 'a>(
    f: &'a mut std::fmt::Formatter<'b>,
    name: &str,
    prepared: &Prepared,
) -> std::fmt::DebugStruct<'a, 'b> {
    struct Names<'h>(&'h http::HeaderMap);
    impl std::fmt::Debug for Names<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_list().entries(self.0.keys()).finish()
        }
    }
    let mut debug = f.debug_struct(name);
    debug
        .field("method", &prepared.method)
        .field("uri", &prepared.uri)
        .field("header_names", &Names(&prepared.headers))
        .field("body", &format_args!("<{} bytes>", prepared.body.len()));
    debug
}

/// A string field that some servers send as another JSON value (a number, a boolean): kept as
/// the string, or the value's JSON text.
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(deserializer)?.map(json_text))
}

/// A list of strings whose items may be other JSON values (a Zod path holds array indices).
pub(super) fn lenient_strings<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<serde_json::Value>>::deserialize(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .map(json_text)
        .collect())
}

fn json_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A boolean that may be sent as `true` or as the string `"true"` (as the spec's example does).
pub(super) fn lenient_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    use serde_json::Value;
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(serde::de::Error::custom("expected a boolean")),
    }
}
