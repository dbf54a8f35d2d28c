//! Deterministic test data: the same seed always yields the same bytes, so
//! a large object can be streamed up and checked on the way down without
//! either side holding it whole.

use bytes::Bytes;
use cloud_core::ByteStream;
use futures::StreamExt;
use sha2::{Digest, Sha256};

/// Chunk size of generated streams.
pub const CHUNK: usize = 64 * 1024;

fn fill(seed: u64, offset: u64, out: &mut [u8]) {
    // xorshift64*, keyed by seed and 8-byte block index: any slice of the
    // stream can be generated on its own.
    for (i, byte) in out.iter_mut().enumerate() {
        let pos = offset + i as u64;
        let mut x = seed ^ (pos / 8).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD6E8_FEB8_6659_FD93;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let word = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        *byte = (word >> ((pos % 8) * 8)) as u8;
    }
}

/// `len` bytes of pattern `seed`, in memory.
pub fn bytes(seed: u64, len: usize) -> Bytes {
    let mut out = vec![0u8; len];
    fill(seed, 0, &mut out);
    Bytes::from(out)
}

/// `len` bytes of pattern `seed`, as a stream of 64 KiB chunks generated on demand.
pub fn stream(seed: u64, len: u64) -> ByteStream {
    futures::stream::unfold(0u64, move |offset| async move {
        if offset >= len {
            return None;
        }
        let n = (len - offset).min(CHUNK as u64) as usize;
        let mut chunk = vec![0u8; n];
        fill(seed, offset, &mut chunk);
        Some((Ok(Bytes::from(chunk)), offset + n as u64))
    })
    .boxed()
}

/// The SHA-256 of `len` bytes of pattern `seed`, computed in bounded memory.
pub fn digest(seed: u64, len: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    let mut chunk = vec![0u8; CHUNK];
    while offset < len {
        let n = (len - offset).min(CHUNK as u64) as usize;
        fill(seed, offset, &mut chunk[..n]);
        hasher.update(&chunk[..n]);
        offset += n as u64;
    }
    hasher.finalize().into()
}

/// Consumes a body, returning its length and SHA-256, in bounded memory.
pub async fn digest_stream(mut body: ByteStream) -> cloud_core::Result<(u64, [u8; 32])> {
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        len += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((len, hasher.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stream_and_digest_agree() {
        let len = 3 * CHUNK as u64 + 17;
        let (n, d) = digest_stream(stream(7, len)).await.unwrap();
        assert_eq!(n, len);
        assert_eq!(d, digest(7, len));
        assert_ne!(digest(7, len), digest(8, len));
        let all = bytes(7, len as usize);
        assert_eq!(<[u8; 32]>::from(Sha256::digest(&all)), d);
    }
}
