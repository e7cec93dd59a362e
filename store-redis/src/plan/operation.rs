//! One store operation as the commands it sends and what it makes of the replies.

use crate::RedisStoreError;
use redis::{Cmd, FromRedisValue, RedisError, RedisResult, Value};
use std::time::Duration;

/// A store operation (load, save, claim, …) as a small state machine: a first command, then
/// for each reply either the result or one more command. It never sees an outage: the
/// [`Exchange`](super::Exchange) running it handles those.
pub(crate) trait Operation {
    /// What the store call returns.
    type Output;

    /// The first command, on the first try or (`retried`) on a new connection after the
    /// first broke: the first try may have had its effect before the connection broke.
    fn start(&mut self, retried: bool) -> Cmd;

    /// What Redis answered to the last command (a value, or an error other than an outage).
    fn read(&mut self, reply: RedisResult<Value>) -> Step<Self::Output>;
}

/// What an [`Operation`] needs next.
pub(crate) enum Step<T> {
    /// Send this command, and read its reply.
    Send(Cmd),
    /// The operation is over.
    Done(Result<T, RedisStoreError>),
}

/// Redis's reply as a value: an error reply is the store's error (a refusal: Redis answered,
/// but not as the store needs).
pub(crate) fn answer(reply: RedisResult<Value>) -> Result<Value, RedisStoreError> {
    Ok(reply.and_then(Value::extract_error)?)
}

/// A value as a `T`: one of another type is a refusal too. The error names the reply's type,
/// never its content (which may hold a stored token).
pub(crate) fn parse<T: FromRedisValue>(value: Value) -> Result<T, RedisStoreError> {
    let kind = kind_of(&value);
    redis::from_redis_value(value).map_err(|_| {
        RedisStoreError::Refused(RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "Redis answered with a reply of another type",
            kind.to_owned(),
        )))
    })
}

/// What kind of reply `value` is, in RESP's words.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Int(_) => "integer",
        Value::BulkString(_) => "bulk string",
        Value::Array(_) => "array",
        Value::SimpleString(_) | Value::Okay => "simple string",
        Value::Map(_) => "map",
        Value::Attribute { .. } => "attribute",
        Value::Set(_) => "set",
        Value::Double(_) => "double",
        Value::Boolean(_) => "boolean",
        Value::VerbatimString { .. } => "verbatim string",
        Value::BigNumber(_) => "big number",
        Value::Push { .. } => "push",
        Value::ServerError(_) => "error",
        _ => "another type",
    }
}

/// Whole milliseconds, at least 1, as Redis takes them.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `PING`: whether Redis answers, e.g. at start, to report a misconfiguration early.
pub(crate) struct Ping;

impl Operation for Ping {
    type Output = ();

    fn start(&mut self, _retried: bool) -> Cmd {
        redis::cmd("PING")
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<()> {
        Step::Done(answer(reply).and_then(parse::<String>).map(drop))
    }
}
