//! What a middleware adapter says about its HTTP client's types.

use http::{HeaderValue, Method, StatusCode, Uri};
use std::future::Future;

/// One HTTP client's request and response types, and how to send a request on: what an
/// adapter (reqwest-middleware's `Next`, a `tower::Service`) gives [`Authorizer::send`](crate::Authorizer::send).
pub trait Exchange {
    /// The request type.
    type Request;
    /// The response type.
    type Response;
    /// Why sending failed (no response).
    type Error;

    /// The request's method.
    fn method<'r>(&self, request: &'r Self::Request) -> &'r Method;

    /// The request's URI, for the scope check; `None` if it cannot be read as one.
    fn uri(&self, request: &Self::Request) -> Option<Uri>;

    /// Sets the request's `Authorization` header to `value` (sensitive; it replaces any).
    fn authorize(&self, request: &mut Self::Request, value: &HeaderValue);

    /// A copy of the request to send again, if its body can be copied without reading it;
    /// `None` if it cannot (a stream), and then the request is never replayed.
    fn try_clone(&self, request: &Self::Request) -> Option<Self::Request>;

    /// The response's status.
    fn status(&self, response: &Self::Response) -> StatusCode;

    /// Sends the request on (to the next middleware, the inner service, the network).
    fn send(
        &mut self,
        request: Self::Request,
    ) -> impl Future<Output = Result<Self::Response, Self::Error>> + Send;
}
