//! The deployment assets: `examples/kubernetes` (kustomize base, sidecar, collector-gateway
//! overlay) and `examples/grafana` (compose stack, Loki, Grafana dashboard).
//!
//! - every YAML document under `examples/kubernetes` parses, and every kustomization lists only
//!   files that exist (and every manifest beside it is listed);
//! - the Deployments run the audit-otel sidecar with a pipeline from a ConfigMap, probes on
//!   `/healthz` and `/readyz` at the pipeline's admin port, resources, a locked-down security
//!   context, and secrets from a Secret (referenced, never inlined in a ConfigMap);
//! - the compose file parses and its services, mounts and addresses fit together;
//! - the dashboard reproduces the platform's audit log page (two views, an activity-type
//!   variable over the whole catalog, counts per category, failed authentications by client and
//!   by IP, event details), and **every LogQL expression names only labels and structured
//!   metadata that our records carry in Loki**: the attribute constants of `audit_otel::otel::attr`
//!   (and the keys actually emitted under their prefixes) with dots replaced by underscores,
//!   the resource attributes our pipelines set, and Loki's own fields.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use audit_otel::catalog::{Catalog, Category, View};
use audit_otel::event::ParseOptions;
use audit_otel::generate::{Generator, GeneratorOptions, Mix};
use audit_otel::otel::attr;
use audit_otel::otel::proto::any_to_json;
use audit_otel::redact::Redactor;
use audit_otel::AuditCore;
use regex::Regex;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

// ---------------------------------------------------------------------------------------------
// Files and YAML

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn k8s_dir() -> PathBuf {
    root().join("examples/kubernetes")
}

fn grafana_dir() -> PathBuf {
    root().join("examples/grafana")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// YAML → JSON values, so that the checks below can use `serde_json`'s indexing.
fn yaml_to_json(y: &Yaml, file: &Path) -> Value {
    match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(a) => Value::Array(a.iter().map(|v| yaml_to_json(v, file)).collect()),
        Yaml::Hash(h) => {
            let mut m = serde_json::Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(s) => s.clone(),
                    other => panic!("{}: unsupported mapping key {other:?}", file.display()),
                };
                assert!(
                    m.insert(key.clone(), yaml_to_json(v, file)).is_none(),
                    "{}: duplicate key {key}",
                    file.display()
                );
            }
            Value::Object(m)
        }
        Yaml::Alias(_) | Yaml::BadValue => panic!("{}: unsupported YAML value", file.display()),
    }
}

/// Every non-empty document of a YAML text.
fn parse_yaml_docs(text: &str, file: &Path) -> Vec<Value> {
    let docs = YamlLoader::load_from_str(text)
        .unwrap_or_else(|e| panic!("{}: YAML does not parse: {e}", file.display()));
    docs.iter()
        .map(|d| yaml_to_json(d, file))
        .filter(|v| !v.is_null())
        .collect()
}

fn yaml_docs(path: &Path) -> Vec<Value> {
    parse_yaml_docs(&read(path), path)
}

fn yaml_doc(path: &Path) -> Value {
    let mut docs = yaml_docs(path);
    assert_eq!(docs.len(), 1, "{}: one YAML document", path.display());
    docs.remove(0)
}

fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("a list of strings").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// A small kustomize: enough of it to see what the examples' kustomizations produce

/// A kustomization's output: manifests, with the ConfigMaps its generators make (by name,
/// without kustomize's hash suffix) and the files each generated key came from.
#[derive(Debug, Default, Clone)]
struct Rendered {
    manifests: Vec<(PathBuf, Value)>,
    generated: BTreeMap<String, BTreeMap<String, PathBuf>>,
}

fn generator_files(entry: &Value, dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = BTreeMap::new();
    for f in str_list(&entry["files"]) {
        let (key, rel) = match f.split_once('=') {
            Some((k, p)) => (k.to_owned(), p.to_owned()),
            None => (
                Path::new(&f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f.clone(),
            ),
        };
        let path = dir.join(&rel);
        assert!(
            path.is_file(),
            "{}: generator file {rel} does not exist",
            dir.display()
        );
        files.insert(key, path);
    }
    files
}

fn render(dir: &Path) -> Rendered {
    let kpath = dir.join("kustomization.yaml");
    assert!(kpath.is_file(), "{} is not a kustomization", dir.display());
    let k = yaml_doc(&kpath);
    assert_eq!(
        k["kind"],
        "Kustomization",
        "{}: kind Kustomization",
        kpath.display()
    );
    let mut out = Rendered::default();
    for r in str_list(&k["resources"]) {
        let p = dir.join(&r);
        if p.is_dir() {
            let sub = render(&p);
            out.manifests.extend(sub.manifests);
            for (name, files) in sub.generated {
                assert!(
                    out.generated.insert(name.clone(), files).is_none(),
                    "{}: ConfigMap {name} generated twice",
                    kpath.display()
                );
            }
        } else {
            assert!(
                p.is_file(),
                "{}: resource {r} does not exist",
                kpath.display()
            );
            for doc in yaml_docs(&p) {
                out.manifests.push((p.clone(), doc));
            }
        }
    }
    for key in ["patches", "patchesStrategicMerge", "components", "crds"] {
        if let Some(items) = k[key].as_array() {
            for item in items {
                let rel = item
                    .as_str()
                    .or_else(|| item["path"].as_str())
                    .map(str::to_owned);
                if let Some(rel) = rel {
                    assert!(
                        dir.join(&rel).exists(),
                        "{}: {key} entry {rel} does not exist",
                        kpath.display()
                    );
                }
            }
        }
    }
    if let Some(gens) = k["configMapGenerator"].as_array() {
        for g in gens {
            let name = g["name"].as_str().expect("generator name").to_owned();
            let files = generator_files(g, dir);
            match g["behavior"].as_str().unwrap_or("create") {
                "create" => assert!(
                    out.generated.insert(name.clone(), files).is_none(),
                    "{}: ConfigMap {name} generated twice",
                    kpath.display()
                ),
                "replace" => assert!(
                    out.generated.insert(name.clone(), files).is_some(),
                    "{}: ConfigMap {name} replaced but not generated by a base",
                    kpath.display()
                ),
                "merge" => out.generated.entry(name).or_default().extend(files),
                other => panic!("{}: behavior {other}", kpath.display()),
            }
        }
    }
    if let Some(gens) = k["secretGenerator"].as_array() {
        for g in gens {
            for path in generator_files(g, dir).values() {
                assert!(path.is_file());
            }
        }
    }
    if let Some(ns) = k["namespace"].as_str() {
        for (_, m) in &mut out.manifests {
            if m["kind"] != "Namespace" {
                m["metadata"]["namespace"] = Value::String(ns.to_owned());
            }
        }
    }
    out
}

/// The kustomizations a user applies.
fn roots() -> Vec<PathBuf> {
    vec![k8s_dir(), k8s_dir().join("overlays/collector-gateway")]
}

fn find<'a>(r: &'a Rendered, kind: &str) -> Vec<&'a Value> {
    r.manifests
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m["kind"] == kind)
        .collect()
}

