//! A faithful, stateful local stand-in for the Voucherify OAuth and Exact Payments token APIs,
//! serving HTTP/1.1 on 127.0.0.1, for quickstarts and tests.
//!
//! ```
//! use keycard_emulator::{Emulator, Fault, Route};
//! use std::io::{Read, Write};
//! use std::time::Duration;
//!
//! let emu = Emulator::start()?;
//! println!("Voucherify at {}, Exact Payments at {}", emu.voucherify_url(), emu.exact_url());
//!
//! // Any HTTP client works; here a bare socket asks Voucherify for a token.
//! let body = "grant_type=client_credentials&scope=vouchers";
//! let mut tcp = std::net::TcpStream::connect(emu.addr())?;
//! write!(
//!     tcp,
//!     "POST /voucherify/v1/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
//!      X-App-Id: {}\r\nX-App-Token: {}\r\n\
//!      Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
//!     emu.voucherify_app_id(),
//!     emu.voucherify_secret_key(),
//!     body.len(),
//!     body
//! )?;
//! let mut answer = String::new();
//! tcp.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200"));
//! assert!(answer.contains(r#""token_type":"Bearer""#));
//! assert_eq!(emu.live_voucherify_tokens(), 1);
//!
//! // Time is the emulator's: tokens expire without waiting.
//! emu.clock().advance(Duration::from_secs(901));
//! assert_eq!(emu.live_voucherify_tokens(), 0);
//!
//! // Faults on demand, per route.
//! emu.inject(Route::VoucherifyGenerate, Fault::RateLimited { retry_after: Duration::from_secs(2) }, 1);
//! assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The emulator implements the wire format straight from the vendors' OpenAPI documents and
//! does not depend on `keycard-core`: it is the oracle the client is tested against.
//!
//! Routes (below [`Emulator::voucherify_url`] and [`Emulator::exact_url`]):
//! Voucherify `POST /v1/oauth/token`, `POST /v1/oauth/introspect`,
//! `POST /v1/oauth/token/revoke`, `GET /v1/vouchers/{code}`; Exact Payments
//! `POST /orders/{orderId}/accessToken`, `POST /token`,
//! `POST|GET /application/{applicationId}/token`,
//! `DELETE /application/{applicationId}/token/{tokenId}`. Any other path answers 404.
//!
//! The log (see [`Emulator::log_lines`]) holds method, route and status only: never a secret
//! key, password or token.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;
mod counters;
mod exact;
mod fault;
mod faults_wire;
mod handle;
mod log;
mod rng;
mod route;
pub mod seed;
mod server;
mod state;
pub mod vocab;
mod voucherify;
mod wire;

pub use clock::Clock;
pub use fault::{Fault, STALL_LIMIT};
pub use faults_wire::{RATE_LIMIT_LIMIT, RATE_LIMIT_TYPE};
pub use handle::{Config, Emulator, OrderTokenRecord};
pub use route::{Api, Route};
pub use voucherify::plan::CYCLE_LIMIT_TYPE;
