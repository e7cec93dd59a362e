//! An operation is a value: it builds its request and parses its response. Transports run it.

use crate::TransportError;
use std::future::Future;

/// One API call: a request to send, and a parser for what comes back.
///
/// Both halves are pure. Build the request, send it with anything, and feed the response to
/// [`parse`](Self::parse).
pub trait Operation {
    /// The typed outcome, usually a [`Response`](crate::Outcome).
    type Output;
    /// Why a response could not be read.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The request to send. All validation happened when the operation was built.
    fn request(&self) -> http::Request<Vec<u8>>;

    /// Reads the response to this operation's request.
    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Self::Output, Self::Error>;
}

/// Sends requests synchronously. Implement [`send`](Self::send); [`run`](Self::run) comes free.
pub trait Transport {
    /// Sends one request and returns the whole response, whatever its status. A failure to
    /// exchange it (connection, timeout, body too large, …) is a [`TransportError`].
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError>;

    /// Runs an operation: builds its request, sends it, parses the response.
    fn run<O: Operation>(&self, operation: &O) -> Result<O::Output, RunError<O::Error>> {
        let response = self
            .send(operation.request())
            .map_err(RunError::Transport)?;
        operation.parse(response).map_err(RunError::Parse)
    }
}

/// Sends requests asynchronously, on any runtime. Implement [`send`](Self::send);
/// [`run`](Self::run) comes free.
pub trait AsyncTransport: Sync {
    /// Sends one request and returns the whole response, whatever its status. A failure to
    /// exchange it (connection, timeout, body too large, …) is a [`TransportError`].
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send;

    /// Runs an operation: builds its request, sends it, parses the response.
    fn run<O: Operation + Sync>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, RunError<O::Error>>> + Send {
        async move {
            let response = self
                .send(operation.request())
                .await
                .map_err(RunError::Transport)?;
            operation.parse(response).map_err(RunError::Parse)
        }
    }
}

/// Running an operation failed before a typed outcome existed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError<P> {
    /// The request could not be exchanged: nothing came back from the API.
    #[error("transport: {0}")]
    Transport(#[source] TransportError),
    /// A response came back but could not be read.
    #[error("response: {0}")]
    Parse(#[source] P),
}
