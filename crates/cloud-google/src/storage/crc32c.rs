//! CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object
//! and checks uploads against. Slicing-by-8 over tables built at compile
//! time: about 1.5 GB/s on one core, well ahead of loopback upload speed,
//! without a dependency for fifty lines.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

const fn tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u32; 256]; 8] = tables();

/// A running CRC32C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Crc32c(u32);

impl Default for Crc32c {
    fn default() -> Self {
        Crc32c(!0)
    }
}

impl Crc32c {
    /// Adds `data`.
    pub(crate) fn update(&mut self, data: &[u8]) {
        let t = &TABLES;
        let mut crc = self.0;
        let mut chunks = data.chunks_exact(8);
        for c in &mut chunks {
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            crc = t[7][(lo & 0xFF) as usize]
                ^ t[6][((lo >> 8) & 0xFF) as usize]
                ^ t[5][((lo >> 16) & 0xFF) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][c[4] as usize]
                ^ t[2][c[5] as usize]
                ^ t[1][c[6] as usize]
                ^ t[0][c[7] as usize];
        }
        for &b in chunks.remainder() {
            crc = (crc >> 8) ^ t[0][((crc ^ u32::from(b)) & 0xFF) as usize];
        }
        self.0 = crc;
    }

    /// The checksum of everything added so far.
    pub(crate) fn value(self) -> u32 {
        !self.0
    }

    /// The checksum as Cloud Storage writes it: base64 of its four
    /// big-endian bytes.
    pub(crate) fn to_base64(self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.value().to_be_bytes())
    }
}

/// The CRC32C of `data`, base64 as Cloud Storage writes it.
pub(crate) fn base64_of(data: &[u8]) -> String {
    let mut crc = Crc32c::default();
    crc.update(data);
    crc.to_base64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(data: &[u8]) -> u32 {
        let mut c = Crc32c::default();
        c.update(data);
        c.value()
    }

    #[test]
    fn known_answers() {
        // RFC 3720 (iSCSI), appendix B.4, and the common check value.
        assert_eq!(of(b"123456789"), 0xE306_9283);
        assert_eq!(of(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(of(&[0xFFu8; 32]), 0x62A8_AB43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(of(&ascending), 0x46DD_794E);
        assert_eq!(of(b""), 0);
        // What fake-gcs-server and Cloud Storage report for "hello".
        assert_eq!(base64_of(b"hello"), "mnG7TA==");
    }

    #[test]
    fn any_split_gives_the_same_sum() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = of(&data);
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let mut c = Crc32c::default();
            c.update(&data[..split]);
            c.update(&data[split..]);
            assert_eq!(c.value(), whole, "split at {split}");
        }
    }
}
