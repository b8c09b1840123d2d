//! Gzip without a direct compression dependency.
//!
//! tonic (feature `gzip`) already links a gzip implementation for gRPC message compression, but
//! does not expose it. Its public message framing does, though: a gRPC frame whose
//! "compressed" flag is set is gunzipped by [`tonic::codec::Streaming`], and
//! [`tonic::codec::EncodeBody`] gzips the messages it frames. These helpers wrap raw bytes in
//! one such frame and run it through those types, synchronously (everything is already in
//! memory, so nothing ever waits). zstd bodies (the `zstd` crate) are decompressed here too.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use axum::body::Bytes;
use tonic::codec::{CompressionEncoding, EncodeBody, Streaming};
use tonic::codegen::tokio_stream::{self, Stream};
use tonic::codegen::Body as _;
use tonic::Status;

/// gRPC frame header: 1 byte "compressed" flag + 4 bytes big-endian length.
const FRAME_HEADER: usize = 5;

pub use crate::pipeline::raw_codec::RawCodec;

/// Compresses `data` into the gzip format (RFC 1952), as sent with `Content-Encoding: gzip`.
///
/// Handy for hand-written OTLP/HTTP requests in tests:
///
/// ```
/// use audit_otel::testing::{gzip_compress, gzip_decompress};
/// let packed = gzip_compress(b"hello hello hello hello");
/// assert_eq!(&packed[..2], &[0x1f, 0x8b]); // gzip magic
/// assert_eq!(gzip_decompress(&packed, 1024).unwrap(), b"hello hello hello hello");
/// ```
pub fn gzip_compress(data: &[u8]) -> Vec<u8> {
    let source = tokio_stream::once(Ok::<_, Status>(Bytes::copy_from_slice(data)));
    let body = EncodeBody::new_client(
        RawCodec,
        source,
        Some(CompressionEncoding::Gzip),
        Some(usize::MAX),
    );
    let mut body = std::pin::pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let mut framed = Vec::new();
    loop {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    framed.extend_from_slice(&data);
                }
            }
            Poll::Ready(None) => break,
            // Compressing in-memory data cannot fail or wait; tonic would only report an
            // oversized message, and the limit is `usize::MAX`.
            Poll::Ready(Some(Err(status))) => panic!("gzip compression failed: {status}"),
            Poll::Pending => unreachable!("in-memory compression never waits"),
        }
    }
    assert!(
        framed.len() >= FRAME_HEADER && framed[0] == 1,
        "tonic did not produce one compressed frame"
    );
    framed.split_off(FRAME_HEADER)
}

/// Decompresses gzip data, failing if it is not valid gzip or if it would inflate to more than
/// `limit` bytes (a guard against decompression bombs).
pub fn gzip_decompress(data: &[u8], limit: usize) -> io::Result<Vec<u8>> {
    let len = u32::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "gzip body over 4 GiB"))?;
    let mut framed = Vec::with_capacity(FRAME_HEADER + data.len());
    framed.push(1);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(data);
    let body = axum::body::Body::from(framed);
    // tonic applies its limit to the compressed frame too, and tiny inputs can be larger
    // compressed than inflated: the exact limit is checked below.
    let frame_limit = Some(limit.max(data.len()));
    let mut stream =
        Streaming::new_request(RawCodec, body, Some(CompressionEncoding::Gzip), frame_limit);
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(&mut stream).poll_next(&mut cx) {
        Poll::Ready(Some(Ok(bytes))) if bytes.len() <= limit => Ok(bytes.into()),
        Poll::Ready(Some(Ok(_))) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("gzip body inflates to more than {limit} bytes"),
        )),
        Poll::Ready(Some(Err(status))) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("invalid gzip body: {}", status.message()),
        )),
        Poll::Ready(None) => Ok(Vec::new()),
        Poll::Pending => Err(io::Error::other("gzip decoding unexpectedly waited")),
    }
}

/// Decompresses zstd data (one or more frames), failing if it is not valid zstd or if it would
/// inflate to more than `limit` bytes.
pub fn zstd_decompress(data: &[u8], limit: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(data)?
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("invalid zstd body: {e}"),
            )
        })?;
    if out.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("zstd body inflates to more than {limit} bytes"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let packed = gzip_compress(&data);
        assert_eq!(&packed[..2], &[0x1f, 0x8b]);
        assert!(packed.len() < data.len());
        assert_eq!(gzip_decompress(&packed, data.len()).unwrap(), data);
        assert!(gzip_decompress(&packed, data.len() - 1).is_err());
        assert!(gzip_decompress(b"definitely not gzip", 1 << 20).is_err());
        assert_eq!(gzip_decompress(&gzip_compress(b""), 10).unwrap(), b"");
    }
}
