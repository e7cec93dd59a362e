//! Every Voucherify operation, over real HTTP to the emulator, through both transports.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::{emulator, voucherify, voucherify_with_secret, Via};
use keycard::voucherify::{ErrorKey, Introspection, Revocation, Scope, Scopes};
use keycard::{AccessToken, Parsed};
use keycard_emulator::Route;

#[test]
fn generate_introspect_revoke() {
    let emu = emulator();
    let api = voucherify(&emu);
    for via in Via::both() {
        let name = via.name();
        let scopes = Scopes::from([Scope::Vouchers, Scope::Campaigns]);
        let outcome = via.ok(&api.generate_token(&scopes).unwrap());
        assert_eq!(outcome.status(), 200, "{name}");
        let token = outcome.into_result().expect(name);
        assert!(token.scope.grants(Scope::Vouchers), "{name}");
        assert!(token.scope.grants(Scope::Campaigns), "{name}");
        assert_eq!(token.expires_in.as_secs(), 900, "{name}");

        // Active.
        let introspection = via
            .ok(&api.introspect(&token.access_token).unwrap())
            .into_result()
            .expect(name);
        let Introspection::Active(details) = introspection else {
            panic!("{name}: {introspection:?}")
        };
        assert!(details.scope.grants(Scope::Vouchers), "{name}");

        // Revoked, then not active any more.
        let revoke = api.revoke(&token.access_token).unwrap();
        let first = via.ok(&revoke);
        assert_eq!(first.status(), 204, "{name}");
        assert_eq!(first.success(), Some(&Revocation::Revoked), "{name}");
        let again = via.ok(&revoke);
        assert_eq!(again.status(), 404, "{name}");
        assert_eq!(again.success(), Some(&Revocation::NotActive), "{name}");

        // Inactive.
        let introspection = via
            .ok(&api.introspect(&token.access_token).unwrap())
            .into_result()
            .expect(name);
        assert_eq!(introspection, Introspection::Inactive, "{name}");
    }
    assert_eq!(emu.hits(Route::VoucherifyGenerate), 2);
    assert_eq!(emu.hits(Route::VoucherifyRevoke), 4);
}

#[test]
fn unknown_token_is_inactive_and_not_revocable() {
    let emu = emulator();
    let api = voucherify(&emu);
    let unknown = AccessToken::new("not-a-token-the-emulator-minted");
    for via in Via::both() {
        let name = via.name();
        let introspection = via.ok(&api.introspect(&unknown).unwrap());
        assert_eq!(
            introspection.success(),
            Some(&Introspection::Inactive),
            "{name}"
        );
        let revocation = via.ok(&api.revoke(&unknown).unwrap());
        assert_eq!(revocation.success(), Some(&Revocation::NotActive), "{name}");
    }
}

#[test]
fn expired_token_is_inactive() {
    let emu = emulator();
    let api = voucherify(&emu);
    for via in Via::both() {
        let name = via.name();
        let token = via
            .ok(&api
                .generate_token(&Scopes::from([Scope::Vouchers]))
                .unwrap())
            .into_result()
            .expect(name);
        emu.clock().advance(std::time::Duration::from_secs(901));
        let introspection = via.ok(&api.introspect(&token.access_token).unwrap());
        assert_eq!(
            introspection.success(),
            Some(&Introspection::Inactive),
            "{name}"
        );
    }
}

#[test]
fn bad_credentials_are_a_typed_401() {
    let emu = emulator();
    let api = voucherify_with_secret(&emu, "wrong-secret-key");
    for via in Via::both() {
        let name = via.name();
        let outcome = via.ok(&api
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .unwrap());
        assert_eq!(outcome.status(), 401, "{name}");
        let Parsed::Error(error) = outcome.parsed() else {
            panic!("{name}: {outcome:?}")
        };
        assert_eq!(error.code, 401, "{name}");
        assert_eq!(error.key, Some(ErrorKey::Unauthorized), "{name}");
        let introspect = via.ok(&api.introspect(&AccessToken::new("x")).unwrap());
        assert_eq!(introspect.status(), 401, "{name}");
        assert!(introspect.error().is_some(), "{name}");
        let revoke = via.ok(&api.revoke(&AccessToken::new("x")).unwrap());
        assert_eq!(revoke.status(), 401, "{name}");
        assert!(revoke.error().is_some(), "{name}");
    }
}

#[test]
fn invalid_scope_is_a_typed_400() {
    let emu = emulator();
    let api = voucherify(&emu);
    for via in Via::both() {
        let name = via.name();
        let scopes = Scopes::parse("vouchers no_such_scope");
        let outcome = via.ok(&api.generate_token(&scopes).unwrap());
        assert_eq!(outcome.status(), 400, "{name}");
        let error = outcome
            .error()
            .unwrap_or_else(|| panic!("{name}: {outcome:?}"));
        assert_eq!(error.key, Some(ErrorKey::InvalidScope), "{name}");
        assert!(error.message.contains("no_such_scope"), "{name}: {error:?}");
    }
    assert_eq!(emu.live_voucherify_tokens(), 0);
}

/// The async transport's future is `Send`: it runs in a spawned task.
#[tokio::test]
async fn reqwest_runs_in_a_spawned_task() {
    use keycard::AsyncTransport;
    let emu = emulator();
    let api = voucherify(&emu);
    let transport = keycard::reqwest::ReqwestTransport::new();
    let task = tokio::spawn(async move {
        let generate = api
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .unwrap();
        transport.run(&generate).await
    });
    let outcome = task.await.unwrap().unwrap();
    assert_eq!(outcome.status(), 200);
    assert!(outcome.success().is_some());
}
