//! The fleet's lock on minting a token: a Lua script takes it (`SET NX PX` with a random owner
//! id) unless the fleet was told to wait, another releases it (compare and delete).

use super::operation::{parse, Operation, Step};
use super::script::{Lua, ScriptCall};
use crate::{RedisConfig, RedisStoreError};
use keycard_core::lifecycle::{MintClaim, MintLock, StoreKey};
use redis::{Cmd, ErrorKind, RedisError, RedisResult, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The claim script (see [`script::CLAIM`](super::script::CLAIM)):
/// [`MintClaim::HeldOff`] while the fleet's wait for the token is on, else
/// [`MintClaim::Acquired`] if the lock was set for this owner, [`MintClaim::HeldElsewhere`]
/// (with the configured poll interval and wait) if another holds it. A second try, after the
/// connection broke, finds the lock the first set: the script tells by the owner id. A lock
/// without an expiry, or with one past [`lock_wait`](RedisConfig::lock_wait), is given
/// `lock_ttl`.
pub(crate) struct ClaimMint<'p> {
    config: &'p RedisConfig,
    key: StoreKey,
    owner: String,
    script: ScriptCall<'p, i64>,
}

impl<'p> ClaimMint<'p> {
    /// Claims the lock on minting the token under `key` (lock key `lock`, the wait's key
    /// `hold`) as `owner`.
    pub(crate) fn new(
        config: &'p RedisConfig,
        script: &'p Lua,
        key: &StoreKey,
        [lock, hold]: [String; 2],
        owner: String,
    ) -> Self {
        let ttl = super::operation::millis(config.lock_ttl);
        // A lock no waiter could outlast is no lock of this fleet's: it is given `lock_ttl`.
        let longest = super::operation::millis(config.lock_wait).max(ttl);
        let script = script.call_with(&[lock, hold], (&owner[..], ttl, longest), parse::<i64>);
        Self {
            config,
            key: key.clone(),
            owner,
            script,
        }
    }

    /// What the script's answer comes to.
    fn claim(&self, answer: i64) -> Result<MintClaim, RedisStoreError> {
        Ok(match answer {
            0 => MintClaim::Acquired(MintLock::new(
                self.key.clone(),
                self.owner.clone(),
                self.config.lock_ttl,
            )),
            -1 => MintClaim::HeldElsewhere {
                poll_every: self.config.poll_every,
                wait_at_most: self.config.lock_wait,
            },
            // A wait in ms, as Redis measured it (the source bounds what it honours).
            wait => MintClaim::HeldOff {
                retry_in: Duration::from_millis(u64::try_from(wait).map_err(|_| {
                    RedisError::from((
                        ErrorKind::UnexpectedReturnType,
                        "not an answer of the claim script",
                    ))
                })?),
            },
        })
    }
}

impl Operation for ClaimMint<'_> {
    type Output = MintClaim;

    fn start(&mut self, retried: bool) -> Cmd {
        self.script.start(retried)
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<MintClaim> {
        match self.script.read(reply) {
            Step::Send(command) => Step::Send(command),
            Step::Done(answer) => Step::Done(answer.and_then(|answer| self.claim(answer))),
        }
    }
}

/// The release script (see [`script::RELEASE`](super::script::RELEASE)) for the lock `name`
/// held as `owner`: deletes the lock if it still holds this owner id; a lock that expired and
/// was taken by another process is left alone.
pub(crate) fn release<'p>(script: &'p Lua, name: String, owner: &str) -> ScriptCall<'p> {
    script.call(name, owner)
}

/// A lock owner id: unique per claim across processes and machines (process id, time, a
/// counter and the standard library's random hasher keys). Not a secret: it only tells the
/// holder's lock from another's.
pub(crate) fn owner_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(nanos);
    hasher.write_u64(count);
    format!(
        "{:08x}-{:016x}-{:x}",
        std::process::id(),
        hasher.finish(),
        count
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_ids_differ() {
        let a = owner_id();
        let b = owner_id();
        assert_ne!(a, b);
    }
}
