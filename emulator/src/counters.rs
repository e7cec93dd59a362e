//! Counters of requests received per route.

use crate::route::Route;
use std::sync::atomic::{AtomicU64, Ordering};

/// One counter per [`Route`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: [AtomicU64; Route::ALL.len()],
}

impl Counters {
    pub(crate) fn hit(&self, route: Route) {
        self.hits[route.index()].fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn get(&self, route: Route) -> u64 {
        self.hits[route.index()].load(Ordering::SeqCst)
    }

    pub(crate) fn reset(&self) {
        for h in &self.hits {
            h.store(0, Ordering::SeqCst);
        }
    }
}
