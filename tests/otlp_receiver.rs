//! End-to-end tests of `audit_otel::testing::OtlpReceiver` with real clients: tonic's generated
//! OTLP client for gRPC, and a minimal hand-written HTTP/1.1 client for OTLP/HTTP.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use audit_otel::testing::{grpc_retry_delay, gzip_compress, Behavior, OtlpReceiver, Transport};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Request building

fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

/// One request, one resource (`service.name = service`), one scope, records `<prefix>-0..n`.
fn request(prefix: &str, n: usize) -> ExportLogsServiceRequest {
    let records = (0..n)
        .map(|i| LogRecord {
            time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
            severity_number: 9,
            severity_text: "INFO".to_owned(),
            body: Some(AnyValue {
                value: Some(any_value::Value::StringValue("user.login".to_owned())),
            }),
            attributes: vec![
                string_kv("log.record.uid", &format!("{prefix}-{i}")),
                string_kv("event.outcome", "success"),
            ],
            ..LogRecord::default()
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![string_kv("service.name", "idp")],
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "audit-otel".to_owned(),
                    version: "0.1.0".to_owned(),
                    ..InstrumentationScope::default()
                }),
                log_records: records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

fn uids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

async fn grpc_client(receiver: &OtlpReceiver) -> LogsServiceClient<Channel> {
    LogsServiceClient::connect(receiver.grpc_endpoint())
        .await
        .expect("connect to the gRPC receiver")
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client

#[derive(Debug)]
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn request_bytes(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn complete_response(raw: &[u8]) -> std::io::Result<HttpResponse> {
    if !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed without a response",
        ));
    }
    Ok(parse_response(raw))
}

/// One request on a fresh connection (`Connection: close`), the response read to EOF.
async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(&request_bytes(addr, method, path, headers, body))
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    complete_response(&raw)
}

