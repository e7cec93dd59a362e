//! The log never holds a secret key, password or token: only method, route and status.

mod common;

use common::{exact, generate, voucherify_form};
use keycard_emulator::Emulator;
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const CANARY: &str = "CANARY-s3cr3t-9f8e7d";

/// Drives every route with secrets in headers, bodies and paths; returns the secrets used.
fn drive(emu: &Emulator) -> Vec<String> {
    let token = generate(emu, "api");
    voucherify_form(emu, "/v1/oauth/introspect", &[("access_token", &token)]);
    voucherify_form(emu, "/v1/oauth/introspect", &[("access_token", CANARY)]);
    voucherify_form(emu, "/v1/oauth/token/revoke", &[("access_token", CANARY)]);
    let a = common::agent()
        .post(format!("{}/v1/oauth/token", emu.voucherify_url()))
        .header("X-App-Id", emu.voucherify_app_id())
        .header("X-App-Token", CANARY)
        .send_form([("grant_type", "client_credentials"), ("scope", "api")]);
    common::answer(a);
    common::answer(
        common::agent()
            .get(format!(
                "{}/v1/vouchers/{}",
                emu.voucherify_url(),
                emu.voucher_code()
            ))
            .header("Authorization", format!("Bearer {CANARY}"))
            .call(),
    );
    let creds = json!({"email": emu.exact_user_email(), "password": CANARY}).to_string();
    exact(emu, "POST", "/token", None, Some(&creds));
    let user = common::user_token(emu);
    let path = format!("/orders/{}/accessToken", emu.exact_order_id());
    let order = exact(emu, "POST", &path, Some(&user), None).json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    exact(emu, "POST", &path, Some(CANARY), None);
    exact(
        emu,
        "POST",
        &format!("/orders/{CANARY}/accessToken"),
        Some(emu.exact_api_key()),
        None,
    );
    let app = emu.exact_application_id();
    let created = exact(
        emu,
        "POST",
        &format!("/application/{app}/token"),
        Some(emu.exact_api_key()),
        Some(&json!({"label": CANARY, "permissions": ["charges.read"]}).to_string()),
    )
    .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    exact(
        emu,
        "GET",
        &format!("/application/{app}/token"),
        Some(CANARY),
        None,
    );
    exact(emu, "GET", &format!("/{CANARY}"), None, None);
    vec![
        CANARY.to_string(),
        token,
        user,
        order,
        created,
        emu.voucherify_secret_key().to_string(),
        emu.exact_user_password().to_string(),
        emu.exact_api_key().to_string(),
    ]
}

#[test]
fn in_memory_log_has_no_secret() {
    let emu = Emulator::start().unwrap();
    let secrets = drive(&emu);
    let lines = emu.log_lines();
    assert!(lines.len() >= 14, "{lines:?}");
    assert!(lines
        .iter()
        .any(|l| l.contains("POST /v1/oauth/token -> 200")));
    assert!(lines
        .iter()
        .any(|l| l.contains("POST /orders/{orderId}/accessToken -> 403")));
    for line in &lines {
        for s in &secrets {
            assert!(!line.contains(s.as_str()), "{line:?} leaks a secret");
        }
    }
}

#[test]
fn program_stderr_has_no_secret() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keycard-emulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap()
        .to_string();
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let probe = common::agent()
        .post(format!("http://{addr}/voucherify/v1/oauth/token"))
        .header("X-App-Id", keycard_emulator::seed::VOUCHERIFY_APP_ID)
        .header("X-App-Token", CANARY)
        .send_form([("grant_type", "client_credentials"), ("scope", "api")]);
    assert_eq!(common::answer(probe).status, 401);
    let probe = common::agent()
        .post(format!("http://127.0.0.1:{port}/exact/token"))
        .header("content-type", "application/json")
        .send(json!({"email": "a@b.c", "password": CANARY}).to_string());
    assert_eq!(common::answer(probe).status, 401);
    let probe = common::agent()
        .post(format!(
            "http://127.0.0.1:{port}/exact/orders/x/accessToken"
        ))
        .header("Authorization", CANARY)
        .send_empty();
    assert_eq!(common::answer(probe).status, 403);

    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("POST /token -> 401"), "{stderr}");
    assert!(!stderr.contains(CANARY), "{stderr}");
    assert!(!(first + &rest).contains(CANARY));
}
