//! The token keeper: a state machine, driven by explicit time, that decides when to use the
//! current token, when to fetch a new one and when to wait.

use super::{
    retry, ClockSkew, Decision, Event, Expiry, Failure, FetchError, Issued, Jitter, LiveToken,
    Mint, RestoreError, RetryPolicy, StoreKey, StoredToken,
};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a [`Keeper`] refreshes and retries. Start from [`Default`] and change fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct KeeperConfig {
    /// How long before expiry a refresh starts. Never more than half the token's lifetime.
    pub refresh_margin: Duration,
    /// Up to this much more is added to the margin at random, per token, so a fleet does not
    /// refresh in lockstep.
    pub refresh_jitter: Duration,
    /// When to retry a failed attempt.
    pub retry: RetryPolicy,
    /// A difference between the server's clock and the local clock larger than this is
    /// reported as [`Event::ClockSkew`].
    pub skew_tolerance: Duration,
    /// How long a fetch may go unanswered before the keeper stops waiting for it and lets
    /// another caller fetch (a transport's own timeout should be shorter).
    pub fetch_timeout: Duration,
    /// The jitter seed. The keeper also stirs in each response's receive time, so keepers with
    /// the same seed in different processes still spread out; give each process its own seed
    /// all the same.
    pub seed: u64,
}

impl Default for KeeperConfig {
    /// For 900-second tokens: refresh 120–150 s before expiry (room for a whole round of
    /// retries while the old token is still served); clock skew reported beyond 5 s; a fetch
    /// abandoned after 60 s; the default [`RetryPolicy`].
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(120),
            refresh_jitter: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            skew_tolerance: Duration::from_secs(5),
            fetch_timeout: Duration::from_secs(60),
            seed: 0,
        }
    }
}

/// Identifies one fetch the keeper asked for: hand it back with the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FetchId(u64);

/// A request to send for a new token.
#[derive(Debug)]
#[non_exhaustive]
pub struct Fetch {
    /// Hand it back to [`Keeper::on_response`] or [`Keeper::on_transport_error`].
    pub id: FetchId,
    /// The request that mints the token.
    pub request: http::Request<Vec<u8>>,
}

/// What the caller should do now.
#[derive(Debug)]
// A `Fetch` is built once per fetch and moved out at once: not worth an allocation to shrink.
#[allow(clippy::large_enum_variant)]
pub enum Action<'a> {
    /// Use this token.
    Use(&'a Arc<LiveToken>),
    /// Send this request and report the outcome. Until then the keeper answers `Use` while the
    /// current token is valid, otherwise `Wait`: one fetch at a time.
    Fetch(Fetch),
    /// No usable token: wait until this time (or until the fetch in flight is answered), then
    /// poll again.
    Wait(SystemTime),
}

/// What came of a response or transport failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// A new token is live ([`Keeper::current`]): store it if you keep a store.
    Issued,
    /// The attempt failed; the keeper will try again at `at` (poll says when).
    WillRetry {
        /// When the next attempt may start.
        at: SystemTime,
        /// Why this one failed.
        failure: Failure,
    },
    /// Refreshing failed for now, but the current token stays valid until `until` and keeps
    /// being served.
    ServingOld {
        /// When the current token expires.
        until: SystemTime,
        /// Why the refresh ended.
        error: FetchError,
    },
    /// The fetch had been superseded; the outcome was ignored.
    Stale,
}

/// The outcome of [`Keeper::restore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Restored {
    /// The stored token is now the current one.
    Installed,
    /// The stored token has expired: it was ignored.
    Expired,
    /// The keeper already holds a token valid at least as long: the stored one was ignored.
    KeptCurrent,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    id: FetchId,
    lease_until: SystemTime,
}

const EVENT_CAPACITY: usize = 32;

