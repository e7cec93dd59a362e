//! [`Checkout`]: Exact Payments order access tokens handed to payment forms, one per order,
//! never replaced silently. The policy is keycard-core's ([`exact::CheckoutConfig`],
//! [`Handed`]); this is its blocking and async face over the token sources' one driver loop.

use crate::block_on::block_on;
use crate::blocking::Blocking;
use crate::drive::{obtain, Driver};
use crate::nonblocking::Async;
use crate::pool::TokenPool;
use crate::{Clock, TokenSource};
use keycard_core::exact::{
    self, CheckoutConfig, CreateOrderAccessToken, Handed, Handout, OrderAccessToken, OrderId,
};
use keycard_core::lifecycle::{AsyncTokenStore, PoolError, SourceError, TokenStore};
use keycard_core::{AsyncTransport, Transport};
use std::sync::Arc;
use std::time::Duration;

/// Hands Exact Payments order access tokens to checkouts (the browser's payment form), for
/// any number of orders in one object, blocking ([`Blocking`]) or async ([`Async`]).
///
/// An order token is held by the shopper's browser, and minting another one for the order
/// invalidates it. So a token handed out is **never replaced silently**: not ahead of expiry,
/// not by a retry that might mint twice. [`hand_out`](Checkout::hand_out) gives the order's
/// current token when it has at least
/// [`min_validity`](CheckoutConfig::min_validity) left (10 minutes by default), else mints a
/// new one and says, in the [`Handout`], that this invalidated the earlier one.
/// [`reissue`](Checkout::reissue) always mints (a page that asks for a fresh token), and
/// [`adopt`](Checkout::adopt) takes the token an order came with instead of minting.
///
/// One [`SourceMachine`](keycard_core::lifecycle::SourceMachine) per order, at most
/// [`max_orders`](CheckoutConfig::max_orders) held (orders whose token expired are dropped).
/// With a store shared by a fleet ([`with_store`](Checkout::with_store), e.g.
/// `keycard::redis::RedisStore`), one order has one token across the fleet: every hand-out
/// looks in the store first, and processes asked for the same order at once make one mint.
///
/// ```
/// use keycard_core::exact::{self, CheckoutConfig, Environment, Handed};
/// use keycard_core::{ApiKey, Transport, TransportError};
/// use keycard_source::BlockingCheckout;
///
/// /// Answers every mint itself (yours sends it over the network).
/// #[derive(Clone)]
/// struct Canned;
///
/// impl Transport for Canned {
///     fn send(
///         &self,
///         _request: http::Request<Vec<u8>>,
///     ) -> Result<http::Response<Vec<u8>>, TransportError> {
///         Ok(http::Response::builder()
///             .status(201)
///             .header("content-type", "application/json")
///             .body(br#"{"accessToken":{"token":"tok-1","expiresAt":"2999-01-01T00:00:00Z"}}"#.to_vec())
///             .expect("a valid response"))
///     }
/// }
///
/// let api = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new("my-app-token"))?;
/// let checkout = BlockingCheckout::new(Canned, api, CheckoutConfig::default());
/// let first = checkout.hand_out("ord_123")?;
/// assert_eq!(first.handed(), Handed::New);
/// let again = checkout.hand_out("ord_123")?;
/// assert_eq!(again.handed(), Handed::Current); // the same token: nothing minted
/// let fresh = checkout.reissue("ord_123")?;
/// assert!(fresh.invalidated_earlier()); // the page holding the earlier token must take this
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Checkout<D> {
    api: exact::Api,
    config: CheckoutConfig,
    pool: TokenPool<OrderId, CreateOrderAccessToken, D>,
}

/// A [`Checkout`] for threads, over a blocking [`Transport`] (`keycard::ureq`, your own).
pub type BlockingCheckout<T> = Checkout<Blocking<T>>;

/// A [`Checkout`] for async code, over an [`AsyncTransport`] (`keycard::reqwest`, your own).
pub type AsyncCheckout<T> = Checkout<Async<T>>;

impl<D> Checkout<D> {
    /// The policy.
    pub fn config(&self) -> &CheckoutConfig {
        &self.config
    }

