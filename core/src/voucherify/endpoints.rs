//! Which Voucherify endpoints accept an OAuth bearer token, and with which scopes.
//!
//! The table is generated once from `core/data/voucherify-endpoint-scopes.tsv`; the test
//! `core/tests/endpoint_scopes.rs` keeps the two in step.
//!
//! ```
//! use keycard_core::voucherify::{endpoint, Scope};
//! use http::Method;
//!
//! let found = endpoint(&Method::GET, "/v1/vouchers/SUMMER-2025").unwrap();
//! assert_eq!(found.path(), "/v1/vouchers/{code}");
//! assert_eq!(found.scopes(), &[Scope::Api, Scope::Vouchers]);
//! assert!(endpoint(&Method::GET, "/v1/oauth/token").is_none());
//! ```

use super::Scope;
use http::Method;

/// One endpoint that accepts an OAuth bearer token: its method, path pattern and the scopes it
/// accepts (any one suffices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    method: Method,
    path: &'static str,
    scopes: &'static [Scope],
}

impl Endpoint {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path pattern, e.g. `/v1/vouchers/{code}`; `{…}` stands for one path segment.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The scopes the endpoint accepts; a token holding any one of them may call it.
    pub fn scopes(&self) -> &'static [Scope] {
        self.scopes
    }

    /// Whether `path` (no query, no base URL prefix) matches this endpoint's pattern. A
    /// trailing slash is ignored; a `{param}` matches any one non-empty segment.
    pub fn matches_path(&self, path: &str) -> bool {
        let mut pattern = segments(self.path);
        let mut actual = segments(path);
        loop {
            match (pattern.next(), actual.next()) {
                (None, None) => return true,
                (Some(p), Some(a)) if is_param(p) && !a.is_empty() => {}
                (Some(p), Some(a)) if p == a => {}
                _ => return false,
            }
        }
    }

    /// How many segments of the pattern are literal (used to prefer `/campaigns/qualification`
    /// over `/campaigns/{campaignId}`).
    fn literal_segments(&self) -> usize {
        segments(self.path).filter(|s| !is_param(s)).count()
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// The endpoint that `method` and `path` (no query, no base URL prefix) call, if it is one that
/// accepts an OAuth token. A literal segment wins over a `{param}` when both match.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .filter(|e| e.method == *method && e.matches_path(path))
        .max_by_key(|e| e.literal_segments())
}

const fn row(method: Method, path: &'static str, scopes: &'static [Scope]) -> Endpoint {
    Endpoint {
        method,
        path,
        scopes,
    }
}

