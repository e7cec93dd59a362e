//! Set operations between two scope sets of one vocabulary.

use super::{ScopeSet, Vocabulary};
use std::marker::PhantomData;

impl<V: Vocabulary> ScopeSet<V> {
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
