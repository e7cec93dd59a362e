//! Tokens with the vendors' own semantics, through both the blocking source (over ureq) and the
//! async source (over reqwest), against the emulator: user logins that are never retried into
//! a lockout, keys that were blocked or regenerated, a plan's billing-cycle quota, and
//! application tokens rotated as one call (blocking and async) and checked for permissions.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::{emulator, exact_base, exact_with_key, voucherify, voucherify_with_secret, EmuClock};
use keycard::exact::{
    coverage, ApplicationToken, ApplicationTokenInfo, Coverage, CreateUserToken, ListQuery,
    Permission, Permissions, Rotated, Rotation, RotationError, UserCredentials, Verification,
};
use keycard::lifecycle::{
    FetchError, LiveToken, Rejection, RetryPolicy, SourceConfig, SourceError, TokenEndpoint,
};
use keycard::reqwest::ReqwestTransport;
use keycard::ureq::UreqTransport;
use keycard::voucherify::{GenerateToken, Scope, Scopes};
use keycard::{
    rotate_application_token, rotate_application_token_async, AsyncSource, BlockingSource,
    Operation, Password, Transport,
};
use keycard_emulator::{Emulator, Fault, Route};
use std::sync::Arc;
use std::time::Duration;

/// One source, blocking or async, behind the few calls these tests make.
enum Source<E: TokenEndpoint> {
    Blocking(BlockingSource<E, UreqTransport>),
    Async(AsyncSource<E, ReqwestTransport>, tokio::runtime::Runtime),
}

impl<E> Source<E>
where
    E: TokenEndpoint + Send + 'static,
    E::Grant: Send + Sync,
{
    /// A blocking and an async source for `endpoint()`, on the emulator's clock.
    fn both(emu: &Emulator, endpoint: impl Fn() -> E) -> [Source<E>; 2] {
        let mut retry = RetryPolicy::default();
        retry.max_attempts = 3;
        retry.initial_backoff = Duration::from_millis(5);
        retry.max_backoff = Duration::from_millis(20);
        let mut config = SourceConfig::default();
        config.retry = retry;
        let blocking = BlockingSource::new(
            UreqTransport::builder()
                .timeout(Duration::from_secs(5))
                .build(),
            endpoint(),
            config.clone(),
        )
        .with_clock(EmuClock::new(emu))
        .with_inline_refresh();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let transport = ReqwestTransport::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let nonblocking =
            AsyncSource::new(transport, endpoint(), config).with_clock(EmuClock::new(emu));
        [
            Source::Blocking(blocking),
            Source::Async(nonblocking, runtime),
        ]
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Blocking(_) => "blocking",
            Self::Async(..) => "async",
        }
    }

    fn token(&self) -> Result<Arc<LiveToken<E::Grant>>, SourceError> {
        match self {
            Self::Blocking(source) => source.token(),
            Self::Async(source, runtime) => runtime.block_on(source.token()),
        }
    }

    fn invalidate(&self, used: &Arc<LiveToken<E::Grant>>) -> bool {
        match self {
            Self::Blocking(source) => source.invalidate(used),
            Self::Async(source, _) => source.invalidate(used),
        }
    }

    fn replace_endpoint(&self, endpoint: E) {
        match self {
            Self::Blocking(source) => source.replace_endpoint(endpoint),
            Self::Async(source, _) => source.replace_endpoint(endpoint),
        }
    }
}

fn secret<G>(token: &LiveToken<G>) -> String {
    token.access_token().expose_secret().to_owned()
}

fn rejection(error: &SourceError) -> Option<Rejection> {
    error.fetch_error().and_then(FetchError::rejection)
}

fn send(request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    UreqTransport::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .send(request)
        .unwrap()
}

fn login(emu: &Emulator, password: &str) -> CreateUserToken {
    CreateUserToken::new(
        &exact_base(emu),
        &UserCredentials::new(emu.exact_user_email(), Password::new(password)),
    )
    .unwrap()
}

fn generate(api: &keycard::voucherify::Api) -> GenerateToken {
    api.generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap()
}

