//! The wire suite: what every keycard transport does with what comes over the wire, against a
//! [`OneShot`] server. Each check takes `make`, which builds the transport under test with an
//! overall timeout and a body cap; [`wire_suite!`](crate::wire_suite) makes a test of each.

use crate::server::{closed_port, corrupt_gzip, gzip, raw_response, response, OneShot};
use keycard_core::voucherify::{self, Credentials, Scope, Scopes};
use keycard_core::Unrecognized;
use keycard_core::{
    BaseUrl, Parsed, SecretKey, Transport, TransportError, TransportErrorKind as Kind,
};
use std::time::{Duration, Instant};

/// The overall timeout the checks ask for, unless they test timing out.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The body cap the checks ask for.
pub const CAP: usize = 1024;

/// A request like keycard-core's: a form POST with a secret header and a secret in the body.
///
/// # Panics
///
/// If `url` is not a URI.
pub fn request(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("x-app-token", "s3cr3t-header-value")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"access_token=s3cr3t-body-value".to_vec())
        .expect("a valid request")
}

/// Whether `text` holds one of [`request`]'s secrets (or the user info or query of
/// [`errors_name_the_url_without_user_info_query_or_secrets`]'s URL).
pub fn leaks(text: &str) -> bool {
    text.contains("s3cr3t")
}

/// Sends [`request`] to `url` and expects a transport error of `kind`, with no secret in its
/// `Display` or `Debug`.
fn fails_with<T: Transport>(transport: &T, url: &str, kind: Kind) -> TransportError {
    let Err(error) = transport.send(request(url)) else {
        panic!("expected a {kind:?} error from {url}");
    };
    assert_eq!(error.kind(), kind, "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(!leaks(&text), "{text}");
    error
}

/// The request goes out as built (with the transport's `User-Agent` and `Accept-Encoding:
/// gzip` added), and a `418` comes back as a response with its body.
pub fn sends_the_request_as_built_and_returns_an_error_status_with_its_body<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
    user_agent: &str,
) {
    let server = OneShot::start(
        response(
            "418 I'm a teapot",
            &[("content-type", "text/plain")],
            b"short and stout",
        ),
        Duration::ZERO,
    );
    let answer = make(TIMEOUT, CAP)
        .send(request(&format!("{}/v1/oauth/token", server.url)))
        .expect("a response");
    assert_eq!(answer.status(), 418);
    assert_eq!(answer.body(), b"short and stout");
    let sent = String::from_utf8(server.request().expect("a request")).expect("UTF-8");
    let lowercase = sent.to_ascii_lowercase();
    assert!(
        sent.starts_with("POST /v1/oauth/token HTTP/1.1\r\n"),
        "{sent}"
    );
    assert!(
        sent.contains("x-app-token: s3cr3t-header-value\r\n"),
        "{sent}"
    );
    assert!(
        sent.ends_with("\r\n\r\naccess_token=s3cr3t-body-value"),
        "{sent}"
    );
    assert!(
        lowercase.contains(&format!("user-agent: {user_agent}")),
        "{sent}"
    );
    assert!(lowercase.contains("accept-encoding: gzip"), "{sent}");
}

/// A `302` comes back to the caller, not followed, and a `500` comes back with its body.
pub fn statuses_and_redirects_come_back_unfollowed<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let transport = make(TIMEOUT, CAP);
    let target = OneShot::start(response("200 OK", &[], b"followed"), Duration::ZERO);
    let server = OneShot::redirecting_to(&format!("{}/elsewhere", target.url));
    let answer = transport.send(request(&server.url)).expect("a response");
    assert_eq!(answer.status(), 302);
    assert!(target.request().is_none(), "the redirect was followed");

    let server = OneShot::start(
        response("500 Internal Server Error", &[], b"oops"),
        Duration::ZERO,
    );
    let answer = transport.send(request(&server.url)).expect("a response");
    assert_eq!(answer.status(), 500);
    assert_eq!(answer.body(), b"oops");
}

