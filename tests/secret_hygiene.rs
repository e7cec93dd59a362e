//! The canary sweep: a canary secret goes everywhere a secret can go (secret keys, API keys,
//! passwords, issued tokens, stored tokens, URLs), and then every public type's `Debug`, every
//! error's `Display` and `Debug`, every lifecycle and source event, and the emulator's log of
//! what it received are searched for it. None may hold it.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use keycard::exact::{self, Environment, Permission, Permissions, UserCredentials};
use keycard::lifecycle::{
    Event, Io, IoResult, MemoryStore, SourceConfig, SourceMachine, Step, StoreCall, StoreError,
    TokenStore,
};
use keycard::voucherify::{self, Credentials, Region, Scope, Scopes};
use keycard::{
    AccessToken, ApiKey, AsyncSource, BaseUrl, BlockingSource, FileStore, Operation, Password,
    SecretKey, Transport, TransportError, TransportErrorKind,
};
use keycard_emulator::Emulator;
use std::collections::VecDeque;
use std::fmt::{Debug, Display};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

    /// A request's head: method, URI and headers. Its body is what it sends (a password to log
    /// in with, a token to revoke): `http` prints it as it is.
    fn request<B>(&mut self, what: &str, request: &http::Request<B>) {
        let head = format!(
            "{} {} {:?} {:?}",
            request.method(),
            request.uri(),
            request.version(),
            request.headers()
        );
        self.printed.push((format!("{what} (head)"), head));
    }

    fn text(&mut self, what: &str, text: String) {
        self.printed.push((what.to_owned(), text));
    }

    #[track_caller]
    fn check(&self) {
        let mut leaks = Vec::new();
        for (what, text) in &self.printed {
            for (i, secret) in self.secrets.iter().enumerate() {
                // As text, and as the bytes a `Vec<u8>` body prints (`[.., 67, 65, 78, ..]`).
                let bytes = format!("{:?}", secret.as_bytes());
                let bytes = &bytes[1..bytes.len() - 1];
                if text.contains(secret.as_str()) || text.contains(bytes) {
                    // Where and which, never the text: test output must not hold a secret.
                    leaks.push(format!("{what} holds secret {i}"));
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

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
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
    sweep.request("GenerateToken::request", &generate.request());
    sweep.request("Introspect::request", &introspect.request());
    sweep.request("Revoke::request", &revoke.request());

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
    sweep.request("CreateOrderAccessToken::request", &order.request());
    sweep.request("CreateUserToken::request", &login.request());
    sweep.request("CreateApplicationToken::request", &create.request());

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

fn boxed(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    Arc::new(error)
}

/// Performs a store call of the machine on `store`, as a driver does.
fn perform(store: &impl TokenStore, call: StoreCall) -> IoResult {
    match call {
        StoreCall::Load(key) => IoResult::Loaded(store.load(&key).map_err(boxed)),
        StoreCall::Remove(key) => IoResult::Removed(store.remove(&key).map_err(boxed)),
        StoreCall::Claim(key) => IoResult::Claimed(store.claim_mint(&key).map_err(boxed)),
        StoreCall::Save(key, token) => IoResult::Saved(store.save(&key, &token).map_err(boxed)),
        StoreCall::Release(lock) => IoResult::Released(store.release_mint(&lock).map_err(boxed)),
        StoreCall::HoldOff(key, wait) => {
            IoResult::HeldOff(store.hold_off(&key, wait).map_err(boxed))
        }
        StoreCall::Count(budget) => IoResult::Counted(store.count_live(&budget).map_err(boxed)),
        StoreCall::Record(budget, token) => {
            IoResult::Recorded(store.record_mint(&budget, &token).map_err(boxed))
        }
    }
}

/// Drives `machine` for one call at `now` (`wall` on the wall clock), as a driver does, until
/// the call is served, fails or must wait: each request is answered with the next of
/// `answers`, each store call by `store`. Every step and every result is swept.
fn drive(
    sweep: &mut Sweep,
    machine: &mut SourceMachine<voucherify::GenerateToken>,
    store: &impl TokenStore,
    (now, wall): (Instant, SystemTime),
    answers: &mut VecDeque<Result<http::Response<Vec<u8>>, TransportError>>,
) -> Step<Scopes> {
    let waiter = machine.waiter(now);
    loop {
        let step = machine.poll(now, &waiter);
        sweep.debug("Step", &step);
        let Step::Io(io) = step else {
            return step;
        };
        let mut next = Some(io);
        while let Some(io) = next {
            sweep.debug("Io", &io);
            let id = io.id();
            let result = match io {
                Io::Send(..) => IoResult::Sent(answers.pop_front().expect("an answer")),
                Io::Store(_, call) => perform(store, call),
            };
            sweep.debug("IoResult", &result);
            next = machine.complete(id, result, now, wall);
        }
    }
}

#[test]
fn the_lifecycle_never_prints_a_secret() {
    let mut sweep = Sweep::new();
    #[allow(clippy::disallowed_methods)] // the one reading; every other time is derived
    let start = Instant::now();
    let wall0 = UNIX_EPOCH + Duration::from_secs(1_738_944_186);
    let at = |d: Duration| (start + d, wall0 + d);
    let store = MemoryStore::new();
    let mut machine = SourceMachine::new(mint(), SourceConfig::default());
    machine.set_store(true);
    sweep.debug("SourceMachine (empty)", &machine);

    // A refused fetch (the canary in a header and in the body), then a successful one: every
    // step, result, event and error.
    let refused = http::Response::builder()
        .status(401)
        .header("content-type", "application/json")
        .header("x-echo", CANARY)
        .body(
            format!(
                r#"{{"code":401,"message":"Unauthorized","key":"unauthorized","x":"{CANARY}"}}"#
            )
            .into_bytes(),
        )
        .unwrap();
    let mut answers = VecDeque::from([Ok(refused)]);
    let Step::Failed(error) = drive(
        &mut sweep,
        &mut machine,
        &store,
        at(Duration::ZERO),
        &mut answers,
    ) else {
        panic!("the 401 ends the call")
    };
    sweep.error("SourceError (401)", &error);
    let fetch_error = error.fetch_error().expect("a fetch error").clone();
    sweep.error("FetchError", &fetch_error);
    // The 401 rejected the credentials: the machine mints again only with new ones.
    machine.replace_endpoint(mint());
    let mut answers = VecDeque::from([Ok(response(
        200,
        "application/json",
        &voucherify_token_body(CANARY),
    ))]);
    let Step::Ready(live) = drive(&mut sweep, &mut machine, &store, at(secs(1)), &mut answers)
    else {
        panic!("a token was issued")
    };
    assert_eq!(live.access_token().expose_secret(), CANARY);
    sweep.debug("LiveToken", &live);
    sweep.debug("SourceMachine (with a token)", &machine);
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

    // A refresh that fails with a transport error (the canary in the URL), then with a body
    // that is not a token response (the canary in it): the old token is served throughout.
    let due = live.refresh_at().saturating_duration_since(start) + secs(1);
    let reset = TransportError::new(
        TransportErrorKind::Io,
        &leaky_url(443).parse().unwrap(),
        "connection reset",
    );
    sweep.error("TransportError", &reset);
    let mut answers = VecDeque::from([
        Err(reset),
        Ok(response(
            200,
            "application/json",
            &format!(r#"{{"access_token":"{CANARY}"#),
        )),
    ]);
    for d in [due, due + secs(1), due + secs(5)] {
        match drive(&mut sweep, &mut machine, &store, at(d), &mut answers) {
            Step::Ready(token) => assert!(Arc::ptr_eq(&token, &live)),
            other => panic!("the old token is served: {other:?}"),
        }
    }
    assert!(answers.is_empty(), "both attempts were made");
    let events = machine.drain_events().collect::<Vec<_>>();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::RefreshFailed { .. })),
        "{events:?}"
    );
    for event in &events {
        sweep.debug("Event", event);
    }

    // Storing (the format stores read back: 2, the grant as the endpoint serializes it) and
    // restoring.
    let key = machine.store_key().clone();
    let stored = live.to_stored();
    sweep.debug("StoredToken", &stored);
    let json = String::from_utf8(stored.to_json(&key)).unwrap();
    assert!(json.contains(r#""format":2"#), "{json}");
    assert!(json.contains(r#""grant":"vouchers""#), "{json}");
    assert!(json.contains(CANARY), "a store keeps the secret: {json}");
    sweep.debug("MemoryStore", &store);
    sweep.both("StoreKey", &key);
    let mut fresh = SourceMachine::new(mint(), SourceConfig::default());
    fresh.set_store(true);
    let Step::Ready(restored) = drive(
        &mut sweep,
        &mut fresh,
        &store,
        at(secs(2)),
        &mut VecDeque::new(),
    ) else {
        panic!("the stored token is taken back")
    };
    assert_eq!(restored.access_token(), live.access_token());
    for event in fresh.drain_events() {
        assert!(matches!(event, Event::Restored { .. }), "{event:?}");
        sweep.debug("Event (restored)", &event);
    }

    // The file store: what it writes is the same format; what it says about a corrupted file
    // that holds the canary, and what a source says of a stored token it cannot use.
    let dir = tempfile::tempdir().unwrap();
    let files = FileStore::new(dir.path());
    files.save(&key, &stored).unwrap();
    assert_eq!(std::fs::read_to_string(files.path_for(&key)).unwrap(), json);
    sweep.debug("FileStore", &files);
    sweep.debug("FileStore::load", &files.load(&key));
    let token = |token: &str| format!(r#"{{"key":"{}","token":{token}}}"#, key.as_str());
    for garbage in [
        // Well-formed, but the token cannot be sent: the store refuses it.
        token(&format!(
            r#"{{"format":2,"access_token":"{CANARY} \n","scheme":"bearer","grant":"vouchers","obtained_at":1,"expires_at":99999999999999}}"#
        )),
        // Well-formed and sendable, but not a grant this endpoint gives: the source refuses it.
        token(&format!(
            r#"{{"format":2,"access_token":"{CANARY}","scheme":"bearer","grant":{{"order":"ord_1"}},"obtained_at":1,"expires_at":99999999999999}}"#
        )),
        // The format before grants were the endpoint's own.
        token(&format!(
            r#"{{"format":1,"access_token":"{CANARY}","scheme":"bearer","grant":{{"api":"voucherify","scopes":"vouchers"}},"obtained_at":1,"expires_at":99999999999999}}"#
        )),
        token(&format!(
            r#"{{"format":2,"access_token":"{CANARY}","scheme":"{CANARY}"}}"#
        )),
        token(&format!(r#"{{"format":"{CANARY}"}}"#)),
        format!(r#"{{"key":"{CANARY}","token":{{"access_token":"{CANARY}"}}}}"#),
        format!(r#"{{"access_token":"{CANARY}""#),
        CANARY.to_string(),
    ] {
        std::fs::write(files.path_for(&key), &garbage).unwrap();
        match files.load(&key) {
            Err(error) => sweep.error("FileStoreError", &error),
            Ok(loaded) => {
                sweep.debug("FileStore::load (garbage)", &loaded);
                let mut other = SourceMachine::new(mint(), SourceConfig::default());
                other.set_store(true);
                let mut answers = VecDeque::from([Ok(response(
                    200,
                    "application/json",
                    &voucherify_token_body("tok-2"),
                ))]);
                let step = drive(&mut sweep, &mut other, &files, at(secs(3)), &mut answers);
                assert!(matches!(step, Step::Ready(_)), "{step:?}");
                let events: Vec<_> = other.drain_events().collect();
                let rejected = events.iter().find_map(|e| match e {
                    Event::StoredTokenRejected { error } => Some(error),
                    _ => None,
                });
                sweep.error(
                    "RestoreError",
                    rejected.expect("the stored token is rejected"),
                );
                for event in &events {
                    sweep.debug("Event (rejected)", event);
                }
            }
        }
    }

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
    let source = BlockingSource::new(ureq.clone(), wrong.clone(), SourceConfig::default());
    sweep.debug("BlockingSource", &source);
    let error = source.token().unwrap_err();
    sweep.error("BlockingSource SourceError", &error);
    for event in source.drain_events() {
        sweep.debug("BlockingSource Event", &event);
    }
    let right = voucherify
        .generate_token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = FileStore::new(dir.path());
    let source = BlockingSource::new(ureq.clone(), right.clone(), SourceConfig::default())
        .with_store(FileStore::new(dir.path()));
    let live = source.token().unwrap();
    let issued = live.access_token().expose_secret().to_owned();
    sweep.secret(&issued);
    sweep.debug("BlockingSource (live)", &source);
    sweep.debug("LiveToken (BlockingSource)", &live);
    sweep.debug("BlockingSource::current", &source.current());
    for event in source.drain_events() {
        sweep.debug("BlockingSource Event", &event);
    }
    // The stored file holds the token (as documented) and no other secret.
    let stored = std::fs::read_to_string(files.path_for(&source.store_key())).unwrap();
    assert!(
        stored.contains(&issued) && stored.contains(r#""format":2"#),
        "{stored}"
    );
    sweep.text(
        "the stored file, token taken out",
        stored.replace(&issued, "…"),
    );
    // A request the token does not grant: refused, and nothing is put on it.
    let campaigns_only = voucherify
        .generate_token(&Scopes::from([Scope::Campaigns]))
        .unwrap();
    let source = BlockingSource::new(ureq.clone(), campaigns_only, SourceConfig::default());
    let mut request = http::Request::get(format!(
        "{}/v1/vouchers/{}?access_token={CANARY}",
        emu.voucherify_url(),
        emu.voucher_code()
    ))
    .body(())
    .unwrap();
    let base = BaseUrl::parse(&emu.voucherify_url()).unwrap();
    let refused = source.authorize_checked(&mut request, &base).unwrap_err();
    sweep.secret(source.current().unwrap().access_token().expose_secret());
    sweep.error("SourceError::NotGranted", &refused);
    assert!(request.headers().get("authorization").is_none());

    let async_source = AsyncSource::new(reqwest.clone(), wrong, SourceConfig::default());
    let error = runtime.block_on(async_source.token()).unwrap_err();
    sweep.error("AsyncSource SourceError", &error);
    for event in async_source.drain_events() {
        sweep.debug("AsyncSource Event", &event);
    }
    let async_source = AsyncSource::new(reqwest.clone(), right, SourceConfig::default())
        .with_store(MemoryStore::new())
        .with_spawner(
            |task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>| {
                drop(tokio::spawn(task))
            },
        );
    let live = runtime.block_on(async_source.token()).unwrap();
    sweep.secret(live.access_token().expose_secret());
    sweep.debug("AsyncSource (live)", &async_source);
    sweep.debug("LiveToken (AsyncSource)", &live);
    for event in async_source.drain_events() {
        sweep.debug("AsyncSource Event", &event);
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

/// A server that echoes every request: its error body repeats the sensitive headers and the
/// body it was sent, raw and form-encoded.
struct EchoServer {
    status: u16,
    exact: bool,
}

impl Transport for EchoServer {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        // The secrets first, so the cut `Display` still shows where they were.
        let mut echo = String::new();
        for (name, value) in request.headers().iter().filter(|(_, v)| v.is_sensitive()) {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            echo.push_str(&format!("{name}: {value} ({form}) "));
        }
        echo.push_str(&String::from_utf8_lossy(request.body()));
        for (name, value) in request.headers() {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            echo.push_str(&format!(" {name}: {value} ({form})"));
        }
        let body = if self.exact {
            serde_json::json!({
                "code": echo, "message": echo, "type": echo, "requestId": echo,
                "metadata": {"message": {"messages": [echo]}},
            })
        } else {
            serde_json::json!({
                "code": self.status, "key": echo, "message": echo, "details": echo,
                "request_id": echo, "error": {"message": echo},
            })
        };
        Ok(http::Response::builder()
            .status(self.status)
            .header("content-type", "application/json")
            .header("x-echo", format!("{echo:?}").replace(['\r', '\n'], " "))
            .body(body.to_string().into_bytes())
            .unwrap())
    }
}

#[test]
fn sources_never_print_a_secret_the_server_echoes() {
    // Not header-safe once form-encoded: `+`, `/` and `=` change.
    const ECHOED: &str = "CANARY+echo/k3y=Z";
    let mut sweep = Sweep::new();
    sweep.secret(ECHOED);
    sweep.secret(&form_urlencoded::byte_serialize(ECHOED.as_bytes()).collect::<String>());
    let mut config = SourceConfig::default();
    config.retry.max_attempts = 2;
    config.retry.initial_backoff = Duration::from_millis(1);
    config.retry.max_backoff = Duration::from_millis(2);

    // 401 is final (NotRetryable with the message), 503 is retried (GaveUp with the last
    // failure's message).
    for status in [401, 503] {
        let generate = voucherify::Api::new(
            Region::Europe.base_url(),
            Credentials::new("app-id", SecretKey::new(ECHOED)).unwrap(),
        )
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
        let source = BlockingSource::new(
            EchoServer {
                status,
                exact: false,
            },
            generate,
            config.clone(),
        );
        let error = source.token().unwrap_err();
        assert!(error.to_string().len() < 2_000);
        sweep.error(&format!("SourceError (voucherify {status})"), &error);
        let fetch = error.fetch_error().expect("a fetch error");
        assert!(
            fetch.to_string().contains(keycard::REDACTED),
            "the message is kept, scrubbed: {fetch}"
        );
        sweep.both("FetchError (voucherify)", fetch);
        let events = source.drain_events();
        assert!(!events.is_empty());
        for event in &events {
            sweep.debug("Event (voucherify echo)", event);
        }

        let order = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new(ECHOED))
            .unwrap()
            .create_order_access_token("ord_1")
            .unwrap();
        let source = BlockingSource::new(
            EchoServer {
                status: if status == 401 { 403 } else { status },
                exact: true,
            },
            order,
            config.clone(),
        );
        let error = source.token().unwrap_err();
        assert!(error.to_string().len() < 2_000);
        sweep.error(&format!("SourceError (exact {status})"), &error);
        let fetch = error.fetch_error().expect("a fetch error");
        assert!(fetch.to_string().contains(keycard::REDACTED), "{fetch}");
        sweep.both("FetchError (exact)", fetch);
        for event in &source.drain_events() {
            sweep.debug("Event (exact echo)", event);
        }
    }
    sweep.check();
}
