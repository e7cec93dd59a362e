//! The fleet's ledger of live tokens for one budget (a Voucherify project), and the fleet's
//! wait after a rate limit: what a fleet shares besides its tokens.

use super::operation::{answer, millis, parse, Operation, Step};
use super::script::{Lua, ScriptCall};
use super::token::time_to_live;
use crate::RedisStoreError;
use keycard_core::lifecycle::{LiveCount, StoredToken};
use redis::{Cmd, ErrorKind, RedisError, RedisResult, Value};
use std::time::{Duration, SystemTime};

/// The ledger script (see [`script::LEDGER`](super::script::LEDGER)) on the ledger `name`:
/// records `token` until it expires (by its time to live at `now`: an expired one is only
/// counted against), and answers the count.
pub(crate) fn record<'p>(
    script: &'p Lua,
    name: String,
    token: &StoredToken,
    now: SystemTime,
) -> ScriptCall<'p, LiveCount> {
    match time_to_live(token, now) {
        Some(ttl) => script.call_with(&[name], (token.fingerprint(), millis(ttl)), live_count),
        None => count(script, name),
    }
}

/// The ledger script on the ledger `name`, adding nothing: the count.
pub(crate) fn count(script: &Lua, name: String) -> ScriptCall<'_, LiveCount> {
    script.call_with(&[name], Vec::<String>::new(), live_count)
}

/// The ledger script's answer, `{live, ms until the first expiry or -1}`. A count past
/// `u32::MAX` reads as `u32::MAX`.
fn live_count(reply: Value) -> Result<LiveCount, RedisStoreError> {
    let (live, next) = parse::<(i64, i64)>(reply)?;
    let live = u64::try_from(live).map_err(|_| not_a_count())?;
    let next = match next {
        -1 => None,
        ms => Some(Duration::from_millis(
            u64::try_from(ms).map_err(|_| not_a_count())?,
        )),
    };
    Ok(LiveCount::new(
        u32::try_from(live).unwrap_or(u32::MAX),
        next,
    ))
}

fn not_a_count() -> RedisStoreError {
    RedisError::from((
        ErrorKind::UnexpectedReturnType,
        "not an answer of the ledger script",
    ))
    .into()
}

/// `ZREM <ledger> <fingerprint>`: takes a revoked token out of the ledger. Absent is not an
/// error.
pub(crate) struct Forget {
    name: String,
    fingerprint: String,
}

impl Forget {
    /// Takes the token with `fingerprint` out of the ledger `name`.
    pub(crate) fn new(name: String, fingerprint: &str) -> Self {
        Self {
            name,
            fingerprint: fingerprint.to_owned(),
        }
    }
}

impl Operation for Forget {
    type Output = ();

    fn start(&mut self, _retried: bool) -> Cmd {
        let mut zrem = redis::cmd("ZREM");
        zrem.arg(&self.name).arg(&self.fingerprint);
        zrem
    }

    fn read(&mut self, reply: RedisResult<Value>) -> Step<()> {
        Step::Done(answer(reply).and_then(parse::<i64>).map(drop))
    }
}
