//! A [`Doc`] to and from `serde_json::Value`, and as JSON text.
//!
//! Both directions are exact: `Doc::from_value(v).to_value(0) == v`, and a parsed document reads
//! back as the `Value` the reference reader makes of the same input. JSON text is written as
//! `serde_json::to_string` writes the `Value` (same escapes, same number forms).

use serde_json::{Map, Value};

use super::{Doc, Kind, Number};

impl Doc {
    /// Appends `value` under `key` (see [`Doc::begin_object`] for what `key` means).
    pub fn push_value(&mut self, key: Option<&str>, value: &Value) -> usize {
        match value {
            Value::Null => self.push_null(key),
            Value::Bool(b) => self.push_bool(key, *b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.push_i64(key, i)
                } else if let Some(u) = n.as_u64() {
                    self.push_u64(key, u)
                } else {
                    self.push_f64(key, n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => self.push_str(key, s),
            Value::Array(a) => {
                let n = self.begin_array(key);
                for v in a {
                    self.push_value(None, v);
                }
                self.end_container();
                n
            }
            Value::Object(m) => {
                let n = self.begin_object(key);
                for (k, v) in m {
                    self.push_value(Some(k), v);
                }
                self.end_container();
                n
            }
        }
    }

    /// Node `n` (removed parts left out) as a `Value`.
    pub fn to_value(&self, n: usize) -> Value {
        match self.kind(n) {
            Kind::Null => Value::Null,
            Kind::Bool => Value::Bool(self.as_bool(n).unwrap_or(false)),
            Kind::Number => match self.number(n) {
                Some(Number::I64(i)) => Value::from(i),
                Some(Number::U64(u)) => Value::from(u),
                Some(Number::F64(f)) => serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                None => Value::Null,
            },
            Kind::String => Value::String(self.as_str(n).unwrap_or("").to_owned()),
            Kind::Array => Value::Array(self.children(n).map(|c| self.to_value(c)).collect()),
            Kind::Object => {
                let mut m = Map::new();
                for c in self.children(n) {
                    m.insert(self.key(c).to_owned(), self.to_value(c));
                }
                Value::Object(m)
            }
        }
    }

    /// Appends node `n` (removed parts left out) to `out` as JSON text.
    pub fn write_json(&self, n: usize, out: &mut String) {
        match self.kind(n) {
            Kind::Null => out.push_str("null"),
            Kind::Bool => out.push_str(if self.as_bool(n) == Some(true) {
                "true"
            } else {
                "false"
            }),
            Kind::Number => match self.number(n) {
                Some(Number::I64(i)) => out.push_str(itoa::Buffer::new().format(i)),
                Some(Number::U64(u)) => out.push_str(itoa::Buffer::new().format(u)),
                Some(Number::F64(_)) | None => {
                    out.push_str(&serde_json::to_string(&self.to_value(n)).unwrap_or_default())
                }
            },
            Kind::String => write_str(self.as_str(n).unwrap_or(""), out),
            Kind::Array => {
                out.push('[');
                for (i, c) in self.children(n).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_json(c, out);
                }
                out.push(']');
            }
            Kind::Object => {
                out.push('{');
                for (i, c) in self.children(n).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(self.key(c), out);
                    out.push(':');
                    self.write_json(c, out);
                }
                out.push('}');
            }
        }
    }

    /// Node `n` as JSON text.
    pub fn to_json(&self, n: usize) -> String {
        let mut s = String::new();
        self.write_json(n, &mut s);
        s
    }
}

/// A JSON string literal, escaped as `serde_json` escapes it.
pub(crate) fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(esc);
        }
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out.push('"');
}
