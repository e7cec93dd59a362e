//! The emulator's faults, through both transports: each ends as the right typed outcome or the
//! right transport error, within its bounds, with no secret in any error.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::{emulator, exact, voucherify, Failure, Kind, Via, CAP, TIMEOUT};
use keycard::voucherify::{Scope, Scopes};
use keycard::{Parsed, RetryAfter, Unrecognized};
use keycard_emulator::{Emulator, Fault, Route};
use std::time::{Duration, Instant};

fn generate(emu: &Emulator) -> keycard::voucherify::GenerateToken {
    voucherify(emu)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}

/// No secret of the emulator's in an error's text.
fn assert_no_secret(emu: &Emulator, failure: &Failure) {
    for secret in [emu.voucherify_secret_key(), emu.exact_api_key()] {
        assert!(!failure.text.contains(secret), "{failure:?}");
    }
}

#[test]
fn rate_limited_is_a_typed_429_with_the_rate_limit() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::RateLimited {
                retry_after: Duration::from_secs(2),
            },
            1,
        );
        let outcome = via.ok(&generate(&emu));
        assert_eq!(outcome.status(), 429, "{name}");
        let error = outcome
            .error()
            .unwrap_or_else(|| panic!("{name}: {outcome:?}"));
        assert_eq!(error.code, 429, "{name}");
        let limit = &error.rate_limit;
        assert_eq!(
            limit.limit_type,
            Some(keycard::voucherify::RateLimitType::ApiCalls),
            "{name}"
        );
        assert_eq!(
            limit.limit,
            Some(keycard_emulator::RATE_LIMIT_LIMIT.into()),
            "{name}"
        );
        assert_eq!(limit.remaining, Some(0), "{name}");
        assert_eq!(
            limit.retry_after,
            Some(RetryAfter::Delay(Duration::from_secs(2))),
            "{name}"
        );
        assert!(limit.retry_at.is_some(), "{name}");
        // The fault was for one request: the next one gets a token.
        assert_eq!(via.ok(&generate(&emu)).status(), 200, "{name}");
    }
}

#[test]
fn service_unavailable_is_a_typed_503() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::ServiceUnavailable, 1);
        let outcome = via.ok(&generate(&emu));
        assert_eq!(outcome.status(), 503, "{name}");
        assert_eq!(outcome.error().map(|e| e.code), Some(503), "{name}");
    }
}

#[test]
fn html_server_error_is_untyped_but_kept() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::HtmlServerError, 1);
        let outcome = via.ok(&generate(&emu));
        assert_eq!(outcome.status(), 500, "{name}");
        assert!(
            matches!(
                outcome.parsed(),
                Parsed::Unrecognized(Unrecognized::UnexpectedContentType { .. })
            ),
            "{name}: {outcome:?}"
        );
        assert!(
            outcome.raw().has_media_type("text/html"),
            "{name}: {outcome:?}"
        );
        assert!(!outcome.raw().body().is_empty(), "{name}");
    }
}

#[test]
fn a_short_delay_is_waited_for() {
    let emu = emulator();
    for via in Via::both() {
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::Delay(Duration::from_millis(300)),
            1,
        );
        assert_eq!(via.ok(&generate(&emu)).status(), 200, "{}", via.name());
    }
}

#[test]
fn stalled_headers_time_out_within_the_bound() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::StallHeaders, 1);
        let started = Instant::now();
        let failure = via.fail(&generate(&emu));
        let took = started.elapsed();
        assert_eq!(failure.kind, Kind::Timeout, "{name}: {failure:?}");
        assert!(
            took < TIMEOUT + Duration::from_secs(5),
            "{name}: took {took:?}"
        );
        assert!(
            failure.url.ends_with("/voucherify/v1/oauth/token"),
            "{name}: {failure:?}"
        );
        assert_no_secret(&emu, &failure);
    }
}

#[test]
fn oversized_body_is_refused_at_the_cap() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::OversizedBody(4 * CAP), 1);
        let failure = via.fail(&generate(&emu));
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: CAP },
            "{name}: {failure:?}"
        );
        assert_no_secret(&emu, &failure);
    }
}

#[test]
fn a_body_of_exactly_the_cap_passes_and_one_more_byte_does_not() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::OversizedBody(CAP), 1);
        let response = via
            .send(keycard::Operation::request(&generate(&emu)))
            .unwrap_or_else(|f| panic!("{name}: {f:?}"));
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(response.body().len(), CAP, "{name}");

        emu.inject(Route::VoucherifyGenerate, Fault::OversizedBody(CAP + 1), 1);
        let failure = via
            .send(keycard::Operation::request(&generate(&emu)))
            .expect_err(name);
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: CAP },
            "{name}: {failure:?}"
        );
    }
}

