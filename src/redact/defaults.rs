//! The built-in rule set: what runs when a pipeline or the layer configures nothing, and after
//! user rules otherwise (`default_rules: false` turns it off).
//!
//! Goal: no personal data of the reference platform's events leaves the process, while what
//! investigations need stays: event id, seq, type, category, outcome, timestamps, user ids,
//! session ids, client ids, app id, trace ids, enum-like fields (`type`, `kind`, `amr`, ...).
//!
//! Application logs' attributes come first (`app_attribute_rules`): the OpenTelemetry semantic
//! conventions' operational names are kept, the personal ones pseudonymized or masked,
//! credential headers masked and SQL literals replaced, before the audit rules' key words can
//! see a name such as `server.address`. Then the audit rules, layered; the first matching field
//! rule wins for each field:
//! 1. `keep` the identifiers and enums at their known places, so no detector touches them;
//! 2. pseudonymize (`hash`) what people are looked up by (emails, phones, usernames, login ids,
//!    recipients, IP addresses, user agents), so events of one person still correlate;
//! 3. `mask` what is only ever personal (names, addresses, birthdates, gender, pictures,
//!    free-text reasons, custom attributes, device information, provider profiles, secrets);
//! 4. `mask_query` URLs (one-time link codes and OAuth parameters live in query strings);
//! 5. value detectors on every other string: cards, JWTs, API tokens, credentials, secrets in
//!    URLs, OTP codes in free text (masked), then emails, phones and IPs (pseudonymized).
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
    let mut rules = app_attribute_rules();
    rules.extend(audit_event_rules());
    rules
}

/// Rules for the attributes of application logs (records that are not audit events), under
/// the root `attributes`, where a name's dots are path segments. They come first, so that the
/// OpenTelemetry semantic conventions decide before the key words below see a name (which
/// would mask `service.name` or `server.address`).
fn app_attribute_rules() -> Vec<RuleConfig> {
    use ActionName::*;
    let under =
        |p: &[&str]| -> Vec<String> { p.iter().map(|s| format!("attributes.{s}")).collect() };
    vec![
        // Operational attributes that never carry personal data.
        RuleConfig {
            path: under(&[
                "service.**",
                "telemetry.**",
                "otel.**",
                "code.**",
                "event.name",
                "exception.type",
                "error.type",
                "http.request.method",
                "http.request.method_original",
                "http.request.resend_count",
                "http.request.body.size",
                "http.request.size",
                "http.response.status_code",
                "http.response.body.size",
                "http.response.size",
                "http.route",
                "http.connection.state",
                "http.status_code",
                "http.method",
                "http.scheme",
                "url.scheme",
                "url.template",
                "url.domain",
                "url.port",
                "url.top_level_domain",
                "server.address",
                "server.port",
                "network.protocol.**",
                "network.transport",
                "network.type",
                "network.local.address",
                "network.local.port",
                "network.peer.port",
                "client.port",
                "source.port",
                "destination.port",
                "net.host.**",
                "db.system",
                "db.system.name",
                "db.operation.**",
                "db.collection.name",
                "db.namespace",
                "db.query.summary",
                "db.response.status_code",
                "rpc.system",
                "rpc.service",
                "rpc.method",
                "rpc.grpc.status_code",
                "rpc.response.status_code",
                "messaging.system",
                "messaging.operation.**",
                "messaging.destination.name",
                "messaging.destination.partition.id",
                "messaging.consumer.group.name",
                "messaging.message.id",
                "messaging.batch.message_count",
                "gen_ai.system",
                "gen_ai.provider.name",
                "gen_ai.operation.name",
                "gen_ai.request.model",
                "gen_ai.response.model",
                "gen_ai.response.id",
                "gen_ai.response.finish_reasons",
                "gen_ai.usage.**",
                "k8s.**",
                "cloud.**",
                "host.**",
                "os.**",
                "deployment.**",
                "container.id",
                "container.name",
                "container.image.**",
                "container.runtime",
                "process.pid",
                "process.parent_pid",
                "process.executable.name",
                "process.executable.path",
                "process.runtime.**",
                "thread.**",
                "log.iostream",
                "log.file.name",
                "log.file.path",
                "log.record.uid",
                "device.model.**",
                "device.manufacturer",
                "feature_flag.key",
                "feature_flag.provider.name",
                "feature_flag.result.variant",
                "session.id",
                "session.previous_id",
                "user.id",
                "user.roles",
                "user.hash",
                "enduser.role",
                "enduser.scope",
                "user_agent.name",
                "user_agent.version",
                "user_agent.os.**",
                "user_agent.synthetic.type",
                "geo.country.iso_code",
                "geo.continent.code",
                "redaction.**",
            ]),
            ..RuleConfig::new("keep-otel-attributes", Keep)
        },
        // What people are looked up by: pseudonyms keep correlation.
        RuleConfig {
            path: under(&[
                "user.name",
                "user.email",
                "enduser.**",
                "client.address",
                "client.ip",
                "source.address",
                "destination.address",
                "network.peer.address",
                "net.peer.ip",
                "net.peer.name",
                "net.sock.peer.addr",
                "http.client_ip",
                "user_agent.original",
                "http.user_agent",
                "device.id",
                "process.owner",
                "process.user.name",
                "process.real_user.name",
                "process.saved_user.name",
                "http.request.header.x-forwarded-for",
                "http.request.header.x-real-ip",
                "http.request.header.forwarded",
                "http.request.header.true-client-ip",
                "http.request.header.cf-connecting-ip",
            ]),
            ..RuleConfig::new("hash-otel-identities", Hash)
        },
        // Only ever personal: the rest of `user.*`, locations, query parameters.
        RuleConfig {
            path: under(&["user.*", "geo.**", "url.fragment", "db.query.parameter.*"]),
            ..RuleConfig::new("mask-otel-personal", Mask)
        },
        RuleConfig {
            path: under(&[
                "url.full",
                "url.original",
                "url.query",
                "http.url",
                "http.target",
                "http.request.header.referer",
            ]),
            ..RuleConfig::new("mask-otel-url-queries", MaskQuery)
        },
        // Credentials in headers and gRPC metadata, by name.
        keys(
            "mask-credential-headers",
            Mask,
            Some(concat!(
                r"(?i)^(?:(?:http\.(?:request|response)\.header|rpc\.[a-z_]+\.(?:request|response)\.metadata)\.",
                r"(?:authorization|proxy-authorization|www-authenticate|proxy-authenticate|.*cookie.*|.*api-?key.*|.*token.*|.*secret.*|.*session.*|.*signature.*|.*password.*|x-amz-security-token)",
                r"|(?:proxy-authorization|(?:set-)?cookie|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token))$",
            )),
            &["cookie", "apikey", "credential", "privatekey", "accesskey"],
        ),
        // SQL literals become `?` (as OpenTelemetry's sanitization does).
        RuleConfig {
            path: under(&["db.query.text", "db.statement"]),
            // `$1` is a placeholder, not a literal: its empty group `v` leaves it alone.
            pattern: Some(r"'(?:[^'\\]|''|\\.)*'|\$\d+(?P<v>)|\b\d+(?:\.\d+)?\b".to_owned()),
            value: Some("?".to_owned()),
            ..RuleConfig::new("mask-sql-literals", Replace)
        },
    ]
}

