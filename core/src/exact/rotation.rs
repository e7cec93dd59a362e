//! Rotating an application token as one call, sans-IO: create its successor with the same label
//! and permissions, verify it, let the caller switch to it, then delete the old one. A driver
//! sends the requests ([`Rotation`]'s docs give the loop); `keycard-source` has a blocking and
//! an async one.

use super::{
    Api, ApplicationToken, ApplicationTokenError, ApplicationTokenInfo, CreateApplicationToken,
    DeleteApplicationToken, ListApplicationTokens, ListQuery, Mode, Permission, Permissions,
};
use crate::{ApiError, BuildError, Operation, ParseError, TransportError};

/// How many of the newest tokens the verification lists: the new one is the newest.
const VERIFY_PAGE: u64 = 20;

/// An application token rotation: build with [`Api::rotate_application_token`], then drive it.
///
/// Each input gives the next [`RotationStep`]: start with [`start`](Self::start); send each
/// [`RotationStep::Send`] and report its response with [`on_response`](Self::on_response);
/// on [`RotationStep::Switch`], put the new token wherever the old one is used (sources,
/// configuration) and report [`switched`](Self::switched); stop at
/// [`RotationStep::Done`] or [`RotationStep::Failed`].
///
/// ```
/// use keycard_core::exact::{self, ApplicationTokenInfo, Environment, Permission, Permissions, RotationStep};
/// use keycard_core::ApiKey;
///
/// let admin = exact::Api::new(Environment::Sandbox.base_url(), ApiKey::new("admin-token"))?;
/// let old = ApplicationTokenInfo::new("tok-old-id", "checkout", Permissions::from([Permission::ChargesCreate]));
/// let mut rotation = admin.rotate_application_token("app-1", &old, None)?;
/// let RotationStep::Send(create) = rotation.start() else { unreachable!() };
/// assert_eq!(create.uri(), "https://api.exactpaysandbox.com/application/app-1/token");
/// // ... send it, then `rotation.on_response(result)`, and so on.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Rotation {
    admin: Api,
    application_id: String,
    old_id: String,
    create: CreateApplicationToken,
    stage: Stage,
}

#[derive(Debug)]
enum Stage {
    Start,
    Creating,
    Verifying {
        new: Box<ApplicationToken>,
        list: ListApplicationTokens,
        by: Verification,
    },
    Switching(Box<ApplicationToken>, Verification),
    Deleting {
        new: Box<ApplicationToken>,
        delete: DeleteApplicationToken,
        by: Verification,
    },
    Over,
}

/// What the rotation asks of its driver next.
#[derive(Debug)]
#[non_exhaustive]
// Built once per step and moved out at once.
#[allow(clippy::large_enum_variant)]
pub enum RotationStep {
    /// Send this request and report the result with [`Rotation::on_response`].
    Send(http::Request<Vec<u8>>),
    /// The new token works: switch everything that uses the old one to it (e.g.
    /// `TokenSource::replace_endpoint` with an endpoint built on its
    /// [`api_key`](ApplicationToken::api_key)), then report [`Rotation::switched`]. The old
    /// one is deleted next.
    Switch(ApplicationToken),
    /// The rotation is complete.
    Done(Rotated),
    /// The rotation stopped: the error names the token that works.
    Failed(RotationError),
}

/// A completed rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotated {
    /// The new token, now in use. Keep it safe: it is shown only once.
    pub new: ApplicationToken,
    /// The id of the old token, now deleted.
    pub old_id: String,
    /// How the new token was verified before the switch.
    pub verified_by: Verification,
}

/// How a new token was verified before anything switched to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// The new token listed the application's tokens itself, and was among them: it works.
    NewToken,
    /// The new token may not list tokens (no `application-tokens.read`): the admin key listed
    /// them, and the new token was among them with its label and permissions.
    AdminListing,
}

