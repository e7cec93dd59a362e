//! A one-shot HTTP server on 127.0.0.1 that answers canned bytes, for what the emulator cannot
//! put on the wire (malformed HTTP, corrupt gzip).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A server that accepts at most one connection, reads one request, writes `answer`, then
/// holds the connection open for `hold` before closing it.
pub struct OneShot {
    pub url: String,
    handle: JoinHandle<Option<Vec<u8>>>,
}

impl OneShot {
    pub fn start(answer: Vec<u8>, hold: Duration) -> OneShot {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (ready, ready_rx) = mpsc::channel();
        let handle = std::thread::spawn(move || {
            listener.set_nonblocking(true).unwrap();
            ready.send(()).unwrap();
            // Give up after a few seconds without a connection (a test that expects none).
            let deadline = std::time::Instant::now() + Duration::from_secs(3);
            let (mut stream, _) = loop {
                match listener.accept() {
                    Ok(conn) => break conn,
                    Err(_) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(_) => return None,
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let request = read_request(&mut stream);
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
            std::thread::sleep(hold);
            Some(request)
        });
        ready_rx.recv().unwrap();
        OneShot { url, handle }
    }

    /// The request the server read, or `None` if nobody connected.
    pub fn request(self) -> Option<Vec<u8>> {
        self.handle.join().unwrap()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Vec<u8> {
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
        if let Some(end) = find(&bytes, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if bytes.len() >= end + 4 + length {
                break;
            }
        }
    }
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A gzip member whose deflate data is garbage.
pub fn corrupt_gzip() -> Vec<u8> {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
    bytes.extend_from_slice(&[0xff; 64]);
    bytes
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

/// A request like keycard-core's: a form POST with a secret header and a secret in the body.
pub fn request(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("x-app-token", "s3cr3t-header-value")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"access_token=s3cr3t-body-value".to_vec())
        .unwrap()
}

/// Whether `text` holds one of [`request`]'s secrets.
pub fn leaks(text: &str) -> bool {
    text.contains("s3cr3t")
}
