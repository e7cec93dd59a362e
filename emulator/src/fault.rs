//! Faults injected on demand, per route, for the next N requests or until cleared.

use crate::route::Route;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How long [`Fault::StallHeaders`] holds a request before answering normally, so a client
/// without a timeout is not stuck forever and the server task does not leak.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);

/// A misbehaviour the emulator puts on the wire instead of (or around) its normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Status 429. Voucherify routes: body `{"code":429,"message":"Too many requests hit the API too
    /// quickly."}` with `Retry-After` (whole seconds, rounded up), `X-Rate-Limit-Limit`,
    /// `X-Rate-Limit-Remaining: 0`, `X-Rate-Limit-Retry` (Unix seconds of the emulator clock plus
    /// `retry_after`) and `X-Rate-Limit-Type`. Exact routes (no documented 429): `text/plain`
    /// `Too Many Requests` with the same headers.
    RateLimited {
        /// How long the client is told to wait.
        retry_after: Duration,
    },
    /// 503 with each route's documented body: Voucherify (undocumented, assumed)
    /// `{"code":503,"message":"Service Unavailable","key":"service_unavailable"}`; Exact order
    /// access token: JSON `error_503` `{"code":"unhandled","message":"Service Unavailable",
    /// "type":"custom-error","requestId":…}`; other Exact routes: `text/plain`
    /// `Service Unavailable` (their documented `ServiceUnavailable` response).
    ServiceUnavailable,
    /// 500 with a `text/html` proxy error page.
    HtmlServerError,
    /// 502 with a `text/html` proxy error page.
    BadGateway,
    /// Sleeps this long, then answers normally.
    Delay(Duration),
    /// Accepts the request and sends nothing, for at most [`STALL_LIMIT`]; then answers normally.
    StallHeaders,
    /// Runs the route normally, then declares a `Content-Length` larger than the body, sends
    /// half of the body and closes the connection.
    TruncatedBody,
    /// Runs the route normally, then sends its status and headers with a chunked body, sends
    /// the first half of the body and drops the connection without the final chunk.
    CloseMidBody,
    /// 200 `application/json` whose (chunked, no `Content-Length`) body is exactly this many bytes.
    OversizedBody(usize),
    /// 200 `application/json`, `Content-Encoding: gzip`, whose body inflates to this many bytes.
    GzipBomb(usize),
    /// 307 with `Location` set to this URL and an empty body.
    Redirect(String),
    /// An arbitrary canned answer: status, `Content-Type`, body.
    Status(u16, String, String),
}

#[derive(Debug)]
struct Injected {
    fault: Fault,
    /// `None`: until cleared.
    remaining: Option<u32>,
}

/// The queue of injected faults per route.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queues: Mutex<HashMap<Route, VecDeque<Injected>>>,
}

impl Faults {
    pub(crate) fn inject(&self, route: Route, fault: Fault, times: Option<u32>) {
        if times == Some(0) {
            return;
        }
        let mut q = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        q.entry(route).or_default().push_back(Injected {
            fault,
            remaining: times,
        });
    }

    /// The fault for the next request on `route`, if any, counting it down.
    pub(crate) fn take(&self, route: Route) -> Option<Fault> {
        let mut q = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = q.get_mut(&route)?;
        let front = queue.front_mut()?;
        let fault = front.fault.clone();
        if let Some(n) = front.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                queue.pop_front();
            }
        }
        Some(fault)
    }

    pub(crate) fn clear(&self) {
        self.queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_moves_on() {
        let f = Faults::default();
        f.inject(Route::ExactUserToken, Fault::BadGateway, Some(2));
        f.inject(Route::ExactUserToken, Fault::HtmlServerError, Some(1));
        assert_eq!(f.take(Route::ExactUserToken), Some(Fault::BadGateway));
        assert_eq!(f.take(Route::ExactUserToken), Some(Fault::BadGateway));
        assert_eq!(f.take(Route::ExactUserToken), Some(Fault::HtmlServerError));
        assert_eq!(f.take(Route::ExactUserToken), None);
        assert_eq!(f.take(Route::VoucherifyGenerate), None);
        f.inject(Route::VoucherifyGenerate, Fault::BadGateway, None);
        for _ in 0..5 {
            assert_eq!(f.take(Route::VoucherifyGenerate), Some(Fault::BadGateway));
        }
        f.clear();
        assert_eq!(f.take(Route::VoucherifyGenerate), None);
    }
}
