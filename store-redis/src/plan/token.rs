//! Reading, saving and deleting a token: the value under its Redis key.

use super::operation::{answer, millis, parse, Operation, Step};
use super::script::{Lua, ScriptCall};
use crate::RedisStoreError;
use keycard_core::lifecycle::{DecodeError, StoreKey, StoredToken};
use keycard_core::limits::MAX_STORED_TOKEN_LEN;
use redis::{Cmd, ErrorKind, RedisError, RedisResult, Value};
use std::time::{Duration, SystemTime};

/// The load script (see [`script::LOAD`](super::script::LOAD)), read back as a token stored for
/// its key, with the time Redis keeps it left. An entry keycard never writes (too large, not a
/// token stored for this key, without an expiry or with one past the token's lifetime) is
/// deleted, and reported as [`RedisStoreError::Corrupt`]: the next save stores a good one.
pub(crate) struct Load<'p> {
    key: StoreKey,
    name: String,
    script: ScriptCall<'p, Entry>,
    repair: &'p Lua,
    /// While a bad value is being deleted: what was wrong with it, and the deletion.
    repairing: Option<(DecodeError, ScriptCall<'p>)>,
}

/// What the load script found.
enum Entry {
    /// No entry.
    Absent,
    /// A value, and how long Redis keeps it.
    Found { left: Duration, bytes: Vec<u8> },
    /// A bad entry, deleted by the script.
    Deleted(DecodeError),
}

impl<'p> Load<'p> {
    /// Reads the token under `key`, whose Redis key is `name`, with the load script; `repair`
    /// is the compare-and-delete script.
    pub(crate) fn new(load: &'p Lua, repair: &'p Lua, key: &StoreKey, name: String) -> Self {
        Self {
            key: key.clone(),
            script: load.call_with(std::slice::from_ref(&name), MAX_STORED_TOKEN_LEN, entry),
            name,
            repair,
            repairing: None,
        }
    }

    /// The error for a bad entry.
    fn corrupt(&self, source: DecodeError) -> RedisStoreError {
        RedisStoreError::Corrupt {
            key: self.name.clone(),
            source,
        }
    }

    /// The token in the value, if it is one stored for this key and Redis keeps it no longer
    /// than it lives.
    fn decode(&self, left: Duration, bytes: &[u8]) -> Result<StoredToken, DecodeError> {
        let token = StoredToken::from_json(&self.key, bytes)?;
        let lifetime = token
            .expires_at()
            .duration_since(token.obtained_at())
            .unwrap_or_default();
        if left > lifetime + TTL_GRACE {
            return Err(DecodeError::Malformed {
                reason: "Redis keeps it longer than the token lives".to_owned(),
            });
        }
        Ok(token.with_time_left(left))
    }
}

/// How much longer than its token's lifetime an entry may be kept before it is taken for one
/// keycard did not write (keycard sets at most the lifetime; rounding to milliseconds).
const TTL_GRACE: Duration = Duration::from_secs(1);

/// The load script's reply.
fn entry(value: Value) -> Result<Entry, RedisStoreError> {
    let unexpected = || {
        RedisStoreError::Refused(RedisError::from((
            ErrorKind::UnexpectedReturnType,
            "the load script's reply is not one it gives",
        )))
    };
    let items = match value {
        Value::Nil => return Ok(Entry::Absent),
        Value::Array(items) => items,
        _ => return Err(unexpected()),
    };
    let mut items = items.into_iter();
    let entry = match (items.next(), items.next(), items.next()) {
        (Some(Value::Int(0)), Some(Value::Int(left)), Some(Value::BulkString(bytes))) => {
            Entry::Found {
                left: Duration::from_millis(u64::try_from(left).unwrap_or_default()),
                bytes,
            }
        }
        (Some(Value::Int(1)), Some(Value::Int(_)), None) => Entry::Deleted(DecodeError::TooLarge {
            limit: MAX_STORED_TOKEN_LEN,
        }),
        (Some(Value::Int(2)), None, None) => Entry::Deleted(DecodeError::Malformed {
            reason: "kept without an expiry".to_owned(),
        }),
        (Some(Value::Int(3)), None, None) => Entry::Deleted(DecodeError::Malformed {
            reason: "not a string".to_owned(),
        }),
        _ => return Err(unexpected()),
    };
    Ok(entry)
}

impl Operation for Load<'_> {
    type Output = Option<StoredToken>;

    fn start(&mut self, retried: bool) -> Cmd {
        self.repairing = None;
        self.script.start(retried)
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<Option<StoredToken>> {
        if let Some((problem, repair)) = &mut self.repairing {
            if let Step::Send(command) = repair.read(reply) {
                return Step::Send(command);
            }
            // Whether or not the repair went through, the value was bad.
            let problem = problem.clone();
            return Step::Done(Err(self.corrupt(problem)));
        }
        let found = match self.script.read(reply) {
            Step::Send(command) => return Step::Send(command),
            Step::Done(found) => found,
        };
        match found {
            Err(error) => Step::Done(Err(error)),
            Ok(Entry::Absent) => Step::Done(Ok(None)),
            Ok(Entry::Deleted(problem)) => Step::Done(Err(self.corrupt(problem))),
            Ok(Entry::Found { left, bytes }) => match self.decode(left, &bytes) {
                Ok(token) => Step::Done(Ok(Some(token))),
                Err(problem) => {
                    // Delete it, unless another process replaced it meanwhile.
                    let mut repair = self.repair.call(self.name.clone(), bytes);
                    let command = repair.start(false);
                    self.repairing = Some((problem, repair));
                    Step::Send(command)
                }
            },
        }
    }
}

/// The save script (see [`script::SAVE`](super::script::SAVE)) for `token` under `key` (Redis
/// key `name`): stores it with a Redis expiry at its own, unless the entry there lives longer
/// (a token another process minted later). `None` if it has expired at `now`: an expired
/// token is not stored.
pub(crate) fn save<'p>(
    script: &'p Lua,
    name: String,
    key: &StoreKey,
    token: &StoredToken,
    now: SystemTime,
) -> Option<ScriptCall<'p>> {
    let ttl = millis(time_to_live(token, now)?);
    let value = token.to_json(key);
    Some(script.call(name, (&value[..], ttl)))
}

/// `DEL <token key>`. Absent is not an error.
pub(crate) struct Remove {
    name: String,
}

impl Remove {
    /// Deletes the token whose Redis key is `name`.
    pub(crate) fn new(name: String) -> Self {
        Self { name }
    }
}

impl Operation for Remove {
    type Output = ();

    fn start(&mut self, _retried: bool) -> Cmd {
        let mut del = redis::cmd("DEL");
        del.arg(&self.name);
        del
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<()> {
        Step::Done(answer(reply).and_then(parse::<i64>).map(drop))
    }
}

/// The time to live of the entry for `token`: until it expires, counted from now or from when
/// it was obtained, whichever is later (a clock that runs ahead of this one must not make the
/// entry outlive the token by less than its lifetime). `None` if it has expired.
pub(crate) fn time_to_live(token: &StoredToken, now: SystemTime) -> Option<Duration> {
    let from = now.max(token.obtained_at());
    let left = token.expires_at().duration_since(from).ok()?;
    (left >= Duration::from_millis(1)).then_some(left)
}
