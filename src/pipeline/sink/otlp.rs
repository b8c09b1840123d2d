//! The OTLP export client: one [`ExportLogsServiceRequest`] in, one classified [`SendOutcome`]
//! out.
//!
//! This module owns the transport side of the processor's OTLP sinks and nothing else (batching,
//! retries, back-off and counting belong to the caller):
//!
//! - [`OtlpSinkConfig`], the transport fields of a `type: otlp` sink (endpoint, protocol,
//!   compression, timeout, headers, TLS), and its [`validate`](OtlpSinkConfig::validate), which
//!   reports every problem at once, each naming its field and the fix;
//! - [`OtlpClient`], which encodes a request once ([`OtlpClient::encode`]: protobuf or JSON,
//!   gzip, zstd or none at the configured level) and sends it, as often as retries need, over
//!   **OTLP/gRPC** (a unary `LogsService/Export` call framed here, carried by tonic's channel),
//!   **OTLP/HTTP protobuf** or **OTLP/HTTP JSON** (`POST …/v1/logs`, hyper), with
//!   custom headers (literal, or secrets read from the environment or a file), over plain TCP or
//!   TLS (rustls with the `ring` provider: the Mozilla roots by default, or a CA file of one's
//!   own, and optionally a client certificate for mutual TLS);
//! - the classification of the answer as the OTLP specification asks: [`SendOutcome::Accepted`]
//!   (with the partial-success count), [`SendOutcome::Retryable`] (with the server's suggested
//!   delay: gRPC `google.rpc.RetryInfo`, HTTP `Retry-After`) or [`SendOutcome::Fatal`].
//!
//! Reasons carry status codes, transport errors and the backend's own message (truncated), never
//! anything of the request: no record content reaches a log line through this module. Header
//! values are never echoed either (they may be secrets).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use prost::Message;

use crate::pipeline::http_client::{self, error_chain, HyperClient};
use crate::pipeline::rpc_status::{retry_delay_in, RpcStatus};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde::{Deserialize, Serialize};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

/// Default per-request timeout, in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// Largest accepted `timeout_secs`.
pub const MAX_TIMEOUT_SECS: f64 = 3600.0;
/// The OTLP/HTTP logs path, appended to HTTP endpoints that do not end with it already.
pub const HTTP_LOGS_PATH: &str = "/v1/logs";

/// Longest server message kept in a reason, in characters.
const MAX_MESSAGE_CHARS: usize = 200;
/// Largest response body read (and decompressed); larger ones are not decoded.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Largest header value read from a file.
const MAX_HEADER_FILE_BYTES: u64 = 64 * 1024;
/// Bodies at least this large (before compression) are encoded off the async worker threads.
const BLOCKING_ENCODE_BYTES: usize = 256 * 1024;
/// `type_url` of a packed `google.rpc.RetryInfo`.
/// Headers the client sets itself; configuring them is an error.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-encoding",
    "content-length",
    "transfer-encoding",
    "accept-encoding",
    "connection",
    "host",
    "te",
    "upgrade",
    "user-agent",
];

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// The OTLP transport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtlpProtocol {
    /// OTLP/gRPC (`LogsService/Export`), usually port 4317.
    #[default]
    Grpc,
    /// OTLP/HTTP with a protobuf body (`application/x-protobuf`), usually port 4318.
    HttpProtobuf,
    /// OTLP/HTTP with a JSON body (`application/json`, the protobuf JSON mapping).
    HttpJson,
}

impl fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OtlpProtocol::Grpc => "grpc",
            OtlpProtocol::HttpProtobuf => "http_protobuf",
            OtlpProtocol::HttpJson => "http_json",
        })
    }
}

/// Compression of the request payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// gzip (gRPC `grpc-encoding: gzip`, HTTP `Content-Encoding: gzip`): every OTLP receiver
    /// takes it.
    #[default]
    Gzip,
    /// zstd (`grpc-encoding: zstd`, `Content-Encoding: zstd`): the OpenTelemetry Collector
    /// takes it; cheaper to compress and to decompress than gzip at a similar ratio.
    Zstd,
    /// No compression.
    None,
}

impl Compression {
    /// The default level: what `compression_level` is when not given.
    pub const fn default_level(self) -> i32 {
        match self {
            Compression::Gzip => DEFAULT_GZIP_LEVEL,
            Compression::Zstd => DEFAULT_ZSTD_LEVEL,
            Compression::None => 0,
        }
    }

    /// The levels a user may give.
    pub const fn levels(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Compression::Gzip => 1..=9,
            Compression::Zstd => 1..=19,
            Compression::None => 0..=0,
        }
    }

    /// The name in `grpc-encoding` / `Content-Encoding` (`None`: not compressed).
    pub const fn encoding(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
            Compression::None => None,
        }
    }
}

/// gzip's level when none is given (1 fastest, 9 smallest). Measured on realistic records
/// (BENCHMARKS.md, the processor's compression table): level 1 adds 2.0 µs/event to the
/// protobuf encoding and sends 407 bytes/event, level 6 adds 8.5 µs/event for 309.
pub const DEFAULT_GZIP_LEVEL: i32 = 1;
/// zstd's level when none is given (1 fastest, 19 smallest): level 1 adds 1.6 µs/event and
/// sends 276 bytes/event, level 3 (2.2 µs/event) no less.
pub const DEFAULT_ZSTD_LEVEL: i32 = 1;
/// Requests one sink keeps in flight when `max_in_flight` is not given.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;
/// Largest accepted `max_in_flight`.
pub const MAX_MAX_IN_FLIGHT: usize = 256;

/// Where a header value comes from. In YAML: a plain string (a literal, for values that are not
/// secret), `{env: NAME}` (an environment variable) or `{file: /path}` (a file's content,
/// surrounding whitespace trimmed: a mounted secret).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HeaderValueSource {
    /// The value of this environment variable, read when the client is built.
    Env(String),
    /// The content of this file, read when the client is built.
    File(PathBuf),
    /// The value itself. Only for values that are not secret: pipeline files are not.
    #[serde(untagged)]
    Literal(String),
}

impl fmt::Debug for HeaderValueSource {
    /// Never prints literal values (someone may have put a secret there after all).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderValueSource::Env(name) => f.debug_tuple("Env").field(name).finish(),
            HeaderValueSource::File(path) => f.debug_tuple("File").field(path).finish(),
            HeaderValueSource::Literal(_) => f.write_str("Literal(..)"),
        }
    }
}

/// TLS options. Any `https://` endpoint uses TLS; this section changes what it trusts and
/// whether it presents a client certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file of the CA certificate(s) to trust instead of the built-in Mozilla roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate chain, for mutual TLS (with `key_file`).
    #[serde(default)]
    pub cert_file: Option<PathBuf>,
    /// PEM file of the client certificate's private key (PKCS#8, PKCS#1 or SEC1).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The name to verify the server certificate against, instead of the endpoint's host.
    #[serde(default)]
    pub server_name: Option<String>,
}

/// The transport fields of an OTLP sink (batching is the caller's).
///
/// ```yaml
/// sinks:
///   - type: otlp
///     endpoint: https://otel-collector.example:4317
///     protocol: grpc            # grpc (default) | http_protobuf | http_json
///     compression: gzip         # gzip (default) | zstd | none
///     compression_level: 1      # gzip 1-9, zstd 1-19 (default 1: see BENCHMARKS.md)
///     max_in_flight: 4          # requests sent at once (default 4; 1 keeps strict order)
///     timeout_secs: 10          # per request (default 10)
///     headers:
///       x-scope-orgid: tenant-1                   # a literal (not secret)
///       authorization: {env: OTLP_AUTHORIZATION}  # from the environment
///       x-api-key: {file: /run/secrets/otlp-key}  # from a file
///     tls:                      # optional; https:// endpoints use TLS anyway
///       ca_file: /etc/otel/ca.pem
///       cert_file: /etc/otel/client.pem
///       key_file: /etc/otel/client-key.pem
///       server_name: otel-collector.internal
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpSinkConfig {
    /// `http://host:4317` (gRPC) or `http://host:4318` (HTTP: `/v1/logs` is appended unless the
    /// path already ends with it). `https://` for TLS.
    pub endpoint: String,
    /// `grpc` (default), `http_protobuf` or `http_json`.
    #[serde(default)]
    pub protocol: OtlpProtocol,
    /// `gzip` (default), `zstd` or `none`.
    #[serde(default)]
    pub compression: Compression,
    /// The compression level (`None`: the algorithm's default here).
    #[serde(default)]
    pub compression_level: Option<i32>,
    /// Requests sent at once; their records may reach the backend out of order, receipts
    /// (checkpoints, webhook answers) still resolve in order. `1` keeps strict order.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Per-request timeout in seconds (default 10).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: f64,
    /// Extra request headers (gRPC metadata).
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValueSource>,
    /// TLS options.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Batching (the pipeline's sink task uses it; the client ignores it).
    #[serde(default)]
    pub batch: crate::pipeline::config::BatchConfig,
    /// Buffering: memory or disk, and what a full buffer does.
    #[serde(default)]
    pub queue: crate::pipeline::config::QueueConfig,
    /// Retry timing.
    #[serde(default)]
    pub retry: crate::pipeline::config::RetryConfig,
}

const fn default_timeout_secs() -> f64 {
    DEFAULT_TIMEOUT_SECS
}

const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
}

