//! A scope set's wire form: read leniently (runs of spaces, commas, tabs and line breaks all
//! separate values), printed with single spaces.

use super::{ScopeSet, Vocabulary};
use std::fmt;

impl<V: Vocabulary> ScopeSet<V> {
    /// Parses the wire form leniently. Never fails; see the type's docs.
    pub fn parse(wire: &str) -> Self {
        let mut set = Self::new();
        set.insert_wire(wire);
        set
    }

    /// Adds a value by its wire form: a known value goes in the bitset, anything else is kept as
    /// an unknown value. Separators (spaces, commas, tabs, line breaks) split it into several
    /// values, as [`parse`](Self::parse) would, so the set always prints as what it holds; empty
    /// values are ignored. Returns whether any value was new.
    pub fn insert_wire(&mut self, wire: &str) -> bool {
        let bytes = wire.as_bytes();
        let mut new = false;
        let mut start = 0;
        while start < bytes.len() {
            let end = next_separator(bytes, start);
            // Separators are ASCII, so both ends are character boundaries.
            let item = &wire[start..end];
            if !item.is_empty() {
                new |= match V::from_wire(item) {
                    Some(value) => self.insert(value),
                    None => {
                        // The rest of the string bounds what the unknown values can take.
                        self.unknown.reserve_once(bytes.len() - start);
                        self.unknown.insert(item)
                    }
                };
            }
            start = end + 1;
        }
        new
    }
}

impl<V: Vocabulary> fmt::Display for ScopeSet<V> {
    /// The wire form: values separated by single spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, value) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(value)?;
        }
        Ok(())
    }
}

impl<V: Vocabulary> std::str::FromStr for ScopeSet<V> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

/// Whether `b` separates values on the wire (leniently read): space, comma, tab, CR, LF.
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b',' | b'\t' | b'\n' | b'\r')
}

/// The index of the first separator at or after `i`, or the length. Eight bytes at a time.
#[inline]
fn next_separator(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(chunk) = b.get(i..i + 8) {
        let w = chunk.try_into().map_or(0, u64::from_le_bytes);
        // High bit set for each byte below 0x21 or equal to `,`: every separator, and a few
        // control characters that are not. The lowest flagged byte is always a true one.
        let comma = w ^ (ONES * u64::from(b','));
        let m = ((w.wrapping_sub(ONES * 0x21) & !w) | (comma.wrapping_sub(ONES) & !comma)) & HIGH;
        if m == 0 {
            i += 8;
            continue;
        }
        i += (m.trailing_zeros() / 8) as usize;
        if is_separator(b[i]) {
            return i;
        }
        i += 1;
    }
    while let Some(&c) = b.get(i) {
        if is_separator(c) {
            return i;
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::next_separator;
    use crate::exact::{Permission, Permissions};
    use crate::scope::Vocabulary;
    use crate::voucherify::{Scope, Scopes};
    use proptest::prelude::*;

    /// What `from_wire` did before the index: compare with every value.
    fn linear<V: Vocabulary>(s: &str) -> Option<V> {
        V::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// What parsing did before the fast split: `str::split` on the separators.
    fn reference<V: Vocabulary>(wire: &str) -> (Vec<V>, Vec<String>) {
        let mut known = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for item in wire.split([' ', ',', '\t', '\n', '\r']) {
            match linear::<V>(item) {
                Some(v) if !known.contains(&v) => known.push(v),
                Some(_) => {}
                None if item.is_empty() || unknown.iter().any(|u| u == item) => {}
                None => unknown.push(item.to_owned()),
            }
        }
        known.sort();
        (known, unknown)
    }

    #[test]
    fn separators_are_found_wherever_they_are() {
        let wire = "a\x01b\x1fcdefghijkl,m\u{e9}n\u{85}o\rp";
        let mut at = Vec::new();
        let mut i = 0;
        while i < wire.len() {
            i = next_separator(wire.as_bytes(), i);
            at.push(i);
            i += 1;
        }
        let expected: Vec<usize> = wire
            .bytes()
            .enumerate()
            .filter(|(_, b)| b" ,\t\n\r".contains(b))
            .map(|(i, _)| i)
            .chain([wire.len()])
            .collect();
        assert_eq!(at, expected);
    }

    fn wire_text() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            4 => prop::sample::select(Scope::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()).prop_map(str::to_owned),
            4 => prop::sample::select(Permission::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()).prop_map(str::to_owned),
            4 => prop::sample::select(vec![" ", ",", "\t", "\n", "\r", "  ", ", "]).prop_map(str::to_owned),
            1 => "[a-z_.-]{0,12}",
            1 => "[\\x00-\\x1f\\x7f\u{80}-\u{ff}é€]{1,3}",
        ];
        prop::collection::vec(part, 0..24).prop_map(|p| p.concat())
    }

    /// Many unknown values, repeats among them, of mixed lengths: the index, sized from the
    /// string, is built and then grows.
    fn many_unknown() -> impl Strategy<Value = String> {
        let value = prop_oneof!["[a-c]{1,2}", "[a-z]{1,40}", Just("vouchers".to_owned())];
        prop::collection::vec((value, prop::sample::select(vec![" ", ",", "  "])), 0..400)
            .prop_map(|parts| parts.into_iter().map(|(v, sep)| v + sep).collect())
    }

    proptest! {
        #[test]
        fn many_unknown_values_parse_like_splitting(wire in many_unknown()) {
            let scopes = Scopes::parse(&wire);
            let (known, unknown) = reference::<Scope>(&wire);
            prop_assert_eq!(scopes.known().collect::<Vec<_>>(), known);
            prop_assert_eq!(scopes.unknown().collect::<Vec<_>>(), unknown.iter().map(String::as_str).collect::<Vec<_>>());
            for value in &unknown {
                prop_assert!(scopes.contains_wire(value));
            }
            prop_assert!(!scopes.contains_wire("not-in-the-string-at-all-0123456789-0123456789"));
        }

        #[test]
        fn parse_agrees_with_splitting_on_separators(wire in wire_text()) {
            let scopes = Scopes::parse(&wire);
            let (known, unknown) = reference::<Scope>(&wire);
            prop_assert_eq!(scopes.known().collect::<Vec<_>>(), known);
            prop_assert_eq!(scopes.unknown().collect::<Vec<_>>(), unknown.iter().map(String::as_str).collect::<Vec<_>>());
            let permissions = Permissions::parse(&wire);
            let (known, unknown) = reference::<Permission>(&wire);
            prop_assert_eq!(permissions.known().collect::<Vec<_>>(), known);
            prop_assert_eq!(permissions.unknown().collect::<Vec<_>>(), unknown.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
