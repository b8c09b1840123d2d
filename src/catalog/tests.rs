//! Tests of the built-in table against the reference platform's docs and code, and of the
//! catalog's lookups and overrides.

use super::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The 72 activity types of the public audit-log docs, transcribed by hand, in their groups.
const DOCUMENTED: &[(DocGroup, &[&str])] = &[
    (
        DocGroup::AuthenticationFailed,
        &[
            "AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED",
            "AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED",
            "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED",
            "AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED",
            "AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED",
            "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
            "AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED",
            "AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED",
            "AUTHENTICATION_SECONDARY_PASSWORD_FAILED",
            "AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED",
            "AUTHENTICATION_SECONDARY_TOTP_FAILED",
        ],
    ),
    (
        DocGroup::IdentityChanges,
        &[
            "IDENTITY_BIOMETRIC_DISABLED",
            "IDENTITY_BIOMETRIC_ENABLED",
            "IDENTITY_EMAIL_ADDED",
            "IDENTITY_EMAIL_REMOVED",
            "IDENTITY_EMAIL_UPDATED",
            "IDENTITY_OAUTH_CONNECTED",
            "IDENTITY_OAUTH_DISCONNECTED",
            "IDENTITY_PHONE_ADDED",
            "IDENTITY_PHONE_REMOVED",
            "IDENTITY_PHONE_UPDATED",
            "IDENTITY_USERNAME_ADDED",
            "IDENTITY_USERNAME_REMOVED",
            "IDENTITY_USERNAME_UPDATED",
        ],
    ),
    (
        DocGroup::UserActions,
        &[
            "USER_ANONYMOUS_PROMOTED",
            "USER_AUTHENTICATED",
            "USER_CREATED",
            "USER_DELETED",
            "USER_DELETION_SCHEDULED",
            "USER_DELETION_UNSCHEDULED",
            "USER_DISABLED",
            "USER_PROFILE_UPDATED",
            "USER_REENABLED",
            "USER_SESSION_TERMINATED",
            "USER_SIGNED_OUT",
        ],
    ),
    (
        DocGroup::Others,
        &["WHATSAPP_OTP_VERIFIED", "SMS_SENT", "EMAIL_SENT"],
    ),
    (
        DocGroup::ProjectActions,
        &[
            "PROJECT_APP_SECRET_VIEWED",
            "PROJECT_APP_UPDATED",
            "PROJECT_BILLING_CHECKOUT_CREATED",
            "PROJECT_BILLING_SUBSCRIPTION_CANCELLED",
            "PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED",
            "PROJECT_BILLING_SUBSCRIPTION_UPDATED",
            "PROJECT_COLLABORATOR_DELETED",
            "PROJECT_COLLABORATOR_INVITATION_ACCEPTED",
            "PROJECT_COLLABORATOR_INVITATION_CREATED",
            "PROJECT_COLLABORATOR_INVITATION_DELETED",
            "PROJECT_DOMAIN_CREATED",
            "PROJECT_DOMAIN_DELETED",
            "PROJECT_DOMAIN_VERIFIED",
        ],
    ),
    (
        DocGroup::AdminApiUserMutations,
        &[
            "ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED",
            "ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED",
            "ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED",
            "ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED",
            "ADMIN_API_MUTATION_CREATE_USER_EXECUTED",
            "ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED",
            "ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED",
            "ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED",
            "ADMIN_API_MUTATION_DELETE_USER_EXECUTED",
            "ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED",
            "ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED",
            "ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED",
            "ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED",
            "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED",
            "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED",
            "ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED",
            "ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED",
            "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED",
            "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED",
            "ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED",
            "ADMIN_API_MUTATION_UPDATE_USER_EXECUTED",
        ],
    ),
];

/// The five types of the site-admin audit log (not in the Admin API enum).
const SITE_ADMIN: [&str; 5] = [
    "site_admin.app.plan.updated",
    "site_admin.app.feature_config.updated",
    "site_admin.app.collaborator.added",
    "site_admin.app.collaborator.deleted",
    "site_admin.app.collaborator.promoted",
];

/// Types the code can emit only through a format string (not in the Admin API enum either).
const FORMAT_ONLY: [&str; 2] = ["identity.username.verified", "identity.username.unverified"];

