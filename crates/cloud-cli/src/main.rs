//! `cloud`: compute, object storage, load balancers and DNS on any provider,
//! from the terminal.
//!
//! Exit codes: 0 success; 1 provider or other error; 2 usage; 3 not found;
//! 4 conflict (already exists, not empty, precondition); 5 credentials or
//! permission; 6 invalid input; 7 throttled, timed out or connection failed;
//! 8 unsupported by the provider; 130 interrupted (SIGINT), 143 terminated
//! (SIGTERM).

mod cli;
mod commands;
mod config;
mod location;
mod output;
mod progress;
mod providers;
mod signals;

use std::process::ExitCode;
use std::time::{Duration, Instant};

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
        | ErrorKind::PreconditionFailed
        | ErrorKind::Conflict => 4,
        ErrorKind::InvalidCredentials | ErrorKind::PermissionDenied => 5,
        ErrorKind::InvalidInput | ErrorKind::RangeNotSatisfiable => 6,
        ErrorKind::RateLimited { .. } | ErrorKind::Timeout | ErrorKind::Transport => 7,
        ErrorKind::Unsupported { .. } => 8,
        _ => 1,
    }
}

/// HTTP traces on stderr: one line per request with method, host, path,
/// attempt, status and time, under `--verbose` (the library's debug
/// events) or `RUST_LOG` (`debug`, `trace`, `cloud_aws=trace,info`...).
/// Headers and query strings, which can carry credentials and signatures,
/// are never recorded by the spans, and provider text reaches events only
/// through the HTTP client's redactor.
fn init_tracing(verbose: bool) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt;
    let directives = std::env::var("RUST_LOG")
        .map(|v| log_directives(&v))
        .unwrap_or_default();
    if !verbose && directives.is_empty() {
        return;
    }
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(!directives.is_empty())
        .with_filter(tracing_subscriber::filter::filter_fn(move |meta| {
            let by_flag = verbose
                && meta.target().starts_with("cloud")
                && *meta.level() <= tracing::Level::DEBUG;
            by_flag || wanted(&directives, meta.target(), *meta.level())
        }));
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
}

/// `RUST_LOG`'s simple form: comma-separated `level` or `target=level`
/// (a target is a module path prefix); anything else is ignored.
fn log_directives(value: &str) -> Vec<(Option<String>, tracing::Level)> {
    value
        .split(',')
        .filter_map(|part| {
            let (target, level) = match part.trim().split_once('=') {
                Some((target, level)) => (Some(target.trim().to_owned()), level),
                None => (None, part),
            };
            let level = level.trim().parse::<tracing::Level>().ok()?;
            Some((target, level))
        })
        .collect()
}

/// Whether an event passes the most specific matching directive.
fn wanted(
    directives: &[(Option<String>, tracing::Level)],
    target: &str,
    level: tracing::Level,
) -> bool {
    directives
        .iter()
        .filter(|(t, _)| t.as_deref().is_none_or(|t| target.starts_with(t)))
        .max_by_key(|(t, _)| t.as_deref().map_or(0, str::len))
        .is_some_and(|(_, max)| level <= *max)
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

/// How long an interrupted command waits for its clean-ups (aborting
/// multipart uploads, deleting segments) before giving up on them.
const CLEANUP_LIMIT: Duration = Duration::from_secs(60);

/// Runs the command until it ends or a SIGINT or SIGTERM arrives. On a
/// signal the command is dropped, which cancels its requests and starts the
/// library's clean-ups (a multipart upload is aborted, not orphaned); those
/// are waited for, unless a second signal says to exit at once.
async fn run_until_signalled(cli: Cli) -> std::result::Result<Result<()>, u8> {
    let mut signals = match signals::Signals::new() {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let outcome = tokio::select! {
        result = run(cli) => Some(result),
        code = signals.next() => {
            eprintln!("interrupted: cancelling (press Ctrl-C again to exit at once)");
            let _ = code;
            None
        }
    };
    // The command's future is gone now: its clean-ups are running.
    if let Some(result) = outcome {
        return Ok(result);
    }
    let code = signals.last_code();
    tokio::select! {
        left = cloud::cleanup::settled(CLEANUP_LIMIT) => {
            if left > 0 {
                eprintln!("error: {left} clean-up(s) did not finish; `cloud storage uploads ls` shows what they left");
            }
        }
        _ = signals.next() => eprintln!("exiting without waiting for clean-ups"),
    }
    Err(code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
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
    let result = runtime.block_on(run_until_signalled(cli));
    // Tasks still running (a request nobody waits for) must not hold the exit.
    runtime.shutdown_background();
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
        Ok(Ok(())) => ExitCode::SUCCESS,
        // The reader of our output went away: stop quietly, as Unix tools do.
        Ok(Err(e)) if output::is_closed_stdout(&e) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(e.kind()))
        }
        Err(signal_code) => ExitCode::from(signal_code),
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn rust_log_levels_and_targets() {
        let d = log_directives("info, cloud_aws=trace ,bogus=loud");
        assert_eq!(d.len(), 2);
        assert!(wanted(&d, "cloud_aws::s3", Level::TRACE));
        assert!(!wanted(&d, "cloud_core::http", Level::DEBUG));
        assert!(wanted(&d, "hyper", Level::INFO));
        assert!(!wanted(&log_directives("off"), "cloud", Level::ERROR));
        assert!(log_directives("").is_empty());
    }
}
