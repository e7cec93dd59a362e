//! The token for a request, and the exchange around it: authorize, send, and after a 401
//! invalidate the token used and replay once.

use crate::{Error, Exchange, TokenError};
use http::{Method, StatusCode, Uri};
use keycard_core::lifecycle::{LiveToken, TokenEndpoint};
use keycard_core::voucherify::{AuthorizeError, Scopes};
use keycard_core::{AsyncTransport, BaseUrl};
use keycard_source::AsyncSource;
use std::future::Future;
use std::sync::Arc;

/// Voucherify's local scope check, for a source whose grant is a scope set.
type Check<G> = fn(&LiveToken<G>, &Method, Uri, &BaseUrl) -> Result<(), Box<AuthorizeError>>;

/// Puts a token from an [`AsyncSource`] on each request (after the scope check, when asked
/// for), and runs the exchange around it ([`send`](Self::send)). Cloning shares the source.
pub struct Authorizer<E: TokenEndpoint, T> {
    source: Arc<AsyncSource<E, T>>,
    check: Option<(BaseUrl, Check<E::Grant>)>,
}

impl<E: TokenEndpoint, T> Clone for Authorizer<E, T> {
    fn clone(&self) -> Self {
        Self {
            source: Arc::clone(&self.source),
            check: self.check.clone(),
        }
    }
}

impl<E: TokenEndpoint, T> std::fmt::Debug for Authorizer<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The source's own Debug is redacted.
        f.debug_struct("Authorizer")
            .field("source", &self.source)
            .field(
                "checks_scopes_at",
                &self.check.as_ref().map(|(base, _)| base),
            )
            .finish()
    }
}

impl<E: TokenEndpoint, T> Authorizer<E, T> {
    /// Tokens from `source`, put on requests without a check.
    pub fn new(source: Arc<AsyncSource<E, T>>) -> Self {
        Self {
            source,
            check: None,
        }
    }

    /// The token source.
    pub fn source(&self) -> &Arc<AsyncSource<E, T>> {
        &self.source
    }
}

impl<E: TokenEndpoint<Grant = Scopes>, T> Authorizer<E, T> {
    /// Checks each request against the token's Voucherify scopes first (the request must go
    /// to `base`, and its endpoint must be one the token's scopes grant); a request that fails
    /// the check is refused with [`TokenError::NotGranted`] and never sent.
    #[must_use]
    pub fn check_scopes(mut self, base: BaseUrl) -> Self {
        self.check = Some((base, check_scopes));
        self
    }
}

impl<E, T> Authorizer<E, T>
where
    E: TokenEndpoint + Send + Sync + 'static,
    E::Grant: Send + Sync,
    T: AsyncTransport + Send + Sync + 'static,
{
    /// Sends `request` through `exchange` with a token on it, and handles the API's 401:
    ///
    /// 1. Gets a token (the cached one while it is fresh) and, when asked for, checks that it
    ///    grants the request; if not, nothing is sent ([`Error::Token`]).
    /// 2. Sends the request. Any response but `401 Unauthorized` is returned as it is.
    /// 3. On a 401, invalidates exactly the token that was used (when many requests see the
    ///    same 401, the source still mints once). If the method is idempotent (`GET`, `HEAD`,
    ///    `PUT`, `DELETE`, `OPTIONS`, `TRACE`) and the request could be copied before it was
    ///    sent ([`Exchange::try_clone`]), sends the copy once more with a new token, and
    ///    returns that response whatever it is: a second 401 invalidates its token too, and is
    ///    handed back, never retried in a loop. Otherwise the 401 is handed back.
    pub async fn send<X>(
        &self,
        exchange: &mut X,
        mut request: X::Request,
    ) -> Result<X::Response, Error<X::Error>>
    where
        X: Exchange + Send,
        X::Request: Send,
        X::Response: Send,
    {
        let used = self.token_for(exchange, &request).await?;
        exchange.authorize(&mut request, used.header_value());
        let replay = if exchange.method(&request).is_idempotent() {
            exchange.try_clone(&request)
        } else {
            None
        };
        let response = exchange.send(request).await.map_err(Error::Send)?;
        if exchange.status(&response) != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.source.invalidate(&used);
        let Some(mut request) = replay else {
            return Ok(response);
        };
        drop(response);
        let used = self.token_for(exchange, &request).await?;
        exchange.authorize(&mut request, used.header_value());
        let response = exchange.send(request).await.map_err(Error::Send)?;
        if exchange.status(&response) == StatusCode::UNAUTHORIZED {
            self.source.invalidate(&used);
        }
        Ok(response)
    }

    /// A token for `request`, checked against it when asked for.
    fn token_for<X: Exchange>(
        &self,
        exchange: &X,
        request: &X::Request,
    ) -> impl Future<Output = Result<Arc<LiveToken<E::Grant>>, TokenError>> + Send + '_ {
        // What the check needs is read now: the future holds no borrow of the request.
        let target = self
            .check
            .as_ref()
            .map(|_| (exchange.method(request).clone(), exchange.uri(request)));
        async move {
            let token = self.source.token().await.map_err(TokenError::Unavailable)?;
            if let (Some((base, check)), Some((method, uri))) = (&self.check, target) {
                let uri = uri.ok_or(TokenError::UncheckableUrl)?;
                check(&token, &method, uri, base).map_err(TokenError::NotGranted)?;
            }
            Ok(token)
        }
    }
}

/// Voucherify's check, on a stand-in request with the same method and URI (the real one may
/// be of any type).
fn check_scopes(
    token: &LiveToken<Scopes>,
    method: &Method,
    uri: Uri,
    base: &BaseUrl,
) -> Result<(), Box<AuthorizeError>> {
    let mut probe = http::Request::new(());
    *probe.method_mut() = method.clone();
    *probe.uri_mut() = uri;
    token.authorize_checked(&mut probe, base).map_err(Box::new)
}
