//! [`Emulator`]: the handle that starts, inspects, steers and stops a running emulator.

use crate::clock::Clock;
use crate::fault::Fault;
use crate::route::Route;
use crate::seed;
use crate::server::{app, Shared};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};
use tokio::sync::oneshot;

/// One access token the emulator minted for an order (see
/// [`Emulator::order_token_history`]). Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderTokenRecord {
    /// The token.
    pub token: String,
    /// When it was minted, by the emulator's clock.
    pub issued_at: SystemTime,
    /// When it expires, by the emulator's clock.
    pub expires_at: SystemTime,
    /// When a later token for the same order invalidated it (it was still valid then); `None`
    /// if it was never invalidated (it is current, or expired first).
    pub invalidated_at: Option<SystemTime>,
}

impl std::fmt::Debug for OrderTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderTokenRecord")
            .field("token", &"<redacted>")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("invalidated_at", &self.invalidated_at)
            .finish()
    }
}

/// How an emulator is started.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Config {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Whether to echo the request log (method, route, status) to stderr.
    pub log_to_stderr: bool,
}

impl Config {
    /// The default: a free port, log kept in memory only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets whether the log is echoed to stderr.
    pub fn log_to_stderr(mut self, on: bool) -> Self {
        self.log_to_stderr = on;
        self
    }
}

