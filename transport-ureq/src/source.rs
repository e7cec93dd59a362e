//! A thread-safe token source: one [`Keeper`] behind a lock, its current token published for a
//! lock-free hot path, single-flight fetches over a [`Transport`].

mod clock;
mod store;

pub use clock::{Clock, SystemClock};
pub use keycard_core::lifecycle::{AloneReason, SourceEvent, StoreAction};

use crate::UreqTransport;
use arc_swap::ArcSwapOption;
use keycard_core::lifecycle::{
    Action, Claim, Fetch, FetchError, FetchId, Keeper, KeeperConfig, LiveToken, Mint, MintLock,
    Progress, Restored, StoreKey, TokenStore,
};
use keycard_core::{BaseUrl, Transport, TransportError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};
use store::DynStore;

/// Why a token source gave no token, or refused to authorize a request: the shared
/// [`keycard_core::lifecycle::SourceError`], with keycard-core's [`TransportError`].
pub type SourceError = keycard_core::lifecycle::SourceError<TransportError>;

/// How long a call waits for a token by default (for another caller's fetch, or for a retry
/// the server asked for) before it gives up with [`SourceError::TimedOut`].
pub const DEFAULT_WAIT_LIMIT: Duration = Duration::from_secs(60);

/// How many events a source keeps for [`TokenSource::drain_events`].
const EVENT_CAPACITY: usize = 64;

/// The shortest wait between two polls, so a deadline that is already due cannot spin.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// A thread-safe source of tokens of one kind (one set of credentials and scopes, or one
/// order): reuses the token while it is fresh, refreshes it ahead of expiry, retries with
/// backoff, keeps serving the old token while a refresh fails, and puts it on requests.
///
/// Share it between threads (`Arc<TokenSource<_>>`, or by reference in scoped threads).
///
/// - **Hot path**: while the published token is fresh, [`token`](Self::token) and
///   [`authorize`](Self::authorize) read it without a lock (an atomic load of an `Arc`), compare
///   one time and insert a precomputed sensitive header: no allocation. The same holds for a
///   token that is due for refresh but still valid while a refresh is under way.
/// - **Single flight**: otherwise the caller locks the [`Keeper`] and polls it. Exactly one
///   caller gets to fetch; it sends the request *without* the lock. The others keep using the
///   still-valid token, or wait (on a [`Condvar`], up to the [wait limit](Self::with_wait_limit))
///   for the fetch to end. When it ends in an error, the waiters get that error instead of
///   each starting a fetch of their own.
/// - **Store** (optional, [`with_store`](Self::with_store)): before it mints, the source
///   looks in the store for a token (a restarted process, or another process sharing the
///   store); each new token is saved. A failing store never stops issuance: it is reported as
///   a [`SourceEvent::StoreFailed`].
/// - **Fleet** (a store shared by many processes, e.g. `keycard::redis::RedisStore`): before
///   it mints, the source takes the fleet's lock on the key; if another process holds it, it
///   waits (bounded by the store) for that process's token and adopts it, so the whole fleet
///   makes one mint per refresh. If the store fails, or the wait runs out, it mints alone and
///   says so ([`SourceEvent::MintingAlone`]); the next refresh tries the fleet again. The hot
///   path never touches the store.
///
/// ```
/// use keycard_core::lifecycle::KeeperConfig;
/// use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
/// use keycard_core::{BaseUrl, SecretKey};
/// use keycard_ureq::{TokenSource, UreqTransport};
///
/// # let emulator = keycard_emulator::Emulator::start()?;
/// # let (base_url, app_id, secret_key) = (emulator.voucherify_url(),
/// #     emulator.voucherify_app_id(), emulator.voucherify_secret_key());
/// let api = voucherify::Api::new(
///     BaseUrl::parse(&base_url)?,
///     Credentials::new(app_id, SecretKey::new(secret_key))?,
/// );
/// let mint = api.generate_token(&Scopes::from([Scope::Vouchers]))?;
/// let source = TokenSource::new(UreqTransport::new(), mint, KeeperConfig::default());
///
/// let mut request = http::Request::get(format!("{base_url}/v1/vouchers/SUMMER")).body(())?;
/// source.authorize_checked(&mut request, api.base_url())?;
/// assert!(request.headers()["authorization"].is_sensitive());
///
/// // The campaigns endpoints need another scope: refused here, not with a 403 later.
/// let mut other = http::Request::get(format!("{base_url}/v1/campaigns")).body(())?;
/// assert!(source.authorize_checked(&mut other, api.base_url()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TokenSource<M, T = UreqTransport> {
    transport: T,
    /// The keeper's current token, for readers that take no lock.
    published: ArcSwapOption<LiveToken>,
    /// Whether a fetch is in flight: a valid token is then served without the lock.
    refreshing: AtomicBool,
    state: Mutex<State<M>>,
    changed: Condvar,
    clock: Arc<dyn Clock>,
    store: Option<Box<dyn DynStore>>,
    store_key: StoreKey,
    wait_limit: Duration,
}