/// `GET /v1/vouchers/{code}` with `token`: the status.
fn use_voucherify_token(emu: &Emulator, token: &LiveToken<Scopes>) -> u16 {
    let mut request = http::Request::get(format!(
        "{}/v1/vouchers/{}",
        emu.voucherify_url(),
        emu.voucher_code()
    ))
    .body(Vec::new())
    .unwrap();
    token.authorize(&mut request);
    send(request).status().as_u16()
}

#[test]
fn a_login_source_logs_in_once_and_its_user_token_authorizes_exact_calls() {
    let emu = emulator();
    for source in Source::both(&emu, || login(&emu, emu.exact_user_password())) {
        let name = source.name();
        emu.reset_hits();
        let first = source.token().expect(name);
        let again = source.token().expect(name);
        assert!(
            Arc::ptr_eq(&first, &again),
            "{name}: reused, not logged in again"
        );
        assert_eq!(emu.hits(Route::ExactUserToken), 1, "{name}");
        assert!(first
            .grant()
            .grants(keycard::exact::Permission::ApplicationTokensCreate));
        // The user token works as the API key of an Exact Payments call.
        let api = exact_with_key(&emu, &secret(&first));
        let create = api.create_order_access_token(emu.exact_order_id()).unwrap();
        let outcome = create.parse(send(Operation::request(&create))).unwrap();
        assert_eq!(outcome.status(), 201, "{name}");
    }
}

#[test]
fn a_wrong_password_is_sent_once_and_never_locks_the_user() {
    let emu = emulator();
    for source in Source::both(&emu, || login(&emu, "not-the-password")) {
        let name = source.name();
        emu.reset_hits();
        for _ in 0..10 {
            let error = source.token().unwrap_err();
            assert_eq!(
                rejection(&error),
                Some(Rejection::Invalid),
                "{name}: {error:?}"
            );
        }
        assert_eq!(
            emu.hits(Route::ExactUserToken),
            1,
            "{name}: one attempt, never retried"
        );
        assert!(!emu.exact_user_is_locked(), "{name}");
    }
}

#[test]
fn a_locked_user_is_told_to_ask_a_manager_and_logs_in_once_unlocked() {
    let emu = emulator();
    for source in Source::both(&emu, || login(&emu, emu.exact_user_password())) {
        let name = source.name();
        emu.lock_exact_user();
        emu.reset_hits();
        for _ in 0..3 {
            let error = source.token().unwrap_err();
            assert_eq!(
                rejection(&error),
                Some(Rejection::Locked),
                "{name}: {error:?}"
            );
            let advice = error.fetch_error().unwrap().to_string();
            assert!(
                advice.contains("ask a manager to unlock"),
                "{name}: {advice}"
            );
        }
        assert_eq!(emu.hits(Route::ExactUserToken), 1, "{name}");
        // A manager unlocks the user; the source is told to try again (same credentials).
        emu.unlock_exact_user();
        source.replace_endpoint(login(&emu, emu.exact_user_password()));
        source.token().expect(name);
        assert_eq!(emu.hits(Route::ExactUserToken), 2, "{name}");
    }
}

#[test]
fn a_key_blocked_under_a_live_token_ends_in_credentials_rejected_not_a_minting_loop() {
    for driver in 0..2 {
        let emu = emulator();
        let sources = Source::both(&emu, || generate(&voucherify(&emu)));
        let source = sources.into_iter().nth(driver).unwrap();
        let name = source.name();
        let token = source.token().expect(name);
        assert_eq!(use_voucherify_token(&emu, &token), 200, "{name}");
        emu.block_voucherify_key();
        emu.clock().advance(Duration::from_secs(60));
        // The API refuses the token: invalidate it, as a 401 asks.
        assert_eq!(use_voucherify_token(&emu, &token), 401, "{name}");
        assert!(source.invalidate(&token));
        emu.reset_hits();
        for _ in 0..5 {
            let error = source.token().unwrap_err();
            assert_eq!(
                rejection(&error),
                Some(Rejection::Invalid),
                "{name}: {error:?}"
            );
        }
        assert_eq!(
            emu.hits(Route::VoucherifyGenerate),
            1,
            "{name}: one mint, no loop"
        );
    }
}

