//! The OTLP/gRPC side: tonic's generated `LogsService`.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use prost::Message;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use super::store::{Incoming, Shared};
use super::types::Transport;
use crate::pipeline::rpc_status::RpcStatus;

pub(crate) struct GrpcLogs {
    shared: Arc<Shared>,
}

/// The service, accepting gzip-compressed requests and messages up to the configured size.
pub(crate) fn service(shared: Arc<Shared>) -> LogsServiceServer<GrpcLogs> {
    let max = shared.max_message_size;
    LogsServiceServer::new(GrpcLogs { shared })
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
        .max_decoding_message_size(max)
}

#[tonic::async_trait]
impl LogsService for GrpcLogs {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let compressed = request
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.eq_ignore_ascii_case("identity"));
        let (metadata, _extensions, request) = request.into_parts();
        let incoming = Incoming {
            transport: Transport::Grpc,
            payload_bytes: request.encoded_len(),
            request,
            compressed,
            headers: metadata.into_headers(),
        };
        match self.shared.export(incoming).await {
            Ok(response) => Ok(Response::new(response)),
            Err(rejection) => {
                Err(
                    RpcStatus::new(rejection.grpc, &rejection.message, rejection.retry_after)
                        .into_tonic(),
                )
            }
        }
    }
}
