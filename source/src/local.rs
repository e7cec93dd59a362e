//! Each thread's own reference to the tokens it serves, so that the hot path reads no shared
//! `ArcSwap` (whose load takes and gives back a debt slot: two atomic read-modify-writes).
//!
//! Every publication of a token, by any source, gets a number no other publication has (its
//! epoch). A thread keeps the last token it served from each of up to [`SLOTS`] sources, with
//! the epoch it was published under and its freshness deadline on the raw coarse clock. While
//! a source's epoch (one plain atomic load) is the one a slot holds, that slot's token is the
//! source's current one: no other load, no reference count.
//!
//! What it costs: a thread keeps its copy of a replaced token (an `Arc`, so the token itself)
//! until it next serves from that source, or until it ends; never serves it.

use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How many sources a thread keeps a token for (a thread that serves from more takes the
/// shared load for some).
const SLOTS: usize = 4;

/// A type-erased `Arc<LiveToken<G>>`: the epoch says which source, hence which `G`.
pub(crate) type Erased = Arc<dyn Any + Send + Sync>;

/// The next epoch (0 is "no token").
static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);

/// A new epoch, unique in the process.
pub(crate) fn next_epoch() -> u64 {
    NEXT_EPOCH.fetch_add(1, Ordering::Relaxed)
}

/// A token as a thread keeps it.
pub(crate) struct Held {
    /// The token.
    pub(crate) token: Erased,
    /// Its `Authorization` value, this thread's copy.
    pub(crate) header: http::HeaderValue,
    /// The raw coarse reading before which the token may be served on that reading alone (0:
    /// never; see [`crate::clock::coarse_deadline`]).
    pub(crate) fresh_until: u64,
}

struct Slot {
    /// The publication this is (0: empty).
    epoch: u64,
    /// The source it came from (its address while it lives): which slot a new publication of
    /// the same source replaces. Only a hint; the epoch decides what is served.
    source: usize,
    held: Option<Held>,
}

impl Slot {
    const EMPTY: Slot = Slot {
        epoch: 0,
        source: 0,
        held: None,
    };
}

thread_local! {
    static LOCAL: RefCell<[Slot; SLOTS]> = const { RefCell::new([Slot::EMPTY; SLOTS]) };
}

/// Serves the token published under `epoch` by `source`: from this thread's slot, or loaded by
/// `load` (then kept for the next call). `serve` says what to make of it (`None`: not served).
/// Without a token (`epoch` 0) nothing is served.
#[inline]
pub(crate) fn serve<R>(
    source: usize,
    epoch: u64,
    load: impl FnOnce() -> Option<Held>,
    serve: impl FnOnce(&Held) -> Option<R>,
) -> Option<R> {
    let mut load = Some(load);
    let mut serve = Some(serve);
    let kept = LOCAL.try_with(|local| {
        // Borrowed already: a token served from inside another's `serve` (a header's drop,
        // say). Served from a fresh load then, below.
        let mut slots = local.try_borrow_mut().ok()?;
        if epoch == 0 {
            // No token: this thread's slots are now set up (the first access registers their
            // destructor, which allocates), so serving the first token allocates nothing.
            return Some(None);
        }
        let at = match slots.iter().position(|s| s.epoch == epoch) {
            Some(at) => at,
            None => {
                let held = load.take()?()?;
                let at = replaced(&slots[..], source);
                slots[at] = Slot {
                    epoch,
                    source,
                    held: Some(held),
                };
                at
            }
        };
        let held = slots[at].held.as_ref()?;
        Some(serve.take()?(held))
    });
    match kept {
        Ok(Some(served)) => served,
        // No slot to be had (the thread is ending, or a nested call): load and serve.
        _ => {
            let held = load.take()?()?;
            serve.take()?(&held)
        }
    }
}

/// Which slot a new publication of `source` takes: the one its previous publication holds, else
/// an empty one, else the oldest publication.
fn replaced(slots: &[Slot], source: usize) -> usize {
    let oldest = (0..slots.len())
        .min_by_key(|&i| slots[i].epoch)
        .unwrap_or(0);
    slots
        .iter()
        .position(|s| s.epoch != 0 && s.source == source)
        .unwrap_or(oldest)
}
