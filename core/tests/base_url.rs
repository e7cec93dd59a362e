//! `BaseUrl`, `Region`, credentials checks and `RetryAfter`: the inputs every request is built
//! from.

use http::HeaderValue;
use keycard_core::voucherify::{Credentials, Region};
use keycard_core::{BaseUrl, BuildError, RetryAfter, SecretKey};
use std::time::{Duration, UNIX_EPOCH};

fn reason(url: &str) -> &'static str {
    match BaseUrl::parse(url) {
        Err(BuildError::InvalidBaseUrl { reason }) => reason,
        other => panic!("{url:?}: expected InvalidBaseUrl, got {other:?}"),
    }
}

// ---- BaseUrl --------------------------------------------------------------------------------

#[test]
fn regions_have_their_documented_urls() {
    assert_eq!(
        Region::Europe.base_url().as_str(),
        "https://api.voucherify.io"
    );
    assert_eq!(
        Region::UnitedStates.base_url().as_str(),
        "https://us1.api.voucherify.io"
    );
    assert_eq!(
        Region::Asia.base_url().as_str(),
        "https://as1.api.voucherify.io"
    );
    assert_eq!(Region::default(), Region::Europe);
}

#[test]
fn trailing_slashes_are_dropped() {
    for url in ["https://api.voucherify.io/", "https://api.voucherify.io//"] {
        assert_eq!(
            BaseUrl::parse(url).unwrap().as_str(),
            "https://api.voucherify.io"
        );
    }
}

#[test]
fn a_path_prefix_is_kept() {
    let base = BaseUrl::parse("https://proxy.example.com/voucherify/").unwrap();
    assert_eq!(base.as_str(), "https://proxy.example.com/voucherify");
    assert_eq!(base.to_string(), "https://proxy.example.com/voucherify");
}

#[test]
fn http_ports_and_ip_hosts_are_accepted() {
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:1234/prefix",
        "http://[::1]:9000",
        "https://api.voucherify.io:443",
    ] {
        assert_eq!(BaseUrl::parse(url).unwrap().as_str(), url);
    }
}

#[test]
fn from_str_is_parse() {
    let base: BaseUrl = "https://api.voucherify.io/".parse().unwrap();
    assert_eq!(base, Region::Europe.base_url());
}

#[test]
fn other_schemes_are_refused() {
    assert_eq!(
        reason("ftp://example.com"),
        "the scheme must be http or https"
    );
    assert_eq!(
        reason("ws://example.com"),
        "the scheme must be http or https"
    );
}

#[test]
fn relative_urls_are_refused() {
    for url in ["/v1", "api.voucherify.io", "api.voucherify.io:443"] {
        let _ = reason(url);
    }
    assert_eq!(
        reason("/v1"),
        "the URL must be absolute (http:// or https://)"
    );
}

#[test]
fn a_query_or_fragment_is_refused() {
    assert_eq!(
        reason("https://example.com/?a=b"),
        "a base URL has no query or fragment"
    );
    assert_eq!(
        reason("https://example.com/#top"),
        "a base URL has no query or fragment"
    );
}

#[test]
fn userinfo_is_refused_without_echoing_it() {
    let error = BaseUrl::parse("https://user:hunter2@example.com").unwrap_err();
    assert_eq!(
        error,
        BuildError::InvalidBaseUrl {
            reason: "credentials do not belong in the base URL"
        }
    );
    assert!(!error.to_string().contains("hunter2"));
    assert!(!format!("{error:?}").contains("hunter2"));
}

#[test]
fn garbage_is_refused() {
    for url in [
        "",
        " ",
        "not a url",
        "https://",
        "http://exa mple.com",
        "https://ex\nample.com",
        "::::",
    ] {
        let _ = reason(url);
    }
}

// ---- credentials ----------------------------------------------------------------------------

fn credentials_error(app_id: &str, secret: &str) -> BuildError {
    Credentials::new(app_id, SecretKey::new(secret)).unwrap_err()
}