struct State<M> {
    keeper: Keeper<M>,
    /// Counts fetches that ended in an error, so that waiters learn that theirs did.
    failed_rounds: u64,
    last_error: Option<FetchError>,
    events: VecDeque<SourceEvent>,
}

impl<M: Mint> State<M> {
    fn push(&mut self, event: SourceEvent) {
        push(&mut self.events, event);
    }

    /// Moves the keeper's events into the source's.
    fn pump(&mut self) {
        for event in self.keeper.drain_events() {
            push(&mut self.events, SourceEvent::Keeper(event));
        }
    }
}

fn push(events: &mut VecDeque<SourceEvent>, event: SourceEvent) {
    if events.len() == EVENT_CAPACITY {
        events.pop_front();
    }
    events.push_back(event);
}

impl<M, T> TokenSource<M, T>
where
    M: Mint + Send,
    T: Transport,
{
    /// A source that mints with `mint`, sends with `transport` and refreshes and retries as
    /// `config` says. It holds no token yet: the first call fetches one.
    ///
    /// A `config.seed` of 0 (the default) is replaced by a random seed, so that processes do
    /// not refresh in lockstep.
    pub fn new(transport: T, mint: M, mut config: KeeperConfig) -> Self {
        if config.seed == 0 {
            config.seed = random_seed();
        }
        let keeper = Keeper::new(mint, config);
        let store_key = keeper.store_key();
        Self {
            transport,
            published: ArcSwapOption::empty(),
            refreshing: AtomicBool::new(false),
            state: Mutex::new(State {
                keeper,
                failed_rounds: 0,
                last_error: None,
                events: VecDeque::new(),
            }),
            changed: Condvar::new(),
            clock: Arc::new(SystemClock),
            store: None,
            store_key,
            wait_limit: DEFAULT_WAIT_LIMIT,
        }
    }

    /// Keeps tokens in `store` (e.g. `keycard::FileStore`, an `Arc<MemoryStore>` shared with
    /// other sources): a stored token is reused instead of minting, and each new token is
    /// saved.
    #[must_use]
    pub fn with_store<S: TokenStore + Send + Sync + 'static>(mut self, store: S) -> Self {
        self.store = Some(Box::new(store));
        self
    }

    /// Reads the time from `clock` instead of [`SystemTime::now`] (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long one call may wait for a token (for another caller's fetch, or a retry the
    /// server asked for); [`DEFAULT_WAIT_LIMIT`] by default.
    #[must_use]
    pub fn with_wait_limit(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// The key tokens are stored under.
    pub fn store_key(&self) -> &StoreKey {
        &self.store_key
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A token to use now: the cached one while it is fresh (no lock, no allocation), else the
    /// one a refresh brings (or the still-valid old one while the refresh is under way).
    pub fn token(&self) -> Result<Arc<LiveToken>, SourceError> {
        let now = self.clock.now();
        if let Some(token) = self.published.load().as_ref() {
            if self.servable(token, now) {
                return Ok(Arc::clone(token));
            }
        }
        self.slow_path()
    }

    /// Puts a token on `request` as its `Authorization` header (marked sensitive). While the
    /// cached token is fresh: an atomic load, a time comparison, a reference-count increment and
    /// a header insert, with no lock and no allocation (given room in the header map).
    pub fn authorize<B>(&self, request: &mut http::Request<B>) -> Result<(), SourceError> {
        let now = self.clock.now();
        if let Some(token) = self.published.load().as_ref() {
            if self.servable(token, now) {
                token.authorize(request);
                return Ok(());
            }
        }
        self.slow_path()?.authorize(request);
        Ok(())
    }

    /// Like [`authorize`](Self::authorize), but first checks that the token may call
    /// `request` at `base` (Voucherify: the endpoint must be known and granted by the token's
    /// scopes). A refused request is [`SourceError::Scope`], and nothing is put on it.
    pub fn authorize_checked<B>(
        &self,
        request: &mut http::Request<B>,
        base: &BaseUrl,
    ) -> Result<(), SourceError> {
        let now = self.clock.now();
        if let Some(token) = self.published.load().as_ref() {
            if self.servable(token, now) {
                return Ok(token.authorize_checked(request, base)?);
            }
        }
        Ok(self.slow_path()?.authorize_checked(request, base)?)
    }

    /// The cached token, valid or not, without fetching.
    pub fn current(&self) -> Option<Arc<LiveToken>> {
        self.published.load_full()
    }

    /// Forgets the current token (and removes it from the store), e.g. after the API answered
    /// 401 to a request it authorized: the next call fetches a new one.
    ///
    /// When many requests may fail with the same token at once, prefer
    /// [`invalidate_if_current`](Self::invalidate_if_current), which does not throw away the
    /// new token another caller already fetched.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        let old = state.keeper.current().cloned();
        state.keeper.invalidate();
        self.publish(&state);
        drop(state);
        self.changed.notify_all();
        if let Some(old) = old {
            self.unstore(&old);
        }
    }

    /// Forgets `token` if it is still the current one (see [`invalidate`](Self::invalidate)).
    /// Whether it was.
    pub fn invalidate_if_current(&self, token: &Arc<LiveToken>) -> bool {
        let mut state = self.lock();
        if !state
            .keeper
            .current()
            .is_some_and(|c| Arc::ptr_eq(c, token))
        {
            return false;
        }
        state.keeper.invalidate();
        self.publish(&state);
        drop(state);
        self.changed.notify_all();
        self.unstore(token);
        true
    }

    /// Takes the events since the last drain, oldest first (at most the last 64).
    pub fn drain_events(&self) -> Vec<SourceEvent> {
        let mut state = self.lock();
        state.pump();
        state.events.drain(..).collect()
    }

    /// Whether the hot path may hand out `token` at `now`.
    fn servable(&self, token: &LiveToken, now: SystemTime) -> bool {
        token.is_fresh(now) || (self.refreshing.load(Ordering::Acquire) && token.is_valid(now))
    }

    fn lock(&self) -> MutexGuard<'_, State<M>> {
        // Every critical section leaves the state consistent: a panic elsewhere does not matter.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes the keeper's current token for the hot path, and whether a fetch is in flight.
    fn publish(&self, state: &State<M>) {
        let current = state.keeper.current();
        let published = self.published.load();
        let same = match (current, published.as_ref()) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.published.store(current.cloned());
        }
        self.refreshing
            .store(state.keeper.fetch_in_flight().is_some(), Ordering::Release);
    }

    /// Polls the keeper until it gives a token, fetching when it is this caller's turn.
    fn slow_path(&self) -> Result<Arc<LiveToken>, SourceError> {
        let started = Instant::now();
        let deadline = started.checked_add(self.wait_limit);
        let mut state = self.lock();
        let failed_rounds = state.failed_rounds;
        loop {
            if state.failed_rounds != failed_rounds {
                // A fetch this call waited for failed: share its error rather than start
                // another round at once.
                if let Some(error) = state.last_error.clone() {
                    return Err(SourceError::Fetch(error));
                }
            }
            let now = self.clock.now();
            let fetch = match state.keeper.poll(now) {
                Action::Use(token) => {
                    let token = Arc::clone(token);
                    self.publish(&state);
                    return Ok(token);
                }
                Action::Fetch(fetch) => fetch,
                Action::Wait(until) => {
                    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                    let wait = until.duration_since(now).unwrap_or_default().max(MIN_WAIT);
                    let in_flight = state.keeper.fetch_in_flight().is_some();
                    if let Some(left) = left.filter(|&left| left < wait) {
                        // The server asked for a wait longer than this call may take.
                        if let (false, Some(error)) = (in_flight, state.last_error.clone()) {
                            return Err(SourceError::Fetch(error));
                        }
                        if left.is_zero() {
                            return Err(SourceError::TimedOut {
                                waited: started.elapsed(),
                            });
                        }
                    }
                    let wait = left.map_or(wait, |left| wait.min(left).max(MIN_WAIT));
                    state = self
                        .changed
                        .wait_timeout(state, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                    continue;
                }
            };
            self.publish(&state);
            state.pump();
            drop(state);
            let outcome = self.fetch(fetch);
            state = self.lock();
            state.pump();
            self.publish(&state);
            match outcome {
                Turn::Adopted | Turn::Again => {
                    self.changed.notify_all();
                }
                Turn::Issued(token) => {
                    // Saved (and the fleet's lock released) in `fetch`.
                    drop(state);
                    self.changed.notify_all();
                    return Ok(token);
                }
                Turn::Failed(error) => {
                    state.failed_rounds = state.failed_rounds.wrapping_add(1);
                    drop(state);
                    self.changed.notify_all();
                    return Err(error);
                }
            }
        }
    }

    /// Runs one fetch the keeper asked for: a token from the store if it has a better one,
    /// else the request. Takes the lock only to report.
    fn fetch(&self, fetch: Fetch) -> Turn<TransportError> {
        let id = fetch.id;
        let mut guard = Abandon {
            source: self,
            id: Some(id),
        };
        if self.adopt_stored(id) {
            guard.id = None;
            return Turn::Adopted;
        }
        let lock = match self.claim_fleet(id) {
            Fleet::Adopted => {
                guard.id = None;
                return Turn::Adopted;
            }
            Fleet::Mint(lock) => lock,
        };
        let result = self.transport.send(fetch.request);
        let turn = self.report(id, result);
        guard.id = None;
        if let Turn::Issued(token) = &turn {
            // Local waiters need not wait for the store.
            self.changed.notify_all();
            self.save(token);
        }
        if let Some(lock) = lock {
            self.release_fleet(&lock);
        }
        turn
    }

    /// Hands the outcome of fetch `id` to the keeper.
    fn report(
        &self,
        id: FetchId,
        result: Result<http::Response<Vec<u8>>, TransportError>,
    ) -> Turn<TransportError> {
        let received_at = self.clock.now();
        let mut state = self.lock();
        let progress = match result {
            Ok(response) => state
                .keeper
                .on_response(id, response, received_at)
                .map_err(|fetch_error| (fetch_error, None)),
            Err(error) => state
                .keeper
                .on_transport_error(id, received_at, &error)
                .map_err(|fetch_error| (fetch_error, Some(error))),
        };
        match progress {
            Ok(Progress::Issued) => match state.keeper.current().cloned() {
                Some(token) => {
                    state.last_error = None;
                    Turn::Issued(token)
                }
                None => Turn::Again,
            },
            Ok(_) => Turn::Again,
            Err((fetch_error, transport_error)) => {
                // Waiters get the keeper's error; this caller keeps the transport's.
                state.last_error = Some(fetch_error.clone());
                Turn::Failed(match (fetch_error, transport_error) {
                    (FetchError::GaveUp { attempts, .. }, Some(source)) => {
                        SourceError::Transport { attempts, source }
                    }
                    (fetch_error, _) => SourceError::Fetch(fetch_error),
                })
            }
        }
    }

    /// Looks in the store for a token better than the current one; installs it if there is.
    /// Whether it did (fetch `id` is then abandoned).
    fn adopt_stored(&self, id: FetchId) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        let stored = match store.load(&self.store_key) {
            Ok(Some(stored)) => stored,
            Ok(None) => return false,
            Err(error) => {
                self.lock().push(store::failed(StoreAction::Load, error));
                return false;
            }
        };
        let now = self.clock.now();
        let mut state = self.lock();
        match state.keeper.restore(&stored, now) {
            Ok(Restored::Installed) => {
                state.keeper.on_abandoned(id);
                self.publish(&state);
                true
            }
            Ok(_) => false,
            Err(error) => {
                state.push(SourceEvent::StoredTokenRejected { error });
                false
            }
        }
    }

    /// Fleet-wide single flight (a store shared by many processes; see [`Claim`]): whether
    /// to mint, with the fleet's lock or alone, or a token another process stored was adopted.
    /// A store that is not shared answers at once: mint.
    fn claim_fleet(&self, id: FetchId) -> Fleet {
        let Some(store) = &self.store else {
            return Fleet::Mint(None);
        };
        let mut waiting_since: Option<Instant> = None;
        loop {
            match store.claim_mint(&self.store_key) {
                Ok(Claim::Acquired(lock)) => {
                    // Another process may have stored a token just before it released the lock.
                    if self.adopt_stored(id) {
                        self.release_fleet(&lock);
                        return Fleet::Adopted;
                    }
                    return Fleet::Mint(Some(lock));
                }
                Ok(Claim::HeldElsewhere {
                    poll_every,
                    wait_at_most,
                }) => {
                    let since = *waiting_since.get_or_insert_with(Instant::now);
                    let waited = since.elapsed();
                    if waited >= wait_at_most {
                        self.lock().push(SourceEvent::MintingAlone {
                            reason: AloneReason::WaitedTooLong { waited },
                        });
                        return Fleet::Mint(None);
                    }
                    std::thread::sleep(poll_every.min(wait_at_most - waited).max(MIN_WAIT));
                    if self.adopt_stored(id) {
                        return Fleet::Adopted;
                    }
                }
                Ok(_) => return Fleet::Mint(None),
                Err(error) => {
                    let mut state = self.lock();
                    state.push(store::failed(StoreAction::Claim, error));
                    state.push(SourceEvent::MintingAlone {
                        reason: AloneReason::StoreFailed,
                    });
                    return Fleet::Mint(None);
                }
            }
        }
    }

    fn release_fleet(&self, lock: &MintLock) {
        let Some(store) = &self.store else { return };
        if let Err(error) = store.release_mint(lock) {
            self.lock().push(store::failed(StoreAction::Release, error));
        }
    }

    fn save(&self, token: &LiveToken) {
        let Some(store) = &self.store else { return };
        if let Err(error) = store.save(&self.store_key, &token.to_stored()) {
            self.lock().push(store::failed(StoreAction::Save, error));
        }
    }

    /// Removes `token` from the store, if it is the one stored.
    fn unstore(&self, token: &LiveToken) {
        let Some(store) = &self.store else { return };
        let result = store.load(&self.store_key).and_then(|stored| match stored {
            Some(stored) if stored.access_token() == token.access_token() => {
                store.remove(&self.store_key)
            }
            _ => Ok(()),
        });
        if let Err(error) = result {
            self.lock().push(store::failed(StoreAction::Remove, error));
        }
    }
}