impl OtlpSinkConfig {
    /// A configuration with the defaults: gzip, 10 s, no headers, no TLS options.
    pub fn new(endpoint: impl Into<String>, protocol: OtlpProtocol) -> Self {
        OtlpSinkConfig {
            endpoint: endpoint.into(),
            protocol,
            compression: Compression::default(),
            compression_level: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            headers: BTreeMap::new(),
            tls: None,
            batch: Default::default(),
            queue: Default::default(),
            retry: Default::default(),
        }
    }

    /// Every problem of this configuration, each naming its field (under `field_prefix`, such
    /// as `sinks[2]`; empty for none) and the fix. Reads the header sources and TLS files, as
    /// [`OtlpClient::new`] will. Empty when the client can be built.
    pub fn validate(&self, field_prefix: &str) -> Vec<String> {
        match Resolved::resolve(self, field_prefix) {
            Ok(resolved) => match resolved.build_transport() {
                Ok(_) => Vec::new(),
                Err(e) => vec![e.to_string()],
            },
            Err(problems) => problems,
        }
    }
}

/// `` `prefix.name` `` for error messages.
fn field(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        format!("`{name}`")
    } else {
        format!("`{prefix}.{name}`")
    }
}

// ---------------------------------------------------------------------------------------------
// Resolution: the configuration checked, files and variables read
// ---------------------------------------------------------------------------------------------

/// Client-certificate material: PEM text for tonic, parsed DER for rustls.
struct ClientIdentity {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// TLS material, read and parsed.
#[derive(Default)]
struct ResolvedTls {
    /// The CA file's PEM text and certificates (`None`: the built-in roots).
    ca: Option<(Vec<u8>, Vec<CertificateDer<'static>>)>,
    identity: Option<ClientIdentity>,
    server_name: Option<String>,
}

struct Resolved {
    protocol: OtlpProtocol,
    /// The URL requests go to (HTTP: with the logs path).
    uri: Uri,
    https: bool,
    compression: BodyCompression,
    timeout: Duration,
    headers: HeaderMap,
    tls: ResolvedTls,
}

impl Resolved {
    fn resolve(cfg: &OtlpSinkConfig, prefix: &str) -> Result<Resolved, Vec<String>> {
        let mut problems = Vec::new();

        let uri = resolve_endpoint(cfg, prefix, &mut problems);
        let https = uri
            .as_ref()
            .is_some_and(|u| u.scheme_str() == Some("https"));

        let timeout = match Duration::try_from_secs_f64(cfg.timeout_secs) {
            Ok(d) if cfg.timeout_secs > 0.0 && cfg.timeout_secs <= MAX_TIMEOUT_SECS => Some(d),
            _ => {
                problems.push(format!(
                    "{}: {} is not a usable timeout; give seconds above 0 and at most {MAX_TIMEOUT_SECS}, e.g. 10",
                    field(prefix, "timeout_secs"),
                    cfg.timeout_secs
                ));
                None
            }
        };

        let headers = resolve_headers(cfg, prefix, &mut problems);

        let level = cfg
            .compression_level
            .unwrap_or(cfg.compression.default_level());
        if cfg.compression_level.is_some() && cfg.compression == Compression::None {
            problems.push(format!(
                "{}: a level is set but `compression` is none; remove the level or choose gzip or zstd",
                field(prefix, "compression_level")
            ));
        } else if !cfg.compression.levels().contains(&level) {
            let range = cfg.compression.levels();
            problems.push(format!(
                "{}: {level} is not a {} level; give {} to {} (default {})",
                field(prefix, "compression_level"),
                cfg.compression.encoding().unwrap_or("none"),
                range.start(),
                range.end(),
                cfg.compression.default_level()
            ));
        }
        if cfg.max_in_flight == 0 || cfg.max_in_flight > MAX_MAX_IN_FLIGHT {
            problems.push(format!(
                "{}: {} is not usable; give 1 to {MAX_MAX_IN_FLIGHT} (1 keeps strict order, default {DEFAULT_MAX_IN_FLIGHT})",
                field(prefix, "max_in_flight"),
                cfg.max_in_flight
            ));
        }

        let tls = match &cfg.tls {
            None => ResolvedTls::default(),
            Some(tls) => {
                if uri.is_some() && !https {
                    problems.push(format!(
                        "{}: TLS options are set but the endpoint is plain http://; use an https:// endpoint or remove `tls`",
                        field(prefix, "tls")
                    ));
                }
                resolve_tls(tls, &field_prefix(prefix, "tls"), &mut problems)
            }
        };

        match (uri, timeout) {
            (Some(uri), Some(timeout)) if problems.is_empty() => Ok(Resolved {
                protocol: cfg.protocol,
                uri,
                https,
                compression: BodyCompression {
                    kind: cfg.compression,
                    level,
                },
                timeout,
                headers,
                tls,
            }),
            _ => Err(problems),
        }
    }

    /// Builds the transport (TLS setup included), without connecting.
    fn build_transport(&self) -> Result<Transport, OtlpClientError> {
        match self.protocol {
            OtlpProtocol::Grpc => self.grpc_transport().map(Transport::Grpc),
            OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => {
                self.http_transport().map(Transport::Http)
            }
        }
    }

    fn grpc_transport(&self) -> Result<GrpcTransport, OtlpClientError> {
        let mut endpoint = Endpoint::from(self.uri.clone())
            .user_agent(user_agent())
            .map_err(|e| OtlpClientError::Transport(error_chain(&e)))?
            .connect_timeout(self.timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10));
        if self.https {
            let mut tls = ClientTlsConfig::new().timeout(self.timeout);
            tls = match &self.tls.ca {
                Some((pem, _)) => {
                    tls.ca_certificate(tonic::transport::Certificate::from_pem(pem.clone()))
                }
                None => tls.with_webpki_roots(),
            };
            if let Some(id) = &self.tls.identity {
                tls = tls.identity(tonic::transport::Identity::from_pem(
                    id.cert_pem.clone(),
                    id.key_pem.clone(),
                ));
            }
            if let Some(name) = &self.tls.server_name {
                tls = tls.domain_name(name.clone());
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| OtlpClientError::Tls(error_chain(&e)))?;
        }
        let mut headers = self.headers.clone();
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        if let Some(encoding) = self.compression.kind.encoding() {
            headers.insert(GRPC_ENCODING, HeaderValue::from_static(encoding));
        }
        // Answers are a few bytes: ask for them uncompressed.
        headers.insert(GRPC_ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        Ok(GrpcTransport {
            endpoint,
            channel: OnceLock::new(),
            headers,
        })
    }

    fn http_transport(&self) -> Result<HttpTransport, OtlpClientError> {
        let tls = self.rustls_config()?;
        let server_name = match &self.tls.server_name {
            Some(name) => Some(ServerName::try_from(name.clone()).map_err(|_| {
                OtlpClientError::Tls(format!("{name:?} is not a valid server name"))
            })?),
            None => None,
        };
        let client = http_client::client(tls, server_name, self.timeout, Duration::from_secs(60));

        let json = self.protocol == OtlpProtocol::HttpJson;
        let mut headers = self.headers.clone();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(if json {
                "application/json"
            } else {
                "application/x-protobuf"
            }),
        );
        if let Some(encoding) = self.compression.kind.encoding() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        let agent = HeaderValue::from_str(&user_agent())
            .map_err(|e| OtlpClientError::Transport(e.to_string()))?;
        headers.insert(header::USER_AGENT, agent);
        Ok(HttpTransport {
            client,
            uri: self.uri.clone(),
            headers,
        })
    }

    /// The rustls client configuration of the HTTP transport (also built for `http://`
    /// endpoints, where it is unused: the connector needs one).
    fn rustls_config(&self) -> Result<rustls::ClientConfig, OtlpClientError> {
        let roots = match &self.tls.ca {
            Some((_, certs)) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in certs {
                    roots
                        .add(cert.clone())
                        .map_err(|e| OtlpClientError::Tls(format!("CA certificate: {e}")))?;
                }
                roots
            }
            None => http_client::public_roots(),
        };
        let builder = http_client::tls_builder()
            .map_err(OtlpClientError::Tls)?
            .with_root_certificates(roots);
        match &self.tls.identity {
            Some(id) => builder
                .with_client_auth_cert(id.certs.clone(), id.key.clone_key())
                .map_err(|e| OtlpClientError::Tls(format!("client certificate: {e}"))),
            None => Ok(builder.with_no_client_auth()),
        }
    }
}

