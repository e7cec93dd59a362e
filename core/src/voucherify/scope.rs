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
    umbrella |scope| match scope {
        Scope::Api | Scope::ClientApi => None,
        s if s.as_str().starts_with("client_") => Some(Scope::ClientApi),
        _ => Some(Scope::Api),
    }
}

/// A set of Voucherify scopes.
pub type Scopes = ScopeSet<Scope>;