/// [`http_request`] with blocking std sockets.
fn http_request_blocking(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(WAIT))?;
    stream.write_all(&request_bytes(addr, method, path, headers, body))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    complete_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of response head");
    let head = std::str::from_utf8(&raw[..split]).expect("ASCII response head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &raw[split + 4..];
    response.body = if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        dechunk(rest)
    } else if let Some(len) = response.header("content-length") {
        rest[..len.parse::<usize>().unwrap()].to_vec()
    } else {
        rest.to_vec()
    };
    response
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_field = std::str::from_utf8(&rest[..eol]).unwrap();
        let size = usize::from_str_radix(size_field.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[eol + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

async fn post_logs(receiver: &OtlpReceiver, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    http_request(receiver.http_addr(), "POST", "/v1/logs", headers, body)
        .await
        .expect("HTTP exchange with the receiver")
}

async fn post_protobuf(receiver: &OtlpReceiver, req: &ExportLogsServiceRequest) -> HttpResponse {
    post_logs(
        receiver,
        &[("Content-Type", "application/x-protobuf")],
        &req.encode_to_vec(),
    )
    .await
}

async fn post_json(receiver: &OtlpReceiver, req: &ExportLogsServiceRequest) -> HttpResponse {
    post_logs(
        receiver,
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(req).unwrap(),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// gRPC

#[tokio::test]
async fn grpc_exports_are_stored_in_order_with_exact_counts_and_attributes() {
    let receiver = OtlpReceiver::start().await.unwrap();
    assert!(receiver.grpc_endpoint().starts_with("http://127.0.0.1:"));
    let mut plain = grpc_client(&receiver).await;
    let mut gzip = plain.clone().send_compressed(CompressionEncoding::Gzip);

    let first = plain.export(request("a", 2)).await.unwrap().into_inner();
    assert_eq!(first.partial_success, None);
    gzip.export(request("b", 3)).await.unwrap();
    plain.export(request("c", 4)).await.unwrap();

    assert_eq!(receiver.record_count(), 9);
    assert_eq!(receiver.request_count(), 3);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.transport == Transport::Grpc));
    let counts: Vec<usize> = requests.iter().map(|r| r.record_count()).collect();
    assert_eq!(counts, [2, 3, 4]);
    let compressed: Vec<bool> = requests.iter().map(|r| r.compressed).collect();
    assert_eq!(compressed, [false, true, false]);
    assert_eq!(requests[1].header("grpc-encoding"), Some("gzip"));
    assert_eq!(requests[1].request, request("b", 3));

    let expected: Vec<String> = [uids("a", 2), uids("b", 3), uids("c", 4)].concat();
    assert_eq!(receiver.record_uids(), expected);

    let records = receiver.records();
    assert_eq!(records.len(), 9);
    for (record, uid) in records.iter().zip(&expected) {
        assert_eq!(record.uid(), Some(uid.as_str()));
        assert_eq!(record.resource_str("service.name"), Some("idp"));
        assert_eq!(record.scope_name, "audit-otel");
        assert_eq!(record.scope_version, "0.1.0");
        assert_eq!(record.str_attribute("event.outcome"), Some("success"));
        assert_eq!(record.body_str(), Some("user.login"));
        assert_eq!(record.record.severity_number, 9);
        assert_eq!(record.transport, Transport::Grpc);
    }

    let stats = receiver.stats();
    assert_eq!(stats.grpc.requests_accepted, 3);
    assert_eq!(stats.grpc.requests_rejected, 0);
    assert_eq!(stats.grpc.records_accepted, 9);
    let payload: usize = [request("a", 2), request("b", 3), request("c", 4)]
        .iter()
        .map(Message::encoded_len)
        .sum();
    assert_eq!(stats.grpc.payload_bytes, payload as u64);
    assert!(stats.grpc_wire_bytes > 0);
    assert_eq!(stats.http_protobuf.requests_accepted, 0);
    receiver.shutdown().await;
}

#[tokio::test]
async fn grpc_accepts_requests_larger_than_tonics_default_limit() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let mut client = grpc_client(&receiver)
        .await
        .max_encoding_message_size(64 * 1024 * 1024);
    let mut big = request("big", 20_000);
    for record in big.resource_logs[0].scope_logs[0].log_records.iter_mut() {
        record
            .attributes
            .push(string_kv("padding", &"x".repeat(300)));
    }
    assert!(
        big.encoded_len() > 4 * 1024 * 1024,
        "over tonic's 4 MiB default"
    );
    client.export(big).await.unwrap();
    assert_eq!(receiver.record_count(), 20_000);
}

#[tokio::test]
async fn concurrent_grpc_burst_counts_exactly() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let client = grpc_client(&receiver).await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let mut client = client.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..25 {
                client
                    .export(request(&format!("w{worker}b{batch}"), 200))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(receiver.record_count(), 8 * 25 * 200);
    assert_eq!(receiver.request_count(), 8 * 25);
    let mut seen = receiver.record_uids();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8 * 25 * 200);
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[tokio::test]
async fn http_protobuf_json_and_gzip_exports_are_stored() {
    let receiver = OtlpReceiver::start().await.unwrap();
    assert_eq!(
        receiver.http_logs_url(),
        format!("{}/v1/logs", receiver.http_endpoint())
    );

    let response = post_protobuf(&receiver, &request("p", 2)).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-protobuf")
    );
    let decoded = ExportLogsServiceResponse::decode(response.body.as_slice()).unwrap();
    assert_eq!(decoded.partial_success, None);

    let response = post_logs(
        &receiver,
        &[("Content-Type", "application/json; charset=utf-8")],
        &serde_json::to_vec(&request("j", 3)).unwrap(),
    )
    .await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    let decoded: ExportLogsServiceResponse = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(decoded.partial_success, None);

    let response = post_logs(
        &receiver,
        &[
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "gzip"),
            ("X-Tenant", "acme"),
        ],
        &gzip_compress(&request("z", 4).encode_to_vec()),
    )
    .await;
    assert_eq!(response.status, 200);

    let response = post_logs(
        &receiver,
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &gzip_compress(&serde_json::to_vec(&request("jz", 1)).unwrap()),
    )
    .await;
    assert_eq!(response.status, 200);

    assert_eq!(receiver.record_count(), 10);
    let requests = receiver.requests();
    let transports: Vec<Transport> = requests.iter().map(|r| r.transport).collect();
    assert_eq!(
        transports,
        [
            Transport::HttpProtobuf,
            Transport::HttpJson,
            Transport::HttpProtobuf,
            Transport::HttpJson
        ]
    );
    let compressed: Vec<bool> = requests.iter().map(|r| r.compressed).collect();
    assert_eq!(compressed, [false, false, true, true]);
    assert_eq!(
        requests[1].request,
        request("j", 3),
        "OTLP/JSON decodes losslessly"
    );
    assert_eq!(requests[2].request, request("z", 4));
    assert_eq!(requests[2].header("x-tenant"), Some("acme"));
    assert_eq!(
        receiver.record_uids(),
        [uids("p", 2), uids("j", 3), uids("z", 4), uids("jz", 1)].concat()
    );

    let stats = receiver.stats();
    assert_eq!(stats.http_protobuf.requests_accepted, 2);
    assert_eq!(stats.http_protobuf.records_accepted, 6);
    assert_eq!(stats.http_json.requests_accepted, 2);
    assert_eq!(stats.http_json.records_accepted, 4);
    assert_eq!(stats.requests_accepted(), 4);
    assert!(stats.http_wire_bytes > 0);
    assert_eq!(stats.grpc.requests_accepted, 0);
}

