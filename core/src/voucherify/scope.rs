//! Voucherify's OAuth scopes.

use crate::scope::{vocabulary, ScopeSet};

vocabulary! {
    /// A Voucherify OAuth scope, as listed in the `scope` field of `POST /v1/oauth/token`.
    ///
    /// `Api` grants every server-side (`/v1`) scope; `ClientApi` grants every `client_*` scope.
    pub enum Scope {
        Api => "api",
        Assets => "assets",
        AsyncActions => "async-actions",
        Campaigns => "campaigns",
        Categories => "categories",
        ClientApi => "client_api",
        ClientConsents => "client_consents",
        ClientCustomers => "client_customers",
        ClientEvents => "client_events",
        ClientPromotions => "client_promotions",
        ClientPublish => "client_publish",
        ClientQualifications => "client_qualifications",
        ClientRedeem => "client_redeem",
        ClientRedemptions => "client_redemptions",
        ClientValidate => "client_validate",
        ClientValidations => "client_validations",
        ClientVouchers => "client_vouchers",
        Consents => "consents",
        Customers => "customers",
        Events => "events",
        Exports => "exports",
        Locations => "locations",
        Loyalties => "loyalties",
        MetadataSchemas => "metadata-schemas",
        Orders => "orders",
        ProductCollections => "product-collections",
        Products => "products",
        Promotions => "promotions",
        Publications => "publications",
        Qualifications => "qualifications",
        Redemptions => "redemptions",
        Referrals => "referrals",
        Rewards => "rewards",
        Segments => "segments",
        Skus => "skus",
        TaskResults => "task-results",
        Templates => "templates",
        TrashBin => "trash-bin",
        ValidationRulesAssignments => "validation-rules-assignments",
        ValidationRules => "validation-rules",
        Validations => "validations",
        Vouchers => "vouchers",
    }
    umbrella |scope| scope.umbrella_of()
}

impl Scope {
    /// The umbrella scope that also grants this one: `client_api` for a `client_*` scope, `api`
    /// for any other but these two. A `const fn`, so each endpoint's mask of granting scopes is
    /// computed at compile time.
    pub(crate) const fn umbrella_of(self) -> Option<Scope> {
        const fn is_client(wire: &str) -> bool {
            let (wire, prefix) = (wire.as_bytes(), b"client_");
            if wire.len() < prefix.len() {
                return false;
            }
            let mut i = 0;
            while i < prefix.len() {
                if wire[i] != prefix[i] {
                    return false;
                }
                i += 1;
            }
            true
        }
        match self {
            Scope::Api | Scope::ClientApi => None,
            s if is_client(s.as_str()) => Some(Scope::ClientApi),
            _ => Some(Scope::Api),
        }
    }

    /// The bits (by index in [`Scope::ALL`]) of the scopes that grant any one of `scopes`: each
    /// scope and its umbrella. A token's known scopes grant one of `scopes` exactly when they
    /// share a bit with this mask.
    pub(crate) const fn granting_mask(scopes: &[Scope]) -> u128 {
        let mut mask = 0u128;
        let mut i = 0;
        while i < scopes.len() {
            mask |= 1u128 << scopes[i] as usize;
            if let Some(umbrella) = scopes[i].umbrella_of() {
                mask |= 1u128 << umbrella as usize;
            }
            i += 1;
        }
        mask
    }
}

/// A set of Voucherify scopes.
pub type Scopes = ScopeSet<Scope>;

/// A pool of Voucherify tokens keyed by scope set: a held token whose scopes grant every scope
/// asked for (itself or through its umbrella, e.g. `api`) serves the request.
impl crate::lifecycle::PoolKey for Scopes {
    const COVERS_OTHERS: bool = true;

    fn covers(&self, wanted: &Self) -> bool {
        self.grants_all(wanted)
    }
}