/// A declared `Content-Length` over the cap is refused at once: the server sends 10 bytes of
/// its 1 MB and holds the connection, so waiting for the rest would run into the timeout.
pub fn a_declared_length_over_the_cap_is_refused_without_reading_the_body<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n".to_vec();
    answer.extend_from_slice(b"0123456789");
    let server = OneShot::start(answer, Duration::from_secs(4));
    let started = Instant::now();
    fails_with(
        &make(TIMEOUT, CAP),
        &server.url,
        Kind::BodyTooLarge { cap: CAP },
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A status line that is not HTTP is a protocol error.
pub fn malformed_http_is_a_protocol_error<T: Transport>(make: impl Fn(Duration, usize) -> T) {
    let server = OneShot::start(b"HTTP/1.1 abc\r\n\r\n".to_vec(), Duration::ZERO);
    fails_with(&make(TIMEOUT, CAP), &server.url, Kind::Protocol);
}

/// A body that says it is gzip and is not is a protocol error.
pub fn corrupt_gzip_is_a_protocol_error<T: Transport>(make: impl Fn(Duration, usize) -> T) {
    let server = OneShot::start(
        response("200 OK", &[("content-encoding", "gzip")], &corrupt_gzip()),
        Duration::ZERO,
    );
    fails_with(&make(TIMEOUT, CAP), &server.url, Kind::Protocol);
}

/// A gzip body is decoded (several members one after the other too, as gzip allows), its
/// `Content-Encoding` and `Content-Length` dropped, and the cap counts the decoded bytes: a body
/// of 30 bytes on the wire that decodes to more than the cap is refused.
pub fn gzip_is_decoded_and_the_cap_counts_decoded_bytes<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let transport = make(TIMEOUT, CAP);
    let mut members = gzip(b"{\"one\":");
    members.extend_from_slice(&gzip(b"1}"));
    let server = OneShot::start(
        response(
            "200 OK",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            &members,
        ),
        Duration::ZERO,
    );
    let answer = transport.send(request(&server.url)).expect("a response");
    assert_eq!(answer.body(), b"{\"one\":1}");
    assert!(
        answer.headers().get("content-encoding").is_none(),
        "{answer:?}"
    );
    assert!(
        answer.headers().get("content-length").is_none(),
        "{answer:?}"
    );

    let bomb = gzip(&vec![b'a'; CAP + 1]);
    assert!(bomb.len() < CAP / 4);
    let server = OneShot::start(
        response("200 OK", &[("content-encoding", "gzip")], &bomb),
        Duration::ZERO,
    );
    fails_with(&transport, &server.url, Kind::BodyTooLarge { cap: CAP });
}

/// Bytes after the end of a gzip body are refused as a protocol error, not dropped: the body
/// the parser would see is not the one that was sent.
pub fn gzip_with_trailing_garbage_is_a_protocol_error<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let mut body = gzip(b"{\"ok\":true}");
    body.extend_from_slice(b"garbage after the gzip member");
    let server = OneShot::start(
        response("200 OK", &[("content-encoding", "gzip")], &body),
        Duration::ZERO,
    );
    fails_with(&make(TIMEOUT, CAP), &server.url, Kind::Protocol);
}

/// A `Transfer-Encoding` other than `chunked` alone (an unknown coding, or a coding before
/// `chunked` that the transports do not decode) is a protocol error: the body cannot be read.
pub fn an_unknown_transfer_coding_is_a_protocol_error<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let transport = make(TIMEOUT, CAP);
    for coding in ["x-unknown", "gzip, chunked"] {
        let server = OneShot::start(
            raw_response(
                &format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: {coding}"
                ),
                b"5\r\nhello\r\n0\r\n\r\n",
            ),
            Duration::ZERO,
        );
        let error = fails_with(&transport, &server.url, Kind::Protocol);
        assert!(!error.detail().is_empty(), "{coding}: {error:?}");
    }
}

/// A response whose `Content-Type` appears twice with different values reaches the parser with
/// both headers intact, and the parser does not read it as a token: its content type is
/// ambiguous, so it is [`Unrecognized::UnexpectedContentType`].
pub fn conflicting_content_types_are_not_read_as_a_token<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let token = br#"{"access_token":"AbC123","client_id":"cid","expires_at":1738945086,"expires_in":900,"scope":"api","token_type":"Bearer"}"#;
    for (types, typed) in [
        (["application/json", "text/html"], false),
        (["text/html", "application/json"], false),
        (["application/json", "application/json"], true),
    ] {
        let server = OneShot::start(
            response(
                "200 OK",
                &[("content-type", types[0]), ("content-type", types[1])],
                token,
            ),
            Duration::ZERO,
        );
        let api = voucherify::Api::new(
            BaseUrl::parse(&server.url).expect("the server's URL"),
            Credentials::new("app-id", SecretKey::new("s3cr3t-key")).expect("credentials"),
        );
        let operation = api
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("an operation");
        let outcome = make(TIMEOUT, CAP).run(&operation).expect("a response");
        let sent: Vec<_> = outcome
            .raw()
            .headers()
            .get_all("content-type")
            .iter()
            .map(|v| v.to_str().expect("ASCII"))
            .collect();
        assert_eq!(sent, types, "the headers reach the parser as received");
        if typed {
            assert!(outcome.success().is_some(), "{types:?}: {outcome:?}");
        } else {
            assert!(
                matches!(
                    outcome.parsed(),
                    Parsed::Unrecognized(Unrecognized::UnexpectedContentType { .. })
                ),
                "{types:?}: {outcome:?}"
            );
        }
    }
}

