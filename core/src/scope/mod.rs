//! Scope sets over a vocabulary: Voucherify's scopes, Exact Payments' permissions.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

mod unknown;
use unknown::Unknown;

/// A closed list of known scope values. Implemented by [`voucherify::Scope`](crate::voucherify::Scope)
/// and [`exact::Permission`](crate::exact::Permission).
pub trait Vocabulary: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// Every value, in the vocabulary's documented order. At most 128.
    const ALL: &'static [Self];

    /// The value's position in [`ALL`](Self::ALL).
    fn index(self) -> usize;

    /// The wire form, e.g. `client_api` or `charges.create`.
    fn as_str(self) -> &'static str;

    /// The value with this wire form, if it is known.
    fn from_wire(s: &str) -> Option<Self>;

    /// The umbrella value that also grants this one (Voucherify: `api` for server-side scopes,
    /// `client_api` for `client_*` scopes). None by default.
    fn umbrella(self) -> Option<Self> {
        None
    }
}

/// A set of scopes: known values in a bitset, unknown values kept in the order first seen.
///
/// Parsing is lenient (runs of spaces, commas and tabs all separate values) and never fails:
/// an unknown value is kept, never dropped. Printing uses single spaces, known values first in
/// vocabulary order, then unknown values in the order they were added.
///
/// ```
/// use keycard_core::voucherify::{Scope, Scopes};
/// let scopes: Scopes = "vouchers  campaigns,brand-new".parse().unwrap();
/// assert!(scopes.contains(Scope::Vouchers));
/// assert_eq!(scopes.unknown().collect::<Vec<_>>(), ["brand-new"]);
/// assert_eq!(scopes.to_string(), "campaigns vouchers brand-new");
/// let api: Scopes = [Scope::Api].into_iter().collect();
/// assert!(api.grants(Scope::Vouchers));
/// ```
pub struct ScopeSet<V> {
    known: u128,
    unknown: Unknown,
    vocabulary: PhantomData<fn() -> V>,
}

impl<V: Vocabulary> ScopeSet<V> {
    const FITS: () = assert!(V::ALL.len() <= 128, "a vocabulary holds at most 128 values");

    /// The empty set.
    pub const fn new() -> Self {
        Self {
            known: 0,
            unknown: Unknown::new(),
            vocabulary: PhantomData,
        }
    }

    fn bit(value: V) -> u128 {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        1u128 << value.index()
    }

    /// Parses the wire form leniently. Never fails; see the type's docs.
    pub fn parse(wire: &str) -> Self {
        let mut set = Self::new();
        set.insert_wire(wire);
        set
    }

    /// Adds a known value. Returns whether it was new.
    pub fn insert(&mut self, value: V) -> bool {
        let new = self.known & Self::bit(value) == 0;
        self.known |= Self::bit(value);
        new
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
            new |= self.insert_one(&wire[start..end]);
            start = end + 1;
        }
        new
    }

    #[inline]
    fn insert_one(&mut self, wire: &str) -> bool {
        if wire.is_empty() {
            return false;
        }
        match V::from_wire(wire) {
            Some(value) => self.insert(value),
            None => self.unknown.insert(wire),
        }
    }

    /// Removes a known value. Returns whether it was there.
    pub fn remove(&mut self, value: V) -> bool {
        let had = self.contains(value);
        self.known &= !Self::bit(value);
        had
    }

    /// Whether this exact value is in the set (no umbrella logic; see [`grants`](Self::grants)).
    pub fn contains(&self, value: V) -> bool {
        self.known & Self::bit(value) != 0
    }

    /// Whether this unknown wire value is in the set (or, if it is known, the value itself).
    pub fn contains_wire(&self, wire: &str) -> bool {
        match V::from_wire(wire) {
            Some(value) => self.contains(value),
            None => self.unknown.contains(wire),
        }
    }

    /// Whether a token with this set may do what `value` allows: it holds `value` itself or the
    /// umbrella value that covers it.
    pub fn grants(&self, value: V) -> bool {
        self.contains(value) || value.umbrella().is_some_and(|u| self.contains(u))
    }

    /// Whether it grants at least one of `values` (an endpoint accepts any one of its scopes).
    pub fn grants_any(&self, values: &[V]) -> bool {
        values.iter().any(|v| self.grants(*v))
    }

    /// The number of values, known and unknown.
    pub fn len(&self) -> usize {
        self.known.count_ones() as usize + self.unknown.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.known == 0 && self.unknown.is_empty()
    }

    /// The known values, in vocabulary order.
    pub fn known(&self) -> impl Iterator<Item = V> + '_ {
        V::ALL
            .iter()
            .copied()
            .filter(move |v| self.known & Self::bit(*v) != 0)
    }

    /// The unknown values, in the order first added.
    pub fn unknown(&self) -> impl Iterator<Item = &str> + '_ {
        self.unknown.iter()
    }

    /// Every value's wire form: known in vocabulary order, then unknown.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.known()
            .map(|v| -> &str { v.as_str() })
            .chain(self.unknown())
    }

    /// Values in either set.
    pub fn union(&self, other: &Self) -> Self {
        let mut out = self.clone();
        out.known |= other.known;
        for u in other.unknown() {
            out.insert_wire(u);
        }
        out
    }

    /// Values in both sets.
    pub fn intersection(&self, other: &Self) -> Self {
        Self {
            known: self.known & other.known,
            unknown: self.unknown.filtered(|u| other.unknown.contains(u)),
            vocabulary: PhantomData,
        }
    }

    /// Values in this set and not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            known: self.known & !other.known,
            unknown: self.unknown.filtered(|u| !other.unknown.contains(u)),
            vocabulary: PhantomData,
        }
    }

    /// Whether every value of this set is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.known & !other.known == 0 && self.unknown.is_subset(&other.unknown)
    }

    /// Whether every value of `other` is in this set.
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }
}

