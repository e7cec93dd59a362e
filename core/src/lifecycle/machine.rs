//! The token source's state machine: one token's whole life (keeper, retries, the fleet-store
//! protocol, waiters, events) without I/O, threads or a clock. Drivers perform its steps.

use super::keeper::{Keeper, Outcome, Want};
use super::DecodeError;
use super::{
    AloneReason, Event, FetchError, LiveCount, LiveToken, MintClaim, MintLock, SourceConfig,
    SourceError, StoreAction, StoreKey, StoredToken, TokenEndpoint, WhenSpent,
};
use crate::limits::MAX_SERVER_WAIT;
use crate::{AccessToken, TransportError};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A store's error, as a step reports it.
pub type StoreError = Arc<dyn std::error::Error + Send + Sync>;

/// Identifies one step handed to a driver: give it back with the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepId(u64);

/// Work for the driver: perform it, then report the result with [`SourceMachine::complete`].
/// Exhaustive on purpose: a driver handles every step.
#[derive(Debug)]
pub enum Io {
    /// Send this request (it mints a token) and report [`IoResult::Sent`].
    Send(StepId, http::Request<Vec<u8>>),
    /// Call the token store and report what it answered.
    Store(StepId, StoreCall),
}

/// A call to the token store, and the [`IoResult`] to report for it.
#[derive(Debug)]
pub enum StoreCall {
    /// Load the token stored under this key: [`IoResult::Loaded`].
    Load(StoreKey),
    /// Remove the token stored under this key (an invalidated one): [`IoResult::Removed`].
    Remove(StoreKey),
    /// Ask for the fleet's lock on minting this key: [`IoResult::Claimed`].
    Claim(StoreKey),
    /// Save this token under this key: [`IoResult::Saved`].
    Save(StoreKey, StoredToken),
    /// Release the fleet's lock: [`IoResult::Released`].
    Release(MintLock),
    /// Tell every process sharing the store to send nothing for this key for this long (the
    /// server rate-limited this one): [`IoResult::HeldOff`].
    HoldOff(StoreKey, Duration),
    /// Count the fleet's live tokens for this budget: [`IoResult::Counted`].
    Count(StoreKey),
    /// Record this new token in the fleet's ledger for this budget: [`IoResult::Recorded`].
    Record(StoreKey, StoredToken),
}

impl Io {
    /// The step's id, for [`SourceMachine::complete`] and [`SourceMachine::abandon`].
    pub fn id(&self) -> StepId {
        match self {
            Self::Send(id, _) | Self::Store(id, _) => *id,
        }
    }
}

/// The result of an [`Io`] step. Its `Debug` shows a response's status, header names and body
/// length only: a token response holds the token.
pub enum IoResult {
    /// The response to [`Io::Send`], or why none came.
    Sent(Result<http::Response<Vec<u8>>, TransportError>),
    /// What [`StoreCall::Load`] found.
    Loaded(Result<Option<StoredToken>, StoreError>),
    /// How [`StoreCall::Remove`] went.
    Removed(Result<(), StoreError>),
    /// The store's answer to [`StoreCall::Claim`].
    Claimed(Result<MintClaim, StoreError>),
    /// How [`StoreCall::Save`] went.
    Saved(Result<(), StoreError>),
    /// How [`StoreCall::Release`] went.
    Released(Result<(), StoreError>),
    /// How [`StoreCall::HoldOff`] went.
    HeldOff(Result<(), StoreError>),
    /// What [`StoreCall::Count`] counted (`None`: the store keeps no ledger).
    Counted(Result<Option<LiveCount>, StoreError>),
    /// How [`StoreCall::Record`] went, and the count after it (`None`: no ledger).
    Recorded(Result<Option<LiveCount>, StoreError>),
}

impl std::fmt::Debug for IoResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// A response's status and sizes only: not yet scrubbed, its header names may echo a
        /// secret as much as its values and body.
        struct Head<'a>(&'a http::Response<Vec<u8>>);
        impl std::fmt::Debug for Head<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Response")
                    .field("status", &self.0.status())
                    .field("headers", &format_args!("<{}>", self.0.headers().len()))
                    .field("body", &format_args!("<{} bytes>", self.0.body().len()))
                    .finish()
            }
        }
        match self {
            Self::Sent(sent) => f
                .debug_tuple("Sent")
                .field(&sent.as_ref().map(Head))
                .finish(),
            Self::Loaded(loaded) => f.debug_tuple("Loaded").field(loaded).finish(),
            Self::Removed(removed) => f.debug_tuple("Removed").field(removed).finish(),
            Self::Claimed(claimed) => f.debug_tuple("Claimed").field(claimed).finish(),
            Self::Saved(saved) => f.debug_tuple("Saved").field(saved).finish(),
            Self::Released(released) => f.debug_tuple("Released").field(released).finish(),
            Self::HeldOff(held) => f.debug_tuple("HeldOff").field(held).finish(),
            Self::Counted(counted) => f.debug_tuple("Counted").field(counted).finish(),
            Self::Recorded(recorded) => f.debug_tuple("Recorded").field(recorded).finish(),
        }
    }
}

