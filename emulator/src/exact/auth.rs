//! Exact Payments authentication: the `Authorization` header carries a user or application
//! token as is, with no `Bearer` prefix (so `Bearer <token>` is just a wrong token).

use crate::server::Shared;
use crate::vocab::EXACT_PERMISSIONS;
use crate::wire::Req;

/// Who a valid token belongs to.
#[derive(Debug)]
pub(crate) struct Principal {
    /// The permissions the token holds.
    pub permissions: Vec<String>,
}

impl Principal {
    pub(crate) fn may(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// The principal behind the request's `Authorization` header: a user token that has not
/// expired by the emulator clock, or an application token that has not been deleted.
pub(crate) fn principal(shared: &Shared, req: &Req) -> Option<Principal> {
    let token = req.header("authorization")?;
    if token.is_empty() {
        return None;
    }
    let now = shared.clock.now();
    let state = shared.state();
    if let Some(user) = state.user_tokens.get(token) {
        return (now < user.expires_at).then(|| Principal {
            permissions: EXACT_PERMISSIONS.iter().map(|p| p.to_string()).collect(),
        });
    }
    state
        .app_tokens
        .iter()
        .find(|t| t.token == token)
        .map(|t| Principal {
            permissions: t.permissions.clone(),
        })
}
