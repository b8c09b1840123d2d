//! Structured payloads on their way from an `audit!` call to the export thread.
//!
//! The emitting thread writes the payload (anything `serde::Serialize`) as MessagePack: one
//! pass, no string escaping, no tree of allocations. The export thread reads it back as a
//! `serde_json::Value` of the shape `serde_json::to_value` gives for the same value (structs
//! and maps become objects, map keys that are numbers or booleans become strings, bytes become
//! arrays of numbers, non-finite floats become `null`), then redacts and maps it like any other
//! event. Both sides use serde's human-readable form, as `serde_json` does, so types such as IP
//! addresses, UUIDs and timestamps arrive as the strings they serialize to in JSON.
//!
//! The payload travels as `[payload, END]`. A hand-written `Serialize` that announces the
//! wrong number of map or sequence entries (which `serde_json` tolerates and MessagePack
//! cannot) then fails to read back, instead of arriving cut short or with values shifted into
//! other keys' places.
//!
//! Where the shapes differ from `serde_json::to_value`: `i128`/`u128` arrive as arrays of 16
//! bytes, unit structs (and `PhantomData`) as empty arrays rather than `null`, and nesting
//! deeper than 1,024 levels fails to read back (counted, see `ExportStats::payload_errors`).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Why a payload could not be written or read back. Says which, never what the payload held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PayloadError {
    /// The value's `Serialize` implementation failed.
    #[error("the payload could not be serialized")]
    Encode,
    /// The bytes could not be read back as JSON (e.g. a map key that is itself a map).
    #[error("the payload has no JSON form")]
    Decode,
    /// The event said it had a payload, but none was waiting for it: the event was not made
    /// by `audit!` (a hand-written `audit.payload` field), or its thread was exiting.
    #[error("the payload did not reach the layer")]
    Missing,
}

/// Appends `value` to `buf` as MessagePack (structs as maps, human-readable form).
pub(crate) fn encode<T: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    value: &T,
) -> Result<(), PayloadError> {
    let mut ser = rmp_serde::Serializer::new(buf)
        .with_struct_map()
        .with_human_readable();
    (value, END)
        .serialize(&mut ser)
        .map_err(|_| PayloadError::Encode)
}

/// Ends every encoded payload (see the module docs).
const END: u64 = 0x6175_6469_745f_656e; // "audit_en"

/// Reads what [`encode`] wrote back as JSON.
pub(crate) fn decode(bytes: &[u8]) -> Result<Value, PayloadError> {
    let mut de = rmp_serde::Deserializer::from_read_ref(bytes).with_human_readable();
    de::Deserializer::deserialize_tuple(&mut de, 2, Envelope)
        .map_err(|_: rmp_serde::decode::Error| PayloadError::Decode)
}

/// `[payload, END]`.
struct Envelope;

impl<'de> Visitor<'de> for Envelope {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a payload and its end mark")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let value = seq
            .next_element_seed(JsonSeed)?
            .ok_or_else(|| de::Error::custom("no payload"))?;
        match seq.next_element::<u64>()? {
            Some(END) => {}
            _ => return Err(de::Error::custom("the payload's lengths do not add up")),
        }
        Ok(value)
    }
}

/// Deserializes any self-describing input into a `serde_json::Value`, accepting what
/// `serde_json::Value`'s own `Deserialize` refuses (bytes, non-string map keys) the way
/// `serde_json::to_value` would have serialized them.
struct JsonSeed;

impl<'de> DeserializeSeed<'de> for JsonSeed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value with a JSON form")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => Ok(Value::from(i)),
            (_, Ok(u)) => Ok(Value::from(u)),
            _ => Err(E::custom("integer out of range")),
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::from)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Array(v.iter().map(|b| Value::from(*b)).collect()))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        JsonSeed.deserialize(d)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        JsonSeed.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(JsonSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        let mut first = true;
        while let Some(k) = map.next_key_seed(KeySeed)? {
            if std::mem::take(&mut first) && PRIVATE_TOKENS.contains(&k.as_str()) {
                // serde_json with `arbitrary_precision` or `raw_value` (another crate may turn
                // them on) writes numbers and raw JSON as one-key maps holding JSON text.
                let text: String = map.next_value()?;
                return serde_json::from_str(&text).map_err(de::Error::custom);
            }
            let v = map.next_value_seed(JsonSeed)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A float map key in the text `serde_json` gives it (rare enough to ask `serde_json` itself).
fn float_key<K: Serialize + Copy, E: de::Error>(key: K) -> Result<String, E> {
    struct OneKey<K>(K);
    impl<K: Serialize> Serialize for OneKey<K> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&self.0, &())?;
            m.end()
        }
    }
    match serde_json::to_value(OneKey(key)) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .next()
            .map(|(k, _)| k)
            .ok_or_else(|| E::custom("a float map key")),
        _ => Err(E::custom("a non-finite float as a map key")),
    }
}

/// The keys under which `serde_json` serializes `Number`s with `arbitrary_precision` and
/// `RawValue`s.
const PRIVATE_TOKENS: [&str; 2] = [
    "$serde_json::private::Number",
    "$serde_json::private::RawValue",
];