#[test]
fn a_regenerated_key_keeps_the_live_token_and_mints_with_the_new_key() {
    for driver in 0..2 {
        let emu = emulator();
        let sources = Source::both(&emu, || generate(&voucherify(&emu)));
        let source = sources.into_iter().nth(driver).unwrap();
        let name = source.name();
        let live = source.token().expect(name);
        let new_key = emu.regenerate_voucherify_key();
        source.replace_endpoint(generate(&voucherify_with_secret(&emu, &new_key)));
        emu.reset_hits();
        let still = source.token().expect(name);
        assert!(Arc::ptr_eq(&live, &still), "{name}: the live token is kept");
        assert_eq!(
            use_voucherify_token(&emu, &still),
            200,
            "{name}: and still works"
        );
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 0, "{name}");
        // The next token is minted with the new key.
        assert!(source.invalidate(&still));
        let next = source.token().expect(name);
        assert_ne!(secret(&next), secret(&live), "{name}");
        assert_eq!(emu.hits(Route::VoucherifyGenerate), 1, "{name}");
    }
}

#[test]
fn the_billing_cycle_quota_stops_the_source_at_the_first_429() {
    let emu = emulator();
    for source in Source::both(&emu, || generate(&voucherify(&emu))) {
        let name = source.name();
        emu.set_voucherify_cycle_quota(Some(0));
        emu.reset_hits();
        let error = source.token().unwrap_err();
        assert!(
            matches!(error.fetch_error(), Some(FetchError::QuotaExhausted { .. })),
            "{name}: {error:?}"
        );
        assert_eq!(
            emu.hits(Route::VoucherifyGenerate),
            1,
            "{name}: not retried"
        );
        emu.set_voucherify_cycle_quota(None);
    }
}

/// How a rotation is driven: over ureq (blocking) or reqwest (async).
#[derive(Clone, Copy, Debug)]
enum Driver {
    Blocking,
    Async,
}

impl Driver {
    const BOTH: [Driver; 2] = [Driver::Blocking, Driver::Async];

    fn rotate(
        self,
        rotation: Rotation,
        switch: impl FnMut(&ApplicationToken),
    ) -> Result<Rotated, RotationError> {
        match self {
            Self::Blocking => {
                let transport = UreqTransport::builder()
                    .timeout(Duration::from_secs(5))
                    .build();
                rotate_application_token(&transport, rotation, switch)
            }
            Self::Async => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let transport = ReqwestTransport::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                runtime.block_on(rotate_application_token_async(&transport, rotation, switch))
            }
        }
    }
}

/// Creates an application token with `permissions` through the seeded admin key.
fn create_app_token(emu: &Emulator, permissions: &[Permission]) -> ApplicationToken {
    let create = exact_with_key(emu, emu.exact_api_key())
        .create_application_token(
            emu.exact_application_id(),
            "rotated by a test",
            &permissions.iter().copied().collect::<Permissions>(),
            None,
        )
        .unwrap();
    create
        .parse(send(Operation::request(&create)))
        .unwrap()
        .into_result()
        .unwrap()
}

/// The ids the emulator lists for the seeded application.
fn listed_ids(emu: &Emulator) -> Vec<String> {
    let list = exact_with_key(emu, emu.exact_api_key())
        .list_application_tokens(emu.exact_application_id(), &ListQuery::new())
        .unwrap();
    let page = list
        .parse(send(Operation::request(&list)))
        .unwrap()
        .into_result()
        .unwrap();
    page.tokens.into_iter().map(|t| t.id).collect()
}

fn rotation_of(emu: &Emulator, old: &ApplicationToken) -> Rotation {
    exact_with_key(emu, emu.exact_api_key())
        .rotate_application_token(
            emu.exact_application_id(),
            &ApplicationTokenInfo::from(old),
            None,
        )
        .unwrap()
}

