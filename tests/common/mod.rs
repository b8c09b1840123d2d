//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use aho_corasick::AhoCorasick;

pub mod proc;

/// The built binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_audit-otel"))
}

/// Runs the binary with arguments and standard input.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .env("AUDIT_OTEL_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn audit-otel");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap();
    out
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared reference folder, when it is there.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    p.is_dir().then_some(p)
}

/// Every form in which a planted value could appear in JSON output: raw, JSON-escaped (with
/// and without Go's `\u0026`-style escapes), and for non-ASCII text its `\uXXXX` form.
pub fn leak_forms(value: &str) -> Vec<String> {
    let mut v = vec![value.to_owned()];
    let json = serde_json::to_string(value).unwrap();
    let inner = json[1..json.len() - 1].to_owned();
    if inner != value {
        v.push(inner.clone());
    }
    let ascii: String = inner
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut buf = [0u16; 2];
                c.encode_utf16(&mut buf)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    if ascii != inner {
        v.push(ascii);
    }
    v
}

/// A matcher for every planted value in every form.
pub struct Oracle {
    ac: AhoCorasick,
    owners: Vec<usize>,
    values: Vec<String>,
}

impl Oracle {
    /// Builds the oracle from planted values.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Oracle {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        let mut vals = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            vals.push(v.to_owned());
            for f in leak_forms(v) {
                patterns.push(f);
                owners.push(i);
            }
        }
        Oracle {
            ac: AhoCorasick::new(&patterns).unwrap(),
            owners,
            values: vals,
        }
    }

    /// Number of planted values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Panics, naming up to 20 examples, if any planted value is in `haystack`.
    pub fn assert_clean(&self, what: &str, haystack: &[u8]) {
        let leaks = self.leaks(haystack, 20);
        assert!(
            leaks.is_empty(),
            "{} leaks in {what}, e.g.:\n{}",
            leaks.len(),
            leaks.join("\n")
        );
    }

    /// Planted values found in `haystack` (at most `limit`).
    pub fn leaks(&self, haystack: &[u8], limit: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.ac.find_overlapping_iter(haystack) {
            let v = &self.values[self.owners[m.pattern().as_usize()]];
            if !out.contains(v) {
                let start = m.start().saturating_sub(80);
                let end = (m.end() + 40).min(haystack.len());
                out.push(format!(
                    "{v:?} in …{}…",
                    String::from_utf8_lossy(&haystack[start..end])
                ));
                if out.len() >= limit {
                    break;
                }
            }
        }
        out
    }
}
