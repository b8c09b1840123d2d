//! OTLP/gRPC: `opentelemetry.proto.collector.logs.v1.LogsService/Export` on tonic, gzip and
//! zstd accepted (gzip used for answers when the client accepts it), messages up to
//! `max_message_bytes` (tonic answers larger ones with `OUT_OF_RANGE`, and messages that
//! do not decode with `INTERNAL`, before they reach us).

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use super::{Receiver, Refused, RETRY_AFTER};
use crate::pipeline::rpc_status::RpcStatus;

/// The service.
pub(super) struct GrpcLogs {
    receiver: Arc<Receiver>,
}

/// The service, configured.
pub(super) fn service(
    receiver: Arc<Receiver>,
    max_message_bytes: usize,
) -> LogsServiceServer<GrpcLogs> {
    LogsServiceServer::new(GrpcLogs { receiver })
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max_message_bytes)
}

#[tonic::async_trait]
impl LogsService for GrpcLogs {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        match self.receiver.export(request.into_inner(), "grpc").await {
            Ok(response) => Ok(Response::new(response)),
            Err(Refused::Busy) => Err(RpcStatus::new(
                tonic::Code::Unavailable,
                super::BUSY_MESSAGE,
                Some(RETRY_AFTER),
            )
            .into_tonic()),
            Err(Refused::Internal) => Err(Status::internal(super::INTERNAL_MESSAGE)),
        }
    }
}
