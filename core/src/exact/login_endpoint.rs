//! Exact Payments' user token policy: how the lifecycle logs in and keeps a user token.

use super::{CreateUserToken, Permissions, UserTokenError};
use crate::lifecycle::{parse_failure, untyped_failure};
use crate::lifecycle::{AuthScheme, Expiry, Failure, Issued, Rejection, StoreKey, TokenEndpoint};
use crate::preview::Preview;
use crate::{Operation, Parsed};
use http::StatusCode;
use std::time::Duration;

/// How long a user token lives when the server does not say (`expiresAt` is optional): the
/// spec's 2 hours.
const USER_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// A user token (2 hours) is the source's own: logged in again ahead of expiry. A refused login
/// is never retried: the spec locks a user after "more than five consecutive failed login
/// attempts", so a 401 (wrong credentials, or a disabled organization), a 403 (the password
/// expired) and a 423 (locked) are [`Failure::CredentialsRejected`], and the source makes no
/// further attempt until it is given new credentials
/// ([`replace_endpoint`](crate::lifecycle::SourceMachine::replace_endpoint)). A 503 or 500 is
/// retried as usual: it is no failed login.
///
/// What the token grants is its `allowedPermissions`.
impl TokenEndpoint for CreateUserToken {
    type Grant = Permissions;

    fn request(&self) -> http::Request<Vec<u8>> {
        Operation::request(self)
    }

    fn read(&self, response: http::Response<Vec<u8>>) -> Result<Issued<Permissions>, Failure> {
        let status = response.status();
        let outcome = self
            .parse(response)
            .map_err(|error| refusal(parse_failure(status, &error)))?;
        match outcome.into_parts().1 {
            Parsed::Success(token) => {
                let expiry = match token.expires_at {
                    Some(at) => Expiry::At(at),
                    None => Expiry::In {
                        expires_in: USER_TOKEN_LIFETIME,
                        server_expires_at: None,
                    },
                };
                Ok(Issued::new(
                    token.token,
                    AuthScheme::Raw,
                    token.allowed_permissions,
                    expiry,
                ))
            }
            // Scrubbed of the password when parsed; cut short like every error's text.
            Parsed::Error(error) => Err(refusal(Failure::Status {
                status,
                message: Some(message(&error)),
            })),
            Parsed::Unrecognized(untyped) => Err(refusal(untyped_failure(status, untyped))),
        }
    }

    fn store_key(&self) -> StoreKey {
        StoreKey::for_request("exact-user", &Operation::request(self))
    }
}

/// The API's text for an error, cut short.
fn message(error: &UserTokenError) -> String {
    match error {
        UserTokenError::BadRequest(error) => error.to_string(),
        UserTokenError::Unauthorized(text)
        | UserTokenError::Forbidden(text)
        | UserTokenError::NotFound(text)
        | UserTokenError::Locked(text)
        | UserTokenError::InternalServerError(text)
        | UserTokenError::ServiceUnavailable(text) => Preview(text).to_string(),
    }
}

/// A status the spec documents as a refused login, whatever its body: rejected credentials.
fn refusal(failure: Failure) -> Failure {
    let Failure::Status { status, message } = failure else {
        return failure;
    };
    let rejection = match status {
        StatusCode::UNAUTHORIZED => Rejection::Invalid,
        StatusCode::FORBIDDEN => Rejection::PasswordExpired,
        StatusCode::LOCKED => Rejection::Locked,
        _ => return Failure::Status { status, message },
    };
    Failure::CredentialsRejected {
        status,
        rejection,
        message,
    }
}
