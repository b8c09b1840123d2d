use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::json::{escaped, rfc3339};
use super::malformed::OVERSIZED_MIN;
use super::payloads::KNOWN_TYPES;
use super::*;
use crate::catalog::BUILTIN;

const CONTEXT_ORDER: [&str; 13] = [
    "timestamp",
    "user_id",
    "triggered_by",
    "audit_context",
    "preferred_languages",
    "language",
    "oauth",
    "ip_address",
    "geo_location_code",
    "user_agent",
    "app_id",
    "client_id",
    "tracking_id",
];

const PYTHON_GENERATOR: &str = "/work/shared/tools/gen-audit-events";

fn options(seed: u64, mix: Mix, types: TypeSet, malformed_rate: f64) -> GeneratorOptions {
    GeneratorOptions {
        seed,
        mix,
        types,
        malformed_rate,
        ..GeneratorOptions::default()
    }
}

/// Writes `n` lines; returns each line's bytes and kind.
fn lines(generator: &mut Generator, n: usize) -> Vec<(Vec<u8>, LineKind)> {
    (0..n)
        .map(|_| {
            let mut out = Vec::new();
            let kind = generator.write_line(&mut out);
            (out, kind)
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    super::contains(haystack, needle)
}

fn builtin_types() -> BTreeSet<&'static str> {
    BUILTIN
        .iter()
        .map(|e| -> &'static str { &e.event_type })
        .collect()
}

/// Whether an object (top level or its `context`) repeats a key.
struct DuplicateKeys(bool);

impl<'de> Deserialize<'de> for DuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DuplicateKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DuplicateKeys, A::Error> {
                let mut seen = HashSet::new();
                let mut dup = false;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "context" {
                        dup |= map
                            .next_value::<DuplicateKeys>()
                            .map(|d| d.0)
                            .unwrap_or(false);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                    dup |= !seen.insert(key);
                }
                Ok(DuplicateKeys(dup))
            }
        }
        deserializer.deserialize_map(V).map_err(de::Error::custom)
    }
}

/// Why a line is unusable as an event, or `None` when it is a well-formed envelope.
fn badness(line: &[u8]) -> Option<&'static str> {
    if std::str::from_utf8(line).is_err() {
        return Some("invalid utf-8");
    }
    if line.len() >= OVERSIZED_MIN {
        return Some("oversized");
    }
    let value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(_) => return Some("not json"),
    };
    let envelope = value.get("id").is_some_and(Value::is_string)
        && value.get("type").is_some_and(Value::is_string)
        && value.get("context").is_some_and(Value::is_object);
    if !envelope {
        return Some("not an envelope");
    }
    if serde_json::from_slice::<DuplicateKeys>(line)
        .map(|d| d.0)
        .unwrap_or(true)
    {
        return Some("duplicate keys");
    }
    None
}

// === catalog coverage ===

#[test]
fn every_builtin_type_has_a_dedicated_builder() {
    assert!(!BUILTIN.is_empty(), "the catalog is empty");
    let missing: Vec<&str> = BUILTIN
        .iter()
        .map(|e| e.event_type.as_ref())
        .filter(|t| !has_builder(t))
        .collect();
    assert!(
        missing.is_empty(),
        "types without a payload builder: {missing:?}"
    );
    assert!(!has_builder("acme.invoice.exported"));
    assert!(!has_builder("identity.fax.added"));
    assert!(!has_builder("admin_api.mutation.launch_rocket.executed"));
}

#[test]
fn known_types_agree_with_the_catalog() {
    let known: BTreeMap<&str, bool> = KNOWN_TYPES.iter().copied().collect();
    assert_eq!(known.len(), KNOWN_TYPES.len(), "KNOWN_TYPES has duplicates");
    for (t, _) in KNOWN_TYPES {
        assert!(has_builder(t), "{t} is listed but has no builder");
    }
    let catalog: BTreeMap<&str, bool> = BUILTIN
        .iter()
        .map(|e| (e.event_type.as_ref(), e.group.is_some()))
        .collect();
    assert_eq!(
        known, catalog,
        "the generator's type table and the catalog disagree"
    );
    assert_eq!(known.values().filter(|d| **d).count(), 72);
}