fn field_prefix(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn user_agent() -> String {
    concat!("audit-otel/", env!("CARGO_PKG_VERSION")).to_owned()
}

/// Checks the endpoint and returns the URL requests go to.
fn resolve_endpoint(cfg: &OtlpSinkConfig, prefix: &str, problems: &mut Vec<String>) -> Option<Uri> {
    let name = field(prefix, "endpoint");
    let example = match cfg.protocol {
        OtlpProtocol::Grpc => "http://localhost:4317",
        _ => "http://localhost:4318",
    };
    let raw = cfg.endpoint.trim();
    // Do not echo endpoints with credentials in them.
    let shown = if raw.contains('@') {
        "the endpoint".to_owned()
    } else {
        format!("{raw:?}")
    };
    let uri = match raw.parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => {
            problems.push(format!(
                "{name}: {shown} is not a URL; write it as {example} (https:// for TLS)"
            ));
            return None;
        }
    };
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        problems.push(format!(
            "{name}: {shown} lacks a scheme or host; write it as {example} (https:// for TLS)"
        ));
        return None;
    };
    if scheme != "http" && scheme != "https" {
        problems.push(format!(
            "{name}: the scheme must be http:// or https://, not {scheme}://; e.g. {example}"
        ));
        return None;
    }
    if authority.as_str().contains('@') {
        problems.push(format!(
            "{name}: credentials in the URL are not supported (and would end up in logs); remove them and pass them in `headers` from an env variable or file"
        ));
        return None;
    }
    if authority.host().is_empty() {
        problems.push(format!("{name}: {shown} has no host; e.g. {example}"));
        return None;
    }
    let path = uri.path();
    match cfg.protocol {
        OtlpProtocol::Grpc => {
            if (path != "/" && !path.is_empty()) || uri.query().is_some() {
                problems.push(format!(
                    "{name}: a gRPC endpoint takes no path or query ({shown}); give only scheme, host and port, e.g. {example}, or use `protocol: http_protobuf` for an HTTP URL"
                ));
                return None;
            }
            Some(uri)
        }
        OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => {
            let trimmed = path.trim_end_matches('/');
            let full_path = if trimmed.ends_with(HTTP_LOGS_PATH) {
                trimmed.to_owned()
            } else {
                format!("{trimmed}{HTTP_LOGS_PATH}")
            };
            let path_and_query = match uri.query() {
                Some(q) => format!("{full_path}?{q}"),
                None => full_path,
            };
            let built = Uri::builder()
                .scheme(scheme)
                .authority(authority.as_str())
                .path_and_query(path_and_query)
                .build();
            match built {
                Ok(uri) => Some(uri),
                Err(_) => {
                    problems.push(format!(
                        "{name}: {shown} cannot take the {HTTP_LOGS_PATH} path; e.g. {example}"
                    ));
                    None
                }
            }
        }
    }
}

/// Reads and checks the configured headers. Never puts a value in a problem.
fn resolve_headers(cfg: &OtlpSinkConfig, prefix: &str, problems: &mut Vec<String>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (key, source) in &cfg.headers {
        let name = field(prefix, &format!("headers.{key}"));
        let header_name = match HeaderName::from_bytes(key.trim().as_bytes()) {
            Ok(h) => h,
            Err(_) => {
                problems.push(format!(
                    "{name}: not a valid header name; use letters, digits and '-', e.g. x-scope-orgid"
                ));
                continue;
            }
        };
        let lower = header_name.as_str();
        if RESERVED_HEADERS.contains(&lower) || lower.starts_with("grpc-") {
            problems.push(format!(
                "{name}: the client sets this header itself; remove it"
            ));
            continue;
        }
        if cfg.protocol == OtlpProtocol::Grpc && lower.ends_with("-bin") {
            problems.push(format!(
                "{name}: binary gRPC metadata (names ending in -bin) is not supported; rename the header"
            ));
            continue;
        }
        let (value, secret) = match source {
            HeaderValueSource::Literal(v) => (v.clone(), false),
            HeaderValueSource::Env(var) => {
                if var.is_empty() {
                    problems.push(format!(
                        "{name}: `env` names no variable; give the variable's name, e.g. {{env: OTLP_TOKEN}}"
                    ));
                    continue;
                }
                match std::env::var(var) {
                    Ok(v) => (v, true),
                    Err(std::env::VarError::NotPresent) => {
                        problems.push(format!(
                            "{name}: the environment variable {var} is not set; set it, or take the value from a file with {{file: /path}}"
                        ));
                        continue;
                    }
                    Err(std::env::VarError::NotUnicode(_)) => {
                        problems.push(format!(
                            "{name}: the environment variable {var} is not valid UTF-8; header values must be printable ASCII"
                        ));
                        continue;
                    }
                }
            }
            HeaderValueSource::File(path) => match read_small_file(path, MAX_HEADER_FILE_BYTES) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => (text.trim().to_owned(), true),
                    Err(_) => {
                        problems.push(format!(
                            "{name}: {} is not UTF-8 text; header values must be printable ASCII",
                            path.display()
                        ));
                        continue;
                    }
                },
                Err(e) => {
                    problems.push(format!(
                        "{name}: cannot read {}: {e}; check the path and permissions",
                        path.display()
                    ));
                    continue;
                }
            },
        };
        if value.is_empty() {
            problems.push(format!(
                "{name}: the value is empty; give a value or remove the header"
            ));
            continue;
        }
        if !value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            problems.push(format!(
                "{name}: the value has characters other than printable ASCII (a line break or control character?); fix the {}",
                match source {
                    HeaderValueSource::Literal(_) => "value",
                    HeaderValueSource::Env(_) => "variable",
                    HeaderValueSource::File(_) => "file",
                }
            ));
            continue;
        }
        match HeaderValue::from_str(&value) {
            Ok(mut v) => {
                v.set_sensitive(secret);
                headers.append(header_name, v);
            }
            Err(_) => problems.push(format!(
                "{name}: not a valid header value; use printable ASCII"
            )),
        }
    }
    headers
}

/// Reads a file of at most `max` bytes.
fn read_small_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// Largest PEM file read.
const MAX_PEM_BYTES: u64 = 1024 * 1024;

fn resolve_tls(tls: &TlsConfig, prefix: &str, problems: &mut Vec<String>) -> ResolvedTls {
    let mut out = ResolvedTls::default();
    if let Some(path) = &tls.ca_file {
        let name = field(prefix, "ca_file");
        if let Some((pem, certs)) = read_certs(path, &name, "CA certificate", problems) {
            out.ca = Some((pem, certs));
        }
    }
    match (&tls.cert_file, &tls.key_file) {
        (Some(cert_path), Some(key_path)) => {
            let cert_name = field(prefix, "cert_file");
            let key_name = field(prefix, "key_file");
            let certs = read_certs(cert_path, &cert_name, "client certificate", problems);
            let key = read_key(key_path, &key_name, problems);
            if let (Some((cert_pem, certs)), Some((key_pem, key))) = (certs, key) {
                out.identity = Some(ClientIdentity {
                    cert_pem,
                    key_pem,
                    certs,
                    key,
                });
            }
        }
        (Some(_), None) => problems.push(format!(
            "{}: a client certificate needs its private key; add `key_file`",
            field(prefix, "key_file")
        )),
        (None, Some(_)) => problems.push(format!(
            "{}: a private key needs its client certificate; add `cert_file`",
            field(prefix, "cert_file")
        )),
        (None, None) => {}
    }
    if let Some(server_name) = &tls.server_name {
        if ServerName::try_from(server_name.as_str()).is_err() {
            problems.push(format!(
                "{}: {server_name:?} is not a DNS name or IP address; give the name in the server's certificate",
                field(prefix, "server_name")
            ));
        } else {
            out.server_name = Some(server_name.clone());
        }
    }
    out
}

type PemCerts = (Vec<u8>, Vec<CertificateDer<'static>>);

fn read_certs(path: &Path, name: &str, what: &str, problems: &mut Vec<String>) -> Option<PemCerts> {
    let pem = match read_small_file(path, MAX_PEM_BYTES) {
        Ok(pem) => pem,
        Err(e) => {
            problems.push(format!(
                "{name}: cannot read {}: {e}; check the path and permissions",
                path.display()
            ));
            return None;
        }
    };
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => {
            // Parse each one now, so that a corrupt certificate is reported here.
            for cert in &certs {
                if let Err(e) = webpki_check(cert) {
                    problems.push(format!(
                        "{name}: {} holds a {what} that does not parse ({e}); give a PEM file with `-----BEGIN CERTIFICATE-----` blocks",
                        path.display()
                    ));
                    return None;
                }
            }
            Some((pem, certs))
        }
        Ok(_) => {
            problems.push(format!(
                "{name}: {} holds no PEM certificate; give a PEM file with `-----BEGIN CERTIFICATE-----` blocks",
                path.display()
            ));
            None
        }
        Err(e) => {
            problems.push(format!(
                "{name}: {} is not valid PEM ({e}); give a PEM file with `-----BEGIN CERTIFICATE-----` blocks",
                path.display()
            ));
            None
        }
    }
}

/// Whether a certificate parses (as a trust anchor: enough to catch corrupt DER).
fn webpki_check(cert: &CertificateDer<'_>) -> Result<(), String> {
    let mut store = rustls::RootCertStore::empty();
    store.add(cert.clone()).map_err(|e| e.to_string())
}

fn read_key(
    path: &Path,
    name: &str,
    problems: &mut Vec<String>,
) -> Option<(Vec<u8>, PrivateKeyDer<'static>)> {
    let pem = match read_small_file(path, MAX_PEM_BYTES) {
        Ok(pem) => pem,
        Err(e) => {
            problems.push(format!(
                "{name}: cannot read {}: {e}; check the path and permissions",
                path.display()
            ));
            return None;
        }
    };
    match PrivateKeyDer::from_pem_slice(&pem) {
        Ok(key) => {
            if let Err(e) = rustls::crypto::ring::default_provider()
                .key_provider
                .load_private_key(key.clone_key())
            {
                problems.push(format!(
                    "{name}: {} holds a private key that cannot be used ({e}); give an unencrypted RSA, ECDSA or Ed25519 key in PEM",
                    path.display()
                ));
                return None;
            }
            Some((pem, key))
        }
        Err(_) => {
            problems.push(format!(
                "{name}: {} holds no PEM private key; give an unencrypted key (`-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`)",
                path.display()
            ));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// Why an [`OtlpClient`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum OtlpClientError {
    /// The configuration has problems (each names its field and the fix).
    #[error("invalid OTLP sink configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    /// The TLS setup failed (certificates or key rejected by the TLS library).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The transport could not be set up.
    #[error("OTLP transport setup failed: {0}")]
    Transport(String),
}

/// How an export went, classified as the OTLP specification asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; `rejected` records the backend refused in a partial-success response (not
    /// retryable per spec) and its message.
    Accepted {
        /// Records the backend rejected (0: all accepted).
        rejected: i64,
        /// The backend's message (a warning when `rejected` is 0), truncated.
        message: Option<String>,
    },
    /// Retryable failure: network error or timeout, gRPC `UNAVAILABLE`, `CANCELLED`,
    /// `DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE`, `DATA_LOSS`, `RESOURCE_EXHAUSTED` only
    /// with `RetryInfo`; HTTP 429, 502, 503, 504.
    Retryable {
        /// Status and the backend's message, or the transport error.
        reason: String,
        /// The delay the backend asked for (gRPC `RetryInfo`, HTTP `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// Not retryable: any other status (e.g. HTTP 400, gRPC `INVALID_ARGUMENT`,
    /// `UNAUTHENTICATED`). The caller drops the batch and counts it.
    Fatal {
        /// Status and the backend's message.
        reason: String,
    },
}

impl SendOutcome {
    /// Whether the request was accepted (possibly partially).
    pub fn is_accepted(&self) -> bool {
        matches!(self, SendOutcome::Accepted { .. })
    }

    /// Whether the request may be sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SendOutcome::Retryable { .. })
    }
}

/// An OTLP logs exporter: see the [module docs](self). Cheap to clone (clones share the
/// connection pool). Needs a Tokio runtime to [`send`](Self::send), not to be built; the gRPC
/// channel's background task lives on the runtime of the first `send`, so keep using a client
/// on the runtime it started on.
#[derive(Clone)]
pub struct OtlpClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The endpoint as configured (for `Debug` and logs; credentials are refused by validation).
    endpoint: String,
    protocol: OtlpProtocol,
    timeout: Duration,
    compression: BodyCompression,
    transport: Transport,
}

