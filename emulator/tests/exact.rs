//! Exact Payments routes over real HTTP.

mod common;

use common::{exact, user_token};
use keycard_emulator::{seed, vocab, Emulator, Route};
use serde_json::{json, Value};
use std::time::{Duration, UNIX_EPOCH};

fn order_path(id: &str) -> String {
    let encoded: String = id
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/orders/{encoded}/accessToken")
}

#[test]
fn order_access_token_is_created_and_replaces_the_previous_one() {
    let emu = Emulator::start().unwrap();
    emu.clock()
        .set(UNIX_EPOCH + Duration::from_secs(1_690_413_452));
    let a = exact(
        &emu,
        "POST",
        &order_path(emu.exact_order_id()),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(a.status, 201, "{a:?}");
    let v = a.json();
    let token = v["accessToken"]["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 16);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    let expires = v["accessToken"]["expiresAt"].as_str().unwrap();
    assert!(expires.starts_with("2023-07-26T23:32:3"), "{expires}");
    assert!(expires.ends_with('Z') && expires.len() == 24, "{expires}");
    assert!(emu.order_token_is_current(emu.exact_order_id(), &token));

    let second = exact(
        &emu,
        "POST",
        &order_path(emu.exact_order_id()),
        Some(emu.exact_api_key()),
        None,
    );
    let second = second.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!emu.order_token_is_current(emu.exact_order_id(), &token));
    assert!(emu.order_token_is_current(emu.exact_order_id(), &second));
    emu.clock().advance(Duration::from_secs(15 * 60 + 1));
    assert!(!emu.order_token_is_current(emu.exact_order_id(), &second));
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 2);
}

/// Mints one order access token for `order` and returns it.
fn mint_order_token(emu: &Emulator, order: &str) -> String {
    let answer = exact(
        emu,
        "POST",
        &order_path(order),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_order_token_history_says_which_token_a_later_one_invalidated_and_when() {
    let emu = Emulator::start().unwrap();
    let start = UNIX_EPOCH + Duration::from_secs(1_690_413_452);
    emu.clock().set(start);
    let (order, other) = (emu.exact_order_ids()[0], emu.exact_order_ids()[1]);
    assert!(emu.order_token_history(order).is_empty());

    let first = mint_order_token(&emu, order);
    emu.clock().advance(Duration::from_secs(60));
    let second = mint_order_token(&emu, order);
    let elsewhere = mint_order_token(&emu, other);
    // Past the second's expiry: the third invalidates nothing.
    emu.clock().advance(Duration::from_secs(15 * 60 + 1));
    let third = mint_order_token(&emu, order);

    let history = emu.order_token_history(order);
    let tokens: Vec<&str> = history.iter().map(|r| r.token.as_str()).collect();
    assert_eq!(tokens, [&first, &second, &third]);
    // The emulator's clock ticks on from where it was set: allow the test's own run time.
    let near = |time: std::time::SystemTime, secs: u64| {
        let since = time.duration_since(start).unwrap();
        since >= Duration::from_secs(secs) && since < Duration::from_secs(secs + 5)
    };
    assert!(near(history[0].issued_at, 0), "{history:?}");
    assert!(near(history[0].expires_at, 900), "{history:?}");
    assert!(
        near(history[0].invalidated_at.unwrap(), 60),
        "by the second: {history:?}"
    );
    assert_eq!(history[1].invalidated_at, None, "it expired first");
    assert_eq!(history[2].invalidated_at, None, "current");
    // Another order's tokens are its own, and its record never shows a token.
    let theirs = emu.order_token_history(other);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].token, elsewhere);
    assert!(!format!("{theirs:?}").contains(&elsewhere));
}

