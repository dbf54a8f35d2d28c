//! The bounded tail of a step's output: a chatty build script cannot grow
//! memory, and the last lines are the ones that say why it failed.

use std::collections::VecDeque;

/// Keeps the last `limit` bytes written to it and counts them all.
#[derive(Debug)]
pub(crate) struct OutputTail {
    bytes: VecDeque<u8>,
    limit: usize,
    total: u64,
}

impl OutputTail {
    pub(crate) fn new(limit: usize) -> Self {
        OutputTail {
            bytes: VecDeque::with_capacity(limit.min(8 * 1024)),
            limit,
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let keep = data.len().min(self.limit);
        let data = &data[data.len() - keep..];
        let overflow = (self.bytes.len() + data.len()).saturating_sub(self.limit);
        self.bytes.drain(..overflow);
        self.bytes.extend(data);
    }

    /// Every byte seen, kept or not.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// The kept bytes as text (invalid UTF-8 replaced), starting at a line
    /// boundary when older output was dropped.
    pub(crate) fn into_text(self) -> String {
        let dropped = self.total > self.bytes.len() as u64;
        let bytes: Vec<u8> = self.bytes.into();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if dropped && let Some(newline) = text.find('\n') {
            return text[newline + 1..].to_owned();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes_from_a_line_start() {
        let mut tail = OutputTail::new(10);
        tail.push(b"first line\nsecond\n");
        tail.push(b"end\n");
        assert_eq!(tail.total(), 22);
        assert_eq!(tail.into_text(), "end\n");
        let mut small = OutputTail::new(100);
        small.push(b"all of it");
        assert_eq!(small.into_text(), "all of it");
    }
}
