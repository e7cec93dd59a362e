//! # keycard
//!
//! Access tokens for the Voucherify and Exact Payments APIs: a sans-IO core
//! ([`keycard_core`], re-exported here) with pluggable transports behind features.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use keycard_core::*;
