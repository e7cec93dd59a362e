//! The token source: what the blocking and async sources have in common.

use crate::drive::Inner;
use crate::shared::Shared;
use crate::store::DynStore;
use crate::Clock;
use keycard_core::lifecycle::{
    AsyncTokenStore, BlockingStore, Event, LiveToken, MemoryStore, SourceConfig, SourceError,
    SourceMachine, StoreKey, TokenEndpoint, TokenStore,
};
use std::sync::{Arc, Once};

/// A thread-safe source of tokens from one endpoint (one set of credentials and scopes, or one
/// order): reuses the token while it is fresh, refreshes it ahead of expiry (in the background
/// when it can, so that no caller waits while a valid token exists), retries with backoff,
/// keeps serving the old token while a refresh fails, and puts it on requests.
///
/// `D` is the driver: [`Blocking`](crate::Blocking) over a [`Transport`](keycard_core::Transport)
/// ([`BlockingSource`](crate::BlockingSource)), or [`Async`](crate::Async) over an
/// [`AsyncTransport`](keycard_core::AsyncTransport) ([`AsyncSource`](crate::AsyncSource)). The
/// methods here are the same for both; getting a token blocks or is a future.
///
/// - **Hot path**: while the token is fresh, getting and authorizing read it without a lock
///   (each thread keeps its own reference to the current token, checked against the source by
///   one atomic load), compare one time read from a coarse clock ([`Clock::now_coarse`]: a
///   token is served on it only while it would still be fresh 20 ms later, so never past its
///   refresh time) and insert a precomputed sensitive header: no allocation, and no write to
///   memory another thread writes (each thread clones its own copy of the header) except, for
///   `token` and `authorize`, the returned `Arc`'s count. A thread keeps its reference to a
///   replaced token (never serving it) until it next asks that source, or ends.
/// - **Single flight**: one caller (or the background refresher) mints; the others use the
///   still-valid token, or wait for it. When a fetch ends in an error, the waiters get that
///   error instead of each starting a fetch of their own.
/// - **Store** (optional): before it mints, the source looks in the store (a restarted process,
///   or another process sharing the store); each new token is saved. A failing store never
///   stops issuance: it is reported as an [`Event::StoreFailed`].
/// - **Fleet** (a store shared by many processes, e.g. `keycard::redis`): one process mints
///   while the others wait for its token; the whole fleet makes one mint per refresh.
///
/// Configure a source (`with_store`, `with_clock`, …) right after building it: the `with_*`
/// methods panic once the source has been used (its refresher may already hold it).
pub struct TokenSource<E: TokenEndpoint, D> {
    pub(crate) inner: Arc<Inner<E, D>>,
    pub(crate) background: bool,
    pub(crate) refresher: Once,
}

impl<E: TokenEndpoint, D> TokenSource<E, D> {
    pub(crate) fn with_driver(driver: D, endpoint: E, mut config: SourceConfig) -> Self {
        if config.seed == 0 {
            config.seed = random_seed();
        }
        let machine = SourceMachine::new(endpoint, config);
        let store: Box<dyn DynStore> = Box::new(BlockingStore(MemoryStore::new()));
        Self {
            inner: Arc::new(Inner {
                shared: Shared::new(machine, store),
                driver,
            }),
            background: false,
            refresher: Once::new(),
        }
    }

    /// Configures the source; only before its first use.
    fn configure(&mut self, f: impl FnOnce(&mut Inner<E, D>)) {
        let inner = Arc::get_mut(&mut self.inner)
            .expect("a token source is configured before its first use");
        f(inner);
    }

    pub(crate) fn configure_driver(&mut self, f: impl FnOnce(&mut D)) {
        self.configure(|inner| f(&mut inner.driver));
    }

    pub(crate) fn set_store(&mut self, store: Box<dyn DynStore>) {
        self.configure(|inner| {
            inner.shared.store = store;
            inner.shared.update_machine(|m| m.set_store(true));
        });
    }

