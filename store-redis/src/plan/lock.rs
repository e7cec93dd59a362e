//! The fleet's lock on minting a token: `SET NX PX` with a random owner id to take it, a Lua
//! compare-and-delete to release it.

use super::operation::{answer, millis, parse, Operation, Step};
use super::script::{Lua, ScriptCall};
use crate::RedisConfig;
use keycard_core::lifecycle::{MintClaim, MintLock, StoreKey};
use redis::{Cmd, RedisResult, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// `SET <lock key> <owner id> NX PX <lock_ttl>`: [`MintClaim::Acquired`] if it was set,
/// [`MintClaim::HeldElsewhere`] (with the configured poll interval and wait) if not. On a second
/// try, after the connection broke, the first may have set it: then `GET` tells.
pub(crate) struct ClaimMint<'p> {
    config: &'p RedisConfig,
    key: StoreKey,
    name: String,
    owner: String,
    retried: bool,
    asked_holder: bool,
}

impl<'p> ClaimMint<'p> {
    /// Claims the lock on minting the token under `key` (lock key `name`) as `owner`.
    pub(crate) fn new(
        config: &'p RedisConfig,
        key: &StoreKey,
        name: String,
        owner: String,
    ) -> Self {
        Self {
            config,
            key: key.clone(),
            name,
            owner,
            retried: false,
            asked_holder: false,
        }
    }

    /// What the claim comes to: whether this owner holds the lock.
    fn claim(&self, acquired: bool) -> MintClaim {
        if acquired {
            MintClaim::Acquired(MintLock::new(
                self.key.clone(),
                self.owner.clone(),
                self.config.lock_ttl,
            ))
        } else {
            MintClaim::HeldElsewhere {
                poll_every: self.config.poll_every,
                wait_at_most: self.config.lock_wait,
            }
        }
    }
}

impl Operation for ClaimMint<'_> {
    type Output = MintClaim;

    fn start(&mut self, retried: bool) -> Cmd {
        self.retried = retried;
        self.asked_holder = false;
        let mut set = redis::cmd("SET");
        set.arg(&self.name)
            .arg(&self.owner)
            .arg("NX")
            .arg("PX")
            .arg(millis(self.config.lock_ttl));
        set
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<MintClaim> {
        // `SET` answers OK or nothing; `GET` the holder's owner id or nothing.
        let reply = match answer(reply).and_then(parse::<Option<String>>) {
            Ok(reply) => reply,
            Err(error) => return Step::Done(Err(error)),
        };
        if self.asked_holder {
            return Step::Done(Ok(self.claim(reply.as_ref() == Some(&self.owner))));
        }
        if reply.is_none() && self.retried {
            self.asked_holder = true;
            let mut get = redis::cmd("GET");
            get.arg(&self.name);
            return Step::Send(get);
        }
        Step::Done(Ok(self.claim(reply.is_some())))
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
