//! The keeper: one token's deadlines, refresh and retries, driven by explicit time. Internal to
//! the [`SourceMachine`](super::SourceMachine), which adds the store, waiters and steps.

use super::retry::Decision;
use super::token::Lifetime;
use super::{
    ClockSkew, Event, Events, Expiry, Failure, FetchError, Issued, Jitter, LiveToken, Renewal,
    RestoreError, SourceConfig, StoredToken, TokenEndpoint,
};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the keeper wants at `now`.
#[derive(Debug)]
pub(crate) enum Want<G> {
    /// This token is fresh (or still valid during a retry's backoff): use it.
    Use(Arc<LiveToken<G>>),
    /// A new token is due: fetch one.
    Fetch,
    /// Nothing to do before this time (a retry's backoff); no valid token.
    Wait(Instant),
    /// The credentials were rejected and no valid token is left: no fetch until the endpoint
    /// is replaced.
    Halted(FetchError),
}

/// What came of an answer to a fetch.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A new token is live.
    Issued,
    /// The attempt failed; poll again (a retry is scheduled, or the old token is served).
    Again,
    /// The fetch is over and no valid token is left.
    Failed(FetchError),
}

#[derive(Debug)]
pub(crate) struct Keeper<E: TokenEndpoint> {
    pub(crate) endpoint: E,
    pub(crate) config: SourceConfig,
    jitter: Jitter,
    current: Option<Arc<LiveToken<E::Grant>>>,
    failures: u32,
    not_before: Option<Instant>,
    /// From this time, a token must live at least this long to be served, taken from a store
    /// or kept ([`Keeper::require_from`]). Kept as a duration: a need past the end of the
    /// clock (`Duration::MAX`) is one no token meets.
    need: Option<(Instant, Duration)>,
    /// Set when the API rejected the credentials: minting again with them would only be
    /// refused again (or lock a user out). Cleared by a new endpoint.
    halted: Option<FetchError>,
}

impl<E: TokenEndpoint> Keeper<E> {
    pub(crate) fn new(endpoint: E, config: SourceConfig) -> Self {
        Self {
            endpoint,
            jitter: Jitter::new(config.seed),
            config,
            current: None,
            failures: 0,
            not_before: None,
            need: None,
            halted: None,
        }
    }

    /// Serves no token that expires less than `at_least` after `now` (nor takes one from a
    /// store) until the next token is installed or a fetch ends: the caller needs one that
    /// lives that long.
    pub(crate) fn require_from(&mut self, now: Instant, at_least: Duration) {
        self.need = Some((now, at_least));
    }

    /// Forgets what [`require_from`](Self::require_from) asked: a fetch ended.
    pub(crate) fn clear_need(&mut self) {
        self.need = None;
    }

    /// Whether `token` lives as long as the caller needs.
    fn meets_need(&self, token: &LiveToken<E::Grant>) -> bool {
        self.need.is_none_or(|(since, at_least)| {
            token
                .expires_at()
                .checked_duration_since(since)
                .is_some_and(|left| left >= at_least)
        })
    }

    /// Installs a token the API issued outside this keeper (an order's own token) if it is
    /// better than the current one (none valid, or it expires later). Whether it did.
    pub(crate) fn adopt(
        &mut self,
        issued: Issued<E::Grant>,
        now: Instant,
        wall: SystemTime,
        date: Option<SystemTime>,
        events: &mut Events,
    ) -> bool {
        let reference = date.unwrap_or(wall);
        let lifetime = match issued.expiry {
            Expiry::In { expires_in, .. } => expires_in,
            Expiry::At(server) => server.duration_since(reference).unwrap_or_default(),
        };
        let later = now.checked_add(lifetime);
        let held = self.current.as_ref().filter(|t| t.is_valid(now));
        if lifetime.is_zero() || held.is_some_and(|t| later.is_none_or(|l| l <= t.expires_at())) {
            return false;
        }
        matches!(
            self.install(issued, now, wall, date, events),
            Outcome::Issued
        )
    }

    /// Whether the credentials were rejected (no fetch until the endpoint is replaced).
    pub(crate) fn is_halted(&self) -> bool {
        self.halted.is_some()
    }

    /// Mints with `endpoint` from now on (new credentials): the current token is kept, and a
    /// rejection of the old credentials is forgotten.
    pub(crate) fn replace_endpoint(&mut self, endpoint: E) {
        self.endpoint = endpoint;
        self.halted = None;
        self.failures = 0;
        self.not_before = None;
    }

    pub(crate) fn current(&self) -> Option<&Arc<LiveToken<E::Grant>>> {
        self.current.as_ref()
    }

