//! The OTLP/HTTP side: `POST /v1/logs` on axum, protobuf or JSON, optionally gzipped.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use prost::Message;

use super::gzip::{gzip_decompress, zstd_decompress};
use super::store::{Incoming, Rejection, Shared};
use super::types::Transport;
use crate::pipeline::rpc_status::RpcStatus;

/// The OTLP/HTTP logs path.
pub(crate) const LOGS_PATH: &str = "/v1/logs";

/// Grafana Loki's native OTLP path, served too so pipelines aimed at Loki can be tested.
pub(crate) const LOKI_LOGS_PATH: &str = "/otlp/v1/logs";

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.max_message_size;
    Router::new()
        .route(LOGS_PATH, post(export_logs))
        .route(LOKI_LOGS_PATH, post(export_logs))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// The media type of a `Content-Type` value: no parameters, lower case.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

async fn export_logs(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let transport = match media_type(&headers).as_deref() {
        Some(PROTOBUF | "application/protobuf") => Transport::HttpProtobuf,
        Some(JSON) => Transport::HttpJson,
        other => {
            shared.unsupported_media_type();
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "unsupported Content-Type {:?}: OTLP/HTTP takes {PROTOBUF} or {JSON}",
                    other.unwrap_or("(none)")
                ),
            );
        }
    };
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    let zstd = encoding.as_deref() == Some("zstd");
    let compressed = match encoding.as_deref() {
        None | Some("" | "identity") => false,
        Some("gzip" | "x-gzip" | "zstd") => true,
        Some(other) => {
            shared.unsupported_media_type();
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported Content-Encoding {other:?}: use gzip, zstd or none"),
            );
        }
    };
    let payload = if compressed {
        let inflated = if zstd {
            zstd_decompress(&body, shared.max_message_size)
        } else {
            gzip_decompress(&body, shared.max_message_size)
        };
        match inflated {
            Ok(payload) => Bytes::from(payload),
            Err(e) => {
                shared.undecodable(transport, 0);
                let rejection = Rejection::bad_request(e.to_string());
                return error_response(transport, &rejection);
            }
        }
    } else {
        body
    };
    let decoded = match transport {
        Transport::HttpJson => serde_json::from_slice::<ExportLogsServiceRequest>(&payload)
            .map_err(|e| format!("invalid OTLP/JSON logs request: {e}")),
        _ => ExportLogsServiceRequest::decode(payload.as_ref())
            .map_err(|e| format!("invalid OTLP protobuf logs request: {e}")),
    };
    let request = match decoded {
        Ok(request) => request,
        Err(message) => {
            shared.undecodable(transport, payload.len());
            return error_response(transport, &Rejection::bad_request(message));
        }
    };
    let incoming = Incoming {
        transport,
        request,
        compressed,
        headers,
        payload_bytes: payload.len(),
    };
    match shared.export(incoming).await {
        Ok(response) => success_response(transport, &response),
        Err(rejection) => error_response(transport, &rejection),
    }
}

fn success_response(transport: Transport, response: &ExportLogsServiceResponse) -> Response {
    let body = match transport {
        Transport::HttpJson if response.partial_success.is_none() => b"{}".to_vec(),
        Transport::HttpJson => {
            serde_json::to_vec(response).expect("OTLP responses always serialize")
        }
        _ => response.encode_to_vec(),
    };
    respond(StatusCode::OK, content_type(transport), body)
}

/// An error answer: a `google.rpc.Status` in the request's encoding (as the OTLP/HTTP spec
/// asks), with `Retry-After` when the rejection suggests a delay.
fn error_response(transport: Transport, rejection: &Rejection) -> Response {
    let body = match transport {
        Transport::HttpJson => serde_json::to_vec(&serde_json::json!({
            "code": rejection.grpc as i32,
            "message": rejection.message,
        }))
        .expect("JSON values always serialize"),
        _ => RpcStatus::new(rejection.grpc, &rejection.message, None).encode_to_vec(),
    };
    let mut response = respond(rejection.http, content_type(transport), body);
    if let Some(delay) = rejection.retry_after {
        // Whole seconds, rounded up, so a client never retries before the suggested delay.
        let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn content_type(transport: Transport) -> &'static str {
    match transport {
        Transport::HttpJson => JSON,
        _ => PROTOBUF,
    }
}

fn plain(status: StatusCode, message: String) -> Response {
    respond(status, "text/plain; charset=utf-8", message.into_bytes())
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