    /// How many orders it holds.
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// The order's token source, held or new.
    fn source(
        &self,
        order_id: &str,
    ) -> Result<Arc<TokenSource<CreateOrderAccessToken, D>>, PoolError> {
        self.pool.source(&OrderId::new(order_id))
    }
}

impl<D: 'static> Checkout<D> {
    fn with_pool(
        api: exact::Api,
        config: CheckoutConfig,
        make: impl Fn(
                CreateOrderAccessToken,
                keycard_core::lifecycle::SourceConfig,
            ) -> TokenSource<CreateOrderAccessToken, D>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        let (builder, source_config) = (api.clone(), config.source.clone());
        let pool = TokenPool::new(config.max_orders, move |order: &OrderId| {
            let endpoint = builder.create_order_access_token(order.as_str())?;
            Ok(make(endpoint, source_config.clone()))
        });
        Self { api, config, pool }
    }

    /// Keeps the orders' tokens in a blocking `store` (a file store, or
    /// `keycard::redis::RedisStore` shared by a fleet: one order, one token, one mint).
    #[must_use]
    pub fn with_store<S: TokenStore + Send + Sync + 'static>(self, store: S) -> Self {
        let store = Arc::new(store);
        self.map_sources(move |source| source.with_store(Arc::clone(&store)))
    }

    /// Reads the time from `clock` (for tests).
    #[must_use]
    pub fn with_clock<C: Clock + Clone>(mut self, clock: C) -> Self {
        self.pool = self.pool.with_clock(clock.clone());
        self.map_sources(move |source| source.with_clock(clock.clone()))
    }

    fn map_sources(
        mut self,
        f: impl Fn(TokenSource<CreateOrderAccessToken, D>) -> TokenSource<CreateOrderAccessToken, D>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.pool = self.pool.map_sources(f);
        self
    }
}

/// The hand-out of `order_id`'s token, written once for both faces.
async fn hand_out_async<D: Driver>(
    checkout: &Checkout<D>,
    order_id: &str,
    min_validity: Duration,
    reissue: bool,
) -> Result<Handout, PoolError> {
    let source = checkout.source(order_id)?;
    hand_out_from(&source, min_validity, reissue)
        .await
        .map_err(PoolError::Token)
}

async fn adopt_async<D: Driver>(
    checkout: &Checkout<D>,
    order_id: &str,
    token: OrderAccessToken,
) -> Result<Handout, PoolError> {
    let issued = checkout
        .api
        .create_order_access_token(order_id)
        .map_err(PoolError::Build)?
        .issued(token);
    let source = checkout.source(order_id)?;
    let shared = &source.inner.shared;
    let wall = shared.clock.wall();
    let adopted = shared.with_machine(|machine, now| {
        let adopted = machine.adopt(issued, now, wall, None);
        adopted.then(|| machine.current().cloned()).flatten()
    });
    let mut handout = hand_out_from(&source, checkout.config.min_validity, false)
        .await
        .map_err(PoolError::Token)?;
    if adopted.is_some_and(|a| Arc::ptr_eq(&a, handout.token())) {
        handout = Handout::new(Arc::clone(handout.token()), Handed::Adopted);
    }
    Ok(handout)
}

/// Has the machine look in the store (for a token another process minted), require the
/// minimum validity (or mint afresh), then runs the one driver loop.
async fn hand_out_from<D: Driver>(
    source: &TokenSource<CreateOrderAccessToken, D>,
    min_validity: Duration,
    reissue: bool,
) -> Result<Handout, SourceError> {
    let shared = &source.inner.shared;
    let before = shared.with_machine(|machine, now| {
        let before = machine.current().cloned();
        if reissue {
            machine.reissue();
        } else {
            machine.look_in_store();
            machine.require_valid_for(now, min_validity);
        }
        before
    });
    let token = obtain(&source.inner).await?;
    let now = shared.clock.now();
    let handed = Handed::classify(before.as_deref(), &token, now, reissue);
    Ok(Handout::new(token, handed))
}

