//! The bounds keycard puts on sizes and times it reads from outside that no other setting
//! covers. The crate docs' [Limits](crate#limits) section lists them with every other bound (the
//! transports' timeouts and body cap, the retry policy), what each applies to, and what happens
//! past it.

use std::time::Duration;

/// The longest access token taken from a response or a store: 16 KiB.
///
/// A token travels in an `Authorization` header on every request it authorizes and is kept in
/// stores; servers refuse far shorter header lines (nginx: 8 KiB by default). A longer token in
/// a response is a [`FieldProblem::TooLong`](crate::FieldProblem::TooLong); in a store, a
/// [`RestoreError::UnsendableToken`](crate::lifecycle::RestoreError::UnsendableToken).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The most bytes one scope string (Voucherify's `scope`) or one permission list (Exact
/// Payments' `allowedPermissions`, its items together) may take in a response or a stored
/// grant: 4 MiB.
///
/// Voucherify's 42 scopes and Exact Payments' 84 permissions take a few kilobytes; the bound
/// leaves room for 100 000 unknown values while keeping a scope set far from what its storage
/// can hold. Past it the response is a parse error ([`FieldProblem::TooLong`] for `scope`, a
/// JSON error for a list).
///
/// [`FieldProblem::TooLong`]: crate::FieldProblem::TooLong
pub const MAX_SCOPES_LEN: usize = 4 * 1024 * 1024;

/// The latest instant, and the longest duration, read from outside in seconds:
/// 9999-12-31T23:59:59Z, as Unix seconds.
///
/// It applies to Voucherify's `expires_at` and `expires_in` (past it:
/// [`FieldProblem::OutOfRange`](crate::FieldProblem::OutOfRange)), `X-Rate-Limit-Retry` (past
/// it: unreadable, `None`) and a stored token's times (past it: the stored bytes are
/// malformed). Dates (`Date`, `Retry-After`, `expiresAt`) cannot pass it: their years have four
/// digits. It is the same on every platform, and adding it to any time keycard reads cannot
/// overflow a `SystemTime`.
pub const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// The largest stored token [`StoredToken::from_json`](crate::lifecycle::StoredToken::from_json)
/// reads: 64 KiB. A token, its grant and its times take a few hundred bytes (a few kilobytes
/// with many unknown scopes); larger bytes are
/// [`DecodeError::TooLarge`](crate::lifecycle::DecodeError::TooLarge), and are not parsed.
pub const MAX_STORED_TOKEN_LEN: usize = 64 * 1024;

/// The most a token store reads from its server between two of its writes (in reply to the
/// commands in flight): 256 KiB (`keycard-redis` on one Redis). Its replies are a stored token
/// (at most [`MAX_STORED_TOKEN_LEN`]) or a number, and a connection carries at most 3 commands
/// at once, so it legitimately reads at most about 195 KiB between two writes. Past it (a
/// huge value, an array announced with billions of elements and streamed) the connection
/// fails with a typed error and is dropped, unread: a reply at the cap costs about 5 MiB of
/// memory at worst (256 KiB of empty arrays, one parsed value per 4 bytes).
pub const MAX_STORE_REPLY_LEN: usize = 256 * 1024;

/// The longest a token source keeps honouring a server's wait (`Retry-After`,
/// `X-Rate-Limit-Retry`) after the fetch that received it has ended: 1 hour.
///
/// A wait longer than the retry policy's `max_wait` ends the fetch at once; the source then
/// sends nothing before the server's time, but never waits longer than this: a broken or hostile
/// header (`Retry-After: 999999999`) cannot stop a source for years.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60 * 60);

/// The deepest nesting of arrays and objects (the outermost one included) in the part of a JSON
/// body keycard reads into a model: 127 levels, `serde_json`'s recursion limit (it refuses the
/// 128th), which keycard keeps on. Deeper is a
/// [`ParseErrorKind::Json`](crate::ParseErrorKind::Json) error, never a stack overflow. A value
/// the model ignores is skipped without recursion, at any depth.
pub const MAX_JSON_DEPTH: usize = 127;

/// The most header fields a response may have through a keycard transport: 100. More is a
/// [`TransportErrorKind::Protocol`](crate::TransportErrorKind::Protocol) error (see
/// [`headers_past_limits`](crate::headers_past_limits)).
pub const MAX_RESPONSE_HEADERS: usize = 100;

/// The most bytes a response's header fields may take through a keycard transport, each counted
/// as on the wire (`name: value` and a line break): 64 KiB. More is a
/// [`TransportErrorKind::Protocol`](crate::TransportErrorKind::Protocol) error (see
/// [`headers_past_limits`](crate::headers_past_limits)).
pub const MAX_RESPONSE_HEADER_BYTES: usize = 64 * 1024;

/// The longest [`TransportError::detail`](crate::TransportError::detail), in bytes: 512 (also a
/// Redis error's text, in `keycard-redis`). An HTTP library's message may quote what the server
/// sent; a longer detail is cut by [`cut_error_detail`].
pub const MAX_ERROR_DETAIL_LEN: usize = 512;

/// `detail`, or its start and `…` in at most [`MAX_ERROR_DETAIL_LEN`] bytes, cut at a character
/// boundary: how every error detail read from outside is kept short.
pub fn cut_error_detail(mut detail: String) -> String {
    if detail.len() > MAX_ERROR_DETAIL_LEN {
        let mut end = MAX_ERROR_DETAIL_LEN - '…'.len_utf8();
        while !detail.is_char_boundary(end) {
            end -= 1;
        }
        detail.truncate(end);
        detail.push('…');
    }
    detail
}