/// A map key as `serde_json` writes it: strings as they are; integers, booleans, characters and
/// finite floats as their text.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map key that is a string, a number or a boolean")
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<String, E> {
        float_key(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        float_key(v)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::net::IpAddr;

    use serde::Serialize;
    use serde_json::json;

    use super::*;

    fn round_trip<T: Serialize>(v: &T) -> Value {
        let mut buf = Vec::new();
        encode(&mut buf, v).expect("encode");
        decode(&buf).expect("decode")
    }

    /// What `serde_json::to_value` makes of `v`, and what the hand-off makes of it, agree.
    fn same_as_serde_json<T: Serialize>(v: &T) {
        assert_eq!(round_trip(v), serde_json::to_value(v).expect("to_value"));
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Password,
        Oob(String),
        Totp { digits: u8 },
        Pair(u8, bool),
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Tagged {
        Login { id: String },
    }

    #[derive(Serialize)]
    struct Snapshot {
        id: String,
        ip: IpAddr,
        ids: Vec<u64>,
        kinds: Vec<Kind>,
        tagged: Tagged,
        maybe: Option<String>,
        nothing: Option<u8>,
        unit: (),
        by_number: BTreeMap<u32, String>,
        by_flag: HashMap<bool, i8>,
        raw: serde_bytes_like::Bytes,
        big: u64,
        negative: i64,
        ratio: f32,
        nan: f64,
        letter: char,
        when: std::time::SystemTime,
        #[serde(flatten)]
        extra: BTreeMap<String, Value>,
    }

    /// A `serialize_bytes` caller without another dependency.
    mod serde_bytes_like {
        pub(super) struct Bytes(pub(super) Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn user_types_arrive_as_serde_json_would_make_them() {
        let when = std::time::UNIX_EPOCH + std::time::Duration::new(1_733_208_545, 123_000_000);
        same_as_serde_json(&Snapshot {
            id: "3099fdf5-ab99-454a-a901-e35cd47d380d".into(),
            ip: "2001:db8::7".parse().expect("ip"),
            ids: vec![1, 2, 3],
            kinds: vec![
                Kind::Password,
                Kind::Oob("sms".into()),
                Kind::Totp { digits: 6 },
                Kind::Pair(1, true),
            ],
            tagged: Tagged::Login { id: "x".into() },
            maybe: Some("yes".into()),
            nothing: None,
            unit: (),
            by_number: BTreeMap::from([(7, "seven".into()), (11, "eleven".into())]),
            by_flag: HashMap::from([(true, 1)]),
            raw: serde_bytes_like::Bytes(vec![0, 1, 255]),
            big: u64::MAX,
            negative: i64::MIN,
            ratio: 0.5,
            nan: f64::NAN,
            letter: 'é',
            when,
            extra: BTreeMap::from([("flattened".into(), json!({"deep": [1, {"x": null}]}))]),
        });
    }

    #[test]
    fn json_values_keep_their_shape_and_key_order() {
        let v = json!({"z": 1, "a": {"y": [true, 1.5, "s", null], "b": {}}, "m": []});
        let back = round_trip(&v);
        assert_eq!(back, v);
        let keys: Vec<_> = back.as_object().expect("object").keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn a_failing_serialize_is_an_error_without_its_text() {
        struct Refuses;
        impl Serialize for Refuses {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("secret-value@example.com"))
            }
        }
        let err = encode(&mut Vec::new(), &Refuses).expect_err("refused");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn map_keys_without_a_json_form_and_garbage_are_errors() {
        let nested_key = BTreeMap::from([(vec![1u8], 1u8)]);
        let mut buf = Vec::new();
        encode(&mut buf, &nested_key).expect("msgpack takes any key");
        assert!(decode(&buf).is_err());
        assert!(
            decode(&[0xc1]).is_err(),
            "0xc1 is never used in MessagePack"
        );
        assert!(decode(&[]).is_err());
    }

    /// Announces `announced` map entries and writes `written`.
    struct LyingMap {
        announced: usize,
        written: usize,
    }

    impl Serialize for LyingMap {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.announced))?;
            for i in 0..self.written {
                m.serialize_entry(&format!("k{i}"), "v")?;
            }
            m.end()
        }
    }

    #[test]
    fn wrong_announced_lengths_fail_instead_of_shifting_values() {
        let honest = LyingMap {
            announced: 2,
            written: 2,
        };
        assert_eq!(round_trip(&honest), json!({"k0": "v", "k1": "v"}));
        for (announced, written) in [(1, 2), (3, 2), (0, 1)] {
            let mut buf = Vec::new();
            encode(&mut buf, &LyingMap { announced, written }).expect("encode");
            assert_eq!(
                decode(&buf).unwrap_err(),
                PayloadError::Decode,
                "announced {announced}, wrote {written}"
            );
            // Nested one level down, a short count would move values to the outer map.
            let mut buf = Vec::new();
            encode(
                &mut buf,
                &BTreeMap::from([("outer", LyingMap { announced, written })]),
            )
            .expect("encode");
            assert!(decode(&buf).is_err(), "nested: announced {announced}");
        }
    }

    #[test]
    fn float_keys_and_serde_json_private_forms_match_serde_json() {
        same_as_serde_json(&BTreeMap::from([(1u8, 1)]));
        let floats: Vec<(f32, u8)> = vec![(0.1, 1), (1e20, 2), (-2.5, 3)];
        let as_map = FloatKeys(floats);
        same_as_serde_json(&as_map);
        // What `arbitrary_precision` and `raw_value` make of a number and of raw JSON.
        let private = json!({
            "n": {"$serde_json::private::Number": "12345678901234567890123"},
            "raw": {"$serde_json::private::RawValue": "{\"email\":\"x@example.com\"}"},
        });
        let back = round_trip(&private);
        assert_eq!(
            back["raw"],
            json!({"email": "x@example.com"}),
            "raw JSON is a tree"
        );
        assert!(back["n"].is_number(), "{back}");
    }

    /// A map with float keys (no std map takes them).
    struct FloatKeys(Vec<(f32, u8)>);

    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }
}