    /// The current token if it is valid at `now` and lives as long as a caller needs.
    pub(crate) fn valid(&self, now: Instant) -> Option<&Arc<LiveToken<E::Grant>>> {
        self.current
            .as_ref()
            .filter(|t| t.is_valid(now) && self.meets_need(t))
    }

    /// What to do at `now`, with no fetch under way (the machine's round is single flight):
    /// fetch when a token is due and no backoff stands in the way.
    pub(crate) fn poll(&mut self, now: Instant) -> Want<E::Grant> {
        if let Some(error) = &self.halted {
            // The valid token is served to its end; then only the error.
            return match self.valid(now) {
                Some(token) => Want::Use(Arc::clone(token)),
                None => Want::Halted(error.clone()),
            };
        }
        let fresh = self
            .current
            .as_ref()
            .filter(|t| t.is_fresh(now) && self.meets_need(t));
        if let Some(token) = fresh {
            return Want::Use(Arc::clone(token));
        }
        match self.not_before.filter(|&t| now < t) {
            Some(later) => match self.valid(now) {
                Some(token) => Want::Use(Arc::clone(token)),
                None => Want::Wait(later),
            },
            None => {
                self.not_before = None;
                Want::Fetch
            }
        }
    }

    /// Takes the response to the fetch in flight, received at `now` (`wall` on the wall clock).
    pub(crate) fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: Instant,
        wall: SystemTime,
        events: &mut Events,
    ) -> Outcome {
        let date = server_date(response.headers());
        let server_wait = self.server_wait(response.headers(), wall);
        match self.endpoint.read(response) {
            Ok(issued) => self.install(issued, now, wall, date, events),
            Err(failure) => self.fail(failure, now, server_wait, events),
        }
    }

    /// How long the server asked to wait before the next request, by the response's
    /// `headers` (received at `wall`): measured on the server's clock when it sent a `Date`.
    pub(crate) fn server_wait(
        &self,
        headers: &http::HeaderMap,
        wall: SystemTime,
    ) -> Option<Duration> {
        let reference = server_date(headers).unwrap_or(wall);
        self.endpoint
            .retry_not_before(headers, reference)
            .map(|at| at.duration_since(reference).unwrap_or_default())
    }

    /// Sends nothing before `at` (the fleet was told to wait, or its budget is spent); a later
    /// time already set is kept. A valid token is still served meanwhile.
    pub(crate) fn hold_until(&mut self, at: Instant) {
        self.not_before = Some(self.not_before.map_or(at, |t| t.max(at)));
    }

    /// Takes a transport failure of the fetch in flight, noticed at `now`.
    pub(crate) fn on_transport_error(
        &mut self,
        error: crate::TransportError,
        now: Instant,
        events: &mut Events,
    ) -> Outcome {
        self.fail(Failure::Transport(error), now, None, events)
    }

    /// Forgets the current token: the next poll fetches.
    pub(crate) fn invalidate(&mut self) {
        self.current = None;
    }

    /// Takes back a stored token if it is valid, of this endpoint's grant, and lives longer
    /// than the current one. Whether it did.
    pub(crate) fn restore(
        &mut self,
        stored: &StoredToken,
        now: Instant,
        wall: SystemTime,
        events: &mut Events,
    ) -> Result<bool, RestoreError> {
        stored.check()?;
        let grant: E::Grant =
            serde_json::from_value(stored.grant().clone()).map_err(|_| RestoreError::OtherGrant)?;
        // By the store's clock where it measured it: the writer's clock may be off.
        let remaining = stored.time_left(wall);
        let need = self
            .need
            .map(|(since, at_least)| at_least.saturating_sub(now.saturating_duration_since(since)));
        if remaining.is_zero() || need.is_some_and(|need| remaining < need) {
            return Ok(false);
        }
        if self
            .valid(now)
            .is_some_and(|t| t.remaining(now) >= remaining)
        {
            return Ok(false);
        }
        let lifetime = stored
            .expires_at()
            .duration_since(stored.obtained_at())
            .unwrap_or(remaining);
        self.jitter.stir(nanos(wall));
        let life = Lifetime {
            obtained_at: now,
            lifetime: remaining,
            refresh_lead: self.refresh_lead(lifetime),
            wall_obtained_at: stored.obtained_at(),
            wall_expires_at: stored.expires_at(),
            server_expires_at: stored.server_expires_at(),
        };
        let live = LiveToken::new(stored.access_token().clone(), stored.scheme(), grant, life)
            .map_err(|_| RestoreError::UnsendableToken)?;
        self.current = Some(Arc::new(live));
        self.failures = 0;
        self.not_before = None;
        self.need = None;
        events.push(Event::Restored { remaining });
        Ok(true)
    }

    fn install(
        &mut self,
        issued: Issued<E::Grant>,
        now: Instant,
        wall: SystemTime,
        date: Option<SystemTime>,
        events: &mut Events,
    ) -> Outcome {
        // The lifetime on the server's clock: a local clock that is off changes nothing.
        let (lifetime, server_expires_at, skew) = match issued.expiry {
            Expiry::In {
                expires_in,
                server_expires_at,
            } => {
                let skew = match (date, server_expires_at) {
                    (Some(date), _) => Some(ClockSkew {
                        local: wall,
                        server: date,
                    }),
                    (None, Some(server)) => {
                        server.checked_sub(expires_in).map(|server| ClockSkew {
                            local: wall,
                            server,
                        })
                    }
                    (None, None) => None,
                };
                (expires_in, server_expires_at, skew)
            }
            Expiry::At(server) => {
                let reference = date.unwrap_or(wall);
                let lifetime = server.duration_since(reference).unwrap_or_default();
                let skew = date.map(|date| ClockSkew {
                    local: wall,
                    server: date,
                });
                (lifetime, Some(server), skew)
            }
        };
        if let Some(skew) = skew.filter(|s| s.magnitude() > self.config.skew_tolerance) {
            events.push(Event::ClockSkew(skew));
        }
        if lifetime.is_zero() {
            return self.fail(Failure::ExpiredOnArrival, now, None, events);
        }
        self.jitter.stir(nanos(wall));
        let life = Lifetime {
            obtained_at: now,
            lifetime,
            refresh_lead: self.refresh_lead(lifetime),
            wall_obtained_at: wall,
            wall_expires_at: wall.checked_add(lifetime).unwrap_or(wall),
            server_expires_at,
        };
        let status = http::StatusCode::OK;
        let live = match LiveToken::new(issued.token, issued.scheme, issued.grant, life) {
            Ok(live) => live,
            Err(unsendable) => {
                let failure = Failure::Unreadable {
                    status,
                    problem: unsendable.to_string(),
                };
                return self.fail(failure, now, None, events);
            }
        };
        self.failures = 0;
        self.not_before = None;
        self.need = None;
        events.push(Event::Issued {
            lifetime,
            refresh_at: live.refresh_at(),
        });
        self.current = Some(Arc::new(live));
        Outcome::Issued
    }

    /// How long before expiry a token of this lifetime is refreshed.
    fn refresh_lead(&mut self, lifetime: Duration) -> Duration {
        match self.endpoint.renewal() {
            Renewal::OnExpiry => Duration::ZERO,
            Renewal::Ahead => self
                .config
                .refresh_margin
                .saturating_add(self.jitter.up_to(self.config.refresh_jitter))
                .min(lifetime / 2),
        }
    }

    fn fail(
        &mut self,
        failure: Failure,
        now: Instant,
        server_wait: Option<Duration>,
        events: &mut Events,
    ) -> Outcome {
        self.failures = self.failures.saturating_add(1);
        let retryable = self.endpoint.is_retryable(&failure);
        let decision = self.config.retry.decide(
            self.failures,
            failure.clone(),
            retryable,
            now,
            server_wait,
            &mut self.jitter,
        );
        let error = match decision {
            Decision::RetryAt(at) => {
                self.not_before = Some(at);
                events.push(Event::RetryScheduled {
                    attempt: self.failures,
                    after: at.saturating_duration_since(now),
                    failure,
                });
                return Outcome::Again;
            }
            Decision::Stop(error) => error,
        };
        self.failures = 0;
        let halted = error.rejection().is_some();
        if halted {
            self.halted = Some(error.clone());
        }
        // Honoured after the fetch has ended, but not for ever: a broken or hostile header must
        // not stop the source for years.
        let server_wait = server_wait
            .unwrap_or_default()
            .min(crate::limits::MAX_SERVER_WAIT);
        match self.valid(now).map(|t| t.expires_at()) {
            Some(until) => {
                // Let the next round wait a while (but not past expiry), or as long as the
                // server asked.
                let cool_down = now
                    .checked_add(self.config.retry.max_backoff)
                    .unwrap_or(now)
                    .min(until);
                let next = cool_down.max(now.checked_add(server_wait).unwrap_or(now));
                self.not_before = Some(next);
                events.push(Event::RefreshFailed {
                    error,
                    serving_for: until.saturating_duration_since(now),
                    next_attempt_after: (!halted).then(|| next.saturating_duration_since(now)),
                });
                Outcome::Again
            }
            None => {
                self.not_before = (!server_wait.is_zero())
                    .then(|| now.checked_add(server_wait))
                    .flatten();
                events.push(Event::GaveUp {
                    error: error.clone(),
                });
                Outcome::Failed(error)
            }
        }
    }
}

/// The server's `Date`, if it sent a readable one.
fn server_date(headers: &http::HeaderMap) -> Option<SystemTime> {
    headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
