//! The `google.rpc.Status` an OTLP receiver answers errors with (gRPC status details and the
//! OTLP/HTTP error body), with an optional `google.rpc.RetryInfo`, declared by hand.
//!
//! The test receiver (`crate::testing`, feature `testing`) has the same few messages; it is not
//! available to production code, hence this small copy.

use std::time::Duration;

use prost::Message;

const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, Message)]
pub(super) struct RpcStatus {
    /// gRPC status code.
    #[prost(int32, tag = "1")]
    pub(super) code: i32,
    /// Developer-facing message (never data).
    #[prost(string, tag = "2")]
    pub(super) message: String,
    /// Packed details.
    #[prost(message, repeated, tag = "3")]
    pub(super) details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub(super) struct ProtoAny {
    /// Type of the packed message.
    #[prost(string, tag = "1")]
    pub(super) type_url: String,
    /// The packed message.
    #[prost(bytes = "vec", tag = "2")]
    pub(super) value: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

#[derive(Clone, PartialEq, Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

impl RpcStatus {
    /// A status, with a `RetryInfo` detail when `retry_after` is given.
    pub(super) fn new(
        code: tonic::Code,
        message: &str,
        retry_after: Option<Duration>,
    ) -> RpcStatus {
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

    /// As a tonic status (details in `grpc-status-details-bin`).
    pub(super) fn into_tonic(self) -> tonic::Status {
        let code = tonic::Code::from_i32(self.code);
        let message = self.message.clone();
        if self.details.is_empty() {
            tonic::Status::new(code, message)
        } else {
            tonic::Status::with_details(code, message, self.encode_to_vec().into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_travels_in_the_details() {
        let st = RpcStatus::new(
            tonic::Code::Unavailable,
            "later",
            Some(Duration::from_secs(1)),
        )
        .into_tonic();
        assert_eq!(st.code(), tonic::Code::Unavailable);
        let back = RpcStatus::decode(st.details()).unwrap();
        assert_eq!(back.details.len(), 1);
        let info = RetryInfo::decode(back.details[0].value.as_slice()).unwrap();
        assert_eq!(info.retry_delay.unwrap().seconds, 1);
        assert!(RpcStatus::new(tonic::Code::InvalidArgument, "no", None)
            .into_tonic()
            .details()
            .is_empty());
    }
}