    /// Keeps tokens in a blocking `store` whose calls are short (e.g. [`FileStore`](crate::FileStore),
    /// an `Arc<MemoryStore>` shared with other sources, `keycard::redis::RedisStore`): a stored
    /// token is reused instead of minting, each new token is saved, and a store shared by a
    /// fleet lets one process mint for all.
    #[must_use]
    pub fn with_store<S: TokenStore + Send + Sync + 'static>(mut self, store: S) -> Self {
        self.set_store(Box::new(BlockingStore(store)));
        self
    }

    /// Reads the time from `clock` instead of the system's (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.configure(|inner| inner.shared.set_clock(Arc::new(clock)));
        self
    }

    /// Refreshes inline instead of in the background: the first caller that finds the token
    /// due for refresh fetches the new one (while the others keep using the old one).
    #[must_use]
    pub fn with_inline_refresh(mut self) -> Self {
        self.set_background(false);
        self
    }

    pub(crate) fn set_background(&mut self, on: bool) {
        self.background = on;
        self.configure(|inner| {
            inner
                .shared
                .update_machine(|m| m.set_background_refresh(on))
        });
    }

    /// The key tokens are stored under.
    pub fn store_key(&self) -> StoreKey {
        self.inner.shared.lock().store_key().clone()
    }

    /// The cached token, valid or not, without fetching.
    pub fn current(&self) -> Option<Arc<LiveToken<E::Grant>>> {
        self.inner.shared.current()
    }

    /// The hot path alone: puts the cached token on `request` if it may be served now (no lock,
    /// no allocation). Whether it did; if not, get a token the usual way.
    pub fn authorize_cached<B>(&self, request: &mut http::Request<B>) -> bool {
        self.inner
            .shared
            .cached(|held| {
                request
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, held.header.clone());
                Some(())
            })
            .is_some()
    }

    /// Puts the cached token on `request` and returns it, if it may be served now (no lock, no
    /// allocation).
    pub(crate) fn authorize_from_cache<B>(
        &self,
        request: &mut http::Request<B>,
    ) -> Option<Arc<LiveToken<E::Grant>>> {
        self.inner.shared.cached(|held| {
            let token = Arc::clone(&held.token)
                .downcast::<LiveToken<E::Grant>>()
                .ok()?;
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, held.header.clone());
            Some(token)
        })
    }

    /// The cached token, if it may be served now (no lock, no allocation).
    pub(crate) fn cached_token(&self) -> Option<Arc<LiveToken<E::Grant>>> {
        self.inner.shared.cached(|held| {
            Arc::clone(&held.token)
                .downcast::<LiveToken<E::Grant>>()
                .ok()
        })
    }

    /// Forgets `used` if it is still the current token, e.g. after the API answered 401 to a
    /// request it authorized: the next call fetches a new one. Whether it was: when many
    /// requests fail with the same token at once, one invalidates it and the others find the
    /// new token already coming, so the source mints once. The token is also removed from the
    /// store before the next mint, and never taken back from it.
    pub fn invalidate(&self, used: &Arc<LiveToken<E::Grant>>) -> bool {
        self.inner.shared.invalidate(used)
    }

    /// Mints with `endpoint` from now on: new credentials, e.g. a regenerated Voucherify secret
    /// key, a rotated Exact Payments application token, or a login after a manager unlocked
    /// the user. The current token is kept and served until it is due (the vendors let a token
    /// outlive the key that minted it), and a
    /// [`CredentialsRejected`](keycard_core::lifecycle::FetchError::CredentialsRejected) of the
    /// old credentials is forgotten: the next fetch tries the new ones.
    pub fn replace_endpoint(&self, endpoint: E) {
        self.inner.shared.replace_endpoint(endpoint);
    }

    /// Takes the events since the last drain, oldest first (at most the last 64), as typed
    /// values: for a test that asserts what happened, or a program that reacts to an event.
    /// To log or count them, there is no need to poll: each is also reported to `tracing` as
    /// it happens (and to `metrics`, with that feature; see the crate docs).
    pub fn drain_events(&self) -> Vec<Event> {
        self.inner.shared.drain_events()
    }
}

impl<E: TokenEndpoint, D> Drop for TokenSource<E, D> {
    fn drop(&mut self) {
        self.inner.shared.stop();
    }
}

impl<E: TokenEndpoint, D> std::fmt::Debug for TokenSource<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token's own Debug is redacted.
        f.debug_struct("TokenSource")
            .field("token", &self.current())
            .field("background", &self.background)
            .finish_non_exhaustive()
    }
}

/// Keeps tokens in an async `store` (`keycard::redis::AsyncRedisStore`, …).
pub(crate) fn async_store<S: AsyncTokenStore + 'static>(store: S) -> Box<dyn DynStore> {
    Box::new(store)
}

/// A seed that differs from process to process and from source to source.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    hasher.finish() | 1
}

/// A vendor's check refused the request.
pub(crate) fn not_granted(error: keycard_core::voucherify::AuthorizeError) -> SourceError {
    SourceError::NotGranted(Box::new(error))
}
