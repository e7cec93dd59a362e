//! PLACEHOLDER until the transport-adapters branch lands (it replaces this file).

/// A request could not be exchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct TransportError {
    detail: String,
}