#[test]
fn uniform_all_covers_every_builtin_type_in_catalog_order() {
    let mut g = Generator::new(options(3, Mix::Uniform, TypeSet::All, 0.0));
    let n = BUILTIN.len();
    let mut seen = BTreeSet::new();
    for (i, (line, kind)) in lines(&mut g, n).into_iter().enumerate() {
        let LineKind::Event { event_type } = kind else {
            panic!("malformed line at rate 0")
        };
        assert_eq!(event_type, BUILTIN[i].event_type.as_ref());
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["type"], event_type);
        seen.insert(event_type);
    }
    assert_eq!(seen, builtin_types());
}

#[test]
fn uniform_documented_covers_exactly_the_72_documented_types() {
    let mut g = Generator::new(options(4, Mix::Uniform, TypeSet::Documented, 0.0));
    assert_eq!(g.types().len(), 72);
    let seen: BTreeSet<&str> = lines(&mut g, 72 * 3)
        .into_iter()
        .map(|(_, k)| match k {
            LineKind::Event { event_type } => event_type,
            LineKind::Malformed { .. } => panic!("malformed line at rate 0"),
        })
        .collect();
    let documented: BTreeSet<&str> = BUILTIN
        .iter()
        .filter(|e| e.group.is_some())
        .map(|e| e.event_type.as_ref())
        .collect();
    assert_eq!(documented.len(), 72);
    assert_eq!(seen, documented);
}

// === determinism ===

#[test]
fn same_options_same_bytes_and_different_seeds_differ() {
    let run = |seed| {
        let mut g = Generator::new(options(seed, Mix::Realistic, TypeSet::All, 0.1));
        let out = lines(&mut g, 2_000);
        (out, g.planted().to_vec())
    };
    let (a, pa) = run(42);
    let (b, pb) = run(42);
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x, y,
            "line {i} differs between two runs with the same options"
        );
    }
    assert_eq!(pa, pb);
    let (c, _) = run(43);
    let same = a.iter().zip(&c).filter(|(x, y)| x.0 == y.0).count();
    assert!(same < 20, "{same} of 2000 lines equal across seeds");
}

#[test]
fn malformed_lines_do_not_change_the_events_around_them() {
    let mut clean = Generator::new(options(9, Mix::Realistic, TypeSet::All, 0.0));
    let mut noisy = Generator::new(options(9, Mix::Realistic, TypeSet::All, 0.2));
    for (i, ((a, _), (b, kind))) in lines(&mut clean, 1_000)
        .into_iter()
        .zip(lines(&mut noisy, 1_000))
        .enumerate()
    {
        if matches!(kind, LineKind::Event { .. }) {
            assert_eq!(a, b, "line {i}");
        }
    }
}

#[test]
fn next_event_is_the_event_write_line_writes() {
    let mut a = Generator::new(options(5, Mix::Uniform, TypeSet::All, 0.0));
    let mut b = Generator::new(options(5, Mix::Uniform, TypeSet::All, 0.0));
    for _ in 0..300 {
        let mut out = Vec::new();
        a.write_line(&mut out);
        let parsed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, b.next_event());
    }
    assert_eq!(a.planted(), b.planted());
}

// === shape ===

#[test]
fn serializer_output_equals_serde_json_round_trip() {
    for mix in [Mix::Uniform, Mix::Realistic] {
        let mut g = Generator::new(options(6, mix, TypeSet::All, 0.0));
        for (line, _) in lines(&mut g, 1_500) {
            let v: Value = serde_json::from_slice(&line).unwrap();
            assert_eq!(serde_json::to_vec(&v).unwrap(), line);
        }
    }
}

fn user_id_class(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::String(s) if s.is_empty() => "empty",
        Value::String(_) => "id",
        _ => "other",
    }
}

