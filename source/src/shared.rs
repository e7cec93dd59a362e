//! What both drivers share: the machine behind a lock, the published token for the lock-free
//! hot path, the wake-ups, the clock and the store.

use crate::clock::{coarse_deadline, coarse_raw, COARSE_LAG};
use crate::local::{self, Held};
use crate::store::DynStore;
use crate::trace;
use crate::{Clock, SystemClock};
use arc_swap::ArcSwapOption;
use event_listener::{Event as Notify, EventListener};
use keycard_core::lifecycle::{
    Event, Io, IoResult, LiveToken, SourceMachine, Step, StepId, StoredToken, TokenEndpoint, Waiter,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// How many events [`Shared::drain_events`] keeps.
const EVENT_CAPACITY: usize = 64;

pub(crate) struct Shared<E: TokenEndpoint> {
    machine: Mutex<SourceMachine<E>>,
    /// The machine's key, as text, for traces.
    key: String,
    /// The machine's last events, taken from it as they happen (and traced), for
    /// [`drain_events`](Self::drain_events).
    events: Mutex<VecDeque<Event>>,
    /// The machine's current token, for readers that take no lock.
    published: ArcSwapOption<LiveToken<E::Grant>>,
    /// The epoch `published` was stored under (0: no token), stored after it: a thread whose
    /// slot holds this epoch holds the current token (see [`local`]).
    epoch: AtomicU64,
    /// [`SourceMachine::serves_valid`], for readers that take no lock.
    serves_valid: AtomicBool,
    changed: Notify,
    stopped: AtomicBool,
    /// Set by [`set_clock`](Self::set_clock) only.
    pub(crate) clock: Arc<dyn Clock>,
    /// Whether `clock` is the [`SystemClock`]: its coarse clock may then
    /// be read raw against a deadline kept with each thread's token.
    system_clock: bool,
    pub(crate) store: Box<dyn DynStore>,
}

impl<E: TokenEndpoint> Shared<E> {
    /// A source's state, on the [`SystemClock`] until [`set_clock`](Self::set_clock).
    pub(crate) fn new(machine: SourceMachine<E>, store: Box<dyn DynStore>) -> Self {
        Self {
            serves_valid: AtomicBool::new(machine.serves_valid()),
            key: machine.store_key().as_str().to_owned(),
            events: Mutex::new(VecDeque::new()),
            machine: Mutex::new(machine),
            published: ArcSwapOption::empty(),
            epoch: AtomicU64::new(0),
            changed: Notify::new(),
            stopped: AtomicBool::new(false),
            clock: Arc::new(SystemClock),
            system_clock: true,
            store,
        }
    }

    /// Reads the time from `clock` (before the source is shared).
    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
        self.system_clock = false;
    }

    /// Changes the machine's settings (before the source is shared).
    pub(crate) fn update_machine(&mut self, f: impl FnOnce(&mut SourceMachine<E>)) {
        let machine = self
            .machine
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        f(machine);
        *self.serves_valid.get_mut() = machine.serves_valid();
    }

    /// Changes whether the machine refreshes in the background, once shared.
    pub(crate) fn set_background_now(&self, on: bool) {
        self.with_machine(|machine, _| machine.set_background_refresh(on));
    }

    /// The hot path: the published token, if it may be served now, without the lock.
    ///
    /// The token comes from this thread's slot while the source's epoch is the slot's (see
    /// [`local`]). On the [`SystemClock`], a token whose deadline (kept in the slot) the raw
    /// coarse clock has not reached is served with no other clock read: it is fresh by the
    /// coarse clock even if that lags its whole bound ([`COARSE_LAG`]), so fresh by the precise
    /// one. Otherwise (a test's clock, the last 20 ms before the refresh time, and after) the
    /// source's clock decides, as [`serves`](Self::serves) says.
    #[inline]
    pub(crate) fn cached<R>(&self, use_it: impl FnOnce(&Held) -> Option<R>) -> Option<R> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let source = std::ptr::from_ref(self) as usize;
        local::serve(
            source,
            epoch,
            || self.load_held(),
            |held| {
                if held.fresh_until != 0 && coarse_raw().is_some_and(|t| t < held.fresh_until) {
                    return use_it(held);
                }
                let token = held.token.downcast_ref::<LiveToken<E::Grant>>()?;
                self.serves(token).then(|| use_it(held))?
            },
        )
    }

    /// The current token as a thread keeps it, with its deadline on the raw coarse clock.
    #[cold]
    fn load_held(&self) -> Option<Held> {
        let token = self.published.load_full()?;
        let fresh_until = if self.system_clock {
            coarse_deadline(token.refresh_at()).unwrap_or(0)
        } else {
            0
        };
        Some(Held {
            header: token.thread_header_value().clone(),
            token,
            fresh_until,
        })
    }

    /// Whether `token` may be served now, by the source's clock: fresh by its coarse reading
    /// (with the lag bound) or by its precise one; or, due for refresh but still valid, while
    /// the machine serves valid tokens (it then makes sure the refresher knows).
    fn serves(&self, token: &LiveToken<E::Grant>) -> bool {
        let coarse = self.clock.now_coarse().checked_add(COARSE_LAG);
        if coarse.is_some_and(|late| token.is_fresh(late)) {
            return true;
        }
        let now = self.clock.now();
        if token.is_fresh(now) {
            return true;
        }
        if !(self.serves_valid.load(Ordering::Acquire) && token.is_valid(now)) {
            return false;
        }
        // Due for refresh: make sure a background refresher knows, whatever its clock said.
        self.changed.notify(1);
        true
    }

    pub(crate) fn current(&self) -> Option<Arc<LiveToken<E::Grant>>> {
        self.published.load_full()
    }

    pub(crate) fn waiter(&self) -> Waiter {
        let now = self.clock.now();
        self.lock().waiter(now)
    }

    /// Listen before polling: a change after the poll then wakes the listener.
    pub(crate) fn listen(&self) -> EventListener {
        self.changed.listen()
    }

    pub(crate) fn poll(&self, waiter: &Waiter) -> Step<E::Grant> {
        self.with_machine(|machine, now| machine.poll(now, waiter))
    }

    pub(crate) fn poll_refresh(&self) -> Step<E::Grant> {
        self.with_machine(|machine, now| machine.poll_refresh(now))
    }

    pub(crate) fn complete(&self, id: StepId, result: IoResult) -> Option<Io> {
        let wall = self.clock.wall();
        let next = self.with_machine(|machine, now| machine.complete(id, result, now, wall));
        self.changed.notify(usize::MAX);
        next
    }

    pub(crate) fn abandon(&self, id: StepId) {
        self.with_machine(|machine, _| machine.abandon(id));
        self.changed.notify(usize::MAX);
    }

    /// The token this process minted and no store holds, forgotten (see
    /// [`SourceMachine::take_unshared`]).
    pub(crate) fn take_unshared(&self) -> Option<StoredToken> {
        let taken = self.with_machine(|machine, now| machine.take_unshared(now));
        self.changed.notify(usize::MAX);
        taken
    }

    pub(crate) fn invalidate(&self, used: &Arc<LiveToken<E::Grant>>) -> bool {
        let invalidated = self.with_machine(|machine, _| machine.invalidate(used));
        self.changed.notify(usize::MAX);
        invalidated
    }

    pub(crate) fn replace_endpoint(&self, endpoint: E) {
        self.with_machine(|machine, _| machine.replace_endpoint(endpoint));
        self.changed.notify(usize::MAX);
    }

    pub(crate) fn drain_events(&self) -> Vec<Event> {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events.drain(..).collect()
    }

    /// The store key, as text: names the source in traces (it holds no secret).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// Asks a background refresher to stop (its source was dropped).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.changed.notify(usize::MAX);
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SourceMachine<E>> {
        // Every call into the machine leaves it consistent: a panic elsewhere does not matter.
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the machine at the current time, then publishes its token and reports what
    /// happened (after releasing the lock).
    pub(crate) fn with_machine<R>(&self, f: impl FnOnce(&mut SourceMachine<E>, Instant) -> R) -> R {
        let mut machine = self.lock();
        let now = self.clock.now();
        let held = machine.current().map(|token| token.obtained_at());
        let result = f(&mut machine, now);
        let happened: Vec<Event> = machine.drain_events().collect();
        self.publish(&machine);
        if !happened.is_empty() {
            let mut kept = self.events.lock().unwrap_or_else(PoisonError::into_inner);
            for event in &happened {
                if kept.len() == EVENT_CAPACITY {
                    kept.pop_front();
                }
                kept.push_back(event.clone());
            }
        }
        drop(machine);
        for event in &happened {
            trace::event(event, &self.key, held, now);
        }
        result
    }

    /// Publishes the machine's token for the lock-free hot path.
    fn publish(&self, machine: &SourceMachine<E>) {
        let current = machine.current();
        let published = self.published.load();
        let same = match (current, published.as_ref()) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.published.store(current.cloned());
            let epoch = if current.is_some() {
                local::next_epoch()
            } else {
                0
            };
            self.epoch.store(epoch, Ordering::Release);
        }
        self.serves_valid
            .store(machine.serves_valid(), Ordering::Release);
    }
}