fn documented_entries() -> impl Iterator<Item = &'static CatalogEntry> {
    BUILTIN.iter().filter(|e| e.group.is_some())
}

fn documented_from_catalog() -> BTreeMap<String, DocGroup> {
    documented_entries()
        .map(|e| (e.activity_type.to_string(), e.group.unwrap()))
        .collect()
}

fn documented_transcribed() -> BTreeMap<String, DocGroup> {
    let mut m = BTreeMap::new();
    for (group, names) in DOCUMENTED {
        for name in *names {
            assert!(
                m.insert(name.to_string(), *group).is_none(),
                "{name} is transcribed twice"
            );
        }
    }
    m
}

fn entry(type_or_activity: &str) -> &'static CatalogEntry {
    BUILTIN
        .iter()
        .find(|e| e.event_type == type_or_activity || e.activity_type == type_or_activity)
        .unwrap_or_else(|| panic!("{type_or_activity} is not in BUILTIN"))
}

// === the documented types ===

#[test]
fn documented_group_sizes_match_the_docs() {
    assert_eq!(documented_entries().count(), 72);
    let count = |g: DocGroup| documented_entries().filter(|e| e.group == Some(g)).count();
    assert_eq!(count(DocGroup::AuthenticationFailed), 11);
    assert_eq!(count(DocGroup::IdentityChanges), 13);
    assert_eq!(count(DocGroup::UserActions), 11);
    assert_eq!(count(DocGroup::Others), 3);
    assert_eq!(count(DocGroup::ProjectActions), 13);
    assert_eq!(count(DocGroup::AdminApiUserMutations), 21);
}

#[test]
fn documented_types_come_first_in_doc_group_order() {
    let order = [
        DocGroup::AuthenticationFailed,
        DocGroup::IdentityChanges,
        DocGroup::UserActions,
        DocGroup::Others,
        DocGroup::ProjectActions,
        DocGroup::AdminApiUserMutations,
    ];
    let groups: Vec<Option<DocGroup>> = BUILTIN.iter().map(|e| e.group).collect();
    assert!(groups[..72].iter().all(Option::is_some));
    assert!(groups[72..].iter().all(Option::is_none));
    let mut seen: Vec<DocGroup> = Vec::new();
    for g in groups[..72].iter().flatten() {
        if seen.last() != Some(g) {
            assert!(!seen.contains(g), "group {g:?} is split in two runs");
            seen.push(*g);
        }
    }
    assert_eq!(seen, order);
}

#[test]
fn documented_types_match_transcribed_list() {
    let catalog = documented_from_catalog();
    let transcribed = documented_transcribed();
    assert_eq!(transcribed.len(), 72);
    let c: BTreeSet<&String> = catalog.keys().collect();
    let t: BTreeSet<&String> = transcribed.keys().collect();
    assert_eq!(
        c,
        t,
        "only in catalog: {:?}; only in transcription: {:?}",
        c.difference(&t).collect::<Vec<_>>(),
        t.difference(&c).collect::<Vec<_>>()
    );
    for (name, group) in &transcribed {
        assert_eq!(catalog[name], *group, "{name} is in the wrong group");
    }
}

/// The group headings of the seed docs.
fn heading_group(line: &str) -> Option<DocGroup> {
    match line.to_ascii_lowercase().as_str() {
        "authentication failed" => Some(DocGroup::AuthenticationFailed),
        "identity changes" => Some(DocGroup::IdentityChanges),
        "user actions" => Some(DocGroup::UserActions),
        "others" => Some(DocGroup::Others),
        "project actions" => Some(DocGroup::ProjectActions),
        "user mutations" => Some(DocGroup::AdminApiUserMutations),
        _ => None,
    }
}

