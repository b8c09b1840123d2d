//! The built-in rule set: what runs when a pipeline or the layer configures nothing, and after
//! user rules otherwise (`default_rules: false` turns it off).
//!
//! Goal: no personal data of the reference platform's events leaves the process, while what
//! investigations need stays: event id, seq, type, category, outcome, timestamps, user ids,
//! session ids, client ids, app id, trace ids, enum-like fields (`type`, `kind`, `amr`, ...).
//!
//! The set is layered, and the first matching field rule wins for each field:
//! 1. `keep` the identifiers and enums at their known places, so no detector touches them;
//! 2. pseudonymize (`hash`) what people are looked up by (emails, phones, usernames, login ids,
//!    recipients, IP addresses, user agents), so events of one person still correlate;
//! 3. `mask` what is only ever personal (names, addresses, birthdates, gender, pictures,
//!    free-text reasons, custom attributes, device information, provider profiles, secrets);
//! 4. `mask_query` URLs (one-time link codes and OAuth parameters live in query strings);
//! 5. value detectors on every other string: emails, phones, IPs, cards, JWTs, API tokens,
//!    secrets in URLs, OTP codes in free text.
//!
//! Key words are matched in any case and spelling (`emergencyContactPhone`, `E-Mail`,
//! `home_address_line1`) at any depth, because real payloads carry customer-defined fields.

use super::config::{ActionName, RuleConfig, ScopeConfig};
use super::detect::Detector;

fn paths(name: &str, action: ActionName, p: &[&str]) -> RuleConfig {
    RuleConfig {
        path: p.iter().map(|s| (*s).to_owned()).collect(),
        ..RuleConfig::new(name, action)
    }
}

fn keys(name: &str, action: ActionName, regex: Option<&str>, like: &[&str]) -> RuleConfig {
    RuleConfig {
        key: regex.map(str::to_owned),
        key_like: like.iter().map(|s| (*s).to_owned()).collect(),
        ..RuleConfig::new(name, action)
    }
}

