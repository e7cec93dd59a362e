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
    match fast_date_time(value.as_bytes()) {
        Some(time) => Ok(time),
        None => date_time_by_time(field, value),
    }
}

/// The fast path of [`date_time`]: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` with a valid date
/// and time, from 1970 (after the offset) to 9998. Anything else (a leap second, a lower-case
/// or other separator, more than nine digits of fraction, `-00:00`, an earlier or later
/// instant, or an invalid date) gives `None`, and `time` reads it (and makes the error).
fn fast_date_time(b: &[u8]) -> Option<SystemTime> {
    fn num(b: &[u8], at: usize, len: usize) -> Option<u32> {
        let mut n = 0;
        for &d in b.get(at..at + len)? {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        Some(n)
    }
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(b, 0, 4)?, num(b, 5, 2)?, num(b, 8, 2)?);
    let (hour, minute, second) = (num(b, 11, 2)?, num(b, 14, 2)?, num(b, 17, 2)?);
    if !(1970..=9998).contains(&year) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = i - start;
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = num(b, start, digits)? * 10u32.pow((9 - digits) as u32);
    }
    let offset: i64 = match b.get(i..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (num(&[*h1, *h2], 0, 2)?, num(&[*m1, *m2], 0, 2)?);
            if h > 23 || m > 59 || (*sign == b'-' && h == 0 && m == 0) {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let (y, m) = (
        i64::from(if month <= 2 { year - 1 } else { year }),
        i64::from(month),
    );
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// [`date_time`] by the `time` crate.
fn date_time_by_time(field: &'static str, value: &str) -> Result<SystemTime, ParseErrorKind> {
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

#[cfg(test)]
mod date_time_tests {
    use super::{date_time_by_time, fast_date_time};
    use proptest::prelude::*;

    fn agrees(value: &str) -> Result<(), TestCaseError> {
        if let Some(fast) = fast_date_time(value.as_bytes()) {
            prop_assert_eq!(Ok(fast), date_time_by_time("f", value), "{}", value);
        }
        Ok(())
    }

    #[test]
    fn fast_reader_reads_common_forms() {
        for value in [
            "2024-05-01T12:34:56Z",
            "2024-05-01T12:34:56.789Z",
            "2024-02-29T23:59:59.123456789+05:30",
            "1970-01-01T00:00:00Z",
            "2000-12-31T00:00:00-08:00",
        ] {
            let fast = fast_date_time(value.as_bytes()).expect(value);
            assert_eq!(Ok(fast), date_time_by_time("f", value), "{value}");
        }
        for value in [
            "2023-02-29T00:00:00Z",
            "2024-05-01T12:34:60Z",
            "2024-05-01t12:34:56Z",
            "2024-05-01T12:34:56.Z",
            "2024-05-01T12:34:56.1234567891Z",
            "2024-05-01T12:34:56+24:00",
            "1970-01-01T00:00:00+01:00",
            "2024-05-01T12:34:56",
        ] {
            assert!(fast_date_time(value.as_bytes()).is_none(), "{value}");
        }
    }

    proptest! {
        #[test]
        fn fast_reader_agrees_with_time(
            year in prop_oneof![1960u32..2100, 0u32..10000],
            month in 0u32..14, day in 0u32..33, hour in 0u32..25, minute in 0u32..61, second in 0u32..62,
            frac in prop_oneof![Just(String::new()), "\\.[0-9]{0,11}"],
            sep in prop_oneof![8 => Just("T"), 1 => Just("t"), 1 => Just(" ")],
            offset in prop_oneof![Just("Z".to_owned()), Just("z".to_owned()), "[+-][0-2][0-9]:[0-6][0-9]", Just(String::new())],
        ) {
            let value = format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{frac}{offset}");
            agrees(&value)?;
        }

        #[test]
        fn fast_reader_agrees_with_time_on_mutations(
            edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"0123456789-+:.TZ ".to_vec())), 0..3),
        ) {
            let mut value = b"2024-05-01T12:34:56.789+01:00".to_vec();
            for (at, byte) in edits {
                let i = at.index(value.len());
                value[i] = byte;
            }
            agrees(std::str::from_utf8(&value).unwrap())?;
        }
    }
}
