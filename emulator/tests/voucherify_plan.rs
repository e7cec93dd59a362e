//! Voucherify's key and plan as the emulator plays them: a blocked or deleted key, a
//! regenerated key, and the billing cycle's quota of calls.

mod common;

use common::{agent, answer, generate, voucherify_form};
use keycard_emulator::{Emulator, CYCLE_LIMIT_TYPE};
use std::time::Duration;

const TOKEN: &str = "/v1/oauth/token";
const FORM: [(&str, &str); 2] = [("grant_type", "client_credentials"), ("scope", "vouchers")];

fn get_voucher(emu: &Emulator, token: &str) -> common::Answer {
    answer(
        agent()
            .get(format!(
                "{}/v1/vouchers/{}",
                emu.voucherify_url(),
                emu.voucher_code()
            ))
            .header("Authorization", format!("Bearer {token}"))
            .call(),
    )
}

fn generate_with_key(emu: &Emulator, key: &str) -> common::Answer {
    answer(
        agent()
            .post(format!("{}{TOKEN}", emu.voucherify_url()))
            .header("X-App-Id", emu.voucherify_app_id())
            .header("X-App-Token", key)
            .send_form(FORM),
    )
}

#[test]
fn a_blocked_key_mints_nothing_and_its_tokens_stop_within_a_minute() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "vouchers");
    emu.block_voucherify_key();
    let a = voucherify_form(&emu, TOKEN, &FORM);
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["key"], "unauthorized");
    // The token works for the rest of the minute, then no more.
    emu.clock().advance(Duration::from_secs(59));
    assert_eq!(get_voucher(&emu, &token).status, 200);
    emu.clock().advance(Duration::from_secs(1));
    let a = get_voucher(&emu, &token);
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["code"], 401);
}

#[test]
fn a_regenerated_key_replaces_the_old_one_and_tokens_survive() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "vouchers");
    let new_key = emu.regenerate_voucherify_key();
    assert_ne!(new_key, emu.voucherify_secret_key());
    assert_eq!(
        generate_with_key(&emu, emu.voucherify_secret_key()).status,
        401
    );
    assert_eq!(generate_with_key(&emu, &new_key).status, 200);
    emu.clock().advance(Duration::from_secs(600));
    assert_eq!(get_voucher(&emu, &token).status, 200);
}

#[test]
fn the_billing_cycle_quota_answers_429_with_its_rate_limit_type() {
    let emu = Emulator::start().unwrap();
    emu.set_voucherify_cycle_quota(Some(2));
    let token = generate(&emu, "vouchers");
    assert_eq!(get_voucher(&emu, &token).status, 200);
    for _ in 0..2 {
        let a = voucherify_form(&emu, TOKEN, &FORM);
        assert_eq!(a.status, 429);
        assert_eq!(a.header("x-rate-limit-type"), Some(CYCLE_LIMIT_TYPE));
        assert_eq!(CYCLE_LIMIT_TYPE, "api_calls_cycle");
        assert_eq!(a.header("x-rate-limit-limit"), Some("2"));
        assert_eq!(a.header("x-rate-limit-remaining"), Some("0"));
        assert_eq!(
            a.header("retry-after"),
            None,
            "no wait short of the next cycle helps"
        );
        assert_eq!(a.json()["code"], 429);
    }
    assert_eq!(get_voucher(&emu, &token).status, 429);
    // A new cycle (no quota): calls go through again.
    emu.set_voucherify_cycle_quota(None);
    assert_eq!(voucherify_form(&emu, TOKEN, &FORM).status, 200);
}
