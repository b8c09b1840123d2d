//! Ordinary application logs through the sidecar (issue #14): services send *all* their logs to
//! `pipelines/sidecar.yaml`, not only audit events, and rely on it to remove personal data from
//! every one of them.
//!
//! ```text
//! tests/interop/app_log_corpus.py (3,000 web / auth / DB / payment / integration / support logs,
//!                                  seed 14, every planted value listed with its class and place)
//!   → tests/interop/otel_sdk_sender.py --records (the official OTel Python SDK, OTLP/gRPC)
//!   → audit-otel running pipelines/sidecar.yaml
//!   → OtlpReceiver in this test
//! ```
//!
//! Checked: every record arrives once with its resource (`service.name`), severity, scope name
//! and attribute keys. Then everything that arrived (bodies, attribute values, resource, scope)
//! and the sidecar's standard error are searched for every planted value in every leak form
//! (`common::leak_forms`), and a table of leaked/planted values per class × where (attribute,
//! map body, string body) × how (under a key that names it, or inside free text) is printed,
//! with the number of harmless values (routes, enums, host names, ids) that did not arrive
//! intact (over-redaction). The test fails when a value planted in an attribute, or under a
//! named key anywhere, leaked (every class), or when a detector-class or credential value leaked
//! anywhere, free text included. Free-text leaks of names, addresses, postcodes, usernames, user
//! agents and national-format phone numbers are reported, not asserted.
//!
//! The corpus generator is checked first: every planted value occurs in its own record only and
//! contains no other planted value (so the substring search is exact), and no body is an audit
//! envelope.
//!
//! The tools are those of `tests/interop.rs` (only the Python SDK is needed): without them the
//! test prints `SKIPPED ...` and passes, unless `AUDIT_OTEL_INTEROP` is set (CI), then it fails.
//! `cargo test --release --all-features --test app_log_privacy -- --nocapture` shows the table.
#![cfg(feature = "testing")]

mod common;
#[path = "interop/tools.rs"]
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use aho_corasick::AhoCorasick;
use audit_otel::testing::{OtlpReceiver, ReceivedRecord};
use common::proc::Proc;
use common::{leak_forms, root};
use opentelemetry_proto::tonic::common::v1::{any_value::Value as V, AnyValue, KeyValue};
use serde_json::Value;

const SEED: u64 = 14;
const RECORDS: usize = 3000;
const HMAC_KEY: &str = "an-app-log-privacy-key-of-32-b!!";
const SERVICE: &str = "app-log-privacy";
/// The sender's logger name for records without a scope.
const DEFAULT_SCOPE: &str = "audit-otel.interop";

/// Groups in table order; the first two must not leak anywhere.
const GROUPS: [&str; 8] = [
    "detector",
    "credential",
    "name",
    "address",
    "postcode",
    "username",
    "user_agent",
    "phone_national",
];
/// Table columns: (where, how).
const CELLS: [(&str, &str); 6] = [
    ("attribute", "named_key"),
    ("attribute", "free_text"),
    ("map_body", "named_key"),
    ("map_body", "free_text"),
    ("string_body", "named_key"),
    ("string_body", "free_text"),
];

/// One line of planted.jsonl.
#[derive(Debug, Clone, serde::Deserialize)]
struct Planted {
    value: String,
    class: String,
    group: String,
    #[serde(rename = "where")]
    place: String,
    how: String,
    record: usize,
    key: String,
}

impl Planted {
    /// Whether a leak of this value fails the test.
    fn asserted(&self) -> bool {
        self.place == "attribute"
            || self.how == "named_key"
            || self.group == "detector"
            || self.group == "credential"
    }
}

/// One line of keep.jsonl: a harmless value that must arrive unchanged.
#[derive(Debug, Clone, serde::Deserialize)]
struct Keep {
    value: String,
    #[serde(rename = "where")]
    place: String,
    key: String,
    record: usize,
}