/// An error's URL is the request's scheme, host, port and path: no user info, no query.
pub fn errors_name_the_url_without_user_info_query_or_secrets<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let port = closed_port();
    let url =
        format!("http://user:s3cr3t-password@127.0.0.1:{port}/v1/oauth/token?key=s3cr3t-query");
    let error = fails_with(&make(TIMEOUT, CAP), &url, Kind::Connect);
    assert_eq!(
        error.url(),
        format!("http://127.0.0.1:{port}/v1/oauth/token")
    );
}

/// A server that never answers runs into the overall timeout.
pub fn stalled_server_times_out<T: Transport>(make: impl Fn(Duration, usize) -> T) {
    let server = OneShot::start(Vec::new(), Duration::from_secs(4));
    let transport = make(Duration::from_millis(500), CAP);
    let started = Instant::now();
    fails_with(&transport, &server.url, Kind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// `https://` to a server that answers plain HTTP is a TLS error.
pub fn https_to_a_server_that_does_not_speak_tls_is_a_tls_error<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    let server = OneShot::start(
        response("200 OK", &[], b"plain text, not TLS"),
        Duration::ZERO,
    );
    let url = server.url.replace("http://", "https://");
    fails_with(&make(TIMEOUT, CAP), &url, Kind::Tls);
}

/// The header bounds of keycard-core's Limits: a response with as many header fields as allowed,
/// or fields taking as many bytes, comes back; one more field or byte is a protocol error.
pub fn headers_are_read_up_to_their_limits_and_refused_past_them<T: Transport>(
    make: impl Fn(Duration, usize) -> T,
) {
    use keycard_core::limits::{MAX_RESPONSE_HEADERS, MAX_RESPONSE_HEADER_BYTES};

    let send = |headers: &[(&str, &str)]| {
        let server = OneShot::start(response("200 OK", headers, b""), Duration::ZERO);
        make(TIMEOUT, CAP).send(request(&server.url))
    };
    // `response` adds `content-length: 0` and `connection: close`: 19 bytes each, as counted.
    let added = 2;
    let names: Vec<String> = (0..MAX_RESPONSE_HEADERS)
        .map(|i| format!("x-{i}"))
        .collect();
    let fields = |n: usize| -> Vec<(&str, &str)> {
        names[..n - added]
            .iter()
            .map(|name| (name.as_str(), "v"))
            .collect()
    };
    let answer = send(&fields(MAX_RESPONSE_HEADERS)).expect("as many fields as allowed");
    assert_eq!(answer.headers().len(), MAX_RESPONSE_HEADERS);
    let error = send(&fields(MAX_RESPONSE_HEADERS + 1)).expect_err("one field too many");
    assert_eq!(error.kind(), Kind::Protocol, "{error:?}");

    let big = |bytes: usize| "b".repeat(bytes - 2 * 19 - "x-big".len() - 4);
    let value = big(MAX_RESPONSE_HEADER_BYTES);
    send(&[("x-big", &value)]).expect("as many bytes as allowed");
    let value = big(MAX_RESPONSE_HEADER_BYTES + 1);
    let error = send(&[("x-big", &value)]).expect_err("one byte too many");
    assert_eq!(error.kind(), Kind::Protocol, "{error:?}");
    assert!(!error.detail().contains("bbb"), "{error:?}");
}

/// Makes a `#[test]` of each check of the wire suite, for the transport that `make` builds
/// (`fn(timeout: Duration, cap: usize) -> impl Transport`; wrap an `AsyncTransport` in
/// [`BlockOn`](crate::BlockOn)) and whose default `User-Agent` starts with `user_agent`.
///
/// ```ignore
/// keycard_testkit::wire_suite!(make: transport, user_agent: "keycard-ureq/");
/// ```
#[macro_export]
macro_rules! wire_suite {
    (make: $make:expr, user_agent: $user_agent:expr $(,)?) => {
        #[test]
        fn sends_the_request_as_built_and_returns_an_error_status_with_its_body() {
            $crate::wire::sends_the_request_as_built_and_returns_an_error_status_with_its_body(
                $make,
                $user_agent,
            );
        }
        $crate::wire_suite!(@each $make;
            statuses_and_redirects_come_back_unfollowed,
            a_declared_length_over_the_cap_is_refused_without_reading_the_body,
            malformed_http_is_a_protocol_error,
            corrupt_gzip_is_a_protocol_error,
            gzip_is_decoded_and_the_cap_counts_decoded_bytes,
            gzip_with_trailing_garbage_is_a_protocol_error,
            an_unknown_transfer_coding_is_a_protocol_error,
            conflicting_content_types_are_not_read_as_a_token,
            errors_name_the_url_without_user_info_query_or_secrets,
            stalled_server_times_out,
            https_to_a_server_that_does_not_speak_tls_is_a_tls_error,
            headers_are_read_up_to_their_limits_and_refused_past_them,
        );
    };
    (@each $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::wire::$check($make);
            }
        )*
    };
}
