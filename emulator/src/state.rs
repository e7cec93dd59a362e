//! The emulator's mutable state: issued tokens of both APIs.

use crate::seed;
use crate::vocab::EXACT_PERMISSIONS;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Everything the emulator remembers between requests.
#[derive(Debug)]
pub(crate) struct State {
    /// Voucherify OAuth tokens by access token.
    pub oauth_tokens: HashMap<String, OAuthToken>,
    /// Exact Payments order access tokens: the current one per order.
    pub order_tokens: HashMap<String, OrderToken>,
    /// Every order access token minted per order, oldest first, with when a later one
    /// invalidated it: at most [`ORDER_HISTORY_CAP`] per order (the oldest go first).
    pub order_history: HashMap<String, VecDeque<crate::OrderTokenRecord>>,
    /// Exact Payments user tokens by token.
    pub user_tokens: HashMap<String, UserToken>,
    /// Exact Payments application tokens, in creation order.
    pub app_tokens: Vec<AppToken>,
    /// The Voucherify project's secret key and plan.
    pub voucherify_project: VoucherifyProject,
    /// The seeded Exact Payments user's login record.
    pub exact_user: LoginRecord,
}

/// The Voucherify project's secret key and what its plan still allows. Its `Debug` leaves the
/// key out.
#[derive(Clone)]
pub(crate) struct VoucherifyProject {
    /// The secret key `X-App-Token` must carry (the seed's until regenerated).
    pub secret_key: String,
    /// When (Unix seconds) the key was blocked or deleted, if it was.
    pub blocked_at: Option<u64>,
    /// The plan's calls per billing cycle; `None`: no limit.
    pub cycle_quota: Option<CycleQuota>,
}

impl std::fmt::Debug for VoucherifyProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoucherifyProject")
            .field("secret_key", &"<redacted>")
            .field("blocked_at", &self.blocked_at)
            .field("cycle_quota", &self.cycle_quota)
            .finish()
    }
}

/// The calls a plan allows per billing cycle, and how many this cycle has used.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CycleQuota {
    pub limit: u64,
    pub used: u64,
}

/// How many logins in a row failed, and whether the user is locked.
#[derive(Clone, Debug, Default)]
pub(crate) struct LoginRecord {
    pub failed_in_a_row: u32,
    pub locked: bool,
}

/// A Voucherify OAuth token.
#[derive(Clone, Debug)]
pub(crate) struct OAuthToken {
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: u64,
    pub revoked: bool,
}

impl OAuthToken {
    pub(crate) fn is_live(&self, now_secs: u64) -> bool {
        !self.revoked && now_secs < self.expires_at
    }
}

/// How many minted tokens the emulator remembers per order (memory stays bounded however long
/// a test mints).
pub(crate) const ORDER_HISTORY_CAP: usize = 1024;

/// An order's current access token.
#[derive(Clone, Debug)]
pub(crate) struct OrderToken {
    pub token: String,
    pub expires_at: SystemTime,
}

/// An Exact Payments user token.
#[derive(Clone, Debug)]
pub(crate) struct UserToken {
    pub expires_at: SystemTime,
}

/// An Exact Payments application token.
#[derive(Clone, Debug)]
pub(crate) struct AppToken {
    pub id: String,
    pub application: String,
    pub label: String,
    pub token: String,
    pub permissions: Vec<String>,
    pub created_at: SystemTime,
}

impl State {
    /// The seeded state: one application token with every permission.
    pub(crate) fn seeded() -> Self {
        State {
            oauth_tokens: HashMap::new(),
            order_tokens: HashMap::new(),
            order_history: HashMap::new(),
            user_tokens: HashMap::new(),
            app_tokens: vec![AppToken {
                id: seed::EXACT_API_KEY_ID.to_string(),
                application: seed::EXACT_APPLICATION_ID.to_string(),
                label: seed::EXACT_API_KEY_LABEL.to_string(),
                token: seed::EXACT_API_KEY.to_string(),
                permissions: EXACT_PERMISSIONS.iter().map(|p| p.to_string()).collect(),
                created_at: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            }],
            voucherify_project: VoucherifyProject {
                secret_key: seed::VOUCHERIFY_SECRET_KEY.to_string(),
                blocked_at: None,
                cycle_quota: None,
            },
            exact_user: LoginRecord::default(),
        }
    }

    /// Records a new token for `order_id` minted at `now`: the order's earlier token, if it was
    /// still valid, is invalidated at `now`.
    pub(crate) fn mint_order_token(&mut self, order_id: &str, token: OrderToken, now: SystemTime) {
        let history = self.order_history.entry(order_id.to_string()).or_default();
        if let Some(last) = history.back_mut() {
            if last.invalidated_at.is_none() && now < last.expires_at {
                last.invalidated_at = Some(now);
            }
        }
        if history.len() == ORDER_HISTORY_CAP {
            history.pop_front();
        }
        history.push_back(crate::OrderTokenRecord {
            token: token.token.clone(),
            issued_at: now,
            expires_at: token.expires_at,
            invalidated_at: None,
        });
        self.order_tokens.insert(order_id.to_string(), token);
    }

    /// How many Voucherify tokens are live at `now_secs`.
    pub(crate) fn live_oauth_tokens(&self, now_secs: u64) -> usize {
        self.oauth_tokens
            .values()
            .filter(|t| t.is_live(now_secs))
            .count()
    }

    /// Forgets Voucherify tokens that expired long ago, so memory stays bounded.
    pub(crate) fn prune_oauth_tokens(&mut self, now_secs: u64) {
        self.oauth_tokens
            .retain(|_, t| now_secs < t.expires_at.saturating_add(3600));
    }
}