#[test]
fn app_id_with_control_characters_or_empty_is_refused() {
    for bad in [
        "",
        "app\r",
        "app\nid",
        "app\0id",
        "app\tid",
        "app\x7fid",
        "appé",
    ] {
        assert_eq!(
            credentials_error(bad, "secret"),
            BuildError::InvalidHeaderValue { name: "X-App-Id" },
            "{bad:?}"
        );
    }
}

#[test]
fn secret_key_with_control_characters_or_empty_is_refused_without_echoing_it() {
    for bad in ["", "s3cr3t\r", "s3cr3t\nX-Evil: 1", "s3cr3t\0", "s3cr3t\t"] {
        let error = credentials_error("app", bad);
        assert_eq!(
            error,
            BuildError::InvalidHeaderValue {
                name: "X-App-Token"
            },
            "{bad:?}"
        );
        assert!(!error.to_string().contains("s3cr3t"));
        assert!(!format!("{error:?}").contains("s3cr3t"));
    }
}

#[test]
fn credentials_keep_the_app_id() {
    let credentials = Credentials::new("app-1", SecretKey::new("secret")).unwrap();
    assert_eq!(credentials.app_id(), "app-1");
}

// ---- RetryAfter -----------------------------------------------------------------------------

fn retry_after(value: &str) -> Option<RetryAfter> {
    RetryAfter::parse(&HeaderValue::from_str(value).unwrap())
}

#[test]
fn retry_after_in_seconds() {
    assert_eq!(retry_after("0"), Some(RetryAfter::Delay(Duration::ZERO)));
    assert_eq!(
        retry_after("120"),
        Some(RetryAfter::Delay(Duration::from_secs(120)))
    );
    assert_eq!(
        retry_after(" 7 "),
        Some(RetryAfter::Delay(Duration::from_secs(7)))
    );
}

#[test]
fn retry_after_as_an_http_date() {
    let at = UNIX_EPOCH + Duration::from_secs(1445412480);
    assert_eq!(
        retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(RetryAfter::At(at))
    );
    // The obsolete forms RFC 9110 still asks recipients to accept.
    assert_eq!(
        retry_after("Wednesday, 21-Oct-15 07:28:00 GMT"),
        Some(RetryAfter::At(at))
    );
    assert_eq!(
        retry_after("Wed Oct 21 07:28:00 2015"),
        Some(RetryAfter::At(at))
    );
}

#[test]
fn retry_after_garbage_is_none() {
    for bad in [
        "",
        "soon",
        "-1",
        "1.5",
        "+5",
        "0x10",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "12 s",
    ] {
        assert_eq!(retry_after(bad), None, "{bad:?}");
    }
    let opaque = HeaderValue::from_bytes(b"\xff\xfe").unwrap();
    assert_eq!(RetryAfter::parse(&opaque), None);
}

#[test]
fn huge_retry_after_saturates() {
    let huge = "9".repeat(60);
    assert_eq!(
        retry_after(&huge),
        Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
    );
    assert_eq!(
        retry_after(&u64::MAX.to_string()),
        Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
    );
}

#[test]
fn resolve_adds_a_delay_to_the_receive_time() {
    let received = UNIX_EPOCH + Duration::from_secs(1_000);
    assert_eq!(
        RetryAfter::Delay(Duration::from_secs(30)).resolve(received),
        UNIX_EPOCH + Duration::from_secs(1_030)
    );
}

#[test]
fn resolve_keeps_a_date_as_is() {
    let at = UNIX_EPOCH + Duration::from_secs(5);
    let received = UNIX_EPOCH + Duration::from_secs(1_000);
    assert_eq!(RetryAfter::At(at).resolve(received), at);
}

#[test]
fn resolve_of_a_huge_delay_does_not_panic_and_is_later() {
    let received = UNIX_EPOCH + Duration::from_secs(1_738_945_086);
    let resolved = RetryAfter::Delay(Duration::from_secs(u64::MAX)).resolve(received);
    assert!(resolved > received);
    let resolved = RetryAfter::Delay(Duration::MAX).resolve(received);
    assert!(resolved > received);
}
