//! The canary sweep: a canary secret goes everywhere a secret can go (secret keys, API keys,
//! passwords, issued tokens, stored tokens, URLs), and then every public type's `Debug`, every
//! error's `Display` and `Debug`, every lifecycle and source event, and the emulator's log of
//! what it received are searched for it. None may hold it.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use keycard::exact::{self, Environment, Permission, Permissions, UserCredentials};
use keycard::lifecycle::{Action, Keeper, KeeperConfig, MemoryStore, Restored, TokenStore};
use keycard::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard::{AccessToken, ApiKey, FileStore, Operation, Password, SecretKey, Transport};
use keycard_emulator::Emulator;
use std::fmt::{Debug, Display};
use std::time::{Duration, UNIX_EPOCH};

/// The canary: header-safe, so it is accepted everywhere a secret goes.
const CANARY: &str = "CANARYk3yc4rdZ9q";

/// Everything printed, with what printed it, so a failure says where the canary came out.
#[derive(Default)]
struct Sweep {
    printed: Vec<(String, String)>,
    secrets: Vec<String>,
}

impl Sweep {
    fn new() -> Self {
        Sweep {
            printed: Vec::new(),
            secrets: vec![CANARY.to_owned()],
        }
    }

    fn secret(&mut self, secret: &str) {
        self.secrets.push(secret.to_owned());
    }

    fn debug(&mut self, what: &str, value: &impl Debug) {
        self.printed
            .push((format!("{what} (Debug)"), format!("{value:?}")));
        self.printed
            .push((format!("{what} (Debug, alternate)"), format!("{value:#?}")));
    }

    fn both(&mut self, what: &str, value: &(impl Debug + Display)) {
        self.debug(what, value);
        self.printed
            .push((format!("{what} (Display)"), value.to_string()));
    }