// One per client, behind an `Arc`: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Transport {
    Grpc(GrpcTransport),
    Http(HttpTransport),
}

struct GrpcTransport {
    endpoint: Endpoint,
    /// Made on first use, on the sending runtime (tonic's channel spawns a worker task).
    channel: OnceLock<Channel>,
    /// Every request header but `grpc-timeout`: gRPC's, the encoding and the configured ones
    /// (the channel adds the user agent).
    headers: HeaderMap,
}

struct HttpTransport {
    client: HyperClient,
    uri: Uri,
    /// Every request header: content type, encoding, user agent and the configured ones.
    headers: HeaderMap,
}

/// An export request encoded and compressed once, ready to be sent as often as retries need
/// (a clone shares the bytes). Made by [`OtlpClient::encode`] for that client's protocol and
/// compression.
#[derive(Clone)]
pub struct EncodedRequest {
    /// gRPC: one length-prefixed message; HTTP: the body.
    body: Bytes,
}

impl EncodedRequest {
    /// Bytes on the wire (compressed).
    pub fn len(&self) -> usize {
        self.body.len()
    }

    /// Whether there are no bytes (never, for a request made by [`OtlpClient::encode`]).
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }
}

impl fmt::Debug for EncodedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedRequest")
            .field("bytes", &self.body.len())
            .finish()
    }
}

impl OtlpClient {
    /// Builds a client from a configuration: reads header sources and TLS files, sets up TLS.
    /// Does not connect (the first [`send`](Self::send) does) and needs no runtime.
    pub fn new(cfg: &OtlpSinkConfig) -> Result<OtlpClient, OtlpClientError> {
        let resolved = Resolved::resolve(cfg, "").map_err(OtlpClientError::Config)?;
        let transport = resolved.build_transport()?;
        Ok(OtlpClient {
            inner: Arc::new(Inner {
                endpoint: cfg.endpoint.trim().to_owned(),
                protocol: cfg.protocol,
                timeout: resolved.timeout,
                compression: resolved.compression,
                transport,
            }),
        })
    }

    /// The endpoint as configured.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The protocol.
    pub fn protocol(&self) -> OtlpProtocol {
        self.inner.protocol
    }

    /// Sends one export request and classifies the answer. Never panics on a bad answer; a
    /// request that takes longer than the configured timeout (connecting included) is
    /// [`SendOutcome::Retryable`].
    pub async fn send(&self, req: ExportLogsServiceRequest) -> SendOutcome {
        let large = prost::Message::encoded_len(&req) >= BLOCKING_ENCODE_BYTES;
        let encoded = if large && tokio::runtime::Handle::try_current().is_ok() {
            let client = self.clone();
            match tokio::task::spawn_blocking(move || client.encode(&req)).await {
                Ok(encoded) => encoded,
                Err(_) => Err("encoding the request failed".to_owned()),
            }
        } else {
            self.encode(&req)
        };
        match encoded {
            Ok(encoded) => self.send_encoded(&encoded).await,
            Err(reason) => SendOutcome::Fatal { reason },
        }
    }

    /// Encodes and compresses a request for this client, once: CPU work, best done off the
    /// async worker threads for large requests. Fails only for a request over 4 GiB or one that
    /// has no OTLP/JSON form.
    pub fn encode(&self, req: &ExportLogsServiceRequest) -> Result<EncodedRequest, String> {
        if self.inner.protocol == OtlpProtocol::HttpJson {
            let raw = serde_json::to_vec(req)
                .map_err(|_| "the request cannot be encoded as OTLP/JSON")?;
            let body = self.inner.compression.apply(&raw, Vec::new())?;
            return Ok(EncodedRequest {
                body: Bytes::from(body),
            });
        }
        self.encode_protobuf(&req.encode_to_vec())
    }

    /// As [`OtlpClient::encode`] for a request encoded as protobuf already (the sinks assemble
    /// requests from encoded records: [`crate::otel::encode::write_request`]).
    pub fn encode_protobuf(&self, raw: &[u8]) -> Result<EncodedRequest, String> {
        let compression = self.inner.compression;
        let body = match self.inner.protocol {
            OtlpProtocol::Grpc => grpc_message(raw, compression)?,
            OtlpProtocol::HttpProtobuf => compression.apply(raw, Vec::new())?,
            OtlpProtocol::HttpJson => {
                let req = ExportLogsServiceRequest::decode(raw)
                    .map_err(|_| "the request does not decode as OTLP protobuf")?;
                return self.encode(&req);
            }
        };
        Ok(EncodedRequest {
            body: Bytes::from(body),
        })
    }

    /// Sends a request [encoded](Self::encode) by this client (or a clone) and classifies the
    /// answer, as [`send`](Self::send) does.
    pub async fn send_encoded(&self, req: &EncodedRequest) -> SendOutcome {
        let timeout = self.inner.timeout;
        let body = req.body.clone();
        let sent = match &self.inner.transport {
            Transport::Grpc(grpc) => tokio::time::timeout(timeout, grpc.send(body, timeout)).await,
            Transport::Http(http) => tokio::time::timeout(timeout, http.send(body)).await,
        };
        sent.unwrap_or_else(|_| SendOutcome::Retryable {
            reason: format!("no answer within the timeout of {}s", timeout.as_secs_f64()),
            retry_after: None,
        })
    }
}

impl fmt::Debug for OtlpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpClient")
            .field("endpoint", &self.inner.endpoint)
            .field("protocol", &self.inner.protocol)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// gRPC
// ---------------------------------------------------------------------------------------------