/// What the driver does next for a caller.
#[derive(Debug)]
// A step is built once per fetch and moved out at once: not worth an allocation to shrink.
#[allow(clippy::large_enum_variant)]
pub enum Step<G> {
    /// Here is the token.
    Ready(Arc<LiveToken<G>>),
    /// Perform this step, report it with [`SourceMachine::complete`], then poll again.
    Io(Io),
    /// Nothing to do before this time: wait until then, or until the machine changes (any
    /// `complete`, `abandon` or `invalidate`), then poll again.
    Wait(Instant),
    /// This caller gets no token.
    Failed(SourceError),
}

/// One caller's bookkeeping: when it started waiting, and which failed rounds it has seen.
/// Take one with [`SourceMachine::waiter`] when a call starts, and pass it to every poll of
/// that call.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    started: Instant,
    failed_rounds: u64,
}

const EVENT_CAPACITY: usize = 64;

/// Events, oldest first, at most the last [`EVENT_CAPACITY`].
#[derive(Debug, Default)]
pub(crate) struct Events(VecDeque<Event>);

impl Events {
    pub(crate) fn push(&mut self, event: Event) {
        if self.0.len() == EVENT_CAPACITY {
            self.0.pop_front();
        }
        self.0.push_back(event);
    }
}

/// Where a fetch stands: the fleet-store protocol, one step at a time.
#[derive(Debug)]
enum Stage {
    /// Look in the store (first, after taking the fleet's lock, or after waiting for another
    /// process's token).
    Load,
    /// Remove the invalidated token the store still holds.
    Remove,
    /// Ask for the fleet's lock.
    Claim,
    /// Send the request.
    Send,
    /// Save the new token.
    Save(StoredToken),
    /// Release the fleet's lock.
    Release(MintLock),
    /// Tell the fleet to wait this long, as the server said.
    HoldOff(Duration),
    /// Count the fleet's live tokens before minting.
    Count,
    /// Record the new token in the fleet's ledger.
    Record(StoredToken),
}

#[derive(Debug)]
struct Round {
    stage: Stage,
    /// The step handed out, and until when the machine waits for it.
    out: Option<(StepId, Instant)>,
    /// Not before this time (waiting for another process's token).
    resume_at: Option<Instant>,
    /// Since when another process has held the fleet's lock.
    held_elsewhere_since: Option<Instant>,
    lock: Option<MintLock>,
    /// Whether the fleet's live tokens were counted (once per round) or need not be.
    counted: bool,
    /// Only look in the store for a token another process saved; never mint
    /// ([`SourceMachine::look_in_store`]).
    look_only: bool,
}

impl Round {
    fn new(stage: Stage, counted: bool, look_only: bool) -> Self {
        Self {
            stage,
            out: None,
            resume_at: None,
            held_elsewhere_since: None,
            lock: None,
            counted,
            look_only,
        }
    }
}

