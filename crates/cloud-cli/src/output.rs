//! Tables for people, JSON for scripts, and standard output that behaves
//! as Unix tools do.
//!
//! Every write to standard output goes through here and can fail: when the
//! reader went away (`cloud ... | head -1`), the write fails with a broken
//! pipe, which [`is_closed_stdout`] recognises so `main` ends quietly.
//! JSON is written whole or not at all: a listing too large to hold in
//! memory is spooled to a temporary file and copied out once complete.

use std::fmt;
use std::io::{Read, Seek, Write};

use cloud::{Error, ErrorKind, Result};
use serde::Serialize;

const STDOUT: &str = "writing to standard output";

/// The error for a failed write to standard output.
pub fn stdout_error(e: std::io::Error) -> Error {
    Error::io(STDOUT, e)
}

/// Whether `error` is a write to a standard output nobody reads any more.
pub fn is_closed_stdout(error: &Error) -> bool {
    *error.kind() == ErrorKind::Io
        && std::error::Error::source(error)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Writes `args` and a newline to standard output.
pub fn line(args: fmt::Arguments<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(stdout_error)
}

/// `println!` that returns an error instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// Writes raw bytes to standard output.
pub fn bytes(data: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(data)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Prints `value` as pretty JSON on standard output.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::invalid_input(format!("cannot encode the output: {e}")))?;
    text.push(b'\n');
    bytes(&text)
}

/// A JSON array built item by item and printed only when complete. Items
/// stay in memory up to [`JsonArray::MEMORY`] bytes, then in a temporary
/// file, so a listing of any size prints in bounded memory.
pub struct JsonArray {
    buffer: Vec<u8>,
    spill: Option<std::fs::File>,
    first: bool,
}

impl JsonArray {
    /// Bytes kept in memory before spilling to a file: small, so a listing
    /// of any length prints in the memory of one page (measured with
    /// `cargo xtask bench`'s listing-scaling rows).
    pub const MEMORY: usize = 1024 * 1024;

    pub fn new() -> Self {
        let mut buffer = Vec::with_capacity(Self::MEMORY);
        buffer.extend_from_slice(b"[\n");
        JsonArray {
            buffer,
            spill: None,
            first: true,
        }
    }

    /// Adds an item.
    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<()> {
        let text = serde_json::to_vec(item)
            .map_err(|e| Error::invalid_input(format!("cannot encode the output: {e}")))?;
        // Spilled before it would grow past its capacity (no doubling).
        if self.buffer.len() + text.len() + 4 > Self::MEMORY {
            self.spill_buffer()?;
        }
        if !self.first {
            self.buffer.extend_from_slice(b",\n");
        }
        self.first = false;
        self.buffer.extend_from_slice(b"  ");
        self.buffer.extend_from_slice(&text);
        Ok(())
    }

    fn spill_buffer(&mut self) -> Result<()> {
        if self.spill.is_none() {
            self.spill = Some(anonymous_file()?);
        }
        if let Some(file) = &mut self.spill {
            file.write_all(&self.buffer)
                .map_err(|e| Error::io("spooling JSON output", e))?;
        }
        self.buffer.clear();
        Ok(())
    }

    /// Prints the whole array.
    pub fn finish(mut self) -> Result<()> {
        self.buffer.extend_from_slice(b"\n]\n");
        let Some(mut file) = self.spill.take() else {
            return bytes(&self.buffer);
        };
        file.write_all(&self.buffer)
            .and_then(|()| file.rewind())
            .map_err(|e| Error::io("spooling JSON output", e))?;
        let mut out = std::io::stdout().lock();
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = file
                .read(&mut chunk)
                .map_err(|e| Error::io("reading spooled JSON output", e))?;
            if n == 0 {
                break;
            }
            out.write_all(&chunk[..n]).map_err(stdout_error)?;
        }
        out.flush().map_err(stdout_error)
    }
}

/// A temporary file that no other process can name: created in the
/// system's temporary folder and unlinked at once (on Unix), so it
/// disappears with this process however the process ends.
fn anonymous_file() -> Result<std::fs::File> {
    let path = std::env::temp_dir().join(format!("cloud-json-{}", cloud::unique::unique_token()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// Prints rows under headers, columns aligned, on standard output.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut table = Table::new(headers);
    for row in rows {
        table.push(row.clone())?;
    }
    table.finish()
}

/// A table printed as its rows come, in bounded memory: the first
/// [`Table::SAMPLE`] rows (all of them, for most listings) set the column
/// widths and are printed together; later rows keep those widths, a
/// longer cell only pushing the rest of its own row to the right. So a
/// listing of any length starts printing after one sample and never waits
/// for, or holds, the whole of it.
pub struct Table {
    headers: Vec<String>,
    held: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    pending: String,
}

impl Table {
    /// Rows that set the column widths.
    pub const SAMPLE: usize = 1000;
    /// Bytes of printed rows gathered before one write.
    const CHUNK: usize = 64 * 1024;

    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            held: Vec::new(),
            widths: None,
            pending: String::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) -> Result<()> {
        match &self.widths {
            Some(widths) => {
                append_line(&mut self.pending, widths, &row);
                if self.pending.len() >= Self::CHUNK {
                    bytes(std::mem::take(&mut self.pending).as_bytes())?;
                }
                Ok(())
            }
            None => {
                self.held.push(row);
                if self.held.len() >= Self::SAMPLE {
                    self.print_held()?;
                }
                Ok(())
            }
        }
    }

    fn print_held(&mut self) -> Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.held {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let mut text = String::new();
        append_line(&mut text, &widths, &self.headers);
        for row in std::mem::take(&mut self.held) {
            append_line(&mut text, &widths, &row);
        }
        self.widths = Some(widths);
        bytes(text.as_bytes())
    }

    /// Prints what is left.
    pub fn finish(mut self) -> Result<()> {
        if self.widths.is_none() {
            self.print_held()?;
        }
        if self.pending.is_empty() {
            Ok(())
        } else {
            bytes(self.pending.as_bytes())
        }
    }
}

/// One line of cells padded to `widths` (the last cell unpadded).
fn append_line(text: &mut String, widths: &[usize], cells: &[String]) {
    let last = cells.len().saturating_sub(1);
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            text.push_str("  ");
        }
        let width = widths.get(i).copied().unwrap_or(0);
        if i == last {
            text.push_str(cell);
        } else {
            text.push_str(&format!("{cell:<width$}"));
        }
    }
    text.push('\n');
}

/// Prints a listing as it streams in: a [`Table`] of `row(item)` for
/// people, a [`JsonArray`] for scripts; memory is one page of the
/// listing plus one table sample, whatever its length.
pub async fn listing<T: Serialize>(
    json: bool,
    headers: &[&str],
    mut items: cloud::ListStream<T>,
    row: impl Fn(&T) -> Vec<String>,
) -> Result<()> {
    use futures::TryStreamExt;
    if json {
        let mut array = JsonArray::new();
        while let Some(item) = items.try_next().await? {
            array.push(&item)?;
        }
        return array.finish();
    }
    let mut table = Table::new(headers);
    while let Some(item) = items.try_next().await? {
        table.push(row(&item))?;
    }
    table.finish()
}

/// `-` for missing values in tables.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// A byte count for people: `1.5 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_recognised() {
        let err = stdout_error(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_closed_stdout(&err));
        let other = stdout_error(std::io::Error::other("disk full"));
        assert!(!is_closed_stdout(&other));
    }
}
