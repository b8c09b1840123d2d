//! The `audit_log_api` source end to end: a real pipeline polls a local Admin API GraphQL server
//! (axum, in this file) that verifies the RS256 JWT with the test key pair's public key (`aud`,
//! `kid`, `exp`), serves generated events as `auditLogs` nodes honouring `first`, `after`,
//! `activityTypes`, `rangeFrom` and `sortDirection`, and can answer 429/500/GraphQL errors on
//! demand. Records go to a `type: file` sink and are counted by event id.
//!
//! The keys under `tests/fixtures/audit_log_api/` were generated for these tests only.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use audit_otel::catalog::activity_type_of;
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::pipeline::config::PipelineConfig;
use audit_otel::pipeline::source::audit_log_api::{set_token_timing_for_tests, TokenTiming};
use audit_otel::pipeline::{Pipeline, RunError, RunHandle, RunSummary};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

const KID: &str = "test-admin-key";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit_log_api")
        .join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "audit-otel-alapi-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---------------------------------------------------------------------------------------------
// Captured logs (one subscriber for the whole test binary).

#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static LogBuf {
    static LOGS: OnceLock<LogBuf> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = LogBuf::default();
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The Admin API test server.

#[derive(Debug, Clone)]
struct Node {
    /// Sort key: creation time, then a tie-breaker (the database's order within a second is
    /// arbitrary; tests choose it).
    created_at: DateTime<Utc>,
    tie: i64,
    event_id: String,
    activity_type: String,
    json: Value,
}

#[derive(Debug, Clone)]
enum Inject {
    Status(u16, Option<&'static str>),
    GraphQlError(&'static str),
}

#[derive(Debug, Default)]
struct ServerState {
    project_id: String,
    public_pem: Vec<u8>,
    nodes: Vec<Node>,
    inject: VecDeque<Inject>,
    /// Every request: when, the answer's status, its variables.
    requests: Vec<(Instant, u16, Value)>,
    /// Distinct accepted tokens, in order of first use.
    tokens: Vec<String>,
    /// Requests whose token was refused, and why.
    refused: Vec<String>,
}

#[derive(Clone)]
struct TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<ServerState>>,
}

impl TestServer {
    async fn start(project_id: &str) -> TestServer {
        let state = Arc::new(Mutex::new(ServerState {
            project_id: project_id.to_owned(),
            public_pem: std::fs::read(fixture("test_key_pkcs8.pub.pem")).unwrap(),
            ..ServerState::default()
        }));
        let app = Router::new()
            .route("/_api/admin/graphql", post(graphql))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer { addr, state }
    }

    fn endpoint(&self) -> String {
        format!("http://{}/_api/admin/graphql", self.addr)
    }

    fn add(&self, nodes: Vec<Node>) {
        self.state.lock().unwrap().nodes.extend(nodes);
    }

    fn inject(&self, i: Inject) {
        self.state.lock().unwrap().inject.push_back(i);
    }

