//! Helpers shared by the integration tests: a ureq agent that hands back every status, and a
//! raw socket client for the faults that break HTTP.
#![allow(dead_code)]

use keycard_emulator::Emulator;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response read in full.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/json; charset=utf-8"),
            "not JSON: {self:?}"
        );
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    pub fn text(&self) -> &str {
        assert_eq!(
            self.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "not text: {self:?}"
        );
        &self.body
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

pub fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("request failed");
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        headers,
        body,
    }
}

/// A Voucherify OAuth call with the seeded app keys and a form body.
pub fn voucherify_form(emu: &Emulator, path: &str, form: &[(&str, &str)]) -> Answer {
    answer(
        agent()
            .post(format!("{}{path}", emu.voucherify_url()))
            .header("X-App-Id", emu.voucherify_app_id())
            .header("X-App-Token", emu.voucherify_secret_key())
            .send_form(form.iter().copied()),
    )
}

/// Generates a Voucherify token with these scopes; returns the access token.
pub fn generate(emu: &Emulator, scope: &str) -> String {
    let a = voucherify_form(
        emu,
        "/v1/oauth/token",
        &[("grant_type", "client_credentials"), ("scope", scope)],
    );
    assert_eq!(a.status, 200, "{a:?}");
    a.json()["access_token"].as_str().unwrap().to_string()
}

/// An Exact call with a JSON body (or none) and an optional Authorization value.
pub fn exact(
    emu: &Emulator,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let url = format!("{}{path}", emu.exact_url());
    let agent = agent();
    let with_auth = |b: ureq::RequestBuilder<ureq::typestate::WithBody>| match auth {
        Some(a) => b.header("Authorization", a),
        None => b,
    };
    match method {
        "GET" | "DELETE" => {
            let b = if method == "GET" {
                agent.get(&url)
            } else {
                agent.delete(&url)
            };
            let b = match auth {
                Some(a) => b.header("Authorization", a),
                None => b,
            };
            answer(b.call())
        }
        _ => {
            let b = with_auth(agent.post(&url));
            match body {
                Some(body) => answer(b.header("Content-Type", "application/json").send(body)),
                None => answer(b.send_empty()),
            }
        }
    }
}

/// A user token for the seeded user.
pub fn user_token(emu: &Emulator) -> String {
    let body = serde_json::json!({
        "email": emu.exact_user_email(),
        "password": emu.exact_user_password(),
    })
    .to_string();
    let a = exact(emu, "POST", "/token", None, Some(&body));
    assert_eq!(a.status, 201, "{a:?}");
    a.json()["token"].as_str().unwrap().to_string()
}

/// Sends raw bytes and reads until the server closes, errors, or `timeout` passes between reads.
/// Returns the bytes received and whether the read ended in an error (reset/timeout) rather
/// than a clean EOF.
pub fn raw(emu: &Emulator, request: &str, timeout: Duration) -> (Vec<u8>, bool) {
    let mut tcp = TcpStream::connect(emu.addr()).unwrap();
    tcp.set_read_timeout(Some(timeout)).unwrap();
    tcp.write_all(request.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => return (got, false),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, true),
        }
    }
}

/// Splits a raw response into its head (lower-cased) and body bytes.
pub fn split(raw: &[u8]) -> (String, Vec<u8>) {
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    (
        String::from_utf8_lossy(&raw[..at]).to_ascii_lowercase(),
        raw[at + 4..].to_vec(),
    )
}

/// A raw `POST` of a Voucherify generate request with the seeded keys, `Connection: close`.
pub fn raw_generate(emu: &Emulator) -> String {
    let body = "grant_type=client_credentials&scope=api";
    format!(
        "POST /voucherify/v1/oauth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         X-App-Id: {}\r\nX-App-Token: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        emu.voucherify_app_id(),
        emu.voucherify_secret_key(),
        body.len()
    )
}
