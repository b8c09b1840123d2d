//! Property tests of the redaction engine: idempotence, allowlist soundness, pseudonym
//! determinism, and no panic on arbitrary input.

use std::collections::BTreeSet;

use audit_otel::catalog::Category;
use audit_otel::redact::{EventScope, Mode, Pseudonymizer, RedactionConfig, Redactor};
use audit_otel::AuditEvent;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const SCOPE: EventScope<'static> = EventScope {
    category: Category::User,
    activity_type: "USER_AUTHENTICATED",
};

fn key() -> Pseudonymizer {
    Pseudonymizer::new("p", b"property-test-key-0123456789")
}

fn keys() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("email".to_owned()),
        Just("primaryEmailAddress".to_owned()),
        Just("phone_number".to_owned()),
        Just("Mobile-Phone".to_owned()),
        Just("name".to_owned()),
        Just("address".to_owned()),
        Just("birthdate".to_owned()),
        Just("id".to_owned()),
        Just("user_id".to_owned()),
        Just("http_url".to_owned()),
        Just("ip_address".to_owned()),
        Just("note".to_owned()),
        Just("custom_attributes".to_owned()),
        "[a-zA-Z_][a-zA-Z0-9_.-]{0,12}",
    ]
}

fn strings() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("alice.smith@example.com".to_owned()),
        Just("+447700900123".to_owned()),
        Just("+1 (415) 555-0101".to_owned()),
        Just("203.0.113.7".to_owned()),
        Just("2001:db8::1".to_owned()),
        Just("4111 1111 1111 1111".to_owned()),
        Just("https://h/cb?code=ABC123&email=bob%40example.com#x".to_owned()),
        Just("Your code is 482913".to_owned()),
        Just("Bearer abcdefghijklmnop0123".to_owned()),
        Just("eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0".to_owned()),
        Just("Zoë O'Brien, 221B Baker Street".to_owned()),
        ".{0,40}",
        "[0-9 +().-]{0,20}",
    ]
}

fn json_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        strings().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn event_with(payload: Value, context: Value) -> AuditEvent {
    let mut ctx: Map<String, Value> = match context {
        Value::Object(m) => m,
        other => Map::from_iter([("other".to_owned(), other)]),
    };
    ctx.insert("timestamp".into(), json!(1));
    event_parts(json!({ "data": payload }), ctx)
}

fn event_parts(payload: Value, ctx: Map<String, Value>) -> AuditEvent {
    AuditEvent::from_parts(
        "e1",
        Some(1),
        "user.authenticated",
        0,
        &ctx,
        &payload,
        &Map::new(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn redaction_is_idempotent(payload in json_tree(), context in json_tree()) {
        let r = Redactor::compile_with_key(&RedactionConfig::default(), key()).unwrap();
        let mut e = event_with(payload, context);
        r.redact(&mut e, &SCOPE);
        let once = e.clone();
        let again = r.redact(&mut e, &SCOPE);
        prop_assert_eq!(&e, &once);
        prop_assert_eq!(again, 0);
    }

    #[test]
    fn redaction_never_panics_on_arbitrary_text(s in ".{0,200}", b in prop::collection::vec(any::<u8>(), 0..300)) {
        let r = Redactor::compile_with_key(&RedactionConfig::default(), key()).unwrap();
        let _ = r.redact_text(&s);
        let _ = r.redact_unparsed(&b);
        let _ = r.redact_unparsed(s.as_bytes());
    }

    #[test]
    fn pseudonyms_are_deterministic_per_key_and_differ_across_keys(
        s in ".{1,64}",
        k1 in prop::collection::vec(any::<u8>(), 16..48),
        k2 in prop::collection::vec(any::<u8>(), 16..48),
    ) {
        prop_assume!(k1 != k2);
        let a = Pseudonymizer::new("a", &k1);
        let b = Pseudonymizer::new("a", &k2);
        prop_assert_eq!(a.pseudonym(&s), Pseudonymizer::new("a", &k1).pseudonym(&s));
        prop_assert_ne!(a.pseudonym(&s), b.pseudonym(&s));
        prop_assert!(a.pseudonym(&s).starts_with("hmac:a:"));
    }
}

/// Key paths of every node of an objects-only tree (arrays are walked through).
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = format!("{prefix}.{k}");
                out.insert(p.clone());
                key_paths(c, &p, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| key_paths(c, prefix, out)),
        _ => {}
    }
}

fn simple_keys() -> impl Strategy<Value = String> {
    "[a-z]{1,3}"
}

fn objects_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        strings().prop_map(Value::String),
        any::<i64>().prop_map(Value::from)
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop::collection::vec((simple_keys(), inner), 0..5)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn allowlist_never_lets_a_non_allowed_key_through(tree in objects_tree(), picks in prop::collection::vec(any::<prop::sample::Index>(), 0..4)) {
        let payload = json!({ "data": tree });
        let mut all = BTreeSet::new();
        key_paths(&payload, "payload", &mut all);
        let all: Vec<String> = all.into_iter().collect();
        let allowed: Vec<String> = if all.is_empty() { vec![] } else { picks.iter().map(|i| i.get(&all).clone()).collect() };
        let cfg = RedactionConfig {
            mode: Mode::Allowlist,
            allow: allowed.iter().map(|p| p.split('.').map(|s| format!("[\"{s}\"]")).collect::<Vec<_>>().join("")).collect(),
            default_rules: false,
            ..RedactionConfig::default()
        };
        let r = Redactor::compile_with_key(&cfg, key()).unwrap();
        let mut e = event_parts(payload, Map::from_iter([("timestamp".to_owned(), json!(1))]));
        r.redact(&mut e, &SCOPE);
        let mut kept = BTreeSet::new();
        key_paths(&e.payload_value(), "payload", &mut kept);
        for p in &kept {
            let ok = allowed.iter().any(|a| p == a || p.starts_with(&format!("{a}.")) || a.starts_with(&format!("{p}.")));
            prop_assert!(ok, "{} kept but allowed only {:?}", p, allowed);
        }
        // And what is allowed and present stays.
        for a in &allowed {
            prop_assert!(kept.contains(a), "{} was allowed but dropped", a);
        }
    }
}
