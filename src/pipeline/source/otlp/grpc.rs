//! OTLP/gRPC: `opentelemetry.proto.collector.logs.v1.LogsService/Export` on tonic, gzip and
//! zstd accepted (gzip used for answers when the client accepts it), messages up to
//! `max_message_bytes` (tonic answers larger ones with `OUT_OF_RANGE` before they reach us).
//!
//! The request message is taken as bytes ([`RawCodec`]) and read where it lies
//! ([`super::request`]); one that is not a valid `ExportLogsServiceRequest` is answered with
//! `INVALID_ARGUMENT`.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use prost::Message;
use tonic::body::Body;
use tonic::codec::{CompressionEncoding, EnabledCompressionEncodings};
use tonic::codegen::{http, BoxFuture, Service, StdError};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::Status;

use super::{Receiver, Refused, RETRY_AFTER};
use crate::pipeline::raw_codec::RawCodec;
use crate::pipeline::rpc_status::RpcStatus;

/// The gRPC method OTLP logs are exported to.
const EXPORT_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// The service.
#[derive(Clone)]
pub(super) struct GrpcLogs {
    receiver: Arc<Receiver>,
    max_message_bytes: usize,
}

/// The service, configured.
pub(super) fn service(receiver: Arc<Receiver>, max_message_bytes: usize) -> GrpcLogs {
    GrpcLogs {
        receiver,
        max_message_bytes,
    }
}

impl NamedService for GrpcLogs {
    const NAME: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
}

struct Export(Arc<Receiver>);

impl UnaryService<Bytes> for Export {
    type Response = Bytes;
    type Future = BoxFuture<tonic::Response<Bytes>, Status>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let receiver = self.0.clone();
        Box::pin(async move {
            match receiver.export(request.into_inner(), "grpc").await {
                Ok(response) => Ok(tonic::Response::new(Bytes::from(response.encode_to_vec()))),
                Err(Refused::Busy) => Err(RpcStatus::new(
                    tonic::Code::Unavailable,
                    super::BUSY_MESSAGE,
                    Some(RETRY_AFTER),
                )
                .into_tonic()),
                Err(Refused::Undecodable(message)) => Err(Status::invalid_argument(message)),
                Err(Refused::Internal) => Err(Status::internal(super::INTERNAL_MESSAGE)),
            }
        })
    }
}

impl<B> Service<http::Request<B>> for GrpcLogs
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != EXPORT_PATH {
            return Box::pin(async {
                let mut response = http::Response::new(Body::default());
                let headers = response.headers_mut();
                headers.insert(
                    Status::GRPC_STATUS,
                    (tonic::Code::Unimplemented as i32).into(),
                );
                headers.insert(
                    http::header::CONTENT_TYPE,
                    tonic::metadata::GRPC_CONTENT_TYPE,
                );
                Ok(response)
            });
        }
        let (receiver, max) = (self.receiver.clone(), self.max_message_bytes);
        Box::pin(async move {
            let mut accept = EnabledCompressionEncodings::default();
            accept.enable(CompressionEncoding::Gzip);
            accept.enable(CompressionEncoding::Zstd);
            let mut send = EnabledCompressionEncodings::default();
            send.enable(CompressionEncoding::Gzip);
            let mut grpc = Grpc::new(RawCodec)
                .apply_compression_config(accept, send)
                .apply_max_message_size_config(Some(max), None);
            Ok(grpc.unary(Export(receiver), req).await)
        })
    }
}
