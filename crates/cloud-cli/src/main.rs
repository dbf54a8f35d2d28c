//! `cloud`: compute, object storage, load balancers and DNS on any provider,
//! from the terminal.
//!
//! Exit codes: 0 success; 1 provider or other error; 2 usage; 3 not found;
//! 4 conflict (already exists, not empty, precondition); 5 credentials or
//! permission; 6 invalid input; 7 throttled, timed out or connection failed;
//! 8 unsupported by the provider.

mod cli;
mod commands;
mod config;
mod location;
mod output;
mod progress;
mod providers;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use cloud::{ErrorKind, Result};

use crate::cli::{Cli, Command};
use crate::commands::Context;
use crate::config::Settings;
use crate::providers::Providers;

fn exit_code(kind: &ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound { .. } => 3,
        ErrorKind::AlreadyExists { .. }
        | ErrorKind::NotEmpty { .. }
        | ErrorKind::PreconditionFailed => 4,
        ErrorKind::InvalidCredentials | ErrorKind::PermissionDenied => 5,
        ErrorKind::InvalidInput | ErrorKind::RangeNotSatisfiable => 6,
        ErrorKind::RateLimited { .. } | ErrorKind::Timeout | ErrorKind::Transport => 7,
        ErrorKind::Unsupported { .. } => 8,
        _ => 1,
    }
}

/// HTTP traces on stderr: one line per request with method, host, path,
/// attempt, status and time. Headers and query strings, which can carry
/// credentials and signatures, are never recorded by the spans.
fn init_tracing() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.target().starts_with("cloud") && *meta.level() <= tracing::Level::DEBUG
        }));
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn run(cli: Cli) -> Result<()> {
    let global = cli.global.clone();
    if let Command::Config(command) = cli.command {
        let profile = global.profile.as_deref().unwrap_or("default");
        return commands::config::run(command, profile, global.json);
    }
    let settings = Settings::new(&global)?;
    let ctx = Context {
        providers: Providers::new(settings),
        json: global.json,
        progress: progress::enabled(global.json, global.no_progress),
    };
    match cli.command {
        Command::Storage(c) => commands::storage::run(c, &ctx).await,
        Command::Compute(c) => commands::compute::run(c, &ctx).await,
        Command::Lb(c) => commands::lb::run(c, &ctx).await,
        Command::Dns(c) => commands::dns::run(c, &ctx).await,
        Command::Providers => commands::providers(&ctx),
        Command::Config(_) => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.global.verbose {
        init_tracing();
    }
    let stats = cli.global.stats;
    let started = Instant::now();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    if stats {
        eprintln!(
            "stats: {:.2} s, peak RSS {} MiB",
            started.elapsed().as_secs_f64(),
            peak_rss_kib()
                .map(|k| (k / 1024).to_string())
                .unwrap_or_else(|| "?".into())
        );
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(e.kind()))
        }
    }
}
