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
    /// Bytes kept in memory before spilling to a file.
    pub const MEMORY: usize = 8 * 1024 * 1024;

    pub fn new() -> Self {
        JsonArray {
            buffer: b"[\n".to_vec(),
            spill: None,
            first: true,
        }
    }

    /// Adds an item.
    pub fn push<T: Serialize>(&mut self, item: &T) -> Result<()> {
        let text = serde_json::to_vec(item)
            .map_err(|e| Error::invalid_input(format!("cannot encode the output: {e}")))?;
        if !self.first {
            self.buffer.extend_from_slice(b",\n");
        }
        self.first = false;
        self.buffer.extend_from_slice(b"  ");
        self.buffer.extend_from_slice(&text);
        if self.buffer.len() >= Self::MEMORY {
            self.spill_buffer()?;
        }
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
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    (*c).to_owned()
                } else {
                    format!("{c:<width$}", width = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut text = line(headers.to_vec());
    text.push('\n');
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
        text.push('\n');
    }
    bytes(text.as_bytes())
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