/// The whole life of one token source as a sans-IO state machine: when to use the token, when
/// and how to mint one, the fleet-store protocol (load, claim, save, release), retries,
/// waiters and events. It does no I/O, reads no clock and starts no thread: a driver performs
/// its steps and feeds back the results, with the time.
///
/// # The loop contract
///
/// Keep the machine behind a lock. For each call that wants a token:
///
/// 1. Take a [`Waiter`] ([`waiter`](Self::waiter)) with the monotonic time.
/// 2. [`poll`](Self::poll) with the current monotonic time, and act on the [`Step`]:
///    - [`Step::Ready`]: use the token; the call is done.
///    - [`Step::Failed`]: return the error; the call is done.
///    - [`Step::Io`]: this caller performs the step **without holding the lock**, then takes
///      the lock, reports with [`complete`](Self::complete) (monotonic and wall time of the
///      result) and wakes every waiter. `complete` may hand back the next step of the same
///      fetch (save the token, release the fleet's lock, …): perform it likewise. Then poll
///      again. If the caller cannot finish a step (cancelled, panics), it reports
///      [`abandon`](Self::abandon) and wakes the waiters.
///    - [`Step::Wait`]: release the lock and wait until that time or until woken, then poll
///      again.
///
/// Exactly one step is out at a time (single flight); every other caller is served the valid
/// token or waits. A step not reported within [`SourceConfig::fetch_timeout`] is given up and
/// the work handed to the next caller. With background refresh
/// ([`set_background_refresh`](Self::set_background_refresh)), callers are never handed a
/// step while a valid token exists: the driver's refresher polls
/// [`poll_refresh`](Self::poll_refresh) instead, and sleeps until the time it returns.
///
/// Time is the monotonic clock the driver passes in (`Instant`): deadlines, backoffs and waits
/// do not move when the wall clock steps. The wall time passed with a result is used only to
/// read the server's absolute times (`Date`, `Retry-After` dates, stored tokens' expiry).
///
/// ```
/// use keycard_core::lifecycle::{Io, IoResult, SourceConfig, SourceMachine, Step};
/// use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
/// use keycard_core::SecretKey;
/// use std::time::{Duration, Instant, SystemTime};
///
/// let api = voucherify::Api::new(
///     Region::Europe.base_url(),
///     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
/// );
/// let endpoint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
/// let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
///
/// # #[allow(clippy::disallowed_methods)]
/// let start = Instant::now(); // a driver reads its clock; a test can fix one instant
/// let waiter = machine.waiter(start);
/// let Step::Io(Io::Send(id, request)) = machine.poll(start, &waiter) else { unreachable!() };
/// assert_eq!(request.uri(), "https://api.voucherify.io/v1/oauth/token");
///
/// // ... send `request` with any HTTP client, then:
/// let response = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(br#"{"access_token":"1ABCde2F","client_id":"a1Bc","expires_at":1738945086,
///               "expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())?;
/// let arrived = start + Duration::from_millis(80);
/// let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_738_944_186);
/// assert!(machine.complete(id, IoResult::Sent(Ok(response)), arrived, wall).is_none());
///
/// let Step::Ready(token) = machine.poll(arrived, &waiter) else { unreachable!() };
/// assert_eq!(token.remaining(arrived), Duration::from_secs(900));
/// let mut call = http::Request::get("https://api.voucherify.io/v1/vouchers/SUMMER").body(())?;
/// token.authorize(&mut call);
/// assert!(call.headers()["authorization"].is_sensitive());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SourceMachine<E: TokenEndpoint> {
    keeper: Keeper<E>,
    key: StoreKey,
    /// The budget of live tokens this endpoint's tokens count against, if any.
    budget_key: Option<StoreKey>,
    has_store: bool,
    background: bool,
    round: Option<Round>,
    last_step: u64,
    failed_rounds: u64,
    last_error: Option<FetchError>,
    /// The last token invalidated: never taken back from the store.
    revoked: Option<AccessToken>,
    /// The next fetch mints, whatever the store holds ([`SourceMachine::reissue`]).
    fresh_mint: bool,
    /// Whether the current token was minted here and no store holds it (it dies with this
    /// process: [`take_unshared`](Self::take_unshared)).
    unshared: bool,
    /// Until then, callers with no valid token get the last error at once (the fleet's budget
    /// is spent, or its wait is longer than the retry policy allows).
    refuse_until: Option<Instant>,
    events: Events,
}

/// The shortest wait for another process's token, so a store that says "now" cannot spin.
const MIN_POLL: Duration = Duration::from_millis(1);

impl<E: TokenEndpoint> SourceMachine<E> {
    /// A machine for the tokens `endpoint` mints, with no token yet, no store and no
    /// background refresh.
    pub fn new(endpoint: E, config: SourceConfig) -> Self {
        let key = endpoint.store_key();
        let budget_key = endpoint.budget_key();
        Self {
            keeper: Keeper::new(endpoint, config),
            key,
            budget_key,
            has_store: false,
            background: false,
            round: None,
            last_step: 0,
            failed_rounds: 0,
            last_error: None,
            revoked: None,
            fresh_mint: false,
            refuse_until: None,
            unshared: false,
            events: Events::default(),
        }
    }

    /// Whether the driver has a token store: before it mints, the machine then asks to load
    /// (and, for a shared store, to claim the fleet's lock on) the key, and saves each new
    /// token.
    pub fn set_store(&mut self, on: bool) {
        self.has_store = on;
    }

    /// Whether the driver refreshes in the background: callers are then served the valid token
    /// and never handed a step while one exists; the driver's refresher does the work
    /// ([`poll_refresh`](Self::poll_refresh)).
    pub fn set_background_refresh(&mut self, on: bool) {
        self.background = on;
    }

    /// The endpoint tokens are minted at.
    pub fn endpoint(&self) -> &E {
        &self.keeper.endpoint
    }

    /// The configuration.
    pub fn config(&self) -> &SourceConfig {
        &self.keeper.config
    }

    /// The key tokens are stored under.
    pub fn store_key(&self) -> &StoreKey {
        &self.key
    }

    /// The current token, valid or not: publish it for a lock-free hot path.
    pub fn current(&self) -> Option<&Arc<LiveToken<E::Grant>>> {
        self.keeper.current()
    }

    /// Whether a token that is due for refresh but still valid may be served without polling:
    /// a step of a refresh is out (a caller is at work on it), or refreshing is the
    /// background's job. A driver's lock-free hot path serves a token that
    /// [`is_fresh`](LiveToken::is_fresh), or that [`is_valid`](LiveToken::is_valid) while this
    /// holds.
    ///
    /// A refresh with no step out — waiting to look for another process's token, or a fleet
    /// lock left to release — goes on only when a caller polls: callers then poll (and are
    /// served the valid token until the next step is theirs to take).
    pub fn serves_valid(&self) -> bool {
        !self.looking()
            && (self.background || self.round.as_ref().is_some_and(|round| round.out.is_some()))
    }