    fn requests(&self) -> Vec<(Instant, u16, Value)> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

#[derive(serde::Deserialize)]
struct Claims {
    aud: Vec<String>,
    iat: i64,
    exp: i64,
}

async fn graphql(
    State(state): State<Arc<Mutex<ServerState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = state.lock().unwrap();
    let now = Instant::now();
    let vars = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b.get("variables").cloned())
        .unwrap_or(Value::Null);
    // Authentication, as the Admin API does it.
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let verdict = match &token {
        None => Err("no bearer token".to_owned()),
        Some(t) => verify(t, &st.public_pem, &st.project_id),
    };
    if let Err(why) = verdict {
        st.refused.push(why);
        st.requests.push((now, 401, vars));
        return error(StatusCode::UNAUTHORIZED, "invalid access token");
    }
    let token = token.unwrap_or_default();
    if !st.tokens.contains(&token) {
        st.tokens.push(token);
    }
    if let Some(i) = st.inject.pop_front() {
        return match i {
            Inject::Status(code, retry_after) => {
                st.requests.push((now, code, vars));
                let mut r = error(StatusCode::from_u16(code).unwrap(), "injected");
                if let Some(ra) = retry_after {
                    r.headers_mut().insert("retry-after", ra.parse().unwrap());
                }
                r
            }
            Inject::GraphQlError(m) => {
                st.requests.push((now, 200, vars));
                axum::Json(json!({"errors": [{"message": m}], "data": null})).into_response()
            }
        };
    }
    let query = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b.get("query").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    if !query.contains("auditLogs(") || !query.contains("pageInfo") {
        st.requests.push((now, 400, vars));
        return error(StatusCode::BAD_REQUEST, "not an auditLogs query");
    }
    st.requests.push((now, 200, vars.clone()));
    let first = vars["first"].as_u64().unwrap_or(10) as usize;
    let range_from = vars["rangeFrom"]
        .as_str()
        .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
    let types: Option<Vec<String>> = vars["activityTypes"].as_array().map(|a| {
        a.iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    });
    let mut list: Vec<&Node> = st
        .nodes
        .iter()
        .filter(|n| range_from.is_none_or(|r| n.created_at >= r))
        .filter(|n| types.as_ref().is_none_or(|t| t.contains(&n.activity_type)))
        .collect();
    list.sort_by_key(|n| (n.created_at, n.tie));
    if vars["sortDirection"].as_str() != Some("ASC") {
        list.reverse(); // the Admin API's default is DESC
    }
    let start = match vars["after"].as_str() {
        Some(c) => c
            .strip_prefix("offset:")
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(0, |n| n + 1),
        None => 0,
    };
    let end = (start + first).min(list.len());
    let edges: Vec<Value> = (start.min(end)..end)
        .map(|i| json!({"cursor": format!("offset:{i}"), "node": list[i].json}))
        .collect();
    let end_cursor = edges
        .last()
        .map(|e| e["cursor"].clone())
        .unwrap_or(Value::Null);
    axum::Json(json!({"data": {"auditLogs": {
        "edges": edges,
        "pageInfo": {"hasNextPage": end < list.len(), "endCursor": end_cursor},
        "totalCount": list.len(),
    }}}))
    .into_response()
}

fn verify(token: &str, public_pem: &[u8], project_id: &str) -> Result<(), String> {
    let header = decode_header(token).map_err(|e| format!("header: {e}"))?;
    if header.alg != Algorithm::RS256 {
        return Err("alg".into());
    }
    if header.kid.as_deref() != Some(KID) {
        return Err("kid".into());
    }
    if header.typ.as_deref() != Some("JWT") {
        return Err("typ".into());
    }
    let key = DecodingKey::from_rsa_pem(public_pem).map_err(|e| format!("key: {e}"))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[project_id]);
    v.leeway = 0;
    v.set_required_spec_claims(&["exp", "aud"]);
    let c = decode::<Claims>(token, &key, &v)
        .map_err(|e| format!("claims: {e}"))?
        .claims;
    if c.aud != [project_id.to_owned()] {
        return Err("aud".into());
    }
    if c.exp - c.iat > 300 || c.exp <= c.iat {
        return Err("lifetime".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Events.

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 0, 0, 0).unwrap()
}

/// `n` nodes from the generator, `per_second` per second from `start`, ids `<tag>-<i>`.
fn make_nodes(
    tag: &str,
    seed: u64,
    mix: Mix,
    n: usize,
    start: DateTime<Utc>,
    per_second: usize,
) -> Vec<Node> {
    let mut g = Generator::new(GeneratorOptions {
        seed,
        mix,
        ..GeneratorOptions::default()
    });
    (0..n)
        .map(|i| {
            let created_at = start + chrono::Duration::seconds((i / per_second) as i64);
            node(&mut g, &format!("{tag}-{i:05}"), created_at, i as i64)
        })
        .collect()
}

fn node(g: &mut Generator, event_id: &str, created_at: DateTime<Utc>, tie: i64) -> Node {
    let mut data = g.next_event();
    data["id"] = json!(event_id);
    data["context"]["timestamp"] = json!(created_at.timestamp());
    let activity_type = activity_type_of(data["type"].as_str().unwrap());
    let ctx = data["context"].clone();
    let json = json!({
        "id": format!("QXVkaXRMb2c6{event_id}"),
        "activityType": activity_type,
        "createdAt": created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "ipAddress": ctx.get("ip_address").cloned().unwrap_or(Value::Null),
        "userAgent": ctx.get("user_agent").cloned().unwrap_or(Value::Null),
        "clientID": ctx.get("client_id").cloned().unwrap_or(Value::Null),
        "data": data,
    });
    Node {
        created_at,
        tie,
        event_id: event_id.to_owned(),
        activity_type,
        json,
    }
}

// ---------------------------------------------------------------------------------------------
// The pipeline.

struct Setup<'a> {
    project_id: &'a str,
    server: &'a TestServer,
    dir: &'a Path,
    key: &'a str,
    page_size: u32,
    extra: &'a str,
}

