//! Which permission an Exact Payments operation needs, where the spec names it, and a local
//! check that a token's `allowedPermissions` cover an operation.
//!
//! The table is copied by hand from the vendor's OpenAPI document
//! (`exactpayments-openapi.yaml`, as shipped with this project's specs): each row is an
//! operation whose `401` response says "The User or Application Token doesn't have (the)
//! permission to *action* *resource*", with the [`Permission`] that names that action on that
//! resource. Operations whose text names no permission of the vocabulary (enabling or
//! disabling a workflow, Apple Pay domains) and those whose text names none are left out: for
//! them the check answers [`Coverage::Undocumented`].
//!
//! ```
//! use http::Method;
//! use keycard_core::exact::{coverage, Coverage, Permission, Permissions};
//!
//! let allowed = Permissions::from([Permission::ApplicationTokensRead]);
//! let path = "/application/64b6d9ad24f5773308785e70/token";
//! assert_eq!(coverage(&allowed, &Method::GET, path), Coverage::Covered(Permission::ApplicationTokensRead));
//! assert_eq!(coverage(&allowed, &Method::POST, path), Coverage::Missing(Permission::ApplicationTokensCreate));
//! assert_eq!(coverage(&allowed, &Method::GET, "/status"), Coverage::Undocumented);
//! ```

use super::{Permission, Permissions};
use http::Method;

/// One operation whose required permission the spec names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredPermission {
    method: &'static str,
    path: &'static str,
    operation_id: &'static str,
    permission: Permission,
}

impl RequiredPermission {
    /// The HTTP method, e.g. `GET`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path pattern as the spec writes it; `{…}` stands for one path segment.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The spec's `operationId` (or, where it has none, the summary's words).
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The permission a token needs to call it.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// Whether `path` (no query, no base URL prefix) matches the pattern: a `{param}` matches
    /// any one non-empty segment; a trailing slash is ignored.
    pub fn matches_path(&self, path: &str) -> bool {
        crate::path_pattern::matches(self.path, path)
    }
}

/// What a token's permissions say about one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coverage {
    /// The spec names this permission for the call, and the token holds it.
    Covered(Permission),
    /// The spec names this permission for the call, and the token lacks it: the API would
    /// answer 401. Do not send it; ask for a token with the permission.
    Missing(Permission),
    /// The spec names no permission for this call: nothing to check locally.
    Undocumented,
}

macro_rules! rows {
    ($($method:literal $path:literal $id:literal => $permission:ident,)*) => {
        /// Every operation whose required permission the spec names (see the module docs for
        /// where the table comes from).
        pub static REQUIRED_PERMISSIONS: &[RequiredPermission] = &[$(RequiredPermission {
            method: $method,
            path: $path,
            operation_id: $id,
            permission: Permission::$permission,
        },)*];
    };
}

