//! External tools for the interop test (`tests/interop.rs`) and the throughput comparison
//! (`examples/throughput.rs`), both of which include this file with `#[path]`: finding the
//! `rotel` collector and the OpenTelemetry Python SDK venv, starting rotel in the foreground,
//! free ports, `/readyz`, SIGTERM, and the peak RSS and CPU time of a process. Only `std`.
//!
//! Where the tools are looked for (first hit wins):
//! - rotel: `$ROTEL_BIN`; the `rotel` wheel of `$INTEROP_PYTHON`; of the default venv of
//!   `tests/interop/setup.sh` (`$INTEROP_VENV`, else `/tmp/audit-otel-interop-venv`); of `python3`.
//! - Python with the SDK: `$INTEROP_PYTHON`; the default venv's python; `python3`.
//!
//! Rotel is started as `rotel-agent start` in the foreground (its child, logging to a file),
//! always with `--disable-batching`: rotel 0.0.1-alpha10's batch splitting drops the resource
//! of split-off records and drops requests over twice the batch size (see
//! `/tmp/notes/rotel.md`, pitfalls 2 and 3).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tool that was found, or `None` after saying why the test skips. With
/// `AUDIT_OTEL_INTEROP` set (CI sets it after running setup.sh), a missing tool fails instead.
pub fn found_or_skip<T>(test: &str, found: Result<T, String>) -> Option<T> {
    let required = std::env::var("AUDIT_OTEL_INTEROP").is_ok_and(|v| !v.is_empty() && v != "0");
    match found {
        Ok(t) => Some(t),
        Err(why) if required => panic!("AUDIT_OTEL_INTEROP is set, but {why}"),
        Err(why) => {
            eprintln!(
                "SKIPPED {test}: {why}. (Set AUDIT_OTEL_INTEROP=1 to fail instead of skipping.)"
            );
            None
        }
    }
}

/// The venv `tests/interop/setup.sh` creates when given no argument.
pub fn default_venv() -> PathBuf {
    std::env::var_os("INTEROP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/audit-otel-interop-venv"))
}

/// Python interpreters to try, in order, each with where it came from.
fn pythons() -> Vec<(PathBuf, String)> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("INTEROP_PYTHON") {
        v.push((PathBuf::from(p), "$INTEROP_PYTHON".to_owned()));
        return v;
    }
    let venv_py = default_venv().join("bin/python");
    if venv_py.is_file() {
        v.push((venv_py, "the setup.sh venv".to_owned()));
    }
    v.push((PathBuf::from("python3"), "python3 on PATH".to_owned()));
    v
}

/// Runs `python -c code`; its trimmed stdout when it succeeds.
fn python_says(python: &Path, code: &str) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", code])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim().to_owned();
        return Err(format!("{}: {last}", python.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The `rotel-agent` executable, or why none was found (every place tried).
pub fn find_rotel() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ROTEL_BIN") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("$ROTEL_BIN={} is not a file", p.display()))
        };
    }
    let mut why = Vec::new();
    for (py, from) in pythons() {
        match python_says(
            &py,
            "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))",
        ) {
            Ok(path) if Path::new(&path).is_file() => return Ok(PathBuf::from(path)),
            Ok(path) => why.push(format!("{from}: {path} is missing")),
            Err(e) => why.push(format!("{from}: {e}")),
        }
    }
    Err(format!(
        "rotel not found ($ROTEL_BIN unset; {}); run `bash tests/interop/setup.sh`",
        why.join("; ")
    ))
}

/// A Python interpreter with the OpenTelemetry SDK and both OTLP log exporters, or why none.
pub fn find_sdk_python() -> Result<PathBuf, String> {
    let mut why = Vec::new();
    for (py, from) in pythons() {
        match python_says(
            &py,
            "import opentelemetry.sdk._logs, \
             opentelemetry.exporter.otlp.proto.grpc._log_exporter, \
             opentelemetry.exporter.otlp.proto.http._log_exporter; print('ok')",
        ) {
            Ok(_) => return Ok(py),
            Err(e) => why.push(format!("{from}: {e}")),
        }
    }
    Err(format!(
        "no Python with the OpenTelemetry SDK ({}); run `bash tests/interop/setup.sh`",
        why.join("; ")
    ))
}