impl GrpcTransport {
    /// One unary `Export` call with a message framed already: the channel (tonic's: connection
    /// management, TLS, HTTP/2) carries it; the framing and the compression are ours, so the
    /// request is encoded once whatever the retries, at the configured level.
    async fn send(&self, message: Bytes, timeout: Duration) -> SendOutcome {
        use tonic::codegen::Service;
        let mut channel = self
            .channel
            .get_or_init(|| self.endpoint.connect_lazy())
            .clone();
        let mut request = http::Request::new(tonic::body::Body::new(Full::new(message)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static(GRPC_EXPORT_PATH);
        *request.version_mut() = http::Version::HTTP_2;
        *request.headers_mut() = self.headers.clone();
        request
            .headers_mut()
            .insert(GRPC_TIMEOUT, grpc_timeout(timeout));
        if let Err(e) = std::future::poll_fn(|cx| channel.poll_ready(cx)).await {
            return classify_grpc(&tonic::Status::from_error(e.into()));
        }
        match channel.call(request).await {
            Ok(response) => grpc_answer(response).await,
            Err(e) => classify_grpc(&tonic::Status::from_error(e.into())),
        }
    }
}

/// The gRPC method OTLP logs are exported to.
const GRPC_EXPORT_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
const GRPC_ENCODING: HeaderName = HeaderName::from_static("grpc-encoding");
const GRPC_ACCEPT_ENCODING: HeaderName = HeaderName::from_static("grpc-accept-encoding");
const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");

/// `grpc-timeout` in milliseconds (at most 8 digits, as the spec allows).
fn grpc_timeout(timeout: Duration) -> HeaderValue {
    let ms = timeout.as_millis().clamp(1, 99_999_999);
    HeaderValue::from_str(&format!("{ms}m")).expect("digits and a unit")
}

/// One length-prefixed gRPC message: the flag byte (compressed or not), the length, the
/// protobuf encoding of `req` (compressed as configured).
fn grpc_message(raw: &[u8], compression: BodyCompression) -> Result<Vec<u8>, String> {
    let flag = u8::from(compression.kind != Compression::None);
    let mut frame = if compression.kind == Compression::None {
        Vec::with_capacity(5 + raw.len())
    } else {
        Vec::with_capacity(5 + raw.len() / 4)
    };
    frame.extend_from_slice(&[flag, 0, 0, 0, 0]);
    let mut frame = compression.apply(raw, frame)?;
    let len = u32::try_from(frame.len() - 5)
        .map_err(|_| "the request is over 4 GiB once encoded".to_owned())?;
    frame[1..5].copy_from_slice(&len.to_be_bytes());
    Ok(frame)
}

/// Classifies a gRPC answer: its status (trailers, or the headers of a trailers-only answer;
/// an HTTP status mapped as gRPC specifies when a proxy answered instead), then the response
/// message for partial success.
async fn grpc_answer(response: http::Response<tonic::body::Body>) -> SendOutcome {
    let (parts, body) = response.into_parts();
    if let Some(status) = tonic::Status::from_header_map(&parts.headers) {
        if status.code() != tonic::Code::Ok {
            return classify_grpc(&status);
        }
    }
    if parts.status != StatusCode::OK {
        let code = http_to_grpc_code(parts.status);
        let status =
            tonic::Status::new(code, format!("HTTP {} without a gRPC status", parts.status));
        return classify_grpc(&status);
    }
    let collected = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
        Ok(collected) => collected,
        Err(e) => return classify_grpc(&tonic::Status::from_error(e)),
    };
    let status = collected
        .trailers()
        .and_then(tonic::Status::from_header_map)
        .or_else(|| tonic::Status::from_header_map(&parts.headers));
    match status {
        Some(status) if status.code() == tonic::Code::Ok => {}
        Some(status) => return classify_grpc(&status),
        None => {
            let status =
                tonic::Status::new(tonic::Code::Unknown, "the answer carried no grpc-status");
            return classify_grpc(&status);
        }
    }
    let encoding = parts
        .headers
        .get(GRPC_ENCODING)
        .and_then(|v| v.to_str().ok());
    match grpc_response_message(&collected.to_bytes(), encoding) {
        Some(response) => accepted(response),
        // Accepted (the status says so); only the optional partial-success details are lost.
        None => SendOutcome::Accepted {
            rejected: 0,
            message: None,
        },
    }
}

/// The response message of a unary answer, decompressed if flagged so (`None`: absent or
/// undecodable).
fn grpc_response_message(data: &[u8], encoding: Option<&str>) -> Option<ExportLogsServiceResponse> {
    let (head, rest) = data.split_at_checked(5)?;
    let len = u32::from_be_bytes(head[1..5].try_into().ok()?) as usize;
    let message = rest.get(..len)?;
    if head[0] == 0 {
        return ExportLogsServiceResponse::decode(message).ok();
    }
    let inflated = decompress_limited(encoding?, message, MAX_RESPONSE_BYTES)?;
    ExportLogsServiceResponse::decode(&inflated[..]).ok()
}

/// The gRPC code for an HTTP status of an answer without a gRPC status, per gRPC's
/// "HTTP to gRPC status code mapping".
fn http_to_grpc_code(status: StatusCode) -> tonic::Code {
    match status.as_u16() {
        400 => tonic::Code::Internal,
        401 => tonic::Code::Unauthenticated,
        403 => tonic::Code::PermissionDenied,
        404 => tonic::Code::Unimplemented,
        429 | 502 | 503 | 504 => tonic::Code::Unavailable,
        _ => tonic::Code::Unknown,
    }
}

fn accepted(response: ExportLogsServiceResponse) -> SendOutcome {
    match response.partial_success {
        Some(p) => SendOutcome::Accepted {
            rejected: p.rejected_log_records.max(0),
            message: non_empty_message(&p.error_message),
        },
        None => SendOutcome::Accepted {
            rejected: 0,
            message: None,
        },
    }
}

/// The gRPC status name, as in the spec (`UNAVAILABLE`).
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Classifies a gRPC error status per the OTLP spec.
fn classify_grpc(status: &tonic::Status) -> SendOutcome {
    use tonic::Code;
    let retry_after = retry_delay_in(status.details());
    let mut reason = format!("gRPC {}", code_name(status.code()));
    if let Some(message) = non_empty_message(status.message()) {
        reason.push_str(": ");
        reason.push_str(&message);
    }
    // A status with a source was made on our side from a transport error (connection refused or
    // reset, TLS handshake, HTTP/2 protocol error): a network error, retryable whatever its code.
    let transport_error = std::error::Error::source(status);
    let mut causes = Vec::new();
    let mut source = transport_error;
    while let Some(s) = source {
        let text = clean_message(&s.to_string());
        if !text.is_empty() && !reason.contains(&text) && !causes.contains(&text) {
            causes.push(text);
        }
        source = s.source();
    }
    if !causes.is_empty() {
        reason.push_str(" (");
        reason.push_str(&causes.join(": "));
        reason.push(')');
    }
    let retryable = match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => retry_after.is_some(),
        _ => transport_error.is_some(),
    };
    if retryable {
        SendOutcome::Retryable {
            reason,
            retry_after,
        }
    } else {
        SendOutcome::Fatal { reason }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

impl HttpTransport {
    async fn send(&self, body: Bytes) -> SendOutcome {
        let mut request = http::Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        let response = match self.client.request(request).await {
            Ok(response) => response,
            Err(e) => {
                let what = if e.is_connect() {
                    "cannot connect to the OTLP endpoint"
                } else {
                    "the OTLP request failed"
                };
                return SendOutcome::Retryable {
                    reason: format!("{what}: {}", clean_message(&error_chain(&e))),
                    retry_after: None,
                };
            }
        };
        let (parts, body) = response.into_parts();
        let body = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
            Ok(collected) => Some(collected.to_bytes()),
            Err(e) => {
                if parts.status.is_success() {
                    // The data was accepted; only the (optional) partial-success details are lost.
                    None
                } else {
                    return classify_http(parts.status, &parts.headers, None).with_note(&format!(
                        "reading the answer failed: {}",
                        clean_message(&e.to_string())
                    ));
                }
            }
        };
        let body = body.and_then(|b| decoded_body(&parts.headers, b));
        classify_http(parts.status, &parts.headers, body.as_deref())
    }
}

impl SendOutcome {
    fn with_note(self, note: &str) -> SendOutcome {
        match self {
            SendOutcome::Retryable {
                reason,
                retry_after,
            } => SendOutcome::Retryable {
                reason: format!("{reason} ({note})"),
                retry_after,
            },
            SendOutcome::Fatal { reason } => SendOutcome::Fatal {
                reason: format!("{reason} ({note})"),
            },
            accepted => accepted,
        }
    }
}

/// How request bodies are compressed: the algorithm and its level, checked by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BodyCompression {
    kind: Compression,
    level: i32,
}

impl BodyCompression {
    /// `raw` compressed and appended to `out` (`raw` itself when not compressing and `out` is
    /// empty).
    fn apply(self, raw: &[u8], mut out: Vec<u8>) -> Result<Vec<u8>, String> {
        match self.kind {
            Compression::None => {
                out.extend_from_slice(raw);
                Ok(out)
            }
            Compression::Gzip => {
                out.reserve(raw.len() / 4 + 64);
                let level = flate2::Compression::new(self.level.clamp(1, 9) as u32);
                let mut encoder = flate2::write::GzEncoder::new(out, level);
                encoder
                    .write_all(raw)
                    .and_then(|()| encoder.finish())
                    .map_err(|e| format!("gzip compression failed: {e}"))
            }
            Compression::Zstd => {
                let start = out.len();
                out.resize(start + zstd::zstd_safe::compress_bound(raw.len()), 0);
                let n = zstd::bulk::compress_to_buffer(raw, &mut out[start..], self.level)
                    .map_err(|e| format!("zstd compression failed: {e}"))?;
                out.truncate(start + n);
                Ok(out)
            }
        }
    }
}

/// `data` decompressed per a `grpc-encoding`/`Content-Encoding` name, at most `limit` bytes
/// (`None`: unknown encoding, invalid data or over the limit).
fn decompress_limited(encoding: &str, data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let encoding = encoding.trim();
    let read = if encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip") {
        flate2::read::GzDecoder::new(data)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
    } else if encoding.eq_ignore_ascii_case("zstd") {
        zstd::stream::read::Decoder::new(data)
            .and_then(|d| d.take(limit as u64 + 1).read_to_end(&mut out))
    } else if encoding.eq_ignore_ascii_case("identity") {
        out.extend_from_slice(data);
        Ok(out.len())
    } else {
        return None;
    };
    (read.is_ok() && out.len() <= limit).then_some(out)
}

/// The response body, decompressed if the server sent it compressed (`None` if that fails).
fn decoded_body(headers: &HeaderMap, body: Bytes) -> Option<Bytes> {
    match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        None => Some(body),
        Some(encoding) => decompress_limited(encoding, &body, MAX_RESPONSE_BYTES).map(Bytes::from),
    }
}

/// The kind of a body, from `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Protobuf,
    Json,
    Text,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if media.contains("protobuf") {
        BodyKind::Protobuf
    } else if media.contains("json") {
        BodyKind::Json
    } else {
        BodyKind::Text
    }
}

/// Classifies an HTTP answer per the OTLP/HTTP spec.
fn classify_http(status: StatusCode, headers: &HeaderMap, body: Option<&[u8]>) -> SendOutcome {
    let kind = body_kind(headers);
    if status.is_success() {
        let Some(body) = body.filter(|b| !b.is_empty()) else {
            return SendOutcome::Accepted {
                rejected: 0,
                message: None,
            };
        };
        return match kind {
            BodyKind::Json => json_partial_success(body),
            // Protobuf, or anything else: try protobuf, the OTLP/HTTP default.
            _ => ExportLogsServiceResponse::decode(body)
                .map(accepted)
                .unwrap_or(SendOutcome::Accepted {
                    rejected: 0,
                    message: None,
                }),
        };
    }
    let mut reason = format!("HTTP {status}");
    if let Some(message) = body.and_then(|b| http_error_message(kind, b)) {
        reason.push_str(": ");
        reason.push_str(&message);
    }
    match status.as_u16() {
        429 | 502 | 503 | 504 => SendOutcome::Retryable {
            reason,
            retry_after: retry_after(headers, chrono::Utc::now()),
        },
        _ => SendOutcome::Fatal { reason },
    }
}

