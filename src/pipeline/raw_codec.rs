//! A gRPC codec that passes message bytes through unchanged: the OTLP receiver reads requests
//! where they lie ([`crate::otel::wire`]) instead of decoding them into prost messages, and
//! load generators and tests send requests encoded ahead of time.

use bytes::{Buf, BufMut, Bytes};
use tonic::codec::{DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status;

/// Messages are [`Bytes`] both ways: what is sent is written as it is, what is received is
/// handed over as it arrived (decompressed).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
