//! The blocking driver: callers wait on the calling thread; the refresher is a thread of its
//! own.

use crate::block_on::block_on;
use crate::drive::{obtain, refresh, Driver};
use crate::revoke::{revoke_unshared, RevokeError};
use crate::token_source::not_granted;
use crate::TokenSource;
use event_listener::{EventListener, Listener};
use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceError, TokenEndpoint};
use keycard_core::voucherify::Scopes;
use keycard_core::{BaseUrl, Transport, TransportError};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// The blocking driver over a [`Transport`]: see [`BlockingSource`].
#[derive(Debug)]
pub struct Blocking<T>(T);

/// A [`TokenSource`] for threads, over any blocking [`Transport`] (`keycard::ureq`, your own).
///
/// Refreshing ahead of expiry happens on a thread the source starts at its first use (and
/// which ends when the source is dropped), so no caller waits while a valid token exists; see
/// [`with_inline_refresh`](TokenSource::with_inline_refresh) for none.
pub type BlockingSource<E, T> = TokenSource<E, Blocking<T>>;

impl<T: Transport + Send + Sync + 'static> Driver for Blocking<T> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        std::future::ready(self.0.send(request))
    }

    fn sleep(
        listener: EventListener,
        now: Instant,
        until: Instant,
    ) -> impl Future<Output = ()> + Send {
        // Blocks here, in place: the blocking driver runs its loop on the calling thread. A
        // duration, not a deadline: `now` comes from the source's clock, which may be a test's.
        listener.wait_timeout(until.saturating_duration_since(now));
        std::future::ready(())
    }
}

impl<E, T> TokenSource<E, Blocking<T>>
where
    E: TokenEndpoint + Send + 'static,
    T: Transport + Send + Sync + 'static,
{
    /// A source that mints at `endpoint`, sends with `transport` and refreshes and retries as
    /// `config` says. It holds no token yet: the first call fetches one.
    ///
    /// A `config.seed` of 0 (the default) is replaced by a random seed, so that processes do
    /// not refresh in lockstep.
    pub fn new(transport: T, endpoint: E, config: SourceConfig) -> Self {
        let mut source = Self::with_driver(Blocking(transport), endpoint, config);
        source.set_background(true);
        source
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.driver.0
    }

    /// A token to use now: the cached one while it is fresh (no lock, no allocation), else the
    /// one a fetch brings.
    pub fn token(&self) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
        if let Some(token) = self.cached_token() {
            return Ok(token);
        }
        self.start_refresher();
        block_on(obtain(&self.inner))
    }

    /// Puts a token on `request` as its `Authorization` header (marked sensitive), and returns
    /// the token used: if the API answers 401, [`invalidate`](TokenSource::invalidate) exactly
    /// that one. While the cached token is fresh: an atomic load, a time comparison, two
    /// reference-count increments (the header's and the returned `Arc`'s) and a header insert.
    pub fn authorize<B>(
        &self,
        request: &mut http::Request<B>,
    ) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
        if let Some(token) = self.authorize_from_cache(request) {
            return Ok(token);
        }
        let token = self.token()?;
        token.authorize(request);
        Ok(token)
    }

    /// For a graceful shutdown: revokes the token this process minted if no store holds it
    /// (no store, or one that failed): no other process nor the next start can use it, yet it
    /// counts against the API's limit (Voucherify: 1000 live tokens per project) until it
    /// expires. A token a store holds is left alone: it may serve others. The source forgets
    /// the token (a later call mints again). Whether a token was revoked (`false`: none to
    /// revoke, or the endpoint cannot revoke).
    pub fn revoke_unshared(&self) -> Result<bool, RevokeError> {
        block_on(revoke_unshared(&self.inner))
    }

    fn start_refresher(&self) {
        if !self.background {
            return;
        }
        self.refresher.call_once(|| {
            let weak = Arc::downgrade(&self.inner);
            let spawned = std::thread::Builder::new()
                .name("keycard-refresh".to_owned())
                .spawn(move || block_on(refresh(weak)));
            if spawned.is_err() {
                // No thread to be had: refresh inline, as callers find the token due.
                self.inner.shared.set_background_now(false);
            }
        });
    }
}

impl<E, T> TokenSource<E, Blocking<T>>
where
    E: TokenEndpoint<Grant = Scopes> + Send + 'static,
    T: Transport + Send + Sync + 'static,
{
    /// Like [`authorize`](Self::authorize), but first checks that the token's Voucherify scopes
    /// grant `request` at `base`; a refused request is [`SourceError::NotGranted`] and nothing
    /// is put on it.
    pub fn authorize_checked<B>(
        &self,
        request: &mut http::Request<B>,
        base: &BaseUrl,
    ) -> Result<Arc<LiveToken<Scopes>>, SourceError> {
        let token = self.token()?;
        token
            .authorize_checked(request, base)
            .map_err(not_granted)?;
        Ok(token)
    }
}
