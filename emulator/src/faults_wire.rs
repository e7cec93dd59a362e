//! What each [`Fault`] puts on the wire.

use crate::fault::{Fault, STALL_LIMIT};
use crate::route::{Api, Matched, Route};
use crate::server::{route, Shared};
use crate::wire::{self, Req, HTML, JSON};
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// The `X-Rate-Limit-Limit` the emulator reports (assumed; the real limit depends on the plan).
pub const RATE_LIMIT_LIMIT: u32 = 100;
/// The `X-Rate-Limit-Type` the emulator reports (assumed; undocumented).
pub const RATE_LIMIT_TYPE: &str = "api_calls";

const CHUNK: usize = 64 * 1024;

/// Answers a request that has a fault injected.
pub(crate) async fn answer(shared: &Arc<Shared>, fault: Fault, m: Matched, req: Req) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => rate_limited(shared, m.route, retry_after),
        Fault::ServiceUnavailable => service_unavailable(shared, m.route),
        Fault::HtmlServerError => {
            wire::with_body(500, HTML, html_page("500 Internal Server Error"))
        }
        Fault::BadGateway => wire::with_body(502, HTML, html_page("502 Bad Gateway")),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            route(shared, &m, &req)
        }
        Fault::StallHeaders => {
            tokio::time::sleep(STALL_LIMIT).await;
            route(shared, &m, &req)
        }
        Fault::TruncatedBody => truncated(route(shared, &m, &req)).await,
        Fault::CloseMidBody => close_mid_body(route(shared, &m, &req)).await,
        Fault::OversizedBody(n) => oversized(n),
        Fault::GzipBomb(n) => gzip_bomb(n).await,
        Fault::Redirect(url) => {
            let mut r = wire::empty(307);
            wire::set_header(&mut r, "location", &url);
            r
        }
        Fault::Status(status, content_type, body) => wire::with_body(status, &content_type, body),
    }
}

fn rate_limited(shared: &Shared, route: Route, retry_after: Duration) -> Response {
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let mut r = match route.api() {
        Api::Voucherify => wire::json(
            429,
            &json!({ "code": 429, "message": "Too many requests hit the API too quickly." }),
        ),
        Api::Exact => wire::text(429, "Too Many Requests"),
    };
    let retry_at = shared.clock.unix_seconds() + secs;
    wire::set_header(&mut r, "retry-after", &secs.to_string());
    wire::set_header(&mut r, "x-rate-limit-limit", &RATE_LIMIT_LIMIT.to_string());
    wire::set_header(&mut r, "x-rate-limit-remaining", "0");
    wire::set_header(&mut r, "x-rate-limit-retry", &retry_at.to_string());
    wire::set_header(&mut r, "x-rate-limit-type", RATE_LIMIT_TYPE);
    r
}

fn service_unavailable(shared: &Shared, route: Route) -> Response {
    match route {
        Route::ExactOrderAccessToken => wire::json(
            503,
            &json!({
                "code": "unhandled",
                "message": "Service Unavailable",
                "type": "custom-error",
                "requestId": shared.rng.uuid(),
            }),
        ),
        r if r.api() == Api::Exact => wire::text(503, "Service Unavailable"),
        _ => wire::json(
            503,
            &json!({ "code": 503, "message": "Service Unavailable", "key": "service_unavailable" }),
        ),
    }
}

/// A proxy's error page.
pub(crate) fn html_page(title: &str) -> String {
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// The normal answer's status, headers and body bytes; an answer without a body (204, 404
/// revoke) becomes `200 {"ok":true}` so there is a body to cut.
async fn parts_with_body(normal: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = normal.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if bytes.is_empty() {
        let (mut p, _) = wire::json(200, &json!({ "ok": true })).into_parts();
        p.headers.remove(header::CONTENT_LENGTH);
        return (p, Bytes::from_static(b"{\"ok\":true}"));
    }
    (parts, bytes)
}

/// A body that yields `first`, waits a moment (so it reaches the socket), then fails, which
/// makes hyper abort the connection.
fn failing_body(first: Bytes) -> Body {
    let steps = futures_util::stream::unfold(0u8, move |step| {
        let first = first.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(first), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((Err(std::io::Error::other("fault: connection cut")), 2))
                }
                _ => None,
            }
        }
    });
    Body::from_stream(steps)
}

async fn truncated(normal: Response) -> Response {
    let (mut parts, bytes) = parts_with_body(normal).await;
    let half = bytes.slice(0..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        axum::http::HeaderValue::from(bytes.len()),
    );
    Response::from_parts(parts, failing_body(half))
}

async fn close_mid_body(normal: Response) -> Response {
    let (mut parts, bytes) = parts_with_body(normal).await;
    let half = bytes.slice(0..bytes.len().div_ceil(2));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, failing_body(half))
}

/// `n` bytes that look like JSON: `{"padding":"xxx…"}` (just spaces when `n` is tiny).
fn json_ish(n: usize) -> impl Iterator<Item = Bytes> {
    const OPEN: &[u8] = b"{\"padding\":\"";
    const CLOSE: &[u8] = b"\"}";
    let framed = n >= OPEN.len() + CLOSE.len();
    let fill = if framed {
        n - OPEN.len() - CLOSE.len()
    } else {
        n
    };
    let filler = if framed { b'x' } else { b' ' };
    let open = framed.then(|| Bytes::from_static(OPEN));
    let close = framed.then(|| Bytes::from_static(CLOSE));
    let middle = (0..fill.div_ceil(CHUNK)).map(move |i| {
        let len = CHUNK.min(fill - i * CHUNK);
        Bytes::from(vec![filler; len])
    });
    open.into_iter().chain(middle).chain(close)
}

fn oversized(n: usize) -> Response {
    let stream = futures_util::stream::iter(json_ish(n).map(Ok::<Bytes, std::convert::Infallible>));
    wire::with_body(200, JSON, Body::from_stream(stream))
}

async fn gzip_bomb(n: usize) -> Response {
    let compressed = tokio::task::spawn_blocking(move || {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        for chunk in json_ish(n) {
            gz.write_all(&chunk)?;
        }
        gz.finish()
    })
    .await;
    match compressed {
        Ok(Ok(bytes)) => {
            let mut r = wire::with_body(200, JSON, bytes);
            wire::set_header(&mut r, "content-encoding", "gzip");
            r
        }
        _ => wire::text(500, "Internal Server Error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ish_has_the_exact_length() {
        for n in [0, 1, 13, 14, 15, 100, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
            let total: usize = json_ish(n).map(|b| b.len()).sum();
            assert_eq!(total, n);
        }
        let all: Vec<u8> = json_ish(20).flat_map(|b| b.to_vec()).collect();
        assert!(serde_json::from_slice::<serde_json::Value>(&all).is_ok());
    }
}