/// One line of corpus.jsonl.
#[derive(Debug, Clone, serde::Deserialize)]
struct CorpusRecord {
    body: Value,
    attributes: serde_json::Map<String, Value>,
    severity: String,
    #[serde(default)]
    scope: Option<String>,
}

/// Every planted value in every leak form, in one automaton.
struct Matcher {
    ac: AhoCorasick,
    owners: Vec<usize>,
}

impl Matcher {
    fn new(values: &[Planted]) -> Matcher {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, p) in values.iter().enumerate() {
            for form in leak_forms(&p.value) {
                patterns.push(form);
                owners.push(i);
            }
        }
        Matcher {
            ac: AhoCorasick::new(&patterns).expect("build the matcher"),
            owners,
        }
    }

    /// Calls `found(value index, start, end)` for every occurrence in `haystack`.
    fn each(&self, haystack: &str, mut found: impl FnMut(usize, usize, usize)) {
        for m in self.ac.find_overlapping_iter(haystack) {
            found(self.owners[m.pattern().as_usize()], m.start(), m.end());
        }
    }
}

/// The Python interpreter with the SDK, or `None` (after saying why) when it is missing and not
/// required.
fn sdk_python(test: &str) -> Option<PathBuf> {
    tools::found_or_skip(test, tools::find_sdk_python())
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("audit-otel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

/// Runs the generator; (corpus lines as written, records, planted values, keep values).
fn generate(
    python: &Path,
    dir: &Path,
) -> (Vec<String>, Vec<CorpusRecord>, Vec<Planted>, Vec<Keep>) {
    let (corpus, planted, keep) = (
        dir.join("corpus.jsonl"),
        dir.join("planted.jsonl"),
        dir.join("keep.jsonl"),
    );
    let out = Command::new(python)
        .arg(root().join("tests/interop/app_log_corpus.py"))
        .args(["--seed", &SEED.to_string(), "--count", &RECORDS.to_string()])
        .arg("--out")
        .arg(&corpus)
        .arg("--pii-out")
        .arg(&planted)
        .arg("--keep-out")
        .arg(&keep)
        .stdin(Stdio::null())
        .output()
        .expect("run app_log_corpus.py");
    assert!(
        out.status.success(),
        "app_log_corpus.py failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let records = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, records, read_lines(&planted), read_lines(&keep))
}

/// Whether a body would be taken for an audit event (top-level envelope keys).
fn is_envelope(body: &Value) -> bool {
    let object = match body {
        Value::Object(o) => o.clone(),
        Value::String(s) if s.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(s.trim_start()) {
                Ok(Value::Object(o)) => o,
                Ok(_) => return false,
                Err(_) => {
                    return (s.contains("\"type\"")
                        && (s.contains("\"context\"") || s.contains("\"payload\"")))
                        || s.contains("\"activityType\"")
                }
            }
        }
        _ => return false,
    };
    (object.contains_key("type")
        && (object.contains_key("context") || object.contains_key("payload")))
        || object.contains_key("activityType")
}

/// The generator's promises: each planted value only in its own record, none inside another,
/// no audit envelope. Panics with examples otherwise.
fn check_corpus(lines: &[String], records: &[CorpusRecord], planted: &[Planted], m: &Matcher) {
    assert_eq!(lines.len(), RECORDS, "corpus size");
    let mut problems = Vec::new();
    let mut found = vec![false; planted.len()];
    for (i, line) in lines.iter().enumerate() {
        m.each(line, |owner, _, _| {
            if planted[owner].record == i {
                found[owner] = true;
            } else {
                problems.push(format!(
                    "{:?} (planted in record {}) also occurs in record {i}",
                    planted[owner].value, planted[owner].record
                ));
            }
        });
    }
    for (p, f) in planted.iter().zip(&found) {
        if !f {
            problems.push(format!("{:?} is not in record {}", p.value, p.record));
        }
    }
    for (i, p) in planted.iter().enumerate() {
        m.each(&p.value, |owner, _, _| {
            if owner != i && planted[owner].value != p.value {
                problems.push(format!(
                    "{:?} contains another planted value {:?}",
                    p.value, planted[owner].value
                ));
            }
        });
    }
    let distinct: BTreeSet<&str> = planted.iter().map(|p| p.value.as_str()).collect();
    if distinct.len() != planted.len() {
        problems.push(format!(
            "{} values are planted more than once",
            planted.len() - distinct.len()
        ));
    }
    for (i, r) in records.iter().enumerate() {
        if is_envelope(&r.body) {
            problems.push(format!("record {i} is an audit envelope: {}", r.body));
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "the corpus generator broke its promises ({} problems), e.g.:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
}

/// Every string in a value (map keys included), depth first.
fn strings_of<'a>(v: &'a AnyValue, out: &mut Vec<&'a str>) {
    match &v.value {
        Some(V::StringValue(s)) => out.push(s),
        Some(V::ArrayValue(a)) => a.values.iter().for_each(|x| strings_of(x, out)),
        Some(V::KvlistValue(kv)) => kv_strings(&kv.values, out),
        _ => {}
    }
}

fn kv_strings<'a>(kvs: &'a [KeyValue], out: &mut Vec<&'a str>) {
    for kv in kvs {
        out.push(&kv.key);
        if let Some(v) = &kv.value {
            strings_of(v, out);
        }
    }
}

fn attribute_strings<'a>(r: &'a ReceivedRecord, key: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    if let Some(v) = r.attribute(key) {
        strings_of(v, &mut out);
    }
    out
}

fn body_strings(r: &ReceivedRecord) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(b) = &r.record.body {
        strings_of(b, &mut out);
    }
    out
}

