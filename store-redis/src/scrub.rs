//! What the store reports of Redis's errors: never the password it sent, never a long text.
//!
//! A Redis (or something posing as one) may echo the `AUTH` it received in an error reply, and
//! an error reply may be as long as the reply cap. Every error a store returns goes through
//! [`Scrub::error`]: a Redis error whose text holds the password, or is longer than
//! [`MAX_ERROR_DETAIL_LEN`], is replaced by one of the same kind whose text is scrubbed and cut.

use crate::RedisStoreError;
use keycard_core::limits::{cut_error_detail, MAX_ERROR_DETAIL_LEN};
use keycard_core::REDACTED;
use redis::{IntoConnectionInfo, RedisError};

/// The name of the field that holds the token in a stored token's JSON: a text that holds it
/// may hold the token.
const STORED_TOKEN_FIELD: &str = "\"access_token\"";

/// The passwords of a store's URLs, to keep out of its errors. No `Debug`: it holds them.
pub(crate) struct Scrub {
    passwords: Vec<String>,
}

impl Scrub {
    /// For a store on these URLs (those that do not parse hold no password it sends).
    pub(crate) fn for_urls(urls: &[&str]) -> Self {
        let passwords = urls
            .iter()
            .filter_map(|url| url.into_connection_info().ok())
            .filter_map(|info| info.redis_settings().password().map(str::to_owned))
            .filter(|password| !password.is_empty())
            .collect();
        Self { passwords }
    }

    /// `error`, with the text of the Redis error in it scrubbed and cut where need be.
    pub(crate) fn error(&self, error: RedisStoreError) -> RedisStoreError {
        use RedisStoreError::*;
        match error {
            Url(e) => Url(self.redis(e)),
            Outage(e) => Outage(self.redis(e)),
            Tls(e) => Tls(self.redis(e)),
            Protocol(e) => Protocol(self.redis(e)),
            Refused(e) => Refused(self.redis(e)),
            other => other,
        }
    }

    /// `error` itself if its text is short and holds no password; else one of the same kind
    /// with the text scrubbed and cut (what it wrapped is dropped: it would show the text).
    fn redis(&self, error: RedisError) -> RedisError {
        let mut text = error.to_string();
        // A stored token's JSON (a save's value, echoed): the token in it is a secret.
        if text.contains(STORED_TOKEN_FIELD) {
            return RedisError::from((
                error.kind(),
                "Redis error (text scrubbed)",
                REDACTED.to_owned(),
            ));
        }
        let echoed = self.passwords.iter().any(|p| text.contains(p.as_str()));
        if !echoed && text.len() <= MAX_ERROR_DETAIL_LEN {
            return error;
        }
        for password in &self.passwords {
            text = text.replace(password.as_str(), REDACTED);
        }
        RedisError::from((
            error.kind(),
            "Redis error (text scrubbed)",
            cut_error_detail(text),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::ErrorKind;

    #[test]
    fn a_redis_error_echoing_the_password_or_too_long_is_scrubbed_and_cut() {
        let scrub = Scrub::for_urls(&["redis://keycard:hunter2-secret@127.0.0.1:6379/0"]);
        let echoed = RedisError::from((
            ErrorKind::AuthenticationFailed,
            "refused",
            format!("you sent hunter2-secret{}", "é".repeat(10_000)),
        ));
        let error = scrub.error(RedisStoreError::Refused(echoed));
        let debug = format!("{error:?}");
        let RedisStoreError::Refused(inner) = error else {
            unreachable!()
        };
        let shown = inner.to_string();
        assert!(!shown.contains("hunter2") && !debug.contains("hunter2"));
        assert!(shown.contains(REDACTED), "{shown}");
        assert!(shown.len() < 2 * MAX_ERROR_DETAIL_LEN, "{}", shown.len());
        assert_eq!(inner.kind(), ErrorKind::AuthenticationFailed);

        let sent = r#"{"format":2,"access_token":"tok-very-secret","scheme":"Bearer"}"#;
        let echoed = RedisError::from((ErrorKind::Io, "script failed", format!("on {sent}")));
        let error = scrub.error(RedisStoreError::Outage(echoed));
        let shown = format!(
            "{error} {error:?} {}",
            std::error::Error::source(&error).unwrap()
        );
        assert!(
            !shown.contains("tok-very-secret"),
            "a stored token's secret shown"
        );

        let short = RedisError::from((ErrorKind::Io, "short"));
        let kept = scrub.error(RedisStoreError::Outage(short));
        assert!(matches!(kept, RedisStoreError::Outage(e) if e.to_string().contains("short")));
    }
}
