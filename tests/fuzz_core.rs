//! Fuzzing the parser and the whole core (parse → categorize → redact → map) with proptest:
//! arbitrary bytes, realistic events mutated byte by byte (flips, cuts, splices, duplications),
//! and envelopes with arbitrary JSON in every field. Nothing may panic; an accepted input must
//! map to a record with an event id; a rejected one must say why with a known kind and without
//! quoting the input.

use audit_otel::core::AuditCore;
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use proptest::prelude::*;
use serde_json::{json, Value};

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut g = Generator::new(GeneratorOptions {
            seed: 99,
            mix: Mix::Uniform,
            malformed_rate: 0.2,
            ..GeneratorOptions::default()
        });
        (0..300)
            .map(|_| {
                let mut l = Vec::new();
                g.write_line(&mut l);
                l
            })
            .collect()
    })
}

fn core() -> &'static AuditCore {
    static CORE: std::sync::OnceLock<AuditCore> = std::sync::OnceLock::new();
    CORE.get_or_init(AuditCore::default)
}

const KINDS: &[&str] = &[
    "invalid_json",
    "invalid_utf8",
    "too_large",
    "too_deep",
    "duplicate_key",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_value",
];

/// Runs the core and checks the contract of its answer.
fn check(input: &[u8]) {
    match core().process(input, 1) {
        Ok(record) => {
            assert!(
                record
                    .attributes
                    .iter()
                    .any(|kv| kv.key == "log.record.uid"),
                "an accepted event keeps its id"
            );
        }
        Err(e) => {
            let kind = e.kind();
            assert!(
                KINDS.contains(&kind) || !kind.is_empty(),
                "a rejection has a kind: {kind}"
            );
            let msg = e.to_string();
            assert!(!msg.is_empty());
            // Errors name fields and types, never values: no 12+ byte run of the input
            // (other than field names) appears in the message.
            if input.len() >= 40 {
                let text = String::from_utf8_lossy(input);
                for w in text.split(['"', ',', ':', '{', '}', '[', ']']) {
                    let w = w.trim();
                    if w.len() >= 24 && !w.contains(' ') {
                        assert!(!msg.contains(w), "error quotes the input: {msg}");
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (
            any::<usize>(),
            prop::collection::vec(
                prop::sample::select(vec![
                    b'{', b'}', b'[', b']', b'"', b',', b':', b'\\', 0xff, 0xc3, b'0', b'-', b'e'
                ]),
                1..8
            )
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        (any::<usize>(), any::<usize>(), 1usize..200)
            .prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

fn apply(mut v: Vec<u8>, m: &Mutation, other: &[u8]) -> Vec<u8> {
    if v.is_empty() {
        return v;
    }
    let len = v.len();
    match m {
        Mutation::Flip(i, b) => v[i % len] ^= b | 1,
        Mutation::Cut(i) => v.truncate(i % len),
        Mutation::Insert(i, bytes) => {
            let at = i % len;
            v.splice(at..at, bytes.iter().copied());
        }
        Mutation::Duplicate(i, n) => {
            let at = i % len;
            let end = (at + n).min(len);
            let piece = v[at..end].to_vec();
            v.splice(end..end, piece);
        }
        Mutation::Splice(a, b, n) => {
            if !other.is_empty() {
                let from = b % other.len();
                let piece = &other[from..(from + n).min(other.len())];
                let at = a % len;
                v.splice(at..at, piece.iter().copied());
            }
        }
    }
    v
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[a-z0-9+@.]{1,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }

    #[test]
    fn mutated_events_never_panic(
        pick in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let c = corpus();
        let mut v = c[pick.index(c.len())].clone();
        let o = &c[other.index(c.len())];
        for m in &muts {
            v = apply(v, m, o);
        }
        check(&v);
    }

    #[test]
    fn envelopes_with_arbitrary_fields_never_panic(
        id in json_value(), seq in json_value(), ty in json_value(),
        payload in json_value(), context in json_value(),
        known_type in prop::sample::select(vec!["user.authenticated", "authentication.primary.password.failed", "admin_api.mutation.delete_user.executed", "x.unknown"]),
        use_known in any::<bool>(),
    ) {
        let ty = if use_known { json!(known_type) } else { ty };
        let ev = json!({"id": id, "seq": seq, "type": ty, "payload": payload, "context": context});
        check(&serde_json::to_vec(&ev).unwrap());
        // The same with the well-formed envelope around an arbitrary payload and context.
        let ev = json!({"id": "e1", "seq": 1, "type": known_type, "payload": ev["payload"], "context": ev["context"]});
        check(&serde_json::to_vec(&ev).unwrap());
    }
}

#[test]
fn deep_and_wide_inputs_are_rejected_or_mapped_without_panic() {
    let deep = format!(
        r#"{{"id":"a","seq":1,"type":"user.authenticated","context":{{}},"payload":{}{}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    check(deep.as_bytes());
    let wide: Vec<String> = (0..20000).map(|i| format!("\"k{i}\":{i}")).collect();
    let wide = format!(
        r#"{{"id":"a","seq":1,"type":"user.authenticated","context":{{}},"payload":{{{}}}}}"#,
        wide.join(",")
    );
    check(wide.as_bytes());
}
