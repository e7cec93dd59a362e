//! The Exact Payments login lockout: more than five failed logins in a row lock the user, and a
//! locked user is answered `423 Locked` as the spec documents (`text/plain`, `Locked`).

mod common;

use common::exact;
use keycard_emulator::{seed, Emulator};
use serde_json::json;

fn login(emu: &Emulator, password: &str) -> common::Answer {
    let body = json!({"email": emu.exact_user_email(), "password": password}).to_string();
    exact(emu, "POST", "/token", None, Some(&body))
}

#[test]
fn the_sixth_failed_login_in_a_row_locks_the_user_with_a_text_423() {
    let emu = Emulator::start().unwrap();
    for attempt in 1..=seed::EXACT_MAX_FAILED_LOGINS {
        let a = login(&emu, "wrong");
        assert_eq!(
            (a.status, a.text()),
            (401, "Unauthorized"),
            "attempt {attempt}"
        );
        assert!(!emu.exact_user_is_locked(), "attempt {attempt}");
    }
    let a = login(&emu, "wrong");
    assert_eq!((a.status, a.text()), (423, "Locked"));
    assert!(emu.exact_user_is_locked());
    // Locked: even the right password is refused, and nothing is issued.
    let a = login(&emu, emu.exact_user_password());
    assert_eq!((a.status, a.text()), (423, "Locked"));
}

#[test]
fn a_successful_login_resets_the_count_of_failures() {
    let emu = Emulator::start().unwrap();
    for _ in 0..seed::EXACT_MAX_FAILED_LOGINS {
        assert_eq!(login(&emu, "wrong").status, 401);
    }
    assert_eq!(login(&emu, emu.exact_user_password()).status, 201);
    for _ in 0..seed::EXACT_MAX_FAILED_LOGINS {
        assert_eq!(login(&emu, "wrong").status, 401);
    }
    assert!(!emu.exact_user_is_locked());
    assert_eq!(login(&emu, emu.exact_user_password()).status, 201);
}

#[test]
fn a_manager_locks_and_unlocks_the_user() {
    let emu = Emulator::start().unwrap();
    emu.lock_exact_user();
    assert_eq!(login(&emu, emu.exact_user_password()).status, 423);
    emu.unlock_exact_user();
    assert_eq!(login(&emu, emu.exact_user_password()).status, 201);
}

#[test]
fn an_unknown_email_never_locks_the_seeded_user() {
    let emu = Emulator::start().unwrap();
    let body = json!({"email": "someone.else@example.com", "password": "x"}).to_string();
    for _ in 0..10 {
        let a = exact(&emu, "POST", "/token", None, Some(&body));
        assert_eq!(a.status, 401);
    }
    assert!(!emu.exact_user_is_locked());
    assert_eq!(login(&emu, emu.exact_user_password()).status, 201);
}