/// Partial success from an OTLP/JSON response. int64 fields may be numbers or strings (the
/// protobuf JSON mapping allows both); field names lowerCamelCase or as in the proto.
fn json_partial_success(body: &[u8]) -> SendOutcome {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return SendOutcome::Accepted {
                rejected: 0,
                message: None,
            }
        }
    };
    let partial = value
        .get("partialSuccess")
        .or_else(|| value.get("partial_success"));
    let Some(partial) = partial else {
        return SendOutcome::Accepted {
            rejected: 0,
            message: None,
        };
    };
    let rejected = partial
        .get("rejectedLogRecords")
        .or_else(|| partial.get("rejected_log_records"))
        .and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .unwrap_or(0)
        .max(0);
    let message = partial
        .get("errorMessage")
        .or_else(|| partial.get("error_message"))
        .and_then(|v| v.as_str())
        .and_then(non_empty_message);
    SendOutcome::Accepted { rejected, message }
}

/// The message of an OTLP/HTTP error body: a `google.rpc.Status` (protobuf or JSON), or text.
fn http_error_message(kind: BodyKind, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    match kind {
        BodyKind::Protobuf => RpcStatus::decode(body)
            .ok()
            .and_then(|s| non_empty_message(&s.message)),
        BodyKind::Json => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            value
                .get("message")
                .and_then(|m| m.as_str())
                .and_then(non_empty_message)
        }
        BodyKind::Text => non_empty_message(&String::from_utf8_lossy(body)),
    }
}

