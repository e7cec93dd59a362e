//! A transport written by hand on `std::net::TcpStream`, with no HTTP client crate: the proof
//! that keycard's core embeds anywhere. Implement `Transport::send`; `run` comes free.
//!
//! Plain HTTP/1.1 only (no TLS), one connection per request: enough for the local emulator.
//!
//! Run: `cargo run --example custom_transport`

use keycard::voucherify::{self, Credentials, Scope, Scopes};
use keycard::{BaseUrl, SecretKey, Transport, TransportError, TransportErrorKind as Kind};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The smallest transport that works: HTTP/1.1 over one TCP connection per request.
struct TcpTransport {
    max_body: usize,
}

impl Transport for TcpTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        // Failures are told in keycard's one vocabulary; the error keeps only the URL's scheme,
        // host, port and path.
        let uri = request.uri().clone();
        let refuse = |detail: &str| TransportError::new(Kind::InvalidRequest, &uri, detail);
        if uri.scheme_str() != Some("http") {
            return Err(refuse("this example speaks plain http only"));
        }
        let host = uri.host().ok_or_else(|| refuse("no host"))?;
        let port = uri.port_u16().unwrap_or(80);
        let mut stream = TcpStream::connect((host, port))
            .map_err(|e| TransportError::new(Kind::Connect, &uri, e.to_string()))?;
        let response = self.exchange(&mut stream, request).map_err(|e| {
            let kind = match e.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Kind::Timeout,
                io::ErrorKind::InvalidData => Kind::Protocol,
                _ => Kind::Io,
            };
            TransportError::new(kind, &uri, e.to_string())
        })?;
        if response.body().len() > self.max_body {
            let cap = self.max_body;
            return Err(TransportError::new(Kind::BodyTooLarge { cap }, &uri, ""));
        }
        Ok(response)
    }
}

impl TcpTransport {
    /// Writes the request on `stream` and reads the whole response.
    fn exchange(
        &self,
        stream: &mut TcpStream,
        request: http::Request<Vec<u8>>,
    ) -> io::Result<http::Response<Vec<u8>>> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let uri = request.uri();
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().unwrap_or(80);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut head = format!(
            "{} {path} HTTP/1.1\r\nhost: {host}:{port}\r\n",
            request.method()
        );
        for (name, value) in request.headers() {
            let value = value.to_str().map_err(io::Error::other)?;
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            request.body().len()
        ));
        stream.write_all(head.as_bytes())?;
        stream.write_all(request.body())?;

        let mut raw = Vec::new();
        stream
            .take(self.max_body as u64 + 16 * 1024)
            .read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}

/// Reads a whole HTTP/1.1 response: status line, headers, and a body that is either
/// length-delimited, chunked, or runs to the end of the connection.
fn parse_response(raw: &[u8]) -> io::Result<http::Response<Vec<u8>>> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("headers are not UTF-8"))?;
    let mut body = raw[split + 4..].to_vec();

    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("no status code"))?;
    let mut response = http::Response::builder().status(status);
    let mut chunked = false;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("a header without ':'"))?;
        let value = value.trim();
        chunked |= name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked");
        response = response.header(name, value);
    }
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("malformed chunked body"))?;
    }
    response.body(body).map_err(io::Error::other)
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = keycard_emulator::Emulator::start()?;
    let api = voucherify::Api::new(
        BaseUrl::parse(&emulator.voucherify_url())?,
        Credentials::new(
            emulator.voucherify_app_id(),
            SecretKey::new(emulator.voucherify_secret_key()),
        )?,
    );
    let transport = TcpTransport { max_body: 1 << 20 };

    let token = transport
        .run(&api.generate_token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))?)?
        .into_result()?;
    println!(
        "generated a token for [{}], expires in {:?}",
        token.scope, token.expires_in
    );

    let introspection = transport
        .run(&api.introspect(&token.access_token)?)?
        .into_result()?;
    println!("introspect: active = {}", introspection.is_active());

    let revocation = transport
        .run(&api.revoke(&token.access_token)?)?
        .into_result()?;
    println!("revoke: {revocation:?}");
    Ok(())
}
