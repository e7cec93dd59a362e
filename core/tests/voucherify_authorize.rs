//! `voucherify::Token::authorize`: the bearer header, sensitive, and a clear error for a token
//! that could never be a header.

use keycard_core::voucherify::{Scopes, Token, TokenType};
use keycard_core::{AccessToken, BuildError};
use std::time::{Duration, UNIX_EPOCH};

fn token(secret: &str) -> Token {
    Token {
        access_token: AccessToken::new(secret),
        client_id: "client".into(),
        expires_at: UNIX_EPOCH + Duration::from_secs(1_738_945_086),
        expires_in: Duration::from_secs(900),
        scope: Scopes::parse("vouchers"),
        token_type: TokenType::Bearer,
    }
}

#[test]
fn authorize_sets_a_sensitive_bearer_header() {
    let mut request = http::Request::new(());
    token("abc123").authorize(&mut request).unwrap();
    let header = &request.headers()[http::header::AUTHORIZATION];
    assert_eq!(header, "Bearer abc123");
    assert!(header.is_sensitive());
}

#[test]
fn authorize_replaces_an_existing_header() {
    let mut request = http::Request::new(());
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, "Bearer old".parse().unwrap());
    token("new").authorize(&mut request).unwrap();
    assert_eq!(
        request
            .headers()
            .get_all(http::header::AUTHORIZATION)
            .iter()
            .count(),
        1
    );
    assert_eq!(request.headers()[http::header::AUTHORIZATION], "Bearer new");
}

#[test]
fn a_hand_built_token_with_a_newline_is_refused() {
    let mut request = http::Request::new(());
    let error = token("abc\r\nX-Evil: 1")
        .authorize(&mut request)
        .unwrap_err();
    assert_eq!(
        error,
        BuildError::InvalidHeaderValue {
            name: "Authorization"
        }
    );
    assert!(request.headers().is_empty());
    assert!(!error.to_string().contains("abc"));
}
