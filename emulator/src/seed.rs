//! The seeded credentials and data every emulator starts with.
//!
//! These are public test constants: they are not secrets of anyone, and they are the same in every
//! emulator, so tests and the quickstart can name them directly.

/// The Voucherify project's application id (header `X-App-Id`).
pub const VOUCHERIFY_APP_ID: &str = "7d4e2c1a-5b3f-4a8e-9c6d-0e1f2a3b4c5d";
/// The Voucherify project's secret key (header `X-App-Token`). A fixed, public test value.
pub const VOUCHERIFY_SECRET_KEY: &str = "e8f1a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b";
/// The `client_id` that Voucherify reports for tokens minted with the seeded project.
pub const VOUCHERIFY_CLIENT_ID: &str = "kC3mu1AtOr5ClIeNt1dXy";
/// Voucher codes known to `GET /v1/vouchers/{code}` (examples from `voucherify-vouchers.json`).
pub const VOUCHER_CODES: [&str; 4] = [
    "GIFT-CARD-xwc6X7Tk",
    "AMOUNTDISCOUNTUSINGFORMULA",
    "LOYALTY-CARD-xLPbpbXR",
    "FreeShipping",
];
/// The most live OAuth tokens a Voucherify project may hold at once.
pub const VOUCHERIFY_TOKEN_LIMIT: usize = 1000;
/// How long a Voucherify OAuth token lives, in seconds.
pub const VOUCHERIFY_TOKEN_LIFETIME_SECS: u64 = 900;

/// The Exact Payments application id known to `/application/{applicationId}/token`.
pub const EXACT_APPLICATION_ID: &str = "64b6d9ad24f5773308785e70";
/// The default application id of `POST /token` (`x-application-id`), also known.
pub const EXACT_DEFAULT_APPLICATION: &str = "admin-pwa";
/// An Exact Payments application token holding all 84 permissions (the `Authorization` value).
pub const EXACT_API_KEY: &str =
    "bbf96d9ceafadca6614350066c93e4dbea4d44f6634cc9b18868e4bfd06e050874a0c31275b3a82d";
/// The id of the seeded application token [`EXACT_API_KEY`] (as listed and deleted by id).
pub const EXACT_API_KEY_ID: &str = "64b6d9ad24f5773308785e71";
/// The label of the seeded application token.
pub const EXACT_API_KEY_LABEL: &str = "keycard emulator seed";
/// The seeded user's email for `POST /token`.
pub const EXACT_USER_EMAIL: &str = "jon.doe@acmecorp.com";
/// The seeded user's password for `POST /token`. A fixed, public test value.
pub const EXACT_USER_PASSWORD: &str = "E*3q&87uBHc5xiIsiLK0";
/// The seeded user's id.
pub const EXACT_USER_ID: &str = "64b04d6d198ce11d0d64ca2b";
/// The seeded merchant account's id (every token's `allowedAccounts`).
pub const EXACT_ACCOUNT_ID: &str = "64b04d6d198ce11d0d64ca2a";
/// The main known order (`POST /orders/{orderId}/accessToken`).
pub const EXACT_ORDER_ID: &str = "64c1f2a3b4c5d6e7f8a9b0c1";
/// Every known order. The last one contains a `/`, so a client must percent-encode it (`%2F`).
pub const EXACT_ORDER_IDS: [&str; 4] = [
    EXACT_ORDER_ID,
    "64c1f2a3b4c5d6e7f8a9b0c2",
    "64c1f2a3b4c5d6e7f8a9b0c3",
    "order/with slash",
];
/// How long an order access token lives, in seconds (about 15 minutes).
pub const EXACT_ORDER_TOKEN_LIFETIME_SECS: u64 = 15 * 60;
/// How many failed logins in a row a user may have: one more locks the user (`POST /token`
/// answers 423). The spec: "more than five consecutive failed login attempts".
pub const EXACT_MAX_FAILED_LOGINS: u32 = 5;
/// How long a user token lives, in seconds (2 hours).
pub const EXACT_USER_TOKEN_LIFETIME_SECS: u64 = 2 * 60 * 60;

/// The seeded vouchers, as `GET /v1/vouchers/{code}` answers them (assets trimmed).
pub(crate) fn vouchers() -> Vec<serde_json::Value> {
    serde_json::from_str(include_str!("seed_vouchers.json")).unwrap_or_default()
}