/// The value at a dotted path of map keys (`customer.billing_address.line1`) in a kvlist body.
fn at_path<'a>(body: &'a AnyValue, path: &str) -> Option<&'a AnyValue> {
    path.split('.').try_fold(body, |v, segment| match &v.value {
        Some(V::KvlistValue(kv)) => kv
            .values
            .iter()
            .find(|x| x.key == segment)
            .and_then(|x| x.value.as_ref()),
        _ => None,
    })
}

/// `…context…` around `start..end` of `s`, on char boundaries, one line.
fn snippet(s: &str, start: usize, end: usize) -> String {
    let mut a = start.saturating_sub(60);
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (end + 40).min(s.len());
    while !s.is_char_boundary(b) {
        b += 1;
    }
    format!("…{}…", &s[a..b]).replace('\n', "\\n")
}

fn severity_number(text: &str) -> i32 {
    match text {
        "TRACE" => 1,
        "DEBUG" => 5,
        "INFO" => 9,
        "WARN" | "WARNING" => 13,
        "ERROR" => 17,
        "FATAL" => 21,
        other => panic!("unknown severity {other}"),
    }
}

/// Prints the table; returns it as text as well.
fn leak_table(planted: &[Planted], leaked: &[bool]) -> String {
    // (group, class) → cell → (leaked, planted)
    let mut rows: BTreeMap<(usize, String), BTreeMap<usize, (usize, usize)>> = BTreeMap::new();
    for (p, &l) in planted.iter().zip(leaked) {
        let g = GROUPS
            .iter()
            .position(|g| *g == p.group)
            .unwrap_or_else(|| panic!("unknown group {}", p.group));
        let c = CELLS
            .iter()
            .position(|(w, h)| *w == p.place && *h == p.how)
            .unwrap_or_else(|| panic!("unknown place {}/{}", p.place, p.how));
        let cell = rows
            .entry((g, p.class.clone()))
            .or_default()
            .entry(c)
            .or_default();
        cell.0 += usize::from(l);
        cell.1 += 1;
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "leaked/planted per class × where × how (`!` marks asserted cells with leaks)"
    );
    let _ = write!(t, "{:<15} {:<15}", "group", "class");
    for (w, h) in CELLS {
        let _ = write!(
            t,
            " {:>17}",
            format!("{w}/{h}")
                .replace("_body", "")
                .replace("_key", "")
                .replace("_text", "")
        );
    }
    let _ = writeln!(t, " {:>13}", "total");
    let fmt_cell = |(l, p): (usize, usize), asserted: bool| -> String {
        if p == 0 {
            "-".to_owned()
        } else if l > 0 && asserted {
            format!("!{l}/{p}")
        } else {
            format!("{l}/{p}")
        }
    };
    let mut group_totals: BTreeMap<usize, BTreeMap<usize, (usize, usize)>> = BTreeMap::new();
    for ((g, class), cells) in &rows {
        let _ = write!(t, "{:<15} {:<15}", GROUPS[*g], class);
        let (mut tl, mut tp) = (0, 0);
        for (c, (w, h)) in CELLS.iter().enumerate() {
            let cell = cells.get(&c).copied().unwrap_or((0, 0));
            let asserted = *w == "attribute" || *h == "named_key" || *g < 2;
            let _ = write!(t, " {:>17}", fmt_cell(cell, asserted));
            tl += cell.0;
            tp += cell.1;
            let gt = group_totals.entry(*g).or_default().entry(c).or_default();
            gt.0 += cell.0;
            gt.1 += cell.1;
        }
        let _ = writeln!(t, " {:>13}", format!("{tl}/{tp}"));
    }
    let _ = writeln!(t, "{}", "-".repeat(15 + 1 + 15 + 18 * CELLS.len() + 14));
    let mut all = [(0usize, 0usize); CELLS.len()];
    for (g, cells) in &group_totals {
        let _ = write!(t, "{:<15} {:<15}", GROUPS[*g], "(all)");
        let (mut tl, mut tp) = (0, 0);
        for (c, (w, h)) in CELLS.iter().enumerate() {
            let cell = cells.get(&c).copied().unwrap_or((0, 0));
            let asserted = *w == "attribute" || *h == "named_key" || *g < 2;
            let _ = write!(t, " {:>17}", fmt_cell(cell, asserted));
            tl += cell.0;
            tp += cell.1;
            all[c].0 += cell.0;
            all[c].1 += cell.1;
        }
        let _ = writeln!(t, " {:>13}", format!("{tl}/{tp}"));
    }
    let _ = write!(t, "{:<15} {:<15}", "all", "");
    for cell in all {
        let _ = write!(t, " {:>17}", fmt_cell(cell, false));
    }
    let (tl, tp) = all.iter().fold((0, 0), |(a, b), (l, p)| (a + l, b + p));
    let _ = writeln!(t, " {:>13}", format!("{tl}/{tp}"));

    // Free-text figures of the groups that are reported, not asserted.
    let _ = writeln!(
        t,
        "\nfree text, reported (not asserted): leaked/planted in map and string bodies"
    );
    for (g, group) in GROUPS.iter().enumerate().skip(2) {
        let (mut l, mut p) = (0, 0);
        for (c, (w, h)) in CELLS.iter().enumerate() {
            if *w != "attribute" && *h == "free_text" {
                let cell = group_totals
                    .get(&g)
                    .and_then(|x| x.get(&c))
                    .copied()
                    .unwrap_or((0, 0));
                l += cell.0;
                p += cell.1;
            }
        }
        let pct = if p == 0 {
            0.0
        } else {
            100.0 * l as f64 / p as f64
        };
        let _ = writeln!(t, "  {group:<15} {l:>5}/{p:<5} ({pct:.1}% leaked)");
    }
    t
}