/// Every Voucherify endpoint that accepts an OAuth bearer token, in the order of
/// `voucherify-endpoint-scopes.tsv`.
#[rustfmt::skip]
pub static ENDPOINTS: &[Endpoint] = &[
    row(Method::POST, "/client/v1/events", &[Scope::ClientApi, Scope::ClientEvents]),
    row(Method::GET, "/client/v1/promotions/tiers", &[Scope::ClientApi, Scope::ClientPromotions]),
    row(Method::POST, "/client/v1/publish", &[Scope::ClientApi, Scope::ClientPublish]),
    row(Method::POST, "/client/v1/qualifications", &[Scope::ClientApi, Scope::ClientQualifications]),
    row(Method::POST, "/client/v1/redeem", &[Scope::ClientApi, Scope::ClientRedeem]),
    row(Method::POST, "/client/v1/redemptions", &[Scope::ClientApi, Scope::ClientRedemptions]),
    row(Method::GET, "/client/v1/validate", &[Scope::ClientApi, Scope::ClientValidate]),
    row(Method::POST, "/client/v1/validations", &[Scope::ClientApi, Scope::ClientValidations]),
    row(Method::GET, "/v1/async-actions", &[Scope::Api, Scope::AsyncActions]),
    row(Method::GET, "/v1/async-actions/{asyncActionId}", &[Scope::Api, Scope::AsyncActions]),
    row(Method::GET, "/v1/campaigns", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/qualification", &[Scope::Api, Scope::Campaigns]),
    row(Method::DELETE, "/v1/campaigns/{campaignId}", &[Scope::Api, Scope::Campaigns]),
    row(Method::GET, "/v1/campaigns/{campaignId}", &[Scope::Api, Scope::Campaigns]),
    row(Method::PUT, "/v1/campaigns/{campaignId}", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/disable", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/enable", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/import", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/importCSV", &[Scope::Api, Scope::Campaigns]),
    row(Method::GET, "/v1/campaigns/{campaignId}/summary", &[Scope::Api, Scope::Campaigns]),
    row(Method::GET, "/v1/campaigns/{campaignId}/transactions", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/transactions/export", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/vouchers", &[Scope::Api, Scope::Campaigns]),
    row(Method::POST, "/v1/campaigns/{campaignId}/vouchers/{code}", &[Scope::Api, Scope::Campaigns]),
    row(Method::GET, "/v1/categories", &[Scope::Api, Scope::Categories]),
    row(Method::POST, "/v1/categories", &[Scope::Api, Scope::Categories]),
    row(Method::DELETE, "/v1/categories/{categoryId}", &[Scope::Api, Scope::Categories]),
    row(Method::GET, "/v1/categories/{categoryId}", &[Scope::Api, Scope::Categories]),
    row(Method::PUT, "/v1/categories/{categoryId}", &[Scope::Api, Scope::Categories]),
    row(Method::GET, "/v1/customers", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/customers", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/customers/bulk/async", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/customers/importCSV", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/customers/metadata/async", &[Scope::Api, Scope::Customers]),
    row(Method::DELETE, "/v1/customers/{customerId}", &[Scope::Api, Scope::Customers]),
    row(Method::GET, "/v1/customers/{customerId}", &[Scope::Api, Scope::Customers]),
    row(Method::PUT, "/v1/customers/{customerId}", &[Scope::Api, Scope::Customers]),
    row(Method::GET, "/v1/customers/{customerId}/activities", &[Scope::Api, Scope::Customers]),
    row(Method::GET, "/v1/customers/{customerId}/activity", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/customers/{customerId}/permanent-deletion", &[Scope::Api, Scope::Customers]),
    row(Method::GET, "/v1/customers/{customerId}/redeemables", &[Scope::Api, Scope::Customers]),
    row(Method::GET, "/v1/customers/{customerId}/segments", &[Scope::Api, Scope::Customers]),
    row(Method::POST, "/v1/events", &[Scope::Api, Scope::Events]),
    row(Method::GET, "/v1/exports", &[Scope::Api, Scope::Exports]),
    row(Method::POST, "/v1/exports", &[Scope::Api, Scope::Exports]),
    row(Method::DELETE, "/v1/exports/{exportId}", &[Scope::Api, Scope::Exports]),
    row(Method::GET, "/v1/exports/{exportId}", &[Scope::Api, Scope::Exports]),
    row(Method::GET, "/v1/exports/{export_Id}", &[Scope::Api, Scope::Exports]),
    row(Method::GET, "/v1/locations", &[Scope::Api, Scope::Locations]),
    row(Method::GET, "/v1/locations/{locationId}", &[Scope::Api, Scope::Locations]),
    row(Method::GET, "/v1/loyalties", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}/activity", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/balance", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}/pending-points", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/activate", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/balance", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/pending-points/{pendingPointsId}/cancel", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/redemption", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}/rewards", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}/tiers", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/members/{memberId}/transactions", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/members/{memberId}/transactions/export", &[Scope::Api, Scope::Loyalties]),
    row(Method::DELETE, "/v1/loyalties/{campaignId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::PUT, "/v1/loyalties/{campaignId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/earning-rules", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/earning-rules", &[Scope::Api, Scope::Loyalties]),
    row(Method::DELETE, "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::PUT, "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/disable", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/earning-rules/{earningRuleId}/enable", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/members", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members/{memberId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members/{memberId}/activity", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/members/{memberId}/balance", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members/{memberId}/pending-points", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members/{memberId}/points-expiration", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/members/{memberId}/redemption", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/members/{memberId}/transactions", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/members/{memberId}/transactions/export", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/members/{memberId}/transfers", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/pending-points", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/points-expiration/export", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/qualifications", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/reward-assignments", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/reward-assignments/{assignmentId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/reward-assignments/{assignmentId}/reward", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/rewards", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/rewards", &[Scope::Api, Scope::Loyalties]),
    row(Method::DELETE, "/v1/loyalties/{campaignId}/rewards/{assignmentId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/rewards/{assignmentId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::PUT, "/v1/loyalties/{campaignId}/rewards/{assignmentId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/tiers", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/tiers", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/tiers/{loyaltyTierId}", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/tiers/{loyaltyTierId}/earning-rules", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/tiers/{loyaltyTierId}/rewards", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/loyalties/{campaignId}/transactions", &[Scope::Api, Scope::Loyalties]),
    row(Method::POST, "/v1/loyalties/{campaignId}/transactions/export", &[Scope::Api, Scope::Loyalties]),
    row(Method::GET, "/v1/metadata-schemas", &[Scope::Api, Scope::MetadataSchemas]),
    row(Method::GET, "/v1/metadata-schemas/{resource}", &[Scope::Api, Scope::MetadataSchemas]),
    row(Method::GET, "/v1/orders", &[Scope::Api, Scope::Orders]),
    row(Method::POST, "/v1/orders", &[Scope::Api, Scope::Orders]),
    row(Method::POST, "/v1/orders/export", &[Scope::Api, Scope::Orders]),
    row(Method::POST, "/v1/orders/import", &[Scope::Api, Scope::Orders]),
    row(Method::GET, "/v1/orders/{orderId}", &[Scope::Api, Scope::Orders]),
    row(Method::PUT, "/v1/orders/{orderId}", &[Scope::Api, Scope::Orders]),
    row(Method::GET, "/v1/product-collections", &[Scope::Api, Scope::ProductCollections]),
    row(Method::POST, "/v1/product-collections", &[Scope::Api, Scope::ProductCollections]),
    row(Method::DELETE, "/v1/product-collections/{productCollectionId}", &[Scope::Api, Scope::ProductCollections]),
    row(Method::GET, "/v1/product-collections/{productCollectionId}", &[Scope::Api, Scope::ProductCollections]),
    row(Method::PUT, "/v1/product-collections/{productCollectionId}", &[Scope::Api, Scope::ProductCollections]),
    row(Method::GET, "/v1/product-collections/{productCollectionId}/products", &[Scope::Api, Scope::ProductCollections]),
    row(Method::GET, "/v1/products", &[Scope::Api, Scope::Products]),
    row(Method::POST, "/v1/products", &[Scope::Api, Scope::Products]),
    row(Method::POST, "/v1/products/bulk/async", &[Scope::Api, Scope::Products]),
    row(Method::POST, "/v1/products/importCSV", &[Scope::Api, Scope::Products]),
    row(Method::POST, "/v1/products/metadata/async", &[Scope::Api, Scope::Products]),
    row(Method::DELETE, "/v1/products/{productId}", &[Scope::Api, Scope::Products]),
    row(Method::GET, "/v1/products/{productId}", &[Scope::Api, Scope::Products]),
    row(Method::PUT, "/v1/products/{productId}", &[Scope::Api, Scope::Products]),
    row(Method::GET, "/v1/products/{productId}/skus", &[Scope::Api, Scope::Products]),
    row(Method::POST, "/v1/products/{productId}/skus", &[Scope::Api, Scope::Products]),
    row(Method::DELETE, "/v1/products/{productId}/skus/{skuId}", &[Scope::Api, Scope::Products]),
    row(Method::PUT, "/v1/products/{productId}/skus/{skuId}", &[Scope::Api, Scope::Products]),
    row(Method::GET, "/v1/promotions/stacks", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/promotions/tiers", &[Scope::Api, Scope::Promotions]),
    row(Method::DELETE, "/v1/promotions/tiers/{promotionTierId}", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/promotions/tiers/{promotionTierId}", &[Scope::Api, Scope::Promotions]),
    row(Method::PUT, "/v1/promotions/tiers/{promotionTierId}", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/tiers/{promotionTierId}/disable", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/tiers/{promotionTierId}/enable", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/tiers/{promotionTierId}/redemption", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/tiers/{tierId}/validation", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/validation", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/promotions/{campaignId}/stacks", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/{campaignId}/stacks", &[Scope::Api, Scope::Promotions]),
    row(Method::DELETE, "/v1/promotions/{campaignId}/stacks/{stackId}", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/promotions/{campaignId}/stacks/{stackId}", &[Scope::Api, Scope::Promotions]),
    row(Method::PUT, "/v1/promotions/{campaignId}/stacks/{stackId}", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/promotions/{campaignId}/tiers", &[Scope::Api, Scope::Promotions]),
    row(Method::POST, "/v1/promotions/{campaignId}/tiers", &[Scope::Api, Scope::Promotions]),
    row(Method::GET, "/v1/publications", &[Scope::Api, Scope::Publications]),
    row(Method::POST, "/v1/publications", &[Scope::Api, Scope::Publications]),
    row(Method::GET, "/v1/publications/create", &[Scope::Api, Scope::Publications]),
    row(Method::POST, "/v1/qualifications", &[Scope::Api, Scope::Qualifications]),
    row(Method::GET, "/v1/redemptions", &[Scope::Api, Scope::Redemptions]),
    row(Method::POST, "/v1/redemptions", &[Scope::Api, Scope::Redemptions]),
    row(Method::POST, "/v1/redemptions/{parentRedemptionId}/rollbacks", &[Scope::Api, Scope::Redemptions]),
    row(Method::GET, "/v1/redemptions/{redemptionId}", &[Scope::Api, Scope::Redemptions]),
    row(Method::POST, "/v1/redemptions/{redemptionId}/rollback", &[Scope::Api, Scope::Redemptions]),
    row(Method::GET, "/v1/referrals/members/{memberId}/holders", &[Scope::Api, Scope::Referrals]),
    row(Method::POST, "/v1/referrals/members/{memberId}/holders", &[Scope::Api, Scope::Referrals]),
    row(Method::DELETE, "/v1/referrals/members/{memberId}/holders/{holderId}", &[Scope::Api, Scope::Referrals]),
    row(Method::GET, "/v1/referrals/{campaignId}/members/{memberId}/holders", &[Scope::Api, Scope::Referrals]),
    row(Method::POST, "/v1/referrals/{campaignId}/members/{memberId}/holders", &[Scope::Api, Scope::Referrals]),
    row(Method::DELETE, "/v1/referrals/{campaignId}/members/{memberId}/holders/{holderId}", &[Scope::Api, Scope::Referrals]),
    row(Method::GET, "/v1/rewards", &[Scope::Api, Scope::Rewards]),
    row(Method::POST, "/v1/rewards", &[Scope::Api, Scope::Rewards]),
    row(Method::DELETE, "/v1/rewards/{rewardId}", &[Scope::Api, Scope::Rewards]),
    row(Method::GET, "/v1/rewards/{rewardId}", &[Scope::Api, Scope::Rewards]),
    row(Method::PUT, "/v1/rewards/{rewardId}", &[Scope::Api, Scope::Rewards]),
    row(Method::GET, "/v1/rewards/{rewardId}/assignments", &[Scope::Api, Scope::Rewards]),
    row(Method::POST, "/v1/rewards/{rewardId}/assignments", &[Scope::Api, Scope::Rewards]),
    row(Method::DELETE, "/v1/rewards/{rewardId}/assignments/{assignmentId}", &[Scope::Api, Scope::Rewards]),
    row(Method::GET, "/v1/rewards/{rewardId}/assignments/{assignmentId}", &[Scope::Api, Scope::Rewards]),
    row(Method::PUT, "/v1/rewards/{rewardId}/assignments/{assignmentId}", &[Scope::Api, Scope::Rewards]),
    row(Method::GET, "/v1/segments", &[Scope::Api, Scope::Segments]),
    row(Method::POST, "/v1/segments", &[Scope::Api, Scope::Segments]),
    row(Method::DELETE, "/v1/segments/{segmentId}", &[Scope::Api, Scope::Segments]),
    row(Method::GET, "/v1/segments/{segmentId}", &[Scope::Api, Scope::Segments]),
    row(Method::POST, "/v1/skus/importCSV", &[Scope::Api, Scope::Skus]),
    row(Method::GET, "/v1/skus/{skuId}", &[Scope::Api, Scope::Skus]),
    row(Method::GET, "/v1/templates/campaigns", &[Scope::Api, Scope::Templates]),
    row(Method::POST, "/v1/templates/campaigns", &[Scope::Api, Scope::Templates]),
    row(Method::DELETE, "/v1/templates/campaigns/{campaignTemplateId}", &[Scope::Api, Scope::Templates]),
    row(Method::GET, "/v1/templates/campaigns/{campaignTemplateId}", &[Scope::Api, Scope::Templates]),
    row(Method::PUT, "/v1/templates/campaigns/{campaignTemplateId}", &[Scope::Api, Scope::Templates]),
    row(Method::POST, "/v1/templates/campaigns/{campaignTemplateId}/campaign-setup", &[Scope::Api, Scope::Templates]),
    row(Method::POST, "/v1/templates/campaigns/{campaignTemplateId}/tier-setup", &[Scope::Api, Scope::Templates]),
    row(Method::GET, "/v1/trash-bin", &[Scope::Api, Scope::TrashBin]),
    row(Method::DELETE, "/v1/trash-bin/{binEntryId}", &[Scope::Api, Scope::TrashBin]),
    row(Method::GET, "/v1/validation-rules", &[Scope::Api, Scope::ValidationRules]),
    row(Method::POST, "/v1/validation-rules", &[Scope::Api, Scope::ValidationRules]),
    row(Method::GET, "/v1/validation-rules-assignments", &[Scope::Api, Scope::ValidationRulesAssignments]),
    row(Method::DELETE, "/v1/validation-rules/{validationRuleId}", &[Scope::Api, Scope::ValidationRules]),
    row(Method::GET, "/v1/validation-rules/{validationRuleId}", &[Scope::Api, Scope::ValidationRules]),
    row(Method::PUT, "/v1/validation-rules/{validationRuleId}", &[Scope::Api, Scope::ValidationRules]),
    row(Method::GET, "/v1/validation-rules/{validationRuleId}/assignments", &[Scope::Api, Scope::ValidationRules]),
    row(Method::POST, "/v1/validation-rules/{validationRuleId}/assignments", &[Scope::Api, Scope::ValidationRules]),
    row(Method::DELETE, "/v1/validation-rules/{validationRuleId}/assignments/{assignmentId}", &[Scope::Api, Scope::ValidationRules]),
    row(Method::POST, "/v1/validations", &[Scope::Api, Scope::Validations]),
    row(Method::GET, "/v1/vouchers", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/bulk/async", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/import", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/importCSV", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/metadata/async", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/qualification", &[Scope::Api, Scope::Vouchers]),
    row(Method::DELETE, "/v1/vouchers/{code}", &[Scope::Api, Scope::Vouchers]),
    row(Method::GET, "/v1/vouchers/{code}", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}", &[Scope::Api, Scope::Vouchers]),
    row(Method::PUT, "/v1/vouchers/{code}", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/balance", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/disable", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/enable", &[Scope::Api, Scope::Vouchers]),
    row(Method::GET, "/v1/vouchers/{code}/redemption", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/redemption", &[Scope::Api, Scope::Vouchers]),
    row(Method::DELETE, "/v1/vouchers/{code}/sessions/{sessionKey}", &[Scope::Api, Scope::Vouchers]),
    row(Method::GET, "/v1/vouchers/{code}/transactions", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/transactions/export", &[Scope::Api, Scope::Vouchers]),
    row(Method::POST, "/v1/vouchers/{code}/validate", &[Scope::Api, Scope::Vouchers]),
];