#[test]
fn well_formed_lines_have_the_platform_envelope() {
    for (mix, seed) in [(Mix::Uniform, 11), (Mix::Realistic, 12)] {
        let mut g = Generator::new(options(seed, mix, TypeSet::All, 0.0));
        let mut last_seq = 0u64;
        let mut last_ts = i64::MIN;
        let mut gaps = 0usize;
        for (line, kind) in lines(&mut g, 3_000) {
            let LineKind::Event { event_type } = kind else {
                panic!("malformed line at rate 0")
            };
            assert_eq!(badness(&line), None);
            let v: Value = serde_json::from_slice(&line).unwrap();
            let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(top, ["id", "seq", "type", "payload", "context"]);
            let seq = v["seq"].as_u64().unwrap();
            assert_eq!(v["id"], format!("{seq:016x}"));
            if last_seq == 0 {
                assert_eq!(seq, GeneratorOptions::default().start_seq);
            } else {
                assert!(
                    seq > last_seq && seq - last_seq <= 4,
                    "seq {seq} after {last_seq}"
                );
                gaps += usize::from(seq - last_seq > 1);
            }
            last_seq = seq;
            assert_eq!(v["type"], event_type);
            assert!(v["payload"].is_object());

            let ctx = v["context"].as_object().unwrap();
            let keys: Vec<&str> = ctx.keys().map(String::as_str).collect();
            let positions: Vec<usize> = keys
                .iter()
                .map(|k| {
                    CONTEXT_ORDER
                        .iter()
                        .position(|c| c == k)
                        .unwrap_or_else(|| panic!("unexpected context key {k}"))
                })
                .collect();
            assert!(
                positions.windows(2).all(|w| w[0] < w[1]),
                "context keys out of order: {keys:?}"
            );
            for required in [
                "timestamp",
                "user_id",
                "triggered_by",
                "audit_context",
                "preferred_languages",
                "language",
                "geo_location_code",
            ] {
                assert!(
                    ctx.contains_key(required),
                    "{event_type}: context lacks {required}"
                );
            }
            let ts = ctx["timestamp"].as_i64().expect("timestamp is an integer");
            assert!(ts >= last_ts, "timestamp went back");
            last_ts = ts;
            assert!(ctx["audit_context"]["http_url"].is_string());
            assert!(ctx["preferred_languages"].is_array());
            assert!(
                ctx["geo_location_code"].is_null()
                    || ctx["geo_location_code"]
                        .as_str()
                        .is_some_and(|s| s.len() == 2)
            );
            if let Some(t) = ctx.get("tracking_id") {
                let t = t.as_str().unwrap();
                let (trace, span) = t.split_once('-').unwrap();
                assert!(
                    trace.len() == 32
                        && span.len() == 16
                        && t.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
                );
            }
            if let Some(c) = ctx.get("client_id") {
                assert_eq!(c.as_str().unwrap().len(), 16);
            }

            // user_id and triggered_by per family (PLATFORM.md 1.4).
            let uid = user_id_class(&ctx["user_id"]);
            let by = ctx["triggered_by"].as_str().unwrap();
            let family = event_type.split('.').next().unwrap();
            match family {
                "sms" | "email" | "whatsapp" | "bot_protection" | "rate_limit" | "m2m" => {
                    assert_eq!((uid, by), ("null", "user"), "{event_type}")
                }
                "usage" => assert_eq!((uid, by), ("null", "system"), "{event_type}"),
                "project" => assert_eq!((uid, by), ("null", "portal"), "{event_type}"),
                "site_admin" => assert_eq!((uid, by), ("null", "site_admin"), "{event_type}"),
                "admin_api" => assert_eq!(by, "admin_api", "{event_type}"),
                "identity" | "user" => {
                    assert_eq!(uid, "id", "{event_type}");
                    assert!(
                        ["user", "admin_api", "system"].contains(&by),
                        "{event_type}: {by}"
                    );
                }
                _ => {}
            }
            if event_type == "authentication.identity.login_id.failed" {
                assert_eq!(uid, "empty");
            }
            if event_type.starts_with("authentication.")
                && event_type.ends_with(".failed")
                && event_type != "authentication.identity.login_id.failed"
            {
                assert_eq!(uid, "id", "{event_type}");
                assert_eq!(v["payload"]["user"]["id"], ctx["user_id"]);
            }
            if uid == "id" && v["payload"]["user"].is_object() {
                assert_eq!(v["payload"]["user"]["id"], ctx["user_id"], "{event_type}");
            }
            if ["user.disabled", "user.reenabled"].contains(&event_type) {
                assert_eq!(by, "admin_api");
            }
            let ac = ctx["audit_context"].as_object().unwrap();
            match by {
                "portal" | "site_admin" => assert_eq!(ac["usage"], "internal"),
                "admin_api" if ac.contains_key("usage") => {
                    assert_eq!(ac["usage"], "proxy");
                    assert!(ac["http_url"]
                        .as_str()
                        .unwrap()
                        .ends_with("/_api/admin/graphql"));
                    assert!(ac["actor_user_id"].is_string() && ac["http_referer"].is_string());
                }
                "system" => assert_eq!(ac["http_url"], ""),
                _ => {}
            }
        }
        assert!(
            (50..600).contains(&gaps),
            "{gaps} gaps in seq over 3000 events"
        );
    }
}

