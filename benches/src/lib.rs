//! Shared pieces of keycard's benchmarks: the fixtures, the alternatives a user would pick
//! instead of keycard, and an allocation counter.
//!
//! The benchmarks themselves are in `benches/` (criterion, `cargo bench -p keycard-benches`);
//! `src/bin/icount.rs` runs the same code paths for `valgrind --tool=callgrind`, which counts
//! instructions: a noise-free ratio on a noisy machine. See `BENCHMARKS.md` at the repository root.

pub mod alloc;
pub mod alt;
pub mod canned;
pub mod fixtures;
pub mod hot;
pub mod live;