#[tokio::test]
async fn http_json_follows_the_otlp_json_mapping() {
    // Hand-written per the OTLP spec: lowerCamelCase keys, 64-bit integers as strings, trace and
    // span ids as hex, enums as integers; unknown fields ignored.
    let body = br#"{
      "resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "idp"}}]},
        "scopeLogs": [{
          "scope": {"name": "audit-otel", "version": "0.1.0"},
          "logRecords": [{
            "timeUnixNano": "1700000000000000000",
            "observedTimeUnixNano": "1700000000000000001",
            "severityNumber": 9,
            "severityText": "INFO",
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "body": {"stringValue": "user.login"},
            "attributes": [
              {"key": "log.record.uid", "value": {"stringValue": "evt-json-1"}},
              {"key": "audit.seq", "value": {"intValue": "42"}}
            ],
            "someFutureField": true
          }]
        }]
      }]
    }"#;
    let receiver = OtlpReceiver::start().await.unwrap();
    let response = post_logs(&receiver, &[("Content-Type", "application/json")], body).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );

    let records = receiver.records();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.uid(), Some("evt-json-1"));
    assert_eq!(r.int_attribute("audit.seq"), Some(42));
    assert_eq!(r.resource_str("service.name"), Some("idp"));
    assert_eq!(r.record.time_unix_nano, 1_700_000_000_000_000_000);
    assert_eq!(r.record.observed_time_unix_nano, 1_700_000_000_000_000_001);
    assert_eq!(r.record.severity_number, 9);
    assert_eq!(
        r.record.trace_id,
        [
            0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f,
            0xc6, 0x0c
        ]
    );
    assert_eq!(
        r.record.span_id,
        [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]
    );
}

