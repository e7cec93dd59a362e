//! # keycard-testkit
//!
//! Test helpers shared by keycard's transports and integration tests (not published):
//!
//! - [`server`]: hand-made HTTP servers on 127.0.0.1 ([`OneShot`], [`Server`]) for what the
//!   emulator cannot put on the wire;
//! - [`wire`]: the wire suite every transport passes, made into tests by [`wire_suite!`];
//! - [`BlockOn`] (feature `tokio`): an [`AsyncTransport`](keycard_core::AsyncTransport) driven
//!   as a [`Transport`](keycard_core::Transport), so the one suite runs both kinds.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod server;
pub mod wire;

pub use server::{OneShot, Server};

#[cfg(feature = "tokio")]
pub use block_on::BlockOn;

#[cfg(feature = "tokio")]
mod block_on {
    use keycard_core::{AsyncTransport, Transport, TransportError};

    /// Runs an [`AsyncTransport`] on its own single-threaded tokio runtime, one request at a
    /// time, as a [`Transport`].
    #[derive(Debug)]
    pub struct BlockOn<T> {
        transport: T,
        runtime: tokio::runtime::Runtime,
    }

    impl<T> BlockOn<T> {
        /// Wraps `transport`, with a new runtime (I/O and timers on).
        ///
        /// # Panics
        ///
        /// If the runtime cannot start.
        pub fn new(transport: T) -> Self {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            Self { transport, runtime }
        }

        /// The wrapped transport.
        pub fn inner(&self) -> &T {
            &self.transport
        }
    }

    impl<T: AsyncTransport> Transport for BlockOn<T> {
        fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            self.runtime.block_on(self.transport.send(request))
        }
    }
}
