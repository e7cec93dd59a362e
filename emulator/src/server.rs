//! The HTTP server: reads each request, counts it, applies a fault or routes it, logs it.

use crate::clock::Clock;
use crate::counters::Counters;
use crate::fault::Faults;
use crate::log::Log;
use crate::rng::Rng;
use crate::route::{match_route, split_prefix, Api, Matched, Route};
use crate::state::State;
use crate::wire::{self, Req};
use crate::{exact, faults_wire, voucherify};
use axum::body::to_bytes;
use axum::extract::{Request, State as AxumState};
use axum::response::Response;
use axum::Router;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The largest request body the emulator reads.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub clock: Clock,
    pub faults: Faults,
    pub counters: Counters,
    pub log: Log,
    pub rng: Rng,
}

impl Shared {
    pub(crate) fn new(echo_log: bool) -> Self {
        Shared {
            state: Mutex::new(State::seeded()),
            clock: Clock::new(),
            faults: Faults::default(),
            counters: Counters::default(),
            log: Log::new(echo_log),
            rng: Rng::new(),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The axum app: one handler that does its own routing, so that `%2F` in a path segment and
/// per-route faults are under our control.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let (api, matched) = match split_prefix(&path) {
        Some((api, rest)) => (Some(api), match_route(api, &method, rest)),
        None => (None, None),
    };
    let label = match &matched {
        Some(m) => m.route.template().to_string(),
        None => format!("{method} (no route)"),
    };
    let response = match to_bytes(body, MAX_REQUEST_BODY).await {
        Err(_) => wire::text(413, "Payload Too Large"),
        Ok(body) => {
            let req = Req {
                headers: parts.headers,
                query: parts.uri.query().map(str::to_string),
                body,
            };
            match (api, matched) {
                (_, Some(m)) => serve_route(&shared, m, req).await,
                (Some(Api::Voucherify), None) => voucherify::not_found(),
                _ => wire::text(404, "Not Found"),
            }
        }
    };
    shared.log.request(&label, response.status().as_u16());
    response
}

async fn serve_route(shared: &Arc<Shared>, m: Matched, req: Req) -> Response {
    shared.counters.hit(m.route);
    match shared.faults.take(m.route) {
        Some(fault) => faults_wire::answer(shared, fault, m, req).await,
        None => route(shared, &m, &req),
    }
}

/// The route's normal answer.
pub(crate) fn route(shared: &Shared, m: &Matched, req: &Req) -> Response {
    let p = |i: usize| m.params.get(i).map(String::as_str).unwrap_or("");
    if m.route.api() == Api::Voucherify {
        if let Some(exhausted) = voucherify::plan::spend(shared) {
            return exhausted;
        }
    }
    match m.route {
        Route::VoucherifyGenerate => voucherify::oauth::generate(shared, req),
        Route::VoucherifyIntrospect => voucherify::oauth::introspect(shared, req),
        Route::VoucherifyRevoke => voucherify::oauth::revoke(shared, req),
        Route::VoucherifyGetVoucher => voucherify::vouchers::get(shared, req, p(0)),
        Route::ExactOrderAccessToken => exact::orders::access_token(shared, req, p(0)),
        Route::ExactUserToken => exact::user_token::create(shared, req),
        Route::ExactCreateApplicationToken => exact::app_tokens::create(shared, req, p(0)),
        Route::ExactListApplicationTokens => exact::app_tokens::list(shared, req, p(0)),
        Route::ExactDeleteApplicationToken => exact::app_tokens::delete(shared, req, p(0), p(1)),
    }
}