/// Keeps one token (one set of credentials and scopes, or one order) alive: reuses it while it
/// is fresh, refreshes it ahead of expiry, retries with backoff, keeps serving the old token
/// while a refresh fails. Sans-IO: it answers [`Action`]s and is told the outcomes, with the
/// time each arrived.
///
/// Not thread-safe by itself (`&mut self`): a transport wraps it in a lock and publishes
/// [`current`](Self::current) for a lock-free hot path.
#[derive(Debug)]
pub struct Keeper<M> {
    mint: M,
    config: KeeperConfig,
    jitter: Jitter,
    current: Option<Arc<LiveToken>>,
    in_flight: Option<InFlight>,
    last_fetch: Option<FetchId>,
    failures: u32,
    not_before: Option<SystemTime>,
    events: VecDeque<Event>,
}

impl<M: Mint> Keeper<M> {
    /// A keeper for the tokens `mint` makes, holding none yet.
    pub fn new(mint: M, config: KeeperConfig) -> Self {
        Self {
            mint,
            jitter: Jitter::new(config.seed),
            config,
            current: None,
            in_flight: None,
            last_fetch: None,
            failures: 0,
            not_before: None,
            events: VecDeque::new(),
        }
    }

    /// How tokens are minted.
    pub fn mint(&self) -> &M {
        &self.mint
    }

    /// The configuration.
    pub fn config(&self) -> &KeeperConfig {
        &self.config
    }

    /// The key to store this keeper's tokens under.
    pub fn store_key(&self) -> StoreKey {
        self.mint.store_key()
    }

    /// The current token, valid or not. Cheap: publish a clone of the `Arc` for readers.
    pub fn current(&self) -> Option<&Arc<LiveToken>> {
        self.current.as_ref()
    }

    /// The current token if it is still valid at `now`.
    pub fn valid(&self, now: SystemTime) -> Option<&Arc<LiveToken>> {
        self.current.as_ref().filter(|t| t.is_valid(now))
    }

    /// The fetch the keeper is waiting for, if any.
    pub fn fetch_in_flight(&self) -> Option<FetchId> {
        self.in_flight.map(|f| f.id)
    }

