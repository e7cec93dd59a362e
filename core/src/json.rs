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

/// A member value the fast path reads: a string without escapes, or a small non-negative integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flat<'a> {
    /// A string, exactly as `serde_json` would borrow it.
    Str(&'a str),
    /// An integer of at most 18 digits, no sign, no fraction, no exponent.
    Int(i64),
}

/// The fast path for flat objects: reads `{"key": value, …}` where every key and string value is
/// free of escapes and control characters and every number is a plain non-negative integer, and
/// hands each member to `member` in order (which returns `false` to give up).
///
/// It reads only a strict subset of JSON, and on that subset means exactly what `serde_json`
/// means; anything else (escapes, nested values, floats, `null`, trailing bytes, invalid UTF-8)
/// gives `None`, and the caller reads the body again with [`from_slice`], which also makes the
/// error. So a caller that builds its model from the members gets the model `serde_json` would
/// have given, or falls back to `serde_json` itself.
pub(crate) fn flat_object<'a>(
    body: &'a [u8],
    mut member: impl FnMut(&'a str, Flat<'a>) -> bool,
) -> Option<()> {
    let text = std::str::from_utf8(body).ok()?;
    let b = text.as_bytes();
    let mut i = skip_whitespace(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_whitespace(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let end = string_end(b, i + 1)?;
            let key = text.get(i + 1..end)?;
            i = skip_whitespace(b, end + 1);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_whitespace(b, i + 1);
            let value = match *b.get(i)? {
                b'"' => {
                    let end = string_end(b, i + 1)?;
                    let value = text.get(i + 1..end)?;
                    i = end + 1;
                    Flat::Str(value)
                }
                b'0'..=b'9' => {
                    let start = i;
                    let mut n: i64 = 0;
                    while let Some(d @ b'0'..=b'9') = b.get(i).copied() {
                        if i - start == 18 {
                            return None;
                        }
                        n = n * 10 + i64::from(d - b'0');
                        i += 1;
                    }
                    // JSON has no leading zeros; serde_json refuses them.
                    if b[start] == b'0' && i - start > 1 {
                        return None;
                    }
                    Flat::Int(n)
                }
                _ => return None,
            };
            if !member(key, value) {
                return None;
            }
            // A fraction or exponent after an integer lands here too, and is refused.
            i = skip_whitespace(b, i);
            match b.get(i)? {
                b',' => i = skip_whitespace(b, i + 1),
                b'}' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_whitespace(b, i) == b.len()).then_some(())
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
fn skip_whitespace(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// The index of the `"` closing a string whose contents start at `i`, if the contents have no
/// escape and no control character. Eight bytes at a time.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // For each byte: high bit set if it is `"`, `\` or below 0x20. The lowest flagged byte is
    // always a true one (borrows only run upwards), which is the only one read.
    let stops = |w: u64| {
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH
    };
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let m = stops(w);
        if m != 0 {
            i += (m.trailing_zeros() / 8) as usize;
            return (b[i] == b'"').then_some(i);
        }
        i += 8;
    }
    loop {
        match *b.get(i)? {
            b'"' => return Some(i),
            b'\\' | 0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

fn locate<'de, T: Deserialize<'de>>(body: &'de [u8], first: serde_json::Error) -> ParseErrorKind {
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, error) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (safe_path::<T>(e.path()), e.into_inner()),
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
    let message = elide_unknown(message);
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

/// serde quotes a string the model does not know in backticks, not double quotes: ``unknown
/// variant `…`, expected `a` or `b` `` (an enum field given any string from the body) and
/// ``unknown field `…`, expected …``. Elides that string; the names the model expects stay.
fn elide_unknown(message: &str) -> String {
    const PREFIXES: [&str; 2] = ["unknown variant `", "unknown field `"];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((at, prefix)) = PREFIXES
        .iter()
        .filter_map(|p| rest.find(p).map(|at| (at, p.len())))
        .min()
    {
        out.push_str(&rest[..at + prefix]);
        out.push('…');
        let value = &rest[at + prefix..];
        // The string ends where serde's own text resumes (it may hold backticks itself).
        let end = ["`, expected ", "`, there are no "]
            .iter()
            .filter_map(|s| value.find(s))
            .min()
            .or_else(|| value.rfind('`'));
        rest = end.map_or("", |end| &value[end..]);
    }
    out.push_str(rest);
    out
}

/// The path as `serde_path_to_error` prints it, with every key or variant the model does not name
/// shown as `?`: a body's own keys (a map keyed by tokens, a proxy's garbage) may be secrets, and
/// a syntax error inside an ignored field reports the path through that field's key.
fn safe_path<'de, T: Deserialize<'de>>(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    if segments.is_empty() {
        return ".".to_owned();
    }
    let known = probe::names::<T>();
    let mut out = String::new();
    for (i, segment) in segments.into_iter().enumerate() {
        if i > 0 && !matches!(segment, Segment::Seq { .. }) {
            out.push('.');
        }
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key }
                if known.contains(key.as_str()) =>
            {
                out.push_str(key);
            }
            _ => out.push('?'),
        }
    }
    out
}

/// Finds every field and variant name a model can ask for, at any depth, by running its
/// `Deserialize` against a deserializer that offers each field once with a placeholder value.
///
/// It errs on the safe side: a name it cannot reach (behind a map, an untagged enum, a value the
/// model rejects) is simply not found, and is then elided from error paths.
mod probe {
    use serde::de::{self, value::Error, Deserialize, DeserializeSeed, IntoDeserializer, Visitor};
    use std::cell::RefCell;
    use std::collections::HashSet;

    /// Deeper than any model; stops recursive types.
    const MAX_DEPTH: usize = 16;

    pub(super) fn names<'de, T: Deserialize<'de>>() -> HashSet<&'static str> {
        let names = RefCell::new(HashSet::new());
        let _ = T::deserialize(Probe {
            names: &names,
            depth: 0,
        });
        names.into_inner()
    }

    #[derive(Clone, Copy)]
    struct Probe<'n> {
        names: &'n RefCell<HashSet<&'static str>>,
        depth: usize,
    }

    impl Probe<'_> {
        fn deeper(self) -> Result<Self, Error> {
            if self.depth >= MAX_DEPTH {
                return Err(de::Error::custom("too deep"));
            }
            Ok(Probe {
                depth: self.depth + 1,
                ..self
            })
        }
    }

    macro_rules! placeholder {
        ($($method:ident => $visit:ident($value:expr);)+) => {
            $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                visitor.$visit($value)
            })+
        };
    }

    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = Error;

        placeholder! {
            deserialize_any => visit_str("");
            deserialize_bool => visit_bool(false);
            deserialize_i8 => visit_i64(0);
            deserialize_i16 => visit_i64(0);
            deserialize_i32 => visit_i64(0);
            deserialize_i64 => visit_i64(0);
            deserialize_u8 => visit_u64(0);
            deserialize_u16 => visit_u64(0);
            deserialize_u32 => visit_u64(0);
            deserialize_u64 => visit_u64(0);
            deserialize_f32 => visit_f64(0.0);
            deserialize_f64 => visit_f64(0.0);
            deserialize_char => visit_char('0');
            deserialize_str => visit_str("");
            deserialize_string => visit_str("");
            deserialize_bytes => visit_bytes(b"");
            deserialize_byte_buf => visit_bytes(b"");
            deserialize_identifier => visit_str("");
        }

        fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_some(self.deeper()?)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self.deeper()?)
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_seq(Seq {
                probe: self.deeper()?,
                left: 1,
            })
        }

        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_seq(Seq {
                probe: self.deeper()?,
                left: len,
            })
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_tuple(len, visitor)
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_map(Fields {
                probe: self.deeper()?,
                fields: &[],
            })
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.names.borrow_mut().extend(fields);
            visitor.visit_map(Fields {
                probe: self.deeper()?,
                fields,
            })
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.names.borrow_mut().extend(variants);
            let first: &'static str = variants.first().copied().unwrap_or_default();
            visitor.visit_enum(first.into_deserializer())
        }
    }

    /// Offers each field of a struct once.
    struct Fields<'n> {
        probe: Probe<'n>,
        fields: &'static [&'static str],
    }

    impl<'de> de::MapAccess<'de> for Fields<'_> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            let Some((first, rest)) = self.fields.split_first() else {
                return Ok(None);
            };
            self.fields = rest;
            seed.deserialize(first.into_deserializer()).map(Some)
        }

        fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
            seed.deserialize(self.probe)
        }
    }

    /// Offers `left` elements of a sequence.
    struct Seq<'n> {
        probe: Probe<'n>,
        left: usize,
    }

    impl<'de> de::SeqAccess<'de> for Seq<'_> {
        type Error = Error;

        fn next_element_seed<S: DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<Option<S::Value>, Error> {
            if self.left == 0 {
                return Ok(None);
            }
            self.left -= 1;
            seed.deserialize(self.probe).map(Some)
        }
    }
}