#[test]
fn realistic_mix_looks_like_production() {
    let mut g = Generator::new(options(21, Mix::Realistic, TypeSet::All, 0.0));
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let (mut ips, mut v6, mut link_codes, mut otp_texts) = (0, 0, 0, 0);
    let n = 20_000;
    for (line, kind) in lines(&mut g, n) {
        let LineKind::Event { event_type } = kind else {
            unreachable!()
        };
        *counts.entry(event_type).or_default() += 1;
        let v: Value = serde_json::from_slice(&line).unwrap();
        if let Some(ip) = v["context"]["ip_address"].as_str() {
            ips += 1;
            v6 += usize::from(ip.contains(':'));
        }
        link_codes += usize::from(
            v["context"]["audit_context"]["http_url"]
                .as_str()
                .unwrap()
                .contains("?code="),
        );
    }
    for (kind, _) in g.planted() {
        otp_texts += usize::from(*kind == PiiKind::OtpCode);
    }
    let top = counts.iter().max_by_key(|(_, c)| **c).unwrap();
    assert_eq!(*top.0, "user.authenticated");
    assert!(
        *top.1 > n / 5,
        "user.authenticated is only {} of {n}",
        top.1
    );
    for t in [
        "authentication.primary.password.failed",
        "sms.sent",
        "email.sent",
    ] {
        assert!(
            counts.get(t).copied().unwrap_or(0) > n / 50,
            "{t} is rare: {:?}",
            counts.get(t)
        );
    }
    let admin: usize = counts
        .iter()
        .filter(|(t, _)| t.starts_with("admin_api.") || t.starts_with("project."))
        .map(|(_, c)| c)
        .sum();
    assert!(admin > 0 && admin < n / 10, "admin/project events: {admin}");
    let v6_share = v6 as f64 / ips as f64;
    assert!((0.05..0.3).contains(&v6_share), "IPv6 share {v6_share}");
    assert!(
        link_codes > 10,
        "only {link_codes} one-time link codes in URLs"
    );
    assert!(
        otp_texts > 5,
        "only {otp_texts} OTP texts in failed login ids"
    );
}

#[test]
fn unknown_types_still_get_a_plausible_event() {
    let mut g = Generator::new(options(71, Mix::Realistic, TypeSet::All, 0.0));
    for t in ["acme.invoice.exported", "user.passkey.renamed"] {
        let mut out = Vec::new();
        g.st.event(t).write(&mut out);
        assert_eq!(badness(&out), None);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["type"], t);
        assert_eq!(v["context"]["triggered_by"], "user");
        assert!(v["context"]["ip_address"].is_string());
        if t.starts_with("user.") {
            assert_eq!(v["payload"]["user"]["id"], v["context"]["user_id"]);
        } else {
            assert!(v["context"]["user_id"].is_null());
        }
    }
}

