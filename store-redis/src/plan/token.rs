//! Reading, saving and deleting a token: the value under its Redis key.

use super::operation::{answer, millis, parse, Operation, Step};
use super::script::{Lua, ScriptCall};
use crate::RedisStoreError;
use keycard_core::lifecycle::{StoreKey, StoredToken};
use redis::{Cmd, RedisResult, Value};
use std::time::{Duration, SystemTime};

/// `GET <token key>`, read back as a token stored for its key.
pub(crate) struct Load {
    key: StoreKey,
    name: String,
}

impl Load {
    /// Reads the token under `key`, whose Redis key is `name`.
    pub(crate) fn new(key: &StoreKey, name: String) -> Self {
        Self {
            key: key.clone(),
            name,
        }
    }

    /// The token in the value, if it is one stored for this key.
    fn decode(&self, bytes: &[u8]) -> Result<StoredToken, RedisStoreError> {
        StoredToken::from_json(&self.key, bytes).map_err(|source| RedisStoreError::Corrupt {
            key: self.name.clone(),
            source,
        })
    }
}

impl Operation for Load {
    type Output = Option<StoredToken>;

    fn start(&mut self, _retried: bool) -> Cmd {
        let mut get = redis::cmd("GET");
        get.arg(&self.name);
        get
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<Option<StoredToken>> {
        let token = answer(reply)
            .and_then(parse::<Option<Vec<u8>>>)
            .and_then(|bytes| bytes.map(|bytes| self.decode(&bytes)).transpose());
        Step::Done(token)
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
