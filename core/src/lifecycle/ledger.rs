//! The fleet's token ledger: how many live tokens a fleet holds against one budget (a
//! Voucherify project allows at most 1000), and what a source does as the count nears it.
//!
//! A store shared by the fleet keeps the ledger ([`TokenStore::record_mint`](super::TokenStore::record_mint),
//! [`count_live`](super::TokenStore::count_live)): one entry per token minted, a
//! [fingerprint](StoredToken::fingerprint) that does not reveal it, kept until the token
//! expires. The source records each token it mints, and counts before it mints.

use super::StoredToken;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How many live tokens the ledger holds for one budget, as a store counted them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveCount {
    /// The tokens not yet expired.
    pub live: u32,
    /// How long until the first of them expires (none when there are none), measured by the
    /// store (a shared store on its own clock).
    pub next_expiry_in: Option<Duration>,
}

impl LiveCount {
    /// `live` tokens, the first of which expires in `next_expiry_in`.
    pub fn new(live: u32, next_expiry_in: Option<Duration>) -> Self {
        Self {
            live,
            next_expiry_in,
        }
    }
}

/// What a source does about the fleet's count of live tokens (for endpoints whose tokens count
/// against a budget, such as Voucherify's 1000 per project, and with a store that keeps a
/// ledger). Start from [`Default`] and change fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenBudget {
    /// The API's own limit of live tokens (Voucherify: 1000 per project), for the
    /// [`Event::NearTokenLimit`](super::Event::NearTokenLimit) report.
    pub limit: u32,
    /// From this many live tokens on, each count is reported as
    /// [`Event::NearTokenLimit`](super::Event::NearTokenLimit).
    pub warn_at: u32,
    /// With this many live tokens or more, the source does not mint: it does as `when_spent`
    /// says. Keep it below `limit`, with room for processes that mint without the store.
    pub max_live: u32,
    /// What a source does when the budget is spent.
    pub when_spent: WhenSpent,
}

impl Default for TokenBudget {
    /// Voucherify's 1000 live tokens per project: warn from 800, stop minting at 950 and wait
    /// for one to expire.
    fn default() -> Self {
        Self {
            limit: 1000,
            warn_at: 800,
            max_live: 950,
            when_spent: WhenSpent::Wait,
        }
    }
}

/// What a source does when the fleet's budget of live tokens is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenSpent {
    /// Mint nothing until the first live token expires (callers are served a valid token
    /// meanwhile, or wait within their wait limit).
    Wait,
    /// Fail at once with [`FetchError::BudgetSpent`](super::FetchError::BudgetSpent) (a
    /// valid token is still served), and count again after the retry policy's longest backoff.
    Fail,
}

/// The length of a fingerprint, in hex digits (128 bits).
const FINGERPRINT_HEX: usize = 32;

impl StoredToken {
    /// A fingerprint of the token for the fleet's ledger: the first 128 bits of a SHA-256 of
    /// it, in hex. It tells tokens apart and does not reveal them.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(b"keycard token fingerprint v1\0");
        hash.update(self.access_token().expose_secret().as_bytes());
        let mut text = String::with_capacity(FINGERPRINT_HEX);
        for byte in &hash.finalize()[..FINGERPRINT_HEX / 2] {
            text.push_str(&format!("{byte:02x}"));
        }
        text
    }
}
