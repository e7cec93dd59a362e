//! Many tokens in one object: a bounded pool of token sources, one per key (one lifecycle per
//! key), where a held key serves the keys it covers.

use crate::blocking::Blocking;
use crate::nonblocking::Async;
use crate::{Clock, SystemClock, TokenSource};
use keycard_core::lifecycle::{LiveToken, PoolBook, PoolError, PoolKey, TokenEndpoint};
use keycard_core::voucherify::{GenerateToken, Scopes};
use keycard_core::{AsyncTransport, BuildError, Transport};
use std::sync::{Arc, Mutex, PoisonError};

/// Builds the source for a key.
type MakeSource<K, E, D> = dyn Fn(&K) -> Result<TokenSource<E, D>, BuildError> + Send + Sync;

/// A bounded pool of [`TokenSource`]s, one per key, each with its own lifecycle: tokens for
/// many scope sets, or many orders, in one object. Blocking ([`Blocking`]) or async
/// ([`Async`]), like its sources.
///
/// A key that is held serves the keys it [covers](PoolKey::covers): a Voucherify token whose
/// scopes grant every scope asked for (`api` grants `vouchers`) is reused rather than minting
/// another. At most `capacity` keys are held; when full, keys whose token has expired and
/// that no call is using are dropped first, and a pool still full refuses the new key
/// ([`PoolError::Full`]) rather than drop a live one.
///
/// ```
/// use keycard_core::lifecycle::SourceConfig;
/// use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
/// use keycard_core::{SecretKey, Transport, TransportError};
/// use keycard_source::{BlockingSource, ScopePool};
///
/// # struct Canned;
/// # impl Transport for Canned {
/// #     fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
/// #         Ok(http::Response::builder().status(200).header("content-type", "application/json")
/// #             .body(br#"{"access_token":"tok-1","client_id":"a1Bc","expires_at":1738945086,
/// #                  "expires_in":900,"scope":"api","token_type":"Bearer"}"#.to_vec()).unwrap())
/// #     }
/// # }
/// let api = voucherify::Api::new(
///     Region::Europe.base_url(),
///     Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
/// );
/// let pool = ScopePool::new(64, move |scopes: &Scopes| {
///     let endpoint = api.generate_token(scopes)?;
///     Ok(BlockingSource::new(Canned, endpoint, SourceConfig::default()))
/// });
/// let broad = pool.token(&Scopes::from([Scope::Api]))?;
/// // `api` grants `vouchers`: the same token serves it.
/// let narrow = pool.token(&Scopes::from([Scope::Vouchers]))?;
/// assert!(std::sync::Arc::ptr_eq(&broad, &narrow));
/// assert_eq!(pool.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TokenPool<K: PoolKey, E: TokenEndpoint, D> {
    book: Mutex<PoolBook<K, Arc<TokenSource<E, D>>>>,
    make: Box<MakeSource<K, E, D>>,
    clock: Arc<dyn Clock>,
}

/// A pool of Voucherify tokens keyed by scope set.
pub type ScopePool<D> = TokenPool<Scopes, GenerateToken, D>;

impl<K: PoolKey, E: TokenEndpoint, D> TokenPool<K, E, D> {
    /// A pool of at most `capacity` keys (at least 1), whose source for a key `make` builds
    /// (a [`BlockingSource`](crate::BlockingSource) or an [`AsyncSource`](crate::AsyncSource),
    /// with its store, clock, …).
    pub fn new(
        capacity: usize,
        make: impl Fn(&K) -> Result<TokenSource<E, D>, BuildError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            book: Mutex::new(PoolBook::new(capacity)),
            make: Box::new(make),
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads the time from `clock` (to tell which keys' tokens have expired) instead of the
    /// system's. Give the sources the same clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Applies `f` to every source built from now on (e.g. to give each a store).
    #[must_use]
    pub(crate) fn map_sources(
        self,
        f: impl Fn(TokenSource<E, D>) -> TokenSource<E, D> + Send + Sync + 'static,
    ) -> Self
    where
        K: 'static,
        E: 'static,
        D: 'static,
    {
        let make = self.make;
        Self {
            make: Box::new(move |key| make(key).map(&f)),
            ..self
        }
    }

    /// The source that serves `wanted`: the one held for it, or for a key that covers it (the
    /// one whose token lives longest), else a new one (its first call fetches).
    pub fn source(&self, wanted: &K) -> Result<Arc<TokenSource<E, D>>, PoolError> {
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        let rank = |source: &Arc<TokenSource<E, D>>| source.current().map(|t| t.expires_at());
        if let Some((_, source)) = book.find(wanted, rank) {
            return Ok(Arc::clone(source));
        }
        let source = Arc::new((self.make)(wanted).map_err(PoolError::Build)?);
        let now = self.clock.now();
        let inserted = book.insert(wanted.clone(), source, now, |source, now| {
            // In use by a call (the pool holds one reference), or a token still valid.
            Arc::strong_count(source) > 1 || source.current().is_some_and(|t| t.is_valid(now))
        })?;
        Ok(Arc::clone(inserted))
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.book
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most keys it holds.
    pub fn capacity(&self) -> usize {
        self.book
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .capacity()
    }
}

impl<K, E, T> TokenPool<K, E, Blocking<T>>
where
    K: PoolKey,
    E: TokenEndpoint + Send + 'static,
    T: Transport + Send + Sync + 'static,
{
    /// A token that serves `wanted`, from its key's source (see [`source`](Self::source)).
    pub fn token(&self, wanted: &K) -> Result<Arc<LiveToken<E::Grant>>, PoolError> {
        self.source(wanted)?.token().map_err(PoolError::Token)
    }
}

impl<K, E, T> TokenPool<K, E, Async<T>>
where
    K: PoolKey,
    E: TokenEndpoint + Send + 'static,
    E::Grant: Send + Sync,
    T: AsyncTransport + Send + 'static,
{
    /// A token that serves `wanted`, from its key's source (see [`source`](Self::source)).
    pub async fn token(&self, wanted: &K) -> Result<Arc<LiveToken<E::Grant>>, PoolError> {
        let source = self.source(wanted)?;
        source.token().await.map_err(PoolError::Token)
    }
}

impl<K: PoolKey, E: TokenEndpoint, D> std::fmt::Debug for TokenPool<K, E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPool")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}