impl<V: Vocabulary> Default for ScopeSet<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Clone for ScopeSet<V> {
    fn clone(&self) -> Self {
        Self {
            known: self.known,
            unknown: self.unknown.clone(),
            vocabulary: PhantomData,
        }
    }
}

/// Equality is set equality: the order unknown values were added in does not matter.
impl<V: Vocabulary> PartialEq for ScopeSet<V> {
    fn eq(&self, other: &Self) -> bool {
        self.known == other.known
            && self.unknown.len() == other.unknown.len()
            && self.unknown.is_subset(&other.unknown)
    }
}

impl<V: Vocabulary> Eq for ScopeSet<V> {}

impl<V: Vocabulary> Hash for ScopeSet<V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.known.hash(state);
        let mut unknown: Vec<&str> = self.unknown().collect();
        unknown.sort_unstable();
        unknown.hash(state);
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

impl<V: Vocabulary> fmt::Debug for ScopeSet<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<V: Vocabulary> std::str::FromStr for ScopeSet<V> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl<V: Vocabulary> FromIterator<V> for ScopeSet<V> {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl<V: Vocabulary> Extend<V> for ScopeSet<V> {
    fn extend<I: IntoIterator<Item = V>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<V: Vocabulary, const N: usize> From<[V; N]> for ScopeSet<V> {
    fn from(values: [V; N]) -> Self {
        values.into_iter().collect()
    }
}

/// Serialized as the wire string (`"vouchers campaigns"`).
impl<V: Vocabulary> serde::Serialize for ScopeSet<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialized from a wire string, or from a JSON array of values (as Exact Payments sends
/// permissions).
impl<'de, V: Vocabulary> serde::Deserialize<'de> for ScopeSet<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<V>(PhantomData<V>);
        impl<'de, V: Vocabulary> serde::de::Visitor<'de> for Visit<V> {
            type Value = ScopeSet<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a space-separated string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScopeSet::parse(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut set = ScopeSet::new();
                while let Some(item) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    set.insert_wire(&item);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
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

/// Finds a wire form among a vocabulary's values without comparing it to each: an
/// open-addressing hash table of 256 slots (at most 128 values), built at compile time by
/// [`vocabulary!`]. A candidate is confirmed by its length and first and last eight bytes, which
/// is the whole string up to 16 bytes; longer ones are compared in full.
pub(crate) struct WireIndex {
    /// For each slot, the index of the value there, or [`WireIndex::EMPTY`].
    slots: [u8; 256],
    /// Each value's first eight bytes, by index.
    heads: [u64; 128],
    /// Each value's last eight bytes, by index.
    tails: [u64; 128],
}

impl WireIndex {
    const EMPTY: u8 = u8::MAX;

    /// The index of `words` (distinct, at most 128). Fails to compile otherwise.
    pub(crate) const fn new(words: &[&str]) -> Self {
        assert!(words.len() <= 128, "a vocabulary holds at most 128 values");
        let mut index = Self {
            slots: [Self::EMPTY; 256],
            heads: [0; 128],
            tails: [0; 128],
        };
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_bytes();
            let (head, tail) = (load_head(word), load_tail(word));
            index.heads[i] = head;
            index.tails[i] = tail;
            let mut slot = wire_hash(word.len(), head, tail);
            while index.slots[slot] != Self::EMPTY {
                assert!(
                    !const_eq(words[index.slots[slot] as usize].as_bytes(), word),
                    "a vocabulary's wire forms are distinct"
                );
                slot = (slot + 1) % 256;
            }
            index.slots[slot] = i as u8;
            i += 1;
        }
        index
    }

    /// The index in `words` (the list the index was built from) of `s`, if it is there.
    #[inline(always)]
    pub(crate) fn find(&self, words: &[&str], s: &str) -> Option<usize> {
        let b = s.as_bytes();
        let (head, tail) = (load_head(b), load_tail(b));
        let mut slot = wire_hash(b.len(), head, tail);
        loop {
            let i = self.slots[slot] as usize;
            let word = words.get(i)?;
            if word.len() == b.len()
                && self.heads[i] == head
                && self.tails[i] == tail
                && (b.len() <= 16 || word.as_bytes() == b)
            {
                return Some(i);
            }
            slot = (slot + 1) % 256;
        }
    }
}

/// The slot a wire form hashes to, from its length and its first and last eight bytes.
#[inline]
const fn wire_hash(len: usize, head: u64, tail: u64) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let x = head.wrapping_mul(K) ^ tail ^ len as u64;
    (x.wrapping_mul(K) >> 56) as usize
}

/// The first eight bytes, little-endian; a shorter string whole, zero-padded.
#[inline]
const fn load_head(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    } else {
        load_short(b)
    }
}

/// The last eight bytes, little-endian; a shorter string whole, zero-padded.
#[inline]
const fn load_tail(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        u64::from_le_bytes([
            b[n - 8],
            b[n - 7],
            b[n - 6],
            b[n - 5],
            b[n - 4],
            b[n - 3],
            b[n - 2],
            b[n - 1],
        ])
    } else {
        load_short(b)
    }
}

/// A string of at most seven bytes, little-endian, zero-padded: two overlapping loads, whose
/// overlap holds the same bytes.
#[inline]
const fn load_short(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]) as u64;
        lo | hi << (8 * (n - 4))
    } else if n >= 1 {
        b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1))
    } else {
        0
    }
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Defines a vocabulary enum: its variants, wire forms, `ALL`, and the [`Vocabulary`] impl.
macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        pub enum $name:ident { $($variant:ident => $wire:literal,)+ }
        umbrella $umbrella:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the vendor's documented order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The value with this wire form, if it is known.
            #[inline(always)]
            pub fn from_wire(s: &str) -> Option<Self> {
                const WIRE: &[&str] = &[$($wire),+];
                static INDEX: $crate::scope::WireIndex = $crate::scope::WireIndex::new(WIRE);
                INDEX.find(WIRE, s).map(|i| Self::ALL[i])
            }
        }

        impl $crate::scope::Vocabulary for $name {
            const ALL: &'static [Self] = Self::ALL;
            fn index(self) -> usize {
                self as usize
            }
            fn as_str(self) -> &'static str {
                Self::as_str(self)
            }
            #[inline(always)]
            fn from_wire(s: &str) -> Option<Self> {
                Self::from_wire(s)
            }
            fn umbrella(self) -> Option<Self> {
                let umbrella: fn(Self) -> Option<Self> = $umbrella;
                umbrella(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::scope::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_wire(s).ok_or($crate::scope::UnknownValue)
            }
        }
    };
}
pub(crate) use vocabulary;