impl Setup<'_> {
    fn out(&self) -> PathBuf {
        self.dir.join("out.jsonl")
    }

    fn checkpoint(&self) -> PathBuf {
        self.dir.join("state").join("checkpoint.json")
    }

    fn yaml(&self) -> String {
        format!(
            r#"
sources:
  - type: audit_log_api
    project_id: {project}
    endpoint: {endpoint}
    key_id: {KID}
    private_key: {{ file: "{key}" }}
    page_size: {page_size}
    poll_interval_secs: 0.2
    checkpoint: "{checkpoint}"
{extra}
sinks:
  - type: file
    path: "{out}"
dead_letter:
  path: "{dead}"
shutdown:
  drain_timeout_secs: 5
"#,
            project = self.project_id,
            endpoint = self.server.endpoint(),
            key = fixture(self.key).display(),
            page_size = self.page_size,
            checkpoint = self.checkpoint().display(),
            extra = self.extra,
            out = self.out().display(),
            dead = self.dir.join("dead.jsonl").display(),
        )
    }
}

/// Exported records: (event id, activity type), in file order.
fn exported(out: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(out) else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(req) = serde_json::from_str::<Value>(line) else {
            continue; // a line being written
        };
        for rl in req["resourceLogs"].as_array().into_iter().flatten() {
            for sl in rl["scopeLogs"].as_array().into_iter().flatten() {
                for r in sl["logRecords"].as_array().into_iter().flatten() {
                    let attr = |k: &str| {
                        r["attributes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|a| a["key"] == k)
                            .and_then(|a| a["value"]["stringValue"].as_str())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    v.push((attr("log.record.uid"), attr("audit.activity_type")));
                }
            }
        }
    }
    v
}

fn counts(ids: &[(String, String)]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (id, _) in ids {
        *m.entry(id.clone()).or_default() += 1;
    }
    m
}

/// A running pipeline.
struct Running {
    handle: RunHandle,
    task: tokio::task::JoinHandle<Result<RunSummary, RunError>>,
}

fn start(yaml: &str) -> Running {
    logs();
    let cfg = PipelineConfig::from_yaml(yaml, "test").expect("config");
    let pipeline = Pipeline::build(cfg).expect("build");
    let handle = RunHandle::new();
    let h = handle.clone();
    let task = tokio::spawn(async move { pipeline.run_with(h).await });
    Running { handle, task }
}

impl Running {
    async fn stop(self) -> Result<RunSummary, RunError> {
        self.handle.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("the pipeline stops promptly")
            .expect("join")
    }
}

/// Waits until `cond` holds, or fails after `secs`.
async fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the server has answered `n` more successful page requests (the source polled
/// again after being caught up).
async fn wait_more_polls(server: &TestServer, n: usize) {
    let ok = |s: &TestServer| s.requests().iter().filter(|r| r.1 == 200).count();
    let before = ok(server);
    wait_for(30, "more polls", || ok(server) >= before + n).await;
}

fn checkpoint_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("checkpoint written")).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_through_everything_exactly_once() {
    let server = TestServer::start("pagesproj").await;
    let nodes = make_nodes("pg", 11, Mix::Realistic, 300, base_time(), 3);
    let last_time = nodes.last().unwrap().created_at;
    let last_ids: Vec<String> = nodes
        .iter()
        .filter(|n| n.created_at == last_time)
        .map(|n| format!("QXVkaXRMb2c6{}", n.event_id))
        .collect();
    server.add(nodes.clone());
    let dir = temp_dir("pages");
    let s = Setup {
        project_id: "pagesproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pem",
        page_size: 10,
        extra: "",
    };
    let run = start(&s.yaml());
    wait_for(60, "300 records", || exported(&s.out()).len() >= 300).await;
    // Caught up: a few more polls must bring nothing new.
    wait_more_polls(&server, 3).await;
    let summary = run.stop().await.expect("run ok");

    let got = exported(&s.out());
    let c = counts(&got);
    assert_eq!(got.len(), 300, "every event exactly once");
    assert_eq!(c.len(), 300);
    for n in &nodes {
        assert_eq!(c.get(&n.event_id), Some(&1), "{}", n.event_id);
    }
    assert_eq!(
        summary.received, 300,
        "no node handed to the pipeline twice"
    );
    assert_eq!(summary.duplicates, 0);
    assert_eq!(summary.rejected, 0);

    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.1 == 200));
    assert!(reqs.len() >= 30, "30 pages at least: {}", reqs.len());
    for (_, _, v) in &reqs {
        assert_eq!(v["first"], 10);
        assert_eq!(v["sortDirection"], "ASC");
        assert!(v.get("activityTypes").is_none());
    }
    assert!(
        reqs[0].2.get("rangeFrom").is_none(),
        "no start_time, no checkpoint: from the start"
    );
    assert!(reqs[0].2.get("after").is_none());
    assert_eq!(reqs[1].2["after"], "offset:9", "follows endCursor");
    // Long catch-ups start again from the checkpoint, so offsets stay small.
    let max_offset = reqs
        .iter()
        .filter_map(|r| r.2["after"].as_str())
        .filter_map(|c| c.strip_prefix("offset:")?.parse::<usize>().ok())
        .max()
        .unwrap();
    assert!(max_offset < 220, "largest offset {max_offset}");
    assert!(
        reqs.iter()
            .any(|r| r.2.get("rangeFrom").is_some() && r.2.get("after").is_none()),
        "a later poll starts from the checkpoint"
    );

    let ck = checkpoint_json(&s.checkpoint());
    assert_eq!(ck["created_at"], "2025-06-02T00:01:39Z");
    let mut ids: Vec<String> = ck["ids_at_created_at"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut want = last_ids.clone();
    want.sort();
    assert_eq!(ids, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_types_filter_asks_the_server_for_those_types_only() {
    let server = TestServer::start("typesproj").await;
    let nodes = make_nodes("ty", 5, Mix::Uniform, 400, base_time(), 4);
    server.add(nodes.clone());
    let wanted = [
        "USER_AUTHENTICATED",
        "AUTHENTICATION_PRIMARY_PASSWORD_FAILED",
    ];
    let expected: Vec<&Node> = nodes
        .iter()
        .filter(|n| wanted.contains(&n.activity_type.as_str()))
        .collect();
    assert!(expected.len() >= 4, "the uniform mix has both types");
    let dir = temp_dir("types");
    let s = Setup {
        project_id: "typesproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pem",
        page_size: 2,
        // Either spelling is accepted.
        extra: "    activity_types: [USER_AUTHENTICATED, authentication.primary.password.failed]",
    };
    let run = start(&s.yaml());
    wait_for(60, "the filtered records", || {
        exported(&s.out()).len() >= expected.len()
    })
    .await;
    wait_more_polls(&server, 2).await;
    let summary = run.stop().await.expect("run ok");
    let got = exported(&s.out());
    assert_eq!(got.len(), expected.len());
    let c = counts(&got);
    for n in &expected {
        assert_eq!(c.get(&n.event_id), Some(&1));
    }
    assert!(got.iter().all(|(_, t)| wanted.contains(&t.as_str())));
    assert_eq!(summary.received as usize, expected.len());
    for (_, _, v) in server.requests() {
        assert_eq!(
            v["activityTypes"],
            json!(wanted),
            "normalized to the enum spelling"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_from_the_checkpoint_without_duplicates_or_gaps() {
    let server = TestServer::start("restartproj").await;
    let first = make_nodes("r1", 21, Mix::Realistic, 95, base_time(), 4);
    let last_time = first.last().unwrap().created_at;
    server.add(first.clone());
    let dir = temp_dir("restart");
    let s = Setup {
        project_id: "restartproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pem",
        page_size: 10,
        extra: "",
    };
    let run = start(&s.yaml());
    wait_for(60, "the first 95", || exported(&s.out()).len() >= 95).await;
    wait_more_polls(&server, 2).await;
    let first_summary = run.stop().await.expect("first run ok");
    assert_eq!(first_summary.received, 95);
    let ck = checkpoint_json(&s.checkpoint());
    assert_eq!(
        ck["created_at"],
        last_time.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    assert_eq!(ck["ids_at_created_at"].as_array().unwrap().len(), 3); // 95 = 23*4 + 3

    // While stopped: five more events in the checkpoint's second, which the server sorts
    // *before* the ones already delivered, and forty later ones.
    let mut g = Generator::new(GeneratorOptions {
        seed: 22,
        ..GeneratorOptions::default()
    });
    let mut second: Vec<Node> = (0..5)
        .map(|i| node(&mut g, &format!("r2-same-{i}"), last_time, -10 + i))
        .collect();
    second.extend(make_nodes(
        "r2",
        23,
        Mix::Realistic,
        40,
        last_time + chrono::Duration::seconds(1),
        4,
    ));
    server.add(second.clone());
    let requests_before = server.requests().len();

    let run = start(&s.yaml());
    wait_for(60, "all 140", || exported(&s.out()).len() >= 140).await;
    wait_more_polls(&server, 2).await;
    let second_summary = run.stop().await.expect("second run ok");

    let got = exported(&s.out());
    let c = counts(&got);
    assert_eq!(got.len(), 140, "no duplicates across the restart");
    for n in first.iter().chain(&second) {
        assert_eq!(c.get(&n.event_id), Some(&1), "{} exactly once", n.event_id);
    }
    assert_eq!(
        second_summary.received, 45,
        "the second run handed only new nodes to the pipeline"
    );
    assert_eq!(second_summary.duplicates, 0);
    let resumed = &server.requests()[requests_before];
    assert_eq!(
        resumed.2["rangeFrom"],
        last_time.to_rfc3339_opts(SecondsFormat::Secs, true),
        "the second run starts at the checkpoint's time"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renews_the_token_before_it_expires() {
    // A 3 s token renewed 2 s before expiry: a new token every second or so.
    set_token_timing_for_tests(
        "renewproj",
        TokenTiming {
            lifetime: Duration::from_secs(3),
            renew_before: Duration::from_secs(2),
        },
    );
    let server = TestServer::start("renewproj").await;
    server.add(make_nodes("rn", 31, Mix::Realistic, 20, base_time(), 2));
    let dir = temp_dir("renew");
    let s = Setup {
        project_id: "renewproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pem",
        page_size: 5,
        extra: "",
    };
    let run = start(&s.yaml());
    wait_for(60, "20 records", || exported(&s.out()).len() >= 20).await;
    let started = Instant::now();
    wait_for(30, "three tokens", || {
        server.state.lock().unwrap().tokens.len() >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let summary = run.stop().await.expect("run ok");
    let st = server.state.lock().unwrap();
    assert!(
        st.refused.is_empty(),
        "no token was used expired: {:?}",
        st.refused
    );
    assert!(
        st.requests.len() > st.tokens.len() * 2,
        "tokens are cached between requests: {} requests, {} tokens",
        st.requests.len(),
        st.tokens.len()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(summary.received, 20);
    assert_eq!(exported(&s.out()).len(), 20);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_out_throttling_server_errors_and_graphql_errors() {
    let server = TestServer::start("retryproj").await;
    let nodes = make_nodes("rt", 41, Mix::Realistic, 30, base_time(), 3);
    server.add(nodes.clone());
    server.inject(Inject::Status(429, Some("1")));
    server.inject(Inject::Status(500, None));
    server.inject(Inject::GraphQlError(
        "rate limit of the audit database reached",
    ));
    let dir = temp_dir("retry");
    let s = Setup {
        project_id: "retryproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pem",
        page_size: 10,
        extra: "",
    };
    let run = start(&s.yaml());
    wait_for(60, "30 records", || exported(&s.out()).len() >= 30).await;
    wait_more_polls(&server, 1).await;
    let summary = run.stop().await.expect("run ok");
    let got = exported(&s.out());
    assert_eq!(got.len(), 30);
    assert_eq!(counts(&got).len(), 30);
    assert_eq!(summary.received, 30);
    let reqs = server.requests();
    assert_eq!(reqs[0].1, 429);
    assert_eq!(reqs[1].1, 500);
    let gap = reqs[1].0 - reqs[0].0;
    assert!(
        gap >= Duration::from_millis(950),
        "Retry-After: 1 honoured ({gap:?})"
    );
    let gap = reqs[2].0 - reqs[1].0;
    assert!(
        gap >= Duration::from_millis(450),
        "backs off after a 500 ({gap:?})"
    );
    let gap = reqs[3].0 - reqs[2].0;
    assert!(
        gap >= Duration::from_millis(450),
        "backs off after GraphQL errors ({gap:?})"
    );
    let text = log_text();
    assert!(
        text.contains("rate limit of the audit database reached"),
        "the server's GraphQL message is logged"
    );
    assert!(text.contains("throttling"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_gets_401_is_logged_and_the_source_keeps_running() {
    let server = TestServer::start("wrongkeyproj").await;
    server.add(make_nodes("wk", 51, Mix::Realistic, 10, base_time(), 2));
    let dir = temp_dir("wrongkey");
    let s = Setup {
        project_id: "wrongkeyproj",
        server: &server,
        dir: &dir,
        // A valid RSA key (PKCS#1 PEM), but not the project's.
        key: "other_key_pkcs1.pem",
        page_size: 10,
        extra: "",
    };
    let run = start(&s.yaml());
    wait_for(30, "a refused request", || {
        !server.state.lock().unwrap().refused.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!run.task.is_finished(), "the source does not crash on 401");
    let stopped = Instant::now();
    let summary = run.stop().await.expect("a 401 is not a source failure");
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "the long back-off is cut short by shutdown"
    );
    assert_eq!(summary.received, 0);
    assert!(exported(&s.out()).is_empty());
    {
        let st = server.state.lock().unwrap();
        assert_eq!(st.requests.len(), 1, "backs off (long) after a 401");
        assert!(st.refused[0].contains("claims"), "{:?}", st.refused);
    }
    let text = log_text();
    let line = text
        .lines()
        .find(|l| l.contains("wrongkeyproj") && l.contains("check key_id and private_key"))
        .expect("the 401 is logged with the fix");
    assert!(line.contains("401"), "{line}");
    // Nothing of the key reaches the logs.
    let pem = std::fs::read_to_string(fixture("other_key_pkcs1.pem")).unwrap();
    for body_line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(body_line), "key material in the logs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_key_is_a_source_error_naming_private_key() {
    let server = TestServer::start("badkeyproj").await;
    let dir = temp_dir("badkey");
    let s = Setup {
        project_id: "badkeyproj",
        server: &server,
        dir: &dir,
        key: "test_key_pkcs8.pub.pem",
        page_size: 10,
        extra: "",
    };
    let run = start(&s.yaml());
    let result = tokio::time::timeout(Duration::from_secs(15), run.task)
        .await
        .expect("the pipeline stops by itself")
        .expect("join");
    let err = match result {
        Err(RunError::Source(e)) => e,
        other => panic!("expected a source error, got {other:?}"),
    };
    let msg = err.to_string();
    assert!(msg.contains("`private_key`"), "{msg}");
    assert!(msg.contains("public key"), "{msg}");
    let pem = std::fs::read_to_string(fixture("test_key_pkcs8.pub.pem")).unwrap();
    for body_line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!msg.contains(body_line), "key material in the error");
    }
    assert!(
        server.requests().is_empty(),
        "nothing was asked of the server"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