/// The text of a ConfigMap key, generated or written out.
fn config_map_text(r: &Rendered, name: &str, key: &str) -> String {
    if let Some(files) = r.generated.get(name) {
        let path = files
            .get(key)
            .unwrap_or_else(|| panic!("ConfigMap {name} has no key {key}"));
        return read(path);
    }
    for cm in find(r, "ConfigMap") {
        if cm["metadata"]["name"] == name {
            return cm["data"][key]
                .as_str()
                .unwrap_or_else(|| panic!("ConfigMap {name} has no key {key}"))
                .to_owned();
        }
    }
    panic!("no ConfigMap {name}")
}

/// Every ConfigMap text of a rendering: (what, text).
fn all_config_map_texts(r: &Rendered) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, files) in &r.generated {
        for (key, path) in files {
            out.push((format!("ConfigMap {name} key {key}"), read(path)));
        }
    }
    for cm in find(r, "ConfigMap") {
        if let Some(data) = cm["data"].as_object() {
            for (key, v) in data {
                out.push((
                    format!("ConfigMap {} key {key}", cm["metadata"]["name"]),
                    v.as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

fn pod_spec(deployment: &Value) -> &Value {
    let spec = &deployment["spec"]["template"]["spec"];
    assert!(spec.is_object(), "Deployment without a pod template");
    spec
}

fn all_containers(pod: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = pod["containers"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if let Some(init) = pod["initContainers"].as_array() {
        out.extend(init.iter());
    }
    out
}

/// The audit-otel container: a regular container, or a native sidecar (an init container with
/// `restartPolicy: Always`).
fn sidecar(pod: &Value) -> Option<&Value> {
    if let Some(c) = pod["containers"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "audit-otel"))
    {
        return Some(c);
    }
    let c = pod["initContainers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == "audit-otel")?;
    assert_eq!(
        c["restartPolicy"], "Always",
        "an audit-otel init container must be a native sidecar (restartPolicy: Always)"
    );
    Some(c)
}

fn port_of_listen(listen: &str) -> u64 {
    listen
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{listen}: no port"))
}

/// A probe's port, with named ports resolved against the container's ports.
fn probe_port(container: &Value, probe: &str) -> (String, u64) {
    let get = &container[probe]["httpGet"];
    let path = get["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{probe}: no httpGet.path"))
        .to_owned();
    let port = match &get["port"] {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(name) => container["ports"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == *name))
            .and_then(|p| p["containerPort"].as_u64())
            .unwrap_or_else(|| panic!("{probe}: named port {name} is not declared")),
        other => panic!("{probe}: port {other}"),
    };
    (path, port)
}

fn check_resources(c: &Value, what: &str) {
    for bound in ["requests", "limits"] {
        for res in ["cpu", "memory"] {
            assert!(
                !c["resources"][bound][res].is_null(),
                "{what}: resources.{bound}.{res} is not set"
            );
        }
    }
}

fn check_security(pod: &Value, c: &Value, what: &str) {
    let sc = &c["securityContext"];
    let non_root = sc["runAsNonRoot"]
        .as_bool()
        .or_else(|| pod["securityContext"]["runAsNonRoot"].as_bool());
    assert_eq!(non_root, Some(true), "{what}: runAsNonRoot");
    assert_eq!(
        sc["readOnlyRootFilesystem"], true,
        "{what}: readOnlyRootFilesystem"
    );
    assert_eq!(
        sc["allowPrivilegeEscalation"], false,
        "{what}: allowPrivilegeEscalation"
    );
    assert!(
        str_list(&sc["capabilities"]["drop"]).contains(&"ALL".to_owned()),
        "{what}: capabilities.drop [ALL]"
    );
    assert!(
        sc["capabilities"]["add"].is_null(),
        "{what}: no added capabilities"
    );
    assert_ne!(sc["privileged"], true, "{what}: not privileged");
}

/// Environment variables a pipeline reads secrets from: `{ env: NAME }` anywhere, `key_env`.
fn secret_env_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if (k == "env" || k == "key_env") && v.is_string() {
                    out.insert(v.as_str().unwrap().to_owned());
                } else {
                    secret_env_refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| secret_env_refs(v, out)),
        _ => {}
    }
}

/// What a pipeline file must be (the runtime's full schema is checked by `audit-otel validate`):
/// YAML with sources and sinks, and no secret written into it.
fn check_pipeline(text: &str, what: &str) -> Value {
    let docs = parse_yaml_docs(text, Path::new(what));
    assert_eq!(docs.len(), 1, "{what}: one YAML document");
    let p = docs.into_iter().next().unwrap();
    for key in ["sources", "sinks"] {
        assert!(
            p[key].as_array().is_some_and(|a| !a.is_empty()),
            "{what}: `{key}` must be a non-empty list"
        );
        for item in p[key].as_array().unwrap() {
            assert!(
                item["type"].is_string(),
                "{what}: every {key} entry has a type"
            );
        }
    }
    if let Some(ps) = p["redaction"]["pseudonymization"].as_object() {
        for k in ps.keys() {
            assert!(
                ["key_id", "key_env", "key_file"].contains(&k.as_str()),
                "{what}: redaction.pseudonymization.{k}: the key is read from key_env or key_file, never written here"
            );
        }
    }
    let secret_header = Regex::new(r"(?i)auth|key|token|secret|password|cookie").unwrap();
    for (i, sink) in p["sinks"].as_array().unwrap().iter().enumerate() {
        if let Some(h) = sink["headers"].as_object() {
            for (name, v) in h.iter().filter(|(n, _)| secret_header.is_match(n)) {
                assert!(
                    v["env"].is_string() || v["file"].is_string(),
                    "{what}: sinks[{i}].headers.{name} must be {{ env: NAME }} or {{ file: PATH }}, not a literal"
                );
            }
        }
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

#[test]
fn every_kubernetes_yaml_document_parses() {
    let files = files_under(&k8s_dir(), &["yaml", "yml"]);
    assert!(files.len() >= 10, "examples/kubernetes: {files:?}");
    let mut manifests = 0;
    for f in &files {
        let docs = yaml_docs(f);
        assert!(!docs.is_empty(), "{}: empty", f.display());
        for d in docs {
            assert!(
                d.is_object(),
                "{}: a document is not a mapping",
                f.display()
            );
            if d["kind"].is_string() && d["kind"] != "Kustomization" {
                manifests += 1;
                assert!(
                    d["apiVersion"].is_string(),
                    "{}: apiVersion missing",
                    f.display()
                );
                assert!(
                    d["metadata"]["name"].is_string(),
                    "{}: {} without metadata.name",
                    f.display(),
                    d["kind"]
                );
            }
        }
    }
    assert!(manifests >= 6, "{manifests} manifests");
}

#[test]
fn kustomizations_list_files_that_exist_and_nothing_is_left_out() {
    let mut kustomizations = files_under(&k8s_dir(), &["yaml"]);
    kustomizations.retain(|p| p.file_name().unwrap() == "kustomization.yaml");
    assert!(kustomizations.len() >= 3, "{kustomizations:?}");
    for k in &kustomizations {
        let dir = k.parent().unwrap();
        let r = render(dir);
        assert!(!r.manifests.is_empty(), "{}: renders nothing", k.display());
        // Every manifest file beside a kustomization is one of its resources (a file that is
        // not listed would silently not be applied).
        let doc = yaml_doc(k);
        let listed: BTreeSet<PathBuf> = str_list(&doc["resources"])
            .iter()
            .map(|r| dir.join(r))
            .collect();
        let generator_inputs: BTreeSet<PathBuf> = r
            .generated
            .values()
            .flat_map(|f| f.values().cloned())
            .collect();
        for f in files_under(dir, &["yaml", "yml"]) {
            if f.parent() != Some(dir) || f == *k || generator_inputs.contains(&f) {
                continue;
            }
            let is_manifest = yaml_docs(&f).iter().any(|d| d["kind"].is_string());
            if is_manifest {
                assert!(
                    listed.contains(&f),
                    "{} is a manifest that {} does not list",
                    f.display(),
                    k.display()
                );
            }
        }
    }
}

#[test]
fn deployments_run_the_sidecar_with_probes_resources_and_a_locked_down_context() {
    for dir in roots() {
        let r = render(&dir);
        let what_root = dir.display().to_string();
        let deployments = find(&r, "Deployment");
        let with_sidecar: Vec<&Value> = deployments
            .iter()
            .copied()
            .filter(|d| sidecar(pod_spec(d)).is_some())
            .collect();
        assert!(
            !with_sidecar.is_empty(),
            "{what_root}: no Deployment runs the audit-otel sidecar"
        );
        for d in deployments {
            let pod = pod_spec(d);
            let name = d["metadata"]["name"].as_str().unwrap();
            assert!(
                !d["metadata"]["namespace"].is_null(),
                "{what_root}: Deployment {name} has no namespace"
            );
            for c in all_containers(pod) {
                let what = format!("{what_root}: Deployment {name}, container {}", c["name"]);
                check_resources(c, &what);
                check_security(pod, c, &what);
                assert!(
                    !c["livenessProbe"].is_null() || c["name"] != "otel-collector",
                    "{what}: liveness probe"
                );
            }
            assert_eq!(
                pod["automountServiceAccountToken"], false,
                "{what_root}: Deployment {name} needs no API token"
            );
            let Some(sc) = sidecar(pod) else { continue };
            let what = format!("{what_root}: Deployment {name}, sidecar");

            // The image and the command.
            assert!(
                sc["image"].as_str().unwrap().starts_with("audit-otel"),
                "{what}: image {}",
                sc["image"]
            );
            let args = str_list(&sc["args"]);
            assert_eq!(
                args.first().map(String::as_str),
                Some("run"),
                "{what}: args {args:?}"
            );
            let pipeline_path = args
                .iter()
                .position(|a| a == "--pipeline")
                .and_then(|i| args.get(i + 1))
                .unwrap_or_else(|| panic!("{what}: no --pipeline in {args:?}"))
                .clone();
            assert_eq!(pipeline_path, "/etc/audit-otel/pipeline.yaml", "{what}");

            // The pipeline comes from a ConfigMap volume.
            let mount = sc["volumeMounts"]
                .as_array()
                .and_then(|ms| {
                    ms.iter().find(|m| {
                        let mp = m["mountPath"].as_str().unwrap_or_default();
                        mp == pipeline_path || pipeline_path.starts_with(&format!("{mp}/"))
                    })
                })
                .unwrap_or_else(|| panic!("{what}: nothing is mounted at {pipeline_path}"));
            let key = mount["subPath"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    Path::new(&pipeline_path)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                });
            let volume = pod["volumes"]
                .as_array()
                .and_then(|vs| vs.iter().find(|v| v["name"] == mount["name"]))
                .unwrap_or_else(|| panic!("{what}: volume {} not declared", mount["name"]));
            let cm_name = volume["configMap"]["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: the pipeline volume is not a ConfigMap"));
            let text = config_map_text(&r, cm_name, &key);
            let pipeline = check_pipeline(&text, &format!("{what}: ConfigMap {cm_name}/{key}"));

            // The sources the app sends to: the OTLP receiver on the pod's loopback.
            let otlp = pipeline["sources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["type"] == "otlp")
                .unwrap_or_else(|| panic!("{what}: the sidecar pipeline has no otlp source"));
            for (k, port) in [("grpc_listen", 4317), ("http_listen", 4318)] {
                let listen = otlp[k].as_str().unwrap_or_default();
                assert_eq!(
                    listen,
                    format!("127.0.0.1:{port}"),
                    "{what}: sources otlp {k}"
                );
            }

            // Probes on the admin port.
            let admin_port = port_of_listen(
                pipeline["admin"]["listen"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{what}: the pipeline has no admin.listen")),
            );
            assert_eq!(admin_port, 8888, "{what}: admin port");
            assert!(
                pipeline["admin"]["listen"]
                    .as_str()
                    .unwrap()
                    .starts_with("0.0.0.0:"),
                "{what}: the kubelet probes the pod IP, so admin must not listen on loopback only"
            );
            for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
                assert_eq!(
                    probe_port(sc, probe),
                    (path.to_owned(), admin_port),
                    "{what}: {probe}"
                );
            }
            if !sc["startupProbe"].is_null() {
                assert_eq!(probe_port(sc, "startupProbe").1, admin_port, "{what}");
            }

            // Secrets: every variable the pipeline reads a secret from comes from a Secret.
            let mut refs = BTreeSet::new();
            secret_env_refs(&pipeline, &mut refs);
            assert!(
                refs.contains("AUDIT_OTEL_HMAC_KEY"),
                "{what}: the pseudonymization key must come from the environment"
            );
            let secrets = find(&r, "Secret");
            for var in &refs {
                let env = sc["env"]
                    .as_array()
                    .and_then(|es| es.iter().find(|e| e["name"] == var.as_str()))
                    .unwrap_or_else(|| {
                        panic!("{what}: the pipeline reads {var}, the container does not set it")
                    });
                assert!(env["value"].is_null(), "{what}: {var} is written inline");
                let sref = &env["valueFrom"]["secretKeyRef"];
                let (sname, skey) = (sref["name"].as_str(), sref["key"].as_str());
                let (Some(sname), Some(skey)) = (sname, skey) else {
                    panic!("{what}: {var} does not come from a secretKeyRef")
                };
                let secret = secrets
                    .iter()
                    .find(|s| s["metadata"]["name"] == sname)
                    .unwrap_or_else(|| panic!("{what}: no Secret {sname}"));
                assert!(
                    !secret["stringData"][skey].is_null() || !secret["data"][skey].is_null(),
                    "{what}: Secret {sname} has no key {skey}"
                );
            }

            // The app sends to the sidecar over the pod's loopback.
            let app_env: Vec<String> = pod["containers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["name"] != "audit-otel")
                .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
                .filter_map(|e| e["value"].as_str().map(str::to_owned))
                .collect();
            assert!(
                app_env.iter().any(|v| v == "http://127.0.0.1:4317"),
                "{what}: the app does not send OTLP to the sidecar ({app_env:?})"
            );
        }
    }
}

#[test]
fn secrets_are_referenced_never_inlined_in_config_maps() {
    for dir in roots() {
        let r = render(&dir);
        let secrets = find(&r, "Secret");
        assert!(!secrets.is_empty(), "{}: no example Secret", dir.display());
        let mut values = Vec::new();
        for s in &secrets {
            for field in ["stringData", "data"] {
                if let Some(m) = s[field].as_object() {
                    values.extend(m.values().filter_map(|v| v.as_str()).map(str::to_owned));
                }
            }
        }
        let texts = all_config_map_texts(&r);
        assert!(!texts.is_empty());
        for (what, text) in &texts {
            for v in &values {
                assert!(
                    !text.contains(v.as_str()),
                    "{}: {what} contains a Secret's value",
                    dir.display()
                );
            }
        }
        // The example Secret holds placeholders only.
        for v in &values {
            assert!(
                v.contains("PLACEHOLDER"),
                "{}: the example Secret must hold placeholders",
                dir.display()
            );
        }
    }
    let secret_file = read(&k8s_dir().join("base/secret.example.yaml"));
    assert!(
        secret_file.contains("kubectl -n audit-otel-demo create secret generic audit-otel-secrets"),
        "secret.example.yaml says how to create the real Secret"
    );
}

#[test]
fn the_collector_gateway_overlay_forwards_to_the_gateway_and_loki() {
    let dir = k8s_dir().join("overlays/collector-gateway");
    let r = render(&dir);
    let gw = find(&r, "Deployment")
        .into_iter()
        .find(|d| d["metadata"]["name"] == "otel-collector-gateway")
        .expect("the gateway Deployment");
    let pod = pod_spec(gw);
    let c = &pod["containers"][0];
    assert!(c["image"]
        .as_str()
        .unwrap()
        .starts_with("otel/opentelemetry-collector-contrib"));
    let svc = find(&r, "Service")
        .into_iter()
        .find(|s| s["metadata"]["name"] == "otel-collector-gateway")
        .expect("the gateway Service");
    let svc_ports: BTreeSet<u64> = svc["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert!(svc_ports.contains(&4317) && svc_ports.contains(&4318));

    // The collector's configuration.
    let vol = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| !v["configMap"].is_null())
        .expect("a config volume");
    let cm = vol["configMap"]["name"].as_str().unwrap();
    let cfg_text = config_map_text(&r, cm, "config.yaml");
    let cfg = parse_yaml_docs(&cfg_text, Path::new("otelcol-gateway.yaml")).remove(0);
    check_collector_config(&cfg, "gateway");
    let mount = c["volumeMounts"][0]["mountPath"].as_str().unwrap();
    assert!(str_list(&c["args"]).contains(&format!("--config={mount}/config.yaml")));

    // The sidecar's sink is the gateway's gRPC port.
    let dep = find(&r, "Deployment")
        .into_iter()
        .find(|d| sidecar(pod_spec(d)).is_some())
        .unwrap();
    let vname = sidecar(pod_spec(dep)).unwrap()["volumeMounts"][0]["name"].clone();
    let pvol = pod_spec(dep)["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == vname)
        .unwrap();
    let text = config_map_text(
        &r,
        pvol["configMap"]["name"].as_str().unwrap(),
        "pipeline.yaml",
    );
    let p = check_pipeline(&text, "overlay pipeline");
    assert_eq!(p["sinks"][0]["type"], "otlp");
    assert_eq!(
        p["sinks"][0]["endpoint"], "http://otel-collector-gateway:4317",
        "the overlay's sidecar forwards to the gateway Service"
    );
}

fn check_collector_config(cfg: &Value, what: &str) {
    assert!(
        !cfg["receivers"]["otlp"]["protocols"]["grpc"].is_null(),
        "{what}: OTLP/gRPC receiver"
    );
    let logs = &cfg["service"]["pipelines"]["logs"];
    assert!(str_list(&logs["receivers"]).contains(&"otlp".to_owned()));
    let exporters = str_list(&logs["exporters"]);
    let loki = exporters
        .iter()
        .find(|e| e.starts_with("otlphttp"))
        .unwrap_or_else(|| panic!("{what}: no otlphttp exporter in the logs pipeline"));
    let endpoint = cfg["exporters"][loki.as_str()]["endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: exporter {loki} has no endpoint"));
    assert!(
        endpoint.ends_with(":3100/otlp"),
        "{what}: Loki's OTLP endpoint is <loki>:3100/otlp (the exporter appends /v1/logs), not {endpoint}"
    );
    assert!(
        exporters.contains(&"debug".to_owned()),
        "{what}: debug exporter"
    );
    for list in ["receivers", "processors", "exporters"] {
        for name in str_list(&logs[list]) {
            assert!(
                !cfg[list][name.as_str()].is_null() || cfg[list].get(&name).is_some(),
                "{what}: {list} {name} is used but not configured"
            );
        }
    }
}

/// When kubectl is installed, its kustomize must agree with ours on what is produced.
#[test]
fn kubectl_kustomize_agrees_when_available() {
    let Ok(out) = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
    else {
        eprintln!("kubectl not installed: skipped");
        return;
    };
    if !out.status.success() {
        eprintln!("kubectl not usable: skipped");
        return;
    }
    for dir in roots() {
        let out = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl kustomize {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let docs = parse_yaml_docs(&String::from_utf8(out.stdout).unwrap(), &dir);
        let theirs: BTreeSet<(String, String)> = docs
            .iter()
            .map(|d| {
                let name = d["metadata"]["name"].as_str().unwrap().to_owned();
                let kind = d["kind"].as_str().unwrap().to_owned();
                // Generated ConfigMaps carry a hash suffix.
                let name = if kind == "ConfigMap" {
                    name.rsplit_once('-')
                        .map(|(n, _)| n.to_owned())
                        .unwrap_or(name)
                } else {
                    name
                };
                (kind, name)
            })
            .collect();
        let r = render(&dir);
        let mut ours: BTreeSet<(String, String)> = r
            .manifests
            .iter()
            .map(|(_, m)| {
                (
                    m["kind"].as_str().unwrap().to_owned(),
                    m["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        ours.extend(
            r.generated
                .keys()
                .map(|n| ("ConfigMap".to_owned(), n.clone())),
        );
        assert_eq!(theirs, ours, "{}", dir.display());
        // kustomize wires the generated names into the Deployments.
        for d in docs.iter().filter(|d| d["kind"] == "Deployment") {
            for v in pod_spec(d)["volumes"].as_array().unwrap() {
                if let Some(name) = v["configMap"]["name"].as_str() {
                    assert!(
                        docs.iter()
                            .any(|c| c["kind"] == "ConfigMap" && c["metadata"]["name"] == name),
                        "{}: volume refers to ConfigMap {name}, which is not produced",
                        dir.display()
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pipelines

#[test]
fn every_example_pipeline_parses_with_sources_and_sinks() {
    let mut n = 0;
    for f in files_under(&grafana_dir(), &["yaml"]) {
        let text = read(&f);
        let doc = parse_yaml_docs(&text, &f);
        if doc
            .first()
            .is_some_and(|d| d["sources"].is_array() || d["sinks"].is_array())
        {
            check_pipeline(&text, &f.display().to_string());
            n += 1;
        }
    }
    for dir in roots() {
        let r = render(&dir);
        for (what, text) in all_config_map_texts(&r) {
            if what.contains("pipeline") {
                check_pipeline(&text, &format!("{}: {what}", dir.display()));
                n += 1;
            }
        }
    }
    assert!(n >= 3, "{n} pipelines");
}

// ---------------------------------------------------------------------------------------------
// Compose

#[test]
fn the_compose_stack_parses_and_fits_together() {
    let dir = grafana_dir();
    let compose = yaml_doc(&dir.join("compose.yaml"));
    let services = compose["services"].as_object().expect("services");
    for s in ["audit-otel", "otel-collector", "loki", "grafana"] {
        assert!(
            services.contains_key(s),
            "compose.yaml: service {s} missing"
        );
    }
    let declared_volumes: BTreeSet<String> = compose["volumes"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for (name, s) in services {
        assert!(
            s["image"].is_string() || !s["build"].is_null(),
            "compose.yaml: {name} has neither image nor build"
        );
        if let Some(img) = s["image"].as_str() {
            if s["build"].is_null() {
                assert!(
                    img.contains(':') && !img.ends_with(":latest"),
                    "compose.yaml: {name}: pin the image version ({img})"
                );
            }
        }
        for dep in str_list(&s["depends_on"]) {
            assert!(
                services.contains_key(&dep),
                "compose.yaml: {name} depends on {dep}"
            );
        }
        for v in str_list(&s["volumes"]) {
            let source = v.split(':').next().unwrap();
            if source.starts_with('.') || source.starts_with('/') {
                assert!(
                    dir.join(source).exists(),
                    "compose.yaml: {name} mounts {source}, which does not exist"
                );
            } else {
                assert!(
                    declared_volumes.contains(source),
                    "compose.yaml: {name} uses volume {source}, not declared"
                );
            }
        }
    }

    // audit-otel: built from the repository's Dockerfile, running a pipeline from this folder.
    let a = &services["audit-otel"];
    let ctx = dir.join(a["build"]["context"].as_str().expect("build.context"));
    let dockerfile = a["build"]["dockerfile"].as_str().unwrap_or("Dockerfile");
    assert!(
        ctx.join(dockerfile).is_file(),
        "audit-otel: no {dockerfile} in the build context"
    );
    assert_eq!(
        ctx.canonicalize().unwrap(),
        root().canonicalize().unwrap(),
        "audit-otel is built from the repository root"
    );
    let cmd = str_list(&a["command"]);
    assert_eq!(cmd.first().map(String::as_str), Some("run"));
    let target = cmd
        .iter()
        .position(|c| c == "--pipeline")
        .and_then(|i| cmd.get(i + 1))
        .expect("--pipeline");
    let mounted = str_list(&a["volumes"])
        .into_iter()
        .find_map(|v| {
            let mut parts = v.split(':');
            let (src, dst) = (parts.next()?, parts.next()?);
            (dst == target).then(|| dir.join(src))
        })
        .unwrap_or_else(|| panic!("audit-otel: nothing is mounted at {target}"));
    let pipeline = check_pipeline(&read(&mounted), &mounted.display().to_string());
    assert!(
        mounted.parent().unwrap().canonicalize().unwrap() == dir.canonicalize().unwrap(),
        "the stack's pipeline lives in examples/grafana"
    );
    let types: Vec<&str> = pipeline["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"generate") || types.contains(&"sample"),
        "{types:?}"
    );
    let sink = &pipeline["sinks"][0];
    assert_eq!(sink["type"], "otlp");
    assert_eq!(sink["endpoint"], "http://otel-collector:4317");
    let mut refs = BTreeSet::new();
    secret_env_refs(&pipeline, &mut refs);
    let env = a["environment"]
        .as_object()
        .expect("audit-otel environment");
    for var in refs {
        assert!(
            env.contains_key(&var),
            "audit-otel: the pipeline reads {var}, compose does not set it"
        );
    }

    // The collector: OTLP in, Loki out.
    let col = &services["otel-collector"];
    let col_cfg_path = str_list(&col["volumes"])
        .into_iter()
        .find_map(|v| {
            let mut parts = v.split(':');
            let (src, dst) = (parts.next()?, parts.next()?);
            str_list(&col["command"])
                .iter()
                .any(|c| c == &format!("--config={dst}"))
                .then(|| dir.join(src))
        })
        .expect("the collector's --config is mounted");
    let col_cfg = yaml_doc(&col_cfg_path);
    check_collector_config(&col_cfg, "compose collector");
    assert_eq!(
        col_cfg["exporters"]["otlphttp/loki"]["endpoint"],
        "http://loki:3100/otlp"
    );

    // Loki: OTLP needs structured metadata (TSDB, schema v13); service.name is an index label.
    let loki = yaml_doc(&dir.join("loki.yaml"));
    assert!(services["loki"]["image"]
        .as_str()
        .unwrap()
        .starts_with("grafana/loki:3."));
    assert_eq!(loki["limits_config"]["allow_structured_metadata"], true);
    let schemas = loki["schema_config"]["configs"].as_array().unwrap();
    assert!(schemas
        .iter()
        .all(|s| s["schema"] == "v13" && s["store"] == "tsdb"));
    let index_labels: Vec<String> = loki["limits_config"]["otlp_config"]["resource_attributes"]
        ["attributes_config"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "index_label")
        .flat_map(|c| str_list(&c["attributes"]))
        .collect();
    assert!(index_labels.contains(&"service.name".to_owned()));
    assert!(
        loki["limits_config"]["otlp_config"]["log_attributes"]
            .as_array()
            .is_none_or(|l| l.iter().all(|c| c["action"] != "index_label")),
        "log attributes stay structured metadata"
    );

    // Grafana: the provisioned Loki data source and the dashboard folder.
    let ds = yaml_doc(&dir.join("provisioning/datasources/loki.yaml"));
    let ds0 = &ds["datasources"][0];
    assert_eq!(ds0["type"], "loki");
    assert_eq!(ds0["url"], "http://loki:3100");
    let prov = yaml_doc(&dir.join("provisioning/dashboards/audit-log.yaml"));
    let prov_path = prov["providers"][0]["options"]["path"].as_str().unwrap();
    let g = str_list(&services["grafana"]["volumes"]);
    assert!(
        g.iter()
            .any(|v| v.starts_with("./dashboards:") && v.split(':').nth(1) == Some(prov_path)),
        "the dashboards folder is mounted where the provider reads it ({prov_path})"
    );
    let dash = dashboard();
    let ds_var = variable(&dash, "datasource");
    assert_eq!(ds_var["query"], "loki");
    assert_eq!(
        ds_var["current"]["value"], ds0["uid"],
        "the dashboard defaults to the provisioned data source"
    );
}

// ---------------------------------------------------------------------------------------------
// The dashboard

fn dashboard() -> Value {
    let path = grafana_dir().join("dashboards/audit-log.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn variable<'a>(dash: &'a Value, name: &str) -> &'a Value {
    dash["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("the dashboard has no variable {name}"))
}

/// Top-level panels in layout order, each with the title of the row above it (if any).
fn panels_by_row(dash: &Value) -> Vec<(Option<String>, Value)> {
    let mut panels: Vec<Value> = Vec::new();
    for p in dash["panels"].as_array().unwrap() {
        panels.push(p.clone());
        if let Some(inner) = p["panels"].as_array() {
            panels.extend(inner.iter().cloned()); // collapsed rows keep theirs inside
        }
    }
    panels.sort_by_key(|p| {
        (
            p["gridPos"]["y"].as_u64().unwrap_or(0),
            p["gridPos"]["x"].as_u64().unwrap_or(0),
        )
    });
    let mut row = None;
    let mut out = Vec::new();
    for p in panels {
        if p["type"] == "row" {
            row = p["title"].as_str().map(str::to_owned);
        } else {
            out.push((row.clone(), p));
        }
    }
    out
}

fn exprs(panel: &Value) -> Vec<String> {
    panel["targets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["expr"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Loki's label name for an OTLP attribute key (its `otlptranslator.NormalizeLabel`): every
/// character that is not a letter, digit or `_` becomes `_`; a leading digit gets `key_`.
fn loki_name(key: &str) -> String {
    let s: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{s}")
    } else if s.starts_with('_') && !s.starts_with("__") {
        format!("key{s}")
    } else {
        s
    }
}

/// Loki's names for one attribute: maps are flattened (`a.b` = `{c: 1}` → `a_b_c`).
fn loki_names_of(key: &str, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                loki_names_of(&format!("{key}_{k}"), v, out);
            }
        }
        _ => {
            out.insert(loki_name(key));
        }
    }
}

/// The attribute constants, read from `src/otel/mod.rs` (so that a new one is picked up) and
/// checked against the compiled constants: (name, value).
fn attribute_constants() -> Vec<(String, String)> {
    let src = read(&root().join("src/otel/mod.rs"));
    let start = src
        .find("pub mod attr {")
        .expect("`pub mod attr` in src/otel/mod.rs");
    let body = &src[start..];
    let end = body.find("\n}").expect("end of `mod attr`");
    let re = Regex::new(r#"pub const ([A-Z_]+): &str = "([^"]+)";"#).unwrap();
    let found: Vec<(String, String)> = re
        .captures_iter(&body[..end])
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    let compiled = [
        ("ACTIVITY_TYPE", attr::ACTIVITY_TYPE),
        ("EVENT_ACTION", attr::EVENT_ACTION),
        ("CATEGORY", attr::CATEGORY),
        ("VIEW", attr::VIEW),
        ("EVENT_OUTCOME", attr::EVENT_OUTCOME),
        ("RECORD_UID", attr::RECORD_UID),
        ("SEQ", attr::SEQ),
        ("ACTOR_TYPE", attr::ACTOR_TYPE),
        ("ACTOR_ID", attr::ACTOR_ID),
        ("USER_ID", attr::USER_ID),
        ("CLIENT_ID", attr::CLIENT_ID),
        ("CLIENT_ADDRESS", attr::CLIENT_ADDRESS),
        ("USER_AGENT", attr::USER_AGENT),
        ("SESSION_ID", attr::SESSION_ID),
        ("TRIGGERED_BY", attr::TRIGGERED_BY),
        ("APP_ID", attr::APP_ID),
        ("GEO_COUNTRY", attr::GEO_COUNTRY),
        ("LANGUAGE", attr::LANGUAGE),
        ("PREFERRED_LANGUAGES", attr::PREFERRED_LANGUAGES),
        ("URL_FULL", attr::URL_FULL),
        ("CONTEXT_PREFIX", attr::CONTEXT_PREFIX),
        ("EXTRA_PREFIX", attr::EXTRA_PREFIX),
    ];
    for (name, value) in compiled {
        assert!(
            found.iter().any(|(n, v)| n == name && v == value),
            "attr::{name} = {value:?} not found by reading src/otel/mod.rs"
        );
    }
    assert!(found.len() >= compiled.len());
    found
}

/// Attribute keys the core actually writes: the sample events and generated ones (every
/// catalog type, and a realistic mix) through redaction and mapping.
fn emitted_attribute_names() -> BTreeSet<String> {
    let core = AuditCore::new(
        Catalog::builtin(),
        Redactor::default(),
        ParseOptions::default(),
    );
    let mut lines: Vec<Vec<u8>> = read(&root().join("examples/events/sample.ndjson"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let n = core.catalog().entries().len();
    for (mix, count) in [(Mix::Uniform, 2 * n), (Mix::Realistic, 1000)] {
        let mut g = Generator::new(GeneratorOptions {
            seed: 5,
            mix,
            ..GeneratorOptions::default()
        });
        for _ in 0..count {
            lines.push(serde_json::to_vec(&g.next_event()).unwrap());
        }
    }
    let mut names = BTreeSet::new();
    for line in lines {
        let rec = core
            .process(&line, 0)
            .expect("sample and generated events map");
        for kv in &rec.attributes {
            let v = kv.value.as_ref().map(any_to_json).unwrap_or(Value::Null);
            loki_names_of(&kv.key, &v, &mut names);
        }
    }
    names
}

/// What LogQL may name: our attributes (constants and the keys emitted under the prefix
/// constants), the resource attributes our pipelines set, and Loki's own fields.
fn allowed_names() -> &'static BTreeSet<String> {
    static ALLOWED: OnceLock<BTreeSet<String>> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        let constants = attribute_constants();
        let prefixes: Vec<String> = constants
            .iter()
            .filter(|(_, v)| v.ends_with('.'))
            .map(|(_, v)| loki_name(v))
            .collect();
        let mut allowed: BTreeSet<String> = constants
            .iter()
            .filter(|(_, v)| !v.ends_with('.'))
            .map(|(_, v)| loki_name(v))
            .collect();
        for name in emitted_attribute_names() {
            assert!(
                allowed.contains(&name) || prefixes.iter().any(|p| name.starts_with(p.as_str())),
                "the core writes {name}, which is neither an attr constant nor under a prefix"
            );
            allowed.insert(name);
        }
        // Resource attributes: service.name (always written) and what our pipelines set.
        allowed.insert(loki_name("service.name"));
        let mut pipelines = vec![grafana_dir().join("pipeline.yaml")];
        pipelines.extend(files_under(&k8s_dir(), &["yaml"]).into_iter().filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("pipeline"))
        }));
        for p in pipelines {
            if let Some(res) = yaml_doc(&p)["resource"].as_object() {
                allowed.extend(res.keys().map(|k| loki_name(k)));
            }
        }
        // Loki's own fields for OTLP records (structured metadata) and its level detection.
        for f in [
            "severity_text",
            "severity_number",
            "detected_level",
            "trace_id",
            "span_id",
            "observed_timestamp",
            "flags",
            "scope_name",
            "scope_version",
        ] {
            allowed.insert(f.to_owned());
        }
        allowed
    })
}

/// Grafana's built-in variables usable in queries.
const GRAFANA_VARS: &[&str] = &[
    "__interval",
    "__interval_ms",
    "__range",
    "__range_s",
    "__range_ms",
    "__auto",
    "__rate_interval",
];

/// Label and metadata names a LogQL expression refers to, and the dashboard variables it uses.
/// Errors for stages that would invent names (parsers, label_format, keep/drop, unwrap).
fn logql_names(expr: &str) -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
    // Take string literals out, keeping their text for templates and variables.
    let mut stripped = String::new();
    let mut literals = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' || c == '`' {
            let mut lit = String::new();
            let mut closed = false;
            while let Some(d) = chars.next() {
                if c == '"' && d == '\\' {
                    if let Some(e) = chars.next() {
                        lit.push(e);
                    }
                    continue;
                }
                if d == c {
                    closed = true;
                    break;
                }
                lit.push(d);
            }
            if !closed {
                return Err(format!("unterminated string in {expr}"));
            }
            literals.push(lit);
            stripped.push_str("\"\"");
        } else {
            stripped.push(c);
        }
    }
    let forbidden = Regex::new(
        r"\|\s*(json|logfmt|regexp|pattern|unpack|label_format|keep|drop|decolorize)\b|\bunwrap\b",
    )
    .unwrap();
    if let Some(m) = forbidden.find(&stripped) {
        return Err(format!(
            "`{}` makes or drops names this test does not know: {expr}",
            m.as_str()
        ));
    }
    let mut names = BTreeSet::new();
    // Matchers and label filters: `name op`.
    let matcher = Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|==|>=|<=|=|>|<)").unwrap();
    for c in matcher.captures_iter(&stripped) {
        names.insert(c[1].to_owned());
    }
    // Grouping: `by (a, b)`, `without (a)`.
    let grouping = Regex::new(r"\b(?:by|without)\s*\(([^)]*)\)").unwrap();
    for c in grouping.captures_iter(&stripped) {
        for n in c[1].split(',').map(str::trim).filter(|n| !n.is_empty()) {
            names.insert(n.to_owned());
        }
    }
    // line_format templates: `{{.name}}` (and functions like `__line__`, which are not names).
    let template = Regex::new(r"\{\{-?\s*([^}]*?)\s*-?\}\}").unwrap();
    let field = Regex::new(r"\.([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    for lit in &literals {
        for t in template.captures_iter(lit) {
            for f in field.captures_iter(&t[1]) {
                names.insert(f[1].to_owned());
            }
        }
    }
    // Variables, in and out of strings.
    let var = Regex::new(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    let mut vars = BTreeSet::new();
    for text in std::iter::once(&stripped).chain(literals.iter()) {
        for c in var.captures_iter(text) {
            vars.insert(c[1].to_owned());
        }
    }
    Ok((names, vars))
}

/// Names in a legend format: `{{name}}`.
fn legend_names(legend: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").unwrap();
    re.captures_iter(legend).map(|c| c[1].to_owned()).collect()
}

/// Every name outside the allowed set, for one query.
fn unknown_names(expr: &str, legend: &str) -> Result<Vec<String>, String> {
    let (mut names, _) = logql_names(expr)?;
    names.extend(legend_names(legend));
    Ok(names
        .into_iter()
        .filter(|n| !allowed_names().contains(n))
        .collect())
}

#[test]
fn every_dashboard_query_names_only_labels_and_metadata_we_emit() {
    let dash = dashboard();
    let var_names: BTreeSet<String> = dash["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut queries: Vec<(String, String, String)> = Vec::new();
    for (_, p) in panels_by_row(&dash) {
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap_or_default().to_owned();
            let legend = t["legendFormat"].as_str().unwrap_or_default().to_owned();
            queries.push((
                p["title"].as_str().unwrap_or_default().to_owned(),
                expr,
                legend,
            ));
        }
    }
    for v in dash["templating"]["list"].as_array().unwrap() {
        if let Some(def) = v["definition"].as_str() {
            if v["query"]["label"].is_string() {
                let label = v["query"]["label"].as_str().unwrap();
                if !allowed_names().contains(label) {
                    problems.push(format!("variable {}: label {label}", v["name"]));
                }
            }
            assert!(def.contains(v["query"]["label"].as_str().unwrap_or_default()));
        }
    }
    for (title, expr, legend) in &queries {
        assert!(!expr.trim().is_empty(), "{title}: empty query");
        match unknown_names(expr, legend) {
            Ok(unknown) if unknown.is_empty() => {}
            Ok(unknown) => problems.push(format!("{title}: {unknown:?} in {expr} / {legend:?}")),
            Err(e) => problems.push(format!("{title}: {e}")),
        }
        let (_, vars) = logql_names(expr).unwrap_or_default();
        for v in vars {
            if !var_names.contains(&v) && !GRAFANA_VARS.contains(&v.as_str()) {
                problems.push(format!("{title}: unknown variable ${v}"));
            }
        }
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "dashboard queries name what our records do not carry in Loki:\n  {}\nallowed: {:?}",
        problems.join("\n  "),
        allowed_names()
    );
    assert!(checked >= 10, "{checked} queries");
}

#[test]
fn the_name_check_rejects_what_we_do_not_emit() {
    let ok = r#"sum by (audit_category) (count_over_time({service_name=~"$service"} | audit_view="user_activities" | audit_activity_type=~"$activity_type" | severity_text=~"WARN|ERROR" [$__interval]))"#;
    assert_eq!(
        unknown_names(ok, "{{audit_category}}").unwrap(),
        Vec::<String>::new()
    );
    let logs = r#"{service_name="audit-otel"} | user_id!="" | line_format "{{.audit_activity_type}} {{ .client_address }} {{__line__}}""#;
    assert_eq!(unknown_names(logs, "").unwrap(), Vec::<String>::new());
    // The dotted attribute name, a name we never write, a misspelling, a body field.
    for (expr, legend, bad) in [
        (
            r#"{service_name="a"} | audit.category="user""#,
            "",
            "category",
        ),
        (
            r#"{service_name="a"} | audit_user_email="x""#,
            "",
            "audit_user_email",
        ),
        (
            r#"sum by (audit_client) (count_over_time({service_name="a"}[1m]))"#,
            "",
            "audit_client",
        ),
        (
            r#"{service_name="a"} | line_format "{{.payload_user_id}}""#,
            "",
            "payload_user_id",
        ),
        (r#"{service_name="a", namespace="x"}"#, "", "namespace"),
        (
            r#"sum(count_over_time({service_name="a"}[1m]))"#,
            "{{ip}}",
            "ip",
        ),
    ] {
        let unknown = unknown_names(expr, legend).unwrap();
        assert!(
            unknown.iter().any(|u| u == bad),
            "{expr}: {bad} not caught ({unknown:?})"
        );
    }
    // Parsers would make names out of the (redacted) body: refused outright.
    assert!(unknown_names(r#"{service_name="a"} | json | email="x""#, "").is_err());
    assert!(unknown_names(r#"{service_name="a"} | logfmt"#, "").is_err());
    // The names are those of our constants, as Loki spells them.
    for n in [
        "audit_activity_type",
        "audit_category",
        "audit_view",
        "client_address",
        "audit_client_id",
        "user_agent_original",
        "log_record_uid",
        "geo_country_iso_code",
        "service_name",
        "deployment_environment_name",
    ] {
        assert!(allowed_names().contains(n), "{n}");
    }
    assert!(allowed_names()
        .iter()
        .any(|n| n.starts_with("audit_context_")));
    assert!(!allowed_names().contains("audit_activity"));
}

#[test]
fn the_dashboard_reproduces_the_audit_log_page() {
    let dash = dashboard();
    assert!(dash["uid"].is_string() && dash["title"].is_string());
    let catalog = Catalog::builtin();

    // The activity-type filter: multi-select over every catalog type, All included.
    let at = variable(&dash, "activity_type");
    assert_eq!(at["multi"], true, "activity_type is multi-select");
    assert_eq!(at["includeAll"], true);
    assert_eq!(
        at["allValue"], ".+",
        "All matches every type, unknown ones too"
    );
    let values: BTreeSet<String> = at["query"]
        .as_str()
        .expect("a custom variable")
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    let types: BTreeSet<String> = catalog
        .entries()
        .iter()
        .map(|e| e.activity_type.to_string())
        .collect();
    assert_eq!(
        values, types,
        "activity_type lists exactly the catalog's activity types"
    );
    let service = variable(&dash, "service");
    assert_eq!(service["query"]["label"], "service_name");

    // The date range is the dashboard's time range: no query pins its own.
    let rows = panels_by_row(&dash);
    let row_titles: BTreeSet<String> = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "row")
        .filter_map(|p| p["title"].as_str().map(str::to_owned))
        .collect();
    let views = [
        ("User Activities", View::UserActivities),
        ("Admin API & Portal", View::AdminApiPortal),
    ];
    for (title, _) in views {
        assert!(
            row_titles.contains(title),
            "row {title:?} missing: {row_titles:?}"
        );
    }
    let categories: BTreeSet<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let category_value = Regex::new(r#"audit_category\s*=\s*"([^"]*)""#).unwrap();
    let view_value = Regex::new(r#"audit_view\s*=\s*"([^"]*)""#).unwrap();
    for (row, p) in &rows {
        let title = p["title"].as_str().unwrap_or_default();
        assert_eq!(p["datasource"]["type"], "loki", "{title}: a Loki panel");
        let es = exprs(p);
        assert!(!es.is_empty(), "{title}: no query");
        for e in &es {
            assert!(
                e.contains("$activity_type"),
                "{title}: the activity-type filter applies to every query: {e}"
            );
            assert!(
                e.contains("{service_name=~\"$service\"}"),
                "{title}: the service filter: {e}"
            );
            assert!(
                !e.contains("offset"),
                "{title}: the time range is the dashboard's"
            );
            for c in category_value.captures_iter(e) {
                assert!(categories.contains(&c[1]), "{title}: category {}", &c[1]);
            }
            let vs: Vec<String> = view_value
                .captures_iter(e)
                .map(|c| c[1].to_owned())
                .collect();
            if let Some((_, view)) = views.iter().find(|(t, _)| Some(*t) == row.as_deref()) {
                assert_eq!(
                    vs,
                    vec![view.as_str().to_owned()],
                    "{title}: the {row:?} row shows audit_view={:?} only",
                    view.as_str()
                );
            }
        }
    }
    let in_row = |row: &str| -> Vec<&Value> {
        rows.iter()
            .filter(|(r, _)| r.as_deref() == Some(row))
            .map(|(_, p)| p)
            .collect()
    };
    for (title, _) in views {
        let ps = in_row(title);
        assert!(
            ps.iter().any(|p| p["type"] == "timeseries"
                && exprs(p).iter().any(|e| e.contains("by (audit_category)"))),
            "{title}: counts per category over time"
        );
        assert!(
            ps.iter().any(|p| p["type"] == "logs"),
            "{title}: an event detail (logs) panel"
        );
    }
    // Failed authentications, by client and by IP.
    let users = in_row("User Activities");
    for by in ["audit_client_id", "client_address"] {
        assert!(
            users.iter().any(|p| ["bargauge", "barchart", "table"]
                .contains(&p["type"].as_str().unwrap_or_default())
                && exprs(p).iter().any(|e| {
                    e.contains(&format!("by ({by})"))
                        && e.contains("audit_category=\"authentication_failed\"")
                })),
            "User Activities: failed authentications by {by}"
        );
    }
}

/// Every pipeline file we ship or show (pipelines/, the Kubernetes ConfigMaps' sources, the
/// Grafana stack's) passes `audit-otel validate`, with the environment its comments name.
#[test]
fn every_shipped_and_example_pipeline_validates() {
    let mut files: Vec<PathBuf> = files_under(&root().join("pipelines"), &["yaml"]);
    files.push(k8s_dir().join("base/sidecar-pipeline.yaml"));
    files.push(k8s_dir().join("overlays/collector-gateway/sidecar-pipeline.yaml"));
    files.push(grafana_dir().join("pipeline.yaml"));
    let state = std::env::temp_dir().join(format!("audit-otel-validate-{}", std::process::id()));
    std::fs::create_dir_all(&state).unwrap();
    let tail = state.join("audit.ndjson");
    std::fs::write(&tail, "").unwrap();
    for f in &files {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-otel"))
            .args(["validate", "--pipeline", f.to_str().unwrap()])
            .env("AUDIT_OTEL_HMAC_KEY", "0123456789abcdef0123")
            .env("AUDIT_OTEL_WEBHOOK_SECRET", "secret")
            .env("OTLP_AUTH_HEADER", "Bearer x")
            .env("AUDIT_OTEL_STATE_DIR", &state)
            .env("AUDIT_OTEL_TAIL_PATH", &tail)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}{}",
            f.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(files.len() >= 9, "{files:?}");
}