/// A string that is not a known value of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known value of this vocabulary")]
pub struct UnknownValue;

#[cfg(test)]
mod tests {
    use super::{load_head, load_tail, next_separator, Vocabulary};
    use crate::exact::{Permission, Permissions};
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
    fn every_wire_form_is_found() {
        for v in Scope::ALL {
            assert_eq!(Scope::from_wire(v.as_str()), Some(*v));
        }
        for v in Permission::ALL {
            assert_eq!(Permission::from_wire(v.as_str()), Some(*v));
        }
        for s in [
            "",
            "Api",
            "api ",
            "apis",
            "client_",
            "users.read.",
            "users.rea",
            "\0\0\0",
        ] {
            assert_eq!(Scope::from_wire(s), None);
            assert_eq!(Permission::from_wire(s), None);
        }
    }

    #[test]
    fn loads_agree_with_slices() {
        let b = b"validation-rules-assignments";
        assert_eq!(load_head(b), u64::from_le_bytes(*b"validati"));
        assert_eq!(load_tail(b), u64::from_le_bytes(*b"ignments"));
        assert_eq!(
            load_head(b"api"),
            u64::from(b'a') | u64::from(b'p') << 8 | u64::from(b'i') << 16
        );
        for n in 0..=8 {
            let b = &b"abcdefgh"[..n];
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(b);
            assert_eq!(load_head(b), u64::from_le_bytes(padded), "{n}");
            assert_eq!(load_tail(b), u64::from_le_bytes(padded), "{n}");
        }
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

    proptest! {
        #[test]
        fn from_wire_agrees_with_a_linear_search(s in "[a-z_.-]{0,30}") {
            prop_assert_eq!(Scope::from_wire(&s), linear::<Scope>(&s));
            prop_assert_eq!(Permission::from_wire(&s), linear::<Permission>(&s));
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