#[test]
fn documented_types_match_seed_docs() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds"));
    if !dir.is_dir() {
        eprintln!(
            "note: {} is absent; skipping the seed comparison",
            dir.display()
        );
        return;
    }
    let token = regex::Regex::new(r"^[A-Z][A-Z0-9_]+_[A-Z0-9_]+$").unwrap();
    let mut found: BTreeMap<String, Option<DocGroup>> = BTreeMap::new();
    let mut files = 0;
    for dirent in std::fs::read_dir(dir).unwrap() {
        let path = dirent.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("txt") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let mut group = None;
        for line in text.lines() {
            let line = line.trim();
            if let Some(g) = heading_group(line) {
                group = Some(g);
            } else if token.is_match(line) {
                found.insert(line.to_string(), group);
            }
        }
    }
    assert!(files > 0, "no .txt file in {}", dir.display());

    let catalog = documented_from_catalog();
    let seeds: BTreeSet<&String> = found.keys().collect();
    let ours: BTreeSet<&String> = catalog.keys().collect();
    assert_eq!(
        seeds,
        ours,
        "only in the seeds: {:?}; only in the catalog: {:?}",
        seeds.difference(&ours).collect::<Vec<_>>(),
        ours.difference(&seeds).collect::<Vec<_>>()
    );
    for (name, group) in &found {
        if let Some(g) = group {
            assert_eq!(
                catalog[name], *g,
                "{name} is listed under {g:?} in the seeds"
            );
        }
    }
}

// === rules every entry follows ===

#[test]
fn activity_types_follow_the_mechanical_rule() {
    for e in BUILTIN {
        let expected = e.event_type.to_uppercase().replace('.', "_");
        assert_eq!(e.activity_type, expected, "{}", e.event_type);
        assert_eq!(activity_type_of(&e.event_type), e.activity_type);
        assert!(is_activity_form(&e.activity_type), "{}", e.activity_type);
    }
}

#[test]
fn event_types_are_dotted_lower_case() {
    for e in BUILTIN {
        assert!(is_dotted_type(&e.event_type), "{}", e.event_type);
        assert!(e.event_type.contains('.'), "{}", e.event_type);
    }
}

#[test]
fn no_duplicate_event_or_activity_types() {
    let mut types = BTreeSet::new();
    let mut activities = BTreeSet::new();
    for e in BUILTIN {
        assert!(
            types.insert(&e.event_type),
            "duplicate type {}",
            e.event_type
        );
        assert!(
            activities.insert(&e.activity_type),
            "duplicate activity type {}",
            e.activity_type
        );
    }
    // One spelling must never be the other spelling of a different entry.
    for t in &types {
        assert!(!activities.contains(t));
    }
}

#[test]
fn descriptions_are_one_short_sentence() {
    for e in BUILTIN {
        let d = &e.description;
        assert!(!d.trim().is_empty(), "{}: empty description", e.event_type);
        assert!(
            d.chars().count() <= 90,
            "{}: {} chars",
            e.event_type,
            d.len()
        );
        assert!(d.ends_with('.'), "{}: no final period", e.event_type);
        assert!(!d.contains('\n'), "{}: more than one line", e.event_type);
        assert_eq!(d.trim(), d.as_ref(), "{}: stray whitespace", e.event_type);
    }
}

#[test]
fn view_follows_activity_prefix() {
    for e in BUILTIN {
        let portal = e.activity_type.starts_with("ADMIN_API")
            || e.activity_type.starts_with("PROJECT")
            || e.event_type.starts_with("site_admin.");
        let expected = if portal {
            View::AdminApiPortal
        } else {
            View::UserActivities
        };
        assert_eq!(e.view, expected, "{}", e.event_type);
    }
}

#[test]
fn failures_are_at_least_warn() {
    for e in BUILTIN.iter().filter(|e| e.outcome == Outcome::Failure) {
        assert!(e.severity >= Severity::Warn, "{}", e.event_type);
    }
}