#[test]
fn an_order_token_answer_is_dated_by_the_emulators_clock() {
    let emu = Emulator::start().unwrap();
    // 2023-07-26T23:17:32Z, years before the machine's time: the Date header follows it.
    emu.clock()
        .set(UNIX_EPOCH + Duration::from_secs(1_690_413_452));
    let answer = exact(
        &emu,
        "POST",
        &order_path(emu.exact_order_id()),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(answer.status, 201, "{answer:?}");
    let date = answer.header("date").expect("a Date header");
    // The clock ticks on from where it was set.
    assert!(date.starts_with("Wed, 26 Jul 2023 23:17:"), "{date}");
    assert!(date.ends_with(" GMT"), "{date}");
}

#[test]
fn order_ids_are_percent_decoded() {
    let emu = Emulator::start().unwrap();
    let id = seed::EXACT_ORDER_IDS[3];
    assert!(id.contains('/'));
    let a = exact(
        &emu,
        "POST",
        &order_path(id),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(a.status, 201, "{a:?}");
    let token = a.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(emu.order_token_is_current(id, &token));
    // Unencoded, the slash splits the path and no route matches.
    let a = exact(
        &emu,
        "POST",
        "/orders/order/with%20slash/accessToken",
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(a.status, 404);
}

#[test]
fn order_access_token_errors() {
    let emu = Emulator::start().unwrap();
    let path = order_path(emu.exact_order_id());
    let forbidden = |a: common::Answer| {
        assert_eq!(a.status, 403);
        let v = a.json();
        assert_eq!(v["code"], "order-forbidden-error");
        assert_eq!(
            v["message"],
            "You do not have permission to access this resource."
        );
        assert_eq!(v["type"], "authorization-error");
        assert_eq!(v["requestId"].as_str().unwrap().len(), 36);
    };
    forbidden(exact(&emu, "POST", &path, None, None));
    forbidden(exact(&emu, "POST", &path, Some("nope"), None));
    forbidden(exact(
        &emu,
        "POST",
        &path,
        Some(&format!("Bearer {}", emu.exact_api_key())),
        None,
    ));

    let a = exact(
        &emu,
        "POST",
        &order_path("no-such-order"),
        Some(emu.exact_api_key()),
        None,
    );
    assert_eq!(a.status, 404);
    let mut v = a.json();
    assert!(v["requestId"].is_string());
    v.as_object_mut().unwrap().remove("requestId");
    assert_eq!(
        v,
        json!({"type":"api-error","code":"order-validation-error","message":"Failed to get order details.",
               "metadata":{"message":{"messages":["Unable to find specified order."]}}})
    );
}

#[test]
fn user_token_works_for_two_hours() {
    let emu = Emulator::start().unwrap();
    let body =
        json!({"email": emu.exact_user_email(), "password": emu.exact_user_password()}).to_string();
    let a = exact(&emu, "POST", "/token", None, Some(&body));
    assert_eq!(a.status, 201);
    let v = a.json();
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 80);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(v["isAuthenticated"], true);
    assert_eq!(v["type"], "user");
    assert_eq!(v["mode"], "test");
    assert_eq!(v["application"], "admin-pwa");
    assert_eq!(v["user"], seed::EXACT_USER_ID);
    assert_eq!(v["account"], seed::EXACT_ACCOUNT_ID);
    assert_eq!(v["accountType"], "account");
    assert_eq!(v["allowedPermissions"].as_array().unwrap().len(), 84);
    assert!(v.get("password").is_none() && v.get("email").is_none());

    let path = order_path(emu.exact_order_id());
    assert_eq!(exact(&emu, "POST", &path, Some(&token), None).status, 201);
    emu.clock().advance(Duration::from_secs(2 * 3600 - 60));
    assert_eq!(exact(&emu, "POST", &path, Some(&token), None).status, 201);
    emu.clock().advance(Duration::from_secs(61));
    assert_eq!(exact(&emu, "POST", &path, Some(&token), None).status, 403);
}

#[test]
fn user_token_application_and_mode() {
    let emu = Emulator::start().unwrap();
    let body = json!({"email": emu.exact_user_email(), "password": emu.exact_user_password(),
                      "application": emu.exact_application_id(), "mode": "live"})
    .to_string();
    let v = exact(&emu, "POST", "/token", None, Some(&body)).json();
    assert_eq!(v["application"], emu.exact_application_id());
    assert_eq!(v["mode"], "live");

    let body =
        json!({"email": emu.exact_user_email(), "password": emu.exact_user_password()}).to_string();
    let a = common::answer(
        common::agent()
            .post(format!("{}/token", emu.exact_url()))
            .header("x-application-id", "unknown-app")
            .header("content-type", "application/json")
            .send(&body),
    );
    assert_eq!((a.status, a.text()), (404, "Not Found"));
}

#[test]
fn user_token_errors() {
    let emu = Emulator::start().unwrap();
    let a = exact(
        &emu,
        "POST",
        "/token",
        None,
        Some(r#"{"email":"jon.doe@acmecorp.com"}"#),
    );
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"issues":[{"code":"invalid_type","expected":"string","received":"undefined","path":["password"],"message":"Required"}],"name":"ZodError"})
    );
    let a = exact(&emu, "POST", "/token", None, Some("{}"));
    let issues = a.json()["issues"].clone();
    assert_eq!(issues.as_array().unwrap().len(), 2);
    assert_eq!(issues[0]["path"], json!(["email"]));
    let a = exact(
        &emu,
        "POST",
        "/token",
        None,
        Some(r#"{"email":1,"password":"x"}"#),
    );
    assert_eq!(a.json()["issues"][0]["received"], "number");
    let a = exact(&emu, "POST", "/token", None, Some("not json"));
    assert_eq!(
        (a.status, a.json()["name"].clone()),
        (400, json!("ZodError"))
    );
    let bad_mode = json!({"email": emu.exact_user_email(), "password": emu.exact_user_password(), "mode": "prod"});
    let a = exact(&emu, "POST", "/token", None, Some(&bad_mode.to_string()));
    assert_eq!(a.json()["issues"][0]["code"], "invalid_enum_value");

    let wrong = json!({"email": emu.exact_user_email(), "password": "wrong"}).to_string();
    let a = exact(&emu, "POST", "/token", None, Some(&wrong));
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));
}