/// The `Retry-After` header's delay, if any.
fn retry_after(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    http_client::parse_retry_after(headers.get(header::RETRY_AFTER)?.to_str().ok()?, now)
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A server message fit for a log line, or `None` if empty.
fn non_empty_message(message: &str) -> Option<String> {
    let cleaned = clean_message(message);
    (!cleaned.is_empty()).then_some(cleaned)
}

/// One line, control characters replaced, at most [`MAX_MESSAGE_CHARS`] characters.
fn clean_message(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.trim().chars();
    for c in chars.by_ref().take(MAX_MESSAGE_CHARS) {
        out.push(if c.is_control() { ' ' } else { c });
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// An error and its sources, `: `-separated, without repeats.
#[cfg(test)]
mod tests {
    use super::*;

    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess;

    /// A temporary directory removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "audit-otel-otlp-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str, content: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, content).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn from_yaml(yaml: &str) -> Result<OtlpSinkConfig, String> {
        config::Config::builder()
            .add_source(config::File::from_str(yaml, config::FileFormat::Yaml))
            .build()
            .and_then(|c| c.try_deserialize::<OtlpSinkConfig>())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn yaml_shape_with_every_field() {
        let cfg = from_yaml(
            "endpoint: https://collector.example:4317\n\
             protocol: http_json\n\
             compression: none\n\
             timeout_secs: 2.5\n\
             headers:\n\
             \x20 x-scope-orgid: tenant-1\n\
             \x20 authorization: {env: OTLP_TOKEN}\n\
             \x20 x-api-key: {file: /run/secrets/key}\n\
             tls:\n\
             \x20 ca_file: /etc/ca.pem\n\
             \x20 cert_file: /etc/client.pem\n\
             \x20 key_file: /etc/client-key.pem\n\
             \x20 server_name: collector.internal\n",
        )
        .unwrap();
        assert_eq!(cfg.endpoint, "https://collector.example:4317");
        assert_eq!(cfg.protocol, OtlpProtocol::HttpJson);
        assert_eq!(cfg.compression, Compression::None);
        assert_eq!(cfg.timeout_secs, 2.5);
        assert_eq!(
            cfg.headers.get("x-scope-orgid"),
            Some(&HeaderValueSource::Literal("tenant-1".into()))
        );
        assert_eq!(
            cfg.headers.get("authorization"),
            Some(&HeaderValueSource::Env("OTLP_TOKEN".into()))
        );
        assert_eq!(
            cfg.headers.get("x-api-key"),
            Some(&HeaderValueSource::File("/run/secrets/key".into()))
        );
        let tls = cfg.tls.unwrap();
        assert_eq!(tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(tls.server_name.as_deref(), Some("collector.internal"));
    }

    #[test]
    fn yaml_defaults_and_unknown_fields() {
        let cfg = from_yaml("endpoint: http://localhost:4317\n").unwrap();
        assert_eq!(
            cfg,
            OtlpSinkConfig::new("http://localhost:4317", OtlpProtocol::Grpc)
        );
        assert_eq!(cfg.compression, Compression::Gzip);
        assert_eq!(cfg.timeout_secs, DEFAULT_TIMEOUT_SECS);

        let err = from_yaml("endpoint: http://x:1\ncompresion: gzip\n").unwrap_err();
        assert!(err.contains("compresion"), "{err}");
        let err = from_yaml("endpoint: http://x:1\nprotocol: http\n").unwrap_err();
        assert!(err.contains("http"), "{err}");
        let err = from_yaml("endpoint: http://x:1\ntls: {ca: /x}\n").unwrap_err();
        assert!(err.contains("ca"), "{err}");
    }

    #[test]
    fn header_value_debug_hides_literals() {
        let shown = format!("{:?}", HeaderValueSource::Literal("s3cr3t".into()));
        assert!(!shown.contains("s3cr3t"));
        assert!(format!("{:?}", HeaderValueSource::Env("TOKEN".into())).contains("TOKEN"));
    }

    #[test]
    fn valid_configurations_have_no_problems() {
        for (endpoint, protocol) in [
            ("http://localhost:4317", OtlpProtocol::Grpc),
            ("https://collector.example", OtlpProtocol::Grpc),
            ("http://localhost:4318", OtlpProtocol::HttpProtobuf),
            (
                "https://collector.example/otlp/v1/logs",
                OtlpProtocol::HttpJson,
            ),
        ] {
            let cfg = OtlpSinkConfig::new(endpoint, protocol);
            assert_eq!(cfg.validate("sinks[0]"), Vec::<String>::new(), "{endpoint}");
            assert!(OtlpClient::new(&cfg).is_ok(), "{endpoint}");
        }
    }

    #[test]
    fn http_endpoints_get_the_logs_path_once() {
        let cases = [
            ("http://h:4318", "http://h:4318/v1/logs"),
            ("http://h:4318/", "http://h:4318/v1/logs"),
            ("http://h:4318/otlp", "http://h:4318/otlp/v1/logs"),
            ("http://h:4318/otlp/", "http://h:4318/otlp/v1/logs"),
            ("https://h/v1/logs", "https://h/v1/logs"),
            ("https://h/api/v1/logs/", "https://h/api/v1/logs"),
            (
                "http://h:4318/p?tenant=a",
                "http://h:4318/p/v1/logs?tenant=a",
            ),
        ];
        for (endpoint, expected) in cases {
            let cfg = OtlpSinkConfig::new(endpoint, OtlpProtocol::HttpProtobuf);
            let mut problems = Vec::new();
            let uri = resolve_endpoint(&cfg, "", &mut problems).unwrap();
            assert_eq!(uri.to_string(), expected);
            assert!(problems.is_empty());
        }
    }

    #[test]
    fn bad_endpoints_are_reported_with_the_field_and_a_fix() {
        let cases = [
            ("", OtlpProtocol::Grpc, "not a URL"),
            ("localhost:4317", OtlpProtocol::Grpc, "scheme"),
            ("ftp://h:21", OtlpProtocol::Grpc, "http:// or https://"),
            ("http://h:4317/v1/logs", OtlpProtocol::Grpc, "no path"),
            ("http:// bad host", OtlpProtocol::HttpJson, "not a URL"),
        ];
        for (endpoint, protocol, expected) in cases {
            let problems = OtlpSinkConfig::new(endpoint, protocol).validate("sinks[2]");
            assert_eq!(problems.len(), 1, "{endpoint}: {problems:?}");
            assert!(
                problems[0].starts_with("`sinks[2].endpoint`: "),
                "{problems:?}"
            );
            assert!(problems[0].contains(expected), "{problems:?}");
            assert!(matches!(
                OtlpClient::new(&OtlpSinkConfig::new(endpoint, protocol)),
                Err(OtlpClientError::Config(_))
            ));
        }
        // Credentials in the URL: refused, and not echoed.
        let problems =
            OtlpSinkConfig::new("https://user:hunter2@h:4318", OtlpProtocol::HttpJson).validate("");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("`endpoint`: credentials"));
        assert!(!problems[0].contains("hunter2"));
    }

    #[test]
    fn bad_timeouts_are_reported() {
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e12] {
            let mut cfg = OtlpSinkConfig::new("http://h:4317", OtlpProtocol::Grpc);
            cfg.timeout_secs = t;
            let problems = cfg.validate("sinks[0]");
            assert_eq!(problems.len(), 1, "{t}");
            assert!(
                problems[0].starts_with("`sinks[0].timeout_secs`"),
                "{problems:?}"
            );
            // No panic in `new` either.
            assert!(OtlpClient::new(&cfg).is_err());
        }
    }

    #[test]
    fn headers_resolve_from_literal_env_and_file_without_echoing_values() {
        let dir = TempDir::new("headers");
        let key_file = dir.file("key", "file-s3cret\n");
        let var = "AUDIT_OTEL_TEST_OTLP_HEADER_OK";
        std::env::set_var(var, "Bearer env-s3cret");
        let mut cfg = OtlpSinkConfig::new("http://h:4318", OtlpProtocol::HttpProtobuf);
        cfg.headers
            .insert("X-Tenant".into(), HeaderValueSource::Literal("t1".into()));
        cfg.headers
            .insert("authorization".into(), HeaderValueSource::Env(var.into()));
        cfg.headers
            .insert("x-api-key".into(), HeaderValueSource::File(key_file));
        let resolved = Resolved::resolve(&cfg, "").ok().unwrap();
        assert_eq!(resolved.headers["x-tenant"], "t1");
        assert!(!resolved.headers["x-tenant"].is_sensitive());
        assert_eq!(resolved.headers["authorization"], "Bearer env-s3cret");
        assert!(resolved.headers["authorization"].is_sensitive());
        assert_eq!(resolved.headers["x-api-key"], "file-s3cret");
        assert!(resolved.headers["x-api-key"].is_sensitive());
    }

    #[test]
    fn header_problems_are_all_reported_without_values() {
        let dir = TempDir::new("badheaders");
        let two_lines = dir.file("two", "line-one-s3cret\nline-two-s3cret\n");
        let empty = dir.file("empty", "  \n");
        let var = "AUDIT_OTEL_TEST_OTLP_HEADER_CTRL";
        std::env::set_var(var, "ctrl\u{1}s3cret");
        let mut cfg = OtlpSinkConfig::new("http://h:4317", OtlpProtocol::Grpc);
        let h = &mut cfg.headers;
        h.insert(
            "a-missing-env".into(),
            HeaderValueSource::Env("AUDIT_OTEL_TEST_SURELY_UNSET_VAR".into()),
        );
        h.insert(
            "b-missing-file".into(),
            HeaderValueSource::File(dir.0.join("nope")),
        );
        h.insert("c-two-lines".into(), HeaderValueSource::File(two_lines));
        h.insert("d-empty".into(), HeaderValueSource::File(empty));
        h.insert("e-control".into(), HeaderValueSource::Env(var.into()));
        h.insert(
            "content-type".into(),
            HeaderValueSource::Literal("x".into()),
        );
        h.insert(
            "grpc-timeout".into(),
            HeaderValueSource::Literal("1S".into()),
        );
        h.insert("bad name".into(), HeaderValueSource::Literal("x".into()));
        h.insert("x-trace-bin".into(), HeaderValueSource::Literal("x".into()));
        h.insert("z-ok".into(), HeaderValueSource::Literal("fine".into()));
        let problems = cfg.validate("sinks[1]");
        assert_eq!(problems.len(), 9, "{problems:#?}");
        let expect = [
            (
                "`sinks[1].headers.a-missing-env`",
                "AUDIT_OTEL_TEST_SURELY_UNSET_VAR is not set",
            ),
            ("`sinks[1].headers.b-missing-file`", "cannot read"),
            ("`sinks[1].headers.c-two-lines`", "printable ASCII"),
            ("`sinks[1].headers.d-empty`", "empty"),
            ("`sinks[1].headers.e-control`", "printable ASCII"),
            ("`sinks[1].headers.bad name`", "not a valid header name"),
            ("`sinks[1].headers.content-type`", "sets this header itself"),
            ("`sinks[1].headers.grpc-timeout`", "sets this header itself"),
            ("`sinks[1].headers.x-trace-bin`", "binary gRPC metadata"),
        ];
        for (field, what) in expect {
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with(field) && p.contains(what)),
                "{field} {what}: {problems:#?}"
            );
        }
        assert!(
            problems.iter().all(|p| !p.contains("s3cret")),
            "{problems:#?}"
        );
        match OtlpClient::new(&cfg) {
            Err(e @ OtlpClientError::Config(_)) => assert!(!e.to_string().contains("s3cret")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tls_problems_name_the_field() {
        let dir = TempDir::new("tls");
        let not_pem = dir.file("not.pem", "hello, I am not a certificate\n");
        let garbage_cert = dir.file(
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let cert_only = dir.file(
            "cert.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );

        // Unreadable CA file, plus TLS options on a plain-http endpoint.
        let mut cfg = OtlpSinkConfig::new("http://h:4317", OtlpProtocol::Grpc);
        cfg.tls = Some(TlsConfig {
            ca_file: Some(dir.0.join("missing-ca.pem")),
            ..TlsConfig::default()
        });
        let problems = cfg.validate("sinks[3]");
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0]
            .starts_with("`sinks[3].tls`: TLS options are set but the endpoint is plain http://"));
        assert!(problems[1].starts_with("`sinks[3].tls.ca_file`: cannot read"));
        assert!(problems[1].contains("missing-ca.pem"));

        // Files that are not PEM certificates.
        cfg.endpoint = "https://h:4317".into();
        for path in [&not_pem, &garbage_cert] {
            cfg.tls = Some(TlsConfig {
                ca_file: Some(path.clone()),
                ..TlsConfig::default()
            });
            let problems = cfg.validate("sinks[3]");
            assert_eq!(problems.len(), 1, "{problems:#?}");
            assert!(
                problems[0].starts_with("`sinks[3].tls.ca_file`: "),
                "{problems:?}"
            );
            assert!(problems[0].contains("BEGIN CERTIFICATE"), "{problems:?}");
        }

        // Half a client identity; a key file that holds no key; a bad server name.
        cfg.tls = Some(TlsConfig {
            cert_file: Some(cert_only.clone()),
            ..TlsConfig::default()
        });
        let problems = cfg.validate("");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("`tls.key_file`: a client certificate needs its private key")
        );
        cfg.tls = Some(TlsConfig {
            key_file: Some(not_pem.clone()),
            ..TlsConfig::default()
        });
        assert!(cfg.validate("")[0].starts_with("`tls.cert_file`: a private key needs"));
        cfg.tls = Some(TlsConfig {
            server_name: Some("not a name!".into()),
            ..TlsConfig::default()
        });
        assert!(cfg.validate("")[0].starts_with("`tls.server_name`: "));
        let mut with_bad_key = cfg.clone();
        with_bad_key.tls = Some(TlsConfig {
            cert_file: Some(not_pem.clone()),
            key_file: Some(not_pem.clone()),
            ..TlsConfig::default()
        });
        let problems = with_bad_key.validate("s");
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("`s.tls.cert_file`: "));
        assert!(problems[1].starts_with("`s.tls.key_file`: "));
        assert!(problems[1].contains("no PEM private key"));
    }

    fn status_with_retry_info(code: tonic::Code, delay: Option<Duration>) -> tonic::Status {
        let packed = RpcStatus::new(code, "server says", delay);
        tonic::Status::with_details(code, "server says", packed.encode_to_vec().into())
    }

    #[test]
    fn grpc_codes_are_classified_per_the_spec() {
        use tonic::Code::*;
        for code in [
            Cancelled,
            DeadlineExceeded,
            Aborted,
            OutOfRange,
            Unavailable,
            DataLoss,
        ] {
            let outcome = classify_grpc(&tonic::Status::new(code, "later"));
            assert_eq!(
                outcome,
                SendOutcome::Retryable {
                    reason: format!("gRPC {}: later", code_name(code)),
                    retry_after: None
                }
            );
        }
        for code in [
            Unknown,
            InvalidArgument,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            ResourceExhausted,
            FailedPrecondition,
            Unimplemented,
            Internal,
            Unauthenticated,
        ] {
            let outcome = classify_grpc(&tonic::Status::new(code, "no"));
            assert_eq!(
                outcome,
                SendOutcome::Fatal {
                    reason: format!("gRPC {}: no", code_name(code))
                },
            );
        }
    }

    #[test]
    fn retry_info_is_read_and_makes_resource_exhausted_retryable() {
        let delay = Duration::from_millis(2500);
        let throttled = status_with_retry_info(tonic::Code::ResourceExhausted, Some(delay));
        assert_eq!(
            classify_grpc(&throttled),
            SendOutcome::Retryable {
                reason: "gRPC RESOURCE_EXHAUSTED: server says".into(),
                retry_after: Some(delay)
            }
        );
        let unavailable = status_with_retry_info(tonic::Code::Unavailable, Some(delay));
        assert!(matches!(
            classify_grpc(&unavailable),
            SendOutcome::Retryable { retry_after: Some(d), .. } if d == delay
        ));
        let without = status_with_retry_info(tonic::Code::ResourceExhausted, None);
        assert!(matches!(classify_grpc(&without), SendOutcome::Fatal { .. }));
        // Garbage details: no delay, no panic.
        let garbage = tonic::Status::with_details(
            tonic::Code::Unavailable,
            "x",
            Bytes::from_static(&[0xff, 0xff, 0xff]),
        );
        assert!(matches!(
            classify_grpc(&garbage),
            SendOutcome::Retryable {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn local_transport_errors_are_retryable_whatever_the_code() {
        let mut status = tonic::Status::new(tonic::Code::Unknown, "transport error");
        status.set_source(Arc::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        )));
        match classify_grpc(&status) {
            SendOutcome::Retryable { reason, .. } => {
                assert!(reason.contains("connection reset by peer"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn grpc_partial_success() {
        let response = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 3,
                error_message: "3 records too old".into(),
            }),
        };
        assert_eq!(
            accepted(response),
            SendOutcome::Accepted {
                rejected: 3,
                message: Some("3 records too old".into())
            }
        );
        assert_eq!(
            accepted(ExportLogsServiceResponse::default()),
            SendOutcome::Accepted {
                rejected: 0,
                message: None
            }
        );
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn http_success_bodies() {
        let proto = headers(&[("content-type", "application/x-protobuf")]);
        let json = headers(&[("content-type", "application/json; charset=utf-8")]);
        let none = SendOutcome::Accepted {
            rejected: 0,
            message: None,
        };
        assert_eq!(classify_http(StatusCode::OK, &proto, Some(b"")), none);
        assert_eq!(classify_http(StatusCode::OK, &proto, None), none);
        assert_eq!(classify_http(StatusCode::OK, &json, Some(b"{}")), none);
        assert_eq!(
            classify_http(StatusCode::OK, &json, Some(b"not json")),
            none
        );
        assert_eq!(
            classify_http(StatusCode::ACCEPTED, &proto, Some(&[0xff])),
            none
        );

        let body = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 2,
                error_message: "dropped\ntwo".into(),
            }),
        }
        .encode_to_vec();
        assert_eq!(
            classify_http(StatusCode::OK, &proto, Some(&body)),
            SendOutcome::Accepted {
                rejected: 2,
                message: Some("dropped two".into())
            }
        );
        for text in [
            r#"{"partialSuccess":{"rejectedLogRecords":"7","errorMessage":"bad"}}"#,
            r#"{"partialSuccess":{"rejectedLogRecords":7,"errorMessage":"bad"}}"#,
            r#"{"partial_success":{"rejected_log_records":7,"error_message":"bad"}}"#,
        ] {
            assert_eq!(
                classify_http(StatusCode::OK, &json, Some(text.as_bytes())),
                SendOutcome::Accepted {
                    rejected: 7,
                    message: Some("bad".into())
                },
                "{text}"
            );
        }
    }

    #[test]
    fn http_statuses_are_classified_per_the_spec() {
        let proto = headers(&[("content-type", "application/x-protobuf")]);
        for code in [429, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(classify_http(status, &proto, None).is_retryable(), "{code}");
        }
        for code in [300, 400, 401, 403, 404, 413, 415, 500, 501] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                matches!(
                    classify_http(status, &proto, None),
                    SendOutcome::Fatal { .. }
                ),
                "{code}"
            );
        }
        let body = RpcStatus {
            code: 3,
            message: "field x is bad".into(),
            details: vec![],
        }
        .encode_to_vec();
        assert_eq!(
            classify_http(StatusCode::BAD_REQUEST, &proto, Some(&body)),
            SendOutcome::Fatal {
                reason: "HTTP 400 Bad Request: field x is bad".into()
            }
        );
        let json = headers(&[("content-type", "application/json")]);
        assert_eq!(
            classify_http(
                StatusCode::UNAUTHORIZED,
                &json,
                Some(br#"{"code":16,"message":"no token"}"#)
            ),
            SendOutcome::Fatal {
                reason: "HTTP 401 Unauthorized: no token".into()
            }
        );
        let long = "x".repeat(1000);
        let text = headers(&[("content-type", "text/plain")]);
        match classify_http(StatusCode::BAD_GATEWAY, &text, Some(long.as_bytes())) {
            SendOutcome::Retryable { reason, .. } => {
                assert!(reason.chars().count() < MAX_MESSAGE_CHARS + 40, "{reason}");
                assert!(reason.ends_with('…'));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let h = |v: &'static str| headers(&[("retry-after", v)]);
        assert_eq!(retry_after(&h("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&h(" 0 "), now), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&h("Mon, 01 Jan 2024 00:00:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&h("Sun, 31 Dec 2023 23:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&h("soon"), now), None);
        assert_eq!(retry_after(&h("-5"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
        let outcome = classify_http(StatusCode::TOO_MANY_REQUESTS, &h("3"), None);
        assert_eq!(
            outcome,
            SendOutcome::Retryable {
                reason: "HTTP 429 Too Many Requests".into(),
                retry_after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn requests_encode_once_per_protocol_and_compression_and_round_trip() {
        let req = crate::otel::proto::export_request(
            crate::otel::proto::resource(&[("service.name".into(), "idp".into())]),
            vec![Default::default(); 3],
        );
        let plain = req.encode_to_vec();
        for protocol in [
            OtlpProtocol::Grpc,
            OtlpProtocol::HttpProtobuf,
            OtlpProtocol::HttpJson,
        ] {
            for compression in [Compression::Gzip, Compression::Zstd, Compression::None] {
                let mut cfg = OtlpSinkConfig::new("http://localhost:4317", protocol);
                cfg.compression = compression;
                let client = OtlpClient::new(&cfg).unwrap();
                let encoded = client.encode(&req).unwrap();
                let tag = format!("{protocol} {compression:?}");
                let body = match protocol {
                    OtlpProtocol::Grpc => {
                        // The gRPC frame: compressed flag, big-endian length, message.
                        let b = &encoded.body;
                        assert_eq!(b[0], u8::from(compression != Compression::None), "{tag}");
                        let len = u32::from_be_bytes(b[1..5].try_into().unwrap()) as usize;
                        assert_eq!(len, b.len() - 5, "{tag}");
                        encoded.body.slice(5..)
                    }
                    _ => encoded.body.clone(),
                };
                let raw = match compression.encoding() {
                    Some(name) => Bytes::from(decompress_limited(name, &body, 1 << 20).unwrap()),
                    None => body,
                };
                let back = if protocol == OtlpProtocol::HttpJson {
                    serde_json::from_slice::<ExportLogsServiceRequest>(&raw).unwrap()
                } else {
                    assert_eq!(raw, plain, "{tag}");
                    ExportLogsServiceRequest::decode(raw.as_ref()).unwrap()
                };
                assert_eq!(back, req, "{tag}");
            }
        }
        // A response claiming gzip or zstd that is not: no body, no panic.
        for name in ["gzip", "zstd"] {
            let claimed = headers(&[("content-encoding", name)]);
            assert_eq!(decoded_body(&claimed, Bytes::from_static(b"plain")), None);
        }
        assert_eq!(decompress_limited("br", b"x", 10), None);
        // Over the limit once inflated: refused, not truncated.
        let big = BodyCompression {
            kind: Compression::Zstd,
            level: 3,
        }
        .apply(&vec![b'a'; 10_000], Vec::new())
        .unwrap();
        assert_eq!(decompress_limited("zstd", &big, 9_999), None);
        assert_eq!(
            decompress_limited("zstd", &big, 10_000).unwrap().len(),
            10_000
        );
    }

    #[test]
    fn grpc_answers_without_a_grpc_status_map_http_codes() {
        assert_eq!(
            http_to_grpc_code(StatusCode::SERVICE_UNAVAILABLE),
            tonic::Code::Unavailable
        );
        assert_eq!(
            http_to_grpc_code(StatusCode::TOO_MANY_REQUESTS),
            tonic::Code::Unavailable
        );
        assert_eq!(
            http_to_grpc_code(StatusCode::UNAUTHORIZED),
            tonic::Code::Unauthenticated
        );
        assert_eq!(
            http_to_grpc_code(StatusCode::NOT_FOUND),
            tonic::Code::Unimplemented
        );
        assert_eq!(
            http_to_grpc_code(StatusCode::IM_A_TEAPOT),
            tonic::Code::Unknown
        );
        let response = ExportLogsServiceResponse::default().encode_to_vec();
        let mut frame = vec![0u8];
        frame.extend_from_slice(&(response.len() as u32).to_be_bytes());
        frame.extend_from_slice(&response);
        assert_eq!(
            grpc_response_message(&frame, None),
            Some(Default::default())
        );
        assert_eq!(grpc_response_message(&frame[..3], None), None);
        frame[0] = 1; // flagged compressed without an encoding
        assert_eq!(grpc_response_message(&frame, None), None);
    }

    #[test]
    fn compression_levels_and_in_flight_limits_are_validated() {
        let problems = |yaml: &str| from_yaml(yaml).unwrap().validate("sinks[0]").join("\n");
        let base = "endpoint: http://localhost:4317\n";
        assert_eq!(
            problems(&format!("{base}compression: zstd\ncompression_level: 19\n")),
            ""
        );
        assert_eq!(problems(&format!("{base}compression_level: 1\n")), "");
        let p = problems(&format!("{base}compression: gzip\ncompression_level: 12\n"));
        assert!(
            p.contains("`sinks[0].compression_level`") && p.contains("1 to 9"),
            "{p}"
        );
        let p = problems(&format!("{base}compression: none\ncompression_level: 3\n"));
        assert!(
            p.contains("`sinks[0].compression_level`") && p.contains("none"),
            "{p}"
        );
        let p = problems(&format!("{base}max_in_flight: 0\n"));
        assert!(
            p.contains("`sinks[0].max_in_flight`") && p.contains("1 keeps strict order"),
            "{p}"
        );
        assert_eq!(problems(&format!("{base}max_in_flight: 1\n")), "");
    }

    #[test]
    fn messages_are_one_line_and_bounded() {
        assert_eq!(clean_message("  a\r\nb\t "), "a  b");
        assert_eq!(non_empty_message(" \n "), None);
        let long: String = "é".repeat(500);
        let cleaned = clean_message(&long);
        assert_eq!(cleaned.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn clients_are_built_without_a_runtime_and_print_no_headers() {
        let mut cfg = OtlpSinkConfig::new("http://localhost:4317", OtlpProtocol::Grpc);
        cfg.headers.insert(
            "authorization".into(),
            HeaderValueSource::Literal("Bearer s3cret".into()),
        );
        let client = OtlpClient::new(&cfg).unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("localhost:4317"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(client.protocol(), OtlpProtocol::Grpc);
        assert_eq!(client.clone().endpoint(), "http://localhost:4317");
    }
}
