//! OTLP/HTTP: `POST /v1/logs` on axum.
//!
//! - `Content-Type: application/x-protobuf` (or `application/protobuf`) or `application/json`
//!   (the OTLP/JSON mapping); anything else is `415`.
//! - `Content-Encoding: gzip` or `zstd` (or none / `identity`); anything else is `415`.
//! - Bodies over `max_message_bytes`, compressed or inflated, are `413`.
//! - Bodies that do not decode are `400`, counted in `refused_requests` and logged without
//!   their content.
//! - No room in the pipeline within `accept_timeout_ms`: `503` with `Retry-After`.
//!
//! Answers use the request's content type: an `ExportLogsServiceResponse` on success (with
//! `partialSuccess` when records were rejected), a `google.rpc.Status` on errors (415 answers,
//! whose encoding is unknown, are plain text). Answers are not compressed (they are a few bytes).

use std::io::Read;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use prost::Message;

use super::{Receiver, Refused, RETRY_AFTER};
use crate::pipeline::rpc_status::RpcStatus;
use crate::pipeline::stats::add;

/// The OTLP/HTTP logs path.
pub(super) const LOGS_PATH: &str = "/v1/logs";

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

#[derive(Clone)]
struct Http {
    receiver: Arc<Receiver>,
    max: usize,
}

/// The router.
pub(super) fn router(receiver: Arc<Receiver>, max_message_bytes: usize) -> Router {
    Router::new()
        .route(LOGS_PATH, post(export_logs))
        .layer(DefaultBodyLimit::max(max_message_bytes))
        .with_state(Http {
            receiver,
            max: max_message_bytes,
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Protobuf,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => PROTOBUF,
            Format::Json => JSON,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Protobuf => "http/protobuf",
            Format::Json => "http/json",
        }
    }
}

async fn export_logs(
    State(http): State<Http>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = http.receiver.ctx();
    let refuse = |reason: &'static str| {
        add(&ctx.stats().refused_requests, 1);
        tracing::warn!(source = ctx.name(), reason, "Refused an OTLP/HTTP request.");
    };
    let format = match media_type(&headers).as_deref() {
        Some(PROTOBUF | "application/protobuf") => Format::Protobuf,
        Some(JSON) => Format::Json,
        _ => {
            refuse("unsupported_content_type");
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported Content-Type: OTLP/HTTP logs take application/x-protobuf or application/json",
            );
        }
    };
    let encoding = match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "identity") => None,
        Some("gzip" | "x-gzip") => Some(Encoding::Gzip),
        Some("zstd") => Some(Encoding::Zstd),
        Some(_) => {
            refuse("unsupported_content_encoding");
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported Content-Encoding: use gzip, zstd or none",
            );
        }
    };
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            refuse("too_large");
            return error(format, StatusCode::PAYLOAD_TOO_LARGE, &too_large(http.max));
        }
        Err(_) => {
            refuse("unreadable_body");
            return error(
                format,
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            );
        }
    };
    let payload = match encoding {
        None => body,
        Some(encoding) => match inflate(encoding, &body, http.max) {
            Ok(p) => Bytes::from(p),
            Err(Inflate::TooLarge) => {
                refuse("too_large");
                return error(format, StatusCode::PAYLOAD_TOO_LARGE, &too_large(http.max));
            }
            Err(Inflate::Invalid) => {
                refuse(encoding.invalid_kind());
                return error(format, StatusCode::BAD_REQUEST, encoding.invalid_message());
            }
        },
    };
    let request = match format {
        // Read where it lies by the receiver.
        Format::Protobuf => payload,
        Format::Json => match decode_json(&payload) {
            Ok(r) => Bytes::from(r.encode_to_vec()),
            Err(message) => {
                refuse("undecodable");
                return error(format, StatusCode::BAD_REQUEST, &message);
            }
        },
    };
    match http.receiver.export(request, format.name()).await {
        Ok(response) => success(format, &response),
        Err(Refused::Busy) => {
            let mut r = error(format, StatusCode::SERVICE_UNAVAILABLE, super::BUSY_MESSAGE);
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(RETRY_AFTER.as_secs()),
            );
            r
        }
        Err(Refused::Undecodable(message)) => error(format, StatusCode::BAD_REQUEST, &message),
        Err(Refused::Internal) => error(
            format,
            StatusCode::INTERNAL_SERVER_ERROR,
            super::INTERNAL_MESSAGE,
        ),
    }
}

