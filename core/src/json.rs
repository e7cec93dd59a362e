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

/// A member value the fast path reads: a string without escapes, a small non-negative integer,
/// or any other JSON value, validated and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flat<'a> {
    /// A string, exactly as `serde_json` would borrow it.
    Str(&'a str),
    /// An integer of at most 18 digits, no sign, no fraction, no exponent.
    Int(i64),
    /// Any other value (a string with escapes, another number, `true`, `false`, `null`, an
    /// array, an object), as its JSON text. It was checked as strictly as `serde_json` checks a
    /// value it ignores (or more strictly: a lone surrogate escape, or nesting deeper than
    /// [`MAX_DEPTH`], gives up), so a caller may skip it; one that wants it reads the text.
    Other(&'a str),
}

/// How deep the fast path follows arrays and objects it skips; deeper gives up (serde_json's own
/// limit is 128).
const MAX_DEPTH: usize = 32;

/// The fast path for flat objects: reads `{"key": value, …}` where every key is free of escapes
/// and control characters, and hands each member to `member` in order (which returns `false` to
/// give up). String values without escapes and plain non-negative integers come as
/// [`Flat::Str`] and [`Flat::Int`]; any other valid JSON value as [`Flat::Other`].
///
/// It reads only a subset of JSON, and on that subset means exactly what `serde_json` means;
/// anything else (an escaped key, invalid JSON, trailing bytes, invalid UTF-8) gives `None`,
/// and the caller reads the body again with [`from_slice`], which also makes the error. So a
/// caller that builds its model from the members gets the model `serde_json` would have given,
/// or falls back to `serde_json` itself.
pub(crate) fn flat_object<'a>(
    body: &'a [u8],
    member: impl FnMut(&'a str, Flat<'a>) -> bool,
) -> Option<()> {
    let text = std::str::from_utf8(body).ok()?;
    flat_object_str(text, member)
}

/// [`flat_object`] on text already known to be UTF-8 (a [`Flat::Other`] object, say).
pub(crate) fn flat_object_str<'a>(
    text: &'a str,
    member: impl FnMut(&'a str, Flat<'a>) -> bool,
) -> Option<()> {
    let i = object_at(text, skip_whitespace(text.as_bytes(), 0), member, None)?;
    (skip_whitespace(text.as_bytes(), i) == text.len()).then_some(())
}

/// [`flat_object`] for a body with one object nested in it: the value of the member named
/// `nested`, when it is an object, is read in the same pass by `inner` exactly as
/// [`flat_object_str`] would read its text (and then handed to `outer` as [`Flat::Other`]),
/// rather than checked once to be skipped and read again.
pub(crate) fn flat_object_nested<'a>(
    body: &'a [u8],
    nested: &str,
    inner: impl FnMut(&'a str, Flat<'a>) -> bool,
    outer: impl FnMut(&'a str, Flat<'a>) -> bool,
) -> Option<()> {
    let text = std::str::from_utf8(body).ok()?;
    let mut inner = inner;
    let nested: Nested<'_, 'a> = (nested, &mut inner);
    let i = object_at(text, skip_whitespace(body, 0), outer, Some(nested))?;
    (skip_whitespace(body, i) == body.len()).then_some(())
}

/// A member name whose object value is read by the given reader, in the same pass.
type Nested<'n, 'a> = (&'n str, &'n mut dyn FnMut(&'a str, Flat<'a>) -> bool);

/// Reads the object starting at `i` (no whitespace before it), handing each member to `member`;
/// returns the index after it.
fn object_at<'a>(
    text: &'a str,
    mut i: usize,
    mut member: impl FnMut(&'a str, Flat<'a>) -> bool,
    mut nested: Option<Nested<'_, 'a>>,
) -> Option<usize> {
    let b = text.as_bytes();
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
            let start = i;
            let value = match *b.get(i)? {
                b'"' => match string_end(b, i + 1) {
                    Some(end) => {
                        i = end + 1;
                        Flat::Str(text.get(start + 1..end)?)
                    }
                    None => {
                        i = skip_value(b, i, 0)?;
                        Flat::Other(text.get(start..i)?)
                    }
                },
                b'0'..=b'9' => {
                    let mut n: i64 = 0;
                    while let Some(d @ b'0'..=b'9') = b.get(i).copied() {
                        n = n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
                        i += 1;
                    }
                    let digits = i - start;
                    if matches!(b.get(i), Some(b'.' | b'e' | b'E'))
                        || digits > 18
                        || (b[start] == b'0' && digits > 1)
                    {
                        i = skip_value(b, start, 0)?;
                        Flat::Other(text.get(start..i)?)
                    } else {
                        Flat::Int(n)
                    }
                }
                b'{' if nested.as_ref().is_some_and(|(name, _)| *name == key) => {
                    let (_, read) = nested.as_mut()?;
                    i = object_at(text, i, &mut **read, None)?;
                    Flat::Other(text.get(start..i)?)
                }
                _ => {
                    i = skip_value(b, i, 0)?;
                    Flat::Other(text.get(start..i)?)
                }
            };
            if !member(key, value) {
                return None;
            }
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
    Some(i)
}