// === PII ===

#[test]
fn every_planted_value_is_in_the_line_that_planted_it() {
    for (mix, rate, seed) in [
        (Mix::Uniform, 0.1, 31),
        (Mix::Realistic, 0.1, 32),
        (Mix::Realistic, 0.0, 33),
    ] {
        let mut g = Generator::new(options(seed, mix, TypeSet::All, rate));
        let mut kinds = BTreeSet::new();
        for i in 0..5_000 {
            let before = g.planted_count();
            let mut out = Vec::new();
            g.write_line(&mut out);
            for (kind, value) in &g.planted()[before..] {
                kinds.insert(*kind);
                assert!(
                    value.len() >= 6,
                    "listed value shorter than 6 bytes: {value:?}"
                );
                assert!(
                    contains(&out, value.as_bytes()) || contains(&out, &escaped(value)),
                    "line {i}: planted {kind} {value:?} is not in the line"
                );
            }
        }
        let unique: HashSet<&str> = g.planted().iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            unique.len(),
            g.planted_count(),
            "planted values are not unique"
        );
        if mix == Mix::Uniform {
            let missing: Vec<_> = PiiKind::ALL.iter().filter(|k| !kinds.contains(k)).collect();
            assert!(missing.is_empty(), "kinds never planted: {missing:?}");
        }
    }
}

fn collect_ids(v: &Value, key: Option<&str>, ids: &mut HashSet<String>) {
    const ID_KEYS: &[&str] = &[
        "id",
        "user_id",
        "actor_user_id",
        "client_id",
        "clientID",
        "app_id",
        "tracking_id",
        "invited_by",
        "collaborator_id",
        "collaborator_user_id",
        "domain_id",
        "resource_id",
        "group_id",
        "role_id",
        "user_ids",
        "role_ids",
        "group_ids",
        "role_user_ids",
        "role_group_ids",
        "group_user_ids",
        "group_role_ids",
        "https://authgear.com/claims/biometric/key_id",
        "https://authgear.com/claims/anonymous/key_id",
    ];
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                // The provider's raw profile: its `id` is the person's id at the provider (PII).
                if k != "https://authgear.com/claims/oauth/profile" {
                    collect_ids(v, Some(k), ids);
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                collect_ids(v, key, ids);
            }
        }
        Value::String(s) if key.is_some_and(|k| ID_KEYS.contains(&k)) => {
            ids.insert(s.clone());
        }
        _ => {}
    }
}

#[test]
fn ids_are_never_listed_as_pii() {
    let mut g = Generator::new(options(41, Mix::Uniform, TypeSet::All, 0.0));
    let mut ids = HashSet::new();
    for (line, _) in lines(&mut g, 4_000) {
        let v: Value = serde_json::from_slice(&line).unwrap();
        collect_ids(&v, None, &mut ids);
        let ctx = &v["context"];
        assert!(ctx["user_id"].is_null() || ids.contains(ctx["user_id"].as_str().unwrap()));
    }
    assert!(ids.len() > 1_000);
    let leaked: Vec<&str> = g
        .planted()
        .iter()
        .map(|(_, v)| v.as_str())
        .filter(|v| ids.contains(*v))
        .collect();
    assert!(leaked.is_empty(), "ids listed as PII: {leaked:?}");
    // Low-entropy attributes are never listed.
    for (_, v) in g.planted() {
        assert!(![
            "female",
            "male",
            "non-binary",
            "en-US",
            "Europe/London",
            "US",
            "GB"
        ]
        .contains(&v.as_str()));
    }
}

