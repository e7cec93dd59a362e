//! Properties of the Exact Payments operations: no input makes a builder or a parser panic,
//! and ids always stay one path segment.

mod exact_common;

use exact_common::*;
use keycard_core::exact::{
    CreateUserToken, Environment, ListQuery, Permission, Permissions, UserCredentials,
};
use keycard_core::{BuildError, Operation, Password};
use proptest::prelude::*;

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("text/plain; charset=utf-8".to_owned())),
        Just(Some("text/html".to_owned())),
        "[ -~]{0,30}".prop_map(Some),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![200u16, 201, 204, 400, 401, 403, 404, 423, 500, 503]),
        100u16..600,
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        "\\PC{0,200}".prop_map(String::into_bytes),
        Just(br#"{"accessToken":{"token":"t","expiresAt":"2023-07-26T23:32:32Z"}}"#.to_vec()),
        Just(br#"{"token":"t","expiresAt":"9999-12-31T23:59:60.999999999-23:59"}"#.to_vec()),
        Just(br#"{"issues":[{"code":"x","path":[1,{"a":null}]}]}"#.to_vec()),
        Just(br#"[{"id":"a","createdAt":"0000-01-01T00:00:00+23:59"}]"#.to_vec()),
        Just(br#"{"id":"i","token":"t","allowedPermissions":"charges.create"}"#.to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ids_stay_one_segment(order in "\\PC{0,20}", app in "\\PC{0,20}", token in "\\PC{0,20}") {
        match api().create_order_access_token(&order) {
            Err(e) => prop_assert_eq!(e, BuildError::EmptyPathSegment { name: "orderId" }),
            Ok(op) => {
                let request = op.request();
                let path = request.uri().path();
                let segments: Vec<&str> = path.split('/').collect();
                prop_assert_eq!(segments.len(), 4);
                prop_assert_eq!(decode(segments[2]), order);
                prop_assert!(request.uri().query().is_none());
            }
        }
        match api().delete_application_token(&app, &token) {
            Err(BuildError::EmptyPathSegment { name }) => {
                prop_assert!(
                    (name == "applicationId" && app.is_empty())
                        || (name == "tokenId" && token.is_empty())
                );
            }
            Err(e) => prop_assert!(false, "{e:?}"),
            Ok(op) => {
                let request = op.request();
                let segments: Vec<&str> = request.uri().path().split('/').collect();
                prop_assert_eq!(segments.len(), 5);
                prop_assert_eq!(decode(segments[2]), app);
                prop_assert_eq!(decode(segments[4]), token);
            }
        }
    }

    #[test]
    fn list_queries_never_break_the_uri(sort in "\\PC{1,30}", skip in any::<u64>(), limit in any::<u64>()) {
        let query = ListQuery::new().skip(skip).sort(sort.clone()).limit(limit);
        let op = api().list_application_tokens("app", &query).unwrap();
        let request = op.request();
        let query = request.uri().query().unwrap().to_owned();
        let pairs: Vec<&str> = query.split('&').collect();
        prop_assert_eq!(pairs.len(), 3);
        let skip_pair = format!("$skip={skip}");
        prop_assert_eq!(pairs[0], skip_pair.as_str());
        prop_assert_eq!(decode(pairs[1].strip_prefix("$sort=").unwrap()), sort);
        let limit_pair = format!("$limit={limit}");
        prop_assert_eq!(pairs[2], limit_pair.as_str());
    }

    #[test]
    fn builders_never_panic(email in "\\PC{0,20}", password in "\\PC{0,20}", application in proptest::option::of("\\PC{0,20}"), label in "\\PC{0,20}") {
        let mut credentials = UserCredentials::new(email, Password::new(password));
        credentials.application = application;
        let _ = CreateUserToken::new(&Environment::Sandbox.base_url(), &credentials);
        let _ = api().create_application_token("app", &label, &Permissions::from([Permission::ChargesCreate]), None);
    }

    #[test]
    fn parsers_never_panic(status in status(), content_type in content_type(), body in body(), total in proptest::option::of("[ -~]{0,25}")) {
        let mut headers = Vec::new();
        if let Some(total) = &total {
            headers.push(("x-total-count", total.as_str()));
        }
        let response = || response_with(status, content_type.as_deref(), &headers, &body);
        let api = api();
        let _ = api.create_order_access_token("o").unwrap().parse(response());
        let _ = api
            .create_application_token("a", "l", &Permissions::from([Permission::ChargesCreate]), None)
            .unwrap()
            .parse(response());
        let _ = api.list_application_tokens("a", &ListQuery::new()).unwrap().parse(response());
        let _ = api.delete_application_token("a", "t").unwrap().parse(response());
        let login = CreateUserToken::new(
            &Environment::Sandbox.base_url(),
            &UserCredentials::new("e", Password::new("p")),
        )
        .unwrap();
        if let Err(error) = login.parse(response()) {
            prop_assert_eq!(error.raw.body(), &body[..]);
            let _ = error.to_string();
        }
    }
}