/// Who mints, across a fleet sharing the store.
enum Fleet {
    /// A token another process stored was installed: nothing to mint.
    Adopted,
    /// Mint, holding the fleet's lock (release it after saving), or alone.
    Mint(Option<MintLock>),
}

/// How one fetch went.
enum Turn<E> {
    /// A stored token was installed instead.
    Adopted,
    /// A new token.
    Issued(Arc<LiveToken>),
    /// Poll again (a retry is scheduled, the old token is served, or the answer was stale).
    Again,
    /// The fetch is over and no valid token is left.
    Failed(keycard_core::lifecycle::SourceError<E>),
}

/// Tells the keeper that a fetch will never be answered if the caller unwinds mid-way.
struct Abandon<'a, M: Mint + Send, T: Transport> {
    source: &'a TokenSource<M, T>,
    id: Option<FetchId>,
}

impl<M: Mint + Send, T: Transport> Drop for Abandon<'_, M, T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let mut state = self.source.lock();
            state.keeper.on_abandoned(id);
            self.source.publish(&state);
            drop(state);
            self.source.changed.notify_all();
        }
    }
}

impl<M, T> std::fmt::Debug for TokenSource<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token's own Debug is redacted.
        f.debug_struct("TokenSource")
            .field("token", &self.published.load())
            .field("store_key", &self.store_key)
            .field("wait_limit", &self.wait_limit)
            .finish_non_exhaustive()
    }
}

/// A seed that differs from process to process and from source to source.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(since) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    hasher.finish() | 1
}