    /// Bookkeeping for a call that starts at `now`.
    pub fn waiter(&self, now: Instant) -> Waiter {
        Waiter {
            started: now,
            failed_rounds: self.failed_rounds,
        }
    }

    /// Says what the caller `waiter` does next, at `now`.
    pub fn poll(&mut self, now: Instant, waiter: &Waiter) -> Step<E::Grant> {
        if self.failed_rounds != waiter.failed_rounds {
            // A fetch this call waited for failed: share its error rather than start another
            // round at once.
            if let Some(error) = &self.last_error {
                return Step::Failed(SourceError::Fetch(error.clone()));
            }
        }
        if self.background && !self.looking() {
            if let Some(token) = self.keeper.valid(now) {
                return Step::Ready(Arc::clone(token));
            }
        }
        match self.next(now) {
            Next::Io(io) => Step::Io(io),
            Next::Use(token) => Step::Ready(token),
            Next::Until(until) => self.serve_or_wait(now, until, waiter),
            Next::Halted(error) => Step::Failed(SourceError::Fetch(error)),
        }
    }

    /// For a driver's background refresher: the step to perform now, or the time to look
    /// again ([`Step::Wait`]; the refresher is also woken by any change). Never
    /// [`Step::Ready`] or [`Step::Failed`].
    ///
    /// The refresher only works ahead of expiry, while a valid token exists: with none, the
    /// callers fetch (each then gets a token that is already saved), and a token that is never
    /// replaced ahead of expiry ([`Renewal::OnExpiry`](super::Renewal::OnExpiry)) is never
    /// replaced by the refresher.
    pub fn poll_refresh(&mut self, now: Instant) -> Step<E::Grant> {
        if self.keeper.valid(now).is_none() {
            let later = now.checked_add(self.keeper.config.fetch_timeout);
            return Step::Wait(later.unwrap_or(now));
        }
        match self.next(now) {
            Next::Io(io) => Step::Io(io),
            // Rejected credentials: nothing to refresh with; the token is served to its end.
            Next::Use(token) if self.keeper.is_halted() => Step::Wait(token.expires_at().max(now)),
            Next::Use(token) => Step::Wait(token.refresh_at().max(now)),
            Next::Until(until) => Step::Wait(until.max(now)),
            Next::Halted(_) => {
                let later = now.checked_add(self.keeper.config.fetch_timeout);
                Step::Wait(later.unwrap_or(now))
            }
        }
    }

    /// Takes the result of step `id`, which arrived at `now` (`wall` on the wall clock), and
    /// returns the next step of the same fetch, for the same caller to perform at once (none
    /// when the fetch is over or must wait: poll again). A result for a step the machine no
    /// longer waits for is ignored.
    pub fn complete(
        &mut self,
        id: StepId,
        result: IoResult,
        now: Instant,
        wall: SystemTime,
    ) -> Option<Io> {
        let round = self.round.as_mut()?;
        if round.out.map(|(out, _)| out) != Some(id) {
            return None;
        }
        round.out = None;
        match result {
            IoResult::Sent(response) => self.on_sent(response, now, wall),
            IoResult::Loaded(loaded) => self.on_loaded(loaded, now, wall),
            IoResult::Claimed(claimed) => self.on_claimed(claimed, now),
            IoResult::Removed(result) => {
                self.store_result(StoreAction::Remove, result);
                self.set_stage(self.after_look());
            }
            IoResult::Saved(result) => {
                if result.is_ok() {
                    // Another process, or the next start, may use it now.
                    self.unshared = false;
                }
                self.store_result(StoreAction::Save, result);
                match self
                    .round
                    .as_mut()
                    .map(|r| std::mem::replace(&mut r.stage, Stage::Send))
                {
                    Some(Stage::Save(token)) if self.keeps_ledger() => {
                        self.set_stage(Stage::Record(token))
                    }
                    _ => self.release_or_end(),
                }
            }
            IoResult::Released(result) => {
                self.store_result(StoreAction::Release, result);
                self.end_round();
            }
            IoResult::HeldOff(result) => {
                self.store_result(StoreAction::HoldOff, result);
                self.release_or_end();
            }
            IoResult::Counted(counted) => self.on_counted(counted, now),
            IoResult::Recorded(recorded) => {
                match recorded {
                    Ok(count) => self.warn_near_limit(count),
                    Err(error) => self.events.push(Event::StoreFailed {
                        action: StoreAction::Record,
                        error,
                    }),
                }
                self.release_or_end();
            }
        }
        match &self.round {
            Some(round) if round.resume_at.is_none() => self.hand_out(now),
            _ => None,
        }
    }

    /// Step `id` will not be reported (its caller was cancelled): the work goes to the next
    /// caller. A fleet lock held is released by the next caller.
    pub fn abandon(&mut self, id: StepId) {
        let Some(round) = self.round.as_mut() else {
            return;
        };
        if round.out.map(|(out, _)| out) == Some(id) {
            round.out = None;
            self.give_up_round();
        }
    }

