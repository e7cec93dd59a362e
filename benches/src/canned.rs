//! A transport that answers every request with the spec's token response, without a network:
//! what the hot-path benchmark needs to put a live token in a token source.

use crate::fixtures::{json_response, SPEC_EXAMPLE};
use keycard_core::{AsyncTransport, Transport, TransportError};
use std::sync::atomic::{AtomicU64, Ordering};

/// Answers `200` with [`SPEC_EXAMPLE`] (a token that lives 900 s), counting requests.
#[derive(Debug, Default)]
pub struct Canned {
    requests: AtomicU64,
}

impl Canned {
    /// How many requests it answered.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Transport for Canned {
    fn send(
        &self,
        _request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        Ok(json_response(SPEC_EXAMPLE))
    }
}

impl AsyncTransport for Canned {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        Transport::send(self, request)
    }
}