// From `exactpayments-openapi.yaml`: method, path, operationId, and the permission its 401
// text names ("… doesn't have permission to <action> <resource>").
rows! {
    // "create Application Tokens", "read Application Tokens", "delete Application Tokens"
    "POST" "/application/{applicationId}/token" "createApplicationToken" => ApplicationTokensCreate,
    "GET" "/application/{applicationId}/token" "queryApplicationToken" => ApplicationTokensRead,
    "DELETE" "/application/{applicationId}/token/{tokenId}" "deleteApplicationToken" => ApplicationTokensDelete,
    // "create Underwriting Workflows", "update the Workflow", "update Underwriting Workflows",
    // "delete Workflows"
    "POST" "/organization/{organizationId}/onboarding-workflow" "Create Workflow" => OnboardingWorkflowsCreate,
    "PUT" "/organization/{organizationId}/onboarding-workflow/{workflowId}/default" "setDefaultWorkflowById" => OnboardingWorkflowsUpdate,
    "PUT" "/organization/{organizationId}/onboarding-workflow/{workflowId}" "Update Workflow" => OnboardingWorkflowsUpdate,
    "DELETE" "/organization/{organizationId}/onboarding-workflow/{workflowId}" "deleteWorkflowById" => OnboardingWorkflowsDelete,
    // "view (the) Onboardings", "view the onboarding", "delete the Onboarding"
    "GET" "/organization/{organizationId}/onboarding" "listOnboardingByOrganization" => OnboardingsRead,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}" "retrieveOnboardingById" => OnboardingsRead,
    "DELETE" "/organization/{organizationId}/onboarding/{onboardingId}" "deleteOnboardingById" => OnboardingsDelete,
    "GET" "/onboarding" "listOnboardings" => OnboardingsRead,
    "GET" "/onboarding/search/{businessName}" "searchOnboardingByBusinessName" => OnboardingsRead,
    "GET" "/organization/{organizationId}/onboarding/search/{businessName}" "searchOnboardingByOrganizationIdAndBusinessName" => OnboardingsRead,
    // "view the Accounts"
    "GET" "/organization/{organizationId}/onboarding/filters" "listFilterOptions" => AccountsRead,
    // "create Notes", "read Notes"
    "POST" "/organization/{organizationId}/onboarding/{onboardingId}/note" "post-create-notes" => OnboardingNotesCreate,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/note" "get-list-notes" => OnboardingNotesRead,
    // "create", "list", "update", "retrieve", "delete the" Document Request(s)
    "POST" "/organization/{organizationId}/onboarding/{onboardingId}/document-request" "createDocumentRequest" => OnboardingDocumentRequestsCreate,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document-request" "get-list-document-requests" => OnboardingDocumentRequestsRead,
    "PUT" "/organization/{organizationId}/onboarding/{onboardingId}/document-request/{documentRequestId}" "updateDocumentRequest" => OnboardingDocumentRequestsUpdate,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document-request/{documentRequestId}" "get-retrieve-document-request" => OnboardingDocumentRequestsRead,
    "DELETE" "/organization/{organizationId}/onboarding/{onboardingId}/document-request/{documentRequestId}" "deleteDocumentRequestById" => OnboardingDocumentRequestsDelete,
    // "upload Documents", "list uploaded Documents", "update Documents", "retrieve uploaded
    // Document", "read Documents"
    "POST" "/organization/{organizationId}/onboarding/{onboardingId}/document" "uploadDocument" => OnboardingDocumentsCreate,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document" "get-documents" => OnboardingDocumentsRead,
    "PUT" "/organization/{organizationId}/onboarding/{onboardingId}/document/{documentId}" "put-update-document-type-by-id" => OnboardingDocumentsUpdate,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document/{documentId}" "get-retrieve-document" => OnboardingDocumentsRead,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document/download" "get-download-all-documents" => OnboardingDocumentsRead,
    "GET" "/organization/{organizationId}/onboarding/{onboardingId}/document/{documentId}/download" "get-document-by-id" => OnboardingDocumentsRead,
    // "list Reports", "download Reports", "delete the Report"
    "GET" "/report" "get-reports" => ReportsRead,
    "GET" "/report/{reportId}" "get-report" => ReportsRead,
    "DELETE" "/report/{reportId}" "delete-report" => ReportsDelete,
    "GET" "/report/{reportId}/details" "get-report-details" => ReportsRead,
}

/// The operation `method` and `path` (no query, no base URL prefix) call, if the spec names its
/// permission. A literal segment wins over a `{param}` when both match (`…/document/download`
/// over `…/document/{documentId}`).
pub fn required_permission(method: &Method, path: &str) -> Option<&'static RequiredPermission> {
    REQUIRED_PERMISSIONS
        .iter()
        .filter(|row| row.method == method.as_str() && row.matches_path(path))
        .min_by_key(|row| row.path.matches('{').count())
}

/// Whether `allowed` (a token's `allowedPermissions`) cover calling `method` `path` (no query,
/// no base URL prefix), where the spec names the permission.
pub fn coverage(allowed: &Permissions, method: &Method, path: &str) -> Coverage {
    match required_permission(method, path) {
        Some(row) if allowed.grants(row.permission) => Coverage::Covered(row.permission),
        Some(row) => Coverage::Missing(row.permission),
        None => Coverage::Undocumented,
    }
}
