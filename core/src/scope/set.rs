//! The scope set: known values in a bitset, unknown values kept in order; membership.

use super::unknown::Unknown;
use super::Vocabulary;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

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
    pub(super) known: u128,
    pub(super) unknown: Unknown,
    pub(super) vocabulary: PhantomData<fn() -> V>,
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

    /// Adds a known value. Returns whether it was new.
    pub fn insert(&mut self, value: V) -> bool {
        let new = self.known & Self::bit(value) == 0;
        self.known |= Self::bit(value);
        new
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

    /// Whether a token with this set may do everything a token with `wanted` may: each known
    /// value of `wanted` is granted (itself or its umbrella), and each unknown one is held.
    ///
    /// ```
    /// use keycard_core::voucherify::{Scope, Scopes};
    /// let api = Scopes::from([Scope::Api]);
    /// assert!(api.grants_all(&Scopes::from([Scope::Vouchers, Scope::Campaigns])));
    /// assert!(!Scopes::from([Scope::Vouchers]).grants_all(&api));
    /// ```
    pub fn grants_all(&self, wanted: &Self) -> bool {
        wanted.known().all(|v| self.grants(v)) && wanted.unknown().all(|u| self.unknown.contains(u))
    }

    /// Whether one of the known values has its bit (by index in `V::ALL`) in `mask`: with a
    /// mask of values and their umbrellas, the same answer as [`grants_any`](Self::grants_any)
    /// in one AND.
    pub(crate) fn grants_mask(&self, mask: u128) -> bool {
        self.known & mask != 0
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

impl<V: Vocabulary> fmt::Debug for ScopeSet<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
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