#[test]
fn sidecar_removes_personal_data_from_app_logs() {
    let test = "app-log-privacy";
    let Some(python) = sdk_python(test) else {
        return;
    };
    let dir = tempdir(test);
    let (lines, corpus, planted, keep) = generate(&python, &dir);
    let matcher = Matcher::new(&planted);
    check_corpus(&lines, &corpus, &planted, &matcher);

    let rx = OtlpReceiver::start_blocking().unwrap();
    let [grpc, http, admin] = tools::free_addrs::<3>();
    let mut sidecar = Proc::start(
        &root().join("pipelines/sidecar.yaml"),
        &[
            ("AUDIT_OTEL_GRPC_LISTEN", grpc.to_string()),
            ("AUDIT_OTEL_HTTP_LISTEN", http.to_string()),
            ("AUDIT_OTEL_ADMIN_LISTEN", admin.to_string()),
            ("AUDIT_OTEL_EXPORT_ENDPOINT", rx.grpc_endpoint()),
            ("AUDIT_OTEL_HMAC_KEY", HMAC_KEY.into()),
        ],
        &dir,
    );
    sidecar.wait_ready(admin, Duration::from_secs(30));

    let mut cmd = Command::new(&python);
    cmd.arg(root().join("tests/interop/otel_sdk_sender.py"))
        .args([
            "--endpoint",
            &format!("http://{grpc}"),
            "--protocol",
            "grpc",
        ])
        .args(["--timeout", "10", "--service-name", SERVICE])
        .arg("--records")
        .arg(dir.join("corpus.jsonl"));
    for var in [
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_SDK_DISABLED",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run otel_sdk_sender.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sender failed ({}):\n{stdout}\n{}\n--- audit-otel stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        sidecar.stderr()
    );
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("sender summary {stdout:?}: {e}"));
    assert_eq!(summary["sent"], RECORDS as u64, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");

    assert!(
        rx.wait_for_records_blocking(RECORDS, Duration::from_secs(30)),
        "only {} of {RECORDS} records arrived\n--- audit-otel stderr:\n{}",
        rx.record_count(),
        sidecar.stderr()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.record_count(), RECORDS, "no record arrives twice");
    let exit = sidecar.terminate(Duration::from_secs(30));
    let stderr = sidecar.stderr();

    // Delivery: every record once, with its resource, severity, scope and attribute keys.
    let received = rx.records();
    let mut by_seq: Vec<Option<&ReceivedRecord>> = vec![None; RECORDS];
    let mut missing_keys: Vec<String> = Vec::new();
    for r in &received {
        let seq = r
            .int_attribute("interop.seq")
            .unwrap_or_else(|| panic!("interop.seq kept: {:?}", r.record.attributes));
        let seq = usize::try_from(seq).expect("a sequence number");
        assert!(seq < RECORDS, "unexpected interop.seq {seq}");
        assert!(by_seq[seq].is_none(), "record {seq} arrived twice");
        by_seq[seq] = Some(r);
        let want = &corpus[seq];
        assert_eq!(
            r.resource_str("service.name"),
            Some(SERVICE),
            "record {seq}: the sender's resource is kept: {:?}",
            r.resource
        );
        assert_eq!(
            r.record.severity_text, want.severity,
            "record {seq}: severity text"
        );
        assert_eq!(
            r.record.severity_number,
            severity_number(&want.severity),
            "record {seq}: severity number"
        );
        assert_eq!(
            r.scope_name,
            want.scope.as_deref().unwrap_or(DEFAULT_SCOPE),
            "record {seq}: scope name"
        );
        let keys: BTreeSet<&str> = r
            .record
            .attributes
            .iter()
            .map(|kv| kv.key.as_str())
            .collect();
        for k in want
            .attributes
            .keys()
            .map(String::as_str)
            .chain(["interop.seq", "interop.kind"])
        {
            if !keys.contains(k) {
                missing_keys.push(format!("record {seq}: attribute {k}"));
            }
        }
    }
    assert!(
        missing_keys.is_empty(),
        "{} attribute keys did not arrive, e.g.:\n{}",
        missing_keys.len(),
        missing_keys[..missing_keys.len().min(20)].join("\n")
    );
    let by_seq: Vec<&ReceivedRecord> = by_seq
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| panic!("record {i} did not arrive")))
        .collect();

    // Leaks: every string that arrived, and our stderr.
    let mut leaked = vec![false; planted.len()];
    let mut example: Vec<Option<String>> = vec![None; planted.len()];
    let mut note = |owner: usize, place: String, hay: &str, s: usize, e: usize| {
        leaked[owner] = true;
        if example[owner].is_none() {
            example[owner] = Some(format!("in {place}: {}", snippet(hay, s, e)));
        }
    };
    for (seq, r) in by_seq.iter().enumerate() {
        let mut places: Vec<(String, Vec<&str>)> = Vec::new();
        let mut res = Vec::new();
        kv_strings(&r.resource, &mut res);
        res.push(&r.scope_name);
        res.push(&r.scope_version);
        places.push((format!("record {seq} resource/scope"), res));
        places.push((format!("record {seq} body"), body_strings(r)));
        for kv in &r.record.attributes {
            places.push((
                format!("record {seq} attribute {}", kv.key),
                attribute_strings(r, &kv.key),
            ));
        }
        for (place, strings) in &places {
            for s in strings {
                matcher.each(s, |owner, a, b| note(owner, place.clone(), s, a, b));
            }
        }
    }
    matcher.each(&stderr, |owner, a, b| {
        note(owner, "audit-otel stderr".to_owned(), &stderr, a, b)
    });

    // Over-redaction: harmless values that did not arrive intact.
    let mut over: BTreeMap<String, (usize, usize, String)> = BTreeMap::new();
    for k in &keep {
        let r = by_seq[k.record];
        let strings = match k.place.as_str() {
            "attribute" => attribute_strings(r, &k.key),
            "map_body" => {
                let mut out = Vec::new();
                if let Some(v) = r.record.body.as_ref().and_then(|b| at_path(b, &k.key)) {
                    strings_of(v, &mut out);
                }
                out
            }
            _ => body_strings(r),
        };
        let ok = strings.iter().any(|s| s.contains(&k.value));
        let slot = over
            .entry(format!("{} {}", k.place, k.key))
            .or_insert((0, 0, String::new()));
        slot.1 += 1;
        if !ok {
            slot.0 += 1;
            if slot.2.is_empty() {
                slot.2 = format!("{:?} arrived as {:?}", k.value, strings);
            }
        }
    }
    let over_total: usize = over.values().map(|v| v.0).sum();

    let table = leak_table(&planted, &leaked);
    println!(
        "\napp logs through pipelines/sidecar.yaml: {RECORDS} records (seed {SEED}), {} planted values, {} must-survive values\n",
        planted.len(),
        keep.len()
    );
    println!("{table}");
    println!(
        "over-redaction: {over_total} of {} must-survive values did not arrive intact",
        keep.len()
    );
    for (place, (bad, n, ex)) in over.iter().filter(|(_, v)| v.0 > 0) {
        println!("  {place:<45} {bad:>5}/{n:<5} e.g. {ex}");
    }

    // Assertions.
    let mut failures: BTreeMap<(String, String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, p) in planted.iter().enumerate() {
        if leaked[i] && p.asserted() {
            failures
                .entry((
                    p.group.clone(),
                    p.class.clone(),
                    p.place.clone(),
                    p.how.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    let mut report = String::new();
    for ((group, class, place, how), ids) in &failures {
        let _ = writeln!(
            report,
            "{group}/{class} in {place} ({how}): {} leaked",
            ids.len()
        );
        for &i in ids.iter().take(3) {
            let p = &planted[i];
            let _ = writeln!(
                report,
                "    record {} key {:?}: {:?} {}",
                p.record,
                p.key,
                p.value,
                example[i].as_deref().unwrap_or("")
            );
        }
    }
    let total: usize = failures.values().map(Vec::len).sum();
    if total > 0 {
        println!("\nasserted leaks ({total}):\n{report}");
    }
    assert_eq!(exit, Some(0), "audit-otel stops cleanly:\n{stderr}");
    assert!(
        total == 0,
        "{total} planted values leaked from attributes, named keys, or detector/credential \
         classes (see the table above):\n{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