/// Why one request of a rotation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotationStepError {
    /// The request could not be exchanged (connection, timeout, …).
    #[error("the request could not be exchanged")]
    Transport(#[source] TransportError),
    /// A response came back but could not be read.
    #[error("the response could not be read")]
    Unreadable(#[source] ParseError),
    /// The API answered with an error (or an undocumented answer).
    #[error("the API refused")]
    Refused(#[source] ApiError<ApplicationTokenError>),
    /// The request could not be built (the new token cannot be sent as a header).
    #[error("the request could not be built")]
    Build(#[source] BuildError),
    /// The listing did not show the new token (or showed it with other permissions).
    #[error("the new token is not listed with its label and permissions")]
    NotListed,
}

/// Why a rotation stopped. Each variant names the token id that works and is in use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// Creating the new token failed: nothing changed; keep using `working_id`.
    #[error("creating the new application token failed; {working_id} is still in use")]
    CreateFailed {
        /// The old token's id: it still works and is still in use.
        working_id: String,
        /// Why.
        #[source]
        cause: Box<RotationStepError>,
    },
    /// The new token could not be verified: nothing switched; keep using `working_id`. The new
    /// token exists: delete it (its id is `unverified.id`) once you know why.
    #[error("the new application token {} could not be verified; {working_id} is still in use", unverified.id)]
    VerifyFailed {
        /// The old token's id: it still works and is still in use.
        working_id: String,
        /// The new token, created but not verified, and used by nothing.
        unverified: Box<ApplicationToken>,
        /// Why.
        #[source]
        cause: Box<RotationStepError>,
    },
    /// Everything switched to the new token (`working.id`), but deleting the old one failed: it
    /// still exists and still works; delete it (`old_id`) later.
    #[error("{} is in use, but deleting the old application token {old_id} failed", working.id)]
    DeleteFailed {
        /// The new token: it works and is in use.
        working: Box<ApplicationToken>,
        /// The old token's id: not deleted.
        old_id: String,
        /// Why.
        #[source]
        cause: Box<RotationStepError>,
    },
    /// The driver reported a result the rotation did not ask for (a response before
    /// [`start`](Rotation::start), a switch before [`RotationStep::Switch`], anything after
    /// the end). `working_id` is the token in use when it happened.
    #[error("the rotation was driven out of order; {working_id} is in use")]
    OutOfOrder {
        /// The token in use.
        working_id: String,
    },
}

impl RotationError {
    /// The id of the token that works and is in use.
    pub fn working_id(&self) -> &str {
        match self {
            Self::CreateFailed { working_id, .. }
            | Self::VerifyFailed { working_id, .. }
            | Self::OutOfOrder { working_id } => working_id,
            Self::DeleteFailed { working, .. } => &working.id,
        }
    }
}

impl Api {
    /// Rotates the application token `old` of `application_id`: creates its successor with the
    /// same label and permissions (in `mode`, when given), verifies it, has the caller switch
    /// to it, then deletes `old`. This API's key creates, lists and deletes (it needs
    /// `application-tokens.create`, `.read` and `.delete`); it may be `old` itself.
    ///
    /// `old` without a label, or with no permissions, is refused.
    pub fn rotate_application_token(
        &self,
        application_id: &str,
        old: &ApplicationTokenInfo,
        mode: Option<Mode>,
    ) -> Result<Rotation, BuildError> {
        let label = old
            .label
            .as_deref()
            .ok_or(BuildError::EmptyField { name: "label" })?;
        let create =
            self.create_application_token(application_id, label, &old.allowed_permissions, mode)?;
        // Built now, so that a bad id is refused before anything is created.
        self.delete_application_token(application_id, &old.id)?;
        Ok(Rotation {
            admin: self.clone(),
            application_id: application_id.to_owned(),
            old_id: old.id.clone(),
            create,
            stage: Stage::Start,
        })
    }
}

impl Rotation {
    /// The id of the token being replaced.
    pub fn old_id(&self) -> &str {
        &self.old_id
    }

    /// The first step: the request that creates the new token.
    pub fn start(&mut self) -> RotationStep {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::Creating;
                RotationStep::Send(Operation::request(&self.create))
            }
            _ => self.out_of_order(),
        }
    }

    /// Takes the result of the request last handed out, and gives the next step.
    pub fn on_response(
        &mut self,
        result: Result<http::Response<Vec<u8>>, TransportError>,
    ) -> RotationStep {
        match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Creating => match run(&self.create, result) {
                Ok(new) => self.verify(Box::new(new)),
                Err(cause) => RotationStep::Failed(RotationError::CreateFailed {
                    working_id: self.old_id.clone(),
                    cause: Box::new(cause),
                }),
            },
            Stage::Verifying { new, list, by } => {
                let (label, permissions) = (self.create.label(), self.create.permissions());
                // What the list leaves out cannot be compared; what it shows must match.
                let listed = run(&list, result).and_then(|page| {
                    page.tokens
                        .iter()
                        .any(|t| {
                            t.id == new.id
                                && t.label.as_deref().is_none_or(|l| l == label)
                                && (t.allowed_permissions.is_empty()
                                    || &t.allowed_permissions == permissions)
                        })
                        .then_some(())
                        .ok_or(RotationStepError::NotListed)
                });
                match listed {
                    Ok(()) => {
                        let token = (*new).clone();
                        self.stage = Stage::Switching(new, by);
                        RotationStep::Switch(token)
                    }
                    Err(cause) => RotationStep::Failed(RotationError::VerifyFailed {
                        working_id: self.old_id.clone(),
                        unverified: new,
                        cause: Box::new(cause),
                    }),
                }
            }
            Stage::Deleting { new, delete, by } => match run(&delete, result) {
                Ok(_) => RotationStep::Done(Rotated {
                    new: *new,
                    old_id: self.old_id.clone(),
                    verified_by: by,
                }),
                Err(cause) => RotationStep::Failed(RotationError::DeleteFailed {
                    working: new,
                    old_id: self.old_id.clone(),
                    cause: Box::new(cause),
                }),
            },
            other => {
                self.stage = other;
                self.out_of_order()
            }
        }
    }

    /// Everything now uses the new token: the next step deletes the old one.
    pub fn switched(&mut self) -> RotationStep {
        match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Switching(new, by) => {
                match self
                    .admin
                    .delete_application_token(&self.application_id, &self.old_id)
                {
                    Ok(delete) => {
                        let request = Operation::request(&delete);
                        self.stage = Stage::Deleting { new, delete, by };
                        RotationStep::Send(request)
                    }
                    Err(error) => RotationStep::Failed(RotationError::DeleteFailed {
                        working: new,
                        old_id: self.old_id.clone(),
                        cause: Box::new(RotationStepError::Build(error)),
                    }),
                }
            }
            other => {
                self.stage = other;
                self.out_of_order()
            }
        }
    }

    /// The request that verifies `new`: a listing by the new token itself when it may list,
    /// else by the admin key.
    fn verify(&mut self, new: Box<ApplicationToken>) -> RotationStep {
        let query = ListQuery::new().sort("createdAt:desc").limit(VERIFY_PAGE);
        let may_list = self
            .create
            .permissions()
            .grants(Permission::ApplicationTokensRead);
        let (lister, by) = if may_list {
            match Api::new(self.admin.base_url().clone(), new.api_key()) {
                Ok(api) => (api, Verification::NewToken),
                Err(error) => {
                    return RotationStep::Failed(RotationError::VerifyFailed {
                        working_id: self.old_id.clone(),
                        unverified: new,
                        cause: Box::new(RotationStepError::Build(error)),
                    })
                }
            }
        } else {
            (self.admin.clone(), Verification::AdminListing)
        };
        match lister.list_application_tokens(&self.application_id, &query) {
            Ok(list) => {
                let request = Operation::request(&list);
                self.stage = Stage::Verifying { new, list, by };
                RotationStep::Send(request)
            }
            Err(error) => RotationStep::Failed(RotationError::VerifyFailed {
                working_id: self.old_id.clone(),
                unverified: new,
                cause: Box::new(RotationStepError::Build(error)),
            }),
        }
    }

    fn out_of_order(&self) -> RotationStep {
        let working_id = match &self.stage {
            Stage::Deleting { new, .. } => new.id.clone(),
            _ => self.old_id.clone(),
        };
        RotationStep::Failed(RotationError::OutOfOrder { working_id })
    }
}