    /// Forgets `used` if it is still the current token (the API answered 401 to a request it
    /// authorized: it was revoked). Whether it was: of many callers that saw the same 401, one
    /// invalidates and the others find a new token already coming. The invalidated token is
    /// never taken back from the store, and is removed from it before the next mint.
    pub fn invalidate(&mut self, used: &Arc<LiveToken<E::Grant>>) -> bool {
        if !self.keeper.current().is_some_and(|c| Arc::ptr_eq(c, used)) {
            return false;
        }
        self.keeper.invalidate();
        self.revoked = Some(used.access_token().clone());
        true
    }

    /// Serves no token that expires less than `at_least` after `now` until the next token is
    /// installed or a fetch ends: a poll then fetches one (a stored token is taken only if it
    /// lives that long), and the current one is not served meanwhile. For a token that is never
    /// replaced silently, the caller asks for it: the new token invalidates the old one.
    pub fn require_valid_for(&mut self, now: Instant, at_least: Duration) {
        self.keeper.require_from(now, at_least);
    }

    /// Has the next poll look in the store first, for a token another process of the fleet
    /// saved since (one that lives longer than the current one is taken), without minting;
    /// then polls go on as usual. Nothing to do without a store, or while a fetch is under way.
    ///
    /// A token that is never replaced silently is shared by a fleet: looking before serving it
    /// finds the one another process minted, rather than serving one that minting invalidated.
    pub fn look_in_store(&mut self) {
        if self.has_store && self.round.is_none() {
            self.round = Some(Round::new(Stage::Load, true, true));
        }
    }

    /// Forgets the current token and has the next fetch mint a new one, whatever the store
    /// holds (the caller asked for a fresh token: a page reloaded, say). The forgotten token is
    /// never taken back from the store. Whether a token was forgotten.
    pub fn reissue(&mut self) -> bool {
        self.fresh_mint = true;
        let Some(current) = self.keeper.current().cloned() else {
            return false;
        };
        self.invalidate(&current)
    }

    /// Installs a token the API issued elsewhere (an Exact Payments order comes with one), read
    /// at `now` (`wall` on the wall clock; `date` is the response's `Date`, if known), if it is
    /// better than the current one: none is valid, or it expires later. Whether it did; with a
    /// store, the next poll saves it.
    pub fn adopt(
        &mut self,
        issued: super::Issued<E::Grant>,
        now: Instant,
        wall: SystemTime,
        date: Option<SystemTime>,
    ) -> bool {
        if !self.keeper.adopt(issued, now, wall, date, &mut self.events) {
            return false;
        }
        if let (true, None, Some(token)) = (self.has_store, &self.round, self.keeper.current()) {
            let stored = token.to_stored();
            self.round = Some(Round::new(Stage::Save(stored), true, false));
        }
        true
    }

    /// Mints with `endpoint` from now on: new credentials (a regenerated or rotated key, a
    /// login after a manager unlocked the user). The current token is kept and served until it
    /// is due, as the vendors let a token outlive the key that minted it; a rejection of the
    /// old credentials ([`FetchError::CredentialsRejected`]) is forgotten, so the next fetch
    /// tries the new ones. A request of the old endpoint still out is given up (its answer is
    /// ignored). Tokens are stored under the new endpoint's key from now on.
    pub fn replace_endpoint(&mut self, endpoint: E) {
        if let Some(round) = self.round.as_mut() {
            if round.out.is_some() && matches!(round.stage, Stage::Send) {
                round.out = None;
                self.give_up_round();
            }
        }
        self.key = endpoint.store_key();
        self.budget_key = endpoint.budget_key();
        self.keeper.replace_endpoint(endpoint);
        self.last_error = None;
    }

    /// For a graceful shutdown: the current token, if it is still valid at `now`, was minted
    /// by this machine and no store holds it (no store, a store that failed, or one that kept
    /// a longer-lived token): no other process nor the next start can use it, yet it counts
    /// against the API's limit until it expires. The machine forgets it (as
    /// [`invalidate`](Self::invalidate) does); revoke it with the endpoint's
    /// [`revoke_request`](TokenEndpoint::revoke_request). `None` otherwise: a token a store
    /// holds (or one taken from a store) may serve others.
    pub fn take_unshared(&mut self, now: Instant) -> Option<StoredToken> {
        if !self.unshared {
            return None;
        }
        let token = Arc::clone(self.keeper.valid(now)?);
        self.unshared = false;
        self.invalidate(&token);
        Some(token.to_stored())
    }

