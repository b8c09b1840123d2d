use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::generate::{Generator, GeneratorOptions, LineKind, Mix};

/// The fast parser and the reference reader agree on `input`: both accept it and read the same
/// value, or both refuse it. Returns whether it was accepted.
fn agree(input: &[u8]) -> bool {
    let reference = strict::from_slice(input);
    let fast = std::str::from_utf8(input).ok().and_then(|s| {
        let mut d = Doc::new();
        parse::parse_into(&mut d, s).ok().map(|()| d)
    });
    match (reference, fast) {
        (Ok(v), Some(d)) => {
            assert_eq!(d.to_value(0), v, "{:?}", String::from_utf8_lossy(input));
            let mut text = String::new();
            d.write_json(0, &mut text);
            assert_eq!(text, serde_json::to_string(&v).unwrap());
            true
        }
        (Err(_), None) => false,
        (Ok(_), None) => panic!(
            "the fast parser refuses what serde_json reads: {:?}",
            String::from_utf8_lossy(input)
        ),
        (Err(e), Some(_)) => panic!(
            "the fast parser reads what serde_json refuses ({e}): {:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

#[test]
fn agrees_with_the_reference_on_generated_corpora() {
    for mix in [Mix::Realistic, Mix::Uniform] {
        let mut g = Generator::new(GeneratorOptions {
            seed: 7,
            mix,
            malformed_rate: 0.05,
            ..GeneratorOptions::default()
        });
        let mut accepted = 0;
        let mut line = Vec::new();
        for _ in 0..3_000 {
            line.clear();
            let kind = g.write_line(&mut line);
            if agree(&line) {
                accepted += 1;
            } else {
                assert!(matches!(kind, LineKind::Malformed { .. }));
            }
        }
        assert!(accepted > 2_500, "{accepted}");
    }
}

#[test]
fn edge_cases_agree() {
    let cases: &[&str] = &[
        "{}",
        "[]",
        " [ 1 , 2 ] ",
        "null",
        "true",
        "false",
        "0",
        "-0",
        "-0.0",
        "1.0",
        "1e2",
        "1E+2",
        "1e-400",
        "1e400",
        "-1e400",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "0.1",
        "3.141592653589793",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "1e+",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"a\":1},\"b\":{\"a\":2}}",
        "{\"a\\u0062\":1,\"ab\":2}",
        r#""\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r""#,
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83dx""#,
        r#""\ud83d\u0041""#,
        r#""\uZZZZ""#,
        r#""\x""#,
        "\"a\u{1}b\"",
        "\"tab\there\"",
        "\"del\u{7f}\"",
        "\"unterminated",
        "tru",
        "nul",
        "[1] x",
        "[1]]",
        "{\"a\":[}",
        "",
        "   ",
        "\u{feff}{}",
        "{\"k\":\"Zoë Ñandú 東京\"}",
    ];
    for c in cases {
        agree(c.as_bytes());
    }
    agree(&[b'"', 0xff, b'"']);
    agree("9".repeat(400).as_bytes());
    agree(format!("-{}", "9".repeat(400)).as_bytes());
    agree(format!("0.{}1", "0".repeat(400)).as_bytes());
}

#[test]
fn depth_limit_is_serde_jsons() {
    let nest = |d: usize| format!("{}{}", "[".repeat(d), "]".repeat(d));
    assert!(agree(nest(MAX_DEPTH).as_bytes()));
    assert!(!agree(nest(MAX_DEPTH + 1).as_bytes()));
    assert!(!agree(nest(100_000).as_bytes()));
    let objects = |d: usize| format!("{}1{}", "{\"a\":".repeat(d), "}".repeat(d));
    assert!(agree(objects(MAX_DEPTH).as_bytes()));
    assert!(!agree(objects(MAX_DEPTH + 1).as_bytes()));
}

#[test]
fn duplicate_keys_are_found_in_large_objects() {
    let mut members: Vec<String> = (0..500).map(|i| format!("\"k{i}\":{i}")).collect();
    let ok = format!("{{{}}}", members.join(","));
    assert!(agree(ok.as_bytes()));
    members.push("\"k250\":0".into());
    let dup = format!("{{{}}}", members.join(","));
    assert!(!agree(dup.as_bytes()));
}

#[test]
fn parse_reports_serde_jsons_error() {
    let mut d = Doc::new();
    let e = d.parse(br#"{"a":1,"a":2}"#).unwrap_err();
    assert_eq!(e.reason, "duplicate key in object");
    let e = d.parse(b"{\n  \"a\": tru }").unwrap_err();
    assert_eq!((e.line, e.column), (2, 11), "{e}");
    d.parse(br#"{"a":[1,{"b":null}]}"#).unwrap();
    assert_eq!(d.to_value(0), json!({"a":[1,{"b":null}]}));
}

#[test]
fn navigation_and_edits() {
    let mut d = Doc::new();
    d.parse(br#"{"a":{"x":[1,2,{"y":"z"}]},"b":"text","c":null,"d":""}"#)
        .unwrap();
    let a = d.get(0, "a").unwrap();
    let x = d.get(a, "x").unwrap();
    assert_eq!(d.count(x), 3);
    assert_eq!(d.get_str(0, "b"), Some("text"));
    assert!(d.is_blank(d.get(0, "c").unwrap()) && d.is_blank(d.get(0, "d").unwrap()));
    // Replace a container by a string: its subtree is no longer reachable.
    d.set_str(a, "[REDACTED]");
    let b = d.get(0, "b").unwrap();
    d.remove(b);
    assert_eq!(
        d.to_value(0),
        json!({"a":"[REDACTED]","c":null,"d":""}),
        "edited"
    );
    assert_eq!(d.get(0, "b"), None);
    assert_eq!(d.to_json(0), r#"{"a":"[REDACTED]","c":null,"d":""}"#);
}

#[test]
fn values_round_trip_through_a_doc() {
    let v = json!({
        "s": "é\n\u{1}", "i": -3, "u": u64::MAX, "f": 1.5, "t": true, "n": null,
        "a": [[], {}, [1, [2]]], "o": {"k": {"k": "v"}}
    });
    let d = Doc::from_value(&v);
    assert_eq!(d.to_value(0), v);
    assert_eq!(d.to_json(0), serde_json::to_string(&v).unwrap());
    let mut copy = Doc::new();
    copy.push_copy(None, &d, 0);
    assert_eq!(copy.to_value(0), v);
}

#[test]
fn numbers_read_as_serde_json_reads_them() {
    for lit in [
        "0",
        "-0",
        "7",
        "-7",
        "1.5",
        "1e3",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "0.30000000000000004",
        "123456789.123456789e-5",
    ] {
        let v: Value = serde_json::from_str(lit).unwrap();
        let expected = if let Some(i) = v.as_i64() {
            Number::I64(i)
        } else if let Some(u) = v.as_u64() {
            Number::U64(u)
        } else {
            Number::F64(v.as_f64().unwrap())
        };
        match (read_number(lit), expected) {
            (Number::F64(a), Number::F64(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{lit}"),
            (a, b) => assert_eq!(a, b, "{lit}"),
        }
    }
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        "[a-zA-Z0-9 é\\\\\"\\n\\t\\u{1}/]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        r#"\\u[0-9a-fA-F]{4}"#.prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-c]{1,2}", inner), 0..6).prop_map(|v| {
                let m: Vec<String> = v
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\" : {v}"))
                    .collect();
                format!("{{ {} }}", m.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn agrees_on_generated_json(text in json_text()) {
        agree(text.as_bytes());
    }

    #[test]
    fn agrees_on_mutated_json(text in json_text(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut b = text.into_bytes();
        if b.is_empty() { return Ok(()); }
        let i = at.index(b.len());
        if cut { b.truncate(i); } else { b[i] = byte; }
        agree(&b);
    }

    #[test]
    fn agrees_on_arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..40)) {
        agree(&b);
    }
}
