//! Exact Payments tokens.

mod permission;

pub use permission::{Permission, Permissions};
