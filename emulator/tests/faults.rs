//! Every fault, checked on the wire.

mod common;

use common::{exact, generate, raw, raw_generate, split, voucherify_form};
use flate2::read::GzDecoder;
use keycard_emulator::{Emulator, Fault, Route, RATE_LIMIT_LIMIT, RATE_LIMIT_TYPE};
use serde_json::json;
use std::io::Read;
use std::time::{Duration, Instant};

const GEN: &[(&str, &str)] = &[("grant_type", "client_credentials"), ("scope", "api")];

#[test]
fn rate_limited_voucherify() {
    let emu = Emulator::start().unwrap();
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::RateLimited {
            retry_after: Duration::from_secs(2),
        },
        2,
    );
    for _ in 0..2 {
        let now = emu.clock().unix_seconds();
        let a = voucherify_form(&emu, "/v1/oauth/token", GEN);
        assert_eq!(a.status, 429);
        assert_eq!(
            a.json(),
            json!({"code":429,"message":"Too many requests hit the API too quickly."})
        );
        assert_eq!(a.header("retry-after"), Some("2"));
        assert_eq!(
            a.header("x-rate-limit-limit"),
            Some(RATE_LIMIT_LIMIT.to_string().as_str())
        );
        assert_eq!(a.header("x-rate-limit-remaining"), Some("0"));
        assert_eq!(a.header("x-rate-limit-type"), Some(RATE_LIMIT_TYPE));
        let retry: u64 = a.header("x-rate-limit-retry").unwrap().parse().unwrap();
        assert!((now + 2..=now + 3).contains(&retry), "{retry} vs {now}");
    }
    assert_eq!(voucherify_form(&emu, "/v1/oauth/token", GEN).status, 200);
    assert_eq!(
        emu.live_voucherify_tokens(),
        1,
        "faulted requests mint nothing"
    );
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 3);
}

#[test]
fn rate_limited_exact_and_clock_driven_retry_header() {
    let emu = Emulator::start().unwrap();
    emu.clock()
        .set(std::time::UNIX_EPOCH + Duration::from_secs(2_000_000_000));
    emu.inject(
        Route::ExactUserToken,
        Fault::RateLimited {
            retry_after: Duration::from_millis(1500),
        },
        1,
    );
    let a = exact(&emu, "POST", "/token", None, Some("{}"));
    assert_eq!((a.status, a.text()), (429, "Too Many Requests"));
    assert_eq!(a.header("retry-after"), Some("2"));
    let retry: u64 = a.header("x-rate-limit-retry").unwrap().parse().unwrap();
    assert!((2_000_000_002..=2_000_000_003).contains(&retry));
}

#[test]
fn service_unavailable_per_api() {
    let emu = Emulator::start().unwrap();
    emu.inject(Route::VoucherifyIntrospect, Fault::ServiceUnavailable, 1);
    let a = voucherify_form(&emu, "/v1/oauth/introspect", &[("access_token", "x")]);
    assert_eq!(a.status, 503);
    assert_eq!(a.json()["code"], 503);

    emu.inject(Route::ExactOrderAccessToken, Fault::ServiceUnavailable, 1);
    let path = format!("/orders/{}/accessToken", emu.exact_order_id());
    let a = exact(&emu, "POST", &path, Some(emu.exact_api_key()), None);
    assert_eq!(a.status, 503);
    let mut v = a.json();
    assert_eq!(v["requestId"].as_str().unwrap().len(), 36);
    v.as_object_mut().unwrap().remove("requestId");
    assert_eq!(
        v,
        json!({"code":"unhandled","message":"Service Unavailable","type":"custom-error"})
    );

    emu.inject(Route::ExactUserToken, Fault::ServiceUnavailable, 1);
    let a = exact(&emu, "POST", "/token", None, Some("{}"));
    assert_eq!((a.status, a.text()), (503, "Service Unavailable"));
}

#[test]
fn html_server_error_and_bad_gateway() {
    let emu = Emulator::start().unwrap();
    emu.inject(Route::VoucherifyGenerate, Fault::HtmlServerError, 1);
    emu.inject(Route::VoucherifyGenerate, Fault::BadGateway, 1);
    let a = voucherify_form(&emu, "/v1/oauth/token", GEN);
    assert_eq!(
        (a.status, a.header("content-type")),
        (500, Some("text/html"))
    );
    assert!(a.body.contains("<title>500 Internal Server Error</title>"));
    let a = voucherify_form(&emu, "/v1/oauth/token", GEN);
    assert_eq!(
        (a.status, a.header("content-type")),
        (502, Some("text/html"))
    );
    assert!(a.body.contains("502 Bad Gateway"));
    assert_eq!(voucherify_form(&emu, "/v1/oauth/token", GEN).status, 200);
}

#[test]
fn delay_then_normal_answer() {
    let emu = Emulator::start().unwrap();
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let t = Instant::now();
    let a = voucherify_form(&emu, "/v1/oauth/token", GEN);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["token_type"], "Bearer");
}