/// Rules for audit events (and map bodies).
fn audit_event_rules() -> Vec<RuleConfig> {
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
        // Free-text reasons, except codes (`invalid_password`, `rate-limited`, `expired`).
        RuleConfig {
            key_like: vec!["reason".to_owned()],
            unless_value: Some("[a-z]{2,24}(?:[_\\-][a-z]{2,24}){0,5}".to_owned()),
            ..RuleConfig::new("mask-reasons", Mask)
        },
        // 4. URLs: the path stays, parameter values go.
        keys(
            "mask-url-queries",
            MaskQuery,
            Some(r"(?i)(url|uri|referr?er|href|link)$"),
            &[],
        ),
        // OAuth `state` values are opaque tokens; a lowercase word (`active`) is a status.
        RuleConfig {
            key: Some(r"(?i)^x?_?state$".to_owned()),
            unless_value: Some("[a-z]{2,20}(?:_[a-z]{2,20}){0,3}".to_owned()),
            ..RuleConfig::new("mask-oauth-state", Mask)
        },
        // 5. Secrets and personal data inside any other string (secrets first: a password
        //    in `postgres://user:pass@host` goes before the e-mail detector reads `pass@host`).
        RuleConfig {
            detect: vec![
                Detector::CreditCard,
                Detector::Jwt,
                Detector::ApiToken,
                Detector::Credential,
                Detector::UrlSecret,
                Detector::OtpCode,
            ],
            ..RuleConfig::new("mask-secrets-in-text", Mask)
        },
        RuleConfig {
            detect: vec![
                Detector::Email,
                Detector::Phone,
                Detector::Ipv4,
                Detector::Ipv6,
            ],
            ..RuleConfig::new("hash-contacts-in-text", Hash)
        },
    ]
}