/// The built-in rules, in order.
pub fn default_rules() -> Vec<RuleConfig> {
    use ActionName::*;
    vec![
        // 1. Identifiers and enums investigations need.
        paths(
            "keep-context-ids",
            Keep,
            &[
                "context.timestamp",
                "context.user_id",
                "context.triggered_by",
                "context.app_id",
                "context.client_id",
                "context.tracking_id",
                "context.language",
                "context.preferred_languages",
                "context.geo_location_code",
                "context.audit_context.actor_user_id",
                "context.audit_context.usage",
            ],
        ),
        paths(
            "keep-payload-ids",
            Keep,
            &[
                "payload.*.id",
                "payload.*.user_id",
                "payload.*.type",
                "payload.*.kind",
                "payload.*.is_default",
                "payload.*.amr",
                "payload.*.clientID",
                "payload.*.lastAccessedByIPCountryCode",
                "payload.user.roles",
                "payload.user.groups",
                "payload.user.standard_attributes.locale",
                "payload.user.standard_attributes.zoneinfo",
                "payload.*.standard_attributes.locale",
                "payload.*.standard_attributes.zoneinfo",
                "payload.user_id",
                "payload.user_ids",
                "payload.group_id",
                "payload.group_ids",
                "payload.role_id",
                "payload.role_ids",
                "payload.role_key",
                "payload.client_id",
                "payload.domain_id",
                "payload.resource_uri",
                "payload.subscription_id",
                "payload.subscription_checkout_id",
                "payload.customer_id",
                "payload.collaborator_id",
                "payload.collaborator_user_id",
                "payload.collaborator_role",
                "payload.invited_by",
                "payload.group_role_ids",
                "payload.group_user_ids",
                "payload.role_group_ids",
                "payload.role_user_ids",
                "payload.identity_type",
                "payload.authentication_stage",
                "payload.authenticator_type",
                "payload.termination_type",
                "payload.purpose",
                "payload.type",
                "payload.provider_type",
                "payload.claim_name",
                "payload.plan_name",
                "payload.usage.name",
                "payload.rate_limit",
                "payload.error.name",
                "payload.error.reason",
                "payload.error.code",
                "payload.record.decision",
                "payload.record.action",
                "payload.record.triggered_warnings",
                "payload.scopes.scope",
                "payload.*.scope",
                "payload.*.resource_id",
                "payload.*.key",
                "payload.secrets",
                "payload.updated_secrets",
                "payload.updated_resources",
                r#"payload.**.claims["https://authgear.com/claims/login_id/key"]"#,
                r#"payload.**.claims["https://authgear.com/claims/login_id/type"]"#,
                r#"payload.**.claims["https://authgear.com/claims/oauth/provider_type"]"#,
                r#"payload.**.claims["https://authgear.com/claims/oauth/provider_alias"]"#,
            ],
        ),
        RuleConfig {
            path: vec!["payload.name".to_owned()],
            when: ScopeConfig {
                activity_types: vec!["USAGE_ALERT_TRIGGERED".to_owned()],
                ..ScopeConfig::default()
            },
            ..RuleConfig::new("keep-usage-alert-name", Keep)
        },
        // 2. What people are looked up by: keyed pseudonyms keep correlation.
        keys(
            "hash-ip-keys",
            Hash,
            Some(
                r"(?i)^(ip|ip_?addr(ess)?|remote_?addr(ess)?|client_?ip|x[_-]forwarded[_-]for|created_?by_?ip|last_?accessed_?by_?ip|locked_?ips)$",
            ),
            &["ipaddress"],
        ),
        keys("hash-user-agent", Hash, None, &["useragent"]),
        keys(
            "hash-contact-keys",
            Hash,
            Some(r"(?i)(^|/)(sub|target|sender|claim_?value|subject_?id|external_?id)$"),
            &[
                "email",
                "phone",
                "mobile",
                "msisdn",
                "username",
                "loginid",
                "recipient",
                "invitee",
                "telephone",
                "cellnumber",
                "whatsapp",
                "subjectid",
                "externalid",
                "attributevalue",
            ],
        ),
        // 3. Only ever personal.
        keys(
            "mask-personal-keys",
            Mask,
            Some(r"(?i)(^|/)(dob|bio|zip|ssn|(raw_)?attributes|x_web3|formatted)$"),
            &[
                "name",
                "address",
                "street",
                "postal",
                "postcode",
                "zipcode",
                "birth",
                "gender",
                "picture",
                "avatar",
                "photo",
                "website",
                "profile",
                "reason",
                "note",
                "comment",
                "memo",
                "device",
                "password",
                "passwd",
                "secret",
                "token",
                "otp",
                "passcode",
                "recoverycode",
                "nationalid",
                "passport",
                "taxid",
                "iban",
                "cardnumber",
                "creditcard",
                "cvv",
                "customattributes",
                "locality",
                "region",
            ],
        ),
        // 4. URLs: the path stays, parameter values go.
        keys(
            "mask-url-queries",
            MaskQuery,
            Some(r"(?i)(url|uri|referr?er|href|link)$"),
            &[],
        ),
        keys("mask-oauth-state", Mask, Some(r"(?i)^x?_?state$"), &[]),
        // 5. Personal data inside any other string.
        RuleConfig {
            detect: vec![
                Detector::Email,
                Detector::Phone,
                Detector::Ipv4,
                Detector::Ipv6,
            ],
            ..RuleConfig::new("hash-contacts-in-text", Hash)
        },
        RuleConfig {
            detect: vec![
                Detector::CreditCard,
                Detector::Jwt,
                Detector::ApiToken,
                Detector::UrlSecret,
                Detector::OtpCode,
            ],
            ..RuleConfig::new("mask-secrets-in-text", Mask)
        },
    ]
}
