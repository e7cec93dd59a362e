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

/// Deletes the lock only if it still holds this owner id (compare and delete, atomically).
/// `KEYS[1]` the lock key, `ARGV[1]` the owner id. Returns 1 if it deleted.
pub(crate) const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
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

    /// A call of the script with one key and these arguments.
    pub(crate) fn call(&self, key: String, args: impl ToRedisArgs) -> ScriptCall<'_> {
        let mut eval = redis::cmd("EVALSHA");
        eval.arg(&self.hash).arg(1).arg(key).arg(args);
        ScriptCall {
            lua: self,
            eval,
            stage: Stage::Eval,
        }
    }
}

/// One call of a script: `EVALSHA`; if Redis answers that it does not know the script,
/// `SCRIPT LOAD` and `EVALSHA` once more.
///
/// No `Debug`: the arguments may hold a token.
pub(crate) struct ScriptCall<'p> {
    lua: &'p Lua,
    eval: Cmd,
    stage: Stage,
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

/// What the scripts answer (1 if they did, 0 if there was nothing to do) is no concern of the
/// store's: a longer-lived token already saved, or a lock already gone, is as good.
impl Operation for ScriptCall<'_> {
    type Output = ();

    /// `EVALSHA`.
    fn start(&mut self, _retried: bool) -> Cmd {
        self.stage = Stage::Eval;
        self.eval.clone()
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<()> {
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
            (_, reply) => Step::Done(reply.and_then(parse::<i64>).map(drop)),
        }
    }
}