fn create(emu: &Emulator, auth: Option<&str>, app: &str, body: &Value) -> common::Answer {
    exact(
        emu,
        "POST",
        &format!("/application/{app}/token"),
        auth,
        Some(&body.to_string()),
    )
}

#[test]
fn application_token_create_and_use() {
    let emu = Emulator::start().unwrap();
    let app = emu.exact_application_id();
    let body = json!({"label": "CI", "permissions": ["charges.create", "application-tokens.read"]});
    let a = create(&emu, Some(emu.exact_api_key()), app, &body);
    assert_eq!(a.status, 201, "{a:?}");
    let v = a.json();
    assert_eq!(v["id"].as_str().unwrap().len(), 24);
    assert_eq!(v["token"].as_str().unwrap().len(), 80);
    assert_eq!(v["type"], "application");
    assert_eq!(v["label"], "CI");
    assert_eq!(
        v["allowedPermissions"],
        json!(["charges.create", "application-tokens.read"])
    );
    assert_eq!(v["allowedAccounts"], json!([seed::EXACT_ACCOUNT_ID]));
    let token = v["token"].as_str().unwrap();
    assert_eq!(
        exact(
            &emu,
            "POST",
            &order_path(emu.exact_order_id()),
            Some(token),
            None
        )
        .status,
        201
    );
    // It may read tokens but not create them.
    assert_eq!(
        exact(
            &emu,
            "GET",
            &format!("/application/{app}/token"),
            Some(token),
            None
        )
        .status,
        200
    );
    let a = create(&emu, Some(token), app, &body);
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));
    // A user token may create them.
    let user = user_token(&emu);
    assert_eq!(create(&emu, Some(&user), app, &body).status, 201);
}

#[test]
fn application_token_create_errors() {
    let emu = Emulator::start().unwrap();
    let app = emu.exact_application_id();
    let key = Some(emu.exact_api_key());
    let ok = json!({"label": "x", "permissions": ["charges.read"]});
    let a = create(&emu, None, app, &ok);
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));
    let a = create(&emu, Some("wrong"), app, &ok);
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));
    let a = create(&emu, key, "000000000000000000000000", &ok);
    assert_eq!((a.status, a.text()), (404, "Not Found"));

    let issue = |body: Value| {
        let a = create(&emu, key, app, &body);
        assert_eq!(a.status, 400, "{body}");
        let v = a.json();
        assert_eq!(v["name"], "ZodError");
        v["issues"][0].clone()
    };
    let i = issue(json!({"label": "", "permissions": ["charges.read"]}));
    assert_eq!(
        (i["code"].clone(), i["path"].clone()),
        (json!("too_small"), json!(["label"]))
    );
    let i = issue(json!({"permissions": ["charges.read"]}));
    assert_eq!(
        (i["code"].clone(), i["message"].clone()),
        (json!("invalid_type"), json!("Required"))
    );
    let i = issue(json!({"label": "x", "permissions": []}));
    assert_eq!(
        (i["code"].clone(), i["type"].clone()),
        (json!("too_small"), json!("array"))
    );
    let i = issue(json!({"label": "x", "permissions": ["charges.read", "charges.fly"]}));
    assert_eq!(i["code"], "invalid_enum_value");
    assert_eq!(i["path"], json!(["permissions", 1]));
    assert_eq!(
        i["options"].as_array().unwrap().len(),
        vocab::EXACT_PERMISSIONS.len()
    );
    let i = issue(json!({"label": "x", "permissions": "charges.read"}));
    assert_eq!(i["expected"], "array");
}

