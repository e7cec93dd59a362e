//! Scope sets over a vocabulary: Voucherify's scopes, Exact Payments' permissions.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

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
    unknown: Vec<Box<str>>,
    vocabulary: PhantomData<fn() -> V>,
}

impl<V: Vocabulary> ScopeSet<V> {
    const FITS: () = assert!(V::ALL.len() <= 128, "a vocabulary holds at most 128 values");

    /// The empty set.
    pub const fn new() -> Self {
        Self {
            known: 0,
            unknown: Vec::new(),
            vocabulary: PhantomData,
        }
    }

    fn bit(value: V) -> u128 {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        1u128 << value.index()
    }

    /// What separates values on the wire, leniently read.
    const SEPARATORS: [char; 5] = [' ', ',', '\t', '\n', '\r'];

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
        wire.split(Self::SEPARATORS)
            .fold(false, |new, item| self.insert_one(item) | new)
    }

    fn insert_one(&mut self, wire: &str) -> bool {
        if wire.is_empty() {
            return false;
        }
        match V::from_wire(wire) {
            Some(value) => self.insert(value),
            None if self.unknown.iter().any(|u| &**u == wire) => false,
            None => {
                self.unknown.push(wire.into());
                true
            }
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
            None => self.unknown.iter().any(|u| &**u == wire),
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
        self.unknown.iter().map(|u| &**u)
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
            unknown: self
                .unknown
                .iter()
                .filter(|u| other.unknown.contains(u))
                .cloned()
                .collect(),
            vocabulary: PhantomData,
        }
    }

    /// Values in this set and not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            known: self.known & !other.known,
            unknown: self
                .unknown
                .iter()
                .filter(|u| !other.unknown.contains(u))
                .cloned()
                .collect(),
            vocabulary: PhantomData,
        }
    }

    /// Whether every value of this set is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.known & !other.known == 0 && self.unknown.iter().all(|u| other.unknown.contains(u))
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
            && self.unknown.iter().all(|u| other.unknown.contains(u))
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
            pub fn from_wire(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
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