#[test]
fn stall_headers_sends_nothing() {
    let emu = Emulator::start().unwrap();
    emu.inject(Route::VoucherifyGenerate, Fault::StallHeaders, 1);
    let t = Instant::now();
    let (got, cut) = raw(&emu, &raw_generate(&emu), Duration::from_millis(400));
    assert!(cut, "the read must time out");
    assert!(got.is_empty(), "no byte may arrive: {got:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
    // Other requests are still served meanwhile, and dropping the emulator does not wait 60 s.
    assert_eq!(voucherify_form(&emu, "/v1/oauth/token", GEN).status, 200);
    let t = Instant::now();
    drop(emu);
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn truncated_body_declares_more_than_it_sends() {
    let emu = Emulator::start().unwrap();
    emu.inject(Route::VoucherifyGenerate, Fault::TruncatedBody, 1);
    let (got, _) = raw(&emu, &raw_generate(&emu), Duration::from_secs(5));
    let (head, body) = split(&got);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .trim()
        .parse()
        .unwrap();
    assert!(!body.is_empty());
    assert!(body.len() < declared, "{} < {declared}", body.len());
    assert!(body.starts_with(b"{\"access_token\":"));
    assert_eq!(emu.live_voucherify_tokens(), 1, "the server did its work");

    // ureq sees an error too.
    emu.inject(Route::VoucherifyGenerate, Fault::TruncatedBody, 1);
    let r = common::agent()
        .post(format!("{}/v1/oauth/token", emu.voucherify_url()))
        .header("X-App-Id", emu.voucherify_app_id())
        .header("X-App-Token", emu.voucherify_secret_key())
        .send_form(GEN.iter().copied());
    let failed = match r {
        Err(_) => true,
        Ok(mut r) => r.body_mut().read_to_string().is_err(),
    };
    assert!(failed);
}

#[test]
fn close_mid_body_drops_a_chunked_answer() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "api");
    emu.inject(Route::VoucherifyIntrospect, Fault::CloseMidBody, 1);
    let body = format!("access_token={token}");
    let req = format!(
        "POST /voucherify/v1/oauth/introspect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         X-App-Id: {}\r\nX-App-Token: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        emu.voucherify_app_id(),
        emu.voucherify_secret_key(),
        body.len()
    );
    let (got, _) = raw(&emu, &req, Duration::from_secs(5));
    let (head, body) = split(&got);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(!head.contains("content-length"));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("{\"access_token\""), "{text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "the last chunk must be missing: {text:?}"
    );
}

#[test]
fn oversized_body_has_the_asked_size() {
    let emu = Emulator::start().unwrap();
    let n = 3 * 1024 * 1024 + 5;
    emu.inject(Route::ExactOrderAccessToken, Fault::OversizedBody(n), 1);
    let mut r = common::agent()
        .post(format!(
            "{}/orders/{}/accessToken",
            emu.exact_url(),
            emu.exact_order_id()
        ))
        .header("Authorization", emu.exact_api_key())
        .send_empty()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body = r
        .body_mut()
        .with_config()
        .limit(10 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    assert_eq!(body.len(), n);
    assert!(body.starts_with(b"{\"padding\":\"") && body.ends_with(b"\"}"));
}

#[test]
fn gzip_bomb_inflates_to_the_asked_size() {
    let emu = Emulator::start().unwrap();
    let n = 8 * 1024 * 1024;
    emu.inject(Route::VoucherifyGenerate, Fault::GzipBomb(n), 1);
    let (got, _) = raw(&emu, &raw_generate(&emu), Duration::from_secs(10));
    let (head, body) = split(&got);
    assert!(head.starts_with("http/1.1 200"));
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("content-type: application/json"));
    assert!(body.len() < n / 100, "compressed: {}", body.len());
    let mut inflated = Vec::new();
    GzDecoder::new(&body[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated.len(), n);
}

#[test]
fn redirect_and_canned_status() {
    let emu = Emulator::start().unwrap();
    emu.inject(
        Route::VoucherifyGenerate,
        Fault::Redirect("http://127.0.0.1:9/elsewhere".into()),
        1,
    );
    let (got, _) = raw(&emu, &raw_generate(&emu), Duration::from_secs(5));
    let (head, _) = split(&got);
    assert!(head.starts_with("http/1.1 307"), "{head}");
    assert!(head.contains("location: http://127.0.0.1:9/elsewhere"));

    emu.inject(
        Route::ExactListApplicationTokens,
        Fault::Status(
            418,
            "application/problem+json".into(),
            r#"{"title":"teapot"}"#.into(),
        ),
        1,
    );
    let app = emu.exact_application_id();
    let a = exact(
        &emu,
        "GET",
        &format!("/application/{app}/token"),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(a.status, 418);
    assert_eq!(a.header("content-type"), Some("application/problem+json"));
    assert_eq!(a.body, r#"{"title":"teapot"}"#);
}

#[test]
fn faults_until_cleared_and_counters() {
    let emu = Emulator::start().unwrap();
    emu.inject_always(Route::ExactDeleteApplicationToken, Fault::BadGateway);
    emu.inject(Route::ExactCreateApplicationToken, Fault::BadGateway, 0);
    let app = emu.exact_application_id();
    for _ in 0..3 {
        let a = exact(
            &emu,
            "DELETE",
            &format!("/application/{app}/token/x"),
            None,
            None,
        );
        assert_eq!(a.status, 502);
    }
    emu.clear_faults();
    let a = exact(
        &emu,
        "DELETE",
        &format!("/application/{app}/token/x"),
        None,
        None,
    );
    assert_eq!(a.status, 401);
    assert_eq!(emu.hits(Route::ExactDeleteApplicationToken), 4);
    assert_eq!(emu.hits(Route::ExactCreateApplicationToken), 0);
    // Unmatched paths count for no route.
    exact(&emu, "GET", "/nowhere", None, None);
    for r in Route::ALL {
        let expect = if r == Route::ExactDeleteApplicationToken {
            4
        } else {
            0
        };
        assert_eq!(emu.hits(r), expect, "{r:?}");
    }
    emu.reset_hits();
    assert_eq!(emu.hits(Route::ExactDeleteApplicationToken), 0);
}