#[test]
fn outcome_follows_type_name() {
    for e in BUILTIN {
        let last = e.event_type.rsplit('.').next().unwrap();
        let failure = matches!(last, "failed" | "blocked" | "error" | "suppressed");
        let expected = if failure {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        assert_eq!(e.outcome, expected, "{}", e.event_type);
    }
    assert_eq!(
        entry("fraud_protection.decision_recorded").outcome,
        Outcome::Success
    );
}

#[test]
fn category_follows_type_family() {
    for e in BUILTIN {
        let t = e.event_type.as_ref();
        let family = t.split('.').next().unwrap();
        let expected = match family {
            "authentication" | "bot_protection" | "rate_limit" => Category::AuthenticationFailed,
            "identity" => Category::Identity,
            "user" | "m2m" => Category::User,
            "whatsapp" | "sms" | "email" | "fraud_protection" => Category::Messaging,
            "project" | "usage" | "site_admin" => Category::Project,
            "admin_api" => Category::AdminApiMutation,
            _ => panic!("{t}: unexpected family"),
        };
        assert_eq!(e.category, expected, "{t}");
        assert_ne!(e.category, Category::Other, "{t}");
    }
}

#[test]
fn actor_defaults() {
    for e in BUILTIN {
        let t = e.event_type.as_ref();
        let expected = if t.starts_with("project.")
            || t.starts_with("admin_api.")
            || t.starts_with("site_admin.")
            || matches!(
                t,
                "user.disabled" | "user.reenabled" | "user.deleted" | "user.anonymized"
            ) {
            ActorKind::Admin
        } else if t == "usage.alert.triggered" {
            ActorKind::System
        } else {
            ActorKind::User
        };
        assert_eq!(e.actor, expected, "{t}");
    }
}

#[test]
fn severity_of_security_relevant_types() {
    let error = ["email.error", "sms.error", "whatsapp.error"];
    let warn = [
        "user.deleted",
        "user.disabled",
        "user.anonymized",
        "user.deletion_scheduled",
        "user.anonymization_scheduled",
        "identity.email.removed",
        "identity.phone.removed",
        "identity.username.removed",
        "identity.oauth.disconnected",
        "identity.biometric.disabled",
        "project.app.secret.viewed",
        "project.collaborator.deleted",
        "project.domain.deleted",
        "site_admin.app.collaborator.deleted",
        "admin_api.mutation.anonymize_user.executed",
        "admin_api.mutation.set_disabled_status.executed",
        "admin_api.mutation.reset_password.executed",
        "admin_api.mutation.set_password_expired.executed",
        "admin_api.mutation.revoke_all_sessions.executed",
        "admin_api.mutation.revoke_session.executed",
        "admin_api.mutation.generate_oob_otp_code.executed",
        "admin_api.mutation.schedule_account_deletion.executed",
        "admin_api.mutation.schedule_account_anonymization.executed",
    ];
    let info = [
        "user.authenticated",
        "user.created",
        "user.signed_out",
        "user.reenabled",
        "identity.email.added",
        "sms.sent",
        "email.sent",
        "m2m.token.created",
        "fraud_protection.decision_recorded",
        "usage.alert.triggered",
        "project.app.updated",
        "admin_api.mutation.create_user.executed",
        "admin_api.mutation.update_user.executed",
        "admin_api.mutation.add_role_to_users.executed",
        "admin_api.mutation.remove_user_from_groups.executed",
    ];
    for t in error {
        assert_eq!(entry(t).severity, Severity::Error, "{t}");
    }
    for t in warn {
        assert_eq!(entry(t).severity, Severity::Warn, "{t}");
    }
    for t in info {
        assert_eq!(entry(t).severity, Severity::Info, "{t}");
    }
    // Every deletion through the Admin API is a warning.
    for e in BUILTIN {
        if e.event_type.starts_with("admin_api.mutation.delete_") {
            assert_eq!(e.severity, Severity::Warn, "{}", e.event_type);
        }
    }
    // Only the three delivery errors are errors.
    let errors: BTreeSet<&str> = BUILTIN
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .map(|e| e.event_type.as_ref())
        .collect();
    assert_eq!(errors, error.into_iter().collect());
}

// === lookups ===

#[test]
fn lookup_accepts_both_spellings() {
    let c = Catalog::builtin();
    let by_activity = c.lookup("USER_AUTHENTICATED").expect("activity spelling");
    let by_type = c.lookup("user.authenticated").expect("dotted spelling");
    assert_eq!(by_activity, by_type);
    assert!(std::ptr::eq(by_activity, by_type));
    assert_eq!(by_type.event_type, "user.authenticated");
    assert!(c.lookup("user_authenticated").is_none());
    assert!(c.lookup("User.Authenticated").is_none());
    for e in BUILTIN {
        assert_eq!(c.lookup(&e.event_type), Some(e));
        assert_eq!(c.lookup(&e.activity_type), Some(e));
    }
}

#[test]
fn resolve_unknown_types() {
    let c = Catalog::builtin();
    let r = c.resolve("acme.thing.happened");
    assert!(!r.is_known());
    assert!(matches!(r, Resolved::Unknown(_)));
    assert_eq!(r.entry().category, Category::Other);
    assert_eq!(r.entry().outcome, Outcome::Success);

    let r = c.resolve("acme.thing.failed");
    assert!(matches!(r, Resolved::Unknown(_)));
    assert_eq!(r.entry().outcome, Outcome::Failure);
    assert_eq!(r.entry().category, Category::Other);
    assert!(r.entry().severity >= Severity::Warn);

    let r = c.resolve("user.session.terminated");
    assert!(r.is_known());
    assert_eq!(r.entry().category, Category::User);
}

#[test]
fn activity_and_dotted_convert_spellings() {
    let c = Catalog::builtin();
    assert_eq!(
        c.activity("user.session.terminated"),
        "USER_SESSION_TERMINATED"
    );
    assert_eq!(
        c.activity("USER_SESSION_TERMINATED"),
        "USER_SESSION_TERMINATED"
    );
    assert_eq!(
        c.dotted("USER_SESSION_TERMINATED"),
        Some("user.session.terminated")
    );
    assert_eq!(
        c.dotted("user.session.terminated"),
        Some("user.session.terminated")
    );
    assert_eq!(
        c.dotted("ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED"),
        Some("admin_api.mutation.add_resource_to_clientid.executed")
    );
    assert_eq!(c.dotted("ACME_THING_HAPPENED"), None);
    assert_eq!(c.activity("acme.thing.happened"), "ACME_THING_HAPPENED");
    assert_eq!(c.activity("ACME_THING_HAPPENED"), "ACME_THING_HAPPENED");
}

// === overrides ===

fn ov(event_type: &str) -> CatalogOverride {
    CatalogOverride {
        event_type: event_type.to_string(),
        ..CatalogOverride::default()
    }
}

#[test]
fn override_severity_by_activity_name() {
    let c = Catalog::with_overrides(&[CatalogOverride {
        severity: Some(Severity::Warn),
        ..ov("USER_AUTHENTICATED")
    }])
    .expect("valid override");
    assert_eq!(c.entries().len(), BUILTIN.len());
    let e = c.lookup("user.authenticated").unwrap();
    assert_eq!(e.severity, Severity::Warn);
    // Other fields keep their built-in values.
    let builtin = entry("user.authenticated");
    assert_eq!(e.activity_type, builtin.activity_type);
    assert_eq!(e.category, builtin.category);
    assert_eq!(e.description, builtin.description);
    assert_eq!(e.group, builtin.group);
    assert_eq!(
        Catalog::builtin()
            .lookup("user.authenticated")
            .unwrap()
            .severity,
        Severity::Info
    );
}

#[test]
fn override_adds_a_new_type() {
    let c = Catalog::with_overrides(&[
        ov("acme.invoice.exported"),
        CatalogOverride {
            category: Some(Category::Project),
            severity: Some(Severity::Warn),
            description: Some("An invoice was voided.".to_string()),
            ..ov("acme.invoice.voided")
        },
    ])
    .expect("valid overrides");
    assert_eq!(c.entries().len(), BUILTIN.len() + 2);

    let e = c
        .lookup("ACME_INVOICE_EXPORTED")
        .expect("added by activity spelling");
    assert_eq!(e.event_type, "acme.invoice.exported");
    assert_eq!(e.activity_type, "ACME_INVOICE_EXPORTED");
    assert_eq!(e.category, Category::Other);
    assert_eq!(e.group, None);
    assert!(c.resolve("acme.invoice.exported").is_known());

    let e = c.lookup("acme.invoice.voided").unwrap();
    assert_eq!(e.activity_type, "ACME_INVOICE_VOIDED");
    assert_eq!(e.category, Category::Project);
    assert_eq!(e.severity, Severity::Warn);
    assert_eq!(e.description, "An invoice was voided.");
}

#[test]
fn override_rejects_invalid_type_with_index() {
    let errs = Catalog::with_overrides(&[ov("acme.ok.type"), ov("Bad Type")]).unwrap_err();
    assert_eq!(
        errs,
        vec![CatalogError::InvalidType {
            index: 1,
            value: "Bad Type".to_string(),
        }]
    );
    assert!(errs[0].to_string().contains("entry 1"));
}

#[test]
fn override_rejects_duplicate_activity_type() {
    let errs = Catalog::with_overrides(&[CatalogOverride {
        activity_type: Some("USER_AUTHENTICATED".to_string()),
        ..ov("acme.user.logged_in")
    }])
    .unwrap_err();
    assert_eq!(errs.len(), 1);
    match &errs[0] {
        CatalogError::DuplicateActivityType {
            index,
            event_type,
            activity_type,
            other,
        } => {
            assert_eq!(*index, 0);
            assert_eq!(event_type, "acme.user.logged_in");
            assert_eq!(activity_type, "USER_AUTHENTICATED");
            assert_eq!(other, "user.authenticated");
        }
        e => panic!("unexpected error {e:?}"),
    }
    assert!(errs[0].to_string().contains("user.authenticated"));
}

// === completeness against the platform ===

#[test]
fn builtin_has_every_emitted_type() {
    assert_eq!(BUILTIN.len(), 72 + 59 + 5);
    assert_eq!(Catalog::builtin().entries().len(), 136);
    for t in SITE_ADMIN.iter().chain(FORMAT_ONLY.iter()) {
        let e = entry(t);
        assert_eq!(e.group, None, "{t}");
    }
    for t in SITE_ADMIN {
        assert_eq!(entry(t).view, View::AdminApiPortal, "{t}");
        assert_eq!(entry(t).category, Category::Project, "{t}");
    }
}

/// The generator's group names for the documented groups.
fn generator_group(g: DocGroup) -> &'static str {
    match g {
        DocGroup::AuthenticationFailed => "authentication_failed",
        DocGroup::IdentityChanges => "identity_changes",
        DocGroup::UserActions => "user_actions",
        DocGroup::Others => "others_messaging",
        DocGroup::ProjectActions => "project_actions",
        DocGroup::AdminApiUserMutations => "admin_api_user_mutations",
    }
}

