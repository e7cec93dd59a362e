//! Exact Payments: order access tokens and the API's own token surface.

pub(crate) mod app_tokens;
pub(crate) mod auth;
pub(crate) mod orders;
pub(crate) mod user_token;
pub(crate) mod zod;
