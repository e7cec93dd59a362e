//! Running one operation across connection trouble: replace a broken connection once, and take
//! Redis for down when it fails.

use super::operation::{Operation, Step};
use super::Plan;
use crate::error::{is_outage, is_protocol};
use crate::RedisStoreError;
use redis::{Cmd, RedisResult, Value};

/// One [`Operation`] under way on a store's connection. Feed it each reply with
/// [`read`](Self::read); it says what to do next.
pub(crate) struct Exchange<'p, O> {
    plan: &'p Plan,
    operation: O,
    reused: bool,
    retried: bool,
}

/// What a store does next with its connection.
pub(crate) enum Next<T> {
    /// Send this command on the connection, and feed the reply back.
    Send(Cmd),
    /// The connection broke (most likely Redis restarted since it was opened): drop it, open
    /// a new one and send this command there.
    Reconnect(Cmd),
    /// Redis is down or too slow: drop the connection (a timed-out one may be out of step) and
    /// fail with this error. Redis is taken for down for a while.
    Broken(RedisStoreError),
    /// The operation is over (Redis answered, if only with a refusal).
    Done(Result<T, RedisStoreError>),
}

impl<'p, O: Operation> Exchange<'p, O> {
    /// Starts `operation` on a connection (`reused`: opened before this operation): the
    /// exchange, and the first command.
    pub(crate) fn start(plan: &'p Plan, mut operation: O, reused: bool) -> (Self, Cmd) {
        let first = operation.start(false);
        let exchange = Self {
            plan,
            operation,
            reused,
            retried: false,
        };
        (exchange, first)
    }

    /// Reads the reply to the last command sent (or the error that came instead).
    pub(crate) fn read(&mut self, reply: RedisResult<Value>) -> Next<O::Output> {
        match reply {
            // No Redis reply, or one past the cap: the connection is out of step, and Redis
            // would answer a second try the same way.
            Err(error) if is_protocol(&error) => Next::Broken(self.plan.failed(error)),
            Err(error) if is_outage(&error) => {
                // A timeout is no restart: Redis is slow, and a second try would be as slow.
                if self.reused && !self.retried && !error.is_timeout() {
                    self.retried = true;
                    return Next::Reconnect(self.operation.start(true));
                }
                Next::Broken(self.plan.failed(error))
            }
            reply => {
                self.plan.answered();
                match self.operation.read(reply) {
                    Step::Send(command) => Next::Send(command),
                    Step::Done(result) => Next::Done(result),
                }
            }
        }
    }
}
