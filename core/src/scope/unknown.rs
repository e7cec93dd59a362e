//! The unknown values of a scope set: each kept once, in the order first added, with lookups
//! that stay constant-time however many there are.
//!
//! A response's scope string is outside input. A broken or hostile server can send hundreds of
//! thousands of distinct values; searching a list on every insert made reading such a string
//! quadratic (about a minute for 100 000 values), and so were equality and the set operations.
//! Past a few values, a hash index answers every lookup. Its hasher is foldhash's quality
//! variant, with a random seed per process and per set: no list of values collides under every
//! seed, and nothing keycard shows reveals a seed (values come back in insertion order), so a
//! server sending one scope string cannot aim at the table. foldhash does not claim resistance
//! to an attacker who can watch the hashes (by timing, say) and adapt; what such a worst case
//! could cost is bounded by the scope string's size ([`MAX_SCOPES_LEN`]).
//!
//! [`MAX_SCOPES_LEN`]: crate::limits::MAX_SCOPES_LEN
//!
//! The values live in one string buffer, each found by its end offset (no allocation per value),
//! and the index is an open-addressing table of value numbers (4 bytes a slot, at most half
//! full), built only once there are [`INDEX_FROM`] values: smaller and faster to fill than a
//! `Vec<String>` of the same values.

use foldhash::quality::RandomState;
use std::hash::BuildHasher;

/// From this many values on, lookups go through the index; below it, a scan is as fast.
const INDEX_FROM: usize = 16;

/// The first index has at most this many slots (1 MiB); past it, it doubles as values come.
const MAX_FIRST_INDEX: usize = 1 << 18;

/// Unknown wire values, distinct, in insertion order.
#[derive(Clone)]
pub(super) struct Unknown {
    /// Every value, one after the other.
    bytes: String,
    /// The end of each value in `bytes` (its start is the previous end).
    ends: Vec<u32>,
    /// Boxed: a set without one (most sets) stays small.
    index: Option<Box<Index>>,
}

/// Open addressing, linear probing: each slot holds a value's number + 1, or 0 when empty.
#[derive(Clone)]
struct Index {
    hasher: RandomState,
    slots: Vec<u32>,
}

impl Index {
    fn slot_of(&self, value: &str) -> usize {
        // The table's length is a power of two.
        (self.hasher.hash_one(value) as usize) & (self.slots.len() - 1)
    }
}

