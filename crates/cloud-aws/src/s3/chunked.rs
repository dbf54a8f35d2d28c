//! `Content-Encoding: aws-chunked` with the CRC32 as a trailer.
//!
//! A file's single PUT used to read the file twice: once for the CRC32 that
//! S3 checks, once to send it. Framed this way the checksum is computed
//! while the body goes out and follows it as a trailing header
//! (`x-amz-trailer`, unsigned payload: what the AWS SDKs send), so the file
//! is read once per attempt. The framing (AWS's "streaming trailers"):
//!
//! ```text
//! <hex length>\r\n<data>\r\n      one per chunk
//! 0\r\n                           the last, empty chunk
//! x-amz-checksum-crc32:<base64>\r\n
//! \r\n
//! ```
//!
//! Chunks are a fixed size (the last one shorter), so the encoded length is
//! known before sending, as `Content-Length` needs.

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use cloud_core::byte_stream::FILE_CHUNK_BYTES;
use cloud_core::{ByteStream, Result};
use futures::{StreamExt, TryStreamExt, stream};

/// The bytes of data in every chunk but the last.
const CHUNK: usize = FILE_CHUNK_BYTES;

/// The trailing header that carries the checksum.
pub(crate) const TRAILER: &str = "x-amz-checksum-crc32";

/// The length of the base64 of a CRC32 (four bytes, padded).
const CRC32_BASE64_LEN: u64 = 8;

/// The length of one chunk carrying `n` bytes of data.
fn framed_len(n: u64) -> u64 {
    let digits = u64::from(n.max(1).ilog(16)) + 1;
    digits + 2 + n + 2
}

/// The length on the wire of `len` bytes of data framed by [`encode`].
pub(crate) fn encoded_len(len: u64) -> u64 {
    let chunk = CHUNK as u64;
    let full = (len / chunk) * framed_len(chunk);
    let rest = match len % chunk {
        0 => 0,
        n => framed_len(n),
    };
    let trailer = TRAILER.len() as u64 + 1 + CRC32_BASE64_LEN + 2;
    full + rest + 3 + trailer + 2
}

/// Base64 of a big-endian CRC32, as S3 writes checksums.
pub(crate) fn crc32_base64(crc: u32) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes())
}

/// The frame of one chunk: its length line, the data (not copied), CRLF.
fn frame(data: Bytes) -> [Bytes; 3] {
    [
        Bytes::from(format!("{:x}\r\n", data.len())),
        data,
        Bytes::from_static(b"\r\n"),
    ]
}

struct Encoder {
    body: ByteStream,
    pending: BytesMut,
    crc: crc32fast::Hasher,
    done: bool,
}

/// Frames `body` in fixed-size chunks and appends its CRC32 as the trailer.
/// Input chunks of exactly the chunk size (what a file yields) pass through
/// without a copy; others are gathered.
pub(crate) fn encode(body: ByteStream) -> ByteStream {
    let encoder = Encoder {
        body,
        pending: BytesMut::new(),
        crc: crc32fast::Hasher::new(),
        done: false,
    };
    stream::try_unfold(encoder, next_frames)
        .map_ok(|frames| stream::iter(frames.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// The frames of the next chunk, or of the last chunk and the trailer.
async fn next_frames(mut e: Encoder) -> Result<Option<(Vec<Bytes>, Encoder)>> {
    if e.done {
        return Ok(None);
    }
    loop {
        if e.pending.len() >= CHUNK {
            let data = e.pending.split_to(CHUNK).freeze();
            return Ok(Some((frame(data).to_vec(), e)));
        }
        match e.body.next().await {
            Some(chunk) => {
                let chunk = chunk?;
                e.crc.update(&chunk);
                if e.pending.is_empty() && chunk.len() == CHUNK {
                    return Ok(Some((frame(chunk).to_vec(), e)));
                }
                e.pending.extend_from_slice(&chunk);
            }
            None => {
                e.done = true;
                let mut out = Vec::with_capacity(4);
                if !e.pending.is_empty() {
                    out.extend(frame(e.pending.split().freeze()));
                }
                let crc = std::mem::take(&mut e.crc).finalize();
                out.push(Bytes::from(format!(
                    "0\r\n{TRAILER}:{}\r\n\r\n",
                    crc32_base64(crc)
                )));
                return Ok(Some((out, e)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn framed(pieces: Vec<Bytes>) -> Vec<u8> {
        let body = stream::iter(pieces.into_iter().map(Ok)).boxed();
        let out: Vec<Bytes> = encode(body).try_collect().await.unwrap();
        out.concat()
    }

    /// Decodes the framing the way a server does, checking every length.
    fn decode(wire: &[u8]) -> (Vec<u8>, String) {
        let mut data = Vec::new();
        let mut rest = wire;
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if n == 0 {
                break;
            }
            data.extend_from_slice(&rest[..n]);
            assert_eq!(&rest[n..n + 2], b"\r\n");
            rest = &rest[n + 2..];
        }
        let trailer = std::str::from_utf8(rest).unwrap();
        let line = trailer.strip_suffix("\r\n\r\n").unwrap();
        (data, line.to_owned())
    }

    #[tokio::test]
    async fn frames_decode_to_the_data_and_its_checksum() {
        for len in [0, 1, 15, 16, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            // Odd-sized pieces that straddle the chunk boundaries.
            let pieces: Vec<Bytes> = data.chunks(1000).map(Bytes::copy_from_slice).collect();
            let wire = framed(pieces).await;
            assert_eq!(
                wire.len() as u64,
                encoded_len(len as u64),
                "length of {len}"
            );
            let (decoded, trailer) = decode(&wire);
            assert_eq!(decoded, data, "data of {len}");
            let crc = crc32_base64(crc32fast::hash(&data));
            assert_eq!(trailer, format!("x-amz-checksum-crc32:{crc}"));
        }
    }

    #[tokio::test]
    async fn whole_chunks_pass_through_and_match_the_length() {
        let data = vec![7u8; 2 * CHUNK + 5];
        let pieces = vec![
            Bytes::copy_from_slice(&data[..CHUNK]),
            Bytes::copy_from_slice(&data[CHUNK..2 * CHUNK]),
            Bytes::copy_from_slice(&data[2 * CHUNK..]),
        ];
        let wire = framed(pieces).await;
        assert_eq!(wire.len() as u64, encoded_len(data.len() as u64));
        assert!(wire.starts_with(b"40000\r\n"));
        assert_eq!(decode(&wire).0, data);
    }

    #[tokio::test]
    async fn a_failing_body_fails_the_stream() {
        let body = stream::iter([
            Ok(Bytes::from_static(b"abc")),
            Err(cloud_core::Error::invalid_input("gone")),
        ])
        .boxed();
        let result: cloud_core::Result<Vec<Bytes>> = encode(body).try_collect().await;
        assert!(result.is_err());
    }
}
