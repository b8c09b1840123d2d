//! Payload builders, one per event type (keyed by the dotted type), and the realistic weights.
//!
//! [`kind_of`] maps a type to its builder; [`has_builder`] is `kind_of(..).is_some()`, and the
//! tests check it for every catalog entry. Types without a builder still get a plausible generic
//! event ([`generic`]).

use rand::Rng;

use super::json::{rfc3339, static_arr, str_arr, J};
use super::people::{
    base32, chance, digits, hex, make_email, make_ip, make_phone, make_username, oauth_subject,
    pick, pick_country, spaced_phone, uuid, Client, Want,
};
use super::pii::{PiiKind as K, Registry};
use super::{Draft, State, Uid, Via};

// === the type table ===

/// Every type the generator has a dedicated builder for, with whether the platform's public docs
/// list it. Used when the catalog is empty, and by the tests.
pub(crate) const KNOWN_TYPES: &[(&str, bool)] = &[
    ("authentication.identity.anonymous.failed", true),
    ("authentication.identity.biometric.failed", true),
    ("authentication.identity.login_id.failed", true),
    ("authentication.primary.password.failed", true),
    ("authentication.primary.oob_otp_email.failed", true),
    ("authentication.primary.oob_otp_sms.failed", true),
    ("authentication.secondary.password.failed", true),
    ("authentication.secondary.oob_otp_email.failed", true),
    ("authentication.secondary.oob_otp_sms.failed", true),
    ("authentication.secondary.recovery_code.failed", true),
    ("authentication.secondary.totp.failed", true),
    ("identity.biometric.enabled", true),
    ("identity.biometric.disabled", true),
    ("identity.email.added", true),
    ("identity.email.removed", true),
    ("identity.email.updated", true),
    ("identity.phone.added", true),
    ("identity.phone.removed", true),
    ("identity.phone.updated", true),
    ("identity.username.added", true),
    ("identity.username.removed", true),
    ("identity.username.updated", true),
    ("identity.oauth.connected", true),
    ("identity.oauth.disconnected", true),
    ("user.anonymous.promoted", true),
    ("user.authenticated", true),
    ("user.created", true),
    ("user.deleted", true),
    ("user.deletion_scheduled", true),
    ("user.deletion_unscheduled", true),
    ("user.disabled", true),
    ("user.profile.updated", true),
    ("user.reenabled", true),
    ("user.session.terminated", true),
    ("user.signed_out", true),
    ("whatsapp.otp.verified", true),
    ("sms.sent", true),
    ("email.sent", true),
    ("project.app.secret.viewed", true),
    ("project.app.updated", true),
    ("project.billing.checkout.created", true),
    ("project.billing.subscription.cancelled", true),
    ("project.billing.subscription.status.updated", true),
    ("project.billing.subscription.updated", true),
    ("project.collaborator.deleted", true),
    ("project.collaborator.invitation.accepted", true),
    ("project.collaborator.invitation.created", true),
    ("project.collaborator.invitation.deleted", true),
    ("project.domain.created", true),
    ("project.domain.deleted", true),
    ("project.domain.verified", true),
    ("admin_api.mutation.anonymize_user.executed", true),
    ("admin_api.mutation.create_identity.executed", true),
    ("admin_api.mutation.create_session.executed", true),
    ("admin_api.mutation.create_user.executed", true),
    ("admin_api.mutation.delete_authenticator.executed", true),
    ("admin_api.mutation.delete_authorization.executed", true),
    ("admin_api.mutation.delete_identity.executed", true),
    ("admin_api.mutation.delete_user.executed", true),
    ("admin_api.mutation.generate_oob_otp_code.executed", true),
    ("admin_api.mutation.reset_password.executed", true),
    ("admin_api.mutation.revoke_all_sessions.executed", true),
    ("admin_api.mutation.revoke_session.executed", true),
    (
        "admin_api.mutation.schedule_account_anonymization.executed",
        true,
    ),
    (
        "admin_api.mutation.schedule_account_deletion.executed",
        true,
    ),
    (
        "admin_api.mutation.send_reset_password_message.executed",
        true,
    ),
    ("admin_api.mutation.set_disabled_status.executed", true),
    ("admin_api.mutation.set_verified_status.executed", true),
    (
        "admin_api.mutation.unschedule_account_anonymization.executed",
        true,
    ),
    (
        "admin_api.mutation.unschedule_account_deletion.executed",
        true,
    ),
    ("admin_api.mutation.update_identity.executed", true),
    ("admin_api.mutation.update_user.executed", true),
    ("user.reauthenticated", false),
    ("user.anonymization_scheduled", false),
    ("user.anonymization_unscheduled", false),
    ("user.anonymized", false),
    ("identity.email.verified", false),
    ("identity.email.unverified", false),
    ("identity.phone.verified", false),
    ("identity.phone.unverified", false),
    ("identity.username.verified", false),
    ("identity.username.unverified", false),
    ("authentication.blocked", false),
    ("bot_protection.verification.failed", false),
    ("rate_limit.blocked", false),
    ("whatsapp.sent", false),
    ("email.error", false),
    ("sms.error", false),
    ("whatsapp.error", false),
    ("email.suppressed", false),
    ("sms.suppressed", false),
    ("whatsapp.suppressed", false),
    ("fraud_protection.decision_recorded", false),
    ("m2m.token.created", false),
    ("usage.alert.triggered", false),
    ("project.app.created", false),
    ("admin_api.mutation.create_authenticator.executed", false),
    ("admin_api.mutation.reset_account_lockout.executed", false),
    ("admin_api.mutation.set_account_valid_from.executed", false),
    ("admin_api.mutation.set_account_valid_until.executed", false),
    (
        "admin_api.mutation.set_account_valid_period.executed",
        false,
    ),
    ("admin_api.mutation.set_password_expired.executed", false),
    ("admin_api.mutation.create_role.executed", false),
    ("admin_api.mutation.update_role.executed", false),
    ("admin_api.mutation.delete_role.executed", false),
    ("admin_api.mutation.create_group.executed", false),
    ("admin_api.mutation.update_group.executed", false),
    ("admin_api.mutation.delete_group.executed", false),
    ("admin_api.mutation.add_role_to_users.executed", false),
    ("admin_api.mutation.remove_role_from_users.executed", false),
    ("admin_api.mutation.add_user_to_roles.executed", false),
    ("admin_api.mutation.remove_user_from_roles.executed", false),
    ("admin_api.mutation.add_group_to_users.executed", false),
    ("admin_api.mutation.remove_group_from_users.executed", false),
    ("admin_api.mutation.add_user_to_groups.executed", false),
    ("admin_api.mutation.remove_user_from_groups.executed", false),
    ("admin_api.mutation.add_group_to_roles.executed", false),
    ("admin_api.mutation.remove_group_from_roles.executed", false),
    ("admin_api.mutation.add_role_to_groups.executed", false),
    ("admin_api.mutation.remove_role_from_groups.executed", false),
    ("admin_api.mutation.create_resource.executed", false),
    ("admin_api.mutation.update_resource.executed", false),
    ("admin_api.mutation.delete_resource.executed", false),
    ("admin_api.mutation.create_scope.executed", false),
    ("admin_api.mutation.update_scope.executed", false),
    ("admin_api.mutation.delete_scope.executed", false),
    (
        "admin_api.mutation.add_resource_to_clientid.executed",
        false,
    ),
    (
        "admin_api.mutation.remove_resource_from_clientid.executed",
        false,
    ),
    ("admin_api.mutation.add_scopes_to_clientid.executed", false),
    (
        "admin_api.mutation.remove_scopes_from_clientid.executed",
        false,
    ),
    (
        "admin_api.mutation.replace_scopes_of_clientid.executed",
        false,
    ),
    ("site_admin.app.plan.updated", false),
    ("site_admin.app.feature_config.updated", false),
    ("site_admin.app.collaborator.added", false),
    ("site_admin.app.collaborator.deleted", false),
    ("site_admin.app.collaborator.promoted", false),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Login {
    Email,
    Phone,
    Username,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdOp {
    Added,
    Removed,
    Updated,
    Verified,
    Unverified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserKind {
    Authenticated,
    Reauthenticated,
    Created,
    AnonymousPromoted,
    ProfileUpdated,
    Deleted,
    DeletionScheduled,
    DeletionUnscheduled,
    AnonymizationScheduled,
    AnonymizationUnscheduled,
    Anonymized,
    Disabled,
    Reenabled,
    SignedOut,
    SessionTerminated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Email,
    Sms,
    Whatsapp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    Sent,
    Error,
    Suppressed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectKind {
    AppCreated,
    AppSecretViewed,
    AppUpdated,
    CheckoutCreated,
    SubscriptionCancelled,
    SubscriptionStatusUpdated,
    SubscriptionUpdated,
    CollaboratorDeleted,
    InvitationAccepted,
    InvitationCreated,
    InvitationDeleted,
    DomainCreated,
    DomainDeleted,
    DomainVerified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SiteAdminKind {
    PlanUpdated,
    FeatureConfigUpdated,
    CollaboratorAdded,
    CollaboratorDeleted,
    CollaboratorPromoted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Crud {
    Create,
    Update,
    Delete,
}

/// Admin API mutations that carry just the user snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminUserOp {
    Anonymize,
    Create,
    Update,
    ResetPassword,
    RevokeAllSessions,
    ScheduleAnonymization,
    UnscheduleAnonymization,
    UnscheduleDeletion,
}

/// The payload shapes of the Admin API mutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminShape {
    User(AdminUserOp),
    /// `delete_user` (false) and `schedule_account_deletion` (true): `{user, reason}`.
    UserReason(bool),
    Authenticator(bool),
    Identity(Crud),
    Session(bool),
    Lockout,
    ValidFrom,
    ValidUntil,
    ValidPeriod,
    DisabledStatus,
    PasswordExpired,
    GenerateOtp,
    SendResetPassword,
    SetVerified,
    DeleteAuthorization,
    Role(Crud),
    Group(Crud),
    RoleToUsers(bool),
    UserToRoles(bool),
    GroupToUsers(bool),
    UserToGroups(bool),
    GroupToRoles(bool),
    RoleToGroups(bool),
    Resource(Crud),
    Scope(Crud),
    ResourceClient(bool),
    /// 0 add, 1 remove, 2 replace.
    ScopesClient(u8),
}

/// The builder of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    AuthFailed {
        stage: &'static str,
        authenticator: &'static str,
    },
    AuthIdentityFailed(&'static str),
    LoginIdFailed,
    AuthBlocked,
    BotProtection,
    RateLimit,
    LoginIdentity(Login, IdOp),
    Biometric(bool),
    OAuth(bool),
    User(UserKind),
    Message(Channel, Delivery),
    WhatsappOtpVerified,
    Fraud,
    M2m,
    UsageAlert,
    Project(ProjectKind),
    Admin(AdminShape),
    SiteAdmin(SiteAdminKind),
}

/// Whether the generator has a dedicated payload builder for `event_type` (dotted). Other types
/// still get a plausible generic event.
pub fn has_builder(event_type: &str) -> bool {
    kind_of(event_type).is_some()
}

pub(crate) fn kind_of(t: &str) -> Option<Kind> {
    use Kind::*;
    let fail = |stage, authenticator| {
        Some(AuthFailed {
            stage,
            authenticator,
        })
    };
    let user = |k| Some(User(k));
    let msg = |c, d| Some(Message(c, d));
    let project = |k| Some(Project(k));
    let site = |k| Some(SiteAdmin(k));
    match t {
        "authentication.primary.password.failed" => fail("primary", "password"),
        "authentication.primary.oob_otp_email.failed" => fail("primary", "oob_otp_email"),
        "authentication.primary.oob_otp_sms.failed" => fail("primary", "oob_otp_sms"),
        "authentication.secondary.password.failed" => fail("secondary", "password"),
        "authentication.secondary.oob_otp_email.failed" => fail("secondary", "oob_otp_email"),
        "authentication.secondary.oob_otp_sms.failed" => fail("secondary", "oob_otp_sms"),
        "authentication.secondary.recovery_code.failed" => fail("secondary", "recovery_code"),
        "authentication.secondary.totp.failed" => fail("secondary", "totp"),
        "authentication.identity.anonymous.failed" => Some(AuthIdentityFailed("anonymous")),
        "authentication.identity.biometric.failed" => Some(AuthIdentityFailed("biometric")),
        "authentication.identity.login_id.failed" => Some(LoginIdFailed),
        "authentication.blocked" => Some(AuthBlocked),
        "bot_protection.verification.failed" => Some(BotProtection),
        "rate_limit.blocked" => Some(RateLimit),
        "identity.biometric.enabled" => Some(Biometric(true)),
        "identity.biometric.disabled" => Some(Biometric(false)),
        "identity.oauth.connected" => Some(OAuth(true)),
        "identity.oauth.disconnected" => Some(OAuth(false)),
        "user.authenticated" => user(UserKind::Authenticated),
        "user.reauthenticated" => user(UserKind::Reauthenticated),
        "user.created" => user(UserKind::Created),
        "user.anonymous.promoted" => user(UserKind::AnonymousPromoted),
        "user.profile.updated" => user(UserKind::ProfileUpdated),
        "user.deleted" => user(UserKind::Deleted),
        "user.deletion_scheduled" => user(UserKind::DeletionScheduled),
        "user.deletion_unscheduled" => user(UserKind::DeletionUnscheduled),
        "user.anonymization_scheduled" => user(UserKind::AnonymizationScheduled),
        "user.anonymization_unscheduled" => user(UserKind::AnonymizationUnscheduled),
        "user.anonymized" => user(UserKind::Anonymized),
        "user.disabled" => user(UserKind::Disabled),
        "user.reenabled" => user(UserKind::Reenabled),
        "user.signed_out" => user(UserKind::SignedOut),
        "user.session.terminated" => user(UserKind::SessionTerminated),
        "email.sent" => msg(Channel::Email, Delivery::Sent),
        "sms.sent" => msg(Channel::Sms, Delivery::Sent),
        "whatsapp.sent" => msg(Channel::Whatsapp, Delivery::Sent),
        "email.error" => msg(Channel::Email, Delivery::Error),
        "sms.error" => msg(Channel::Sms, Delivery::Error),
        "whatsapp.error" => msg(Channel::Whatsapp, Delivery::Error),
        "email.suppressed" => msg(Channel::Email, Delivery::Suppressed),
        "sms.suppressed" => msg(Channel::Sms, Delivery::Suppressed),
        "whatsapp.suppressed" => msg(Channel::Whatsapp, Delivery::Suppressed),
        "whatsapp.otp.verified" => Some(WhatsappOtpVerified),
        "fraud_protection.decision_recorded" => Some(Fraud),
        "m2m.token.created" => Some(M2m),
        "usage.alert.triggered" => Some(UsageAlert),
        "project.app.created" => project(ProjectKind::AppCreated),
        "project.app.secret.viewed" => project(ProjectKind::AppSecretViewed),
        "project.app.updated" => project(ProjectKind::AppUpdated),
        "project.billing.checkout.created" => project(ProjectKind::CheckoutCreated),
        "project.billing.subscription.cancelled" => project(ProjectKind::SubscriptionCancelled),
        "project.billing.subscription.status.updated" => {
            project(ProjectKind::SubscriptionStatusUpdated)
        }
        "project.billing.subscription.updated" => project(ProjectKind::SubscriptionUpdated),
        "project.collaborator.deleted" => project(ProjectKind::CollaboratorDeleted),
        "project.collaborator.invitation.accepted" => project(ProjectKind::InvitationAccepted),
        "project.collaborator.invitation.created" => project(ProjectKind::InvitationCreated),
        "project.collaborator.invitation.deleted" => project(ProjectKind::InvitationDeleted),
        "project.domain.created" => project(ProjectKind::DomainCreated),
        "project.domain.deleted" => project(ProjectKind::DomainDeleted),
        "project.domain.verified" => project(ProjectKind::DomainVerified),
        "site_admin.app.plan.updated" => site(SiteAdminKind::PlanUpdated),
        "site_admin.app.feature_config.updated" => site(SiteAdminKind::FeatureConfigUpdated),
        "site_admin.app.collaborator.added" => site(SiteAdminKind::CollaboratorAdded),
        "site_admin.app.collaborator.deleted" => site(SiteAdminKind::CollaboratorDeleted),
        "site_admin.app.collaborator.promoted" => site(SiteAdminKind::CollaboratorPromoted),
        _ => {
            if let Some(rest) = t.strip_prefix("identity.") {
                let (login, op) = rest.split_once('.')?;
                let login = match login {
                    "email" => Login::Email,
                    "phone" => Login::Phone,
                    "username" => Login::Username,
                    _ => return None,
                };
                let op = match op {
                    "added" => IdOp::Added,
                    "removed" => IdOp::Removed,
                    "updated" => IdOp::Updated,
                    "verified" => IdOp::Verified,
                    "unverified" => IdOp::Unverified,
                    _ => return None,
                };
                Some(LoginIdentity(login, op))
            } else {
                let name = t
                    .strip_prefix("admin_api.mutation.")?
                    .strip_suffix(".executed")?;
                admin_shape(name).map(Admin)
            }
        }
    }
}

fn admin_shape(name: &str) -> Option<AdminShape> {
    use AdminShape::*;
    Some(match name {
        "anonymize_user" => User(AdminUserOp::Anonymize),
        "create_user" => User(AdminUserOp::Create),
        "update_user" => User(AdminUserOp::Update),
        "reset_password" => User(AdminUserOp::ResetPassword),
        "revoke_all_sessions" => User(AdminUserOp::RevokeAllSessions),
        "schedule_account_anonymization" => User(AdminUserOp::ScheduleAnonymization),
        "unschedule_account_anonymization" => User(AdminUserOp::UnscheduleAnonymization),
        "unschedule_account_deletion" => User(AdminUserOp::UnscheduleDeletion),
        "delete_user" => UserReason(false),
        "schedule_account_deletion" => UserReason(true),
        "create_authenticator" => Authenticator(true),
        "delete_authenticator" => Authenticator(false),
        "create_identity" => Identity(Crud::Create),
        "update_identity" => Identity(Crud::Update),
        "delete_identity" => Identity(Crud::Delete),
        "create_session" => Session(true),
        "revoke_session" => Session(false),
        "reset_account_lockout" => Lockout,
        "set_account_valid_from" => ValidFrom,
        "set_account_valid_until" => ValidUntil,
        "set_account_valid_period" => ValidPeriod,
        "set_disabled_status" => DisabledStatus,
        "set_password_expired" => PasswordExpired,
        "generate_oob_otp_code" => GenerateOtp,
        "send_reset_password_message" => SendResetPassword,
        "set_verified_status" => SetVerified,
        "delete_authorization" => DeleteAuthorization,
        "create_role" => Role(Crud::Create),
        "update_role" => Role(Crud::Update),
        "delete_role" => Role(Crud::Delete),
        "create_group" => Group(Crud::Create),
        "update_group" => Group(Crud::Update),
        "delete_group" => Group(Crud::Delete),
        "add_role_to_users" => RoleToUsers(true),
        "remove_role_from_users" => RoleToUsers(false),
        "add_user_to_roles" => UserToRoles(true),
        "remove_user_from_roles" => UserToRoles(false),
        "add_group_to_users" => GroupToUsers(true),
        "remove_group_from_users" => GroupToUsers(false),
        "add_user_to_groups" => UserToGroups(true),
        "remove_user_from_groups" => UserToGroups(false),
        "add_group_to_roles" => GroupToRoles(true),
        "remove_group_from_roles" => GroupToRoles(false),
        "add_role_to_groups" => RoleToGroups(true),
        "remove_role_from_groups" => RoleToGroups(false),
        "create_resource" => Resource(Crud::Create),
        "update_resource" => Resource(Crud::Update),
        "delete_resource" => Resource(Crud::Delete),
        "create_scope" => Scope(Crud::Create),
        "update_scope" => Scope(Crud::Update),
        "delete_scope" => Scope(Crud::Delete),
        "add_resource_to_clientid" => ResourceClient(true),
        "remove_resource_from_clientid" => ResourceClient(false),
        "add_scopes_to_clientid" => ScopesClient(0),
        "remove_scopes_from_clientid" => ScopesClient(1),
        "replace_scopes_of_clientid" => ScopesClient(2),
        _ => return None,
    })
}

/// How often a type occurs in [`Mix::Realistic`](super::Mix::Realistic), in events per 10,000.
pub(crate) fn realistic_weight(t: &str) -> u32 {
    match t {
        "user.authenticated" => 3000,
        "authentication.primary.password.failed" => 520,
        "authentication.identity.login_id.failed" => 420,
        "sms.sent" => 900,
        "email.sent" => 880,
        "whatsapp.sent" => 90,
        "user.signed_out" => 300,
        "user.created" => 240,
        "user.reauthenticated" => 150,
        "m2m.token.created" => 150,
        "user.profile.updated" => 110,
        "authentication.primary.oob_otp_sms.failed" => 120,
        "authentication.primary.oob_otp_email.failed" => 100,
        "authentication.secondary.totp.failed" => 80,
        "authentication.blocked" => 80,
        "authentication.secondary.oob_otp_sms.failed" => 60,
        "rate_limit.blocked" => 60,
        "user.session.terminated" => 60,
        "fraud_protection.decision_recorded" => 50,
        "bot_protection.verification.failed" => 40,
        "authentication.secondary.oob_otp_email.failed" => 35,
        "identity.email.verified" | "identity.phone.verified" => 40,
        "identity.email.added" | "identity.phone.added" | "identity.oauth.connected" => 30,
        "authentication.identity.biometric.failed" | "authentication.secondary.password.failed" => {
            20
        }
        "identity.biometric.enabled" => 20,
        "authentication.secondary.recovery_code.failed" => 15,
        "identity.email.updated" | "identity.phone.updated" => 15,
        "sms.error" | "email.error" | "whatsapp.error" => 12,
        "identity.email.removed" | "identity.phone.removed" | "identity.oauth.disconnected" => 9,
        "identity.biometric.disabled" | "user.anonymous.promoted" => 9,
        "sms.suppressed" | "email.suppressed" | "whatsapp.suppressed" => 8,
        "identity.username.added" | "identity.username.updated" | "identity.username.removed" => 6,
        "authentication.identity.anonymous.failed" | "whatsapp.otp.verified" => 5,
        "user.deleted" | "user.deletion_scheduled" => 5,
        "identity.email.unverified" | "identity.phone.unverified" => 4,
        "user.disabled" | "user.deletion_unscheduled" | "user.reenabled" => 3,
        "admin_api.mutation.update_user.executed" | "admin_api.mutation.create_user.executed" => 6,
        "user.anonymization_scheduled" | "user.anonymization_unscheduled" | "user.anonymized" => 1,
        "identity.username.verified" | "identity.username.unverified" => 1,
        "usage.alert.triggered" => 1,
        _ if t.starts_with("admin_api.") => 2,
        _ if t.starts_with("project.") => 1,
        _ if t.starts_with("site_admin.") => 1,
        _ => 1,
    }
}

// === shared pieces ===

/// Variations of a user snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snap {
    /// Show the user as anonymous (before promotion).
    pub(crate) anonymous: bool,
    pub(crate) anonymized: bool,
    /// `Some(reason)`: the user is disabled, with an optional admin reason.
    pub(crate) disabled: Option<Option<String>>,
    pub(crate) delete_at: Option<i64>,
    pub(crate) delete_reason: Option<String>,
    pub(crate) anonymize_at: Option<i64>,
    pub(crate) temporarily_disabled: Option<(i64, i64)>,
    pub(crate) valid_from: Option<i64>,
    pub(crate) valid_until: Option<i64>,
    pub(crate) mfa_grace_until: Option<i64>,
}

fn pl(pii: &mut Registry, kind: K, value: &str) -> J {
    pii.plant(kind, value);
    J::Str(value.to_owned())
}

fn obj(members: Vec<(&'static str, J)>) -> J {
    J::Obj(members)
}

fn draft(
    payload: Vec<(&'static str, J)>,
    uid: Uid,
    via: Via,
    url: Option<String>,
    referer: Option<String>,
) -> Draft {
    Draft {
        payload: J::Obj(payload),
        uid,
        via,
        url,
        referer,
    }
}

/// `Maelle.Sandoval42@Example.org` from `maelle.sandoval42@example.org`.
fn case_variant(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut up = true;
    for c in value.chars() {
        out.push(if up { c.to_ascii_uppercase() } else { c });
        up = matches!(c, '.' | '@' | '_' | '-');
    }
    out
}

/// `Store Manager` from `store_manager`.
fn title(key: &str) -> String {
    key.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const AMRS: &[&[&str]] = &[
    &["pwd", "x_primary_password"],
    &["pwd", "x_primary_password"],
    &["pwd", "x_primary_password"],
    &[
        "mfa",
        "otp",
        "pwd",
        "x_primary_password",
        "x_secondary_totp",
    ],
    &[
        "mfa",
        "otp",
        "pwd",
        "sms",
        "x_primary_password",
        "x_secondary_oob_otp_sms",
    ],
    &["otp", "sms", "x_primary_oob_otp_sms"],
    &["otp", "x_primary_oob_otp_email"],
    &["x_biometric"],
    &["x_passkey", "x_primary_passkey"],
    &[],
];

impl State {
    fn uid(&self, i: usize) -> Uid {
        Uid::Subject(self.people[i].id.clone())
    }

    fn details_page(&self, i: usize) -> String {
        self.portal_page(&format!("users/{}/details", self.people[i].id))
    }

    /// The user snapshot of person `i` (`pkg/api/model/user.go` order).
    pub(crate) fn user(&mut self, i: usize, o: &Snap) -> J {
        let now = self.now;
        let rng = &mut self.rng;
        let pii = &mut self.pii;
        let p = &self.people[i];
        let anon = p.anonymous || o.anonymous;
        let mut u: Vec<(&'static str, J)> = Vec::with_capacity(24);
        u.push(("id", J::Str(p.id.clone())));
        u.push(("created_at", J::Str(rfc3339(p.created, p.created_us))));
        u.push(("updated_at", J::Str(rfc3339(p.updated, p.updated_us))));
        u.push((
            "last_login_at",
            J::Str(rfc3339(p.last_login, p.last_login_us)),
        ));
        u.push(("is_anonymous", J::Bool(anon)));
        let verified =
            !anon && !o.anonymized && (p.email_verified || p.phone_verified || p.oauth.is_some());
        u.push(("is_verified", J::Bool(verified)));
        u.push(("is_disabled", J::Bool(o.disabled.is_some() || o.anonymized)));
        if let Some(Some(reason)) = &o.disabled {
            u.push(("disable_reason", pl(pii, K::FreeText, reason)));
        }
        u.push(("is_deactivated", J::Bool(false)));
        if let Some(at) = o.delete_at {
            u.push((
                "delete_at",
                J::Str(rfc3339(at, rng.random_range(1..1_000_000))),
            ));
        }
        if let Some(reason) = &o.delete_reason {
            u.push(("delete_reason", pl(pii, K::FreeText, reason)));
        }
        u.push(("is_anonymized", J::Bool(o.anonymized)));
        if let Some(at) = o.anonymize_at {
            u.push((
                "anonymize_at",
                J::Str(rfc3339(at, rng.random_range(1..1_000_000))),
            ));
        }
        if let Some((from, until)) = o.temporarily_disabled {
            u.push(("temporarily_disabled_from", J::Str(rfc3339(from, 0))));
            u.push(("temporarily_disabled_until", J::Str(rfc3339(until, 0))));
        }
        if let Some(at) = o.valid_from {
            u.push(("account_valid_from", J::Str(rfc3339(at, 0))));
        }
        if let Some(at) = o.valid_until {
            u.push(("account_valid_until", J::Str(rfc3339(at, 0))));
        }
        u.push(("can_reauthenticate", J::Bool(!anon && !o.anonymized)));

        // Standard attributes: a Go map, so keys are sorted.
        let mut sa: Vec<(&'static str, J)> = Vec::with_capacity(20);
        if anon || o.anonymized {
            let at = if o.anonymized { now } else { p.created };
            sa.push(("updated_at", J::Int(at)));
        } else {
            if let Some(a) = &p.address {
                sa.push((
                    "address",
                    obj(vec![
                        ("country", J::S(a.country)),
                        ("formatted", pl(pii, K::Address, &a.formatted)),
                        ("locality", J::S(a.locality)),
                        ("postal_code", pl(pii, K::Address, &a.postal)),
                        ("region", J::S(a.region)),
                        ("street_address", pl(pii, K::Address, &a.street)),
                    ]),
                ));
            }
            if let Some(b) = &p.birthdate {
                sa.push(("birthdate", pl(pii, K::Birthdate, b)));
            }
            if let Some(e) = &p.email {
                sa.push(("email", pl(pii, K::Email, e)));
                sa.push(("email_verified", J::Bool(p.email_verified)));
            }
            if p.named {
                sa.push(("family_name", pl(pii, K::Name, p.family.0)));
            }
            if let Some(g) = p.gender {
                sa.push(("gender", J::S(g)));
            }
            if p.named {
                sa.push(("given_name", pl(pii, K::Name, p.given.0)));
            }
            if let Some(l) = p.locale {
                sa.push(("locale", J::S(l)));
            }
            if p.named {
                sa.push(("name", pl(pii, K::Name, &p.full_name)));
            }
            if let Some(n) = &p.nickname {
                sa.push(("nickname", pl(pii, K::Name, n)));
            }
            if let Some(ph) = &p.phone {
                sa.push(("phone_number", pl(pii, K::Phone, ph)));
                sa.push(("phone_number_verified", J::Bool(p.phone_verified)));
            }
            if let Some(u) = &p.picture {
                sa.push(("picture", pl(pii, K::Url, u)));
            }
            if let Some(u) = &p.username {
                sa.push(("preferred_username", pl(pii, K::Username, u)));
            }
            if let Some(u) = &p.profile {
                sa.push(("profile", pl(pii, K::Url, u)));
            }
            sa.push(("updated_at", J::Int(p.updated)));
            if let Some(u) = &p.website {
                sa.push(("website", pl(pii, K::Url, u)));
            }
            if let Some(z) = p.zoneinfo {
                sa.push(("zoneinfo", J::S(z)));
            }
        }
        u.push(("standard_attributes", J::Obj(sa)));

        let mut ca: Vec<(&'static str, J)> = Vec::new();
        if !anon && !o.anonymized {
            if let Some(c) = &p.crm_id {
                ca.push(("crm_id", pl(pii, K::CustomId, c)));
            }
            if let Some(ph) = &p.emergency_phone {
                ca.push(("emergency_contact_phone", pl(pii, K::Phone, ph)));
            }
            if let Some(l) = &p.loyalty {
                ca.push(("loyalty_number", pl(pii, K::CustomId, l)));
            }
            if let Some(m) = p.marketing {
                ca.push(("marketing_opt_in", J::Bool(m)));
            }
            if let Some(t) = p.tier {
                ca.push(("membership_tier", J::S(t)));
            }
        }
        u.push(("custom_attributes", J::Obj(ca)));
        u.push(("x_web3", J::Obj(Vec::new())));
        u.push(("roles", static_arr(&p.roles)));
        u.push(("groups", static_arr(&p.groups)));
        if let Some(at) = o.mfa_grace_until {
            u.push(("mfa_grace_period_end_at", J::Str(rfc3339(at, 0))));
        }
        J::Obj(u)
    }

    fn identity_head(
        &mut self,
        i: usize,
        kind: &'static str,
        created: Option<i64>,
    ) -> Vec<(&'static str, J)> {
        let created = created.unwrap_or_else(|| {
            let p = &self.people[i];
            p.created + self.rng.random_range(0..3600)
        });
        let at = self.ts(created);
        vec![
            ("id", J::Str(uuid(&mut self.rng))),
            ("created_at", at.clone()),
            ("updated_at", at),
            ("type", J::S(kind)),
            ("user_id", J::Str(self.people[i].id.clone())),
        ]
    }

    /// A login-id identity with `value` (normalized) and a typed `original_value` that can differ
    /// in case or spacing.
    fn login_identity(&mut self, i: usize, login: Login, value: &str, created: Option<i64>) -> J {
        let original = match login {
            Login::Email | Login::Username if chance(&mut self.rng, 0.15) => case_variant(value),
            Login::Phone if chance(&mut self.rng, 0.2) => spaced_phone(value),
            _ => value.to_owned(),
        };
        let (kind, key, std_claim) = match login {
            Login::Email => (K::Email, "email", "email"),
            Login::Phone => (K::Phone, "phone", "phone_number"),
            Login::Username => (K::Username, "username", "preferred_username"),
        };
        let mut head = self.identity_head(i, "login_id", created);
        let mut claims: Vec<(&'static str, J)> = Vec::with_capacity(5);
        if login == Login::Email {
            claims.push(("email", pl(&mut self.pii, kind, value)));
        }
        claims.push(("https://authgear.com/claims/login_id/key", J::S(key)));
        claims.push((
            "https://authgear.com/claims/login_id/original_value",
            pl(&mut self.pii, kind, &original),
        ));
        claims.push(("https://authgear.com/claims/login_id/type", J::S(key)));
        claims.push((
            "https://authgear.com/claims/login_id/value",
            pl(&mut self.pii, kind, value),
        ));
        if login != Login::Email {
            claims.push((std_claim, pl(&mut self.pii, kind, value)));
        }
        head.push(("claims", J::Obj(claims)));
        J::Obj(head)
    }

    /// The person's login id of a kind, creating one when they have none.
    fn login_value(&mut self, i: usize, login: Login) -> String {
        let p = &self.people[i];
        let (given, family) = (p.given.1, p.family.1);
        match login {
            Login::Email => match &p.email {
                Some(e) => e.clone(),
                None => {
                    let e = make_email(&mut self.rng, given, family);
                    self.people[i].email = Some(e.clone());
                    e
                }
            },
            Login::Phone => match &p.phone {
                Some(ph) => ph.clone(),
                None => {
                    let country = p.country;
                    let ph = make_phone(&mut self.rng, country);
                    self.people[i].phone = Some(ph.clone());
                    ph
                }
            },
            Login::Username => match &p.username {
                Some(u) => u.clone(),
                None => {
                    let u = make_username(&mut self.rng, given, family);
                    self.people[i].username = Some(u.clone());
                    u
                }
            },
        }
    }

    /// A fresh value of a login-id kind for person `i` (the old value of an update).
    fn other_login_value(&mut self, i: usize, login: Login) -> String {
        let p = &self.people[i];
        let (given, family, country) = (p.given.1, p.family.1, p.country);
        match login {
            Login::Email => make_email(&mut self.rng, given, family),
            Login::Phone => make_phone(&mut self.rng, country),
            Login::Username => make_username(&mut self.rng, given, family),
        }
    }

    /// An OAuth identity with the provider's raw profile.
    fn oauth_identity(&mut self, i: usize, created: Option<i64>) -> J {
        if self.people[i].oauth.is_none() {
            let provider = pick(
                &mut self.rng,
                &["google", "google", "apple", "facebook", "github"],
            );
            let sub = oauth_subject(&mut self.rng, provider);
            self.people[i].oauth = Some((provider, sub));
        }
        let mut head = self.identity_head(i, "oauth", created);
        let rng = &mut self.rng;
        let pii = &mut self.pii;
        let p = &self.people[i];
        let (provider, sub) = p.oauth.clone().expect("set above");
        let email = match (provider, &p.email) {
            ("apple", _) if chance(rng, 0.4) => Some(format!(
                "{}@privaterelay.example.com",
                base32(rng, 10).to_lowercase()
            )),
            (_, Some(e)) => Some(e.clone()),
            (_, None) => None,
        };
        let (given, family, full) = (p.given.0, p.family.0, p.full_name.as_str());
        let profile = match provider {
            "google" => {
                let mut m = Vec::with_capacity(8);
                if let Some(e) = &email {
                    m.push(("email", pl(pii, K::Email, e)));
                    m.push(("email_verified", J::Bool(true)));
                }
                m.push(("family_name", pl(pii, K::Name, family)));
                m.push(("given_name", pl(pii, K::Name, given)));
                m.push(("locale", J::S(p.langs.first().copied().unwrap_or("en"))));
                m.push(("name", pl(pii, K::Name, full)));
                let pic = format!(
                    "https://lh3.googleusercontent.example.com/a/ACg8oc{}=s96-c",
                    base32(rng, 40)
                );
                m.push(("picture", pl(pii, K::Url, &pic)));
                m.push(("sub", pl(pii, K::ExternalId, &sub)));
                J::Obj(m)
            }
            "apple" => {
                let mut m = Vec::with_capacity(4);
                if let Some(e) = &email {
                    m.push(("email", pl(pii, K::Email, e)));
                    m.push(("email_verified", J::S("true")));
                    m.push((
                        "is_private_email",
                        J::S(if e.contains("privaterelay") {
                            "true"
                        } else {
                            "false"
                        }),
                    ));
                }
                m.push(("sub", pl(pii, K::ExternalId, &sub)));
                J::Obj(m)
            }
            "facebook" => {
                let mut m = Vec::with_capacity(5);
                if let Some(e) = &email {
                    m.push(("email", pl(pii, K::Email, e)));
                }
                m.push(("first_name", pl(pii, K::Name, given)));
                m.push(("id", pl(pii, K::ExternalId, &sub)));
                m.push(("last_name", pl(pii, K::Name, family)));
                m.push(("name", pl(pii, K::Name, full)));
                J::Obj(m)
            }
            _ => {
                let login = match &p.username {
                    Some(u) => u.clone(),
                    None => format!(
                        "{}-{}{}",
                        p.given.1,
                        p.family.1,
                        rng.random_range(1..100u32)
                    ),
                };
                let mut m = Vec::with_capacity(6);
                let avatar = format!("https://avatars.example.com/u/{sub}?v=4");
                m.push(("avatar_url", pl(pii, K::Url, &avatar)));
                if let Some(e) = &email {
                    m.push(("email", pl(pii, K::Email, e)));
                }
                let html = format!("https://github.example.com/{login}");
                m.push(("html_url", pl(pii, K::Url, &html)));
                pii.plant(K::ExternalId, &sub);
                m.push(("id", J::Int(sub.parse().unwrap_or(0))));
                m.push(("login", pl(pii, K::Username, &login)));
                m.push(("name", pl(pii, K::Name, full)));
                J::Obj(m)
            }
        };
        let mut claims: Vec<(&'static str, J)> = Vec::with_capacity(8);
        if let Some(e) = &email {
            claims.push(("email", pl(pii, K::Email, e)));
        }
        if provider != "apple" {
            claims.push(("family_name", pl(pii, K::Name, family)));
            claims.push(("given_name", pl(pii, K::Name, given)));
        }
        claims.push(("https://authgear.com/claims/oauth/profile", profile));
        claims.push((
            "https://authgear.com/claims/oauth/provider_alias",
            J::S(provider),
        ));
        claims.push((
            "https://authgear.com/claims/oauth/provider_type",
            J::S(provider),
        ));
        claims.push((
            "https://authgear.com/claims/oauth/subject_id",
            pl(pii, K::ExternalId, &sub),
        ));
        if provider != "apple" {
            claims.push(("name", pl(pii, K::Name, full)));
        }
        head.push(("claims", J::Obj(claims)));
        J::Obj(head)
    }

    /// A biometric identity with the SDK's device dump.
    fn biometric_identity(&mut self, i: usize, created: Option<i64>) -> J {
        let mut head = self.identity_head(i, "biometric", created);
        let key_id = uuid(&mut self.rng);
        let version = format!(
            "{}.{}.{}",
            self.rng.random_range(2..6u32),
            self.rng.random_range(0..20u32),
            self.rng.random_range(0..10u32)
        );
        let real_name = chance(&mut self.rng, 0.75);
        let pii = &mut self.pii;
        let app = &self.app;
        let p = &self.people[i];
        let Some(d) = &p.agent.device else {
            head.push((
                "claims",
                J::Obj(vec![(
                    "https://authgear.com/claims/biometric/key_id",
                    J::Str(key_id),
                )]),
            ));
            return J::Obj(head);
        };
        let (info, formatted) = if d.client == Client::Ios {
            let name = if real_name {
                pl(pii, K::DeviceName, &d.name)
            } else {
                J::S("iPhone")
            };
            let node = if real_name {
                pl(pii, K::DeviceName, &d.host_name)
            } else {
                J::S("localhost")
            };
            let release = if d.os_version.starts_with("18") {
                "24.0.0"
            } else {
                "23.4.0"
            };
            let info = obj(vec![(
                "ios",
                obj(vec![
                    (
                        "NSBundle",
                        obj(vec![
                            ("CFBundleDisplayName", J::S(app.display)),
                            ("CFBundleIdentifier", J::S(app.bundle)),
                            ("CFBundleShortVersionString", J::Str(version)),
                        ]),
                    ),
                    (
                        "UIDevice",
                        obj(vec![
                            ("model", J::S("iPhone")),
                            ("name", name),
                            ("systemName", J::S("iOS")),
                            ("systemVersion", J::S(d.os_version)),
                            ("userInterfaceIdiom", J::S("phone")),
                        ]),
                    ),
                    (
                        "uname",
                        obj(vec![
                            ("machine", J::S(d.model.machine)),
                            ("nodename", node),
                            ("release", J::S(release)),
                            ("sysname", J::S("Darwin")),
                        ]),
                    ),
                ]),
            )]);
            (info, d.model.marketing.to_owned())
        } else {
            let sdk = match d.os_version {
                "12" => 31,
                "13" => 33,
                "14" => 34,
                _ => 35,
            };
            let info = obj(vec![(
                "android",
                obj(vec![
                    ("ApplicationInfoLabel", J::S(app.display)),
                    (
                        "Build",
                        obj(vec![
                            ("BRAND", J::S(d.model.brand)),
                            ("MANUFACTURER", J::S(d.model.brand)),
                            ("MODEL", J::S(d.model.machine)),
                            (
                                "VERSION",
                                obj(vec![
                                    ("RELEASE", J::S(d.os_version)),
                                    ("SDK_INT", J::Int(sdk)),
                                ]),
                            ),
                        ]),
                    ),
                    (
                        "PackageInfo",
                        obj(vec![
                            ("packageName", J::S(app.bundle)),
                            ("versionName", J::Str(version)),
                        ]),
                    ),
                    (
                        "Settings",
                        obj(vec![
                            (
                                "Global",
                                obj(vec![("DEVICE_NAME", pl(pii, K::DeviceName, &d.name))]),
                            ),
                            (
                                "Secure",
                                obj(vec![("bluetooth_name", pl(pii, K::DeviceName, &d.name))]),
                            ),
                        ]),
                    ),
                ]),
            )]);
            (info, format!("{} {}", d.model.brand, d.model.machine))
        };
        head.push((
            "claims",
            obj(vec![
                ("https://authgear.com/claims/biometric/device_info", info),
                (
                    "https://authgear.com/claims/biometric/formatted_device_info",
                    J::Str(formatted),
                ),
                (
                    "https://authgear.com/claims/biometric/key_id",
                    J::Str(key_id),
                ),
            ]),
        ));
        J::Obj(head)
    }

    fn anonymous_identity(&mut self, i: usize) -> J {
        let mut head = self.identity_head(i, "anonymous", None);
        head.push((
            "claims",
            obj(vec![(
                "https://authgear.com/claims/anonymous/key_id",
                J::Str(uuid(&mut self.rng)),
            )]),
        ));
        J::Obj(head)
    }

    /// A session of person `i` (`pkg/api/model/session.go`, camelCase keys). `current`: the
    /// session of this request (created now, from the event's origin); otherwise an older one.
    fn session(&mut self, i: usize, current: bool) -> J {
        let amr = if self.people[i].anonymous {
            &[][..]
        } else {
            pick(&mut self.rng, AMRS)
        };
        let now = self.now;
        let created = if current {
            now
        } else {
            now - self.rng.random_range(3600..60 * 86_400)
        };
        let created_at = self.ts(created);
        let accessed_at = if current {
            created_at.clone()
        } else {
            self.ts(now)
        };
        let id = uuid(&mut self.rng);
        let (last_ip, country) = match (&self.cur, current) {
            (Some(o), true) => (o.ip.clone(), o.ip_country),
            _ => (self.people[i].ip.clone(), self.people[i].country),
        };
        let p = &self.people[i];
        let pii = &mut self.pii;
        let offline = matches!(p.agent.client, Client::Ios | Client::Android);
        let mut m: Vec<(&'static str, J)> = Vec::with_capacity(14);
        m.push(("id", J::Str(id)));
        m.push(("created_at", created_at));
        m.push(("updated_at", accessed_at.clone()));
        m.push(("type", J::S(if offline { "offline_grant" } else { "idp" })));
        if !amr.is_empty() {
            m.push(("amr", static_arr(amr)));
        }
        m.push(("lastAccessedAt", accessed_at));
        let created_ip = if current {
            last_ip.clone()
        } else {
            p.ip.clone()
        };
        m.push(("createdByIP", pl(pii, K::Ip, &created_ip)));
        m.push(("lastAccessedByIP", pl(pii, K::Ip, &last_ip)));
        m.push(("lastAccessedByIPCountryCode", J::S(country.code)));
        m.push(("lastAccessedByIPEnglishCountryName", J::S(country.name)));
        if offline {
            let client = if p.agent.client == Client::Ios {
                &self.clients.ios
            } else {
                &self.clients.android
            };
            m.push(("clientID", J::Str(client.clone())));
        } else {
            m.push(("clientID", J::Null));
        }
        m.push(("displayName", J::Str(p.agent.display.clone())));
        if offline {
            m.push(("applicationName", J::S(self.app.display)));
        }
        m.push(("userAgent", pl(pii, K::UserAgent, &p.agent.ua)));
        J::Obj(m)
    }

    /// An admin's free-text reason, usually naming the person (listed as free text).
    fn reason(&mut self, i: usize, deletion: bool) -> Option<String> {
        let p = &self.people[i];
        let name = if p.named || chance(&mut self.rng, 0.5) {
            p.full_name.clone()
        } else {
            p.given.0.to_owned()
        };
        let ticket = self.rng.random_range(1000..99999u32);
        let text = match (deletion, self.rng.random_range(0..7u32)) {
            (true, 0) => format!("{name} requested account deletion by email (ticket #{ticket})"),
            (true, 1) => format!("GDPR erasure request from {name}, ticket {ticket}"),
            (true, 2) => format!("Duplicate of another account owned by {name}"),
            (true, 3) => format!("Closing account at the request of {name}'s legal guardian"),
            (true, 4) => "Duplicate account".to_owned(),
            (true, _) => "Requested by the user via support".to_owned(),
            (false, 0) => format!("Chargeback dispute opened by {name} (case {ticket})"),
            (false, 1) => format!("Suspicious sign-ins reported by {name}, ticket #{ticket}"),
            (false, 2) => format!("{name} asked us to pause the account while travelling"),
            (false, 3) => format!("Harassment reports against {name}"),
            (false, 4) => "Fraud review".to_owned(),
            (false, _) => "Terms of service violation".to_owned(),
        };
        Some(text)
    }

    /// End user (with the origin of person `i`) or, with probability `admin`, an admin.
    fn user_or_admin(
        &mut self,
        i: usize,
        admin: f64,
        path: &str,
    ) -> (Via, Option<String>, Option<String>) {
        if chance(&mut self.rng, admin) {
            let via = self.admin_via();
            (via, None, Some(self.details_page(i)))
        } else {
            self.begin(i);
            (Via::User, Some(self.url(path)), None)
        }
    }

    fn role_j(&mut self, r: usize, updated: Option<i64>) -> J {
        let (id, key, created) = {
            let n = &self.roles[r];
            (n.id.clone(), n.key, n.created)
        };
        let created_at = self.ts(created);
        let updated_at = match updated {
            Some(t) => self.ts(t),
            None => created_at.clone(),
        };
        let name = title(key);
        let description = format!("Granted to {}", name.to_lowercase());
        obj(vec![
            ("id", J::Str(id)),
            ("created_at", created_at),
            ("updated_at", updated_at),
            ("key", J::S(key)),
            ("name", J::Str(name)),
            ("description", J::Str(description)),
        ])
    }

    fn group_j(&mut self, g: usize, updated: Option<i64>) -> J {
        let (id, key, created) = {
            let n = &self.groups[g];
            (n.id.clone(), n.key, n.created)
        };
        let created_at = self.ts(created);
        let updated_at = match updated {
            Some(t) => self.ts(t),
            None => created_at.clone(),
        };
        obj(vec![
            ("id", J::Str(id)),
            ("created_at", created_at),
            ("updated_at", updated_at),
            ("key", J::S(key)),
            ("name", J::Str(title(key))),
        ])
    }

    fn resource_uri(&self) -> String {
        format!("https://api.{}.example/", self.app.id)
    }

    fn resource_j(&mut self, renamed: bool) -> J {
        let created = self.now - 100 * 86_400;
        let created_at = self.ts(created);
        let updated_at = if renamed {
            self.ts(self.now)
        } else {
            created_at.clone()
        };
        let name = if renamed {
            format!("{} API v2", self.app.display)
        } else {
            format!("{} API", self.app.display)
        };
        let id = {
            // A stable id per app: derived from the app id, not drawn.
            let h = self.app.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                h >> 32,
                (h >> 16) & 0xffff,
                h & 0xfff,
                (h >> 20) & 0xfff,
                h & 0xffff_ffff_ffff
            )
        };
        obj(vec![
            ("id", J::Str(id)),
            ("created_at", created_at),
            ("updated_at", updated_at),
            ("resourceURI", J::Str(self.resource_uri())),
            ("name", J::Str(name)),
        ])
    }

    fn scope_j(&mut self, scope: (&'static str, &'static str), resource_id: &str) -> J {
        let created = self.now - 90 * 86_400;
        let at = self.ts(created);
        obj(vec![
            ("id", J::Str(uuid(&mut self.rng))),
            ("created_at", at.clone()),
            ("updated_at", at),
            ("resource_id", J::Str(resource_id.to_owned())),
            ("scope", J::S(scope.0)),
            ("description", J::S(scope.1)),
        ])
    }

    /// 1 to 3 user ids from the pool.
    fn some_user_ids(&mut self) -> Vec<String> {
        let n = self.rng.random_range(1..=3);
        (0..n)
            .map(|_| {
                let i = self.person();
                self.people[i].id.clone()
            })
            .collect()
    }
}

const SCOPES: &[(&str, &str)] = &[
    ("orders:read", "Read orders"),
    ("orders:write", "Create and cancel orders"),
    ("profile:read", "Read the member profile"),
    ("reports:export", "Export reports"),
];

// === the builders ===

/// Builds the payload of an event of type `t` and decides its context.
pub(crate) fn build(st: &mut State, t: &'static str) -> Draft {
    match kind_of(t) {
        Some(kind) => build_kind(st, kind),
        None => generic(st, t),
    }
}

fn build_kind(st: &mut State, kind: Kind) -> Draft {
    match kind {
        Kind::AuthFailed {
            stage,
            authenticator,
        } => auth_failed(st, stage, authenticator),
        Kind::AuthIdentityFailed(identity) => auth_identity_failed(st, identity),
        Kind::LoginIdFailed => login_id_failed(st),
        Kind::AuthBlocked => auth_blocked(st),
        Kind::BotProtection => bot_protection(st),
        Kind::RateLimit => rate_limit(st),
        Kind::LoginIdentity(login, op) => login_identity_event(st, login, op),
        Kind::Biometric(enabled) => biometric_event(st, enabled),
        Kind::OAuth(connected) => oauth_event(st, connected),
        Kind::User(k) => user_event(st, k),
        Kind::Message(channel, delivery) => message(st, channel, delivery),
        Kind::WhatsappOtpVerified => whatsapp_otp_verified(st),
        Kind::Fraud => fraud(st),
        Kind::M2m => m2m(st),
        Kind::UsageAlert => usage_alert(st),
        Kind::Project(k) => project(st, k),
        Kind::Admin(shape) => admin(st, shape),
        Kind::SiteAdmin(k) => site_admin(st, k),
    }
}

/// A plausible event for a type without a builder: the user snapshot for user-ish types, an
/// empty payload otherwise.
fn generic(st: &mut State, t: &str) -> Draft {
    let i = st.person_with(Want::default());
    st.begin(i);
    let url = Some(st.url("/api/v1/authentication_flows/states/input"));
    if t.starts_with("user.") || t.starts_with("identity.") || t.starts_with("authentication.") {
        let user = st.user(i, &Snap::default());
        let uid = st.uid(i);
        draft(vec![("user", user)], uid, Via::User, url, None)
    } else {
        draft(Vec::new(), Uid::Null, Via::User, url, None)
    }
}

fn auth_failed(st: &mut State, stage: &'static str, authenticator: &'static str) -> Draft {
    let want = Want {
        email: authenticator == "oob_otp_email",
        phone: authenticator == "oob_otp_sms",
        ..Want::default()
    };
    let i = st.person_with(want);
    st.begin(i);
    let url = match authenticator {
        "password" => st.url_pick(&[
            "/authflow/v2/enter_password",
            "/api/v1/authentication_flows/states/input",
            "/login",
        ]),
        "oob_otp_email" if chance(&mut st.rng, 0.3) => st.link_url("verify_login_link"),
        "oob_otp_email" | "oob_otp_sms" => st.url_pick(&[
            "/authflow/v2/enter_oob_otp",
            "/api/v1/authentication_flows/states/input",
        ]),
        "totp" => st.url("/authflow/v2/enter_totp"),
        _ => st.url("/authflow/v2/enter_recovery_code"),
    };
    let user = st.user(i, &Snap::default());
    let uid = st.uid(i);
    draft(
        vec![
            ("user", user),
            ("authentication_stage", J::S(stage)),
            ("authenticator_type", J::S(authenticator)),
        ],
        uid,
        Via::User,
        Some(url),
        None,
    )
}

fn auth_identity_failed(st: &mut State, identity: &'static str) -> Draft {
    let i = if identity == "anonymous" {
        st.person_with(Want {
            anonymous: true,
            ..Want::default()
        })
    } else {
        st.person_with(Want {
            device: true,
            ..Want::default()
        })
    };
    st.begin(i);
    let url = st.url_pick(&["/api/v1/authentication_flows/states/input", "/oauth2/token"]);
    let user = st.user(i, &Snap::default());
    let uid = st.uid(i);
    draft(
        vec![("user", user), ("identity_type", J::S(identity))],
        uid,
        Via::User,
        Some(url),
        None,
    )
}

/// An SMS with a one-time code, as pasted into a login box.
fn otp_text(st: &mut State) -> String {
    let code = digits(&mut st.rng, 6, true);
    let app = st.app.display;
    match st.rng.random_range(0..4u32) {
        0 => format!("{code} is your {app} verification code."),
        1 => format!("Your {app} code is {code}. Don't share it with anyone."),
        2 => format!("{app}: {code} is your one-time password"),
        _ => format!("<#> {code} is your {app} code. {}", base32(&mut st.rng, 11)),
    }
}

/// A mistyped e-mail address.
fn typo(st: &mut State, email: &str) -> String {
    match st.rng.random_range(0..3u32) {
        0 if email.contains("example") => email.replacen("example", "exampel", 1),
        1 => email[..email.len() - 1].to_owned(),
        _ => {
            // Swap two adjacent ASCII characters of the local part.
            let at = email.find('@').unwrap_or(1);
            let mut b = email.as_bytes().to_vec();
            if at >= 2 {
                let k = st.rng.random_range(0..at - 1);
                b.swap(k, k + 1);
            }
            String::from_utf8(b).unwrap_or_else(|_| email.to_owned())
        }
    }
}

fn login_id_failed(st: &mut State) -> Draft {
    let i = st.person_with(Want::default());
    st.begin(i);
    let roll = st.rng.random_range(0..100u32);
    let (kind, login_id) = match roll {
        0..=39 => {
            let e = st.login_value(i, Login::Email);
            if chance(&mut st.rng, 0.15) {
                (K::Email, case_variant(&e))
            } else {
                (K::Email, e)
            }
        }
        40..=49 => {
            let e = st.login_value(i, Login::Email);
            (K::Email, typo(st, &e))
        }
        50..=64 => {
            let ph = st.login_value(i, Login::Phone);
            if chance(&mut st.rng, 0.3) {
                (K::Phone, spaced_phone(&ph))
            } else {
                (K::Phone, ph)
            }
        }
        65..=74 => (K::Username, st.login_value(i, Login::Username)),
        75..=87 => {
            // An account that does not exist.
            let p = &st.people[i];
            let (g, f) = (p.given.1, p.family.1);
            (K::Email, make_email(&mut st.rng, f, g))
        }
        _ => (K::OtpCode, otp_text(st)),
    };
    let url = st.url_pick(&[
        "/login",
        "/authflow/v2/login",
        "/api/v1/authentication_flows/states/input",
    ]);
    let value = st.p(kind, login_id);
    draft(
        vec![("login_id", value)],
        Uid::Empty,
        Via::User,
        Some(url),
        None,
    )
}

fn auth_blocked(st: &mut State) -> Draft {
    let known = chance(&mut st.rng, 0.7);
    let i = st.person_with(Want::default());
    st.begin(i);
    let url = st.url_pick(&[
        "/login",
        "/authflow/v2/enter_password",
        "/api/v1/authentication_flows/states/input",
    ]);
    let until = st.now + st.rng.random_range(300..3600);
    let mut snap = Snap::default();
    let (name, reason, message, code, info) = match st.rng.random_range(0..10u32) {
        0..=3 => (
            "TooManyRequest",
            "AccountLockout",
            "account locked",
            429,
            Some(obj(vec![("until", st.ts(until))])),
        ),
        4 | 5 => {
            let r = st.reason(i, false);
            snap.disabled = Some(r.clone());
            let info = match r {
                Some(r) => obj(vec![("reason", st.p(K::FreeText, r))]),
                None => obj(vec![("reason", J::Null)]),
            };
            (
                "Forbidden",
                "DisabledUser",
                "user is disabled",
                403,
                Some(info),
            )
        }
        6 => (
            "Forbidden",
            "DeactivatedUser",
            "user is deactivated",
            403,
            None,
        ),
        7 => {
            snap.delete_at = Some(st.now + 20 * 86_400);
            (
                "Forbidden",
                "ScheduledDeletionByEndUser",
                "user is scheduled for deletion by end-user",
                403,
                None,
            )
        }
        8 => {
            snap.valid_until = Some(st.now - 86_400);
            (
                "Forbidden",
                "UserOutsideValidPeriod",
                "user is outside valid period",
                403,
                None,
            )
        }
        _ => (
            "Forbidden",
            "HookDisallowed",
            "disallowed by web-hook event handler",
            403,
            Some(obj(vec![(
                "reasons",
                J::Arr(vec![obj(vec![
                    ("title", J::S("Access denied")),
                    ("reason", J::S("Your account is under review")),
                ])]),
            )])),
        ),
    };
    let mut error = vec![
        ("name", J::S(name)),
        ("reason", J::S(reason)),
        ("message", J::S(message)),
        ("code", J::Int(code)),
    ];
    if let Some(info) = info {
        error.push(("info", info));
    }
    let (user, uid) = if known || reason != "AccountLockout" {
        (st.user(i, &snap), st.uid(i))
    } else {
        (J::Null, Uid::Empty)
    };
    draft(
        vec![("user", user), ("error", J::Obj(error))],
        uid,
        Via::User,
        Some(url),
        None,
    )
}

fn bot_protection(st: &mut State) -> Draft {
    let i = st.person();
    st.begin(i);
    let (token, provider) = if chance(&mut st.rng, 0.7) {
        (format!("0.{}", base32(&mut st.rng, 120)), "cloudflare")
    } else {
        (
            format!("03AFcWeA{}", base32(&mut st.rng, 150)),
            "recaptchav2",
        )
    };
    let url = st.url_pick(&[
        "/authflow/v2/verify_bot_protection",
        "/login",
        "/authflow/v2/signup",
    ]);
    draft(
        vec![("token", J::Str(token)), ("provider_type", J::S(provider))],
        Uid::Null,
        Via::User,
        Some(url),
        None,
    )
}

const RATE_LIMITS: &[(&str, &str)] = &[
    ("authentication.password.per_ip", "authentication.password"),
    (
        "authentication.password.per_user_per_ip",
        "authentication.password",
    ),
    (
        "authentication.oob_otp.sms.trigger.per_user",
        "authentication.oob_otp.sms.trigger",
    ),
    (
        "authentication.oob_otp.email.validate.per_ip",
        "authentication.oob_otp.email.validate",
    ),
    ("authentication.signup.per_ip", "authentication.signup"),
    ("messaging.sms.per_ip", "messaging.sms"),
    ("messaging.email.per_target", "messaging.email"),
    ("verification.per_ip", "verification"),
];

fn rate_limit(st: &mut State) -> Draft {
    let i = st.person();
    st.begin(i);
    let (name, group) = pick(&mut st.rng, RATE_LIMITS);
    let url = st.url_pick(&[
        "/api/v1/authentication_flows/states/input",
        "/authflow/v2/enter_password",
        "/authflow/v2/enter_oob_otp",
    ]);
    draft(
        vec![(
            "rate_limit",
            obj(vec![("name", J::S(name)), ("group", J::S(group))]),
        )],
        Uid::Null,
        Via::User,
        Some(url),
        None,
    )
}

fn login_identity_event(st: &mut State, login: Login, op: IdOp) -> Draft {
    let want = Want {
        email: login == Login::Email,
        phone: login == Login::Phone,
        username: login == Login::Username,
        ..Want::default()
    };
    let i = st.person_with(want);
    let path = match (login, op) {
        (Login::Email | Login::Phone, IdOp::Verified | IdOp::Unverified) => {
            "/authflow/v2/enter_oob_otp"
        }
        (Login::Email, _) => "/settings/identity/email",
        (Login::Phone, _) => "/settings/identity/phone",
        (Login::Username, _) => "/settings/identity/username",
    };
    let admin_share = if op == IdOp::Unverified { 0.6 } else { 0.2 };
    let (via, url, referer) = st.user_or_admin(i, admin_share, path);
    let value = st.login_value(i, login);
    let user = st.user(i, &Snap::default());
    let mut payload = vec![("user", user)];
    if op == IdOp::Updated {
        let new = st.login_identity(i, login, &value, Some(st.now));
        let old_value = st.other_login_value(i, login);
        let old = st.login_identity(i, login, &old_value, None);
        payload.push(("new_identity", new));
        payload.push(("old_identity", old));
    } else {
        let created = if op == IdOp::Added {
            Some(st.now)
        } else {
            None
        };
        payload.push(("identity", st.login_identity(i, login, &value, created)));
    }
    let uid = st.uid(i);
    draft(payload, uid, via, url, referer)
}

fn biometric_event(st: &mut State, enabled: bool) -> Draft {
    let i = st.person_with(Want {
        device: true,
        ..Want::default()
    });
    let (via, url, referer) = if enabled {
        st.begin(i);
        (
            Via::User,
            Some(st.url("/api/v1/authentication_flows/states/input")),
            None,
        )
    } else {
        st.user_or_admin(i, 0.15, "/settings/biometric")
    };
    let user = st.user(i, &Snap::default());
    let created = if enabled { Some(st.now) } else { None };
    let identity = st.biometric_identity(i, created);
    let uid = st.uid(i);
    draft(
        vec![("user", user), ("identity", identity)],
        uid,
        via,
        url,
        referer,
    )
}

fn oauth_event(st: &mut State, connected: bool) -> Draft {
    let i = st.person_with(Want::default());
    let path = if connected {
        "/sso/oauth2/callback/google"
    } else {
        "/settings/identity/oauth"
    };
    let (via, url, referer) = st.user_or_admin(i, if connected { 0.05 } else { 0.15 }, path);
    let created = if connected { Some(st.now) } else { None };
    let identity = st.oauth_identity(i, created);
    let user = st.user(i, &Snap::default());
    let uid = st.uid(i);
    draft(
        vec![("user", user), ("identity", identity)],
        uid,
        via,
        url,
        referer,
    )
}

fn user_event(st: &mut State, k: UserKind) -> Draft {
    match k {
        UserKind::Authenticated => {
            let i = st.person();
            st.begin(i);
            st.people[i].last_login = st.now;
            st.people[i].last_login_us = st.micros();
            let url = match st.rng.random_range(0..10u32) {
                0..=2 => st.url("/oauth2/authorize"),
                3 | 4 => st.url("/authflow/v2/enter_password"),
                5 | 6 => st.url("/api/v1/authentication_flows/states/input"),
                7 => st.url("/sso/oauth2/callback/google"),
                8 => st.link_url("verify_login_link"),
                _ => st.url("/authflow/v2/enter_oob_otp"),
            };
            let user = st.user(i, &Snap::default());
            let session = st.session(i, true);
            let mut payload = vec![("user", user), ("session", session)];
            if chance(&mut st.rng, 0.03) {
                payload.push(("continue_from_session", st.session(i, false)));
            }
            let uid = st.uid(i);
            draft(payload, uid, Via::User, Some(url), None)
        }
        UserKind::Reauthenticated => {
            let i = st.person_with(Want::default());
            st.begin(i);
            let url = st.url_pick(&[
                "/authflow/v2/reauth",
                "/api/v1/authentication_flows/states/input",
            ]);
            let user = st.user(i, &Snap::default());
            let session = st.session(i, true);
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("session", session)],
                uid,
                Via::User,
                Some(url),
                None,
            )
        }
        UserKind::Created => {
            let i = st.new_person(Want::default());
            let (now, us) = (st.now, st.micros());
            {
                let p = &mut st.people[i];
                p.created = now;
                p.created_us = us;
                p.updated = now;
                p.updated_us = us;
                p.last_login = now;
                p.last_login_us = us;
            }
            let (via, url, referer) = if chance(&mut st.rng, 0.12) {
                let via = st.admin_via();
                (via, None, Some(st.portal_page("users/add-user")))
            } else {
                st.begin(i);
                let path = pick(
                    &mut st.rng,
                    &[
                        "/authflow/v2/signup",
                        "/api/v1/authentication_flows/states/input",
                        "/sso/oauth2/callback/google",
                    ],
                );
                (Via::User, Some(st.url(path)), None)
            };
            let user = st.user(i, &Snap::default());
            let mut identities = Vec::with_capacity(2);
            let p = &st.people[i];
            let (email, phone, anonymous) = (p.email.clone(), p.phone.clone(), p.anonymous);
            if anonymous {
                identities.push(st.anonymous_identity(i));
            } else if url.as_deref().is_some_and(|u| u.contains("/sso/")) {
                identities.push(st.oauth_identity(i, Some(now)));
            } else {
                if let Some(e) = email {
                    identities.push(st.login_identity(i, Login::Email, &e, Some(now)));
                }
                if let Some(ph) = phone {
                    identities.push(st.login_identity(i, Login::Phone, &ph, Some(now)));
                }
            }
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("identities", J::Arr(identities))],
                uid,
                via,
                url,
                referer,
            )
        }
        UserKind::AnonymousPromoted => {
            let i = st.person_with(Want {
                anonymous: true,
                ..Want::default()
            });
            st.begin(i);
            let url = st.url("/authflow/v2/promote");
            let anonymous_user = st.user(
                i,
                &Snap {
                    anonymous: true,
                    ..Snap::default()
                },
            );
            let email = {
                let p = &st.people[i];
                make_email(&mut st.rng, p.given.1, p.family.1)
            };
            {
                let p = &mut st.people[i];
                p.anonymous = false;
                p.email = Some(email.clone());
                p.email_verified = true;
            }
            let user = st.user(i, &Snap::default());
            let identity = st.login_identity(i, Login::Email, &email, Some(st.now));
            let uid = st.uid(i);
            draft(
                vec![
                    ("anonymous_user", anonymous_user),
                    ("user", user),
                    ("identities", J::Arr(vec![identity])),
                ],
                uid,
                Via::User,
                Some(url),
                None,
            )
        }
        UserKind::ProfileUpdated => {
            let i = st.person_with(Want::default());
            let (via, url, referer) = st.user_or_admin(i, 0.3, "/settings/profile/edit");
            // Profile edits often add an address or a nickname.
            if chance(&mut st.rng, 0.3) && st.people[i].address.is_none() {
                let c = st.people[i].country;
                let a = super::people::make_address(&mut st.rng, c);
                st.people[i].address = Some(a);
            }
            st.people[i].updated = st.now;
            let user = st.user(i, &Snap::default());
            let uid = st.uid(i);
            draft(vec![("user", user)], uid, via, url, referer)
        }
        UserKind::Deleted => {
            let i = st.person_with(Want::default());
            let scheduled = chance(&mut st.rng, 0.6);
            let reason = st.reason(i, true);
            let (via, referer) = if scheduled {
                (Via::System, None)
            } else {
                let via = st.admin_via();
                (via, Some(st.details_page(i)))
            };
            let snap = Snap {
                delete_at: Some(st.now - 60),
                delete_reason: reason.clone(),
                ..Snap::default()
            };
            let user = st.user(i, &snap);
            let reason = match reason {
                Some(r) => st.p(K::FreeText, r),
                None => J::S(""),
            };
            let uid = st.uid(i);
            st.retire(i);
            draft(
                vec![("user", user), ("reason", reason)],
                uid,
                via,
                None,
                referer,
            )
        }
        UserKind::DeletionScheduled => {
            let i = st.person_with(Want::default());
            let (via, url, referer) = st.user_or_admin(i, 0.4, "/settings/delete_account");
            let reason = if via == Via::User {
                None
            } else {
                st.reason(i, true)
            };
            let snap = Snap {
                delete_at: Some(st.now + 30 * 86_400),
                delete_reason: reason,
                ..Snap::default()
            };
            let user = st.user(i, &snap);
            let uid = st.uid(i);
            draft(vec![("user", user)], uid, via, url, referer)
        }
        UserKind::DeletionUnscheduled
        | UserKind::AnonymizationUnscheduled
        | UserKind::Reenabled => {
            let i = st.person_with(Want::default());
            let admin_share = if k == UserKind::Reenabled { 1.0 } else { 0.5 };
            let (via, url, referer) = st.user_or_admin(i, admin_share, "/settings/delete_account");
            let user = st.user(i, &Snap::default());
            let uid = st.uid(i);
            draft(vec![("user", user)], uid, via, url, referer)
        }
        UserKind::AnonymizationScheduled => {
            let i = st.person_with(Want::default());
            let (via, url, referer) = st.user_or_admin(i, 0.7, "/settings/delete_account");
            let snap = Snap {
                anonymize_at: Some(st.now + 30 * 86_400),
                ..Snap::default()
            };
            let user = st.user(i, &snap);
            let uid = st.uid(i);
            draft(vec![("user", user)], uid, via, url, referer)
        }
        UserKind::Anonymized => {
            let i = st.person_with(Want::default());
            let (via, referer) = if chance(&mut st.rng, 0.6) {
                (Via::System, None)
            } else {
                let via = st.admin_via();
                (via, Some(st.details_page(i)))
            };
            let user = st.user(
                i,
                &Snap {
                    anonymized: true,
                    ..Snap::default()
                },
            );
            let uid = st.uid(i);
            st.retire(i);
            draft(vec![("user", user)], uid, via, None, referer)
        }
        UserKind::Disabled => {
            let i = st.person_with(Want::default());
            let via = st.admin_via();
            let referer = Some(st.details_page(i));
            let reason = if chance(&mut st.rng, 0.8) {
                st.reason(i, false)
            } else {
                None
            };
            let temporary = chance(&mut st.rng, 0.3)
                .then(|| (st.now, st.now + st.rng.random_range(1..30) * 86_400));
            let snap = Snap {
                disabled: Some(reason),
                temporarily_disabled: temporary,
                ..Snap::default()
            };
            let user = st.user(i, &snap);
            let mut payload = vec![("user", user)];
            if let Some((from, until)) = temporary {
                payload.push(("temporarily_disabled_from", J::Str(rfc3339(from, 0))));
                payload.push(("temporarily_disabled_until", J::Str(rfc3339(until, 0))));
            }
            let uid = st.uid(i);
            draft(payload, uid, via, None, referer)
        }
        UserKind::SignedOut => {
            let i = st.person();
            st.begin(i);
            let url = st.url_pick(&["/logout", "/oauth2/end_session", "/oauth2/revoke"]);
            let user = st.user(i, &Snap::default());
            let session = st.session(i, false);
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("sessions", J::Arr(vec![session]))],
                uid,
                Via::User,
                Some(url),
                None,
            )
        }
        UserKind::SessionTerminated => {
            let i = st.person_with(Want::default());
            let (via, url, referer) = st.user_or_admin(i, 0.2, "/settings/sessions");
            let user = st.user(i, &Snap::default());
            let termination = if via == Via::User {
                pick(
                    &mut st.rng,
                    &["individual", "individual", "all_except_current"],
                )
            } else {
                pick(&mut st.rng, &["individual", "all"])
            };
            let n = if termination == "individual" {
                1
            } else {
                st.rng.random_range(1..=3)
            };
            let sessions = (0..n).map(|_| st.session(i, false)).collect();
            let uid = st.uid(i);
            draft(
                vec![
                    ("user", user),
                    ("sessions", J::Arr(sessions)),
                    ("termination_type", J::S(termination)),
                ],
                uid,
                via,
                url,
                referer,
            )
        }
    }
}

const EMAIL_TYPES: &[&str] = &[
    "verification",
    "setup-primary-oob",
    "authenticate-primary-oob",
    "authenticate-primary-oob",
    "forgot-password",
    "forgot-password",
    "authenticate-secondary-oob",
    "send-password-to-new-user",
];
const SMS_TYPES: &[&str] = &[
    "verification",
    "setup-primary-oob",
    "authenticate-primary-oob",
    "authenticate-primary-oob",
    "authenticate-primary-oob",
    "setup-secondary-oob",
    "authenticate-secondary-oob",
    "forgot-password",
];

fn message_url(st: &mut State, channel: Channel, kind: &str) -> String {
    match kind {
        "forgot-password" if channel == Channel::Email && chance(&mut st.rng, 0.3) => {
            st.link_url("reset_password")
        }
        "forgot-password" => st.url("/authflow/v2/forgot_password"),
        "authenticate-primary-oob" if channel == Channel::Email && chance(&mut st.rng, 0.3) => {
            st.link_url("verify_login_link")
        }
        "setup-primary-oob" | "setup-secondary-oob" => st.url("/authflow/v2/setup_oob_otp"),
        "verification" => st.url_pick(&["/authflow/v2/enter_oob_otp", "/settings/identity/email"]),
        "send-password-to-new-user" => st.url("/_api/admin/graphql"),
        _ => st.url_pick(&[
            "/authflow/v2/enter_oob_otp",
            "/api/v1/authentication_flows/states/input",
        ]),
    }
}

fn message(st: &mut State, channel: Channel, delivery: Delivery) -> Draft {
    let i = st.person_with(Want {
        email: channel == Channel::Email,
        phone: channel != Channel::Email,
        ..Want::default()
    });
    st.begin(i);
    let recipient = match channel {
        Channel::Email => st.login_value(i, Login::Email),
        _ => st.login_value(i, Login::Phone),
    };
    let kind_recipient = if channel == Channel::Email {
        K::Email
    } else {
        K::Phone
    };
    let kind = match channel {
        Channel::Email => pick(&mut st.rng, EMAIL_TYPES),
        Channel::Sms => pick(&mut st.rng, SMS_TYPES),
        Channel::Whatsapp => pick(
            &mut st.rng,
            &["whatsapp-code", "authenticate-primary-oob", "verification"],
        ),
    };
    let url = message_url(st, channel, kind);
    let payload = match delivery {
        Delivery::Sent => {
            let mut m = Vec::with_capacity(4);
            match channel {
                Channel::Email => {
                    m.push(("sender", J::Str(format!("no-reply@{}.example", st.app.id))))
                }
                Channel::Sms => m.push(("sender", J::S("+18005550142"))),
                Channel::Whatsapp => {}
            }
            m.push(("recipient", st.p(kind_recipient, recipient)));
            m.push(("type", J::S(kind)));
            if channel != Channel::Email {
                m.push((
                    "is_not_counted_in_usage",
                    J::Bool(chance(&mut st.rng, 0.05)),
                ));
            }
            m
        }
        Delivery::Error => {
            let description = match (channel, st.rng.random_range(0..3u32)) {
                (Channel::Email, 0) => Some(format!(
                    "smtp: 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"
                )),
                (Channel::Email, 1) => None,
                (Channel::Email, _) => Some(format!("smtp: 552 5.2.2 <{recipient}>: mailbox full")),
                (Channel::Sms, 0) => Some(format!(
                    "twilio: 21211 The 'To' number {recipient} is not a valid phone number."
                )),
                (Channel::Sms, _) => None,
                (Channel::Whatsapp, _) => None,
            };
            let description = match description {
                Some(d) => st.p(K::FreeText, d),
                None => J::S(match channel {
                    Channel::Email => "smtp: 421 4.7.0 Try again later, closing connection.",
                    Channel::Sms => "twilio: 21610 Attempt to send to unsubscribed recipient",
                    Channel::Whatsapp => "whatsapp: (#131026) Message undeliverable",
                }),
            };
            vec![
                ("description", description),
                ("recipient", st.p(kind_recipient, recipient)),
            ]
        }
        Delivery::Suppressed => {
            let description = J::S(match channel {
                Channel::Email => "recipient is in the suppression list (hard bounce)",
                _ => "recipient is in the suppression list",
            });
            vec![
                ("description", description),
                ("recipient", st.p(kind_recipient, recipient)),
            ]
        }
    };
    draft(payload, Uid::Null, Via::User, Some(url), None)
}

fn whatsapp_otp_verified(st: &mut State) -> Draft {
    let i = st.person_with(Want {
        phone: true,
        ..Want::default()
    });
    st.begin(i);
    let phone = st.login_value(i, Login::Phone);
    let url = st.url("/authflow/v2/enter_oob_otp");
    draft(
        vec![("phone", st.p(K::Phone, phone))],
        Uid::Null,
        Via::User,
        Some(url),
        None,
    )
}

const FRAUD_WARNINGS: &[&str] = &[
    "SMS_PHONE_COUNTRIES_BY_IP_DAILY",
    "SMS_UNVERIFIED_OTPS_BY_PHONE_COUNTRY_DAILY",
    "SMS_UNVERIFIED_OTPS_BY_IP_DAILY",
    "SMS_UNVERIFIED_OTPS_BY_PHONE_COUNTRY_HOURLY",
];

fn fraud(st: &mut State) -> Draft {
    let i = st.person_with(Want {
        phone: true,
        ..Want::default()
    });
    let blocked = chance(&mut st.rng, 0.15);
    if blocked {
        // SMS pumping: a request from far away for somebody's number.
        let c = pick_country(&mut st.rng);
        let ip = make_ip(&mut st.rng, c);
        st.begin(i);
        if let Some(o) = st.cur.as_mut() {
            o.ip = ip;
            o.geo = Some(c);
            o.ip_country = c;
        }
    } else {
        st.begin(i);
    }
    let with_user = chance(&mut st.rng, 0.4);
    let kind = pick(
        &mut st.rng,
        &[
            "verification",
            "authenticate-primary-oob",
            "setup-primary-oob",
        ],
    );
    let url = st.url("/authflow/v2/enter_oob_otp");
    let referer = st.url("/login");
    let recipient = st.login_value(i, Login::Phone);
    let o = st.cur.clone().expect("origin set");
    let mut record = Vec::with_capacity(12);
    record.push(("timestamp", st.ts(st.now)));
    record.push((
        "decision",
        J::S(if blocked { "blocked" } else { "allowed" }),
    ));
    if !blocked {
        record.push(("allow_reason", J::S("record_only")));
    }
    record.push(("action", J::S("send_sms")));
    record.push((
        "action_detail",
        obj(vec![
            ("recipient", st.p(K::Phone, recipient)),
            ("type", J::S(kind)),
            ("phone_number_country_code", J::S(st.people[i].country.code)),
        ]),
    ));
    let warnings = if blocked {
        let n = st.rng.random_range(1..=2);
        J::Arr(
            (0..n)
                .map(|k| J::S(FRAUD_WARNINGS[(k + st.seq as usize) % FRAUD_WARNINGS.len()]))
                .collect(),
        )
    } else {
        J::Arr(Vec::new())
    };
    record.push(("triggered_warnings", warnings));
    record.push(("user_agent", st.p(K::UserAgent, o.ua.clone())));
    record.push(("ip_address", st.p(K::Ip, o.ip.clone())));
    record.push(("http_url", J::Str(url.clone())));
    record.push(("http_referer", J::Str(referer)));
    let uid = if with_user {
        record.push(("user_id", J::Str(st.people[i].id.clone())));
        st.uid(i)
    } else {
        Uid::Null
    };
    if let Some(g) = o.geo {
        record.push(("geo_location_code", J::S(g.code)));
    }
    draft(
        vec![("record", J::Obj(record))],
        uid,
        Via::User,
        Some(url),
        None,
    )
}

fn m2m(st: &mut State) -> Draft {
    st.begin_server();
    let masked: String = base32(&mut st.rng, 4).to_lowercase() + "******";
    let url = st.url("/oauth2/token");
    draft(
        vec![
            ("client_id", J::Str(st.clients.m2m.clone())),
            ("client_secret", J::Str(masked)),
        ],
        Uid::Null,
        Via::User,
        Some(url),
        None,
    )
}

fn usage_alert(st: &mut State) -> Draft {
    let name = pick(&mut st.rng, &["sms", "email", "whatsapp", "mau"]);
    let period = if name == "mau" {
        "month"
    } else {
        pick(&mut st.rng, &["day", "month"])
    };
    let quota = pick(&mut st.rng, &[1000i64, 5000, 10000, 50000]);
    let block = chance(&mut st.rng, 0.3);
    let current = if block {
        quota
    } else {
        quota * st.rng.random_range(80..100) / 100
    };
    let plan = pick(&mut st.rng, &["free", "developers", "business"]);
    let usage = obj(vec![
        ("name", J::S(name)),
        ("action", J::S(if block { "block" } else { "alert" })),
        ("period", J::S(period)),
        ("quota", J::Int(quota)),
        ("current_value", J::Int(current)),
        ("plan_name", J::S(plan)),
    ]);
    draft(vec![("usage", usage)], Uid::Null, Via::System, None, None)
}

fn app_config(st: &State, oauth: bool) -> J {
    let mut identities = vec![J::S("login_id")];
    if oauth {
        identities.push(J::S("oauth"));
    }
    obj(vec![
        ("id", J::S(st.app.id)),
        (
            "http",
            obj(vec![("public_origin", J::Str(st.app.origin.clone()))]),
        ),
        (
            "authentication",
            obj(vec![("identities", J::Arr(identities))]),
        ),
    ])
}

fn project(st: &mut State, k: ProjectKind) -> Draft {
    use ProjectKind::*;
    let via = st.portal_via();
    let page = |p: &str| p.to_owned();
    let (payload, page) = match k {
        AppCreated => (
            vec![("app_config", app_config(st, false))],
            page("projects/create"),
        ),
        AppSecretViewed => {
            let secret = pick(
                &mut st.rng,
                &[
                    "oauth_client_credentials",
                    "admin_api_credentials",
                    "webhook",
                    "smtp",
                ],
            );
            (
                vec![("secrets", static_arr(&[secret]))],
                page("advanced/admin-api"),
            )
        }
        AppUpdated => {
            let diff = "--- app_config_old\n+++ app_config_new\n@@ -5,3 +5,4 @@\n authentication:\n   identities:\n   - login_id\n+  - oauth\n";
            (
                vec![
                    ("app_config_old", app_config(st, false)),
                    ("app_config_new", app_config(st, true)),
                    ("app_config_diff", J::S(diff)),
                    ("updated_secrets", static_arr(&["sso.oauth.client"])),
                    ("updated_resources", static_arr(&["authgear.yaml"])),
                ],
                page("configuration/authentication/login-methods"),
            )
        }
        CheckoutCreated => {
            let id = format!("cs_live_{}", base32(&mut st.rng, 24));
            let plan = pick(&mut st.rng, &["developers", "business"]);
            (
                vec![
                    ("subscription_checkout_id", J::Str(id)),
                    ("plan_name", J::S(plan)),
                ],
                page("billing"),
            )
        }
        SubscriptionCancelled => {
            let sub = format!("sub_{}", base32(&mut st.rng, 24));
            let cus = format!("cus_{}", base32(&mut st.rng, 14));
            (
                vec![
                    ("subscription_id", J::Str(sub)),
                    ("customer_id", J::Str(cus)),
                ],
                page("billing"),
            )
        }
        SubscriptionStatusUpdated => {
            let sub = format!("sub_{}", base32(&mut st.rng, 24));
            (
                vec![
                    ("subscription_id", J::Str(sub)),
                    ("cancelled", J::Bool(chance(&mut st.rng, 0.5))),
                ],
                page("billing"),
            )
        }
        SubscriptionUpdated => {
            let sub = format!("sub_{}", base32(&mut st.rng, 24));
            let plan = pick(&mut st.rng, &["developers", "business", "enterprise"]);
            (
                vec![("subscription_id", J::Str(sub)), ("plan_name", J::S(plan))],
                page("billing"),
            )
        }
        CollaboratorDeleted => (
            vec![
                ("collaborator_id", J::Str(uuid(&mut st.rng))),
                ("collaborator_user_id", J::Str(uuid(&mut st.rng))),
                ("collaborator_role", J::S("editor")),
            ],
            page("portal-admins"),
        ),
        InvitationAccepted => (
            vec![
                ("collaborator_user_id", J::Str(uuid(&mut st.rng))),
                ("collaborator_role", J::S("editor")),
            ],
            page("portal-admins"),
        ),
        InvitationCreated | InvitationDeleted => {
            let i = st.person_with(Want::default());
            let (g, f) = (st.people[i].given.1, st.people[i].family.1);
            let email = make_email(&mut st.rng, g, f);
            let Via::Portal { admin } = via else {
                unreachable!("portal_via returns Via::Portal")
            };
            let inviter = st.admins[admin].id.clone();
            (
                vec![
                    ("invitee_email", st.p(K::Email, email)),
                    ("invited_by", J::Str(inviter)),
                ],
                page("portal-admins"),
            )
        }
        DomainCreated | DomainDeleted | DomainVerified => {
            let sub = pick(&mut st.rng, &["auth", "login", "id", "accounts"]);
            let domain = format!("{sub}.{}.example", st.app.id);
            (
                vec![
                    ("domain", J::Str(domain)),
                    ("domain_id", J::Str(uuid(&mut st.rng))),
                ],
                page("custom-domains"),
            )
        }
    };
    let referer = Some(st.portal_page(&page));
    draft(payload, Uid::Null, via, None, referer)
}

fn site_admin(st: &mut State, k: SiteAdminKind) -> Draft {
    let target = if chance(&mut st.rng, 0.5) {
        st.app.id.to_owned()
    } else {
        format!(
            "{}-{}",
            pick(&mut st.rng, &["orbit", "tandem", "lumen", "harbor"]),
            hex(&mut st.rng, 6)
        )
    };
    let referer = Some(format!(
        "https://portal.authgear.com/site-admin/apps/{target}"
    ));
    let mut payload = vec![("app_id", J::Str(target))];
    let collaborator = |st: &mut State, payload: &mut Vec<(&'static str, J)>, with_id: bool| {
        let i = st.person_with(Want::default());
        let (g, f) = (st.people[i].given.1, st.people[i].family.1);
        let email = make_email(&mut st.rng, g, f);
        if with_id {
            payload.push(("collaborator_id", J::Str(uuid(&mut st.rng))));
        }
        payload.push(("collaborator_user_id", J::Str(uuid(&mut st.rng))));
        payload.push(("collaborator_email", st.p(K::Email, email)));
    };
    match k {
        SiteAdminKind::PlanUpdated => {
            payload.push(("old_plan_name", J::S("developers")));
            payload.push((
                "new_plan_name",
                J::S(pick(&mut st.rng, &["business", "enterprise"])),
            ));
        }
        SiteAdminKind::FeatureConfigUpdated => {
            payload.push((
                "feature_config_diff",
                J::S("--- feature_config_old\n+++ feature_config_new\n@@ -1,2 +1,2 @@\n messaging:\n-  sms_usage_count_disabled: false\n+  sms_usage_count_disabled: true\n"),
            ));
        }
        SiteAdminKind::CollaboratorAdded => {
            collaborator(st, &mut payload, false);
            payload.push(("collaborator_role", J::S("editor")));
        }
        SiteAdminKind::CollaboratorDeleted => {
            collaborator(st, &mut payload, true);
            payload.push(("collaborator_role", J::S("editor")));
        }
        SiteAdminKind::CollaboratorPromoted => {
            collaborator(st, &mut payload, true);
            payload.push(("old_role", J::S("editor")));
            payload.push(("new_role", J::S("owner")));
        }
    }
    draft(payload, Uid::Null, Via::SiteAdmin, None, referer)
}

fn admin(st: &mut State, shape: AdminShape) -> Draft {
    use AdminShape::*;
    let via = st.admin_via();
    match shape {
        User(op) => {
            let i = if op == AdminUserOp::Create {
                let i = st.new_person(Want {
                    email: true,
                    ..Want::default()
                });
                let now = st.now;
                let p = &mut st.people[i];
                p.created = now;
                p.updated = now;
                p.last_login = now;
                i
            } else {
                st.person_with(Want::default())
            };
            let snap = match op {
                AdminUserOp::ScheduleAnonymization => Snap {
                    anonymize_at: Some(st.now + 30 * 86_400),
                    ..Snap::default()
                },
                AdminUserOp::Create if chance(&mut st.rng, 0.3) => Snap {
                    mfa_grace_until: Some(st.now + 7 * 86_400),
                    ..Snap::default()
                },
                _ => Snap::default(),
            };
            let user = st.user(i, &snap);
            let referer = if op == AdminUserOp::Create {
                st.portal_page("users/add-user")
            } else {
                st.details_page(i)
            };
            let uid = st.uid(i);
            if op == AdminUserOp::Anonymize {
                st.retire(i);
            }
            draft(vec![("user", user)], uid, via, None, Some(referer))
        }
        UserReason(schedule) => {
            let i = st.person_with(Want::default());
            let reason = st.reason(i, true);
            let snap = Snap {
                delete_at: Some(if schedule {
                    st.now + 30 * 86_400
                } else {
                    st.now
                }),
                delete_reason: reason.clone(),
                ..Snap::default()
            };
            let user = st.user(i, &snap);
            let reason = match reason {
                Some(r) => st.p(K::FreeText, r),
                None => J::S(""),
            };
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            if !schedule {
                st.retire(i);
            }
            draft(
                vec![("user", user), ("reason", reason)],
                uid,
                via,
                None,
                referer,
            )
        }
        Authenticator(create) => {
            let i = st.person_with(Want::default());
            let user = st.user(i, &Snap::default());
            let (ty, kind) = pick(
                &mut st.rng,
                &[
                    ("password", "primary"),
                    ("totp", "secondary"),
                    ("oob_otp_sms", "secondary"),
                    ("oob_otp_email", "primary"),
                    ("passkey", "primary"),
                ],
            );
            let created = if create {
                st.now
            } else {
                st.people[i].created + 60
            };
            let at = st.ts(created);
            let authenticator = obj(vec![
                ("id", J::Str(uuid(&mut st.rng))),
                ("created_at", at.clone()),
                ("updated_at", at),
                ("user_id", J::Str(st.people[i].id.clone())),
                ("type", J::S(ty)),
                (
                    "is_default",
                    J::Bool(kind == "primary" || chance(&mut st.rng, 0.5)),
                ),
                ("kind", J::S(kind)),
            ]);
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("authenticator", authenticator)],
                uid,
                via,
                None,
                referer,
            )
        }
        Identity(op) => {
            let login = pick(
                &mut st.rng,
                &[Login::Email, Login::Email, Login::Phone, Login::Username],
            );
            let i = st.person_with(Want::default());
            let value = if op == Crud::Create {
                st.other_login_value(i, login)
            } else {
                st.login_value(i, login)
            };
            let user = st.user(i, &Snap::default());
            let created = if op == Crud::Create {
                Some(st.now)
            } else {
                None
            };
            let identity = st.login_identity(i, login, &value, created);
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("identity", identity)],
                uid,
                via,
                None,
                referer,
            )
        }
        Session(create) => {
            let i = st.person_with(Want::default());
            let user = st.user(i, &Snap::default());
            let _ = create;
            let session = st.session(i, false);
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("session", session)],
                uid,
                via,
                None,
                referer,
            )
        }
        Lockout => {
            let i = st.person_with(Want::default());
            let user = st.user(i, &Snap::default());
            let until = st.now + st.rng.random_range(300..3600);
            let status = if chance(&mut st.rng, 0.5) {
                obj(vec![
                    ("lockout_type", J::S("per_user")),
                    ("is_locked", J::Bool(true)),
                    ("locked_until", st.ts(until)),
                ])
            } else {
                let mut ips = vec![st.people[i].ip.clone()];
                if chance(&mut st.rng, 0.4) {
                    let c = pick_country(&mut st.rng);
                    ips.push(make_ip(&mut st.rng, c));
                }
                let locked = ips
                    .into_iter()
                    .map(|ip| {
                        let at = st.ts(until);
                        obj(vec![("ip_address", st.p(K::Ip, ip)), ("locked_until", at)])
                    })
                    .collect();
                obj(vec![
                    ("lockout_type", J::S("per_user_per_ip")),
                    ("is_locked", J::Bool(true)),
                    ("locked_ips", J::Arr(locked)),
                ])
            };
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("previous_lockout_status", status)],
                uid,
                via,
                None,
                referer,
            )
        }
        ValidFrom | ValidUntil | ValidPeriod => {
            let i = st.person_with(Want::default());
            let from = (shape != ValidUntil).then(|| st.now + st.rng.random_range(0..10) * 86_400);
            let until =
                (shape != ValidFrom).then(|| st.now + st.rng.random_range(30..400) * 86_400);
            let user = st.user(
                i,
                &Snap {
                    valid_from: from,
                    valid_until: until,
                    ..Snap::default()
                },
            );
            let mut payload = vec![("user", user)];
            if let Some(t) = from {
                payload.push(("account_valid_from", J::Str(rfc3339(t, 0))));
            }
            if let Some(t) = until {
                payload.push(("account_valid_until", J::Str(rfc3339(t, 0))));
            }
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(payload, uid, via, None, referer)
        }
        DisabledStatus => {
            let i = st.person_with(Want::default());
            let disable = chance(&mut st.rng, 0.6);
            let snap = if disable {
                Snap {
                    disabled: Some(st.reason(i, false)),
                    ..Snap::default()
                }
            } else {
                Snap::default()
            };
            let user = st.user(i, &snap);
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![("user", user), ("is_disabled", J::Bool(disable))],
                uid,
                via,
                None,
                referer,
            )
        }
        PasswordExpired => {
            let i = st.person_with(Want::default());
            let user = st.user(i, &Snap::default());
            let referer = Some(st.details_page(i));
            let uid = st.uid(i);
            draft(
                vec![
                    ("user", user),
                    ("expired", J::Bool(chance(&mut st.rng, 0.9))),
                ],
                uid,
                via,
                None,
                referer,
            )
        }
        GenerateOtp | SendResetPassword => {
            let i = st.person_with(Want::default());
            let use_email = st.people[i].email.is_some() && chance(&mut st.rng, 0.7);
            let (kind, target) = if use_email {
                (K::Email, st.login_value(i, Login::Email))
            } else {
                (K::Phone, st.login_value(i, Login::Phone))
            };
            let referer = Some(st.details_page(i));
            let payload = if shape == GenerateOtp {
                let purpose = pick(&mut st.rng, &["login", "verification"]);
                vec![("target", st.p(kind, target)), ("purpose", J::S(purpose))]
            } else {
                vec![("login_id", st.p(kind, target))]
            };
            draft(payload, Uid::Null, via, None, referer)
        }
        SetVerified => {
            let i = st.person_with(Want::default());
            let use_email = st.people[i].email.is_some() && chance(&mut st.rng, 0.6);
            let (kind, claim, value) = if use_email {
                (K::Email, "email", st.login_value(i, Login::Email))
            } else {
                (K::Phone, "phone_number", st.login_value(i, Login::Phone))
            };
            let referer = Some(st.details_page(i));
            let verified = chance(&mut st.rng, 0.7);
            draft(
                vec![
                    ("claim_name", J::S(claim)),
                    ("claim_value", st.p(kind, value)),
                    ("is_verified", J::Bool(verified)),
                ],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
        DeleteAuthorization => {
            let i = st.person_with(Want::default());
            let created = st.now - st.rng.random_range(86_400..200 * 86_400);
            let at = st.ts(created);
            let client = if chance(&mut st.rng, 0.5) {
                st.clients.web.clone()
            } else {
                hex(&mut st.rng, 16)
            };
            let authorization = obj(vec![
                ("id", J::Str(uuid(&mut st.rng))),
                ("created_at", at.clone()),
                ("updated_at", at),
                ("clientID", J::Str(client)),
                (
                    "scopes",
                    static_arr(&[
                        "openid",
                        "offline_access",
                        "https://authgear.com/scopes/full-access",
                    ]),
                ),
            ]);
            let referer = Some(st.details_page(i));
            draft(
                vec![("authorization", authorization)],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
        Role(crud) | Group(crud) => {
            let is_role = matches!(shape, Role(_));
            let n = if is_role {
                st.roles.len()
            } else {
                st.groups.len()
            };
            let r = st.rng.random_range(0..n);
            let one = |st: &mut State, updated| {
                if is_role {
                    st.role_j(r, updated)
                } else {
                    st.group_j(r, updated)
                }
            };
            let (k_one, k_orig, k_new) = if is_role {
                ("role", "original_role", "new_role")
            } else {
                ("group", "original_group", "new_group")
            };
            let payload = match crud {
                Crud::Create => vec![(k_one, one(st, None))],
                Crud::Update => {
                    let orig = one(st, None);
                    let now = st.now;
                    vec![(k_orig, orig), (k_new, one(st, Some(now)))]
                }
                Crud::Delete => {
                    let obj_j = one(st, None);
                    let other_ids: Vec<String> = if is_role {
                        vec![st.groups[st.rng.random_range(0..st.groups.len())]
                            .id
                            .clone()]
                    } else {
                        vec![st.roles[st.rng.random_range(0..st.roles.len())].id.clone()]
                    };
                    let users = st.some_user_ids();
                    if is_role {
                        vec![
                            ("role", obj_j),
                            ("role_group_ids", str_arr(other_ids)),
                            ("role_user_ids", str_arr(users)),
                        ]
                    } else {
                        vec![
                            ("group", obj_j),
                            ("group_role_ids", str_arr(other_ids)),
                            ("group_user_ids", str_arr(users)),
                        ]
                    }
                }
            };
            let referer = Some(st.portal_page(if is_role {
                "user-management/roles"
            } else {
                "user-management/groups"
            }));
            draft(payload, Uid::Null, via, None, referer)
        }
        RoleToUsers(_) | GroupToUsers(_) => {
            let users = st.some_user_ids();
            let payload = if matches!(shape, RoleToUsers(_)) {
                let key = st.roles[st.rng.random_range(0..st.roles.len())].key;
                vec![("user_ids", str_arr(users)), ("role_key", J::S(key))]
            } else {
                let id = st.groups[st.rng.random_range(0..st.groups.len())]
                    .id
                    .clone();
                vec![("user_ids", str_arr(users)), ("group_id", J::Str(id))]
            };
            let referer = Some(st.portal_page("user-management/roles"));
            draft(payload, Uid::Null, via, None, referer)
        }
        UserToRoles(_) | UserToGroups(_) => {
            let i = st.person_with(Want::default());
            let user_id = st.people[i].id.clone();
            let (key, ids, page) = if matches!(shape, UserToRoles(_)) {
                (
                    "role_ids",
                    vec![st.roles[st.rng.random_range(0..st.roles.len())].id.clone()],
                    "roles",
                )
            } else {
                (
                    "group_ids",
                    vec![st.groups[st.rng.random_range(0..st.groups.len())]
                        .id
                        .clone()],
                    "groups",
                )
            };
            let referer = Some(st.portal_page(&format!("users/{user_id}/{page}")));
            let uid = st.uid(i);
            draft(
                vec![("user_id", J::Str(user_id)), (key, str_arr(ids))],
                uid,
                via,
                None,
                referer,
            )
        }
        GroupToRoles(_) => {
            let g = st.groups[st.rng.random_range(0..st.groups.len())]
                .id
                .clone();
            let r = st.roles[st.rng.random_range(0..st.roles.len())].id.clone();
            let referer = Some(st.portal_page("user-management/groups"));
            draft(
                vec![("group_id", J::Str(g)), ("role_ids", str_arr(vec![r]))],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
        RoleToGroups(_) => {
            let r = st.roles[st.rng.random_range(0..st.roles.len())].id.clone();
            let g = st.groups[st.rng.random_range(0..st.groups.len())]
                .id
                .clone();
            let referer = Some(st.portal_page("user-management/roles"));
            draft(
                vec![("role_id", J::Str(r)), ("group_ids", str_arr(vec![g]))],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
        Resource(crud) => {
            let payload = match crud {
                Crud::Create => vec![("resource", st.resource_j(false))],
                Crud::Update => vec![
                    ("original_resource", st.resource_j(false)),
                    ("new_resource", st.resource_j(true)),
                ],
                Crud::Delete => vec![("resource", st.resource_j(false))],
            };
            let referer = Some(st.portal_page("api-resources"));
            draft(payload, Uid::Null, via, None, referer)
        }
        Scope(crud) => {
            let res = st.resource_j(false);
            let rid = res
                .get("id")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_owned();
            let sc = pick(&mut st.rng, SCOPES);
            let payload = match crud {
                Crud::Create => vec![("scope", st.scope_j(sc, &rid))],
                Crud::Update => {
                    let orig = st.scope_j(sc, &rid);
                    let mut new = orig.clone();
                    let now = st.ts(st.now);
                    if let Some(u) = new.get_mut("updated_at") {
                        *u = now;
                    }
                    if let Some(d) = new.get_mut("description") {
                        *d = J::Str(format!("{} (updated)", sc.1));
                    }
                    vec![("original_scope", orig), ("new_scope", new)]
                }
                Crud::Delete => vec![("scope", st.scope_j(sc, &rid))],
            };
            let referer = Some(st.portal_page(&format!("api-resources/{rid}")));
            draft(payload, Uid::Null, via, None, referer)
        }
        ResourceClient(_) => {
            let res = st.resource_j(false);
            let client = st.clients.m2m.clone();
            let referer = Some(st.portal_page("api-resources"));
            draft(
                vec![("resource", res), ("client_id", J::Str(client))],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
        ScopesClient(_) => {
            let res = st.resource_j(false);
            let rid = res
                .get("id")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_owned();
            let n = st.rng.random_range(1..=3);
            let scopes = (0..n).map(|k| st.scope_j(SCOPES[k], &rid)).collect();
            let client = st.clients.m2m.clone();
            let referer = Some(st.portal_page(&format!("api-resources/{rid}")));
            draft(
                vec![
                    ("resource_uri", J::Str(st.resource_uri())),
                    ("client_id", J::Str(client)),
                    ("scopes", J::Arr(scopes)),
                ],
                Uid::Null,
                via,
                None,
                referer,
            )
        }
    }
}
