//! The reference platform's payload models: for every audit event type whose payload the
//! platform documents, the field paths that payload can carry.
//!
//! # What this is
//!
//! [`known_payload_fields`] answers "which paths under `payload` does the platform put into an
//! event of this type?" as a list of path patterns in the syntax of `crate::redact::path`,
//! relative to the payload root (no leading `payload.`): `user.standard_attributes.email`,
//! `identity.claims["https://authgear.com/claims/login_id/value"]`, `sessions.userAgent`,
//! `user.roles[*]`, `app_config_new.**`.
//!
//! # Where it comes from
//!
//! The table is transcribed from the platform's Go source as summarised in
//! `../shared/PLATFORM.md`, section 3: the payload structs of `pkg/api/event/nonblocking/*.go`
//! (one row of the `TYPES` table per dotted type) and the models they embed from `pkg/api/model`
//! (`User`, `Identity`, `Session`, `Authenticator`, `Group`, `Role`, `Resource`, `Scope`,
//! `Authorization`, `AccountLockoutStatus`, `RateLimit`, `FraudProtectionDecisionRecord`, the
//! API error, the usage alert). Each model is written once, as a `const` slice of `Field`s
//! relative to where the model sits, and every type row places models at payload keys. Types the
//! platform builds from format strings (`authentication.%s.%s.failed`, `identity.%s.added`, ...)
//! are spelled out, one row per combination the platform's code defines, so that
//! [`documented_types`] yields its 131 non-blocking types (`identity.username.verified` and
//! `.unverified` included: the code can format them, although nothing dispatches them).
//!
//! # How it is used
//!
//! A fail-closed redaction mode masks every payload value outside these paths unless the
//! configuration allows it explicitly: a field the platform adds in a later release, or one an
//! integration smuggles in, is masked until someone looks at it, instead of flowing out
//! unredacted because no denylist rule names it. The normal rules still run on the known fields
//! (they hold most of the PII: e-mail addresses, names, IP addresses, device names).
//!
//! ## Matching rules
//!
//! - A **leaf** (a string, number, boolean, `null`, `{}` or `[]`) is known when a pattern of its
//!   type matches its exact path. A pattern that matches an *object* does not make the object's
//!   contents known: the contents are known only through their own patterns (or `**`).
//! - Every container is listed as well as its contents (`user` and `user.id`), so a `null` user
//!   (`authentication.blocked` before the user is identified), an empty `sessions` list or an
//!   empty `custom_attributes` map is known.
//! - **Arrays of objects** rely on the path syntax's array transparency: `sessions.userAgent`
//!   matches `sessions[2].userAgent`. They also list `<array>[*]`, so a `null` element is known.
//! - **Arrays of scalars** are listed as `<array>` and `<array>[*]` (`user.roles[*]`): a key
//!   pattern that ends at the array does not reach its elements.
//! - **Open maps** (`standard_attributes`, `custom_attributes`, `x_web3`, identity `claims`, the
//!   OAuth provider `profile`, the biometric `device_info`, LDAP `attributes` and
//!   `raw_attributes`, the project's app config) are listed as the map plus `<map>.**`:
//!   everything below them is known, whatever the keys. The keys the platform documents inside
//!   them (the OIDC standard attributes and `address.*`, the claim keys of each identity type)
//!   are listed explicitly as well, for readers and for rules that want them by name.
//!
//! # Known limits
//!
//! - One platform version (the source commit named in `PLATFORM.md`). The platform promises
//!   only backward-compatible changes and may add fields: fail-closed masks them until this
//!   table (or the configuration's allowlist) catches up.
//! - Open maps are known wholesale, so the fail-closed mode does not guard inside them; what
//!   they hold is the normal rules' business (custom attributes, OAuth profiles and device
//!   dumps are full of PII).
//! - Paths say nothing about value types or about which identity type a claim belongs to: any
//!   documented claim key is known on any identity, and a string where an object is documented
//!   passes as known.
//! - `authentication.blocked`'s `error.info` is an open map in the platform's code; only the
//!   keys its account-status, hook and lockout errors set are listed (`reason`,
//!   `reasons[].title`, `reasons[].reason`, `until`, `delete_at`, `anonymize_at`). The last two
//!   come from the platform's `pkg/lib/authn/user/errors.go`, which `PLATFORM.md` does not
//!   spell out.
//! - `None` means "no model", not "no payload": the five `site_admin.*` types the platform writes
//!   to the portal's own audit log have no documented payload, nor do format-string
//!   combinations the platform never dispatches (`authentication.primary.totp.failed`) or any
//!   type a later release adds. What a fail-closed mode does with them is the caller's choice.
//! - The lists are expanded once, on first use, into a process-wide map; the function hands out
//!   `&'static [String]` slices of it.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One entry of a model: a field, or another model embedded in it.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// A scalar (or opaque) field at this relative path.
    Leaf(&'static str),
    /// An array of scalars: the array and its elements (`x`, `x[*]`).
    List(&'static str),
    /// An open map: the map and everything below it (`x`, `x.**`), plus the keys listed.
    Map(&'static str, &'static [Field]),
    /// An object with these fields (the object itself is known too).
    Obj(&'static str, &'static [Field]),
    /// An array of objects with these fields (the array, `x[*]`, and the fields).
    Objs(&'static str, &'static [Field]),
    /// These fields at the same level (a model shared by two places).
    Inline(&'static [Field]),
}

use Field::{Inline, Leaf, List, Map, Obj, Objs};

/// `Meta`, the head of most models (`pkg/api/model/meta.go`).
const META: &[Field] = &[Leaf("id"), Leaf("created_at"), Leaf("updated_at")];

/// The postal address standard attribute.
const ADDRESS: &[Field] = &[
    Leaf("formatted"),
    Leaf("street_address"),
    Leaf("locality"),
    Leaf("region"),
    Leaf("postal_code"),
    Leaf("country"),
];

/// The OIDC standard attributes the platform knows (`pkg/lib/authn/stdattrs`): the keys of a
/// user's `standard_attributes`, and the standard claims an identity can carry.
const STANDARD_ATTRIBUTES: &[Field] = &[
    Leaf("email"),
    Leaf("email_verified"),
    Leaf("phone_number"),
    Leaf("phone_number_verified"),
    Leaf("preferred_username"),
    Leaf("family_name"),
    Leaf("given_name"),
    Leaf("middle_name"),
    Leaf("name"),
    Leaf("nickname"),
    Leaf("picture"),
    Leaf("profile"),
    Leaf("website"),
    Leaf("gender"),
    Leaf("birthdate"),
    Leaf("zoneinfo"),
    Leaf("locale"),
    Obj("address", ADDRESS),
    Leaf("updated_at"),
];

/// The user snapshot (`pkg/api/model/user.go`).
const USER: &[Field] = &[
    Inline(META),
    Leaf("last_login_at"),
    Leaf("is_anonymous"),
    Leaf("is_verified"),
    Leaf("is_disabled"),
    Leaf("disable_reason"),
    Leaf("is_deactivated"),
    Leaf("delete_at"),
    Leaf("delete_reason"),
    Leaf("is_anonymized"),
    Leaf("anonymize_at"),
    Leaf("temporarily_disabled_from"),
    Leaf("temporarily_disabled_until"),
    Leaf("account_valid_from"),
    Leaf("account_valid_until"),
    Leaf("can_reauthenticate"),
    Map("standard_attributes", STANDARD_ATTRIBUTES),
    Map("custom_attributes", &[]),
    Map("x_web3", &[]),
    List("roles"),
    List("groups"),
    Leaf("mfa_grace_period_end_at"),
];

/// The claim keys of every identity type (`pkg/lib/authn/identity/claim_key.go`), in the
/// `claims` map of an identity; the standard claims come from [`STANDARD_ATTRIBUTES`].
const IDENTITY_CLAIMS: &[Field] = &[
    Inline(STANDARD_ATTRIBUTES),
    // login_id
    Leaf(r#"["https://authgear.com/claims/login_id/key"]"#),
    Leaf(r#"["https://authgear.com/claims/login_id/type"]"#),
    Leaf(r#"["https://authgear.com/claims/login_id/value"]"#),
    Leaf(r#"["https://authgear.com/claims/login_id/original_value"]"#),
    // oauth
    Leaf(r#"["https://authgear.com/claims/oauth/provider_type"]"#),
    Leaf(r#"["https://authgear.com/claims/oauth/provider_alias"]"#),
    Leaf(r#"["https://authgear.com/claims/oauth/subject_id"]"#),
    Map(r#"["https://authgear.com/claims/oauth/profile"]"#, &[]),
    // anonymous
    Leaf(r#"["https://authgear.com/claims/anonymous/key_id"]"#),
    // biometric
    Leaf(r#"["https://authgear.com/claims/biometric/key_id"]"#),
    Map(
        r#"["https://authgear.com/claims/biometric/device_info"]"#,
        &[],
    ),
    Leaf(r#"["https://authgear.com/claims/biometric/formatted_device_info"]"#),
    // passkey
    Leaf(r#"["https://authgear.com/claims/passkey/credential_id"]"#),
    Leaf(r#"["https://authgear.com/claims/passkey/display_name"]"#),
    // siwe
    Leaf(r#"["https://authgear.com/claims/siwe/address"]"#),
    Leaf(r#"["https://authgear.com/claims/siwe/chain_id"]"#),
    // ldap
    Leaf(r#"["https://authgear.com/claims/ldap/server_name"]"#),
    Leaf(r#"["https://authgear.com/claims/ldap/last_login_username"]"#),
    Leaf(r#"["https://authgear.com/claims/ldap/user_id_attribute_name"]"#),
    Leaf(r#"["https://authgear.com/claims/ldap/user_id_attribute_value"]"#),
    Leaf(r#"["https://authgear.com/claims/ldap/raw_user_id_attribute_value"]"#),
    Map(r#"["https://authgear.com/claims/ldap/attributes"]"#, &[]),
    Map(
        r#"["https://authgear.com/claims/ldap/raw_attributes"]"#,
        &[],
    ),
];

/// The identity snapshot (`pkg/api/model/identity.go`).
const IDENTITY: &[Field] = &[
    Inline(META),
    Leaf("type"),
    Leaf("user_id"),
    Map("claims", IDENTITY_CLAIMS),
];

/// The session snapshot (`pkg/api/model/session.go`): note the camelCase keys.
const SESSION: &[Field] = &[
    Inline(META),
    Leaf("type"),
    List("amr"),
    Leaf("lastAccessedAt"),
    Leaf("createdByIP"),
    Leaf("lastAccessedByIP"),
    Leaf("lastAccessedByIPCountryCode"),
    Leaf("lastAccessedByIPEnglishCountryName"),
    Leaf("clientID"),
    Leaf("displayName"),
    Leaf("applicationName"),
    Leaf("userAgent"),
];

/// An authenticator (`pkg/api/model/authenticator.go`).
const AUTHENTICATOR: &[Field] = &[
    Inline(META),
    Leaf("user_id"),
    Leaf("type"),
    Leaf("is_default"),
    Leaf("kind"),
];

/// A group or a role (`pkg/api/model/group.go`, `role.go`): the same shape.
const GROUP: &[Field] = &[Inline(META), Leaf("key"), Leaf("name"), Leaf("description")];

/// A role: the same fields as [`GROUP`].
const ROLE: &[Field] = GROUP;

/// An API resource (`pkg/api/model/resource.go`).
const RESOURCE: &[Field] = &[Inline(META), Leaf("resourceURI"), Leaf("name")];

/// A scope of an API resource.
const SCOPE: &[Field] = &[
    Inline(META),
    Leaf("resource_id"),
    Leaf("scope"),
    Leaf("description"),
];

/// An OAuth authorization (a client's grant of scopes).
const AUTHORIZATION: &[Field] = &[Inline(META), Leaf("clientID"), List("scopes")];

/// The lockout state an Admin API reset cleared.
const ACCOUNT_LOCKOUT_STATUS: &[Field] = &[
    Leaf("lockout_type"),
    Leaf("is_locked"),
    Leaf("locked_until"),
    Objs("locked_ips", &[Leaf("ip_address"), Leaf("locked_until")]),
];

/// The rate limit that refused a request.
const RATE_LIMIT: &[Field] = &[Leaf("name"), Leaf("group")];

/// The API error of a blocked authentication, with the `info` keys of the documented reasons.
const API_ERROR: &[Field] = &[
    Leaf("name"),
    Leaf("reason"),
    Leaf("message"),
    Leaf("code"),
    Obj(
        "info",
        &[
            // DisabledUser
            Leaf("reason"),
            // HookDisallowed
            Objs("reasons", &[Leaf("title"), Leaf("reason")]),
            // AccountLockout
            Leaf("until"),
            // ScheduledDeletionByAdmin, ScheduledDeletionByEndUser
            // (`pkg/lib/authn/user/errors.go`)
            Leaf("delete_at"),
            // ScheduledAnonymizationByAdmin
            Leaf("anonymize_at"),
        ],
    ),
];

/// A fraud-protection decision (`pkg/api/model/fraud_protection.go`).
const FRAUD_PROTECTION_DECISION_RECORD: &[Field] = &[
    Leaf("timestamp"),
    Leaf("decision"),
    Leaf("allow_reason"),
    Leaf("action"),
    Obj(
        "action_detail",
        &[
            Leaf("recipient"),
            Leaf("type"),
            Leaf("phone_number_country_code"),
        ],
    ),
    List("triggered_warnings"),
    Leaf("user_agent"),
    Leaf("ip_address"),
    Leaf("http_url"),
    Leaf("http_referer"),
    Leaf("user_id"),
    Leaf("geo_location_code"),
];

/// A usage alert, nested under `usage`.
const USAGE_ALERT: &[Field] = &[
    Leaf("name"),
    Leaf("action"),
    Leaf("period"),
    Leaf("quota"),
    Leaf("current_value"),
    Leaf("plan_name"),
];

// === payload shapes shared by several types ===

const U: Field = Obj("user", USER);
const ONLY_USER: &[Field] = &[U];
const USER_IDENTITY: &[Field] = &[U, Obj("identity", IDENTITY)];
const USER_IDENTITY_UPDATED: &[Field] = &[
    U,
    Obj("new_identity", IDENTITY),
    Obj("old_identity", IDENTITY),
];
const USER_SESSION: &[Field] = &[U, Obj("session", SESSION)];
const USER_SESSIONS: &[Field] = &[U, Objs("sessions", SESSION)];
const USER_REASON: &[Field] = &[U, Leaf("reason")];
const USER_AUTHENTICATOR: &[Field] = &[U, Obj("authenticator", AUTHENTICATOR)];
const AUTHENTICATION_FAILED: &[Field] =
    &[U, Leaf("authentication_stage"), Leaf("authenticator_type")];
const IDENTITY_FAILED: &[Field] = &[U, Leaf("identity_type")];
/// A sent SMS or WhatsApp message (SMS adds its `sender`; e-mail has no usage flag).
const SENT_COUNTED: &[Field] = &[
    Leaf("recipient"),
    Leaf("type"),
    Leaf("is_not_counted_in_usage"),
];
const MESSAGE_FAILED: &[Field] = &[Leaf("description"), Leaf("recipient")];
const GROUP_ROLES: &[Field] = &[Leaf("group_id"), List("role_ids")];
const ROLE_GROUPS: &[Field] = &[Leaf("role_id"), List("group_ids")];
const USERS_GROUP: &[Field] = &[List("user_ids"), Leaf("group_id")];
const USERS_ROLE: &[Field] = &[List("user_ids"), Leaf("role_key")];
const USER_GROUPS: &[Field] = &[Leaf("user_id"), List("group_ids")];
const USER_ROLES: &[Field] = &[Leaf("user_id"), List("role_ids")];
const RESOURCE_CLIENT: &[Field] = &[Obj("resource", RESOURCE), Leaf("client_id")];
const SCOPES_CLIENT: &[Field] = &[
    Leaf("resource_uri"),
    Leaf("client_id"),
    Objs("scopes", SCOPE),
];
const ONE_GROUP: &[Field] = &[Obj("group", GROUP)];
const ONE_ROLE: &[Field] = &[Obj("role", ROLE)];
const ONE_RESOURCE: &[Field] = &[Obj("resource", RESOURCE)];
const ONE_SCOPE: &[Field] = &[Obj("scope", SCOPE)];
const INVITATION: &[Field] = &[Leaf("invitee_email"), Leaf("invited_by")];
const DOMAIN: &[Field] = &[Leaf("domain"), Leaf("domain_id")];

/// Every dotted type with a documented payload, and its payload's fields (relative to the
/// payload root). Grouped by family; the format-string types are spelled out.
static TYPES: &[(&str, &[Field])] = &[
    // --- authentication (14)
    (
        "authentication.primary.password.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.primary.oob_otp_email.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.primary.oob_otp_sms.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.secondary.password.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.secondary.oob_otp_email.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.secondary.oob_otp_sms.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.secondary.recovery_code.failed",
        AUTHENTICATION_FAILED,
    ),
    (
        "authentication.secondary.totp.failed",
        AUTHENTICATION_FAILED,
    ),
    ("authentication.identity.anonymous.failed", IDENTITY_FAILED),
    ("authentication.identity.biometric.failed", IDENTITY_FAILED),
    (
        "authentication.identity.login_id.failed",
        &[Leaf("login_id")],
    ),
    ("authentication.blocked", &[U, Obj("error", API_ERROR)]),
    (
        "bot_protection.verification.failed",
        &[Leaf("token"), Leaf("provider_type")],
    ),
    ("rate_limit.blocked", &[Obj("rate_limit", RATE_LIMIT)]),
    // --- identities (19)
    ("identity.email.added", USER_IDENTITY),
    ("identity.email.removed", USER_IDENTITY),
    ("identity.email.updated", USER_IDENTITY_UPDATED),
    ("identity.email.verified", USER_IDENTITY),
    ("identity.email.unverified", USER_IDENTITY),
    ("identity.phone.added", USER_IDENTITY),
    ("identity.phone.removed", USER_IDENTITY),
    ("identity.phone.updated", USER_IDENTITY_UPDATED),
    ("identity.phone.verified", USER_IDENTITY),
    ("identity.phone.unverified", USER_IDENTITY),
    ("identity.username.added", USER_IDENTITY),
    ("identity.username.removed", USER_IDENTITY),
    ("identity.username.updated", USER_IDENTITY_UPDATED),
    // Formattable but never dispatched in practice; the platform's code still defines them.
    ("identity.username.verified", USER_IDENTITY),
    ("identity.username.unverified", USER_IDENTITY),
    ("identity.biometric.enabled", USER_IDENTITY),
    ("identity.biometric.disabled", USER_IDENTITY),
    ("identity.oauth.connected", USER_IDENTITY),
    ("identity.oauth.disconnected", USER_IDENTITY),
    // --- users (15)
    (
        "user.anonymous.promoted",
        &[Obj("anonymous_user", USER), U, Objs("identities", IDENTITY)],
    ),
    (
        "user.authenticated",
        &[
            U,
            Obj("session", SESSION),
            Obj("continue_from_session", SESSION),
        ],
    ),
    ("user.reauthenticated", USER_SESSION),
    ("user.created", &[U, Objs("identities", IDENTITY)]),
    ("user.deleted", USER_REASON),
    ("user.deletion_scheduled", ONLY_USER),
    ("user.deletion_unscheduled", ONLY_USER),
    ("user.anonymization_scheduled", ONLY_USER),
    ("user.anonymization_unscheduled", ONLY_USER),
    ("user.anonymized", ONLY_USER),
    (
        "user.disabled",
        &[
            U,
            Leaf("temporarily_disabled_from"),
            Leaf("temporarily_disabled_until"),
        ],
    ),
    ("user.reenabled", ONLY_USER),
    ("user.profile.updated", ONLY_USER),
    ("user.signed_out", USER_SESSIONS),
    (
        "user.session.terminated",
        &[U, Objs("sessions", SESSION), Leaf("termination_type")],
    ),
    // --- messaging (11)
    (
        "email.sent",
        &[Leaf("sender"), Leaf("recipient"), Leaf("type")],
    ),
    ("sms.sent", &[Leaf("sender"), Inline(SENT_COUNTED)]),
    ("whatsapp.sent", SENT_COUNTED),
    ("email.error", MESSAGE_FAILED),
    ("sms.error", MESSAGE_FAILED),
    ("whatsapp.error", MESSAGE_FAILED),
    ("email.suppressed", MESSAGE_FAILED),
    ("sms.suppressed", MESSAGE_FAILED),
    ("whatsapp.suppressed", MESSAGE_FAILED),
    ("whatsapp.otp.verified", &[Leaf("phone")]),
    (
        "fraud_protection.decision_recorded",
        &[Obj("record", FRAUD_PROTECTION_DECISION_RECORD)],
    ),
    // --- machine to machine, usage (2)
    (
        "m2m.token.created",
        &[Leaf("client_id"), Leaf("client_secret")],
    ),
    ("usage.alert.triggered", &[Obj("usage", USAGE_ALERT)]),
    // --- project, written by the portal (14)
    ("project.app.created", &[Map("app_config", &[])]),
    ("project.app.secret.viewed", &[List("secrets")]),
    (
        "project.app.updated",
        &[
            Map("app_config_old", &[]),
            Map("app_config_new", &[]),
            Leaf("app_config_diff"),
            List("updated_secrets"),
            List("updated_resources"),
        ],
    ),
    (
        "project.billing.checkout.created",
        &[Leaf("subscription_checkout_id"), Leaf("plan_name")],
    ),
    (
        "project.billing.subscription.cancelled",
        &[Leaf("subscription_id"), Leaf("customer_id")],
    ),
    (
        "project.billing.subscription.status.updated",
        &[Leaf("subscription_id"), Leaf("cancelled")],
    ),
    (
        "project.billing.subscription.updated",
        &[Leaf("subscription_id"), Leaf("plan_name")],
    ),
    (
        "project.collaborator.deleted",
        &[
            Leaf("collaborator_id"),
            Leaf("collaborator_user_id"),
            Leaf("collaborator_role"),
        ],
    ),
    (
        "project.collaborator.invitation.accepted",
        &[Leaf("collaborator_user_id"), Leaf("collaborator_role")],
    ),
    ("project.collaborator.invitation.created", INVITATION),
    ("project.collaborator.invitation.deleted", INVITATION),
    ("project.domain.created", DOMAIN),
    ("project.domain.deleted", DOMAIN),
    ("project.domain.verified", DOMAIN),
    // --- Admin API, users (27)
    ("admin_api.mutation.anonymize_user.executed", ONLY_USER),
    (
        "admin_api.mutation.create_authenticator.executed",
        USER_AUTHENTICATOR,
    ),
    ("admin_api.mutation.create_identity.executed", USER_IDENTITY),
    ("admin_api.mutation.create_session.executed", USER_SESSION),
    ("admin_api.mutation.create_user.executed", ONLY_USER),
    (
        "admin_api.mutation.delete_authenticator.executed",
        USER_AUTHENTICATOR,
    ),
    (
        "admin_api.mutation.delete_authorization.executed",
        &[Obj("authorization", AUTHORIZATION)],
    ),
    ("admin_api.mutation.delete_identity.executed", USER_IDENTITY),
    ("admin_api.mutation.delete_user.executed", USER_REASON),
    (
        "admin_api.mutation.generate_oob_otp_code.executed",
        &[Leaf("target"), Leaf("purpose")],
    ),
    (
        "admin_api.mutation.reset_account_lockout.executed",
        &[U, Obj("previous_lockout_status", ACCOUNT_LOCKOUT_STATUS)],
    ),
    ("admin_api.mutation.reset_password.executed", ONLY_USER),
    ("admin_api.mutation.revoke_all_sessions.executed", ONLY_USER),
    ("admin_api.mutation.revoke_session.executed", USER_SESSION),
    (
        "admin_api.mutation.schedule_account_anonymization.executed",
        ONLY_USER,
    ),
    (
        "admin_api.mutation.schedule_account_deletion.executed",
        USER_REASON,
    ),
    (
        "admin_api.mutation.send_reset_password_message.executed",
        &[Leaf("login_id")],
    ),
    (
        "admin_api.mutation.set_account_valid_from.executed",
        &[U, Leaf("account_valid_from")],
    ),
    (
        "admin_api.mutation.set_account_valid_period.executed",
        &[U, Leaf("account_valid_from"), Leaf("account_valid_until")],
    ),
    (
        "admin_api.mutation.set_account_valid_until.executed",
        &[U, Leaf("account_valid_until")],
    ),
    (
        "admin_api.mutation.set_disabled_status.executed",
        &[U, Leaf("is_disabled")],
    ),
    (
        "admin_api.mutation.set_password_expired.executed",
        &[U, Leaf("expired")],
    ),
    (
        "admin_api.mutation.set_verified_status.executed",
        &[Leaf("claim_name"), Leaf("claim_value"), Leaf("is_verified")],
    ),
    (
        "admin_api.mutation.unschedule_account_anonymization.executed",
        ONLY_USER,
    ),
    (
        "admin_api.mutation.unschedule_account_deletion.executed",
        ONLY_USER,
    ),
    ("admin_api.mutation.update_identity.executed", USER_IDENTITY),
    ("admin_api.mutation.update_user.executed", ONLY_USER),
    // --- Admin API, roles and groups (18)
    ("admin_api.mutation.create_role.executed", ONE_ROLE),
    (
        "admin_api.mutation.update_role.executed",
        &[Obj("original_role", ROLE), Obj("new_role", ROLE)],
    ),
    (
        "admin_api.mutation.delete_role.executed",
        &[
            Obj("role", ROLE),
            List("role_group_ids"),
            List("role_user_ids"),
        ],
    ),
    ("admin_api.mutation.create_group.executed", ONE_GROUP),
    (
        "admin_api.mutation.update_group.executed",
        &[Obj("original_group", GROUP), Obj("new_group", GROUP)],
    ),
    (
        "admin_api.mutation.delete_group.executed",
        &[
            Obj("group", GROUP),
            List("group_role_ids"),
            List("group_user_ids"),
        ],
    ),
    ("admin_api.mutation.add_role_to_users.executed", USERS_ROLE),
    (
        "admin_api.mutation.remove_role_from_users.executed",
        USERS_ROLE,
    ),
    ("admin_api.mutation.add_user_to_roles.executed", USER_ROLES),
    (
        "admin_api.mutation.remove_user_from_roles.executed",
        USER_ROLES,
    ),
    (
        "admin_api.mutation.add_group_to_users.executed",
        USERS_GROUP,
    ),
    (
        "admin_api.mutation.remove_group_from_users.executed",
        USERS_GROUP,
    ),
    (
        "admin_api.mutation.add_user_to_groups.executed",
        USER_GROUPS,
    ),
    (
        "admin_api.mutation.remove_user_from_groups.executed",
        USER_GROUPS,
    ),
    (
        "admin_api.mutation.add_group_to_roles.executed",
        GROUP_ROLES,
    ),
    (
        "admin_api.mutation.remove_group_from_roles.executed",
        GROUP_ROLES,
    ),
    (
        "admin_api.mutation.add_role_to_groups.executed",
        ROLE_GROUPS,
    ),
    (
        "admin_api.mutation.remove_role_from_groups.executed",
        ROLE_GROUPS,
    ),
    // --- Admin API, API resources (11)
    ("admin_api.mutation.create_resource.executed", ONE_RESOURCE),
    (
        "admin_api.mutation.update_resource.executed",
        &[
            Obj("original_resource", RESOURCE),
            Obj("new_resource", RESOURCE),
        ],
    ),
    ("admin_api.mutation.delete_resource.executed", ONE_RESOURCE),
    ("admin_api.mutation.create_scope.executed", ONE_SCOPE),
    (
        "admin_api.mutation.update_scope.executed",
        &[Obj("original_scope", SCOPE), Obj("new_scope", SCOPE)],
    ),
    ("admin_api.mutation.delete_scope.executed", ONE_SCOPE),
    (
        "admin_api.mutation.add_resource_to_clientid.executed",
        RESOURCE_CLIENT,
    ),
    (
        "admin_api.mutation.remove_resource_from_clientid.executed",
        RESOURCE_CLIENT,
    ),
    (
        "admin_api.mutation.add_scopes_to_clientid.executed",
        SCOPES_CLIENT,
    ),
    (
        "admin_api.mutation.remove_scopes_from_clientid.executed",
        SCOPES_CLIENT,
    ),
    (
        "admin_api.mutation.replace_scopes_of_clientid.executed",
        SCOPES_CLIENT,
    ),
];

// === expansion and lookup ===

/// `prefix` followed by the relative path `rel` (`user` + `id`, `claims` + `["k"]`).
fn join(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_owned()
    } else if rel.starts_with('[') {
        format!("{prefix}{rel}")
    } else {
        format!("{prefix}.{rel}")
    }
}

/// Appends `path` to `out` unless it is there already.
fn add(path: String, seen: &mut HashSet<String>, out: &mut Vec<String>) {
    if seen.insert(path.clone()) {
        out.push(path);
    }
}

/// Appends the paths of `fields`, placed at `prefix`, to `out` (each once, in table order).
fn expand(prefix: &str, fields: &[Field], seen: &mut HashSet<String>, out: &mut Vec<String>) {
    for field in fields {
        match *field {
            Leaf(k) => add(join(prefix, k), seen, out),
            List(k) => {
                let at = join(prefix, k);
                add(at.clone(), seen, out);
                add(format!("{at}[*]"), seen, out);
            }
            Map(k, keys) => {
                let at = join(prefix, k);
                add(at.clone(), seen, out);
                add(format!("{at}.**"), seen, out);
                expand(&at, keys, seen, out);
            }
            Obj(k, inner) => {
                let at = join(prefix, k);
                add(at.clone(), seen, out);
                expand(&at, inner, seen, out);
            }
            Objs(k, inner) => {
                let at = join(prefix, k);
                add(at.clone(), seen, out);
                add(format!("{at}[*]"), seen, out);
                expand(&at, inner, seen, out);
            }
            Inline(inner) => expand(prefix, inner, seen, out),
        }
    }
}

/// The expanded table, built on first use.
fn expanded() -> &'static HashMap<&'static str, Vec<String>> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        TYPES
            .iter()
            .map(|&(event_type, fields)| {
                let mut out = Vec::new();
                expand("", fields, &mut HashSet::new(), &mut out);
                (event_type, out)
            })
            .collect()
    })
}

/// The payload paths the reference platform documents for the dotted `event_type`
/// (`user.authenticated`), relative to the payload root (`user.standard_attributes.email`, not
/// `payload.user...`), in the pattern syntax of `crate::redact::path`. `None` when the
/// platform documents no payload for the type (`site_admin.*`, unknown or future types).
///
/// A payload leaf is known when one of the patterns matches its exact path; containers are
/// listed too, and open maps end in `.**` (see the [module docs](self) for the rules). The
/// slices are `String`s because they are expanded from shared model tables on first call; they
/// live for the rest of the process.
pub fn known_payload_fields(event_type: &str) -> Option<&'static [String]> {
    expanded().get(event_type).map(Vec::as_slice)
}

/// Every dotted type with a documented payload model (131), grouped by family.
pub fn documented_types() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|&(event_type, _)| event_type)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;

    use super::*;
    use crate::catalog::BUILTIN;
    use crate::generate::{Generator, GeneratorOptions, Mix};
    use crate::redact::path::{push_step, PathPattern, PathTrie, Step};

    /// Payload paths (indexes written `[*]`) the generator emits although the platform
    /// documents no such field, with the reason. Empty: every field the generator puts into a
    /// documented type's payload is in the table.
    const GENERATOR_INVENTIONS: &[(&str, &str)] = &[];

    #[test]
    fn every_catalog_type_the_platform_documents_has_a_model() {
        let types: Vec<&str> = documented_types().collect();
        assert_eq!(types.len(), 131, "the platform's code defines 131 types");
        let unique: BTreeSet<&str> = types.iter().copied().collect();
        assert_eq!(unique.len(), types.len(), "a type is listed twice");
        let catalog: BTreeSet<&str> = BUILTIN.iter().map(|e| &*e.event_type).collect();
        for t in &types {
            assert!(catalog.contains(t), "{t} has a model but no catalog entry");
        }
        for e in BUILTIN {
            let t = &*e.event_type;
            // The portal's site-admin types are the only ones without a documented payload.
            let expected = !t.starts_with("site_admin.");
            assert_eq!(known_payload_fields(t).is_some(), expected, "{t}");
            if e.group.is_some() {
                assert!(known_payload_fields(t).is_some(), "documented {t}");
            }
        }
        assert!(known_payload_fields("no.such.type").is_none());
        assert!(known_payload_fields("USER_AUTHENTICATED").is_none());
    }

    #[test]
    fn every_path_parses_and_prints_back_the_same() {
        let mut total = 0;
        for t in documented_types() {
            let paths = known_payload_fields(t).unwrap();
            assert!(!paths.is_empty(), "{t}");
            let unique: BTreeSet<&String> = paths.iter().collect();
            assert_eq!(unique.len(), paths.len(), "{t}: a path is listed twice");
            for p in paths {
                assert!(
                    !p.starts_with("payload"),
                    "{t}: {p} must be payload-relative"
                );
                let parsed = PathPattern::parse(p).unwrap_or_else(|e| panic!("{t}: {p}: {e}"));
                assert_eq!(parsed.to_string(), *p, "{t}: not in canonical form");
            }
            total += paths.len();
        }
        eprintln!("payload_model: {total} paths over 131 types");
    }

    fn steps<'a>(path: &'a [&'a str]) -> Vec<Step<'a>> {
        path.iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(s),
            })
            .collect()
    }

    fn known(event_type: &str, path: &[&str]) -> bool {
        let steps = steps(path);
        known_payload_fields(event_type)
            .unwrap()
            .iter()
            .any(|p| PathPattern::parse(p).unwrap().matches(&steps))
    }

    #[test]
    fn the_matching_rules_hold() {
        let t = "user.session.terminated";
        assert!(known(
            t,
            &["user", "standard_attributes", "address", "locality"]
        ));
        assert!(known(
            t,
            &["user", "standard_attributes", "some_future_claim"]
        ));
        assert!(known(t, &["user", "custom_attributes", "a", "0", "b"]));
        assert!(known(t, &["user", "custom_attributes"]));
        assert!(known(t, &["user", "roles", "3"]));
        assert!(known(t, &["user", "roles"]));
        assert!(known(t, &["sessions", "1", "createdByIP"]));
        assert!(known(t, &["sessions", "1", "amr", "0"]));
        assert!(known(t, &["sessions", "0"]));
        assert!(known(t, &["sessions"]));
        assert!(known(t, &["termination_type"]));
        assert!(!known(t, &["user", "password_hash"]));
        assert!(!known(t, &["sessions", "0", "refresh_token"]));
        assert!(!known(t, &["billing", "payment_method", "holder"]));
        assert!(!known(t, &["session", "id"]));

        let t = "identity.oauth.connected";
        let claim = |k: &str| format!("https://authgear.com/claims/{k}");
        let value = claim("login_id/original_value");
        assert!(known(t, &["identity", "claims", &value]));
        let profile = claim("oauth/profile");
        assert!(known(
            t,
            &["identity", "claims", &profile, "emails", "0", "value"]
        ));
        assert!(!known(t, &["identity", "secret"]));

        let t = "authentication.blocked";
        assert!(known(t, &["user"]), "a null user is known");
        assert!(known(t, &["error", "info", "reasons", "0", "title"]));
        assert!(!known(t, &["error", "info", "stack"]));

        let t = "admin_api.mutation.add_scopes_to_clientid.executed";
        assert!(known(t, &["scopes", "2", "resource_id"]));
        assert!(!known(t, &["scopes", "2", "secret"]));
        let paths = known_payload_fields("project.app.updated").unwrap();
        assert!(paths.iter().any(|p| p == "app_config_new.**"));
        assert!(paths.iter().any(|p| p == "updated_secrets[*]"));
    }

    /// What the fail-closed mode would do to one corpus, per type.
    #[derive(Default)]
    struct TypeTally {
        events: usize,
        leaves: usize,
        /// Leaves outside the model of a type that has one, by path (`[*]` for indexes).
        outside: BTreeMap<String, usize>,
        /// Leaves of a type without a model (the whole payload).
        no_model: usize,
        /// Known leaves that only a `**` pattern reaches, by the open map that holds them.
        open_maps: BTreeMap<String, usize>,
    }

    impl TypeTally {
        fn in_open_map(&self) -> usize {
            self.open_maps.values().sum()
        }

        fn masked(&self) -> usize {
            self.no_model + self.outside.values().sum::<usize>()
        }
    }

    /// Walks `v`, advancing the trie's states; counts each leaf, and each leaf no pattern
    /// reaches by its path.
    fn walk(trie: &PathTrie, states: &[u32], v: &Value, path: &mut String, tally: &mut TypeTally) {
        let children: Vec<(Step<'_>, &Value)> = match v {
            Value::Object(m) => m.iter().map(|(k, v)| (Step::Key(k), v)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (Step::Index(i), v))
                .collect(),
            _ => Vec::new(),
        };
        if children.is_empty() {
            tally.leaves += 1;
            if !states.iter().any(|&n| trie.is_end(n)) {
                *tally.outside.entry(path.clone()).or_default() += 1;
            }
            return;
        }
        for (step, child) in children {
            let mut next = Vec::new();
            for &n in states {
                trie.advance(n, step, &mut |m| {
                    if !next.contains(&m) {
                        next.push(m);
                    }
                });
            }
            let len = path.len();
            match step {
                Step::Key(_) => push_step(path, step),
                Step::Index(_) => path.push_str("[*]"),
            }
            walk(trie, &next, child, path, tally);
            path.truncate(len);
        }
    }

    fn count_leaves(v: &Value) -> usize {
        match v {
            Value::Object(m) if !m.is_empty() => m.values().map(count_leaves).sum(),
            Value::Array(a) if !a.is_empty() => a.iter().map(count_leaves).sum(),
            _ => 1,
        }
    }

    /// A trie of the type's patterns, with or without the `**` ones.
    fn trie_of(event_type: &str, with_open_maps: bool) -> PathTrie {
        let pats: Vec<PathPattern> = known_payload_fields(event_type)
            .unwrap()
            .iter()
            .filter(|p| with_open_maps || !p.contains("**"))
            .map(|p| PathPattern::parse(p).unwrap())
            .collect();
        PathTrie::new(&pats)
    }

    fn walk_from(trie: &PathTrie, payload: &Value, tally: &mut TypeTally) {
        let mut start = Vec::new();
        trie.start(&mut |n| start.push(n));
        walk(trie, &start, payload, &mut String::new(), tally);
    }

    /// The open map (a `<root>.**` pattern of `event_type`) that holds the leaf at `path`.
    fn open_map_root(event_type: &str, path: &str) -> String {
        let bare = path.replace("[*]", "");
        known_payload_fields(event_type)
            .unwrap()
            .iter()
            .filter_map(|p| p.strip_suffix(".**"))
            .filter(|root| {
                bare.strip_prefix(*root)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
            .max_by_key(|root| root.len())
            .unwrap_or("?")
            .to_owned()
    }

    /// Tallies a corpus of events by type.
    fn tally<'e>(events: impl Iterator<Item = &'e Value>) -> BTreeMap<String, TypeTally> {
        // Per type: the full table, and the table without its `**` patterns.
        let tries: HashMap<&str, (PathTrie, PathTrie)> = documented_types()
            .map(|t| (t, (trie_of(t, true), trie_of(t, false))))
            .collect();
        let mut by_type: BTreeMap<String, TypeTally> = BTreeMap::new();
        for event in events {
            let t = event["type"].as_str().expect("type").to_owned();
            let payload = &event["payload"];
            let entry = by_type.entry(t.clone()).or_default();
            entry.events += 1;
            match tries.get(t.as_str()) {
                Some((full, named)) => {
                    let mut known = TypeTally::default();
                    walk_from(full, payload, &mut known);
                    let mut without_maps = TypeTally::default();
                    walk_from(named, payload, &mut without_maps);
                    entry.leaves += known.leaves;
                    for (p, n) in &known.outside {
                        *entry.outside.entry(p.clone()).or_default() += n;
                    }
                    // The named patterns are a subset of the full ones: what they miss and
                    // the full table reaches, only `**` reaches.
                    for (p, n) in without_maps.outside {
                        let n = n - known.outside.get(&p).copied().unwrap_or(0);
                        if n > 0 {
                            *entry.open_maps.entry(open_map_root(&t, &p)).or_default() += n;
                        }
                    }
                }
                None => {
                    let n = count_leaves(payload);
                    entry.leaves += n;
                    entry.no_model += n;
                }
            }
        }
        by_type
    }

    /// Prints the corpus summary, the 15 types with the most masked leaves, and the uncovered
    /// paths of every type that has a model; returns the uncovered `(type, path)`s.
    fn report(name: &str, by_type: &BTreeMap<String, TypeTally>) -> Vec<(String, String)> {
        let sum = |f: &dyn Fn(&TypeTally) -> usize| by_type.values().map(f).sum::<usize>();
        let events = sum(&|t| t.events);
        let leaves = sum(&|t| t.leaves);
        let no_model = sum(&|t| t.no_model);
        let outside = sum(&|t| t.outside.values().sum());
        let in_open_map = sum(&|t| t.in_open_map());
        eprintln!(
            "\n== {name}: {events} events, {} types, {leaves} payload leaves; masked: {} \
             ({no_model} in types without a model, {outside} outside a model); known only \
             through an open map's `**`: {in_open_map}",
            by_type.len(),
            no_model + outside,
        );
        let mut ranked: Vec<(&String, &TypeTally)> =
            by_type.iter().filter(|(_, t)| t.masked() > 0).collect();
        ranked.sort_by(|a, b| b.1.masked().cmp(&a.1.masked()).then(a.0.cmp(b.0)));
        eprintln!(
            "{:<48} {:>6} {:>7} {:>9} {:>13} {:>8}",
            "type", "events", "leaves", "no model", "outside model", "via **"
        );
        for (t, tally) in ranked.iter().take(15) {
            eprintln!(
                "{:<48} {:>6} {:>7} {:>9} {:>13} {:>8}",
                t,
                tally.events,
                tally.leaves,
                tally.no_model,
                tally.outside.values().sum::<usize>(),
                tally.in_open_map()
            );
        }
        let mut roots: BTreeMap<&str, usize> = BTreeMap::new();
        for tally in by_type.values() {
            for (root, n) in &tally.open_maps {
                *roots.entry(root).or_default() += n;
            }
        }
        let mut roots: Vec<(&str, usize)> = roots.into_iter().collect();
        roots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        eprintln!("known only through `**`, by open map (all types):");
        for (root, n) in roots.iter().take(10) {
            eprintln!("    {n:>6}  {root}.**");
        }
        let mut uncovered = Vec::new();
        for (t, tally) in by_type {
            if tally.outside.is_empty() {
                continue;
            }
            let mut top: Vec<(&String, &usize)> = tally.outside.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            eprintln!("  {t}: uncovered paths");
            for (p, n) in top.iter().take(10) {
                eprintln!("    {n:>6}  {p}");
            }
            uncovered.extend(top.iter().map(|(p, _)| (t.clone(), (*p).clone())));
        }
        uncovered
    }

    /// Fails on any uncovered path that is not a known generator invention.
    fn assert_nothing_documented_is_missing(uncovered: &[(String, String)]) {
        let misses: Vec<&(String, String)> = uncovered
            .iter()
            .filter(|(_, p)| !GENERATOR_INVENTIONS.iter().any(|(q, _)| p == q))
            .collect();
        assert!(
            misses.is_empty(),
            "payload paths outside the model: add them to the type's model if the platform \
             documents them, else to GENERATOR_INVENTIONS with the reason: {misses:#?}"
        );
    }

    fn corpus(mix: Mix, n: usize) -> Vec<Value> {
        let mut g = Generator::new(GeneratorOptions {
            seed: 14,
            mix,
            ..GeneratorOptions::default()
        });
        (0..n).map(|_| g.next_event()).collect()
    }

    #[test]
    fn the_generator_emits_nothing_documented_outside_the_table() {
        for (name, mix) in [("uniform", Mix::Uniform), ("realistic", Mix::Realistic)] {
            let events = corpus(mix, 5_000);
            let by_type = tally(events.iter());
            let uncovered = report(name, &by_type);
            assert_nothing_documented_is_missing(&uncovered);
            if mix == Mix::Uniform {
                // Every type with a model was exercised.
                for t in documented_types() {
                    assert!(by_type.contains_key(t), "{t} not generated");
                }
            }
        }
    }

    /// The tally itself sees what it must: invented fields are counted, open maps are not.
    #[test]
    fn the_tally_counts_fields_outside_the_model() {
        let event = serde_json::json!({
            "type": "user.signed_out",
            "payload": {
                "user": {
                    "id": "u1",
                    "password_hash": "x",
                    "roles": ["a", "b"],
                    "custom_attributes": {"crm": {"id": 7}},
                },
                "sessions": [{"id": "s1", "refresh_token": "t"}, null, {}],
                "billing": {"payment_method": {"holder": "Ada"}},
            },
        });
        let unknown = serde_json::json!({"type": "site_admin.app.plan.updated",
            "payload": {"app_id": "a", "x": [1, 2]}});
        let by_type = tally([&event, &unknown].into_iter());
        let t = &by_type["user.signed_out"];
        let outside: Vec<&str> = t.outside.keys().map(String::as_str).collect();
        assert_eq!(
            outside,
            [
                "billing.payment_method.holder",
                "sessions[*].refresh_token",
                "user.password_hash"
            ]
        );
        // id, password_hash, 2 roles, crm.id, s1 id, refresh_token, null, {}, holder.
        assert_eq!(t.leaves, 10);
        assert_eq!(t.open_maps.len(), 1);
        assert_eq!(t.open_maps["user.custom_attributes"], 1);
        assert_eq!(by_type["site_admin.app.plan.updated"].no_model, 3);
    }

    /// The reference generator in `../shared/tools` (Python), when present: the same check
    /// on an independent implementation of the platform's payloads.
    #[test]
    fn the_python_generator_emits_nothing_documented_outside_the_table() {
        let tool = "/work/shared/tools/gen-audit-events";
        if !std::path::Path::new(tool).exists() {
            eprintln!("skipped: {tool} is not available");
            return;
        }
        for mix in ["uniform", "realistic"] {
            let out = std::process::Command::new("python3")
                .args([tool, "--count", "5000", "--seed", "14", "--mix", mix])
                .output();
            let Ok(out) = out.map_err(|e| eprintln!("skipped: python3: {e}")) else {
                return;
            };
            assert!(out.status.success(), "{tool} failed");
            let events: Vec<Value> = out
                .stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| serde_json::from_slice(l).expect("an event"))
                .collect();
            let by_type = tally(events.iter());
            let uncovered = report(&format!("python {mix}"), &by_type);
            assert_nothing_documented_is_missing(&uncovered);
        }
    }
}
