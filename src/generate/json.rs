//! A small JSON tree with static keys, written straight to bytes.
//!
//! The generator builds every event as a [`J`] tree and writes it with [`J::write`]. Keys are
//! `&'static str` and objects are vectors, so building an event hashes nothing and allocates only
//! for dynamic string values; this is what keeps the generator well above 100k events/s. The
//! output is compact JSON escaped exactly like `serde_json` (the tests check byte equality with a
//! `serde_json` round trip), and [`J::to_value`] gives the same event as a `serde_json::Value`.

use serde_json::{Map, Number, Value};

/// A JSON value under construction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Int(i64),
    /// A static string (enum-like values: types, flags, fixed URLs).
    S(&'static str),
    /// An owned string.
    Str(String),
    Arr(Vec<J>),
    /// An object, keys in insertion order (callers never insert a key twice).
    Obj(Vec<(&'static str, J)>),
}

impl J {
    /// The member `key` of an object.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut J> {
        match self {
            J::Obj(members) => members.iter_mut().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(members) => members.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string content, for `S` and `Str`.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            J::S(s) => Some(s),
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Appends the compact JSON text of `self` to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self {
            J::Null => out.extend_from_slice(b"null"),
            J::Bool(true) => out.extend_from_slice(b"true"),
            J::Bool(false) => out.extend_from_slice(b"false"),
            J::Int(n) => write_int(out, *n),
            J::S(s) => write_str(out, s),
            J::Str(s) => write_str(out, s),
            J::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            J::Obj(members) => {
                out.push(b'{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k);
                    out.push(b':');
                    v.write(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The same value as a `serde_json::Value` (key order kept).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Int(n) => Value::Number(Number::from(*n)),
            J::S(s) => Value::String((*s).to_owned()),
            J::Str(s) => Value::String(s.clone()),
            J::Arr(items) => Value::Array(items.iter().map(J::to_value).collect()),
            J::Obj(members) => {
                let mut map = Map::with_capacity(members.len());
                for (k, v) in members {
                    map.insert((*k).to_owned(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// Shorthand for an array of static strings.
pub(crate) fn static_arr(items: &[&'static str]) -> J {
    J::Arr(items.iter().map(|s| J::S(s)).collect())
}

/// Shorthand for an array of owned strings.
pub(crate) fn str_arr(items: Vec<String>) -> J {
    J::Arr(items.into_iter().map(J::Str).collect())
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let neg = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes `s` as a JSON string literal, escaping like `serde_json`: `"` and `\`, the short forms
/// `\b \f \n \r \t`, other control characters as `\u00XX`; everything else raw UTF-8.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The JSON-escaped form of `s` without the surrounding quotes (what a value looks like inside
/// the output bytes).
pub(crate) fn escaped(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out.pop();
    out.remove(0);
    out
}

/// Formats Unix seconds plus microseconds like Go's `time.RFC3339Nano` in UTC:
/// `2025-05-05T16:43:27.699087Z`, trailing zeros of the fraction trimmed, no fraction when zero.
pub(crate) fn rfc3339(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem / 60) % 60, rem % 60);
    let mut out = String::with_capacity(27);
    push_num(&mut out, y, 4);
    out.push('-');
    push_num(&mut out, m as i64, 2);
    out.push('-');
    push_num(&mut out, d as i64, 2);
    out.push('T');
    push_num(&mut out, hh, 2);
    out.push(':');
    push_num(&mut out, mm, 2);
    out.push(':');
    push_num(&mut out, ss, 2);
    let micros = micros % 1_000_000;
    if micros != 0 {
        let mut digits = [0u8; 6];
        let mut v = micros;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        let mut len = 6;
        while digits[len - 1] == b'0' {
            len -= 1;
        }
        out.push('.');
        for &d in &digits[..len] {
            out.push(d as char);
        }
    }
    out.push('Z');
    out
}

/// `YYYY-MM-DD` of Unix seconds (UTC).
pub(crate) fn date_of(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let mut out = String::with_capacity(10);
    push_num(&mut out, y, 4);
    out.push('-');
    push_num(&mut out, m as i64, 2);
    out.push('-');
    push_num(&mut out, d as i64, 2);
    out
}

fn push_num(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut x = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push('0');
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