    /// Takes the events since the last drain, oldest first (at most the last 64).
    pub fn drain_events(&mut self) -> impl Iterator<Item = Event> + '_ {
        self.events.0.drain(..)
    }

    /// The next thing to do at `now`, for a caller that may do work.
    fn next(&mut self, now: Instant) -> Next<E::Grant> {
        if let Some(round) = &self.round {
            if let Some((_, lease)) = round.out {
                if now < lease {
                    return Next::Until(lease);
                }
                self.events.push(Event::StepTimedOut);
                if let Some(round) = self.round.as_mut() {
                    round.out = None;
                }
                self.give_up_round();
            }
        }
        if let Some(round) = &self.round {
            if let Some(at) = round.resume_at.filter(|&at| now < at) {
                return Next::Until(at);
            }
            if let Some(io) = self.hand_out(now) {
                return Next::Io(io);
            }
        }
        match self.keeper.poll(now) {
            Want::Use(token) => Next::Use(token),
            Want::Wait(until) => Next::Until(until),
            Want::Halted(error) => Next::Halted(error),
            Want::Fetch => {
                let stage = if self.has_store {
                    Stage::Load
                } else {
                    Stage::Send
                };
                self.round = Some(Round::new(stage, !self.keeps_ledger(), false));
                match self.hand_out(now) {
                    Some(io) => Next::Io(io),
                    None => Next::Until(now),
                }
            }
        }
    }

    /// Hands out the round's current stage as a step (none without a round).
    fn hand_out(&mut self, now: Instant) -> Option<Io> {
        let round = self.round.as_mut()?;
        self.last_step = self.last_step.wrapping_add(1);
        let id = StepId(self.last_step);
        let lease = now
            .checked_add(self.keeper.config.fetch_timeout)
            .unwrap_or(now);
        round.out = Some((id, lease));
        round.resume_at = None;
        let key = || self.key.clone();
        let call = match &round.stage {
            Stage::Send => return Some(Io::Send(id, self.keeper.endpoint.request())),
            Stage::Load => StoreCall::Load(key()),
            Stage::Remove => StoreCall::Remove(key()),
            Stage::Claim => StoreCall::Claim(key()),
            Stage::Save(token) => StoreCall::Save(key(), token.clone()),
            Stage::Release(lock) => StoreCall::Release(lock.clone()),
            Stage::HoldOff(wait) => StoreCall::HoldOff(key(), *wait),
            Stage::Count | Stage::Record(_) => {
                let Some(budget) = self.budget_key.clone() else {
                    // Never staged without a budget key (see `keeps_ledger`).
                    round.stage = Stage::Send;
                    return Some(Io::Send(id, self.keeper.endpoint.request()));
                };
                match &round.stage {
                    Stage::Record(token) => StoreCall::Record(budget, token.clone()),
                    _ => StoreCall::Count(budget),
                }
            }
        };
        Some(Io::Store(id, call))
    }

    fn serve_or_wait(&mut self, now: Instant, until: Instant, waiter: &Waiter) -> Step<E::Grant> {
        // While looking in the store, the held token may be one another process's mint
        // invalidated: callers wait for the look (one store call) rather than be served it.
        if let Some(token) = self.keeper.valid(now).filter(|_| !self.looking()) {
            return Step::Ready(Arc::clone(token));
        }
        if self.refuse_until.is_some_and(|t| now < t) && self.round.is_none() {
            if let Some(error) = &self.last_error {
                return Step::Failed(SourceError::Fetch(error.clone()));
            }
        }
        let limit = self.keeper.config.wait_limit;
        let deadline = waiter.started.checked_add(limit).unwrap_or(until);
        if until > deadline && self.round.is_none() {
            // The server asked for a wait longer than this call may take.
            if let Some(error) = &self.last_error {
                return Step::Failed(SourceError::Fetch(error.clone()));
            }
        }
        if now >= deadline {
            return Step::Failed(SourceError::TimedOut {
                waited: now.saturating_duration_since(waiter.started),
            });
        }
        Step::Wait(until.min(deadline))
    }

    fn on_sent(
        &mut self,
        response: Result<http::Response<Vec<u8>>, TransportError>,
        now: Instant,
        wall: SystemTime,
    ) {
        // A refusal that names a time to come back: the whole fleet waits for it.
        let hold = match &response {
            Ok(response) if !response.status().is_success() => self
                .keeper
                .server_wait(response.headers(), wall)
                .map(|wait| wait.min(MAX_SERVER_WAIT))
                .filter(|wait| !wait.is_zero()),
            _ => None,
        };
        let outcome = match response {
            Ok(response) => self
                .keeper
                .on_response(response, now, wall, &mut self.events),
            Err(error) => self.keeper.on_transport_error(error, now, &mut self.events),
        };
        match outcome {
            Outcome::Issued => {
                self.last_error = None;
                self.fresh_mint = false;
                self.refuse_until = None;
                self.unshared = true;
                match (self.has_store, self.keeper.current()) {
                    (true, Some(token)) => {
                        let stored = token.to_stored();
                        self.set_stage(Stage::Save(stored));
                    }
                    _ => self.release_or_end(),
                }
            }
            Outcome::Again => self.hold_off_or_release(hold),
            Outcome::Failed(error) => {
                self.keeper.clear_need();
                self.fresh_mint = false;
                self.last_error = Some(error);
                self.failed_rounds = self.failed_rounds.wrapping_add(1);
                self.hold_off_or_release(hold);
            }
        }
    }

    /// After a refused mint: tell the fleet to wait as the server said (with a store), then
    /// release the fleet's lock.
    fn hold_off_or_release(&mut self, hold: Option<Duration>) {
        match hold.filter(|_| self.has_store) {
            Some(wait) => {
                self.events.push(Event::HeldOff {
                    retry_in: wait,
                    published: true,
                });
                self.set_stage(Stage::HoldOff(wait));
            }
            None => self.release_or_end(),
        }
    }

    /// Whether this source counts the fleet's live tokens: a store, an endpoint whose tokens
    /// count against a budget, and a budget configured.
    fn keeps_ledger(&self) -> bool {
        self.has_store && self.budget_key.is_some() && self.keeper.config.budget.is_some()
    }

    /// The stage that mints: counting the fleet's live tokens first, once per round.
    fn mint_stage(&self) -> Stage {
        match &self.round {
            Some(round) if !round.counted => Stage::Count,
            _ => Stage::Send,
        }
    }

    fn on_counted(&mut self, counted: Result<Option<LiveCount>, StoreError>, now: Instant) {
        if let Some(round) = self.round.as_mut() {
            round.counted = true;
        }
        let count = match counted {
            Ok(count) => count,
            Err(error) => {
                // A ledger that cannot be read never stops issuance.
                self.events.push(Event::StoreFailed {
                    action: StoreAction::Count,
                    error,
                });
                return self.set_stage(Stage::Send);
            }
        };
        self.warn_near_limit(count);
        let (Some(count), Some(budget)) = (count, self.keeper.config.budget) else {
            return self.set_stage(Stage::Send);
        };
        if count.live < budget.max_live {
            return self.set_stage(Stage::Send);
        }
        let retry = &self.keeper.config.retry;
        let (retry_in, fail) = match budget.when_spent {
            WhenSpent::Wait => {
                let retry_in = count
                    .next_expiry_in
                    .unwrap_or(retry.max_backoff)
                    .clamp(MIN_POLL, MAX_SERVER_WAIT);
                (retry_in, retry_in > retry.max_wait)
            }
            WhenSpent::Fail => (retry.max_backoff.max(MIN_POLL), true),
        };
        self.events.push(Event::BudgetSpent {
            live: count.live,
            max_live: budget.max_live,
            retry_in,
        });
        let error = FetchError::BudgetSpent {
            live: count.live,
            max_live: budget.max_live,
        };
        self.stand_down(now, retry_in, fail.then_some(error));
    }

    /// Mints nothing for `retry_in` (the fleet was told to wait, or its budget is spent), and
    /// ends the round. With no valid token left, `error` (if any) ends the callers' wait at
    /// once; without one, they wait within their wait limit.
    fn stand_down(&mut self, now: Instant, retry_in: Duration, error: Option<FetchError>) {
        self.keeper
            .hold_until(now.checked_add(retry_in).unwrap_or(now));
        if let Some(error) = error.filter(|_| self.keeper.valid(now).is_none()) {
            self.events.push(Event::GaveUp {
                error: error.clone(),
            });
            self.refuse_until = now.checked_add(retry_in);
            self.last_error = Some(error);
            self.failed_rounds = self.failed_rounds.wrapping_add(1);
        }
        self.release_or_end();
    }

    /// Reports a count at or past the warning threshold.
    fn warn_near_limit(&mut self, count: Option<LiveCount>) {
        if let (Some(count), Some(budget)) = (count, self.keeper.config.budget) {
            if count.live >= budget.warn_at {
                self.events.push(Event::NearTokenLimit {
                    live: count.live,
                    limit: budget.limit,
                });
            }
        }
    }

    fn on_loaded(
        &mut self,
        loaded: Result<Option<StoredToken>, StoreError>,
        now: Instant,
        wall: SystemTime,
    ) {
        let look_only = self.round.as_ref().is_some_and(|r| r.look_only);
        let stored = match loaded {
            Ok(stored) => stored,
            Err(error) => {
                let bad_value = holds_bad_value(&*error);
                self.events.push(Event::StoreFailed {
                    action: StoreAction::Load,
                    error,
                });
                if look_only {
                    return self.end_round();
                }
                if bad_value {
                    // The store answered, with a value that is no token (it repairs it): the
                    // key is as good as empty, and the fleet's lock still holds, so the fleet
                    // mints once for it.
                    return self.set_stage(self.after_look());
                }
                // The store is down: mint alone rather than ask it for the fleet's lock too
                // (with the lock already held, this process mints anyway).
                if self.round.as_ref().is_some_and(|r| r.lock.is_none()) {
                    self.events.push(Event::MintingAlone {
                        reason: AloneReason::StoreFailed,
                    });
                }
                return self.set_stage(Stage::Send);
            }
        };
        if look_only {
            // A token that differs from the held one and lives longer: another process minted
            // it. Whatever is found, this round ends; polls go on as usual.
            let revoked = |s: &StoredToken| self.revoked.as_ref() == Some(s.access_token());
            if let Some(stored) = stored.filter(|s| !revoked(s)) {
                let held = self.keeper.current();
                if !held.is_some_and(|held| held.access_token() == stored.access_token()) {
                    match self.keeper.restore(&stored, now, wall, &mut self.events) {
                        Ok(restored) => self.unshared &= !restored,
                        Err(error) => self.events.push(Event::StoredTokenRejected { error }),
                    }
                }
            }
            return self.end_round();
        }
        if self.fresh_mint {
            // A fresh token was asked for: whatever the store holds is replaced by the save.
            return self.set_stage(self.after_look());
        }
        if let Some(stored) = stored {
            if self.revoked.as_ref() == Some(stored.access_token()) {
                self.set_stage(Stage::Remove);
                return;
            }
            // The token this process already holds (it saved it, or took it before): nothing
            // better, even if the clocks' readings make it seem to live a little longer.
            // Taking it again would end the round with the token still due, and start another.
            let held = self.keeper.current();
            if held.is_some_and(|held| held.access_token() == stored.access_token()) {
                self.unshared = false;
                self.set_stage(self.after_look());
                return;
            }
            match self.keeper.restore(&stored, now, wall, &mut self.events) {
                Ok(true) => {
                    self.unshared = false;
                    self.release_or_end();
                    return;
                }
                Ok(false) => {}
                Err(error) => self.events.push(Event::StoredTokenRejected { error }),
            }
        }
        self.set_stage(self.after_look());
    }

    fn on_claimed(&mut self, claimed: Result<MintClaim, StoreError>, now: Instant) {
        let claim = match claimed {
            Ok(claim) => claim,
            Err(error) => {
                self.events.push(Event::StoreFailed {
                    action: StoreAction::Claim,
                    error,
                });
                self.events.push(Event::MintingAlone {
                    reason: AloneReason::StoreFailed,
                });
                return self.set_stage(Stage::Send);
            }
        };
        if let MintClaim::HeldOff { retry_in } = claim {
            let retry_in = retry_in.clamp(MIN_POLL, MAX_SERVER_WAIT);
            self.events.push(Event::HeldOff {
                retry_in,
                published: false,
            });
            let too_far = retry_in > self.keeper.config.retry.max_wait;
            let error = too_far.then_some(FetchError::HeldOff { retry_in });
            return self.stand_down(now, retry_in, error);
        }
        let mint = self.mint_stage();
        let Some(round) = self.round.as_mut() else {
            return;
        };
        match claim {
            MintClaim::Acquired(lock) => {
                // Another process may have saved a token just before it released the lock.
                round.lock = Some(lock);
                round.stage = Stage::Load;
            }
            MintClaim::HeldElsewhere {
                poll_every,
                wait_at_most,
            } => {
                let since = *round.held_elsewhere_since.get_or_insert(now);
                let waited = now.saturating_duration_since(since);
                if waited >= wait_at_most {
                    round.stage = mint;
                    self.events.push(Event::MintingAlone {
                        reason: AloneReason::WaitedTooLong { waited },
                    });
                } else {
                    let pause = poll_every.min(wait_at_most - waited).max(MIN_POLL);
                    round.resume_at = now.checked_add(pause);
                    round.stage = Stage::Load;
                }
            }
            _ => round.stage = mint,
        }
    }

    /// Whether a look in the store ([`look_in_store`](Self::look_in_store)) is under way.
    fn looking(&self) -> bool {
        self.round.as_ref().is_some_and(|round| round.look_only)
    }

    /// After looking in the store and finding nothing better: mint if this process holds the
    /// fleet's lock, else ask for it.
    fn after_look(&self) -> Stage {
        match self.round.as_ref().and_then(|r| r.lock.as_ref()) {
            Some(_) => self.mint_stage(),
            None => Stage::Claim,
        }
    }

    fn set_stage(&mut self, stage: Stage) {
        if let Some(round) = self.round.as_mut() {
            round.stage = stage;
        }
    }

    fn release_or_end(&mut self) {
        match self.round.as_mut().and_then(|r| r.lock.take()) {
            Some(lock) => self.set_stage(Stage::Release(lock)),
            None => self.end_round(),
        }
    }

    /// A step was lost: the fleet's lock, if held, is released by the next caller.
    fn give_up_round(&mut self) {
        self.release_or_end();
    }

    fn end_round(&mut self) {
        self.round = None;
    }

    fn store_result(&mut self, action: StoreAction, result: Result<(), StoreError>) {
        if let Err(error) = result {
            self.events.push(Event::StoreFailed { action, error });
        }
    }
}

#[allow(clippy::large_enum_variant)]
enum Next<G> {
    Io(Io),
    Use(Arc<LiveToken<G>>),
    Until(Instant),
    Halted(FetchError),
}

/// Whether a store's error says the value under the key is not a token ([`DecodeError`] in its
/// chain of causes) rather than that the store failed. The chain is followed at most 16 deep.
fn holds_bad_value(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source())
        .take(16)
        .any(|e| e.is::<DecodeError>())
}