#[test]
fn pii_kind_names_are_snake_case_and_unique() {
    let names: HashSet<&str> = PiiKind::ALL.iter().map(PiiKind::as_str).collect();
    assert_eq!(names.len(), PiiKind::ALL.len());
    assert!(names
        .iter()
        .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert_eq!(PiiKind::OtpLinkCode.as_str(), "otp_link_code");
    let kinds: HashSet<&str> = MalformedKind::ALL
        .iter()
        .map(MalformedKind::as_str)
        .collect();
    assert_eq!(kinds.len(), MalformedKind::ALL.len());
}

// === malformed lines ===

#[test]
fn malformed_rate_and_every_malformed_line_is_genuinely_bad() {
    let mut g = Generator::new(options(51, Mix::Realistic, TypeSet::All, 0.1));
    let mut malformed = 0;
    let mut reasons = BTreeSet::new();
    for (i, (line, kind)) in lines(&mut g, 5_000).into_iter().enumerate() {
        match kind {
            LineKind::Malformed { reason } => {
                malformed += 1;
                reasons.insert(reason);
                assert!(
                    badness(&line).is_some(),
                    "line {i} ({reason}) is a valid event: {}",
                    String::from_utf8_lossy(&line[..line.len().min(300)])
                );
                if reason == MalformedKind::Oversized {
                    assert!(
                        line.len() >= OVERSIZED_MIN
                            && line.len() <= super::malformed::OVERSIZED_MAX + 64 * 1024
                    );
                }
                if reason == MalformedKind::InvalidUtf8 {
                    assert!(std::str::from_utf8(&line).is_err());
                }
                if reason == MalformedKind::Empty {
                    assert!(line.iter().all(u8::is_ascii_whitespace));
                }
            }
            LineKind::Event { .. } => assert_eq!(badness(&line), None, "line {i}"),
        }
    }
    assert!(
        (350..=650).contains(&malformed),
        "{malformed} malformed lines of 5000 at rate 0.1"
    );
    assert_eq!(
        reasons.len(),
        MalformedKind::ALL.len(),
        "kinds seen: {reasons:?}"
    );
}

#[test]
fn malformed_rate_extremes() {
    let mut all = Generator::new(options(61, Mix::Uniform, TypeSet::All, 1.0));
    assert!(lines(&mut all, 300)
        .iter()
        .all(|(_, k)| matches!(k, LineKind::Malformed { .. })));
    let mut none = Generator::new(options(61, Mix::Uniform, TypeSet::All, f64::NAN));
    assert!(lines(&mut none, 300)
        .iter()
        .all(|(_, k)| matches!(k, LineKind::Event { .. })));
}

// === helpers ===

#[test]
fn rfc3339_matches_chrono() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for _ in 0..10_000 {
        let secs = rng.random_range(0..4_102_444_800i64);
        let micros = if rng.random_bool(0.2) {
            0
        } else {
            rng.random_range(0..1_000_000u32)
        };
        let expected = chrono::DateTime::from_timestamp(secs, micros * 1000)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let expected = match expected.split_once('.') {
            Some((head, frac)) => {
                let digits = frac.trim_end_matches('Z').trim_end_matches('0');
                if digits.is_empty() {
                    format!("{head}Z")
                } else {
                    format!("{head}.{digits}Z")
                }
            }
            None => expected,
        };
        assert_eq!(rfc3339(secs, micros), expected);
    }
    assert_eq!(rfc3339(1_748_822_400, 0), "2025-06-02T00:00:00Z");
    assert_eq!(rfc3339(1_748_822_400, 690_200), "2025-06-02T00:00:00.6902Z");
}

#[test]
fn escaping_matches_serde_json() {
    for s in [
        "plain",
        "quote \" backslash \\",
        "ctl \u{1}\u{1f}\n\r\t\u{8}\u{c}",
        "Zoë 王志明 \u{7f}",
        "<&>",
    ] {
        let mut ours = Vec::new();
        super::json::write_str(&mut ours, s);
        assert_eq!(ours, serde_json::to_vec(s).unwrap());
    }
}

