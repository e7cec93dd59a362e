//! Every Exact Payments operation, over real HTTP to the emulator, through both transports.
#![cfg(all(feature = "ureq", feature = "reqwest"))]

mod common;

use common::{emulator, exact, exact_base, exact_with_key, Via};
use keycard::exact::{
    ApplicationTokenError, CreateUserToken, Deleted, ListQuery, OrderErrorStatus, Permission,
    Permissions, UserCredentials, UserTokenError,
};
use keycard::{Parsed, Password};
use keycard_emulator::Route;

#[test]
fn order_access_token_201_403_404() {
    let emu = emulator();
    let api = exact(&emu);
    for via in Via::both() {
        let name = via.name();
        let outcome = via.ok(&api.create_order_access_token(emu.exact_order_id()).unwrap());
        assert_eq!(outcome.status(), 201, "{name}");
        let token = outcome.into_result().expect(name);
        assert!(
            emu.order_token_is_current(emu.exact_order_id(), token.token.expose_secret()),
            "{name}"
        );

        // An order id with a slash travels as one path segment.
        let slashed = emu.exact_order_ids()[3];
        assert!(slashed.contains('/'));
        let outcome = via.ok(&api.create_order_access_token(slashed).unwrap());
        assert_eq!(outcome.status(), 201, "{name}: {outcome:?}");

        let outcome = via.ok(&api.create_order_access_token("no-such-order").unwrap());
        assert_eq!(outcome.status(), 404, "{name}");
        let error = outcome
            .error()
            .unwrap_or_else(|| panic!("{name}: {outcome:?}"));
        assert_eq!(error.status, OrderErrorStatus::NotFound, "{name}");

        let stranger = exact_with_key(&emu, "not-a-key-the-emulator-knows");
        let outcome = via.ok(&stranger
            .create_order_access_token(emu.exact_order_id())
            .unwrap());
        assert_eq!(outcome.status(), 403, "{name}");
        let error = outcome
            .error()
            .unwrap_or_else(|| panic!("{name}: {outcome:?}"));
        assert_eq!(error.status, OrderErrorStatus::Forbidden, "{name}");
    }
    assert_eq!(emu.hits(Route::ExactOrderAccessToken), 8);
}

#[test]
fn user_token_then_application_tokens_create_list_delete() {
    let emu = emulator();
    for via in Via::both() {
        let name = via.name();

        // Log in.
        let login = CreateUserToken::new(
            &exact_base(&emu),
            &UserCredentials::new(
                emu.exact_user_email(),
                Password::new(emu.exact_user_password()),
            ),
        )
        .unwrap();
        let outcome = via.ok(&login);
        assert_eq!(outcome.status(), 201, "{name}: {outcome:?}");
        let user = outcome.into_result().expect(name);
        assert!(
            user.allowed_permissions
                .grants(Permission::ApplicationTokensCreate),
            "{name}"
        );

        // With the user token as the key: create an application token.
        let api = keycard::exact::Api::new(exact_base(&emu), user.api_key()).unwrap();
        let app = emu.exact_application_id();
        let permissions = Permissions::from([Permission::ChargesCreate]);
        let label = format!("keycard test via {name}");
        let outcome = via.ok(&api
            .create_application_token(app, &label, &permissions, None)
            .unwrap());
        assert_eq!(outcome.status(), 201, "{name}: {outcome:?}");
        let created = outcome.into_result().expect(name);
        assert_eq!(created.label.as_deref(), Some(label.as_str()), "{name}");
        assert!(
            created
                .allowed_permissions
                .grants(Permission::ChargesCreate),
            "{name}"
        );

        // The new token works as a key, and is listed.
        let as_app = keycard::exact::Api::new(exact_base(&emu), created.api_key()).unwrap();
        let outcome = via.ok(&as_app
            .create_order_access_token(emu.exact_order_id())
            .unwrap());
        assert_eq!(outcome.status(), 201, "{name}: {outcome:?}");
        let page = via
            .ok(&api.list_application_tokens(app, &ListQuery::new()).unwrap())
            .into_result()
            .expect(name);
        assert!(
            page.tokens.iter().any(|t| t.id == created.id),
            "{name}: {page:?}"
        );

        // Delete it: gone from the list; deleting again is a 404.
        let delete = api.delete_application_token(app, &created.id).unwrap();
        let outcome = via.ok(&delete);
        assert_eq!(outcome.success(), Some(&Deleted), "{name}: {outcome:?}");
        let page = via
            .ok(&api.list_application_tokens(app, &ListQuery::new()).unwrap())
            .into_result()
            .expect(name);
        assert!(!page.tokens.iter().any(|t| t.id == created.id), "{name}");
        let outcome = via.ok(&delete);
        assert_eq!(outcome.status(), 404, "{name}");
        assert!(
            matches!(
                outcome.parsed(),
                Parsed::Error(ApplicationTokenError::NotFound(_))
            ),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn documented_exact_errors() {
    let emu = emulator();
    let app = emu.exact_application_id();
    for via in Via::both() {
        let name = via.name();

        let wrong_password = CreateUserToken::new(
            &exact_base(&emu),
            &UserCredentials::new(emu.exact_user_email(), Password::new("wrong password")),
        )
        .unwrap();
        let outcome = via.ok(&wrong_password);
        assert_eq!(outcome.status(), 401, "{name}");
        assert!(
            matches!(
                outcome.parsed(),
                Parsed::Error(UserTokenError::Unauthorized(_))
            ),
            "{name}: {outcome:?}"
        );

        let stranger = exact_with_key(&emu, "not-a-key-the-emulator-knows");
        let outcome = via.ok(&stranger
            .list_application_tokens(app, &ListQuery::new())
            .unwrap());
        assert_eq!(outcome.status(), 401, "{name}");
        assert!(
            matches!(
                outcome.parsed(),
                Parsed::Error(ApplicationTokenError::Unauthorized(_))
            ),
            "{name}: {outcome:?}"
        );

        let api = exact(&emu);
        let outcome = via.ok(&api
            .list_application_tokens("000000000000000000000000", &ListQuery::new())
            .unwrap());
        assert_eq!(outcome.status(), 404, "{name}");
        assert!(
            matches!(
                outcome.parsed(),
                Parsed::Error(ApplicationTokenError::NotFound(_))
            ),
            "{name}: {outcome:?}"
        );
    }
}