impl Unknown {
    pub(super) const fn new() -> Self {
        Self {
            bytes: String::new(),
            ends: Vec::new(),
            index: None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `n`th value.
    fn get(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.bytes[start..self.ends[n] as usize]
    }

    /// Where `value` is in the index: `Ok(slot)` if it is there, `Err(empty slot)` if not.
    fn probe(&self, index: &Index, value: &str) -> Result<usize, usize> {
        let mask = index.slots.len() - 1;
        let mut slot = index.slot_of(value);
        loop {
            match index.slots[slot] {
                0 => return Err(slot),
                n if self.get(n as usize - 1) == value => return Ok(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Whether `value` is among the values, by comparing with each: lengths first, as bytes
    /// (no character-boundary checks).
    fn scan(&self, value: &[u8]) -> bool {
        let bytes = self.bytes.as_bytes();
        let mut start = 0;
        for &end in &self.ends {
            let end = end as usize;
            if end - start == value.len() && bytes.get(start..end) == Some(value) {
                return true;
            }
            start = end;
        }
        false
    }

    pub(super) fn contains(&self, value: &str) -> bool {
        match &self.index {
            Some(index) => self.probe(index, value).is_ok(),
            None => self.scan(value.as_bytes()),
        }
    }

    /// Adds `value` unless it is there. Returns whether it was new.
    pub(super) fn insert(&mut self, value: &str) -> bool {
        match &self.index {
            Some(index) => match self.probe(index, value) {
                Ok(_) => false,
                Err(slot) => {
                    self.append(value);
                    self.place(slot);
                    true
                }
            },
            None if self.contains(value) => false,
            None => {
                self.push_distinct(value);
                true
            }
        }
    }

    /// Appends a value that is not there yet.
    fn push_distinct(&mut self, value: &str) {
        match &self.index {
            Some(index) => {
                let slot = self.probe(index, value).unwrap_or_else(|empty| empty);
                self.append(value);
                self.place(slot);
            }
            None => {
                self.append(value);
                if self.len() >= INDEX_FROM {
                    self.rebuild(self.first_index_size());
                }
            }
        }
    }

    /// Before the first value: room for up to `bytes` of values, so that reading a wire string
    /// allocates the buffer once (the string's remaining length bounds what it can add).
    pub(super) fn reserve_once(&mut self, bytes: usize) {
        if self.bytes.capacity() == 0 {
            self.bytes.reserve_exact(bytes);
            self.ends.reserve((bytes / 8).clamp(4, 1024));
        }
    }

    /// Appends to the buffer only.
    fn append(&mut self, value: &str) {
        self.bytes.push_str(value);
        let end = u32::try_from(self.bytes.len())
            .expect("a scope set holds at most 4 GiB of unknown values");
        self.ends.push(end);
    }

    /// Puts the last value in the index at `slot` (empty), growing the table past half full.
    fn place(&mut self, slot: usize) {
        let n = self.len() as u32;
        let index = self.index.as_mut().expect("an index");
        index.slots[slot] = n;
        if self.ends.len() * 2 > index.slots.len() {
            let size = index.slots.len() * 2;
            self.rebuild(size);
        }
    }

    /// The first index's size: room for as many values as the reserved buffer holds at the
    /// values' average length so far (one table for a whole wire string, instead of one for
    /// every doubling), at most [`MAX_FIRST_INDEX`] slots.
    fn first_index_size(&self) -> usize {
        // Each value came with at least one separator on the wire.
        let average = self.bytes.len() / self.len() + 1;
        let expected = (self.bytes.capacity() / average).max(INDEX_FROM * 2);
        (expected * 2).next_power_of_two().min(MAX_FIRST_INDEX)
    }

    /// Builds the index afresh with `size` slots (a power of two, more than twice the values).
    fn rebuild(&mut self, size: usize) {
        let hasher = self
            .index
            .take()
            .map_or_else(RandomState::default, |index| index.hasher);
        let mut index = Index {
            hasher,
            slots: vec![0; size],
        };
        let mask = size - 1;
        for n in 0..self.len() {
            let mut slot = index.slot_of(self.get(n));
            while index.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            index.slots[slot] = n as u32 + 1;
        }
        self.index = Some(Box::new(index));
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|n| self.get(n))
    }

    /// The values for which `keep` holds, in the same order.
    pub(super) fn filtered(&self, keep: impl Fn(&str) -> bool) -> Self {
        let mut out = Self::new();
        for value in self.iter().filter(|u| keep(u)) {
            out.push_distinct(value);
        }
        out
    }

    /// Whether every value is also in `other`.
    pub(super) fn is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.iter().all(|u| other.contains(u))
    }
}

#[cfg(test)]
mod tests {
    use super::Unknown;
    use proptest::prelude::*;

    proptest! {
        /// Against a plain list: the same values, in the same order, whatever the count.
        #[test]
        fn keeps_each_value_once_in_order(values in prop::collection::vec("[a-e]{0,3}", 0..200)) {
            let mut unknown = Unknown::new();
            let mut list: Vec<String> = Vec::new();
            for v in &values {
                let new = !list.contains(v);
                if new {
                    list.push(v.clone());
                }
                prop_assert_eq!(unknown.insert(v), new);
            }
            prop_assert_eq!(unknown.iter().collect::<Vec<_>>(), list.iter().map(String::as_str).collect::<Vec<_>>());
            for v in ["", "a", "zz", "abc", "eee"] {
                prop_assert_eq!(unknown.contains(v), list.iter().any(|u| u == v));
            }
            let half = unknown.filtered(|u| u.len() % 2 == 0);
            prop_assert_eq!(half.iter().collect::<Vec<_>>(), list.iter().filter(|u| u.len() % 2 == 0).map(String::as_str).collect::<Vec<_>>());
            prop_assert!(half.is_subset(&unknown));
        }
    }
}