    fn error(&mut self, what: &str, error: &(dyn std::error::Error + 'static)) {
        self.debug(what, &error);
        self.printed
            .push((format!("{what} (Display)"), error.to_string()));
        let mut source = error.source();
        let mut depth = 0;
        while let Some(inner) = source {
            depth += 1;
            self.printed.push((
                format!("{what} (source {depth})"),
                format!("{inner} / {inner:?}"),
            ));
            source = inner.source();
        }
    }

    fn text(&mut self, what: &str, text: String) {
        self.printed.push((what.to_owned(), text));
    }

    #[track_caller]
    fn check(&self) {
        let mut leaks = Vec::new();
        for (what, text) in &self.printed {
            for secret in &self.secrets {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("{what} holds {secret:?}: {text}"));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets printed:\n{}", leaks.join("\n"));
        assert!(self.printed.len() > 10, "the sweep printed almost nothing");
        eprintln!(
            "swept {} printed values for {} secrets",
            self.printed.len(),
            self.secrets.len()
        );
    }
}

fn response(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn voucherify_token_body(token: &str) -> String {
    format!(
        r#"{{"access_token":"{token}","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}}"#
    )
}

#[test]
fn core_types_never_print_a_secret() {
    let mut sweep = Sweep::new();

    // The secret types themselves.
    sweep.debug("SecretKey", &SecretKey::new(CANARY));
    sweep.debug("ApiKey", &ApiKey::new(CANARY));
    sweep.debug("Password", &Password::new(CANARY));
    sweep.debug("AccessToken", &AccessToken::new(CANARY));

    // Voucherify: credentials, operations, their requests, outcomes and errors.
    let credentials = Credentials::new("app-id", SecretKey::new(CANARY)).unwrap();
    sweep.debug("voucherify::Credentials", &credentials);
    let api = voucherify::Api::new(Region::Europe.base_url(), credentials);
    sweep.debug("voucherify::Api", &api);
    let generate = api
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let introspect = api.introspect(&AccessToken::new(CANARY)).unwrap();
    let revoke = api.revoke(&AccessToken::new(CANARY)).unwrap();
    sweep.debug("GenerateToken", &generate);
    sweep.debug("Introspect", &introspect);
    sweep.debug("Revoke", &revoke);
    sweep.debug("GenerateToken::request", &generate.request());
    sweep.debug("Introspect::request", &introspect.request());
    sweep.debug("Revoke::request", &revoke.request());

    let outcome = generate
        .parse(response(
            200,
            "application/json",
            &voucherify_token_body(CANARY),
        ))
        .unwrap();
    sweep.debug("Response<Token>", &outcome);
    sweep.debug("Token", outcome.success().unwrap());
    sweep.debug("RawResponse", outcome.raw());
    let introspection = introspect
        .parse(response(
            200,
            "application/json",
            &voucherify_token_body(CANARY).replacen('{', r#"{"active":true,"#, 1),
        ))
        .unwrap();
    sweep.debug("Response<Introspection>", &introspection);

    // Parse errors where the canary sits in the broken part of the body.
    for body in [
        format!(r#"{{"access_token":"{CANARY}","expires_in":"{CANARY}"}}"#),
        format!(r#"{{"{CANARY}":1,"access_token":{CANARY}}}"#),
        format!(r#"{{"access_token":"{CANARY}\n"}}"#),
        format!(
            r#"{{"access_token":"{CANARY} x","client_id":"c","expires_at":1,"expires_in":1,"scope":"s","token_type":"Bearer"}}"#
        ),
        format!(r#"{{"access_token":"{CANARY}""#),
        format!(r#"{{"access_token":"{CANARY}"}} {CANARY}"#),
        format!(r#"{{"access_token":"{CANARY}","client_id":{{"{CANARY}":[1,{CANARY}]}}}}"#),
    ] {
        let error = generate
            .parse(response(200, "application/json", &body))
            .unwrap_err();
        sweep.error("voucherify ParseError", &error);
        sweep.both("ParseErrorKind", &error.kind);
    }
    // An API error keeps the raw response, which holds the canary: it must not print it.
    let api_error = generate
        .parse(
            http::Response::builder()
                .status(401)
                .header("content-type", "application/json")
                .header("x-echo", CANARY)
                .body(
                    format!(
                        r#"{{"code":401,"message":"Unauthorized","request_id":"r","x":"{CANARY}"}}"#
                    )
                    .into_bytes(),
                )
                .unwrap(),
        )
        .unwrap()
        .into_result()
        .unwrap_err();
    sweep.error("ApiError<voucherify::Error>", &api_error);

    // Build errors from a secret that cannot be a header value.
    for bad in [
        format!("{CANARY}\r\n"),
        format!("{CANARY}é"),
        format!("{CANARY}\0"),
    ] {
        let error = Credentials::new("app-id", SecretKey::new(bad.as_str())).unwrap_err();
        sweep.error("BuildError (secret key)", &error);
        let error = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(bad.as_str()))
            .unwrap_err();
        sweep.error("BuildError (API key)", &error);
    }

    // Exact Payments: the API, every operation, outcomes with canary tokens, errors.
    let exact_api = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(CANARY)).unwrap();
    sweep.debug("exact::Api", &exact_api);
    let order = exact_api.create_order_access_token("ord_1").unwrap();
    let user = UserCredentials::new("jon@example.com", Password::new(CANARY));
    sweep.debug("UserCredentials", &user);
    let login = exact::CreateUserToken::new(&Environment::Sandbox.base_url(), &user).unwrap();
    let create = exact_api
        .create_application_token(
            "app",
            "label",
            &Permissions::from([Permission::ChargesCreate]),
            None,
        )
        .unwrap();
    let list = exact_api
        .list_application_tokens("app", &exact::ListQuery::new())
        .unwrap();
    let delete = exact_api.delete_application_token("app", "tok").unwrap();
    sweep.debug("CreateOrderAccessToken", &order);
    sweep.debug("CreateUserToken", &login);
    sweep.debug("CreateApplicationToken", &create);
    sweep.debug("ListApplicationTokens", &list);
    sweep.debug("DeleteApplicationToken", &delete);
    sweep.debug("CreateOrderAccessToken::request", &order.request());
    sweep.debug("CreateUserToken::request", &login.request());
    sweep.debug("CreateApplicationToken::request", &create.request());

    let outcome = order
        .parse(response(
            201,
            "application/json",
            &format!(
                r#"{{"accessToken":{{"token":"{CANARY}","expiresAt":"2023-07-26T23:32:32Z"}}}}"#
            ),
        ))
        .unwrap();
    sweep.debug("Response<OrderAccessToken>", &outcome);
    let outcome = login
        .parse(response(
            201,
            "application/json",
            &format!(r#"{{"token":"{CANARY}"}}"#),
        ))
        .unwrap();
    sweep.debug("Response<UserToken>", &outcome);
    sweep.debug("UserToken::api_key", &outcome.success().unwrap().api_key());
    let outcome = create
        .parse(response(
            201,
            "application/json",
            &format!(r#"{{"id":"i","token":"{CANARY}","allowedPermissions":["charges.create"]}}"#),
        ))
        .unwrap();
    sweep.debug("Response<ApplicationToken>", &outcome);
    sweep.debug(
        "ApplicationToken::api_key",
        &outcome.success().unwrap().api_key(),
    );
    for body in [
        format!(r#"{{"accessToken":{{"token":"{CANARY}\n","expiresAt":"2023-07-26T23:32:32Z"}}}}"#),
        format!(r#"{{"accessToken":{{"token":"{CANARY}","expiresAt":"{CANARY}"}}}}"#),
        format!(r#"{{"accessToken":{{"token":"{CANARY}","expiresAt":{CANARY}}}}}"#),
        format!(r#"{{"accessToken":{{"{CANARY}":"{CANARY}"}}}}"#),
    ] {
        let error = order
            .parse(response(201, "application/json", &body))
            .unwrap_err();
        sweep.error("exact ParseError", &error);
    }
    let error = login
        .parse(response(
            201,
            "application/json",
            &format!(r#"{{"token":"{CANARY}","expiresAt":"{CANARY}"}}"#),
        ))
        .unwrap_err();
    sweep.error("exact ParseError (user token)", &error);
    let api_error = order
        .parse(
            http::Response::builder()
                .status(403)
                .header("content-type", "application/json")
                .header("authorization", CANARY)
                .body(format!(r#"{{"code":"order-forbidden-error","x":"{CANARY}"}}"#).into_bytes())
                .unwrap(),
        )
        .unwrap()
        .into_result()
        .unwrap_err();
    sweep.error("ApiError<OrderError>", &api_error);

    sweep.check();
}

fn mint() -> voucherify::GenerateToken {
    voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("app-id", SecretKey::new(CANARY)).unwrap(),
    )
    .generate_token(&Scopes::from([Scope::Vouchers]))
    .unwrap()
}

#[test]
fn the_lifecycle_never_prints_a_secret() {
    let mut sweep = Sweep::new();
    let mut now = UNIX_EPOCH + Duration::from_secs(1_738_944_186);
    let mut keeper = Keeper::new(mint(), KeeperConfig::default());
    sweep.debug("Keeper (empty)", &keeper);

    // A failed fetch, then a successful one, then a refresh that fails: every event and error.
    let Action::Fetch(fetch) = keeper.poll(now) else {
        panic!("no token yet")
    };
    sweep.debug("Fetch", &fetch);
    let id = fetch.id;
    let error = keeper.on_response(
        id,
        response(
            401,
            "application/json",
            r#"{"code":401,"message":"Unauthorized","key":"unauthorized"}"#,
        ),
        now,
    );
    sweep.debug("on_response (401)", &error);
    if let Err(error) = &error {
        sweep.error("FetchError", error);
    }
    now += Duration::from_secs(1);
    let mut installed = false;
    for _ in 0..20 {
        match keeper.poll(now) {
            Action::Fetch(fetch) => {
                let id = fetch.id;
                let progress = keeper
                    .on_response(
                        id,
                        response(200, "application/json", &voucherify_token_body(CANARY)),
                        now,
                    )
                    .unwrap();
                sweep.debug("Progress", &progress);
                installed = true;
                break;
            }
            Action::Wait(until) => now = until.max(now + Duration::from_millis(1)),
            other => {
                sweep.debug("Action", &other);
                now += Duration::from_secs(1);
            }
        }
    }
    assert!(installed, "the keeper never fetched again");
    let Action::Use(live) = keeper.poll(now) else {
        panic!("a token was installed")
    };
    let live = live.clone();
    sweep.debug("LiveToken", &live);
    sweep.debug("Keeper (with a token)", &keeper);
    let mut request = http::Request::get("https://api.voucherify.io/v1/vouchers")
        .body(())
        .unwrap();
    live.authorize(&mut request);
    sweep.debug("authorized request", &request);
    let mut campaigns = http::Request::get("https://api.voucherify.io/v1/campaigns")
        .body(())
        .unwrap();
    let refused = live
        .authorize_checked(&mut campaigns, &Region::Europe.base_url())
        .unwrap_err();
    sweep.error("AuthorizeError", &refused);

    // A refresh that fails with a transport error and a garbage body.
    let refresh_at = live.refresh_at() + Duration::from_secs(1);
    if let Action::Fetch(fetch) = keeper.poll(refresh_at) {
        let id = fetch.id;
        let outcome = keeper.on_transport_error(id, refresh_at, "connection reset");
        sweep.debug("on_transport_error", &outcome);
    }
    for event in keeper.drain_events() {
        sweep.debug("Event", &event);
    }

    // Storing and restoring.
    let stored = live.to_stored();
    sweep.debug("StoredToken", &stored);
    let store = MemoryStore::new();
    store.save(&keeper.store_key(), &stored).unwrap();
    sweep.debug("MemoryStore", &store);
    sweep.both("StoreKey", &keeper.store_key());
    let mut fresh = Keeper::new(mint(), KeeperConfig::default());
    assert_eq!(fresh.restore(&stored, now).unwrap(), Restored::Installed);
    for event in fresh.drain_events() {
        sweep.debug("Event (restored)", &event);
    }
    // The file store, and what it says about a corrupted file that holds the canary.
    let dir = std::env::temp_dir().join(format!("keycard-hygiene-{}", std::process::id()));
    let files = FileStore::new(&dir);
    files.save(&keeper.store_key(), &stored).unwrap();
    sweep.debug("FileStore", &files);
    sweep.debug("FileStore::load", &files.load(&keeper.store_key()));
    for garbage in [
        // Well-formed, but the token cannot be sent: loading works, restoring refuses it.
        format!(
            r#"{{"format":1,"access_token":"{CANARY} \n","scheme":"bearer","grant":{{"api":"voucherify","scopes":"vouchers"}},"obtained_at":1,"expires_at":99999999999999}}"#
        ),
        format!(r#"{{"format":1,"access_token":"{CANARY}","scheme":"{CANARY}"}}"#),
        format!(r#"{{"format":"{CANARY}"}}"#),
        format!(r#"{{"access_token":"{CANARY}""#),
        CANARY.to_string(),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::write(entry.unwrap().path(), &garbage).unwrap();
        }
        match files.load(&keeper.store_key()) {
            Err(error) => sweep.error("FileStoreError", &error),
            Ok(loaded) => {
                sweep.debug("FileStore::load (garbage)", &loaded);
                if let Some(bad) = loaded {
                    let error = fresh.restore(&bad, now).unwrap_err();
                    sweep.error("RestoreError", &error);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    sweep.check();
}

/// A URL with the canary as user info and in the query (neither may come out of an error).
fn leaky_url(port: u16) -> String {
    format!("http://user:{CANARY}@127.0.0.1:{port}/v1/oauth/token?access_token={CANARY}")
}

fn leaky_request(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("x-app-token", CANARY)
        .header("authorization", format!("Bearer {CANARY}"))
        .body(format!("access_token={CANARY}").into_bytes())
        .unwrap()
}

#[test]
fn transport_errors_and_sources_never_print_a_secret() {
    let mut sweep = Sweep::new();
    let emu = Emulator::start().unwrap();
    sweep.secret(emu.voucherify_secret_key());
    sweep.secret(emu.exact_api_key());

    // Transport errors, with the canary in the URL, the headers and the body.
    let ureq = keycard::ureq::UreqTransport::builder()
        .timeout(Duration::from_secs(2))
        .build();
    let reqwest = keycard::reqwest::ReqwestTransport::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    sweep.debug("UreqTransport", &ureq);
    sweep.debug("ReqwestTransport", &reqwest);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let port = keycard_testkit::server::closed_port();
    let error = ureq.send(leaky_request(&leaky_url(port))).unwrap_err();
    sweep.error("TransportError from ureq (connect)", &error);
    let error = runtime
        .block_on(keycard::AsyncTransport::send(
            &reqwest,
            leaky_request(&leaky_url(port)),
        ))
        .unwrap_err();
    sweep.error("TransportError from reqwest (connect)", &error);
    for fault in [
        keycard_emulator::Fault::StallHeaders,
        keycard_emulator::Fault::TruncatedBody,
        keycard_emulator::Fault::OversizedBody(2 << 20),
    ] {
        let url = format!(
            "{}/v1/oauth/token?access_token={CANARY}",
            emu.voucherify_url()
        );
        emu.inject(
            keycard_emulator::Route::VoucherifyGenerate,
            fault.clone(),
            1,
        );
        match ureq.send(leaky_request(&url)) {
            Err(error) => sweep.error("TransportError from ureq", &error),
            Ok(response) => sweep.debug("ureq response", &response.status()),
        }
        emu.inject(keycard_emulator::Route::VoucherifyGenerate, fault, 1);
        match runtime.block_on(keycard::AsyncTransport::send(&reqwest, leaky_request(&url))) {
            Err(error) => sweep.error("TransportError from reqwest", &error),
            Ok(response) => sweep.debug("reqwest response", &response.status()),
        }
    }
    emu.clear_faults();

    // A run through the facade, with a parse error carrying the canary.
    let voucherify = common::voucherify(&emu);
    let outcome = ureq
        .run(
            &voucherify
                .generate_token(&Scopes::from([Scope::Vouchers]))
                .unwrap(),
        )
        .unwrap();
    let issued = outcome
        .success()
        .unwrap()
        .access_token
        .expose_secret()
        .to_owned();
    sweep.secret(&issued);
    sweep.debug("Response via ureq", &outcome);
    let introspect = voucherify
        .introspect(&AccessToken::new(issued.as_str()))
        .unwrap();
    sweep.debug(
        "introspection via reqwest",
        &runtime.block_on(keycard::AsyncTransport::run(&reqwest, &introspect)),
    );

    // Both token sources, with the wrong secret key (the canary) and then the right one.
    let wrong = common::voucherify_with_secret(&emu, CANARY)
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
    let source =
        keycard::ureq::TokenSource::new(ureq.clone(), wrong.clone(), KeeperConfig::default());
    sweep.debug("ureq TokenSource", &source);
    let error = source.token().unwrap_err();
    sweep.error("ureq SourceError", &error);
    for event in source.drain_events() {
        sweep.debug("ureq SourceEvent", &event);
    }
    let right = voucherify
        .generate_token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))
        .unwrap();
    let source =
        keycard::ureq::TokenSource::new(ureq.clone(), right.clone(), KeeperConfig::default())
            .with_store(MemoryStore::new());
    let live = source.token().unwrap();
    sweep.secret(live.access_token().expose_secret());
    sweep.debug("ureq TokenSource (live)", &source);
    sweep.debug("LiveToken (ureq)", &live);
    for event in source.drain_events() {
        sweep.debug("ureq SourceEvent", &event);
    }

    let async_source =
        keycard::reqwest::TokenSource::new(reqwest.clone(), wrong, KeeperConfig::default());
    let error = runtime.block_on(async_source.token()).unwrap_err();
    sweep.error("reqwest SourceError", &error);
    for event in async_source.drain_events() {
        sweep.debug("reqwest SourceEvent", &event);
    }
    let async_source =
        keycard::reqwest::TokenSource::new(reqwest.clone(), right, KeeperConfig::default());
    let live = runtime.block_on(async_source.token()).unwrap();
    sweep.secret(live.access_token().expose_secret());
    sweep.debug("reqwest TokenSource (live)", &async_source);
    for event in async_source.drain_events() {
        sweep.debug("reqwest SourceEvent", &event);
    }

    // Exact Payments through the emulator: an order token, a login, an application token.
    let exact_api = common::exact(&emu);
    let order = ureq
        .run(
            &exact_api
                .create_order_access_token(emu.exact_order_id())
                .unwrap(),
        )
        .unwrap();
    sweep.secret(order.success().unwrap().token.expose_secret());
    sweep.debug("order via ureq", &order);
    let login = exact::CreateUserToken::new(
        &common::exact_base(&emu),
        &UserCredentials::new(
            emu.exact_user_email(),
            Password::new(emu.exact_user_password()),
        ),
    )
    .unwrap();
    sweep.secret(emu.exact_user_password());
    let user = runtime
        .block_on(keycard::AsyncTransport::run(&reqwest, &login))
        .unwrap();
    if let Some(token) = user.success() {
        sweep.secret(token.token.expose_secret());
    }
    sweep.debug("login via reqwest", &user);
    let wrong_login = exact::CreateUserToken::new(
        &common::exact_base(&emu),
        &UserCredentials::new(emu.exact_user_email(), Password::new(CANARY)),
    )
    .unwrap();
    let refused = ureq.run(&wrong_login).unwrap();
    sweep.debug("wrong login via ureq", &refused);
    if let Err(error) = refused.into_result() {
        sweep.error("ApiError<UserTokenError>", &error);
    }
    let created = ureq
        .run(
            &exact_api
                .create_application_token(
                    emu.exact_application_id(),
                    "hygiene",
                    &Permissions::from([Permission::ChargesCreate]),
                    None,
                )
                .unwrap(),
        )
        .unwrap();
    if let Some(token) = created.success() {
        sweep.secret(token.token.expose_secret());
    }
    sweep.debug("application token via ureq", &created);
    let wrong_key = common::exact_with_key(&emu, CANARY);
    let denied = ureq
        .run(
            &wrong_key
                .create_order_access_token(emu.exact_order_id())
                .unwrap(),
        )
        .unwrap();
    sweep.debug("order with a wrong key", &denied);

    // What the emulator logged of everything it received.
    let lines = emu.log_lines();
    assert!(lines.len() >= 10, "{lines:?}");
    for line in lines {
        sweep.text("emulator log line", line);
    }
    sweep.text("Emulator", format!("{emu:?}"));

    sweep.check();
}
