//! Voucherify OAuth and voucher routes over real HTTP.

mod common;

use common::{agent, answer, generate, voucherify_form};
use keycard_emulator::{Emulator, Route};
use serde_json::json;
use std::time::Duration;

const TOKEN: &str = "/v1/oauth/token";
const INTROSPECT: &str = "/v1/oauth/introspect";
const REVOKE: &str = "/v1/oauth/token/revoke";

#[test]
fn generate_issues_a_token() {
    let emu = Emulator::start().unwrap();
    let before = emu.clock().unix_seconds();
    let a = voucherify_form(
        &emu,
        TOKEN,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "vouchers api client_api"),
        ],
    );
    assert_eq!(a.status, 200);
    let v = a.json();
    let token = v["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 50);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(v["client_id"], keycard_emulator::seed::VOUCHERIFY_CLIENT_ID);
    assert_eq!(v["expires_in"], 900);
    let expires_at = v["expires_at"].as_u64().unwrap();
    assert!((before + 900..=before + 901).contains(&expires_at));
    assert_eq!(v["scope"], "vouchers api client_api");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v.as_object().unwrap().len(), 6);
    assert_eq!(emu.live_voucherify_tokens(), 1);
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 1);
}

#[test]
fn generate_errors() {
    let emu = Emulator::start().unwrap();
    let err = |form: &[(&str, &str)]| voucherify_form(&emu, TOKEN, form);
    let missing = json!({"code":400,"key":"missing_parameters","message":"Missing parameters"});
    let a = err(&[("scope", "api")]);
    assert_eq!((a.status, a.json()), (400, missing.clone()));
    let a = err(&[("grant_type", "client_credentials")]);
    assert_eq!((a.status, a.json()), (400, missing.clone()));
    let a = err(&[("grant_type", "password"), ("scope", "api")]);
    assert_eq!(
        (a.status, a.json()),
        (
            400,
            json!({"code":400,"key":"invalid_grant_type","message":"Invalid grant_type"})
        )
    );
    let a = err(&[
        ("grant_type", "client_credentials"),
        ("scope", "vouchers,campaigns"),
    ]);
    assert_eq!(
        (a.status, a.json()),
        (
            400,
            json!({"code":400,"key":"invalid_scope","message":"Invalid scope: vouchers,campaigns"})
        )
    );
    let a = err(&[
        ("grant_type", "client_credentials"),
        ("scope", "api nope vouchers"),
    ]);
    assert_eq!(a.json()["message"], "Invalid scope: nope");
    let a = err(&[
        ("grant_type", "client_credentials"),
        ("scope", "api  vouchers"),
    ]);
    assert_eq!(
        (a.status, a.json()["key"].clone()),
        (400, json!("invalid_scope"))
    );

    // JSON instead of a form: the parameters are not seen.
    let a = answer(
        agent()
            .post(format!("{}{TOKEN}", emu.voucherify_url()))
            .header("X-App-Id", emu.voucherify_app_id())
            .header("X-App-Token", emu.voucherify_secret_key())
            .header("Content-Type", "application/json")
            .send(r#"{"grant_type":"client_credentials","scope":"api"}"#),
    );
    assert_eq!((a.status, a.json()), (400, missing));
    assert_eq!(emu.live_voucherify_tokens(), 0);
}

#[test]
fn oauth_routes_need_app_keys() {
    let emu = Emulator::start().unwrap();
    let unauthorized = json!({"code":401,"message":"Unauthorized","key":"unauthorized"});
    for path in [TOKEN, INTROSPECT, REVOKE] {
        let url = format!("{}{path}", emu.voucherify_url());
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", "api"),
            ("access_token", "x"),
        ];
        let a = answer(agent().post(&url).send_form(form));
        assert_eq!((a.status, a.json()), (401, unauthorized.clone()), "{path}");
        let a = answer(
            agent()
                .post(&url)
                .header("X-App-Id", emu.voucherify_app_id())
                .header("X-App-Token", "wrong")
                .send_form(form),
        );
        assert_eq!((a.status, a.json()), (401, unauthorized.clone()), "{path}");
        // HTTP Basic is not how Voucherify authenticates.
        let a = answer(
            agent()
                .post(&url)
                .header("Authorization", "Basic Zm9vOmJhcg==")
                .send_form(form),
        );
        assert_eq!(a.status, 401);
    }
}