/// Checks the JSON value starting at `i` (no whitespace before it) and returns the index after
/// it. As strict as `serde_json` skipping an ignored value, or stricter (gives up on a lone
/// surrogate escape and on nesting deeper than [`MAX_DEPTH`]).
fn skip_value(b: &[u8], mut i: usize, depth: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i + 1),
        b'-' | b'0'..=b'9' => skip_number(b, i),
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        b'[' => {
            if depth >= MAX_DEPTH {
                return None;
            }
            i = skip_whitespace(b, i + 1);
            if b.get(i) == Some(&b']') {
                return Some(i + 1);
            }
            loop {
                i = skip_value(b, i, depth + 1)?;
                i = skip_whitespace(b, i);
                match b.get(i)? {
                    b',' => i = skip_whitespace(b, i + 1),
                    b']' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        b'{' => {
            if depth >= MAX_DEPTH {
                return None;
            }
            i = skip_whitespace(b, i + 1);
            if b.get(i) == Some(&b'}') {
                return Some(i + 1);
            }
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                i = skip_whitespace(b, skip_string(b, i + 1)?);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_whitespace(b, i + 1);
                i = skip_value(b, i, depth + 1)?;
                i = skip_whitespace(b, i);
                match b.get(i)? {
                    b',' => i = skip_whitespace(b, i + 1),
                    b'}' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

/// A JSON number starting at `i`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Returns the
/// index after it.
fn skip_number(b: &[u8], mut i: usize) -> Option<usize> {
    fn digits(b: &[u8], mut i: usize) -> Option<usize> {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    }
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(b, i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// A string whose contents start at `i`, escapes allowed: the index after its closing `"`.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = string_stop(b, i)?;
        match b[i] {
            b'"' => return Some(i + 1),
            b'\\' => {
                i = match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i + 2,
                    b'u' => {
                        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
                        if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                            return None;
                        }
                        let unit = u16::from_str_radix(hex, 16).ok()?;
                        // serde_json ignores any escape, but reads a lone surrogate into a
                        // string as an error: surrogates are left to it.
                        if (0xd800..=0xdfff).contains(&unit) {
                            return None;
                        }
                        i + 6
                    }
                    _ => return None,
                };
            }
            _ => return None,
        }
    }
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
fn skip_whitespace(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// The index of the `"` closing a string whose contents start at `i`, if the contents have no
/// escape and no control character.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let i = string_stop(b, i)?;
    (b[i] == b'"').then_some(i)
}

/// The index of the first `"`, `\` or control character at or after `i`. Eight bytes at a time.
#[inline]
fn string_stop(b: &[u8], mut i: usize) -> Option<usize> {
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
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    loop {
        match *b.get(i)? {
            b'"' | b'\\' | 0..=0x1f => return Some(i),
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

/// For the fast paths' property tests: `body` with each edit applied in turn — at a position
/// (wrapping), insert (`0`), remove (`1`) or replace (else) one byte.
#[cfg(test)]
pub(crate) fn mutated(body: &[u8], edits: &[(proptest::sample::Index, u8, u8)]) -> Vec<u8> {
    let mut body = body.to_vec();
    for &(at, kind, byte) in edits {
        let i = at.index(body.len() + 1);
        match kind {
            0 => body.insert(i, byte),
            1 if i < body.len() => {
                body.remove(i);
            }
            _ if i < body.len() => body[i] = byte,
            _ => {}
        }
    }
    body
}
