//! The receiver's public data types: what arrived, how to answer, and counters.

use std::fmt;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

use crate::otel::attr;

/// How a request reached the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// OTLP/gRPC: `opentelemetry.proto.collector.logs.v1.LogsService/Export`.
    Grpc,
    /// OTLP/HTTP, `POST /v1/logs` with `Content-Type: application/x-protobuf`.
    HttpProtobuf,
    /// OTLP/HTTP, `POST /v1/logs` with `Content-Type: application/json` (the OTLP/JSON mapping).
    HttpJson,
}

impl Transport {
    /// All transports, in [`ReceiverStats`] order.
    pub const ALL: [Transport; 3] = [
        Transport::Grpc,
        Transport::HttpProtobuf,
        Transport::HttpJson,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            Transport::Grpc => 0,
            Transport::HttpProtobuf => 1,
            Transport::HttpJson => 2,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Grpc => "grpc",
            Transport::HttpProtobuf => "http/protobuf",
            Transport::HttpJson => "http/json",
        })
    }
}

/// One accepted export request, as stored (after [`Behavior::PartialSuccess`] trimming).
#[derive(Debug, Clone)]
pub struct Received {
    /// How it arrived.
    pub transport: Transport,
    /// The decoded request. Under [`Behavior::PartialSuccess`] the rejected records have been
    /// removed (their now possibly empty scope/resource containers are kept).
    pub request: ExportLogsServiceRequest,
    /// Whether the payload was gzip-compressed on the wire (gRPC `grpc-encoding: gzip`, HTTP
    /// `Content-Encoding: gzip`).
    pub compressed: bool,
    /// Request headers (gRPC: the request metadata, including `grpc-encoding`, `user-agent` and
    /// custom exporter headers; HTTP: all headers).
    pub headers: HeaderMap,
    /// When the receiver decoded it (before any [`Behavior::Delay`]).
    pub received_at: Instant,
}

impl Received {
    /// Number of log records in the (stored) request.
    pub fn record_count(&self) -> usize {
        count_records(&self.request)
    }

    /// The stored log records, in order.
    pub fn log_records(&self) -> impl Iterator<Item = &LogRecord> + '_ {
        self.request
            .resource_logs
            .iter()
            .flat_map(|rl| &rl.scope_logs)
            .flat_map(|sl| &sl.log_records)
    }

    /// A header (or gRPC metadata entry) as a string, if present and ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One stored log record with its context, flattened out of a [`Received`] request.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedRecord {
    /// The record's resource attributes.
    pub resource: Vec<KeyValue>,
    /// The instrumentation scope name (empty if the scope was absent).
    pub scope_name: String,
    /// The instrumentation scope version (empty if absent).
    pub scope_version: String,
    /// The log record itself.
    pub record: LogRecord,
    /// How the request carrying it arrived.
    pub transport: Transport,
}

impl ReceivedRecord {
    /// A log record attribute's value.
    pub fn attribute(&self, key: &str) -> Option<&AnyValue> {
        find(&self.record.attributes, key)
    }

    /// A log record attribute's value if it is a string.
    pub fn str_attribute(&self, key: &str) -> Option<&str> {
        self.attribute(key).and_then(any_str)
    }

    /// A log record attribute's value if it is an integer.
    pub fn int_attribute(&self, key: &str) -> Option<i64> {
        match self.attribute(key)?.value {
            Some(any_value::Value::IntValue(i)) => Some(i),
            _ => None,
        }
    }

    /// A resource attribute's value if it is a string (e.g. `service.name`).
    pub fn resource_str(&self, key: &str) -> Option<&str> {
        find(&self.resource, key).and_then(any_str)
    }

    /// The record body if it is a string.
    pub fn body_str(&self) -> Option<&str> {
        self.record.body.as_ref().and_then(any_str)
    }

    /// The `log.record.uid` attribute: the audit event id.
    pub fn uid(&self) -> Option<&str> {
        self.str_attribute(attr::RECORD_UID)
    }
}

fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn any_str(v: &AnyValue) -> Option<&str> {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The `log.record.uid` string of a record, if any.
pub(crate) fn record_uid(record: &LogRecord) -> Option<&str> {
    find(&record.attributes, attr::RECORD_UID).and_then(any_str)
}

/// Number of log records in a request.
pub(crate) fn count_records(request: &ExportLogsServiceRequest) -> usize {
    request
        .resource_logs
        .iter()
        .flat_map(|rl| &rl.scope_logs)
        .map(|sl| sl.log_records.len())
        .sum()
}

/// How the receiver answers export requests. Change it at any time with
/// [`OtlpReceiver::set_behavior`](super::OtlpReceiver::set_behavior); it applies to requests
/// decoded from then on.
///
/// Requests the receiver cannot decode (and, over HTTP, unsupported content types) are
/// rejected whatever the behaviour, and do not consume a [`FailNext`](Behavior::FailNext) or
/// [`Throttle`](Behavior::Throttle) budget.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Behavior {
    /// Accept and store every request (the default).
    #[default]
    Accept,
    /// Fail the next `n` requests with a retryable error: gRPC `UNAVAILABLE` (with a
    /// `google.rpc.RetryInfo` detail carrying `retry_after`, if given), HTTP `503 Service
    /// Unavailable` (with `Retry-After: <whole seconds, rounded up>`, if given). Then behave as
    /// [`Accept`](Behavior::Accept) (the behaviour switches to it by itself).
    FailNext {
        /// How many requests to fail.
        n: usize,
        /// The delay suggested to the client.
        retry_after: Option<Duration>,
    },
    /// Throttle the next `n` requests: gRPC `RESOURCE_EXHAUSTED` (with `RetryInfo` if
    /// `retry_after` is given; the OTLP spec makes it retryable only then), HTTP `429 Too Many
    /// Requests` (with `Retry-After` if given). Then [`Accept`](Behavior::Accept).
    Throttle {
        /// How many requests to throttle.
        n: usize,
        /// The delay suggested to the client.
        retry_after: Option<Duration>,
    },
    /// Reject every request with a non-retryable error: gRPC `INVALID_ARGUMENT`, HTTP `400 Bad
    /// Request`.
    RejectAll,
    /// Accept each request but report partial success (OTLP `ExportLogsPartialSuccess`): the
    /// last `rejected` records of each request (all of them if it has fewer) are rejected, not
    /// stored and not counted, and the response says how many with an error message.
    PartialSuccess {
        /// How many records to reject per request.
        rejected: usize,
    },
    /// Hold each request this long before accepting and storing it (a slow receiver). A request
    /// whose client gives up meanwhile is dropped unstored.
    Delay(Duration),
}

/// Counters for one transport. See [`ReceiverStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransportStats {
    /// Requests accepted (including partially accepted ones).
    pub requests_accepted: u64,
    /// Requests rejected: by the [`Behavior`], or (HTTP) undecodable. gRPC requests tonic cannot
    /// decode are answered by tonic and never reach the receiver, so they are not counted.
    pub requests_rejected: u64,
    /// Log records accepted and stored.
    pub records_accepted: u64,
    /// Log records rejected: those of rejected (decodable) requests, and partial-success ones.
    pub records_rejected: u64,
    /// Decoded payload bytes of all decodable requests, accepted or not: the uncompressed
    /// protobuf size (gRPC, HTTP protobuf) or JSON text size (HTTP JSON).
    pub payload_bytes: u64,
}

/// A snapshot of the receiver's counters, cumulative since start (they survive
/// [`OtlpReceiver::clear`](super::OtlpReceiver::clear) and restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverStats {
    /// OTLP/gRPC.
    pub grpc: TransportStats,
    /// OTLP/HTTP with protobuf bodies.
    pub http_protobuf: TransportStats,
    /// OTLP/HTTP with JSON bodies.
    pub http_json: TransportStats,
    /// `POST /v1/logs` answered `415 Unsupported Media Type` (unknown content type or encoding).
    pub http_unsupported_media_type: u64,
    /// Bytes read from gRPC connections (everything on the wire: HTTP/2 framing, headers,
    /// compressed bodies).
    pub grpc_wire_bytes: u64,
    /// Bytes read from HTTP connections (everything on the wire).
    pub http_wire_bytes: u64,
}

impl ReceiverStats {
    /// The counters of one transport.
    pub fn transport(&self, transport: Transport) -> &TransportStats {
        match transport {
            Transport::Grpc => &self.grpc,
            Transport::HttpProtobuf => &self.http_protobuf,
            Transport::HttpJson => &self.http_json,
        }
    }

    /// Requests accepted over all transports.
    pub fn requests_accepted(&self) -> u64 {
        self.all().map(|t| t.requests_accepted).sum()
    }

    /// Requests rejected over all transports (not counting `415`s).
    pub fn requests_rejected(&self) -> u64 {
        self.all().map(|t| t.requests_rejected).sum()
    }

    /// Records accepted over all transports.
    pub fn records_accepted(&self) -> u64 {
        self.all().map(|t| t.records_accepted).sum()
    }

    /// Records rejected over all transports.
    pub fn records_rejected(&self) -> u64 {
        self.all().map(|t| t.records_rejected).sum()
    }

    fn all(&self) -> impl Iterator<Item = &TransportStats> {
        [&self.grpc, &self.http_protobuf, &self.http_json].into_iter()
    }
}