#[test]
fn generator_types_are_all_in_catalog() {
    let tool = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/tools/gen-audit-events"
    ));
    if !tool.is_file() {
        eprintln!("note: {} is absent; skipping", tool.display());
        return;
    }
    let out = match std::process::Command::new("python3")
        .arg(tool)
        .arg("--list-types")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("note: cannot run python3 ({e}); skipping");
            return;
        }
    };
    assert!(
        out.status.success(),
        "gen-audit-events failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let c = Catalog::builtin();
    let mut listed = BTreeSet::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[0] == "type" {
            continue;
        }
        assert!(cols.len() >= 4, "unexpected line {line:?}");
        let (t, activity, group, documented) = (cols[0], cols[1], cols[2], cols[3]);
        let e = c
            .lookup(t)
            .unwrap_or_else(|| panic!("{t} is listed by the generator but not in the catalog"));
        assert_eq!(e.activity_type, activity, "{t}");
        assert_eq!(e.documented(), documented == "yes", "{t}");
        if let Some(g) = e.group {
            assert_eq!(generator_group(g), group, "{t}");
        }
        listed.insert(t.to_string());
    }
    assert_eq!(listed.len(), 129);
    // What the catalog has beyond the Admin API enum: the site-admin and format-only types.
    let extra: BTreeSet<&str> = BUILTIN
        .iter()
        .map(|e| e.event_type.as_ref())
        .filter(|t| !listed.contains(*t))
        .collect();
    let expected: BTreeSet<&str> = SITE_ADMIN
        .iter()
        .chain(FORMAT_ONLY.iter())
        .copied()
        .collect();
    assert_eq!(extra, expected);
}

#[test]
fn activity_constants_match_the_catalog() {
    let catalog = Catalog::builtin();
    assert_eq!(activity::ALL.len(), catalog.entries().len());
    for ((name, dotted), e) in activity::ALL.iter().zip(catalog.entries()) {
        assert_eq!(*name, e.activity_type);
        assert_eq!(*dotted, e.event_type);
    }
}
