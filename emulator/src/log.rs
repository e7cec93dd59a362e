//! The emulator's request log: method, route and status only, never a header, body or path.

use std::sync::{Mutex, PoisonError};

const KEEP: usize = 10_000;

/// Keeps the most recent log lines in memory and optionally echoes them to stderr.
#[derive(Debug)]
pub(crate) struct Log {
    lines: Mutex<Vec<String>>,
    echo: bool,
}

impl Log {
    pub(crate) fn new(echo: bool) -> Self {
        Log {
            lines: Mutex::new(Vec::new()),
            echo,
        }
    }

    /// Records one request. Only these three facts are ever logged: no path (it may hold an
    /// order id or voucher code), no header (credentials), no body (secrets, tokens).
    /// `route` is the route's method and path template (or the method and `(no route)`).
    pub(crate) fn request(&self, route: &str, status: u16) {
        let line = format!("keycard-emulator: {route} -> {status}");
        if self.echo {
            eprintln!("{line}");
        }
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() >= KEEP {
            lines.remove(0);
        }
        lines.push(line);
    }

    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