#[test]
fn gzip_bomb_is_refused_at_the_cap_counted_after_decompression() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        // 16 MiB of JSON-ish filler compresses to a few KiB, far below the cap.
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::GzipBomb(16 * 1024 * 1024),
            1,
        );
        let failure = via.fail(&generate(&emu));
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: CAP },
            "{name}: {failure:?}"
        );
        assert_no_secret(&emu, &failure);
    }
}

#[test]
fn gzip_below_the_cap_is_decompressed() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::GzipBomb(CAP / 2), 1);
        let response = via
            .send(keycard::Operation::request(&generate(&emu)))
            .unwrap_or_else(|f| panic!("{name}: {f:?}"));
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(response.body().len(), CAP / 2, "{name}");
        assert!(response.body().starts_with(b"{\"padding\":\"xxx"), "{name}");
        assert!(
            response.headers().get("content-encoding").is_none(),
            "{name}: decompressed, so no Content-Encoding"
        );
    }
}

#[test]
fn truncated_body_is_a_transport_error() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::TruncatedBody, 1);
        let failure = via.fail(&generate(&emu));
        assert!(failure.kind == Kind::Io, "{name}: {failure:?}");
        assert_no_secret(&emu, &failure);
    }
}

#[test]
fn connection_closed_mid_body_is_a_transport_error() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();
        emu.inject(Route::VoucherifyGenerate, Fault::CloseMidBody, 1);
        let failure = via.fail(&generate(&emu));
        assert!(failure.kind == Kind::Io, "{name}: {failure:?}");
        assert_no_secret(&emu, &failure);
    }
}

#[test]
fn redirect_comes_back_to_the_parser_and_is_not_followed() {
    let emu = emulator();
    let target = format!("{}/v1/oauth/introspect", emu.voucherify_url());
    for via in Via::both() {
        let name = via.name();
        emu.inject(
            Route::VoucherifyGenerate,
            Fault::Redirect(target.clone()),
            1,
        );
        let outcome = via.ok(&generate(&emu));
        assert_eq!(outcome.status(), 307, "{name}");
        assert_eq!(
            outcome.parsed(),
            &Parsed::Unrecognized(Unrecognized::UndocumentedStatus),
            "{name}"
        );
        assert_eq!(
            outcome.raw().headers()["location"].to_str().unwrap(),
            target,
            "{name}"
        );
    }
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
    assert_eq!(
        emu.hits(Route::VoucherifyIntrospect),
        0,
        "the redirect target got a request"
    );
}

#[test]
fn nothing_listening_is_a_connect_error() {
    let port = keycard_testkit::server::closed_port();
    let api = keycard::voucherify::Api::new(
        keycard::BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        keycard::voucherify::Credentials::new("app", keycard::SecretKey::new("s3cr3t-k3y"))
            .unwrap(),
    );
    for via in Via::both() {
        let name = via.name();
        let started = Instant::now();
        let failure = via.fail(
            &api.generate_token(&Scopes::from([Scope::Vouchers]))
                .unwrap(),
        );
        assert_eq!(failure.kind, Kind::Connect, "{name}: {failure:?}");
        assert!(
            started.elapsed() < TIMEOUT + Duration::from_secs(5),
            "{name}"
        );
        assert!(!failure.text.contains("s3cr3t-k3y"), "{failure:?}");
        assert_eq!(
            failure.url,
            format!("http://127.0.0.1:{port}/v1/oauth/token")
        );
    }
}

#[test]
fn exact_faults_map_the_same_way() {
    let emu = emulator();
    let api = exact(&emu);
    for via in Via::both() {
        let name = via.name();
        let create = api.create_order_access_token(emu.exact_order_id()).unwrap();

        emu.inject(Route::ExactOrderAccessToken, Fault::ServiceUnavailable, 1);
        let outcome = via.ok(&create);
        assert_eq!(outcome.status(), 503, "{name}");
        assert!(outcome.error().is_some(), "{name}: {outcome:?}");

        emu.inject(
            Route::ExactOrderAccessToken,
            Fault::RateLimited {
                retry_after: Duration::from_secs(1),
            },
            1,
        );
        let outcome = via.ok(&create);
        assert_eq!(outcome.status(), 429, "{name}");
        assert!(
            matches!(outcome.parsed(), Parsed::Unrecognized(_)),
            "{name}: no documented 429 on Exact: {outcome:?}"
        );

        emu.inject(Route::ExactOrderAccessToken, Fault::GzipBomb(4 * CAP), 1);
        let failure = via.fail(&create);
        assert_eq!(
            failure.kind,
            Kind::BodyTooLarge { cap: CAP },
            "{name}: {failure:?}"
        );
        assert_no_secret(&emu, &failure);

        assert_eq!(via.ok(&create).status(), 201, "{name}");
    }
}