// === cross-check with the independent Python generator, when present ===

fn python_generator() -> Option<&'static str> {
    if Path::new(PYTHON_GENERATOR).exists()
        && Command::new("python3").arg("--version").output().is_ok()
    {
        Some(PYTHON_GENERATOR)
    } else {
        eprintln!("skipped: {PYTHON_GENERATOR} (or python3) is not available");
        None
    }
}

#[test]
fn python_generator_types_all_have_builders() {
    let Some(tool) = python_generator() else {
        return;
    };
    let out = Command::new("python3")
        .arg(tool)
        .arg("--list-types")
        .output()
        .expect("run the python generator");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let types: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|t| !t.is_empty())
        .collect();
    assert!(types.len() > 100, "unexpected --list-types output");
    let missing: Vec<&&str> = types.iter().filter(|t| !has_builder(t)).collect();
    assert!(
        missing.is_empty(),
        "types the python generator emits without a builder here: {missing:?}"
    );
}

#[test]
fn python_generator_agrees_on_user_id_and_payload_fields() {
    let Some(tool) = python_generator() else {
        return;
    };
    let out = Command::new("python3")
        .args([tool, "--count", "1000", "--seed", "3", "--mix", "uniform"])
        .output()
        .expect("run the python generator");
    assert!(out.status.success());
    type Profile = (
        BTreeSet<&'static str>,
        Option<BTreeSet<String>>,
        BTreeSet<String>,
    );
    fn add(profiles: &mut BTreeMap<String, Profile>, v: &Value) {
        let t = v["type"].as_str().unwrap().to_owned();
        let keys: BTreeSet<String> = v["payload"].as_object().unwrap().keys().cloned().collect();
        let e = profiles
            .entry(t)
            .or_insert_with(|| (BTreeSet::new(), None, BTreeSet::new()));
        e.0.insert(user_id_class(&v["context"]["user_id"]));
        e.1 = Some(match e.1.take() {
            None => keys.clone(),
            Some(always) => always.intersection(&keys).cloned().collect(),
        });
        e.2.extend(keys);
    }
    let mut theirs = BTreeMap::new();
    for line in out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        add(&mut theirs, &serde_json::from_slice(line).unwrap());
    }
    let mut ours = BTreeMap::new();
    let mut g = Generator::new(options(3, Mix::Uniform, TypeSet::All, 0.0));
    for (line, _) in lines(&mut g, BUILTIN.len() * 8) {
        add(&mut ours, &serde_json::from_slice(&line).unwrap());
    }
    for (t, (their_uids, their_always, _)) in &theirs {
        let Some((our_uids, _, our_keys)) = ours.get(t) else {
            panic!("we never generated {t}")
        };
        if their_uids.len() == 1 && our_uids.len() == 1 {
            assert_eq!(their_uids, our_uids, "{t}: user_id kinds differ");
        }
        let missing: Vec<&String> = their_always
            .as_ref()
            .unwrap()
            .difference(our_keys)
            .collect();
        assert!(
            missing.is_empty(),
            "{t}: payload fields the python generator always emits are missing: {missing:?}"
        );
    }
}

// === throughput (run with `cargo test --release --lib generate::tests::throughput -- --ignored --nocapture`) ===

#[test]
#[ignore]
fn throughput() {
    for (name, mix) in [("realistic", Mix::Realistic), ("uniform", Mix::Uniform)] {
        let mut g = Generator::new(options(1, mix, TypeSet::All, 0.0));
        let mut out = Vec::with_capacity(1 << 20);
        let n = 300_000;
        let start = std::time::Instant::now();
        let mut bytes = 0usize;
        for _ in 0..n {
            out.clear();
            g.write_line(&mut out);
            bytes += out.len() + 1;
        }
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{name}: {n} events in {secs:.2} s = {:.0} events/s, {:.1} MB/s, {} PII values planted",
            n as f64 / secs,
            bytes as f64 / secs / 1e6,
            g.planted_count()
        );
    }
}
