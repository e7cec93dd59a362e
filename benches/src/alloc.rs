//! A global allocator that counts allocations per thread, so a benchmark can say how many heap
//! allocations one call makes.
//!
//! Install it in a bench binary with
//! `#[global_allocator] static ALLOC: keycard_benches::alloc::Counting = keycard_benches::alloc::Counting;`
//! and read [`allocations`] around the code under test. The counter is thread-local: no atomic,
//! no contention between the threads of a multi-threaded benchmark.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
}

fn add_bytes(delta: i64) {
    let _ = LIVE_BYTES.try_with(|n| n.set(n.get() + delta));
}

/// Bytes requested and not yet freed on this thread (only counted when [`Counting`] is the
/// global allocator): the difference over a call is what its result holds on the heap.
pub fn live_bytes() -> i64 {
    LIVE_BYTES.with(Cell::get)
}

/// The system allocator, counting every `alloc` and `realloc` made on the current thread.
pub struct Counting;

fn bump() {
    // `try_with`: during thread teardown the slot may already be gone.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        add_bytes(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        add_bytes(layout.size() as i64);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add_bytes(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        add_bytes(new_size as i64 - layout.size() as i64);
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
