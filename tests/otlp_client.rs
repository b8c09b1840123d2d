//! End-to-end tests of the OTLP export client (`pipeline::sink::otlp`): against the in-process
//! receiver (`audit_otel::testing`) for delivery, headers and every answer class, and against
//! small TLS servers (certificates made here with rcgen) for TLS and mutual TLS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_otel::pipeline::sink::otlp::{
    Compression, HeaderValueSource, OtlpClient, OtlpClientError, OtlpProtocol, OtlpSinkConfig,
    SendOutcome, TlsConfig,
};
use audit_otel::testing::{gzip_decompress, Behavior, OtlpReceiver, Transport};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::Message;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Record bodies carry this, so that tests can check it never shows up in a reason.
const PLANTED: &str = "PLANTED-PERSONAL-DATA";

fn string(s: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(s.to_owned())),
    })
}

fn records(n: usize, tag: &str) -> Vec<LogRecord> {
    (0..n)
        .map(|i| LogRecord {
            body: string(&format!("{PLANTED} alice@example.com {tag}-{i}")),
            attributes: vec![KeyValue {
                key: "log.record.uid".into(),
                value: string(&format!("{tag}-{i}")),
                ..KeyValue::default()
            }],
            ..LogRecord::default()
        })
        .collect()
}

fn request(n: usize, tag: &str) -> ExportLogsServiceRequest {
    audit_otel::otel::proto::export_request(
        audit_otel::otel::proto::resource(&[("service.name".into(), "idp".into())]),
        records(n, tag),
    )
}

fn uids(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("{tag}-{i}")).collect()
}

const PROTOCOLS: [OtlpProtocol; 3] = [
    OtlpProtocol::Grpc,
    OtlpProtocol::HttpProtobuf,
    OtlpProtocol::HttpJson,
];

