//! Malformed lines, built from the event that would have been written.

use rand::Rng;

use super::json::{rfc3339, J};
use super::people::{chance, pick, uuid, R};

/// How a malformed line is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MalformedKind {
    /// The event's JSON cut short.
    Truncated,
    /// A top-level field of the wrong type (`"context": "user_id=..."`, `"seq": "abc"`,
    /// `"type": 42`, `"id": null`).
    WrongTypes,
    /// No `type`.
    MissingType,
    /// Valid JSON with a string of 256 KiB to 1 MiB inside a field (over the default limit).
    Oversized,
    /// An invalid `\` escape inside a string (`\x41`, `\u12G4`, a short `\u00`).
    BadEscape,
    /// Raw bytes that are not UTF-8 (a stray byte, a surrogate, or the line re-encoded as
    /// ISO-8859-1).
    InvalidUtf8,
    /// The payload wrapped 1,000 or 10,000 levels deep (`{"a":{"a":...`).
    DeepNesting,
    /// JSON that is not an object: an array, a number, a string (the event JSON-encoded twice),
    /// `null`.
    NotAnObject,
    /// Not JSON at all (`HTTP/1.1 200 OK`, an HTML error page, NUL bytes, trailing text).
    Garbage,
    /// An object with a key twice, the copies disagreeing (`type`, `id`, or `context.user_id`).
    DuplicateKeys,
    /// An empty or whitespace-only line.
    Empty,
}

impl MalformedKind {
    /// Every kind, in declaration order.
    pub const ALL: [MalformedKind; 11] = [
        MalformedKind::Truncated,
        MalformedKind::WrongTypes,
        MalformedKind::MissingType,
        MalformedKind::Oversized,
        MalformedKind::BadEscape,
        MalformedKind::InvalidUtf8,
        MalformedKind::DeepNesting,
        MalformedKind::NotAnObject,
        MalformedKind::Garbage,
        MalformedKind::DuplicateKeys,
        MalformedKind::Empty,
    ];

    /// The snake-case name (`truncated`, `wrong_types`, ...).
    pub const fn as_str(&self) -> &'static str {
        match self {
            MalformedKind::Truncated => "truncated",
            MalformedKind::WrongTypes => "wrong_types",
            MalformedKind::MissingType => "missing_type",
            MalformedKind::Oversized => "oversized",
            MalformedKind::BadEscape => "bad_escape",
            MalformedKind::InvalidUtf8 => "invalid_utf8",
            MalformedKind::DeepNesting => "deep_nesting",
            MalformedKind::NotAnObject => "not_an_object",
            MalformedKind::Garbage => "garbage",
            MalformedKind::DuplicateKeys => "duplicate_keys",
            MalformedKind::Empty => "empty",
        }
    }
}

impl std::fmt::Display for MalformedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The smallest oversized string: just over the default event size limit, so an oversized
/// line is rejected by a default pipeline.
pub(crate) const OVERSIZED_MIN: usize = crate::event::DEFAULT_MAX_EVENT_BYTES + 1;
/// The largest oversized string.
pub(crate) const OVERSIZED_MAX: usize = 1024 * 1024;

