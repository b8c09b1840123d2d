//! Running the binary as a long-lived process in tests: free ports, readiness, raw HTTP, and
//! SIGTERM.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound and released; a small race is acceptable in tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process of the binary; killed when dropped.
pub struct Proc {
    pub child: Child,
    pub stderr_path: PathBuf,
}

impl Proc {
    /// Starts `audit-otel run --pipeline <pipeline>` with `env`, stderr to a file in `dir`.
    pub fn start(pipeline: &Path, env: &[(&str, String)], dir: &Path) -> Proc {
        let stderr_path = dir.join(format!(
            "stderr-{}.log",
            pipeline.file_stem().unwrap().to_string_lossy()
        ));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_audit-otel"));
        cmd.args(["run", "--pipeline", pipeline.to_str().unwrap()])
            .env("AUDIT_OTEL_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Proc {
            child: cmd.spawn().expect("spawn audit-otel"),
            stderr_path,
        }
    }

    /// Its standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Waits until `GET /readyz` on `admin` answers 200; panics with stderr after `timeout`.
    pub fn wait_ready(&mut self, admin: SocketAddr, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("audit-otel exited early ({status}):\n{}", self.stderr());
            }
            if http_get(admin, "/readyz").is_some_and(|(s, _)| s == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("audit-otel not ready after {timeout:?}:\n{}", self.stderr());
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL, and wait.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request; returns (status, body).
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body_at = resp.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some((status, resp[body_at..].to_vec()))
}

/// `GET path`.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, Vec<u8>)> {
    http_request(addr, "GET", path, &[], b"")
}

/// Reads one counter of `/metrics` (the sum over its label sets matching `labels`).
pub fn metric(admin: SocketAddr, name: &str, labels: &str) -> u64 {
    let Some((_, body)) = http_get(admin, "/metrics") else {
        return 0;
    };
    String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with('{') && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}