fn config(receiver: &OtlpReceiver, protocol: OtlpProtocol) -> OtlpSinkConfig {
    let endpoint = match protocol {
        OtlpProtocol::Grpc => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    OtlpSinkConfig::new(endpoint, protocol)
}

fn client(receiver: &OtlpReceiver, protocol: OtlpProtocol) -> OtlpClient {
    OtlpClient::new(&config(receiver, protocol)).unwrap()
}

fn transport_of(protocol: OtlpProtocol) -> Transport {
    match protocol {
        OtlpProtocol::Grpc => Transport::Grpc,
        OtlpProtocol::HttpProtobuf => Transport::HttpProtobuf,
        OtlpProtocol::HttpJson => Transport::HttpJson,
    }
}

fn assert_clean(outcome: &SendOutcome) {
    let text = format!("{outcome:?}");
    assert!(
        !text.contains(PLANTED) && !text.contains("alice@"),
        "{text}"
    );
}

fn accepted_all() -> SendOutcome {
    SendOutcome::Accepted {
        rejected: 0,
        message: None,
    }
}

#[tokio::test]
async fn delivers_over_every_protocol_with_gzip_zstd_and_none() {
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        for compression in [Compression::Gzip, Compression::Zstd, Compression::None] {
            let tag = format!("{protocol}-{compression:?}");
            receiver.clear();
            let mut cfg = config(&receiver, protocol);
            cfg.compression = compression;
            let client = OtlpClient::new(&cfg).unwrap();
            let outcome = client.send(request(5, &tag)).await;
            assert_eq!(outcome, accepted_all(), "{tag}");

            assert_eq!(receiver.record_uids(), uids(5, &tag), "{tag}");
            let received = receiver.requests();
            assert_eq!(received.len(), 1, "{tag}");
            let got = &received[0];
            assert_eq!(got.transport, transport_of(protocol), "{tag}");
            assert_eq!(got.compressed, compression != Compression::None, "{tag}");
            let encoding_header = match protocol {
                OtlpProtocol::Grpc => "grpc-encoding",
                _ => "content-encoding",
            };
            assert_eq!(got.header(encoding_header), compression.encoding(), "{tag}");
            assert!(
                got.header("user-agent")
                    .is_some_and(|ua| ua.contains("audit-otel/")),
                "{tag}: {:?}",
                got.header("user-agent")
            );
            let record = &receiver.records()[0];
            assert_eq!(record.resource_str("service.name"), Some("idp"));
            assert!(record.body_str().unwrap().starts_with(PLANTED));
        }
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_client_is_reused_across_requests_and_clones() {
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.clear();
        let client = client(&receiver, protocol);
        let copy = client.clone();
        let tag = protocol.to_string();
        let (a, b) = tokio::join!(
            client.send(request(3, &format!("{tag}-a"))),
            copy.send(request(4, &format!("{tag}-b")))
        );
        assert_eq!(a, accepted_all());
        assert_eq!(b, accepted_all());
        assert_eq!(client.send(request(1, &tag)).await, accepted_all());
        assert_eq!(receiver.record_count(), 8, "{tag}");
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn headers_from_env_file_and_literal_arrive() {
    let dir = TempDir::new("headers");
    let key_file = dir.file("api-key", "key-from-file\n");
    std::env::set_var("AUDIT_OTEL_TEST_OTLP_CLIENT_TOKEN", "Bearer token-from-env");
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.clear();
        let mut cfg = config(&receiver, protocol);
        cfg.headers = BTreeMap::from([
            (
                "authorization".to_owned(),
                HeaderValueSource::Env("AUDIT_OTEL_TEST_OTLP_CLIENT_TOKEN".into()),
            ),
            (
                "x-api-key".to_owned(),
                HeaderValueSource::File(key_file.clone()),
            ),
            (
                "X-Scope-OrgID".to_owned(),
                HeaderValueSource::Literal("tenant-1".into()),
            ),
        ]);
        let client = OtlpClient::new(&cfg).unwrap();
        assert_eq!(client.send(request(1, "h")).await, accepted_all());
        let got = &receiver.requests()[0];
        assert_eq!(
            got.header("authorization"),
            Some("Bearer token-from-env"),
            "{protocol}"
        );
        assert_eq!(got.header("x-api-key"), Some("key-from-file"), "{protocol}");
        assert_eq!(got.header("x-scope-orgid"), Some("tenant-1"), "{protocol}");
        assert!(
            !format!("{client:?}").contains("token-from-env"),
            "{client:?}"
        );
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn partial_success_is_accepted_with_the_rejected_count() {
    let receiver = OtlpReceiver::builder()
        .behavior(Behavior::PartialSuccess { rejected: 2 })
        .start()
        .await
        .unwrap();
    for protocol in PROTOCOLS {
        receiver.clear();
        let outcome = client(&receiver, protocol).send(request(5, "p")).await;
        match &outcome {
            SendOutcome::Accepted { rejected, message } => {
                assert_eq!(*rejected, 2, "{protocol}");
                assert!(
                    message.as_deref().is_some_and(|m| !m.is_empty()),
                    "{protocol}"
                );
            }
            other => panic!("{protocol}: {other:?}"),
        }
        assert_clean(&outcome);
        assert_eq!(receiver.record_count(), 3, "{protocol}");
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn throttling_is_retryable_with_the_suggested_delay() {
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.set_behavior(Behavior::Throttle {
            n: 1,
            retry_after: Some(Duration::from_millis(1500)),
        });
        let client = client(&receiver, protocol);
        let outcome = client.send(request(2, "t")).await;
        // gRPC carries the exact RetryInfo delay; HTTP whole seconds, rounded up.
        let expected = match protocol {
            OtlpProtocol::Grpc => Duration::from_millis(1500),
            _ => Duration::from_secs(2),
        };
        match &outcome {
            SendOutcome::Retryable {
                reason,
                retry_after,
            } => {
                assert_eq!(*retry_after, Some(expected), "{protocol}");
                let code = match protocol {
                    OtlpProtocol::Grpc => "RESOURCE_EXHAUSTED",
                    _ => "429",
                };
                assert!(reason.contains(code), "{protocol}: {reason}");
            }
            other => panic!("{protocol}: {other:?}"),
        }
        assert_clean(&outcome);
        // The throttle budget is spent: the retry goes through.
        assert_eq!(client.send(request(2, "t")).await, accepted_all());
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn throttling_without_retry_info_is_fatal_over_grpc_only() {
    // The OTLP spec: RESOURCE_EXHAUSTED is retryable only with RetryInfo; HTTP 429 always is.
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.set_behavior(Behavior::Throttle {
            n: 1,
            retry_after: None,
        });
        let outcome = client(&receiver, protocol).send(request(1, "t")).await;
        match protocol {
            OtlpProtocol::Grpc => assert!(
                matches!(&outcome, SendOutcome::Fatal { reason } if reason.contains("RESOURCE_EXHAUSTED")),
                "{outcome:?}"
            ),
            _ => assert!(
                matches!(
                    &outcome,
                    SendOutcome::Retryable {
                        retry_after: None,
                        ..
                    }
                ),
                "{protocol}: {outcome:?}"
            ),
        }
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn unavailable_is_retryable_and_the_retry_is_delivered() {
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.clear();
        receiver.set_behavior(Behavior::FailNext {
            n: 2,
            retry_after: Some(Duration::from_secs(1)),
        });
        let client = client(&receiver, protocol);
        for _ in 0..2 {
            let outcome = client.send(request(3, "f")).await;
            match &outcome {
                SendOutcome::Retryable {
                    reason,
                    retry_after,
                } => {
                    assert_eq!(*retry_after, Some(Duration::from_secs(1)), "{protocol}");
                    let code = match protocol {
                        OtlpProtocol::Grpc => "UNAVAILABLE",
                        _ => "503",
                    };
                    assert!(reason.contains(code), "{protocol}: {reason}");
                }
                other => panic!("{protocol}: {other:?}"),
            }
            assert_clean(&outcome);
        }
        assert_eq!(client.send(request(3, "f")).await, accepted_all());
        assert_eq!(receiver.record_uids(), uids(3, "f"), "{protocol}");
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn rejection_is_fatal() {
    let receiver = OtlpReceiver::builder()
        .behavior(Behavior::RejectAll)
        .start()
        .await
        .unwrap();
    for protocol in PROTOCOLS {
        let outcome = client(&receiver, protocol).send(request(4, "r")).await;
        let code = match protocol {
            OtlpProtocol::Grpc => "gRPC INVALID_ARGUMENT",
            _ => "HTTP 400 Bad Request",
        };
        match &outcome {
            SendOutcome::Fatal { reason } => {
                assert!(reason.starts_with(code), "{protocol}: {reason}");
                assert!(reason.len() < 300, "{reason}");
            }
            other => panic!("{protocol}: {other:?}"),
        }
        assert_clean(&outcome);
    }
    assert_eq!(receiver.record_count(), 0);
    assert_eq!(receiver.stats().records_rejected(), 12);
    receiver.shutdown().await;
}

#[tokio::test]
async fn receiver_down_is_retryable_and_recovery_is_seen() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let clients: Vec<_> = PROTOCOLS
        .iter()
        .map(|&p| (p, client(&receiver, p)))
        .collect();
    // Connections exist before the crash.
    for (_, client) in &clients {
        assert_eq!(client.send(request(1, "before")).await, accepted_all());
    }
    receiver.shutdown().await;
    for (protocol, client) in &clients {
        let started = Instant::now();
        let outcome = client.send(request(1, "down")).await;
        assert!(
            matches!(
                &outcome,
                SendOutcome::Retryable {
                    retry_after: None,
                    ..
                }
            ),
            "{protocol}: {outcome:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{protocol}");
        assert_clean(&outcome);
    }
    receiver.restart().await.unwrap();
    for (protocol, client) in &clients {
        let mut outcome = client.send(request(1, "after")).await;
        // A pooled connection may still be the dead one for a first attempt; the caller retries.
        if outcome.is_retryable() {
            outcome = client.send(request(1, "after")).await;
        }
        assert_eq!(outcome, accepted_all(), "{protocol}");
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn nothing_listening_is_retryable() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for protocol in PROTOCOLS {
        let cfg = OtlpSinkConfig::new(format!("http://127.0.0.1:{port}"), protocol);
        let outcome = OtlpClient::new(&cfg).unwrap().send(request(1, "x")).await;
        match &outcome {
            SendOutcome::Retryable { reason, .. } => {
                assert!(
                    reason.to_lowercase().contains("connect"),
                    "{protocol}: {reason}"
                )
            }
            other => panic!("{protocol}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_slow_receiver_times_out_as_retryable() {
    let receiver = OtlpReceiver::builder()
        .behavior(Behavior::Delay(Duration::from_secs(3)))
        .start()
        .await
        .unwrap();
    for protocol in PROTOCOLS {
        let mut cfg = config(&receiver, protocol);
        cfg.timeout_secs = 0.3;
        let client = OtlpClient::new(&cfg).unwrap();
        let started = Instant::now();
        let outcome = client.send(request(1, "slow")).await;
        let took = started.elapsed();
        assert!(outcome.is_retryable(), "{protocol}: {outcome:?}");
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(2),
            "{protocol}: {took:?}"
        );
    }
    receiver.shutdown().await;
}

#[tokio::test]
async fn a_large_request_is_delivered_intact() {
    let receiver = OtlpReceiver::start().await.unwrap();
    for protocol in PROTOCOLS {
        receiver.clear();
        // Large enough for the off-thread encoding path (> 256 KiB).
        let req = request(5_000, "big");
        assert!(req.encoded_len() > 256 * 1024);
        let outcome = client(&receiver, protocol).send(req).await;
        assert_eq!(outcome, accepted_all(), "{protocol}");
        assert_eq!(receiver.record_uids(), uids(5_000, "big"), "{protocol}");
    }
    receiver.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "audit-otel-otlp-client-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
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

/// A CA, a server certificate for `localhost` and a client certificate, all in PEM files.
struct Pki {
    dir: TempDir,
    ca_pem: String,
    server_cert_pem: String,
    server_key_pem: String,
    ca_file: PathBuf,
    client_cert_file: PathBuf,
    client_key_file: PathBuf,
    /// Another CA, which signed nothing here.
    other_ca_file: PathBuf,
}

fn ca(name: &str) -> (rcgen::CertificateParams, rcgen::KeyPair, rcgen::Certificate) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    (params, key, cert)
}

fn pki() -> Pki {
    let (ca_params, ca_key, ca_cert) = ca("audit-otel test CA");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = rcgen::KeyPair::generate().unwrap();
    let mut server = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();

    let client_key = rcgen::KeyPair::generate().unwrap();
    let mut client = rcgen::CertificateParams::new(vec!["audit-otel-client".to_owned()]).unwrap();
    client.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client.signed_by(&client_key, &issuer).unwrap();

    let (_, _, other_ca) = ca("some other CA");

    let dir = TempDir::new("pki");
    Pki {
        ca_file: dir.file("ca.pem", &ca_cert.pem()),
        client_cert_file: dir.file("client.pem", &client_cert.pem()),
        client_key_file: dir.file("client-key.pem", &client_key.serialize_pem()),
        other_ca_file: dir.file("other-ca.pem", &other_ca.pem()),
        ca_pem: ca_cert.pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: server_key.serialize_pem(),
        dir,
    }
}

impl Pki {
    /// TLS options trusting our CA, verifying `localhost`, with the client certificate.
    fn mtls(&self) -> TlsConfig {
        TlsConfig {
            ca_file: Some(self.ca_file.clone()),
            cert_file: Some(self.client_cert_file.clone()),
            key_file: Some(self.client_key_file.clone()),
            server_name: Some("localhost".into()),
        }
    }
}

/// A minimal gRPC logs service counting records.
struct CountingLogs(Arc<AtomicUsize>);

#[tonic::async_trait]
impl LogsService for CountingLogs {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let n: usize = request
            .get_ref()
            .resource_logs
            .iter()
            .flat_map(|rl| &rl.scope_logs)
            .map(|sl| sl.log_records.len())
            .sum();
        self.0.fetch_add(n, Ordering::SeqCst);
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}

/// A gRPC server over TLS that requires a client certificate signed by our CA.
async fn grpc_mtls_server(pki: &Pki) -> (SocketAddr, Arc<AtomicUsize>) {
    use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(
            &pki.server_cert_pem,
            &pki.server_key_pem,
        ))
        .client_ca_root(Certificate::from_pem(&pki.ca_pem));
    let count = Arc::new(AtomicUsize::new(0));
    let service = LogsServiceServer::new(CountingLogs(Arc::clone(&count)))
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
    let server = Server::builder()
        .tls_config(tls)
        .unwrap()
        .add_service(service);
    tokio::spawn(server.serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)));
    (addr, count)
}

/// What the HTTPS test server saw of one request.
#[derive(Debug, Clone)]
struct SeenRequest {
    head: String,
    body: Vec<u8>,
}

/// A tiny HTTP/1.1 server over TLS requiring a client certificate signed by our CA: answers
/// every request `200` with an empty protobuf body, and keeps what it saw.
async fn https_mtls_server(pki: &Pki) -> (SocketAddr, Arc<Mutex<Vec<SeenRequest>>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_server = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = Arc::clone(&seen_by_server);
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                while let Some(request) = read_http_request(&mut tls).await {
                    seen.lock().unwrap().push(request);
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if tls.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, seen)
}

/// Reads one HTTP/1.1 request with a `content-length` body; `None` at EOF or on error.
async fn read_http_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<SeenRequest> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(SeenRequest { head, body })
}

#[tokio::test]
async fn grpc_over_mutual_tls() {
    let pki = pki();
    let (addr, count) = grpc_mtls_server(&pki).await;
    let endpoint = format!("https://127.0.0.1:{}", addr.port());

    let mut cfg = OtlpSinkConfig::new(&endpoint, OtlpProtocol::Grpc);
    cfg.tls = Some(pki.mtls());
    assert_eq!(cfg.validate("sinks[0]"), Vec::<String>::new());
    let client = OtlpClient::new(&cfg).unwrap();
    assert_eq!(client.send(request(6, "tls")).await, accepted_all());
    assert_eq!(count.load(Ordering::SeqCst), 6);

    // Without the client certificate the server refuses the handshake.
    let mut no_client_cert = cfg.clone();
    no_client_cert.tls = Some(TlsConfig {
        cert_file: None,
        key_file: None,
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&no_client_cert)
        .unwrap()
        .send(request(1, "tls"))
        .await;
    assert!(outcome.is_retryable(), "{outcome:?}");

    // A CA that did not sign the server certificate: the client refuses the server.
    let mut wrong_ca = cfg.clone();
    wrong_ca.tls = Some(TlsConfig {
        ca_file: Some(pki.other_ca_file.clone()),
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&wrong_ca)
        .unwrap()
        .send(request(1, "tls"))
        .await;
    assert!(!outcome.is_accepted(), "{outcome:?}");

    // The built-in roots do not know our CA.
    let mut public_roots = cfg.clone();
    public_roots.tls = Some(TlsConfig {
        ca_file: None,
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&public_roots)
        .unwrap()
        .send(request(1, "tls"))
        .await;
    assert!(!outcome.is_accepted(), "{outcome:?}");

    // The certificate is for `localhost`, not for the address we connect to.
    let mut no_server_name = cfg.clone();
    no_server_name.tls = Some(TlsConfig {
        server_name: None,
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&no_server_name)
        .unwrap()
        .send(request(1, "tls"))
        .await;
    assert!(!outcome.is_accepted(), "{outcome:?}");

    assert_eq!(count.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn http_over_mutual_tls() {
    let pki = pki();
    let (addr, seen) = https_mtls_server(&pki).await;
    for protocol in [OtlpProtocol::HttpProtobuf, OtlpProtocol::HttpJson] {
        seen.lock().unwrap().clear();
        let mut cfg = OtlpSinkConfig::new(format!("https://127.0.0.1:{}", addr.port()), protocol);
        cfg.tls = Some(pki.mtls());
        assert_eq!(cfg.validate(""), Vec::<String>::new());
        let client = OtlpClient::new(&cfg).unwrap();
        assert_eq!(client.send(request(4, "https")).await, accepted_all());

        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests.len(), 1, "{protocol}");
        let got = &requests[0];
        assert!(
            got.head.starts_with("POST /v1/logs HTTP/1.1\r\n"),
            "{}",
            got.head
        );
        let head = got.head.to_ascii_lowercase();
        assert!(head.contains("content-encoding: gzip"), "{head}");
        let body = gzip_decompress(&got.body, 1 << 24).unwrap();
        let decoded: ExportLogsServiceRequest = match protocol {
            OtlpProtocol::HttpJson => {
                assert!(head.contains("content-type: application/json"), "{head}");
                serde_json::from_slice(&body).unwrap()
            }
            _ => {
                assert!(
                    head.contains("content-type: application/x-protobuf"),
                    "{head}"
                );
                ExportLogsServiceRequest::decode(body.as_slice()).unwrap()
            }
        };
        assert_eq!(decoded, request(4, "https"), "{protocol}");
    }

    // No client certificate: refused.
    seen.lock().unwrap().clear();
    let mut cfg = OtlpSinkConfig::new(
        format!("https://127.0.0.1:{}", addr.port()),
        OtlpProtocol::HttpProtobuf,
    );
    cfg.tls = Some(TlsConfig {
        cert_file: None,
        key_file: None,
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&cfg).unwrap().send(request(1, "x")).await;
    assert!(outcome.is_retryable(), "{outcome:?}");
    // Wrong CA: refused.
    cfg.tls = Some(TlsConfig {
        ca_file: Some(pki.other_ca_file.clone()),
        ..pki.mtls()
    });
    let outcome = OtlpClient::new(&cfg).unwrap().send(request(1, "x")).await;
    assert!(outcome.is_retryable(), "{outcome:?}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "no request may get through a failed handshake"
    );
}

#[test]
fn tls_files_load_and_bad_ones_name_their_field() {
    let pki = pki();
    let mut cfg = OtlpSinkConfig::new("https://127.0.0.1:4317", OtlpProtocol::Grpc);
    cfg.tls = Some(pki.mtls());
    assert_eq!(cfg.validate("sinks[4]"), Vec::<String>::new());
    OtlpClient::new(&cfg).unwrap();

    // A key that does not match... is a TLS error at build time for HTTP (rustls checks), and
    // swapped files (a key where the certificate goes) are reported per field.
    let mut swapped = cfg.clone();
    swapped.tls = Some(TlsConfig {
        cert_file: Some(pki.client_key_file.clone()),
        key_file: Some(pki.client_cert_file.clone()),
        ..pki.mtls()
    });
    let problems = swapped.validate("sinks[4]");
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("`sinks[4].tls.cert_file`: "),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("`sinks[4].tls.key_file`: "),
        "{problems:?}"
    );
    match OtlpClient::new(&swapped) {
        Err(OtlpClientError::Config(p)) => assert_eq!(p.len(), 2),
        other => panic!("{other:?}"),
    }

    let truncated = pki
        .dir
        .file("truncated.pem", &pki.ca_pem[..pki.ca_pem.len() / 2]);
    let mut bad_ca = cfg.clone();
    bad_ca.tls = Some(TlsConfig {
        ca_file: Some(truncated),
        ..pki.mtls()
    });
    let problems = bad_ca.validate("sinks[4]");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("`sinks[4].tls.ca_file`: "),
        "{problems:?}"
    );
    assert!(problems[0].contains("truncated.pem"), "{problems:?}");
}
