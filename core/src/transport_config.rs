//! What every keycard transport is configured with: two timeouts, a body cap, a `User-Agent`.

use std::time::Duration;

/// The settings every keycard transport takes, with their defaults. Each transport's `Builder`
/// holds one and has a setter for each field.
///
/// Whatever the settings, keycard's transports follow no redirect and hand responses of every
/// status to the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportConfig {
    /// How long to wait for a connection (DNS, TCP and TLS handshakes).
    pub connect_timeout: Duration,
    /// How long one exchange may take in all, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// The cap on a response body, in bytes, counted after decompression: a larger body is a
    /// [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge) error.
    pub max_body_size: usize,
    /// The `User-Agent` header; `None` for the transport's own (`keycard-ureq/VERSION`, …).
    pub user_agent: Option<String>,
}

impl TransportConfig {
    /// The default connect timeout: 10 seconds.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The default overall timeout for one exchange, from connecting to the last body byte: 30 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default cap on a response body, counted after decompression: 1 MiB.
    pub const DEFAULT_MAX_BODY_SIZE: usize = 1024 * 1024;
}

impl Default for TransportConfig {
    /// 10 s to connect, 30 s in all, a 1 MiB body cap, the transport's own `User-Agent`.
    fn default() -> Self {
        Self {
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            timeout: Self::DEFAULT_TIMEOUT,
            max_body_size: Self::DEFAULT_MAX_BODY_SIZE,
            user_agent: None,
        }
    }
}

/// Defines the setters of a [`TransportConfig`] on a transport's builder, a struct whose field
/// `$field` is the config: `connect_timeout`, `timeout`, `max_body_size` and `user_agent`, the
/// same in every transport. `$user_agent` is the transport's own `User-Agent` (for the docs).
///
/// For keycard's transports; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! transport_config_setters {
    ($field:ident, $user_agent:literal) => {
        /// How long to wait for a connection (DNS, TCP and TLS handshakes).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.connect_timeout = timeout;
            self
        }

        /// How long one exchange may take in all, from connecting to the last byte of the body.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.timeout = timeout;
            self
        }

        /// The cap on a response body, in bytes, counted after decompression. A larger body
        /// gives a [`BodyTooLarge`](keycard_core::TransportErrorKind::BodyTooLarge) error, and
        /// no more than the cap is ever held in memory.
        pub fn max_body_size(mut self, bytes: usize) -> Self {
            self.$field.max_body_size = bytes;
            self
        }

        #[doc = concat!("The `User-Agent` header (default: `", $user_agent, "`).")]
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.$field.user_agent = Some(user_agent.into());
            self
        }
    };
}

/// Defines a transport's `with_max_body_size` and `max_body_size`, for a struct whose field
/// `$field` is the body cap, the same in every transport.
///
/// For keycard's transports; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! transport_body_cap_methods {
    ($field:ident) => {
        /// The same transport with another body cap, in bytes, counted after decompression.
        pub fn with_max_body_size(mut self, bytes: usize) -> Self {
            self.$field = bytes;
            self
        }

        /// The body cap, in bytes, counted after decompression.
        pub fn max_body_size(&self) -> usize {
            self.$field
        }
    };
}
