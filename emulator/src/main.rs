//! `keycard-emulator [--port N] [--quiet]`: serves both emulated APIs on 127.0.0.1 until Ctrl-C.

use keycard_emulator::{seed, Config, Emulator};
use std::process::ExitCode;

const USAGE: &str = concat!(
    "usage: keycard-emulator [--port N] [--quiet]\n",
    "  --port N   listen on 127.0.0.1:N (default 0: a free port)\n",
    "  --quiet    do not log requests (method, route, status) to stderr",
);

fn parse(args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::new().log_to_stderr(true);
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let v = args.next().ok_or("--port needs a value")?;
                config = config.port(v.parse().map_err(|_| format!("bad port: {v}"))?);
            }
            s if s.starts_with("--port=") => {
                let v = &s["--port=".len()..];
                config = config.port(v.parse().map_err(|_| format!("bad port: {v}"))?);
            }
            "--quiet" | "-q" => config = config.log_to_stderr(false),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let emu = match Emulator::start_with(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("keycard-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "keycard-emulator serving on {} (Ctrl-C to stop)",
        emu.addr()
    );
    println!();
    println!("Voucherify:      {}", emu.voucherify_url());
    println!("  X-App-Id       = {}", seed::VOUCHERIFY_APP_ID);
    println!("  X-App-Token    = {}", seed::VOUCHERIFY_SECRET_KEY);
    println!("  voucher codes  = {}", seed::VOUCHER_CODES.join(", "));
    println!("Exact Payments:  {}", emu.exact_url());
    println!("  API key (Authorization)  = {}", seed::EXACT_API_KEY);
    println!(
        "  application id           = {}",
        seed::EXACT_APPLICATION_ID
    );
    println!(
        "  user email / password    = {} / {}",
        seed::EXACT_USER_EMAIL,
        seed::EXACT_USER_PASSWORD
    );
    println!(
        "  order ids                = {}",
        seed::EXACT_ORDER_IDS.join(", ")
    );
    println!();
    println!("These credentials are fixed, public test values of the emulator, not real secrets.");
    loop {
        std::thread::park();
    }
}