fn list(emu: &Emulator, auth: &str, query: &str) -> common::Answer {
    let app = emu.exact_application_id();
    exact(
        emu,
        "GET",
        &format!("/application/{app}/token{query}"),
        Some(auth),
        None,
    )
}

#[test]
fn application_tokens_list_with_paging_and_sort() {
    let emu = Emulator::start().unwrap();
    let key = emu.exact_api_key();
    let app = emu.exact_application_id();
    for label in ["one", "two", "three"] {
        emu.clock().advance(Duration::from_secs(1));
        create(
            &emu,
            Some(key),
            app,
            &json!({"label": label, "permissions": ["charges.read"]}),
        );
    }
    let a = list(&emu, key, "");
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-total-count"), Some("4"));
    let v = a.json();
    let labels: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, [seed::EXACT_API_KEY_LABEL, "one", "two", "three"]);
    let first = &v[0];
    assert_eq!(first["id"], seed::EXACT_API_KEY_ID);
    assert_eq!(first["type"], "application");
    assert_eq!(first["allowedPermissions"].as_array().unwrap().len(), 84);
    assert_eq!(first["createdAt"], "2023-11-14T22:13:20.000Z");
    assert!(first.get("token").is_none());

    let a = list(&emu, key, "?$skip=1&$limit=2&$sort=createdAt:desc");
    assert_eq!(a.header("x-total-count"), Some("4"));
    let labels: Vec<String> = a
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, ["two", "one"]);
    let a = list(&emu, key, "?%24limit=1");
    assert_eq!(a.json().as_array().unwrap().len(), 1);

    for bad in [
        "?$limit=abc",
        "?$skip=-1",
        "?$limit=1.5",
        "?$sort=nope:asc",
        "?$sort=createdAt:up",
    ] {
        let a = list(&emu, key, bad);
        assert_eq!(a.status, 400, "{bad}");
        assert_eq!(a.json()["name"], "ZodError");
    }
    let a = list(&emu, "wrong", "");
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));
    let a = exact(
        &emu,
        "GET",
        "/application/000000000000000000000000/token",
        Some(key),
        None,
    );
    assert_eq!(a.status, 404);
}

#[test]
fn application_token_delete() {
    let emu = Emulator::start().unwrap();
    let key = emu.exact_api_key();
    let app = emu.exact_application_id();
    let v = create(
        &emu,
        Some(key),
        app,
        &json!({"label": "temp", "permissions": ["charges.create"]}),
    )
    .json();
    let (id, token) = (v["id"].as_str().unwrap(), v["token"].as_str().unwrap());
    let path = format!("/application/{app}/token/{id}");
    let order = order_path(emu.exact_order_id());
    assert_eq!(exact(&emu, "POST", &order, Some(token), None).status, 201);
    let a = exact(&emu, "DELETE", &path, Some(key), None);
    assert_eq!((a.status, a.body.as_str()), (204, ""));
    assert_eq!(exact(&emu, "POST", &order, Some(token), None).status, 403);
    let a = exact(&emu, "DELETE", &path, Some(key), None);
    assert_eq!((a.status, a.text()), (404, "Not Found"));
    assert_eq!(list(&emu, key, "").header("x-total-count"), Some("1"));
    let a = exact(&emu, "DELETE", &path, None, None);
    assert_eq!((a.status, a.text()), (401, "Unauthorized"));

    // Deleting the seeded key stops it too.
    let seeded = format!("/application/{app}/token/{}", seed::EXACT_API_KEY_ID);
    assert_eq!(exact(&emu, "DELETE", &seeded, Some(key), None).status, 204);
    assert_eq!(exact(&emu, "POST", &order, Some(key), None).status, 403);
    assert_eq!(emu.hits(Route::ExactDeleteApplicationToken), 4);
}
