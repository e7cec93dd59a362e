//! The one driver loop, over the machine's steps. Written once, as async: the async source
//! awaits it; the blocking source runs it on the calling thread, where its futures block in
//! place (see [`Driver`]).

use crate::shared::Shared;
use crate::trace::{self, Trigger};
use event_listener::EventListener;
use keycard_core::lifecycle::{Io, IoResult, LiveToken, SourceError, Step, StepId, TokenEndpoint};
use keycard_core::TransportError;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Instant;
use tracing::Instrument;

/// What differs between the blocking and the async driver: how a request is sent and how a
/// caller waits.
pub(crate) trait Driver: Send + Sync + 'static {
    /// Sends the request that mints a token.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send;

    /// Waits until `until` (monotonic; `now` is the time now) or until `listener` fires.
    fn sleep(
        listener: EventListener,
        now: Instant,
        until: Instant,
    ) -> impl Future<Output = ()> + Send;
}

/// A source's state and its driver, owned by the source and shared with its refresher.
pub(crate) struct Inner<E: TokenEndpoint, D> {
    pub(crate) shared: Shared<E>,
    pub(crate) driver: D,
}

/// Polls the machine until it gives this caller a token or an error, performing the steps it
/// hands out.
pub(crate) async fn obtain<E: TokenEndpoint, D: Driver>(
    inner: &Inner<E, D>,
) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
    let waiter = inner.shared.waiter();
    // When this caller first had to wait (for another caller's fetch, or a backoff).
    let mut waiting_since = None;
    loop {
        let listener = inner.shared.listen();
        let step = inner.shared.poll(&waiter);
        if let (Step::Ready(_) | Step::Failed(_), Some(since)) = (&step, waiting_since) {
            let waited = inner.shared.clock.now().saturating_duration_since(since);
            trace::waited(inner.shared.key(), waited, matches!(step, Step::Ready(_)));
        }
        match step {
            Step::Ready(token) => return Ok(token),
            Step::Failed(error) => return Err(error),
            Step::Wait(until) => {
                let now = inner.shared.clock.now();
                waiting_since.get_or_insert(now);
                D::sleep(listener, now, until).await;
            }
            Step::Io(io) => perform(inner, io, Trigger::Caller).await,
        }
    }
}

/// The background refresher: performs the machine's refresh steps and sleeps between them,
/// until its source is dropped. Holds the source only while it works.
pub(crate) async fn refresh<E: TokenEndpoint, D: Driver>(inner: Weak<Inner<E, D>>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        if strong.shared.is_stopped() {
            return;
        }
        let listener = strong.shared.listen();
        match strong.shared.poll_refresh() {
            Step::Io(io) => perform(&strong, io, Trigger::Background).await,
            Step::Wait(until) => {
                let now = strong.shared.clock.now();
                drop(strong);
                D::sleep(listener, now, until).await;
            }
            // The machine never answers these to a refresher; look again later.
            Step::Ready(_) | Step::Failed(_) => {
                let now = strong.shared.clock.now();
                drop(strong);
                D::sleep(listener, now, now).await;
            }
        }
    }
}

/// Performs `io` and the steps of the same fetch that follow it, in a `keycard.fetch` span.
async fn perform<E: TokenEndpoint, D: Driver>(inner: &Inner<E, D>, io: Io, trigger: Trigger) {
    let span = trace::fetch_span(inner.shared.key(), trigger);
    perform_steps(inner, io).instrument(span).await;
}

async fn perform_steps<E: TokenEndpoint, D: Driver>(inner: &Inner<E, D>, io: Io) {
    let mut next = Some(io);
    while let Some(io) = next {
        let id = io.id();
        let mut guard = Abandon {
            shared: &inner.shared,
            id: Some(id),
        };
        let span = trace::step_span(&io);
        let result = async {
            match io {
                Io::Send(_, request) => IoResult::Sent(inner.driver.send(request).await),
                Io::Store(_, call) => inner.shared.store.perform(call).await,
            }
        }
        .instrument(span.clone())
        .await;
        trace::step_done(&span, &result);
        drop(span);
        guard.id = None;
        next = inner.shared.complete(id, result);
    }
}

/// Tells the machine that a step will never be reported if its caller is cancelled (a dropped
/// future) or unwinds mid-way.
struct Abandon<'a, E: TokenEndpoint> {
    shared: &'a Shared<E>,
    id: Option<StepId>,
}

impl<E: TokenEndpoint> Drop for Abandon<'_, E> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.shared.abandon(id);
        }
    }
}