/// The success of `operation`'s response, or why there is none.
fn run<O, T>(
    operation: &O,
    result: Result<http::Response<Vec<u8>>, TransportError>,
) -> Result<T, RotationStepError>
where
    O: Operation<Output = crate::Outcome<T, ApplicationTokenError>, Error = ParseError>,
{
    let response = result.map_err(RotationStepError::Transport)?;
    let outcome = operation
        .parse(response)
        .map_err(RotationStepError::Unreadable)?;
    outcome.into_result().map_err(RotationStepError::Refused)
}

impl ApplicationTokenInfo {
    /// What a list would say of a token with this id, label and permissions (to rotate a token
    /// known from configuration).
    pub fn new(id: impl Into<String>, label: impl Into<String>, permissions: Permissions) -> Self {
        Self {
            id: id.into(),
            label: Some(label.into()),
            token_type: Some(super::TokenKind::Application),
            allowed_permissions: permissions,
            created_at: None,
        }
    }
}

impl From<&ApplicationToken> for ApplicationTokenInfo {
    fn from(token: &ApplicationToken) -> Self {
        Self {
            id: token.id.clone(),
            label: token.label.clone(),
            token_type: token.token_type.clone(),
            allowed_permissions: token.allowed_permissions.clone(),
            created_at: None,
        }
    }
}
