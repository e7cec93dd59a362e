//! The async driver: callers await, on any runtime; the refresher is a task started through the
//! user's spawner.

use crate::drive::{obtain, refresh, Driver};
use crate::revoke::{revoke_unshared, RevokeError};
use crate::token_source::not_granted;
use crate::TokenSource;
use event_listener::EventListener;
use futures_timer::Delay;
use keycard_core::lifecycle::{LiveToken, SourceConfig, SourceError, TokenEndpoint};
use keycard_core::voucherify::Scopes;
use keycard_core::{AsyncTransport, BaseUrl, TransportError};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

/// Starts a background task on some runtime: the hook through which an [`AsyncSource`] refreshes
/// in the background. Implement it for your runtime, or use [`TokioSpawner`] (feature
/// `tokio`). Any `Fn(Pin<Box<dyn Future<Output = ()> + Send>>)` is one.
pub trait Spawn: Send + Sync + 'static {
    /// Runs `task` to completion in the background. Whether it was started: if not, the
    /// source refreshes inline instead (the first caller that finds the token due fetches).
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()> + Send>>) -> bool;
}

impl<F: Fn(Pin<Box<dyn Future<Output = ()> + Send>>) + Send + Sync + 'static> Spawn for F {
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()> + Send>>) -> bool {
        self(task);
        true
    }
}

/// Spawns on the tokio runtime the source is first used in. Used outside a tokio runtime, it
/// starts nothing, and the source refreshes inline.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSpawner;

#[cfg(feature = "tokio")]
impl Spawn for TokioSpawner {
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()> + Send>>) -> bool {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                drop(runtime.spawn(task));
                true
            }
            Err(_) => false,
        }
    }
}

/// The async driver over an [`AsyncTransport`]: see [`AsyncSource`].
pub struct Async<T> {
    transport: T,
    spawner: Option<Box<dyn Spawn>>,
}

impl<T> std::fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Async")
            .field("spawner", &self.spawner.is_some())
            .finish_non_exhaustive()
    }
}

/// A [`TokenSource`] for async code, on any runtime, over any [`AsyncTransport`]
/// (`keycard::reqwest`, your own). Waiting needs no particular runtime (`event-listener`,
/// `futures-timer`); only the transport may.
///
/// Given a spawner ([`with_spawner`](TokenSource::with_spawner)), refreshing ahead of expiry
/// happens in a background task, so no caller waits while a valid token exists; without one,
/// the first caller that finds the token due fetches (the others keep using the old one).
/// If a future that is fetching is dropped, the fetch is handed to the next caller.
pub type AsyncSource<E, T> = TokenSource<E, Async<T>>;

impl<T: AsyncTransport + Send + 'static> Driver for Async<T> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.transport.send(request)
    }

    async fn sleep(listener: EventListener, now: Instant, until: Instant) {
        let mut listener = pin!(listener);
        let mut delay = Delay::new(until.saturating_duration_since(now));
        std::future::poll_fn(|cx| {
            if listener.as_mut().poll(cx).is_ready() || Pin::new(&mut delay).poll(cx).is_ready() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

impl<E, T> TokenSource<E, Async<T>>
where
    E: TokenEndpoint + Send + 'static,
    E::Grant: Send + Sync,
    T: AsyncTransport + Send + 'static,
{
    /// A source that mints at `endpoint`, sends with `transport` and refreshes and retries as
    /// `config` says. It holds no token yet: the first call fetches one.
    ///
    /// A `config.seed` of 0 (the default) is replaced by a random seed, so that processes do
    /// not refresh in lockstep.
    pub fn new(transport: T, endpoint: E, config: SourceConfig) -> Self {
        let driver = Async {
            transport,
            spawner: None,
        };
        Self::with_driver(driver, endpoint, config)
    }

    /// Refreshes in a background task started through `spawner` at the first use (e.g.
    /// [`TokioSpawner`]), so that no caller waits while a valid token exists. The task ends
    /// when the source is dropped.
    #[must_use]
    pub fn with_spawner(mut self, spawner: impl Spawn) -> Self {
        self.configure_driver(|driver| driver.spawner = Some(Box::new(spawner)));
        self.set_background(true);
        self
    }

    /// Keeps tokens in an async `store` (e.g. `keycard::redis::AsyncRedisStore`, shared by a
    /// fleet): a stored token is reused instead of minting, and each new token is saved. For a
    /// blocking store whose calls are short (a file), use
    /// [`with_store`](TokenSource::with_store).
    #[must_use]
    pub fn with_async_store<S: keycard_core::lifecycle::AsyncTokenStore + 'static>(
        mut self,
        store: S,
    ) -> Self {
        self.set_store(crate::token_source::async_store(store));
        self
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.driver.transport
    }

    /// A token to use now: the cached one while it is fresh (no lock, no allocation, ready on
    /// the first poll), else the one a fetch brings.
    pub async fn token(&self) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
        if let Some(token) = self.cached_token() {
            return Ok(token);
        }
        self.start_refresher();
        obtain(&self.inner).await
    }

    /// For a graceful shutdown: revokes the token this process minted if no store holds it;
    /// see [`BlockingSource::revoke_unshared`](crate::BlockingSource::revoke_unshared).
    pub async fn revoke_unshared(&self) -> Result<bool, RevokeError> {
        revoke_unshared(&self.inner).await
    }

    /// Puts a token on `request` as its `Authorization` header (marked sensitive), and returns
    /// the token used: if the API answers 401, [`invalidate`](TokenSource::invalidate) exactly
    /// that one.
    pub async fn authorize<B>(
        &self,
        request: &mut http::Request<B>,
    ) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
        if let Some(token) = self.authorize_from_cache(request) {
            return Ok(token);
        }
        let token = self.token().await?;
        token.authorize(request);
        Ok(token)
    }

    fn start_refresher(&self) {
        let Some(spawner) = &self.inner.driver.spawner else {
            return;
        };
        self.refresher.call_once(|| {
            if !spawner.spawn(Box::pin(refresh(Arc::downgrade(&self.inner)))) {
                self.inner.shared.set_background_now(false);
            }
        });
    }
}

impl<E, T> TokenSource<E, Async<T>>
where
    E: TokenEndpoint<Grant = Scopes> + Send + 'static,
    T: AsyncTransport + Send + 'static,
{
    /// Like [`authorize`](Self::authorize), but first checks that the token's Voucherify scopes
    /// grant `request` at `base`; a refused request is [`SourceError::NotGranted`] and nothing
    /// is put on it.
    pub async fn authorize_checked<B>(
        &self,
        request: &mut http::Request<B>,
        base: &BaseUrl,
    ) -> Result<Arc<LiveToken<Scopes>>, SourceError> {
        let token = self.token().await?;
        token
            .authorize_checked(request, base)
            .map_err(not_granted)?;
        Ok(token)
    }
}
