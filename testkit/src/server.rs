//! Hand-made HTTP servers on 127.0.0.1, for what the emulator cannot put on the wire
//! (malformed HTTP, corrupt gzip, stalls, resets, redirects elsewhere).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most of a request a server reads and keeps: its head, and as much again of its body.
const MAX_KEPT: usize = 64 * 1024;

/// A server on 127.0.0.1 that runs `behave` on each connection it accepts (each on its own
/// thread) until `deadline` has passed. It counts the connections and keeps what
/// [`keep_request`] read on them.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<u8>>>,
    accepting: JoinHandle<Vec<JoinHandle<()>>>,
}

impl Server {
    /// Starts accepting at once.
    ///
    /// # Panics
    ///
    /// If no port on 127.0.0.1 can be bound.
    pub fn start(
        deadline: Duration,
        behave: impl Fn(TcpStream, &Mutex<Vec<u8>>) + Send + Sync + 'static,
    ) -> Server {
        Self::start_at_most(usize::MAX, deadline, behave)
    }

    /// Like [`start`](Self::start), but stops accepting after `limit` connections.
    ///
    /// # Panics
    ///
    /// If no port on 127.0.0.1 can be bound.
    pub fn start_at_most(
        limit: usize,
        deadline: Duration,
        behave: impl Fn(TcpStream, &Mutex<Vec<u8>>) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("the listener's address")
        );
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let behave = Arc::new(behave);
        let (count, kept) = (connections.clone(), received.clone());
        let accepting = std::thread::spawn(move || {
            let until = Instant::now() + deadline;
            let mut handlers = Vec::new();
            while handlers.len() < limit && Instant::now() < until {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        if stream.set_nonblocking(false).is_err() {
                            continue;
                        }
                        let (behave, kept) = (behave.clone(), kept.clone());
                        handlers.push(std::thread::spawn(move || behave(stream, &kept)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            handlers
        });
        Server {
            url,
            connections,
            received,
            accepting,
        }
    }

    /// How many connections it accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// What it read so far, all connections together.
    pub fn received(&self) -> Vec<u8> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until it stops accepting and every connection is done, then gives what it read.
    pub fn finish(self) -> Vec<u8> {
        let received = self.received.clone();
        for handler in self.accepting.join().unwrap_or_default() {
            let _ = handler.join();
        }
        let kept = received.lock().unwrap_or_else(PoisonError::into_inner);
        kept.clone()
    }
}

/// A server that accepts at most one connection (within 3 s), reads one request, writes
/// `answer`, then holds the connection open for `hold` before closing it.
pub struct OneShot {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    server: Server,
}

impl OneShot {
    /// Starts accepting at once.
    pub fn start(answer: Vec<u8>, hold: Duration) -> OneShot {
        let server = Server::start_at_most(1, Duration::from_secs(3), move |mut stream, kept| {
            keep_request(&mut stream, kept);
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
            std::thread::sleep(hold);
        });
        OneShot {
            url: server.url.clone(),
            server,
        }
    }

    /// A server that answers `302 Found` with `location` and an empty body.
    pub fn redirecting_to(location: &str) -> OneShot {
        OneShot::start(
            response("302 Found", &[("location", location)], b""),
            Duration::ZERO,
        )
    }

    /// The request the server read, or `None` if nobody connected. Waits for the exchange to
    /// end (or for 3 s without a connection).
    pub fn request(self) -> Option<Vec<u8>> {
        let connected = self.server.connections() > 0;
        let request = self.server.finish();
        connected.then_some(request)
    }
}

/// Reads one request (its head up to the blank line, then a body of its `Content-Length`, at
/// most 64 KiB of each) and appends it to `kept`. Reading it all lets the server close with a
/// clean FIN rather than a reset. A TLS handshake is read no further: no request is coming.
pub fn keep_request(stream: &mut TcpStream, kept: &Mutex<Vec<u8>>) {
    let request = read_request(stream);
    kept.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend_from_slice(&request);
}

fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&buf[..n]);
        if bytes[0] == 0x16 {
            // A TLS handshake record: no HTTP request is coming; answer at once.
            break;
        }
        match find(&bytes, b"\r\n\r\n") {
            Some(end) => {
                let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if bytes.len() >= end + 4 + length.min(MAX_KEPT) {
                    break;
                }
            }
            None if bytes.len() > MAX_KEPT => break,
            None => {}
        }
    }
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A canned response with `Content-Length` set to `body`'s length.
pub fn response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status_line}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A gzip member whose deflate data is garbage.
pub fn corrupt_gzip() -> Vec<u8> {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    bytes.extend_from_slice(&[0xff; 64]);
    bytes
}

/// `data` as one gzip member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).expect("writing to a Vec");
    encoder.finish().expect("writing to a Vec")
}

/// A response written as is: `head` (status line and headers, without the blank line) and
/// `body`, with `connection: close` and no length (the body ends when the server closes).
pub fn raw_response(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{head}\r\nconnection: close\r\n\r\n").into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A port on 127.0.0.1 that nothing listens on (it was bound, then let go).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a port on 127.0.0.1")
        .port()
}
