//! Build requests and parse canned responses with no network: how to unit-test your own token
//! handling with keycard.
//!
//! Run: `cargo run --example offline_parse`

use keycard::voucherify::{self, Credentials, Introspection, Region, Scope, Scopes};
use keycard::{Operation, Parsed, SecretKey};

fn response(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.as_bytes().to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).expect("a valid status");
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_str(content_type).expect("a valid content type"),
    );
    response
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = voucherify::Api::new(
        Region::Europe.base_url(),
        Credentials::new("my-app-id", SecretKey::new("my-secret-key"))?,
    );

    // 1. Generate: the request, byte for byte, then the vendor's own example response.
    let generate = api.generate_token(&Scopes::from([Scope::Vouchers, Scope::Campaigns]))?;
    let request = generate.request();
    println!("{} {}", request.method(), request.uri());
    println!("  body: {}", String::from_utf8_lossy(request.body()));
    let outcome = generate.parse(response(
        200,
        "application/json",
        r#"{"access_token":"1ABCde2FGHijKl3m4NO5pqR6STUv7wxYzAbc8dE90FgH1IJkLm",
            "client_id":"a1Bcdefg2HI3Jkl4m5nOP","expires_at":1738945086,"expires_in":900,
            "scope":"campaigns vouchers","token_type":"Bearer"}"#,
    ))?;
    let token = outcome.into_result()?;
    println!(
        "  -> token for [{}], expires in {:?}, grants vouchers: {}",
        token.scope,
        token.expires_in,
        token.scope.grants(Scope::Vouchers)
    );
    println!(
        "  -> Debug never shows the secret: {:?}",
        token.access_token
    );

    // 2. An error the API documents: comma-separated scopes.
    let outcome = generate.parse(response(
        400,
        "application/json; charset=utf-8",
        r#"{"code":400,"key":"invalid_scope","message":"Invalid scope: vouchers,campaigns"}"#,
    ))?;
    match outcome.parsed() {
        Parsed::Error(error) => println!("  -> HTTP {}: {error}", outcome.status()),
        other => return Err(format!("expected an error body, got {other:?}").into()),
    }

    // 3. Introspect: an inactive token is a normal answer.
    let introspect = api.introspect(&token.access_token)?;
    let outcome = introspect.parse(response(200, "application/json", r#"{"active":false}"#))?;
    match outcome.into_result()? {
        Introspection::Inactive => println!("introspect -> inactive"),
        Introspection::Active(t) => println!("introspect -> active for {:?}", t.expires_in),
        _ => println!("introspect -> (a newer answer)"),
    }

    // 4. Revoke: 404 with an empty body means "already inactive".
    let revoke = api.revoke(&token.access_token)?;
    let outcome = revoke.parse(response(404, "text/plain", ""))?;
    println!("revoke -> {:?}", outcome.into_result()?);

    // 5. A proxy's HTML page: no typed body, nothing lost.
    let outcome = generate.parse(response(502, "text/html", "<html>Bad Gateway</html>"))?;
    println!(
        "proxy 502 -> {:?}, {} raw bytes kept",
        outcome.parsed(),
        outcome.raw().body().len()
    );
    Ok(())
}