impl<T: Transport + Clone + Send + Sync + 'static> Checkout<Blocking<T>> {
    /// A checkout object for the orders of `api` (its key authorizes minting), sending with
    /// `transport`.
    pub fn new(transport: T, api: exact::Api, config: CheckoutConfig) -> Self {
        Self::with_pool(api, config, move |endpoint, config| {
            // An order token is never refreshed ahead: no refresher thread per order.
            TokenSource::<_, Blocking<T>>::new(transport.clone(), endpoint, config)
                .with_inline_refresh()
        })
    }

    /// Gives `order_id`'s token to a checkout: the current one if it has at least
    /// [`min_validity`](CheckoutConfig::min_validity) left, else a new one (the [`Handout`]
    /// says whether that invalidated a valid earlier one).
    pub fn hand_out(&self, order_id: &str) -> Result<Handout, PoolError> {
        self.hand_out_for(order_id, self.config.min_validity)
    }

    /// Like [`hand_out`](Self::hand_out), with this minimum validity instead of the
    /// configured one.
    pub fn hand_out_for(
        &self,
        order_id: &str,
        min_validity: Duration,
    ) -> Result<Handout, PoolError> {
        block_on(hand_out_async(self, order_id, min_validity, false))
    }

    /// Mints a new token for `order_id` whatever is held (the page asked for a fresh one):
    /// the earlier token stops working.
    pub fn reissue(&self, order_id: &str) -> Result<Handout, PoolError> {
        block_on(hand_out_async(
            self,
            order_id,
            self.config.min_validity,
            true,
        ))
    }

    /// Takes `token`, which the order came with (read by [`OrderAccessToken::from_order`]),
    /// instead of minting, if no later token is held; then hands out as
    /// [`hand_out`](Self::hand_out) does ([`Handed::Adopted`] when it is the token handed
    /// out). With a store, the token is saved there for the fleet.
    pub fn adopt(&self, order_id: &str, token: OrderAccessToken) -> Result<Handout, PoolError> {
        block_on(adopt_async(self, order_id, token))
    }
}

impl<T: AsyncTransport + Clone + Send + 'static> Checkout<Async<T>> {
    /// A checkout object for the orders of `api` (its key authorizes minting), sending with
    /// `transport`.
    pub fn new(transport: T, api: exact::Api, config: CheckoutConfig) -> Self {
        Self::with_pool(api, config, move |endpoint, config| {
            TokenSource::<_, Async<T>>::new(transport.clone(), endpoint, config)
        })
    }

    /// Keeps the orders' tokens in an async `store` (e.g. `keycard::redis::AsyncRedisStore`,
    /// shared by a fleet).
    #[must_use]
    pub fn with_async_store<S: AsyncTokenStore + 'static>(self, store: S) -> Self {
        let store = Arc::new(store);
        self.map_sources(move |source| source.with_async_store(Arc::clone(&store)))
    }

    /// See the blocking [`hand_out`](Checkout::hand_out).
    pub async fn hand_out(&self, order_id: &str) -> Result<Handout, PoolError> {
        hand_out_async(self, order_id, self.config.min_validity, false).await
    }

    /// See the blocking [`hand_out_for`](Checkout::hand_out_for).
    pub async fn hand_out_for(
        &self,
        order_id: &str,
        min_validity: Duration,
    ) -> Result<Handout, PoolError> {
        hand_out_async(self, order_id, min_validity, false).await
    }

    /// See the blocking [`reissue`](Checkout::reissue).
    pub async fn reissue(&self, order_id: &str) -> Result<Handout, PoolError> {
        hand_out_async(self, order_id, self.config.min_validity, true).await
    }

    /// See the blocking [`adopt`](Checkout::adopt).
    pub async fn adopt(
        &self,
        order_id: &str,
        token: OrderAccessToken,
    ) -> Result<Handout, PoolError> {
        adopt_async(self, order_id, token).await
    }
}

impl<D> std::fmt::Debug for Checkout<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout")
            .field("api", &self.api)
            .field("config", &self.config)
            .field("orders", &self.pool.len())
            .finish()
    }
}
