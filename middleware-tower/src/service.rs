//! [`TokenLayer`] and [`TokenService`]: keycard's exchange as a tower middleware.

use crate::ReplayBody;
use http::{HeaderValue, Method, StatusCode, Uri};
use keycard_core::lifecycle::TokenEndpoint;
use keycard_core::voucherify::Scopes;
use keycard_core::{AsyncTransport, BaseUrl};
use keycard_middleware::{Authorizer, Error, Exchange};
use keycard_source::AsyncSource;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// A [`Layer`] that wraps an HTTP client service in a [`TokenService`]: a token from an
/// [`AsyncSource`] on every request, and after the API's 401 the token invalidated and the
/// request replayed once when it can be (see the [crate docs](crate)). Cloning shares the
/// source.
pub struct TokenLayer<E: TokenEndpoint, T> {
    authorizer: Authorizer<E, T>,
}

impl<E: TokenEndpoint, T> Clone for TokenLayer<E, T> {
    fn clone(&self) -> Self {
        Self {
            authorizer: self.authorizer.clone(),
        }
    }
}

impl<E: TokenEndpoint, T> std::fmt::Debug for TokenLayer<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TokenLayer").field(&self.authorizer).finish()
    }
}

impl<E: TokenEndpoint, T> TokenLayer<E, T> {
    /// Tokens from `source` (shared with the rest of the program), on every request.
    pub fn new(source: Arc<AsyncSource<E, T>>) -> Self {
        Self {
            authorizer: Authorizer::new(source),
        }
    }
}

impl<E: TokenEndpoint<Grant = Scopes>, T> TokenLayer<E, T> {
    /// Checks each request against the token's Voucherify scopes before it is sent: a request
    /// that does not go to `base`, or whose endpoint the token's scopes do not grant, is
    /// refused with [`TokenError::NotGranted`](crate::TokenError::NotGranted), and nothing is
    /// sent.
    #[must_use]
    pub fn check_scopes(mut self, base: BaseUrl) -> Self {
        self.authorizer = self.authorizer.check_scopes(base);
        self
    }
}

impl<S, E: TokenEndpoint, T> Layer<S> for TokenLayer<E, T> {
    type Service = TokenService<S, E, T>;

    fn layer(&self, inner: S) -> Self::Service {
        TokenService {
            inner,
            authorizer: self.authorizer.clone(),
        }
    }
}

/// An HTTP client service with keycard's tokens on its requests: built by [`TokenLayer`].
///
/// Its requests are `http::Request<B>` with a body `B` that says whether it can be copied
/// ([`ReplayBody`]); its errors are [`Error`](crate::Error): no token, or the inner
/// service's error.
pub struct TokenService<S, E: TokenEndpoint, T> {
    inner: S,
    authorizer: Authorizer<E, T>,
}

impl<S: Clone, E: TokenEndpoint, T> Clone for TokenService<S, E, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            authorizer: self.authorizer.clone(),
        }
    }
}

impl<S: std::fmt::Debug, E: TokenEndpoint, T> std::fmt::Debug for TokenService<S, E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("inner", &self.inner)
            .field("authorizer", &self.authorizer)
            .finish()
    }
}

impl<S, E, T, B, R> Service<http::Request<B>> for TokenService<S, E, T>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: ReplayBody + Send + 'static,
    R: Send + 'static,
    E: TokenEndpoint + Send + Sync + 'static,
    E::Grant: Send + Sync,
    T: AsyncTransport + Send + Sync + 'static,
{
    type Response = http::Response<R>;
    type Error = Error<S::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Error::Send)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The service that was made ready serves this request; a clone stays for the next.
        let clone = self.inner.clone();
        let service = std::mem::replace(&mut self.inner, clone);
        let authorizer = self.authorizer.clone();
        Box::pin(async move {
            let mut inner = Inner {
                service,
                ready: true,
                body: PhantomData,
            };
            authorizer.send(&mut inner, request).await
        })
    }
}

/// The inner service, as the exchange sees it.
struct Inner<S, B> {
    service: S,
    /// Whether `service` is ready for a call (it is for the first).
    ready: bool,
    body: PhantomData<fn() -> B>,
}

impl<S, B, R> Exchange for Inner<S, B>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Send,
    S::Future: Send,
    S::Error: Send,
    B: ReplayBody + Send,
{
    type Request = http::Request<B>;
    type Response = http::Response<R>;
    type Error = S::Error;

    fn method<'r>(&self, request: &'r http::Request<B>) -> &'r Method {
        request.method()
    }

    fn uri(&self, request: &http::Request<B>) -> Option<Uri> {
        Some(request.uri().clone())
    }

    fn authorize(&self, request: &mut http::Request<B>, value: &HeaderValue) {
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value.clone());
    }

    fn try_clone(&self, request: &http::Request<B>) -> Option<http::Request<B>> {
        let mut copy = http::Request::new(request.body().try_clone()?);
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.version_mut() = request.version();
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }

    fn status(&self, response: &http::Response<R>) -> StatusCode {
        response.status()
    }

    async fn send(&mut self, request: http::Request<B>) -> Result<http::Response<R>, S::Error> {
        if !std::mem::take(&mut self.ready) {
            std::future::poll_fn(|cx| self.service.poll_ready(cx)).await?;
        }
        self.service.call(request).await
    }
}
