//! [`TokenMiddleware`]: keycard's exchange as a reqwest-middleware middleware.

use http::{Extensions, HeaderValue, Method, StatusCode, Uri};
use keycard_core::lifecycle::TokenEndpoint;
use keycard_core::voucherify::Scopes;
use keycard_core::{AsyncTransport, BaseUrl};
use keycard_middleware::{Authorizer, Error, Exchange};
use keycard_source::AsyncSource;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use std::future::Future;
use std::sync::Arc;

/// A [`reqwest_middleware::Middleware`] that puts a token from an [`AsyncSource`] on every
/// request, and after the API's 401 invalidates exactly the token that was used and replays
/// the request once when it can (see the [crate docs](crate)).
///
/// A request gets no response, and is not sent, when the source has no token or the token
/// does not grant it: the error is a [`reqwest_middleware::Error::Middleware`] holding a
/// [`TokenError`](crate::TokenError).
pub struct TokenMiddleware<E: TokenEndpoint, T> {
    authorizer: Authorizer<E, T>,
}

impl<E: TokenEndpoint, T> std::fmt::Debug for TokenMiddleware<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TokenMiddleware")
            .field(&self.authorizer)
            .finish()
    }
}

impl<E: TokenEndpoint, T> TokenMiddleware<E, T> {
    /// Tokens from `source` (shared with the rest of the program), on every request.
    pub fn new(source: Arc<AsyncSource<E, T>>) -> Self {
        Self {
            authorizer: Authorizer::new(source),
        }
    }
}

impl<E: TokenEndpoint<Grant = Scopes>, T> TokenMiddleware<E, T> {
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

#[async_trait::async_trait]
impl<E, T> Middleware for TokenMiddleware<E, T>
where
    E: TokenEndpoint + Send + Sync + 'static,
    E::Grant: Send + Sync,
    T: AsyncTransport + Send + Sync + 'static,
{
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let mut chain = Chain { next, extensions };
        match self.authorizer.send(&mut chain, request).await {
            Ok(response) => Ok(response),
            Err(Error::Send(error)) => Err(error),
            Err(Error::Token(error)) => Err(reqwest_middleware::Error::middleware(error)),
            Err(error) => Err(reqwest_middleware::Error::middleware(error)),
        }
    }
}

/// The rest of the middleware chain, as the exchange sees it.
struct Chain<'a, 'e> {
    next: Next<'a>,
    extensions: &'e mut Extensions,
}

impl Exchange for Chain<'_, '_> {
    type Request = Request;
    type Response = Response;
    type Error = reqwest_middleware::Error;

    fn method<'r>(&self, request: &'r Request) -> &'r Method {
        request.method()
    }

    fn uri(&self, request: &Request) -> Option<Uri> {
        request.url().as_str().parse().ok()
    }

    fn authorize(&self, request: &mut Request, value: &HeaderValue) {
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value.clone());
    }

    fn try_clone(&self, request: &Request) -> Option<Request> {
        // `None` for a streaming body.
        request.try_clone()
    }

    fn status(&self, response: &Response) -> StatusCode {
        response.status()
    }

    fn send(
        &mut self,
        request: Request,
    ) -> impl Future<Output = Result<Response, reqwest_middleware::Error>> + Send {
        self.next.clone().run(request, self.extensions)
    }
}
