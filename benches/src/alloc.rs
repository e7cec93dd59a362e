//! A global allocator that counts allocations per thread, so a benchmark can say how many heap
//! allocations one call makes, and the bytes live on the thread, so it can say how much heap one
//! call needs at its peak ([`peak_bytes`]).
//!
//! Install it in a bench binary with
//! `#[global_allocator] static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;`
//! and read [`allocations`] around the code under test. The counter is thread-local: no atomic,
//! no contention between the threads of a multi-threaded benchmark.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    /// Bytes allocated and not yet freed on this thread (memory freed on another thread than
    /// the one that allocated it is counted on the freeing thread).
    static LIVE: Cell<i64> = const { Cell::new(0) };
    /// The highest `LIVE` reached since the last [`peak_bytes`] started.
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

/// The system allocator, counting every `alloc` and `realloc` made on the current thread.
pub struct Counting;

fn bump() {
    // `try_with`: during thread teardown the slot may already be gone.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// `LIVE` changes by `delta` once the peak has seen `transient` more bytes than that.
fn account(delta: i64, transient: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get();
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now + transient)));
        live.set(now + delta);
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        let size = layout.size() as i64;
        account(size, size);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        let size = layout.size() as i64;
        account(size, size);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as i64), 0);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // Counted as the worst case: the new block allocated while the old one is still there
        // (a realloc that cannot grow in place copies).
        account(new_size as i64 - layout.size() as i64, new_size as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made so far on this thread (only counted when [`Counting`] is the global
/// allocator).
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The heap allocations `f` makes on this thread, averaged over `runs` calls (after one warm-up
/// call, so lazily initialised state is not counted).
pub fn per_call<R>(runs: u64, mut f: impl FnMut() -> R) -> f64 {
    std::hint::black_box(f());
    let before = allocations();
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    (allocations() - before) as f64 / runs as f64
}

/// The most heap `f` held at once on this thread, above what was live when it started, in bytes
/// (only measured when [`Counting`] is the global allocator). A `realloc` counts as holding the
/// old and the new block together.
pub fn peak_bytes<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, (peak - start).max(0) as u64)
}

/// Bytes requested and not yet freed on this thread (only counted when [`Counting`] is the
/// global allocator): the difference over a call is what its result holds on the heap.
pub fn live_bytes() -> i64 {
    LIVE.with(Cell::get)
}
