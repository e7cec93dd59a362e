//! Reading JSON bodies into models, with errors that say where the document broke.

use crate::error::ParseErrorKind;
use serde::Deserialize;

/// Deserializes `body`. The fast path is plain `serde_json`; only on failure is the body read
/// again with path tracking, so the error can name where it broke.
pub(crate) fn from_slice<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, ParseErrorKind> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(error) => Err(locate::<T>(body, error)),
    }
}

fn locate<'de, T: Deserialize<'de>>(body: &'de [u8], first: serde_json::Error) -> ParseErrorKind {
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, error) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        // The value itself was fine: the trouble is after it (trailing bytes).
        Ok(_) => (".".to_owned(), de.end().err().unwrap_or(first)),
    };
    ParseErrorKind::Json {
        path,
        line: error.line(),
        column: error.column(),
        message: elide_strings(&error),
    }
}

/// serde's message without the position suffix and with every quoted string elided: a string
/// value from the body may be a secret.
fn elide_strings(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => &full,
    };
    let mut out = String::with_capacity(message.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in message.chars() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    out.push_str("…\"");
                }
                _ => escaped = false,
            }
        } else {
            out.push(c);
            if c == '"' {
                in_string = true;
            }
        }
    }
    if in_string {
        out.push_str("…\"");
    }
    out
}
