//! A real `redis-server` for the tests, on a free port of 127.0.0.1, with no persistence;
//! stopped (and its directory removed) when dropped.
#![allow(dead_code)] // each test file uses a part

pub mod child;
pub mod cluster;
pub mod tls;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to get `redis-server` when it is missing.
pub const INSTALL_HINT: &str = "redis-server is not installed: the Redis tests need it. \
     Install it with `apt-get install -y redis-server` (Debian, Ubuntu) or \
     `brew install redis` (macOS), or set KEYCARD_REDIS_SERVER to its path. \
     `scripts/test` (the README's test command) installs it.";

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    /// Whether it listens on a Unix socket too ([`Self::socket_url`]).
    unix_socket: bool,
}

impl RedisServer {
    /// Starts one on a free port. Panics (never skips) if `redis-server` is missing.
    pub fn start() -> Self {
        Self::start_listening(false)
    }

    /// Starts one that listens on a Unix socket too (see [`Self::socket_url`]).
    pub fn start_with_unix_socket() -> Self {
        Self::start_listening(true)
    }

    fn start_listening(unix_socket: bool) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("keycard-redis-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for redis-server");
        let mut server = Self {
            child: None,
            port,
            dir,
            unix_socket,
        };
        server.launch();
        server
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `unix://<its directory>/redis.sock`, for one started with a Unix socket.
    pub fn socket_url(&self) -> String {
        format!("unix://{}", self.dir.join("redis.sock").display())
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops it (SIGKILL: no goodbye to the clients).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// A plain connection, for the tests' own checks.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .expect("redis answers")
    }

    fn launch(&mut self) {
        let program =
            std::env::var("KEYCARD_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut command = Command::new(&program);
        if self.unix_socket {
            command
                .arg("--unixsocket")
                .arg(self.dir.join("redis.sock"))
                .args(["--unixsocketperm", "700"]);
        }
        let child = command
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                panic!("{INSTALL_HINT}")
            }
            Err(error) => panic!("could not start {program}: {error}"),
        };
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                if stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok() {
                    let mut buf = [0u8; 7];
                    if stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                        return;
                    }
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("redis-server exited at start: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not answer within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The Voucherify API of `emu`, with its app id and secret key.
pub fn voucherify_api(emu: &keycard_emulator::Emulator) -> keycard_core::voucherify::Api {
    use keycard_core::voucherify::{Api, Credentials};
    use keycard_core::{BaseUrl, SecretKey};
    Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(
            emu.voucherify_app_id(),
            SecretKey::new(emu.voucherify_secret_key()),
        )
        .unwrap(),
    )
}
