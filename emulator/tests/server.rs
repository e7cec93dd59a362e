//! The handle: start, stop, URLs, unknown paths, and use from inside an async runtime.

mod common;

use common::{agent, answer, exact};
use keycard_emulator::{Emulator, Route};
use std::time::Duration;

#[test]
fn urls_and_address() {
    let emu = Emulator::start().unwrap();
    let addr = emu.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(emu.voucherify_url(), format!("http://{addr}/voucherify"));
    assert_eq!(emu.exact_url(), format!("http://{addr}/exact"));
}

#[test]
fn fixed_port_and_shutdown_on_drop() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let emu = Emulator::start_on(port).unwrap();
    assert_eq!(emu.addr().port(), port);
    assert!(Emulator::start_on(port).is_err(), "the port is taken");
    drop(emu);
    assert!(std::net::TcpStream::connect_timeout(
        &([127, 0, 0, 1], port).into(),
        Duration::from_millis(200)
    )
    .is_err());
    let again = Emulator::start_on(port).unwrap();
    assert_eq!(again.addr().port(), port);
}

#[test]
fn unknown_paths_are_404() {
    let emu = Emulator::start().unwrap();
    let base = format!("http://{}", emu.addr());
    for path in [
        "/",
        "/v1/oauth/token",
        "/voucherifyx/v1/oauth/token",
        "/exact",
        "/exact/orders//accessToken",
    ] {
        let a = answer(agent().post(format!("{base}{path}")).send_empty());
        assert_eq!(a.status, 404, "{path}");
    }
    let a = answer(
        agent()
            .get(format!("{}/v1/oauth/token", emu.voucherify_url()))
            .call(),
    );
    assert_eq!(a.status, 404, "wrong method");
    let v = a.json();
    assert_eq!(
        (v["code"].as_u64(), v["key"].as_str()),
        (Some(404), Some("not_found"))
    );
    let a = exact(&emu, "GET", "/token", None, None);
    assert_eq!((a.status, a.text()), (404, "Not Found"));
    assert!(Route::ALL.iter().all(|r| emu.hits(*r) == 0));
}

#[test]
fn usable_from_inside_a_tokio_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = Emulator::start().unwrap();
        let addr = emu.addr();
        let got = tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            use std::io::{Read, Write};
            s.write_all(b"POST /exact/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        })
        .await
        .unwrap();
        assert!(got.starts_with("HTTP/1.1 400"), "{got}");
        drop(emu);
    });
}