/// `N` distinct free loopback addresses: all bound at once, then released (a small race with
/// other processes remains).
pub fn free_addrs<const N: usize>() -> [SocketAddr; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a loopback port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local address"))
}

/// `VmHWM` (peak resident set size) of a process, in KiB, from `/proc/<pid>/status`.
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time (user + system) a process has used so far, in clock ticks, from `/proc/<pid>/stat`.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm)": state is field 3, utime field 14, stime field 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 when that fails).
pub fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// Sends SIGTERM and waits up to `timeout` for the exit code (`None`: still running, or killed
/// by a signal).
pub fn terminate(child: &mut Child, timeout: Duration) -> Option<i32> {
    if let Ok(Some(status)) = child.try_wait() {
        return status.code();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// `GET path` over HTTP/1.1; the status code.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    String::from_utf8_lossy(&resp)
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The last `n` lines of a log file, for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Waits for `GET /readyz` on `admin` to answer 200, failing early if `child` exits.
pub fn wait_readyz(
    child: &mut Child,
    admin: SocketAddr,
    timeout: Duration,
    log: &Path,
) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "audit-otel exited early ({status}):\n{}",
                tail(log, 30)
            ));
        }
        if http_status(admin, "/readyz") == Some(200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "audit-otel not ready after {timeout:?}:\n{}",
        tail(log, 30)
    ))
}

/// A foreground `rotel-agent start` process; killed when dropped.
pub struct Rotel {
    pub child: Child,
    /// Its OTLP/gRPC receiver.
    pub grpc: SocketAddr,
    /// Its OTLP/HTTP receiver.
    pub http: SocketAddr,
    /// Its stdout and stderr.
    pub log: PathBuf,
}

impl Rotel {
    /// Starts rotel forwarding logs to `export_endpoint` (`http://host:port`; for `protocol`
    /// `http` the base address, rotel appends `/v1/logs`) with `--disable-batching`, retries
    /// after 100 ms to 1 s, and `extra` flags; returns once both receiver ports accept
    /// connections and the process is still alive 200 ms later (rotel binds before it checks
    /// its exporter settings).
    pub fn start(
        bin: &Path,
        export_endpoint: &str,
        protocol: &str,
        extra: &[&str],
        dir: &Path,
    ) -> Result<Rotel, String> {
        let [grpc, http] = free_addrs::<2>();
        let log = dir.join(format!("rotel-{}.log", grpc.port()));
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let (grpc_s, http_s) = (grpc.to_string(), http.to_string());
        let mut args = vec![
            "start",
            "--otlp-grpc-endpoint",
            grpc_s.as_str(),
            "--otlp-http-endpoint",
            http_s.as_str(),
            "--otlp-receiver-traces-disabled",
            "--otlp-receiver-metrics-disabled",
            "--exporter",
            "otlp",
            "--otlp-exporter-endpoint",
            export_endpoint,
            "--otlp-exporter-protocol",
            protocol,
            "--disable-batching",
            "--otlp-exporter-retry-initial-backoff",
            "100ms",
            "--otlp-exporter-retry-max-backoff",
            "1s",
        ];
        args.extend_from_slice(extra);
        let child = Command::new(bin)
            .args(&args)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut rotel = Rotel {
            child,
            grpc,
            http,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        for addr in [grpc, http] {
            loop {
                if let Ok(Some(status)) = rotel.child.try_wait() {
                    return Err(format!(
                        "rotel exited early ({status}):\n{}",
                        tail(&rotel.log, 20)
                    ));
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "rotel not listening on {addr} after 10 s:\n{}",
                        tail(&rotel.log, 20)
                    ));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(Some(status)) = rotel.child.try_wait() {
            return Err(format!(
                "rotel exited after binding ({status}):\n{}",
                tail(&rotel.log, 20)
            ));
        }
        Ok(rotel)
    }

    /// SIGTERM, then the exit code (0: everything delivered and stopped).
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        terminate(&mut self.child, timeout)
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