#[test]
fn a_rotation_switches_a_source_to_the_new_token_then_deletes_the_old() {
    for driver in Driver::BOTH {
        let emu = emulator();
        let old = create_app_token(
            &emu,
            &[Permission::ApplicationTokensRead, Permission::ChargesCreate],
        );
        let order = emu.exact_order_ids()[1];
        let orders = |key: &str| {
            exact_with_key(&emu, key)
                .create_order_access_token(order)
                .unwrap()
        };
        let [source, _] = Source::both(&emu, || orders(old.token.expose_secret()));
        let live = source.token().unwrap();
        let mut switched_to = None;
        let rotated = driver
            .rotate(rotation_of(&emu, &old), |new| {
                // Nothing is deleted before the switch.
                assert!(listed_ids(&emu).contains(&old.id), "{driver:?}");
                source.replace_endpoint(orders(new.token.expose_secret()));
                switched_to = Some(new.id.clone());
            })
            .unwrap_or_else(|e| panic!("{driver:?}: {e}"));
        assert_eq!(switched_to.as_deref(), Some(rotated.new.id.as_str()));
        assert_eq!(rotated.verified_by, Verification::NewToken, "{driver:?}");
        assert_eq!(rotated.new.label.as_deref(), Some("rotated by a test"));
        assert_eq!(rotated.new.allowed_permissions, old.allowed_permissions);
        let ids = listed_ids(&emu);
        assert!(
            !ids.contains(&old.id),
            "{driver:?}: the old token is deleted"
        );
        assert!(ids.contains(&rotated.new.id), "{driver:?}");
        // The source keeps its live order token; the next one is minted with the new key.
        assert!(Arc::ptr_eq(&live, &source.token().unwrap()), "{driver:?}");
        assert!(source.invalidate(&live));
        source
            .token()
            .expect("minted with the new application token");
    }
}

#[test]
fn a_rotation_whose_create_fails_leaves_the_old_token_working_and_names_it() {
    for driver in Driver::BOTH {
        let emu = emulator();
        let old = create_app_token(&emu, &[Permission::ChargesCreate]);
        emu.inject(
            Route::ExactCreateApplicationToken,
            Fault::Status(503, "text/plain".into(), "Service Unavailable".into()),
            1,
        );
        let error = driver
            .rotate(rotation_of(&emu, &old), |_| panic!("no switch"))
            .unwrap_err();
        assert!(
            matches!(error, RotationError::CreateFailed { .. }),
            "{driver:?}: {error:?}"
        );
        assert_eq!(error.working_id(), old.id, "{driver:?}");
        assert!(listed_ids(&emu).contains(&old.id), "{driver:?}");
    }
}

#[test]
fn a_rotation_whose_delete_fails_names_the_new_token_as_the_working_one() {
    for driver in Driver::BOTH {
        let emu = emulator();
        let old = create_app_token(&emu, &[Permission::ChargesCreate]);
        emu.inject(
            Route::ExactDeleteApplicationToken,
            Fault::Status(503, "text/plain".into(), "Service Unavailable".into()),
            1,
        );
        let mut switched = false;
        let error = driver
            .rotate(rotation_of(&emu, &old), |_| switched = true)
            .unwrap_err();
        let RotationError::DeleteFailed {
            ref working,
            ref old_id,
            ..
        } = error
        else {
            panic!("{driver:?}: {error:?}")
        };
        assert!(switched, "{driver:?}");
        assert_eq!(old_id, &old.id);
        assert_eq!(error.working_id(), working.id);
        let ids = listed_ids(&emu);
        assert!(
            ids.contains(&working.id) && ids.contains(&old.id),
            "{driver:?}: both left"
        );
    }
}

#[test]
fn the_local_permission_check_agrees_with_the_emulator() {
    let emu = emulator();
    let app = emu.exact_application_id();
    let token = create_app_token(&emu, &[Permission::ApplicationTokensRead]);
    let api = exact_with_key(&emu, token.token.expose_secret());
    let list = api.list_application_tokens(app, &ListQuery::new()).unwrap();
    let delete = api.delete_application_token(app, &token.id).unwrap();
    for (request, expected) in [
        (Operation::request(&list), 200),
        (Operation::request(&delete), 401),
    ] {
        let path = request.uri().path().trim_start_matches("/exact").to_owned();
        let local = coverage(&token.allowed_permissions, request.method(), &path);
        let status = send(request).status().as_u16();
        assert_eq!(status, expected, "{path}");
        assert_eq!(
            matches!(local, Coverage::Covered(_)),
            status == 200,
            "{path}: {local:?}"
        );
        assert_eq!(
            matches!(local, Coverage::Missing(_)),
            status == 401,
            "{path}: {local:?}"
        );
    }
}
