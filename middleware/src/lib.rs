//! # keycard-middleware
//!
//! What keycard's HTTP middlewares share, written once: `keycard-reqwest-middleware` (a
//! [reqwest-middleware] middleware) and `keycard-tower` (a [tower] layer, for hyper and any
//! `tower::Service` client) are thin adapters over it. Use one of those; this crate is their
//! common part:
//!
//! - [`Authorizer`]: the token for each request from an
//!   [`AsyncSource`](keycard_source::AsyncSource), optionally after Voucherify's local scope
//!   check (a request the token does not grant is refused before anything is sent).
//! - [`Authorizer::send`]: the whole exchange. On the API's `401 Unauthorized` it
//!   invalidates exactly the token that was used and, when the request can be replayed (an
//!   idempotent method and a body that can be copied without reading it), sends it once more
//!   with a new token. Never more than once: a second 401 goes back to the caller (its token
//!   is invalidated too). Every other response goes back untouched.
//! - [`Exchange`]: what an adapter says about its request and response types.
//! - [`TokenError`] and [`Error`]: why a request got no response, with no secret in them.
//!
//! [reqwest-middleware]: https://docs.rs/reqwest-middleware
//! [tower]: https://docs.rs/tower
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod authorizer;
mod error;
mod exchange;

pub use authorizer::Authorizer;
pub use error::{Error, TokenError};
pub use exchange::Exchange;