    /// Says what to do at `now`: use the current token, fetch a new one, or wait.
    pub fn poll(&mut self, now: SystemTime) -> Action<'_> {
        if let Some(flight) = self.in_flight {
            if now < flight.lease_until {
                return self.use_or_wait(now, flight.lease_until);
            }
            self.in_flight = None;
            self.push(Event::FetchTimedOut { id: flight.id });
        }
        let due = self.current.as_ref().is_none_or(|t| !t.is_fresh(now));
        if !due {
            return self.use_or_wait(now, now);
        }
        if let Some(not_before) = self.not_before.filter(|&t| now < t) {
            return self.use_or_wait(now, not_before);
        }
        self.not_before = None;
        let id = FetchId(self.last_fetch.map_or(0, |FetchId(n)| n.wrapping_add(1)));
        self.last_fetch = Some(id);
        self.in_flight = Some(InFlight {
            id,
            lease_until: now.checked_add(self.config.fetch_timeout).unwrap_or(now),
        });
        Action::Fetch(Fetch {
            id,
            request: self.mint.request(),
        })
    }

    fn use_or_wait(&self, now: SystemTime, until: SystemTime) -> Action<'_> {
        match self.valid(now) {
            Some(token) => Action::Use(token),
            None => Action::Wait(until),
        }
    }

    /// Takes the response to fetch `id`, received at `received_at` (local clock).
    ///
    /// `Err` means the fetch is over and no valid token is left: return the error to whoever
    /// is waiting for a token. Otherwise, poll again.
    pub fn on_response(
        &mut self,
        id: FetchId,
        response: http::Response<Vec<u8>>,
        received_at: SystemTime,
    ) -> Result<Progress, FetchError> {
        if !self.settle(id) {
            return Ok(Progress::Stale);
        }
        let status = response.status();
        let server_retry_at = retry::server_retry_at(response.headers(), received_at);
        let date = response
            .headers()
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        match self.mint.read(response) {
            Ok(issued) => self.install(issued, status, received_at, date),
            Err(failure) => self.fail(failure, received_at, server_retry_at),
        }
    }

    /// Takes a transport failure of fetch `id` (nothing came back), noticed at `received_at`.
    /// `message` says what happened; it must not hold a secret (transport errors do not).
    pub fn on_transport_error(
        &mut self,
        id: FetchId,
        received_at: SystemTime,
        message: impl std::fmt::Display,
    ) -> Result<Progress, FetchError> {
        if !self.settle(id) {
            return Ok(Progress::Stale);
        }
        let failure = Failure::Transport {
            message: message.to_string(),
        };
        self.fail(failure, received_at, None)
    }

    /// Fetch `id` will never be answered (the caller gave up on it, e.g. a cancelled future):
    /// another caller may fetch at once. It does not count as a failed attempt.
    pub fn on_abandoned(&mut self, id: FetchId) {
        if self.in_flight.is_some_and(|f| f.id == id) {
            self.in_flight = None;
        }
    }

    /// Forgets the current token, e.g. after the API answered 401 to a request it authorized
    /// (the token was revoked). The next poll fetches.
    pub fn invalidate(&mut self) {
        self.current = None;
    }

    /// Takes back a stored token (e.g. at start, from a [`TokenStore`](super::TokenStore)).
    /// An expired one, or one that would replace a token valid as long, is ignored.
    pub fn restore(
        &mut self,
        stored: &StoredToken,
        now: SystemTime,
    ) -> Result<Restored, RestoreError> {
        stored.check()?;
        if !stored.is_valid(now) {
            return Ok(Restored::Expired);
        }
        if self
            .valid(now)
            .is_some_and(|t| t.expires_at() >= stored.expires_at())
        {
            return Ok(Restored::KeptCurrent);
        }
        let expires_at = stored.expires_at();
        let lifetime = expires_at
            .duration_since(stored.obtained_at())
            .unwrap_or_default();
        self.jitter.stir(nanos(now));
        let refresh_at = self.refresh_at(expires_at, lifetime);
        let live = LiveToken::new(
            stored.access_token().clone(),
            stored.scheme(),
            stored.grant().clone(),
            stored.obtained_at(),
            expires_at,
            refresh_at,
            stored.server_expires_at(),
        )
        .map_err(|_| RestoreError::UnsendableToken)?;
        self.current = Some(Arc::new(live));
        self.push(Event::Restored { expires_at });
        Ok(Restored::Installed)
    }

    /// Takes the events since the last drain, oldest first.
    pub fn drain_events(&mut self) -> impl Iterator<Item = Event> + '_ {
        self.events.drain(..)
    }

    /// Whether `id` is the fetch to settle now; clears the fetch in flight if so.
    fn settle(&mut self, id: FetchId) -> bool {
        let current = match self.in_flight {
            Some(flight) => flight.id == id,
            // The lease ran out but nothing superseded this fetch: its answer is still news.
            None => self.last_fetch == Some(id),
        };
        if current {
            self.in_flight = None;
            // Answered: a late duplicate of the same id is stale from now on.
            self.last_fetch = Some(id);
        } else {
            self.push(Event::StaleResponse { id });
        }
        current
    }

    fn install(
        &mut self,
        issued: Issued,
        status: http::StatusCode,
        received_at: SystemTime,
        date: Option<SystemTime>,
    ) -> Result<Progress, FetchError> {
        let (expires_at, server_expires_at, skew) = match issued.expiry {
            Expiry::In {
                expires_in,
                server_expires_at,
            } => {
                let local = received_at.checked_add(expires_in).unwrap_or(received_at);
                let skew = server_expires_at.map(|server| ClockSkew { local, server });
                (local, server_expires_at, skew)
            }
            Expiry::At(server) => match date {
                // The server's lifetime, counted from the local receive time; and never later
                // than the stated expiry, should the local clock be behind.
                Some(date) => {
                    let lifetime = server.duration_since(date).unwrap_or_default();
                    let local = received_at.checked_add(lifetime).unwrap_or(received_at);
                    let skew = ClockSkew {
                        local: received_at,
                        server: date,
                    };
                    (local.min(server), Some(server), Some(skew))
                }
                None => (server, Some(server), None),
            },
        };
        if let Some(skew) = skew.filter(|s| s.magnitude() > self.config.skew_tolerance) {
            self.push(Event::ClockSkew(skew));
        }
        let Ok(lifetime) = expires_at.duration_since(received_at) else {
            return self.fail(Failure::ExpiredOnArrival, received_at, None);
        };
        if lifetime.is_zero() {
            return self.fail(Failure::ExpiredOnArrival, received_at, None);
        }
        self.jitter.stir(nanos(received_at));
        let refresh_at = self.refresh_at(expires_at, lifetime);
        let live = match LiveToken::new(
            issued.token,
            issued.scheme,
            issued.grant,
            received_at,
            expires_at,
            refresh_at,
            server_expires_at,
        ) {
            Ok(live) => live,
            Err(unsendable) => {
                let failure = Failure::Unreadable {
                    status,
                    problem: unsendable.to_string(),
                };
                return self.fail(failure, received_at, None);
            }
        };
        self.failures = 0;
        self.not_before = None;
        self.current = Some(Arc::new(live));
        self.push(Event::Issued {
            expires_at,
            refresh_at,
        });
        Ok(Progress::Issued)
    }

    /// The refresh time of a token expiring at `expires_at` after `lifetime`: margin plus
    /// jitter before expiry, but at most half the lifetime before it.
    fn refresh_at(&mut self, expires_at: SystemTime, lifetime: Duration) -> SystemTime {
        let lead = self
            .config
            .refresh_margin
            .saturating_add(self.jitter.up_to(self.config.refresh_jitter))
            .min(lifetime / 2);
        expires_at.checked_sub(lead).unwrap_or(expires_at)
    }

    fn fail(
        &mut self,
        failure: Failure,
        received_at: SystemTime,
        server_retry_at: Option<SystemTime>,
    ) -> Result<Progress, FetchError> {
        self.failures = self.failures.saturating_add(1);
        let decision = self.config.retry.decide(
            self.failures,
            failure.clone(),
            received_at,
            server_retry_at,
            &mut self.jitter,
        );
        let error = match decision {
            Decision::RetryAt(at) => {
                self.not_before = Some(at);
                self.push(Event::RetryScheduled {
                    attempt: self.failures,
                    at,
                    failure: failure.clone(),
                });
                return Ok(Progress::WillRetry { at, failure });
            }
            Decision::Stop(error) => error,
        };
        self.failures = 0;
        let server_wait = server_retry_at.filter(|&t| t > received_at);
        let serving_until = self.valid(received_at).map(|t| t.expires_at());
        match serving_until {
            Some(until) => {
                // Let the next round wait a while (but not past expiry), or as long as the
                // server asked.
                let cool_down = received_at
                    .checked_add(self.config.retry.max_backoff)
                    .unwrap_or(received_at)
                    .min(until);
                let next_attempt = server_wait.map_or(cool_down, |t| t.max(cool_down));
                self.not_before = Some(next_attempt);
                self.push(Event::RefreshFailed {
                    error: error.clone(),
                    serving_until: until,
                    next_attempt,
                });
                Ok(Progress::ServingOld { until, error })
            }
            None => {
                self.not_before = server_wait;
                self.push(Event::GaveUp {
                    error: error.clone(),
                });
                Err(error)
            }
        }
    }

    fn push(&mut self, event: Event) {
        if self.events.len() == EVENT_CAPACITY {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
