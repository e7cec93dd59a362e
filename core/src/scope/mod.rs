//! Scope sets over a vocabulary: Voucherify's scopes, Exact Payments' permissions.

// One concept a file: `Vocabulary` and the `vocabulary!` macro that defines one (`vocabulary`),
// the lookup of a vocabulary's wire forms (`wire_index`), the `ScopeSet` and its membership
// (`set`), its wire form: lenient parsing and printing (`wire`), set operations (`ops`), serde
// (`serde_impls`), and the unknown values a set keeps (`unknown`).

mod ops;
mod serde_impls;
mod set;
mod unknown;
mod vocabulary;
mod wire;
mod wire_index;

pub use set::ScopeSet;
pub(crate) use vocabulary::vocabulary;
pub use vocabulary::{UnknownValue, Vocabulary};
pub(crate) use wire_index::WireIndex;
