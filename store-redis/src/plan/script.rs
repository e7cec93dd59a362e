//! keycard's Lua scripts, and calling one by its hash (`EVALSHA`), loading it first where Redis
//! does not know it yet (a new or restarted Redis).

use super::operation::{answer, parse, Operation, Step};
use crate::RedisStoreError;
use redis::{Cmd, ErrorKind, RedisResult, ServerErrorKind, ToRedisArgs, Value};

/// Saves a token unless the entry already there lives longer (a token minted later, by another
/// process). `KEYS[1]` the token key, `ARGV[1]` the value, `ARGV[2]` its time to live in ms.
/// Returns 1 if it saved.
pub(crate) const SAVE: &str = r"
local left = redis.call('PTTL', KEYS[1])
if left > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
";

/// Deletes the key only if it still holds this value (compare and delete, atomically): a lock
/// released by its owner id, or a bad value repaired. `KEYS[1]` the key, `ARGV[1]` the value.
/// Returns 1 if it deleted.
pub(crate) const RELEASE: &str = r"
if redis.pcall('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Reads a token entry with its time to live by Redis's own clock, checking before it reads
/// that the reply is bounded, and deleting (repairing) an entry keycard never writes.
/// `KEYS[1]` the token key, `ARGV[1]` the largest value read, in bytes. Returns:
///
/// - nothing: no entry;
/// - `{0, <ms left>, <value>}`: the value and how long Redis keeps it;
/// - `{1, <length>}`: a value longer than `ARGV[1]`, deleted unread;
/// - `{2}`: a value without an expiry, deleted;
/// - `{3}`: not a string, deleted.
pub(crate) const LOAD: &str = r"
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'string' then
  redis.call('DEL', KEYS[1])
  return {3}
end
local len = redis.call('STRLEN', KEYS[1])
if len > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return {1, len}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('DEL', KEYS[1])
  return {2}
end
return {0, left, redis.call('GET', KEYS[1])}
";

/// Takes the fleet's lock on minting a token, unless the fleet was told to wait. `KEYS[1]` the
/// lock key, `KEYS[2]` the wait's key (both of the token: one hash slot), `ARGV[1]` the owner
/// id, `ARGV[2]` the lock's time to live in ms, `ARGV[3]` the longest time to live a lock held
/// by another is left with, in ms. Returns the wait left in ms (> 0), 0 if this owner holds the
/// lock (set now, or by a first try whose reply was lost), -1 if another does. A lock left
/// without an expiry, or with one past `ARGV[3]` (by hand, or by an old writer), gets the lock's
/// time to live: it ends on its own, and another process takes over.
pub(crate) const CLAIM: &str = r"
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return wait end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if redis.pcall('GET', KEYS[1]) == ARGV[1] then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left == -1 or left > tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return -1
";

/// Tells the fleet to wait: sets the wait's key to expire in `ARGV[1]` ms, unless a longer wait
/// is already there. `KEYS[1]` the wait's key. Returns 1 if it set it.
pub(crate) const HOLD: &str = r"
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
return 0
";

/// The ledger of live tokens for one budget: a sorted set of fingerprints scored by expiry, in
/// Unix ms by Redis's own clock (`TIME`), so that every process counts alike whatever its
/// clock. Drops the expired entries; with `ARGV[1]` (a fingerprint) and `ARGV[2]` (its time to
/// live in ms) adds one; the set expires with its last entry. `KEYS[1]` the ledger's key.
/// Returns `{live, ms until the first expiry or -1}`.
pub(crate) const LEDGER: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[2] then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
local live = redis.call('ZCARD', KEYS[1])
if live == 0 then return {0, -1} end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now))
return {live, math.max(0, tonumber(first[2]) - now)}
";

/// A script and its SHA-1, the name Redis knows it by.
pub(crate) struct Lua {
    code: &'static str,
    hash: String,
}

impl Lua {
    /// The script `code`.
    pub(crate) fn new(code: &'static str) -> Self {
        let hash = redis::Script::new(code).get_hash().to_owned();
        Self { code, hash }
    }

    /// A call of the script with one key and these arguments, whose answer is no concern of
    /// the store's (1 if it did, 0 if there was nothing to do: a longer-lived token already
    /// saved, or a lock already gone, is as good).
    pub(crate) fn call(&self, key: String, args: impl ToRedisArgs) -> ScriptCall<'_> {
        self.call_with(&[key], args, |reply| parse::<i64>(reply).map(drop))
    }

    /// A call of the script with these keys and arguments; `read` makes its answer the
    /// operation's result.
    pub(crate) fn call_with<T>(
        &self,
        keys: &[String],
        args: impl ToRedisArgs,
        read: fn(Value) -> Result<T, RedisStoreError>,
    ) -> ScriptCall<'_, T> {
        let mut eval = redis::cmd("EVALSHA");
        eval.arg(&self.hash).arg(keys.len()).arg(keys).arg(args);
        ScriptCall {
            lua: self,
            eval,
            stage: Stage::Eval,
            read,
        }
    }
}

/// One call of a script: `EVALSHA`; if Redis answers that it does not know the script,
/// `SCRIPT LOAD` and `EVALSHA` once more.
///
/// No `Debug`: the arguments may hold a token.
pub(crate) struct ScriptCall<'p, T = ()> {
    lua: &'p Lua,
    eval: Cmd,
    stage: Stage,
    read: fn(Value) -> Result<T, RedisStoreError>,
}

/// Which command of a [`ScriptCall`] was sent last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `EVALSHA`, as Redis may know the script.
    Eval,
    /// `SCRIPT LOAD`, as it did not.
    Load,
    /// `EVALSHA` again, after loading: no more loading.
    EvalLoaded,
}

impl<T> Operation for ScriptCall<'_, T> {
    type Output = T;

    /// `EVALSHA`.
    fn start(&mut self, _retried: bool) -> Cmd {
        self.stage = Stage::Eval;
        self.eval.clone()
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<T> {
        let reply = answer(reply);
        match (self.stage, reply) {
            (Stage::Eval, Err(RedisStoreError::Refused(error)))
                if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) =>
            {
                self.stage = Stage::Load;
                let mut load = redis::cmd("SCRIPT");
                load.arg("LOAD").arg(self.lua.code);
                Step::Send(load)
            }
            (Stage::Load, Ok(_)) => {
                self.stage = Stage::EvalLoaded;
                Step::Send(self.eval.clone())
            }
            (_, reply) => Step::Done(reply.and_then(self.read)),
        }
    }
}