/// A running emulator of both APIs on 127.0.0.1, served from its own thread with its own tokio
/// runtime (so sync code, async code and code inside a runtime can all use it). Dropping the
/// handle shuts it down.
///
/// Its `Debug` shows the address only, never a token.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1.
    pub fn start() -> std::io::Result<Emulator> {
        Self::start_with(Config::new())
    }

    /// Starts an emulator on a fixed port of 127.0.0.1.
    pub fn start_on(port: u16) -> std::io::Result<Emulator> {
        Self::start_with(Config::new().port(port))
    }

    /// Starts an emulator as configured.
    pub fn start_with(config: Config) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("keycard-emulator")
            .enable_io()
            .enable_time()
            .build()?;
        let shared = Arc::new(Shared::new(config.log_to_stderr));
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let app = app(shared.clone());
        let thread = std::thread::Builder::new()
            .name("keycard-emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            let _ = ready_tx.send(Ok(()));
                            l
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = rx => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_millis(200));
            })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("emulator thread ended before serving"))??;
        Ok(Emulator {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The socket address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Voucherify base URL, with a path prefix as behind a proxy:
    /// `http://127.0.0.1:PORT/voucherify` (paths like `/v1/oauth/token` go below it).
    pub fn voucherify_url(&self) -> String {
        format!("http://{}/voucherify", self.addr)
    }

    /// The Exact Payments base URL: `http://127.0.0.1:PORT/exact`.
    pub fn exact_url(&self) -> String {
        format!("http://{}/exact", self.addr)
    }

    /// The seeded Voucherify application id ([`seed::VOUCHERIFY_APP_ID`]).
    pub fn voucherify_app_id(&self) -> &'static str {
        seed::VOUCHERIFY_APP_ID
    }

    /// The seeded Voucherify secret key ([`seed::VOUCHERIFY_SECRET_KEY`]).
    pub fn voucherify_secret_key(&self) -> &'static str {
        seed::VOUCHERIFY_SECRET_KEY
    }

    /// A known voucher code ([`seed::VOUCHER_CODES`]).
    pub fn voucher_code(&self) -> &'static str {
        seed::VOUCHER_CODES[0]
    }

    /// The seeded Exact Payments application token with all permissions ([`seed::EXACT_API_KEY`]).
    pub fn exact_api_key(&self) -> &'static str {
        seed::EXACT_API_KEY
    }

    /// A known order ([`seed::EXACT_ORDER_ID`]; all are in [`seed::EXACT_ORDER_IDS`]).
    pub fn exact_order_id(&self) -> &'static str {
        seed::EXACT_ORDER_ID
    }

    /// Every known order id, one of which contains a `/`.
    pub fn exact_order_ids(&self) -> &'static [&'static str] {
        &seed::EXACT_ORDER_IDS
    }

    /// The known application id ([`seed::EXACT_APPLICATION_ID`]).
    pub fn exact_application_id(&self) -> &'static str {
        seed::EXACT_APPLICATION_ID
    }

    /// The seeded user's email for `POST /token`.
    pub fn exact_user_email(&self) -> &'static str {
        seed::EXACT_USER_EMAIL
    }

    /// The seeded user's password for `POST /token`.
    pub fn exact_user_password(&self) -> &'static str {
        seed::EXACT_USER_PASSWORD
    }

    /// The emulator's clock: starts at real time, and can be set or advanced.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Injects `fault` on `route` for its next `times` requests (after any faults already
    /// queued on that route). `times == 0` does nothing.
    pub fn inject(&self, route: Route, fault: Fault, times: u32) {
        self.shared.faults.inject(route, fault, Some(times));
    }

    /// Injects `fault` on `route` for every request until [`Emulator::clear_faults`].
    pub fn inject_always(&self, route: Route, fault: Fault) {
        self.shared.faults.inject(route, fault, None);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// How many requests `route` has received (faulted ones included).
    pub fn hits(&self, route: Route) -> u64 {
        self.shared.counters.get(route)
    }

    /// Sets every route's counter to zero.
    pub fn reset_hits(&self) {
        self.shared.counters.reset();
    }

    /// How many Voucherify OAuth tokens are live (neither expired by the clock nor revoked).
    pub fn live_voucherify_tokens(&self) -> usize {
        let now = self.shared.clock.unix_seconds();
        self.shared.state().live_oauth_tokens(now)
    }

    /// Whether `token` is the current, unexpired access token of order `order_id`.
    pub fn order_token_is_current(&self, order_id: &str, token: &str) -> bool {
        let now = self.shared.clock.now();
        self.shared
            .state()
            .order_tokens
            .get(order_id)
            .is_some_and(|t| t.token == token && now < t.expires_at)
    }

    /// Every access token minted for order `order_id`, oldest first (at most the last 1024),
    /// each with when a later one invalidated it: the record that shows whether a client
    /// replaced a token someone held.
    pub fn order_token_history(&self, order_id: &str) -> Vec<OrderTokenRecord> {
        self.shared
            .state()
            .order_history
            .get(order_id)
            .map(|history| history.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Blocks (or deletes: the same to a client) the Voucherify project's secret key. As the
    /// spec says, no new token can be generated (401, as are introspect and revoke), and the
    /// tokens it minted stop working within one minute (a minute of the emulator's clock); then
    /// `GET /v1/vouchers/{code}` with them answers 401.
    pub fn block_voucherify_key(&self) {
        let now = self.shared.clock.unix_seconds();
        self.shared.state().voucherify_project.blocked_at = Some(now);
    }

    /// Regenerates the Voucherify project's secret key and returns the new one: the old key is
    /// refused from now on (401), and tokens already minted keep working (the spec: "If the
    /// API key used to generate an OAuth token is regenerated, the OAuth token can still be
    /// used"). A blocked key is unblocked by a new one.
    pub fn regenerate_voucherify_key(&self) -> String {
        let key = format!(
            "{}-{}-{}-{}-{}",
            self.shared.rng.hex(8),
            self.shared.rng.hex(4),
            self.shared.rng.hex(4),
            self.shared.rng.hex(4),
            self.shared.rng.hex(12)
        );
        let mut state = self.shared.state();
        state.voucherify_project.secret_key = key.clone();
        state.voucherify_project.blocked_at = None;
        key
    }

    /// Gives the Voucherify plan a quota of `calls` per billing cycle, starting a new cycle
    /// (`None`: no quota, the default). Every Voucherify request counts; once the quota is used
    /// up each answers 429 with `X-Rate-Limit-Type: api_calls_cycle`
    /// ([`CYCLE_LIMIT_TYPE`](crate::CYCLE_LIMIT_TYPE)) until the next cycle.
    pub fn set_voucherify_cycle_quota(&self, calls: Option<u64>) {
        self.shared.state().voucherify_project.cycle_quota =
            calls.map(|limit| crate::state::CycleQuota { limit, used: 0 });
    }

    /// Locks the seeded Exact Payments user, as a manager can: `POST /token` answers 423.
    pub fn lock_exact_user(&self) {
        self.shared.state().exact_user.locked = true;
    }

    /// Unlocks the seeded Exact Payments user (as a manager does) and clears the count of failed
    /// logins.
    pub fn unlock_exact_user(&self) {
        self.shared.state().exact_user = crate::state::LoginRecord::default();
    }

    /// Whether the seeded Exact Payments user is locked.
    pub fn exact_user_is_locked(&self) -> bool {
        self.shared.state().exact_user.locked
    }

    /// The log lines so far (each is `keycard-emulator: METHOD ROUTE -> STATUS`; never a
    /// header, body, path or secret).
    pub fn log_lines(&self) -> Vec<String> {
        self.shared.log.lines()
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
