//! The few `google.rpc` messages OTLP speaks for errors, declared by hand (no `tonic-types` /
//! `prost-types` dependency): `Status`, `Any` and `RetryInfo`. Receivers (our OTLP source, the
//! test receiver) answer with them; the OTLP sink reads the retry delay out of them.

use std::time::Duration;

use prost::Message;

/// `type_url` of a packed `google.rpc.RetryInfo`.
pub(crate) const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`: the gRPC rich error model, and the OTLP/HTTP error response body.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct RpcStatus {
    /// gRPC status code.
    #[prost(int32, tag = "1")]
    pub(crate) code: i32,
    /// Developer-facing message.
    #[prost(string, tag = "2")]
    pub(crate) message: String,
    /// Packed details.
    #[prost(message, repeated, tag = "3")]
    pub(crate) details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct ProtoAny {
    #[prost(string, tag = "1")]
    pub(crate) type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub(crate) value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub(crate) retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub(crate) seconds: i64,
    #[prost(int32, tag = "2")]
    pub(crate) nanos: i32,
}

impl RpcStatus {
    /// A status with a `RetryInfo` detail when `retry_after` is given.
    pub(crate) fn new(code: tonic::Code, message: &str, retry_after: Option<Duration>) -> Self {
        let details = retry_after
            .map(|d| ProtoAny {
                type_url: RETRY_INFO_TYPE_URL.to_owned(),
                value: RetryInfo {
                    retry_delay: Some(ProtoDuration {
                        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
                    }),
                }
                .encode_to_vec(),
            })
            .into_iter()
            .collect();
        RpcStatus {
            code: code as i32,
            message: message.to_owned(),
            details,
        }
    }

    /// As a tonic status carrying this message as its binary details (`grpc-status-details-bin`).
    pub(crate) fn into_tonic(self) -> tonic::Status {
        let code = tonic::Code::from_i32(self.code);
        let message = self.message.clone();
        if self.details.is_empty() {
            tonic::Status::new(code, message)
        } else {
            tonic::Status::with_details(code, message, self.encode_to_vec().into())
        }
    }
}

/// The retry delay a gRPC error carries in a `google.rpc.RetryInfo` detail, if any: what an
/// OTLP exporter honours when the receiver answers `UNAVAILABLE` or `RESOURCE_EXHAUSTED`.
///
/// ```
/// use audit_otel::pipeline::rpc_status::grpc_retry_delay;
/// assert_eq!(grpc_retry_delay(&tonic::Status::unavailable("down")), None);
/// ```
pub fn grpc_retry_delay(status: &tonic::Status) -> Option<Duration> {
    retry_delay_in(status.details())
}

/// The retry delay in a packed `google.rpc.Status` (`grpc-status-details-bin`), if any.
pub(crate) fn retry_delay_in(details: &[u8]) -> Option<Duration> {
    if details.is_empty() {
        return None;
    }
    let decoded = RpcStatus::decode(details).ok()?;
    decoded
        .details
        .iter()
        .filter(|any| any.type_url == RETRY_INFO_TYPE_URL)
        .find_map(|any| RetryInfo::decode(any.value.as_slice()).ok()?.retry_delay)
        .map(|d| {
            Duration::from_secs(u64::try_from(d.seconds).unwrap_or(0))
                + Duration::from_nanos(u64::try_from(d.nanos).unwrap_or(0).min(999_999_999))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_round_trips_through_tonic_status() {
        let delay = Duration::from_millis(1500);
        let status = RpcStatus::new(tonic::Code::Unavailable, "later", Some(delay)).into_tonic();
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(status.message(), "later");
        assert_eq!(grpc_retry_delay(&status), Some(delay));

        let plain = RpcStatus::new(tonic::Code::InvalidArgument, "no", None).into_tonic();
        assert!(plain.details().is_empty());
        assert_eq!(grpc_retry_delay(&plain), None);
    }
}