#[tokio::test]
async fn http_rejects_unsupported_media_and_undecodable_bodies() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let valid = request("x", 2).encode_to_vec();

    let response = post_logs(&receiver, &[("Content-Type", "text/plain")], &valid).await;
    assert_eq!(response.status, 415);
    let response = post_logs(&receiver, &[], &valid).await;
    assert_eq!(response.status, 415, "no Content-Type");
    let response = post_logs(
        &receiver,
        &[
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "br"),
        ],
        &valid,
    )
    .await;
    assert_eq!(response.status, 415, "unsupported Content-Encoding");

    let garbage = [0xff_u8, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34];
    let response = post_logs(
        &receiver,
        &[("Content-Type", "application/x-protobuf")],
        &garbage,
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-protobuf")
    );

    let response = post_logs(
        &receiver,
        &[("Content-Type", "application/json")],
        b"{not json",
    )
    .await;
    assert_eq!(response.status, 400);
    let status: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        status["code"], 3,
        "google.rpc.Status INVALID_ARGUMENT: {status}"
    );
    assert!(status["message"].as_str().unwrap().contains("OTLP/JSON"));

    let response = post_logs(
        &receiver,
        &[
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "gzip"),
        ],
        &valid,
    )
    .await;
    assert_eq!(response.status, 400, "not actually gzip");

    let response = http_request(receiver.http_addr(), "GET", "/v1/logs", &[], b"")
        .await
        .unwrap();
    assert_eq!(response.status, 405);
    let response = http_request(
        receiver.http_addr(),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/x-protobuf")],
        &valid,
    )
    .await
    .unwrap();
    assert_eq!(response.status, 404);

    assert_eq!(receiver.record_count(), 0);
    assert!(receiver.requests().is_empty());
    let stats = receiver.stats();
    assert_eq!(stats.http_unsupported_media_type, 3);
    assert_eq!(stats.http_protobuf.requests_rejected, 2);
    assert_eq!(stats.http_json.requests_rejected, 1);
    assert_eq!(stats.requests_accepted(), 0);

    // Still healthy afterwards.
    assert_eq!(
        post_protobuf(&receiver, &request("ok", 1)).await.status,
        200
    );
    assert_eq!(receiver.record_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Behaviours

#[tokio::test]
async fn fail_next_fails_grpc_with_unavailable_and_retry_info_then_accepts() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let mut client = grpc_client(&receiver).await;
    receiver.set_behavior(Behavior::FailNext {
        n: 2,
        retry_after: Some(Duration::from_millis(1500)),
    });

    for attempt in 0..2 {
        let status = client.export(request("f", 3)).await.unwrap_err();
        assert_eq!(status.code(), Code::Unavailable, "attempt {attempt}");
        assert_eq!(grpc_retry_delay(&status), Some(Duration::from_millis(1500)));
    }
    assert_eq!(receiver.behavior(), Behavior::Accept);
    client.export(request("f", 3)).await.unwrap();

    assert_eq!(receiver.record_count(), 3);
    assert_eq!(receiver.requests().len(), 1);
    let stats = receiver.stats().grpc;
    assert_eq!((stats.requests_accepted, stats.requests_rejected), (1, 2));
    assert_eq!((stats.records_accepted, stats.records_rejected), (3, 6));

    receiver.set_behavior(Behavior::FailNext {
        n: 1,
        retry_after: None,
    });
    let status = client.export(request("g", 1)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(grpc_retry_delay(&status), None);
}

#[tokio::test]
async fn fail_next_answers_http_503_with_retry_after() {
    let receiver = OtlpReceiver::start().await.unwrap();
    receiver.set_behavior(Behavior::FailNext {
        n: 2,
        retry_after: Some(Duration::from_millis(1500)),
    });

    let response = post_protobuf(&receiver, &request("h", 2)).await;
    assert_eq!(response.status, 503);
    assert_eq!(
        response.header("retry-after"),
        Some("2"),
        "rounded up to whole seconds"
    );
    let response = post_json(&receiver, &request("h", 2)).await;
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("2"));
    let status: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(status["code"], 14, "UNAVAILABLE");

    assert_eq!(post_protobuf(&receiver, &request("h", 2)).await.status, 200);
    assert_eq!(receiver.record_uids(), uids("h", 2));
    assert_eq!(receiver.stats().requests_rejected(), 2);
}