#[test]
fn introspect_live_unknown_expired_revoked() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "vouchers campaigns");
    let a = voucherify_form(&emu, INTROSPECT, &[("access_token", &token)]);
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["active"], true);
    assert_eq!(v["access_token"], token.as_str());
    assert_eq!(v["scope"], "vouchers campaigns");
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["client_id"].is_string());

    emu.clock().advance(Duration::from_secs(300));
    let v = voucherify_form(&emu, INTROSPECT, &[("access_token", &token)]).json();
    let left = v["expires_in"].as_u64().unwrap();
    assert!((599..=600).contains(&left), "{left}");

    let a = voucherify_form(&emu, INTROSPECT, &[("access_token", "unknown")]);
    assert_eq!((a.status, a.json()), (200, json!({"active": false})));

    let a = voucherify_form(&emu, INTROSPECT, &[]);
    assert_eq!(
        (a.status, a.json()),
        (
            400,
            json!({"code":400,"key":"missing_parameters","message":"Missing parameters"})
        )
    );

    emu.clock().advance(Duration::from_secs(601));
    assert_eq!(
        voucherify_form(&emu, INTROSPECT, &[("access_token", &token)]).json(),
        json!({"active": false})
    );

    let other = generate(&emu, "api");
    let a = voucherify_form(&emu, REVOKE, &[("access_token", &other)]);
    assert_eq!(a.status, 204);
    assert_eq!(a.body, "");
    assert_eq!(
        voucherify_form(&emu, INTROSPECT, &[("access_token", &other)]).json(),
        json!({"active": false})
    );
}

#[test]
fn token_expires_after_901_seconds() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "api");
    assert_eq!(emu.live_voucherify_tokens(), 1);
    emu.clock().advance(Duration::from_secs(899));
    assert_eq!(emu.live_voucherify_tokens(), 1);
    emu.clock().advance(Duration::from_secs(2));
    assert_eq!(emu.live_voucherify_tokens(), 0);
    let a = get_voucher(&emu, Some(&format!("Bearer {token}")), emu.voucher_code());
    assert_eq!(a.status, 401);
}

#[test]
fn revoke_then_404() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "api");
    let a = voucherify_form(&emu, REVOKE, &[("access_token", &token)]);
    assert_eq!(
        (a.status, a.body.as_str(), a.header("content-type")),
        (204, "", None)
    );
    assert_eq!(emu.live_voucherify_tokens(), 0);
    let a = voucherify_form(&emu, REVOKE, &[("access_token", &token)]);
    assert_eq!((a.status, a.body.as_str()), (404, ""));
    let a = voucherify_form(&emu, REVOKE, &[("access_token", "never-issued")]);
    assert_eq!((a.status, a.body.as_str()), (404, ""));
    let expired = generate(&emu, "api");
    emu.clock().advance(Duration::from_secs(901));
    let a = voucherify_form(&emu, REVOKE, &[("access_token", &expired)]);
    assert_eq!(a.status, 404);
}

fn get_voucher(emu: &Emulator, auth: Option<&str>, code: &str) -> common::Answer {
    let b = agent().get(format!("{}/v1/vouchers/{code}", emu.voucherify_url()));
    let b = match auth {
        Some(a) => b.header("Authorization", a),
        None => b,
    };
    answer(b.call())
}