/// Decodes an OTLP/JSON request; the error message names the position, never content
/// (serde_json's own messages can quote values, so they are not passed on).
fn decode_json(payload: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    serde_json::from_slice(payload).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Syntax => "invalid JSON",
            Category::Eof => "JSON that ends early",
            Category::Data => "a field of the wrong type or with an invalid value",
            Category::Io => "an unreadable body",
        };
        format!(
            "the body is not an OTLP/JSON ExportLogsServiceRequest: {what} at line {} column {}",
            e.line(),
            e.column()
        )
    })
}

fn too_large(max: usize) -> String {
    format!("the request is larger than the receiver's limit of {max} bytes (max_message_bytes)")
}

/// A `Content-Encoding` the receiver decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Gzip,
    Zstd,
}

impl Encoding {
    fn invalid_kind(self) -> &'static str {
        match self {
            Encoding::Gzip => "invalid_gzip",
            Encoding::Zstd => "invalid_zstd",
        }
    }

    fn invalid_message(self) -> &'static str {
        match self {
            Encoding::Gzip => "the body is not valid gzip (Content-Encoding: gzip)",
            Encoding::Zstd => "the body is not valid zstd (Content-Encoding: zstd)",
        }
    }
}

#[derive(Debug)]
enum Inflate {
    Invalid,
    TooLarge,
}

/// Inflates at most `limit` bytes (a guard against decompression bombs); concatenated gzip
/// members (and zstd frames) are read as one stream, as HTTP allows.
fn inflate(encoding: Encoding, data: &[u8], limit: usize) -> Result<Vec<u8>, Inflate> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit));
    let read = match encoding {
        Encoding::Gzip => flate2::read::MultiGzDecoder::new(data)
            .take(limit as u64 + 1)
            .read_to_end(&mut out),
        Encoding::Zstd => zstd::stream::read::Decoder::new(data)
            .and_then(|d| d.take(limit as u64 + 1).read_to_end(&mut out)),
    };
    read.map_err(|_| Inflate::Invalid)?;
    if out.len() > limit {
        return Err(Inflate::TooLarge);
    }
    Ok(out)
}

/// The media type of `Content-Type`, lower case, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

fn success(format: Format, response: &ExportLogsServiceResponse) -> Response {
    let body = match format {
        Format::Json if response.partial_success.is_none() => b"{}".to_vec(),
        // Serializing a response (numbers and one string) cannot fail.
        Format::Json => serde_json::to_vec(response).unwrap_or_else(|_| b"{}".to_vec()),
        Format::Protobuf => response.encode_to_vec(),
    };
    respond(StatusCode::OK, format.content_type(), body)
}

/// An error answer: a `google.rpc.Status` in the request's format.
fn error(format: Format, status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::SERVICE_UNAVAILABLE => tonic::Code::Unavailable,
        StatusCode::INTERNAL_SERVER_ERROR => tonic::Code::Internal,
        StatusCode::PAYLOAD_TOO_LARGE => tonic::Code::ResourceExhausted,
        _ => tonic::Code::InvalidArgument,
    };
    let body = match format {
        Format::Json => serde_json::json!({ "code": code as i32, "message": message }).to_string(),
        Format::Protobuf => {
            return respond(
                status,
                PROTOBUF,
                RpcStatus::new(code, message, None).encode_to_vec(),
            )
        }
    };
    respond(status, JSON, body.into_bytes())
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    respond(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    )
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflate_limits_and_errors() {
        use Encoding::{Gzip, Zstd};
        let data = vec![b'a'; 100_000];
        let zs = |d: &[u8]| zstd::bulk::compress(d, 3).unwrap();
        for (encoding, packed) in [(Gzip, gz(&data)), (Zstd, zs(&data))] {
            assert_eq!(inflate(encoding, &packed, 100_000).ok(), Some(data.clone()));
            assert!(matches!(
                inflate(encoding, &packed, 99_999),
                Err(Inflate::TooLarge)
            ));
            assert!(matches!(
                inflate(encoding, b"not packed", 1000),
                Err(Inflate::Invalid)
            ));
        }
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert_eq!(inflate(Gzip, &two, 10).ok(), Some(b"abcd".to_vec()));
        let mut two = zs(b"ab");
        two.extend(zs(b"cd"));
        assert_eq!(inflate(Zstd, &two, 10).ok(), Some(b"abcd".to_vec()));
    }

    #[test]
    fn json_decode_errors_do_not_quote_the_body() {
        let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"secret-value@example.com"}]}]}]}"#;
        let e = decode_json(body).unwrap_err();
        assert!(!e.contains("secret-value"), "{e}");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn media_types() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert_eq!(media_type(&h).as_deref(), Some(JSON));
        assert_eq!(media_type(&HeaderMap::new()), None);
    }
}
