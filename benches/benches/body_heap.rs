//! Issue 15: the heap a response body just under the 1 MiB cap needs, and the time to fetch it,
//! keycard's transports against the read loops they had before (reproduced here) and against
//! ureq/reqwest used by hand. A plain binary (no criterion): the heap is a count, and the time
//! is a paired ratio (the contenders alternate, round by round, under the same load).
//!
//! `cargo bench -p keycard-benches --bench body_heap`

use keycard_benches::alloc::{peak_bytes, Counting};
use keycard_core::{Transport, TransportConfig};
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: Counting = Counting;

const CAP: usize = TransportConfig::DEFAULT_MAX_BODY_SIZE;
/// Just under the cap: the worst case for a buffer that doubles.
const BODY: usize = CAP - 1024;
const ROUNDS: usize = 41;
const PER_ROUND: u32 = 5;

/// A keep-alive server on 127.0.0.1 that answers every request with the same response.
fn serve(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/big", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let response = response.clone();
            std::thread::spawn(move || answer(stream, &response));
        }
    });
    url
}

fn answer(mut stream: TcpStream, response: &[u8]) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut have = Vec::new();
    loop {
        let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => have.extend_from_slice(&buf[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&have[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while have.len() < end + 4 + length {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => have.extend_from_slice(&buf[..n]),
            }
        }
        have.drain(..end + 4 + length);
        if stream.write_all(response).is_err() {
            return;
        }
    }
}

fn with_length(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.chunks(16 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn request(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials".to_vec())
        .expect("a request")
}

/// keycard-ureq's body read before issue 15: `read_to_end` into an empty `Vec`.
fn ureq_before(agent: &ureq::Agent, url: &str) -> Vec<u8> {
    let response = agent.run(request(url)).expect("a response");
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_with_config()
        .reader()
        .take(CAP as u64 + 1)
        .read_to_end(&mut bytes)
        .expect("the body");
    assert!(bytes.len() <= CAP);
    bytes
}

/// keycard-reqwest's body read before issue 15: every chunk appended to an empty `Vec`.
async fn reqwest_before(client: &reqwest::Client, url: &str) -> Vec<u8> {
    let mut response = client
        .execute(reqwest::Request::try_from(request(url)).expect("a request"))
        .await
        .expect("a response");
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("a chunk") {
        assert!(chunk.len() <= CAP - body.len());
        body.extend_from_slice(&chunk);
    }
    body
}

type Contender<'a> = (&'static str, Box<dyn Fn() -> Vec<u8> + 'a>);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak heap of one call (the highest of 5, after a warm-up), and the paired time.
fn compare(name: &str, contenders: Vec<Contender<'_>>) {
    println!("\n#### {name} ({BODY} bytes, cap {CAP})\n");
    println!("| contender | peak heap | peak / cap | median time | vs keycard (median of per-round ratios) |");
    println!("|---|---|---|---|---|");
    let peaks: Vec<u64> = contenders
        .iter()
        .map(|(_, f)| {
            assert_eq!(f().len(), BODY);
            (0..5)
                .map(|_| peak_bytes(|| drop(black_box(f()))).1)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let k = contenders.len();
    let mut times = vec![Vec::with_capacity(ROUNDS); k];
    for round in 0..ROUNDS {
        for j in 0..k {
            let v = (j + round) % k;
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                drop(black_box((contenders[v].1)()));
            }
            times[v].push(start.elapsed().as_secs_f64() / f64::from(PER_ROUND));
        }
    }
    for (v, (name, _)) in contenders.iter().enumerate() {
        let ratio = median((0..ROUNDS).map(|r| times[v][r] / times[0][r]).collect());
        let time = Duration::from_secs_f64(median(times[v].clone()));
        println!(
            "| {name} | {:.2} MiB | {:.2}× | {time:.2?} | {ratio:.2}× |",
            peaks[v] as f64 / (1 << 20) as f64,
            peaks[v] as f64 / CAP as f64,
        );
    }
}

fn main() {
    let body: Vec<u8> = (0..BODY).map(|i| (i % 251) as u8).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let keycard_ureq = keycard_ureq::UreqTransport::new();
    let keycard_reqwest = keycard_reqwest::ReqwestTransport::new();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(keycard_reqwest::default_tls_config())
        .build()
        .expect("a client");
    for (framing, response) in [
        ("Content-Length", with_length(&body)),
        ("chunked", chunked(&body)),
    ] {
        let url = serve(response);
        let url = url.as_str();
        compare(
            &format!("ureq, {framing}"),
            vec![
                (
                    "keycard-ureq",
                    Box::new(|| keycard_ureq.send(request(url)).expect("a body").into_body()),
                ),
                (
                    "keycard-ureq's previous read (`read_to_end`)",
                    Box::new(|| ureq_before(&agent, url)),
                ),
                (
                    "hand-written ureq (`read_to_vec`, 1 MiB limit)",
                    Box::new(|| {
                        agent
                            .run(request(url))
                            .expect("a response")
                            .into_body()
                            .with_config()
                            .limit(CAP as u64)
                            .read_to_vec()
                            .expect("the body")
                    }),
                ),
            ],
        );
        compare(
            &format!("reqwest, {framing}"),
            vec![
                (
                    "keycard-reqwest",
                    Box::new(|| {
                        runtime
                            .block_on(keycard_core::AsyncTransport::send(
                                &keycard_reqwest,
                                request(url),
                            ))
                            .expect("a body")
                            .into_body()
                    }),
                ),
                (
                    "keycard-reqwest's previous read (chunks appended)",
                    Box::new(|| runtime.block_on(reqwest_before(&client, url))),
                ),
                (
                    "hand-written reqwest (`bytes()`)",
                    Box::new(|| {
                        runtime.block_on(async {
                            let request = reqwest::Request::try_from(request(url)).expect("ok");
                            let response = client.execute(request).await.expect("a response");
                            Vec::from(response.bytes().await.expect("the body"))
                        })
                    }),
                ),
            ],
        );
    }
}
