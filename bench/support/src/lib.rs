//! What every bench client shares: the settings the harness passes in the
//! environment, the file read as a stream of unknown length, and the one
//! JSON line a client prints about its own run.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[cfg(feature = "stream")]
use tokio::io::AsyncReadExt;

/// Part size of every multipart upload in the comparison.
pub const PART: usize = 8 * 1024 * 1024;
/// Parts in flight at once.
pub const CONCURRENCY: usize = 4;

/// What a client job returns: any error ends the run with its message.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The job's settings, from the variables the harness sets
/// (`BENCH_ENDPOINT`, `BENCH_KEY`, `BENCH_SECRET`, `BENCH_BUCKET`,
/// `BENCH_OBJECT`, `BENCH_FILE`, `BENCH_PREFIX`).
pub struct Settings {
    pub endpoint: String,
    pub key: String,
    pub secret: String,
    pub bucket: String,
    pub object: String,
    pub file: PathBuf,
    pub prefix: String,
}

impl Settings {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        Settings {
            endpoint: var("BENCH_ENDPOINT"),
            key: var("BENCH_KEY"),
            secret: var("BENCH_SECRET"),
            bucket: var("BENCH_BUCKET"),
            object: var("BENCH_OBJECT"),
            file: PathBuf::from(var("BENCH_FILE")),
            prefix: var("BENCH_PREFIX"),
        }
    }
}

/// The body of a client's `main`: takes the job from the one argument,
/// runs it, prints the report line, or the error and exits non-zero.
pub async fn run_job<F, Fut>(client: &str, job: F)
where
    F: FnOnce(Settings, String) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let Some(name) = std::env::args().nth(1) else {
        eprintln!("usage: bench-{client} JOB");
        std::process::exit(2);
    };
    let started = Instant::now();
    match job(Settings::from_env(), name.clone()).await {
        Ok(()) => println!("{}", report(started.elapsed())),
        Err(e) => {
            eprintln!("{client} {name}: {e}");
            std::process::exit(1);
        }
    }
}

/// The file as a stream that cannot seek and has no known length: what a
/// pipe or a generated body looks like to a client.
#[cfg(feature = "stream")]
pub fn unsized_stream(path: PathBuf) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> {
    futures::stream::unfold(None, move |file: Option<tokio::fs::File>| {
        let path = path.clone();
        async move {
            let mut file = match file {
                Some(f) => f,
                None => match tokio::fs::File::open(&path).await {
                    Ok(f) => f,
                    Err(e) => return Some((Err(e), None)),
                },
            };
            let mut buf = bytes::BytesMut::with_capacity(256 * 1024);
            match file.read_buf(&mut buf).await {
                Ok(0) => None,
                Ok(_) => Some((Ok(buf.freeze()), Some(file))),
                Err(e) => Some((Err(e), None)),
            }
        }
    })
}

/// Peak resident memory (KiB) and CPU time of this process so far, read
/// from `/proc/self` (Linux).
pub fn self_usage() -> (u64, Duration) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at `)`.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat: 11 and 12 after `)`.
    let cpu = Duration::from_millis((ticks(11) + ticks(12)) * 10);
    (peak_kib, cpu)
}

/// The line a client prints last: `{"wall_s":..,"cpu_s":..,"rss_mib":..}`.
pub fn report(wall: Duration) -> String {
    let (peak_kib, cpu) = self_usage();
    format!(
        "{{\"wall_s\":{:.3},\"cpu_s\":{:.3},\"rss_mib\":{:.1}}}",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        peak_kib as f64 / 1024.0
    )
}
