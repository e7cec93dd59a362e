//! The unknown values of a scope set: each kept once, in the order first added, with lookups
//! that stay constant-time however many there are.
//!
//! A response's scope string is outside input. A broken or hostile server can send hundreds of
//! thousands of distinct values; searching a list on every insert made reading such a string
//! quadratic (about a minute for 100 000 values), and so were equality and the set operations.
//! Past a few values, a hash index (with a randomly keyed hasher, so that colliding values
//! cannot be chosen in advance) answers every lookup.

use std::collections::HashSet;
use std::sync::Arc;

/// From this many values on, lookups go through the index; below it, a scan is as fast.
const INDEX_FROM: usize = 16;

/// Unknown wire values, distinct, in insertion order.
#[derive(Clone)]
pub(super) struct Unknown {
    order: Vec<Arc<str>>,
    index: Option<HashSet<Arc<str>>>,
}

impl Unknown {
    pub(super) const fn new() -> Self {
        Self {
            order: Vec::new(),
            index: None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub(super) fn contains(&self, value: &str) -> bool {
        match &self.index {
            Some(index) => index.contains(value),
            None => self.order.iter().any(|u| &**u == value),
        }
    }

    /// Adds `value` unless it is there. Returns whether it was new.
    pub(super) fn insert(&mut self, value: &str) -> bool {
        if self.contains(value) {
            return false;
        }
        self.push(Arc::from(value));
        true
    }

    /// Appends a value that is not there yet.
    fn push(&mut self, value: Arc<str>) {
        match &mut self.index {
            Some(index) => {
                index.insert(value.clone());
            }
            None if self.order.len() + 1 >= INDEX_FROM => {
                let mut index: HashSet<Arc<str>> = self.order.iter().cloned().collect();
                index.insert(value.clone());
                self.index = Some(index);
            }
            None => {}
        }
        self.order.push(value);
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.order.iter().map(|u| &**u)
    }

    /// The values for which `keep` holds, in the same order.
    pub(super) fn filtered(&self, keep: impl Fn(&str) -> bool) -> Self {
        let mut out = Self::new();
        for value in self.order.iter().filter(|u| keep(u)) {
            out.push(value.clone());
        }
        out
    }

    /// Whether every value is also in `other`.
    pub(super) fn is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.iter().all(|u| other.contains(u))
    }
}