#[tokio::test]
async fn throttle_is_resource_exhausted_and_429() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let mut client = grpc_client(&receiver).await;
    receiver.set_behavior(Behavior::Throttle {
        n: 2,
        retry_after: Some(Duration::from_secs(3)),
    });
    let status = client.export(request("t", 1)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(grpc_retry_delay(&status), Some(Duration::from_secs(3)));
    let response = post_protobuf(&receiver, &request("t", 1)).await;
    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("3"));
    client.export(request("t", 1)).await.unwrap();
    assert_eq!(receiver.record_count(), 1);
}

#[tokio::test]
async fn reject_all_is_invalid_argument_and_400_and_stores_nothing() {
    let receiver = OtlpReceiver::builder()
        .behavior(Behavior::RejectAll)
        .start()
        .await
        .unwrap();
    let mut client = grpc_client(&receiver).await;
    for _ in 0..3 {
        let status = client.export(request("r", 2)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
    }
    let response = post_protobuf(&receiver, &request("r", 2)).await;
    assert_eq!(response.status, 400);
    assert!(response.header("retry-after").is_none());
    assert_eq!(post_json(&receiver, &request("r", 2)).await.status, 400);

    assert_eq!(receiver.record_count(), 0);
    assert!(receiver.requests().is_empty());
    let stats = receiver.stats();
    assert_eq!(stats.grpc.requests_rejected, 3);
    assert_eq!(stats.grpc.records_rejected, 6);
    assert_eq!(stats.records_rejected(), 10);

    receiver.set_behavior(Behavior::Accept);
    client.export(request("r", 2)).await.unwrap();
    assert_eq!(receiver.record_count(), 2);
}

#[tokio::test]
async fn partial_success_rejects_the_last_records_of_each_request() {
    let receiver = OtlpReceiver::start().await.unwrap();
    receiver.set_behavior(Behavior::PartialSuccess { rejected: 1 });
    let mut client = grpc_client(&receiver).await;

    let response = client.export(request("ps", 4)).await.unwrap().into_inner();
    let partial = response.partial_success.expect("partial_success set");
    assert_eq!(partial.rejected_log_records, 1);
    assert!(!partial.error_message.is_empty());

    let response = post_protobuf(&receiver, &request("pp", 3)).await;
    assert_eq!(response.status, 200);
    let decoded = ExportLogsServiceResponse::decode(response.body.as_slice()).unwrap();
    assert_eq!(decoded.partial_success.unwrap().rejected_log_records, 1);

    let response = post_json(&receiver, &request("pj", 2)).await;
    assert_eq!(response.status, 200);
    let decoded: ExportLogsServiceResponse = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(decoded.partial_success.unwrap().rejected_log_records, 1);

    assert_eq!(receiver.record_count(), 3 + 2 + 1);
    assert_eq!(
        receiver.record_uids(),
        [uids("ps", 3), uids("pp", 2), uids("pj", 1)].concat()
    );
    let stats = receiver.stats();
    assert_eq!(stats.requests_accepted(), 3);
    assert_eq!(stats.records_accepted(), 6);
    assert_eq!(stats.records_rejected(), 3);

    // More rejections than records: everything is rejected, nothing stored.
    receiver.set_behavior(Behavior::PartialSuccess { rejected: 10 });
    let response = client.export(request("all", 2)).await.unwrap().into_inner();
    assert_eq!(response.partial_success.unwrap().rejected_log_records, 2);
    assert_eq!(receiver.record_count(), 6);
}

#[tokio::test]
async fn delay_holds_each_response_and_stores_afterwards() {
    let receiver = OtlpReceiver::start().await.unwrap();
    receiver.set_behavior(Behavior::Delay(Duration::from_millis(400)));
    let mut client = grpc_client(&receiver).await;

    let started = Instant::now();
    let export = tokio::spawn(async move { client.export(request("d", 2)).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        receiver.record_count(),
        0,
        "not stored before the delay elapses"
    );
    export.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(receiver.record_count(), 2);

    let started = Instant::now();
    assert_eq!(post_protobuf(&receiver, &request("e", 1)).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(receiver.record_count(), 3);
}

// ---------------------------------------------------------------------------------------------
// Receiver down

#[tokio::test]
async fn shutdown_refuses_connections_until_started_again_on_the_same_ports() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let (grpc_addr, http_addr) = (receiver.grpc_addr(), receiver.http_addr());
    let mut client = grpc_client(&receiver).await;
    client.export(request("before", 2)).await.unwrap();
    assert_eq!(
        post_protobuf(&receiver, &request("before-http", 1))
            .await
            .status,
        200
    );

    receiver.shutdown().await;
    assert!(!receiver.is_running().await);
    // The data survives the shutdown.
    assert_eq!(receiver.record_count(), 3);

    // The established gRPC connection was cut and nothing listens any more.
    // (The first use of the cut connection may report CANCELLED, then connecting is refused.)
    assert!(client.export(request("down", 1)).await.is_err());
    let status = client.export(request("down", 1)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(TcpStream::connect(grpc_addr).await.is_err());
    assert!(TcpStream::connect(http_addr).await.is_err());
    assert!(LogsServiceClient::connect(format!("http://{grpc_addr}"))
        .await
        .is_err());
    assert!(http_request(http_addr, "POST", "/v1/logs", &[], b"")
        .await
        .is_err());

    let restarted = OtlpReceiver::start_on(grpc_addr, http_addr).await.unwrap();
    assert_eq!(restarted.grpc_addr(), grpc_addr);
    assert_eq!(restarted.http_addr(), http_addr);
    let mut fresh = grpc_client(&restarted).await;
    fresh.export(request("after", 2)).await.unwrap();
    assert_eq!(
        post_protobuf(&restarted, &request("after-http", 1))
            .await
            .status,
        200
    );
    assert_eq!(
        restarted.record_uids(),
        [uids("after", 2), uids("after-http", 1)].concat()
    );
    // The old client's channel reconnects by itself.
    let mut reconnected = false;
    for _ in 0..50 {
        if client.export(request("old-client", 1)).await.is_ok() {
            reconnected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        reconnected,
        "the old channel reconnected to the restarted receiver"
    );
    assert_eq!(restarted.record_count(), 4);
    assert_eq!(
        receiver.record_count(),
        3,
        "the old receiver's store is separate"
    );
}

#[tokio::test]
async fn restart_keeps_the_store_and_the_ports() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let mut client = grpc_client(&receiver).await;
    client.export(request("one", 1)).await.unwrap();
    receiver.shutdown().await;
    receiver.shutdown().await; // idempotent
    assert!(client.export(request("lost", 1)).await.is_err());

    receiver.restart().await.unwrap();
    assert!(receiver.is_running().await);
    let mut client = grpc_client(&receiver).await;
    client.export(request("two", 1)).await.unwrap();
    assert_eq!(post_json(&receiver, &request("three", 1)).await.status, 200);
    assert_eq!(
        receiver.record_uids(),
        ["one-0", "two-0", "three-0"].map(String::from)
    );
}

#[tokio::test]
async fn shutdown_cuts_in_flight_requests_without_storing_them() {
    let receiver = OtlpReceiver::start().await.unwrap();
    receiver.set_behavior(Behavior::Delay(Duration::from_secs(30)));
    let mut client = grpc_client(&receiver).await;
    let grpc = tokio::spawn(async move { client.export(request("slow", 1)).await });
    let http_receiver = receiver.clone();
    let http = tokio::spawn(async move {
        http_request(
            http_receiver.http_addr(),
            "POST",
            "/v1/logs",
            &[("Content-Type", "application/x-protobuf")],
            &request("slow-http", 1).encode_to_vec(),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    receiver.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shutdown does not wait for requests"
    );
    let grpc = tokio::time::timeout(WAIT, grpc).await.unwrap().unwrap();
    assert!(grpc.is_err(), "{grpc:?}");
    let http = tokio::time::timeout(WAIT, http).await.unwrap().unwrap();
    assert!(http.is_err(), "{http:?}");
    assert_eq!(receiver.record_count(), 0);
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_servers() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let addr = receiver.grpc_addr();
    let clone = receiver.clone();
    drop(receiver);
    assert!(
        TcpStream::connect(addr).await.is_ok(),
        "a clone keeps it up"
    );
    drop(clone);
    let mut down = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(down);
}

// ---------------------------------------------------------------------------------------------
// Waiting, clearing, storage

#[tokio::test]
async fn wait_for_records_times_out_or_returns_once_reached() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let started = Instant::now();
    assert!(
        !receiver
            .wait_for_records(1, Duration::from_millis(200))
            .await
    );
    assert!(started.elapsed() >= Duration::from_millis(200));

    let mut client = grpc_client(&receiver).await;
    let sender = tokio::spawn(async move {
        for i in 0..3 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            client.export(request(&format!("w{i}"), 2)).await.unwrap();
        }
    });
    assert!(receiver.wait_for_records(6, WAIT).await);
    assert!(receiver.wait_for_requests(3, WAIT).await);
    assert_eq!(receiver.record_count(), 6);
    assert!(receiver.wait_for_records(0, Duration::ZERO).await);
    assert!(
        !receiver
            .wait_for_records(7, Duration::from_millis(100))
            .await
    );
    sender.await.unwrap();

    receiver.clear();
    assert_eq!(receiver.record_count(), 0);
    assert!(receiver.requests().is_empty());
    assert!(
        !receiver
            .wait_for_records(1, Duration::from_millis(50))
            .await
    );
    assert_eq!(
        receiver.stats().grpc.records_accepted,
        6,
        "stats are cumulative"
    );
}

#[tokio::test]
async fn counting_only_receiver_keeps_counts_but_not_requests() {
    let receiver = OtlpReceiver::builder()
        .store_requests(false)
        .start()
        .await
        .unwrap();
    let mut client = grpc_client(&receiver).await;
    client.export(request("c", 5)).await.unwrap();
    assert_eq!(post_protobuf(&receiver, &request("c", 5)).await.status, 200);
    assert_eq!(receiver.record_count(), 10);
    assert!(receiver.wait_for_records(10, WAIT).await);
    assert!(receiver.requests().is_empty());
    assert!(receiver.record_uids().is_empty());
}

/// The size the receiver is built for: ~1.5 s in release, ~10 s in debug, hence ignored by
/// default. Run with `cargo test --release --features testing --test otlp_receiver -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
async fn million_record_burst_is_counted_exactly() {
    const WORKERS: usize = 8;
    const BATCHES: usize = 125;
    const PER_BATCH: usize = 1_000;
    let receiver = OtlpReceiver::start().await.unwrap();
    let client = grpc_client(&receiver).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..WORKERS {
        let mut client = client.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..BATCHES {
                client
                    .export(request(&format!("m{worker}.{batch}"), PER_BATCH))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let total = WORKERS * BATCHES * PER_BATCH;
    assert!(receiver.wait_for_records(total, WAIT).await);
    assert_eq!(receiver.record_count(), total);
    let elapsed = started.elapsed();
    let uids = receiver.record_uids();
    assert_eq!(uids.len(), total);
    eprintln!(
        "{total} records in {elapsed:?}; uids collected in {:?}",
        started.elapsed() - elapsed
    );
}

// ---------------------------------------------------------------------------------------------
// Blocking use

#[test]
fn blocking_api_works_without_any_runtime() {
    let receiver = OtlpReceiver::start_blocking().unwrap();
    let post = |prefix: &str| {
        http_request_blocking(
            receiver.http_addr(),
            "POST",
            "/v1/logs",
            &[("Content-Type", "application/x-protobuf")],
            &request(prefix, 2).encode_to_vec(),
        )
    };
    assert_eq!(post("s1").unwrap().status, 200);
    assert!(receiver.wait_for_records_blocking(2, WAIT));
    assert!(!receiver.wait_for_records_blocking(3, Duration::from_millis(50)));

    receiver.shutdown_blocking();
    assert!(post("lost").is_err());
    receiver.restart_blocking().unwrap();
    assert_eq!(post("s2").unwrap().status, 200);
    assert_eq!(
        receiver.record_uids(),
        [uids("s1", 2), uids("s2", 2)].concat()
    );
}

/// The servers run on the receiver's own runtime: blocking the (single) test thread, as a
/// synchronous SDK `force_flush` would, does not stall them.
#[tokio::test(flavor = "current_thread")]
async fn blocking_the_test_thread_does_not_stall_the_receiver() {
    let receiver = OtlpReceiver::start().await.unwrap();
    let response = http_request_blocking(
        receiver.http_addr(),
        "POST",
        "/v1/logs",
        &[("Content-Type", "application/x-protobuf")],
        &request("sync", 3).encode_to_vec(),
    )
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(receiver.record_count(), 3);
}

// ---------------------------------------------------------------------------------------------
// The OpenTelemetry SDK's own OTLP exporters (the ones the tracing layer uses)

#[cfg(feature = "layer")]
mod sdk_exporters {
    use super::*;
    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry_otlp::{LogExporter, Protocol, WithExportConfig};
    use opentelemetry_sdk::logs::SdkLoggerProvider;

    fn emit(provider: &SdkLoggerProvider, uids: &[&str]) {
        let logger = provider.logger("audit-otel");
        for uid in uids {
            let mut record = logger.create_log_record();
            record.set_body("user.login".into());
            record.add_attribute("log.record.uid", uid.to_string());
            logger.emit(record);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn opentelemetry_otlp_grpc_exporter_delivers_to_the_receiver() {
        let receiver = OtlpReceiver::start().await.unwrap();
        let exporter = LogExporter::builder()
            .with_tonic()
            .with_endpoint(receiver.grpc_endpoint())
            .build()
            .unwrap();
        let provider = SdkLoggerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        emit(&provider, &["g1", "g2", "g3"]);
        let flushing = provider.clone();
        tokio::task::spawn_blocking(move || flushing.force_flush())
            .await
            .unwrap()
            .unwrap();
        assert!(receiver.wait_for_records(3, WAIT).await);
        assert_eq!(receiver.record_uids(), ["g1", "g2", "g3"]);
        let records = receiver.records();
        assert_eq!(records[0].scope_name, "audit-otel");
        assert_eq!(records[0].body_str(), Some("user.login"));
        assert!(records[0].resource_str("service.name").is_some());
        assert_eq!(receiver.requests()[0].transport, Transport::Grpc);
        tokio::task::spawn_blocking(move || provider.shutdown())
            .await
            .unwrap()
            .unwrap();
    }

    /// The SDK's HTTP exporter uses a programmatic endpoint as is: give it the full logs URL.
    /// The SDK's batch processor runs on a plain thread, so it gets reqwest's blocking client.
    #[test]
    fn opentelemetry_otlp_http_exporter_delivers_to_the_receiver() {
        let receiver = OtlpReceiver::start_blocking().unwrap();
        use opentelemetry_otlp::WithHttpConfig as _;
        let exporter = LogExporter::builder()
            .with_http()
            .with_http_client(reqwest::blocking::Client::new())
            .with_endpoint(receiver.http_logs_url())
            .with_protocol(Protocol::HttpBinary)
            .build()
            .unwrap();
        let provider = SdkLoggerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        emit(&provider, &["h1", "h2"]);
        provider.force_flush().unwrap();
        assert!(receiver.wait_for_records_blocking(2, WAIT));
        assert_eq!(receiver.record_uids(), ["h1", "h2"]);
        assert_eq!(receiver.requests()[0].transport, Transport::HttpProtobuf);
        provider.shutdown().unwrap();
    }
}