/// Appends a malformed line made from `event` to `out`.
pub(crate) fn write(rng: &mut R, event: &J, out: &mut Vec<u8>) -> MalformedKind {
    let kind = MalformedKind::ALL[rng.random_range(0..MalformedKind::ALL.len())];
    match kind {
        MalformedKind::Truncated => {
            let mut buf = Vec::new();
            event.write(&mut buf);
            let mut cut = rng.random_range(1..buf.len());
            while cut > 1 && (buf[cut] & 0xc0) == 0x80 {
                cut -= 1;
            }
            out.extend_from_slice(&buf[..cut]);
        }
        MalformedKind::WrongTypes => {
            let mut e = event.clone();
            let set = |e: &mut J, key: &str, value: J| {
                if let Some(v) = e.get_mut(key) {
                    *v = value;
                }
            };
            match rng.random_range(0..5u32) {
                0 => {
                    let uid = e
                        .get("context")
                        .and_then(|c| c.get("user_id"))
                        .and_then(J::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    set(&mut e, "context", J::Str(format!("user_id={uid}")));
                }
                1 => {
                    let seq = match e.get("seq") {
                        Some(J::Int(n)) => *n,
                        _ => 0,
                    };
                    set(&mut e, "seq", J::S("abc"));
                    set(&mut e, "id", J::Int(seq));
                }
                2 => set(&mut e, "type", J::Int(42)),
                3 => set(&mut e, "id", J::Null),
                _ => {
                    let t = e.get("type").cloned().unwrap_or(J::Null);
                    set(&mut e, "type", J::Arr(vec![t]));
                    if let Some(J::Int(ts)) =
                        e.get("context").and_then(|c| c.get("timestamp")).cloned()
                    {
                        if let Some(c) = e.get_mut("context") {
                            set(c, "timestamp", J::Str(rfc3339(ts, 0)));
                        }
                    }
                }
            }
            e.write(out);
        }
        MalformedKind::MissingType => {
            let mut e = event.clone();
            if let J::Obj(members) = &mut e {
                members.retain(|(k, _)| *k != "type");
            }
            e.write(out);
        }
        MalformedKind::Oversized => {
            let size = if chance(rng, 0.8) {
                rng.random_range(OVERSIZED_MIN..2 * OVERSIZED_MIN)
            } else {
                rng.random_range(2 * OVERSIZED_MIN..=OVERSIZED_MAX)
            };
            let filler = "A".repeat(size);
            let mut e = event.clone();
            let ua = e
                .get("context")
                .and_then(|c| c.get("user_agent"))
                .and_then(J::as_str)
                .map(str::to_owned);
            match (rng.random_range(0..3u32), ua) {
                (0, Some(ua)) => {
                    if let Some(v) = e.get_mut("context").and_then(|c| c.get_mut("user_agent")) {
                        *v = J::Str(format!("{ua} {filler}"));
                    }
                }
                (1, _) => {
                    if let Some(v) = e
                        .get_mut("context")
                        .and_then(|c| c.get_mut("audit_context"))
                        .and_then(|a| a.get_mut("http_url"))
                    {
                        let url = v.as_str().unwrap_or_default().to_owned();
                        let sep = if url.contains('?') { '&' } else { '?' };
                        *v = J::Str(format!("{url}{sep}q={filler}"));
                    }
                }
                _ => {
                    if let Some(J::Obj(p)) = e.get_mut("payload") {
                        p.push(("padding", J::Str(filler)));
                    }
                }
            }
            e.write(out);
        }
        MalformedKind::BadEscape => {
            let mut buf = Vec::new();
            event.write(&mut buf);
            let bad: &[u8] = pick(
                rng,
                &[&b"\\x41"[..], b"\\u00", b"\\u12G4", b"\\q", b"\\U0041"],
            );
            let anchor: &[u8] = if chance(rng, 0.5) {
                b"\"http_url\":\""
            } else {
                b"\"type\":\""
            };
            let at = find(&buf, anchor)
                .or_else(|| find(&buf, b"\"type\":\""))
                .map(|i| i + anchor.len());
            match at {
                Some(at) => {
                    out.extend_from_slice(&buf[..at]);
                    out.extend_from_slice(bad);
                    out.extend_from_slice(&buf[at..]);
                }
                None => {
                    out.extend_from_slice(b"{\"type\":\"");
                    out.extend_from_slice(bad);
                    out.extend_from_slice(b"\"}");
                }
            }
        }
        MalformedKind::InvalidUtf8 => {
            let mut buf = Vec::new();
            event.write(&mut buf);
            let latin1 = chance(rng, 0.4)
                .then(|| to_latin1(&buf))
                .filter(|b| std::str::from_utf8(b).is_err());
            match latin1 {
                Some(b) => out.extend_from_slice(&b),
                None => {
                    let bad: &[u8] = pick(
                        rng,
                        &[
                            &[0xffu8][..],
                            &[0xc3, 0x28],
                            &[0xed, 0xa0, 0x80],
                            &[0x80],
                            &[0xf8, 0x88, 0x80, 0x80, 0x80],
                            &[0xe9],
                        ],
                    );
                    let anchor: &[u8] = if chance(rng, 0.5) {
                        b"\"user_agent\":\""
                    } else {
                        b"\"type\":\""
                    };
                    let at = find(&buf, anchor).map(|i| i + anchor.len()).unwrap_or(1);
                    out.extend_from_slice(&buf[..at]);
                    out.extend_from_slice(bad);
                    out.extend_from_slice(&buf[at..]);
                }
            }
        }
        MalformedKind::DeepNesting => {
            let depth = if chance(rng, 0.5) { 1_000 } else { 10_000 };
            out.push(b'{');
            let mut first = true;
            if let J::Obj(members) = event {
                for (k, v) in members {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    super::json::write_str(out, k);
                    out.push(b':');
                    if *k == "payload" {
                        for _ in 0..depth {
                            out.extend_from_slice(b"{\"a\":");
                        }
                        v.write(out);
                        out.resize(out.len() + depth, b'}');
                    } else {
                        v.write(out);
                    }
                }
            }
            out.push(b'}');
        }
        MalformedKind::NotAnObject => match rng.random_range(0..6u32) {
            0 => {
                out.push(b'[');
                event.write(out);
                out.push(b']');
            }
            1 => {
                // The event JSON-encoded twice.
                let mut buf = Vec::new();
                event.write(&mut buf);
                super::json::write_str(out, &String::from_utf8_lossy(&buf));
            }
            2 => out.extend_from_slice(b"12345"),
            3 => {
                let t = event
                    .get("type")
                    .and_then(J::as_str)
                    .unwrap_or("user.authenticated");
                super::json::write_str(out, t);
            }
            4 => out.extend_from_slice(b"null"),
            _ => out.extend_from_slice(b"[]"),
        },
        MalformedKind::Garbage => match rng.random_range(0..8u32) {
            0 => out.extend_from_slice(b"HTTP/1.1 200 OK"),
            1 => out.extend_from_slice(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
            2 => out.extend_from_slice(&[0, 0, 0, 0]),
            3 => out.extend_from_slice(
                b"\x1b[31mERROR\x1b[0m webhook delivery failed: context deadline exceeded",
            ),
            4 => {
                event.write(out);
                out.extend_from_slice(b" trailing-garbage");
            }
            5 => {
                // Two events without the newline between them.
                event.write(out);
                event.write(out);
            }
            6 => {
                let seq = match event.get("seq") {
                    Some(J::Int(n)) => *n,
                    _ => 0,
                };
                let t = event.get("type").and_then(J::as_str).unwrap_or("unknown");
                out.extend_from_slice(
                    format!("level=info msg=\"audit event\" seq={seq} type={t}").as_bytes(),
                );
            }
            _ => out.extend_from_slice(b"-----BEGIN PGP MESSAGE-----"),
        },
        MalformedKind::DuplicateKeys => {
            let mut buf = Vec::new();
            event.write(&mut buf);
            match rng.random_range(0..3u32) {
                0 => {
                    // A second, different `type` at the end.
                    let other = pick(
                        rng,
                        &[
                            "user.deleted",
                            "admin_api.mutation.delete_user.executed",
                            "user.authenticated",
                            "project.app.updated",
                        ],
                    );
                    buf.pop();
                    out.extend_from_slice(&buf);
                    out.extend_from_slice(b",\"type\":");
                    super::json::write_str(out, other);
                    out.push(b'}');
                }
                1 => {
                    // A forged `id` before the real one.
                    out.extend_from_slice(b"{\"id\":\"");
                    out.extend_from_slice(format!("{:016x}", rng.random::<u32>()).as_bytes());
                    out.extend_from_slice(b"\",");
                    out.extend_from_slice(&buf[1..]);
                }
                _ => {
                    // A forged `user_id` before the real one, inside `context`.
                    let anchor = b"\"context\":{";
                    match rfind(&buf, anchor) {
                        Some(i) => {
                            let at = i + anchor.len();
                            out.extend_from_slice(&buf[..at]);
                            out.extend_from_slice(b"\"user_id\":\"");
                            out.extend_from_slice(uuid(rng).as_bytes());
                            out.extend_from_slice(b"\",");
                            out.extend_from_slice(&buf[at..]);
                        }
                        None => {
                            buf.pop();
                            out.extend_from_slice(&buf);
                            out.extend_from_slice(b",\"type\":\"user.deleted\"}");
                        }
                    }
                }
            }
        }
        MalformedKind::Empty => {
            let blank: &[u8] = pick(rng, &[&b""[..], b"   ", b"\t", b"\r"]);
            out.extend_from_slice(blank);
        }
    }
    kind
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The line as an ISO-8859-1 producer would write it: characters up to U+00FF as one byte,
/// others as UTF-8.
fn to_latin1(utf8: &[u8]) -> Vec<u8> {
    let s = String::from_utf8_lossy(utf8);
    let mut out = Vec::with_capacity(utf8.len());
    for c in s.chars() {
        let u = c as u32;
        if u < 0x100 {
            out.push(u as u8);
        } else {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
        }
    }
    out
}