#[test]
fn vouchers_need_a_granting_scope() {
    let emu = Emulator::start().unwrap();
    let code = emu.voucher_code();
    for scope in ["api", "vouchers", "campaigns vouchers"] {
        let token = generate(&emu, scope);
        let a = get_voucher(&emu, Some(&format!("Bearer {token}")), code);
        assert_eq!(a.status, 200, "{scope}");
        let v = a.json();
        assert_eq!(v["code"], code);
        assert_eq!(v["object"], "voucher");
    }
    for scope in ["campaigns", "client_api", "client_vouchers"] {
        let token = generate(&emu, scope);
        let a = get_voucher(&emu, Some(&format!("Bearer {token}")), code);
        assert_eq!(a.status, 403, "{scope}");
        assert_eq!(a.json()["key"], "forbidden");
        assert_eq!(a.json()["code"], 403);
    }
    let unauthorized = json!({"code":401,"message":"Unauthorized","key":"unauthorized"});
    let a = get_voucher(&emu, None, code);
    assert_eq!((a.status, a.json()), (401, unauthorized.clone()));
    let a = get_voucher(&emu, Some("Bearer nope"), code);
    assert_eq!((a.status, a.json()), (401, unauthorized.clone()));
    let token = generate(&emu, "api");
    let a = get_voucher(&emu, Some(&token), code);
    assert_eq!(
        a.status, 401,
        "a token without the Bearer prefix is refused"
    );
    voucherify_form(&emu, REVOKE, &[("access_token", &token)]);
    let a = get_voucher(&emu, Some(&format!("Bearer {token}")), code);
    assert_eq!((a.status, a.json()), (401, unauthorized));

    // The project's app keys work too.
    let a = answer(
        agent()
            .get(format!("{}/v1/vouchers/{code}", emu.voucherify_url()))
            .header("X-App-Id", emu.voucherify_app_id())
            .header("X-App-Token", emu.voucherify_secret_key())
            .call(),
    );
    assert_eq!(a.status, 200);
}

#[test]
fn unknown_voucher_is_not_found() {
    let emu = Emulator::start().unwrap();
    let token = generate(&emu, "vouchers");
    let a = get_voucher(&emu, Some(&format!("Bearer {token}")), "NO-SUCH-CODE");
    assert_eq!(a.status, 404);
    let v = a.json();
    assert_eq!(v["code"], 404);
    assert_eq!(v["key"], "not_found");
    assert_eq!(v["resource_type"], "voucher");
    assert_eq!(v["resource_id"], "NO-SUCH-CODE");
    assert!(v["message"].is_string());
    for code in keycard_emulator::seed::VOUCHER_CODES {
        assert_eq!(
            get_voucher(&emu, Some(&format!("Bearer {token}")), code).status,
            200
        );
    }
}

#[test]
fn at_most_1000_live_tokens() {
    let emu = Emulator::start().unwrap();
    let agent = agent();
    let url = format!("{}{TOKEN}", emu.voucherify_url());
    let mut first = String::new();
    for i in 0..1000 {
        let a = answer(
            agent
                .post(&url)
                .header("X-App-Id", emu.voucherify_app_id())
                .header("X-App-Token", emu.voucherify_secret_key())
                .send_form([("grant_type", "client_credentials"), ("scope", "api")]),
        );
        assert_eq!(a.status, 200, "token {i}");
        if i == 0 {
            first = a.json()["access_token"].as_str().unwrap().to_string();
        }
    }
    assert_eq!(emu.live_voucherify_tokens(), 1000);
    let a = voucherify_form(
        &emu,
        TOKEN,
        &[("grant_type", "client_credentials"), ("scope", "api")],
    );
    assert_eq!(a.status, 400);
    let v = a.json();
    assert_eq!(v["code"], 400);
    assert_eq!(v["key"], "limit_exceeded");
    // Revoking one frees a slot.
    assert_eq!(
        voucherify_form(&emu, REVOKE, &[("access_token", &first)]).status,
        204
    );
    generate(&emu, "api");
    assert_eq!(
        voucherify_form(
            &emu,
            TOKEN,
            &[("grant_type", "client_credentials"), ("scope", "api")]
        )
        .status,
        400
    );
    // Expiry frees them all.
    emu.clock().advance(Duration::from_secs(901));
    assert_eq!(emu.live_voucherify_tokens(), 0);
    generate(&emu, "api");
}
