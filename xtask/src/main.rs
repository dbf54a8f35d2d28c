//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! ```text
//! cargo xtask tour                                   build the `cloud` tool and run the main job on the embedded providers
//! cargo xtask test [--offline] [-- CARGO_TEST_ARGS]  install/start local servers, run every suite, stop them
//! cargo xtask docs [--check]                          regenerate (or check) docs/providers.md
//! cargo xtask check-deps                              provider crates pull in no other provider; embedded features no HTTP stack
//! cargo xtask system-libs                             install the system libraries some crates link (libvirt), when missing
//! cargo xtask servers [NAME...]                      start local servers (all, or those named), print their variables, wait for Ctrl-C
//! cargo xtask fixtures check                          every recorded fixture parses and holds no credential
//! cargo xtask fixtures record PROVIDER                re-record PROVIDER's fixtures from its local servers
//! cargo xtask bench [--rounds N] [--size-mib N] [--list N]  compare cloud with its peers on s3s-fs; updates docs/performance.md
//! cargo xtask fuzz seeds | build | run [--seconds N] [TARGET...]  seed from fixtures, build, or run the fuzz targets
//! ```

mod bench;
mod deps;
mod docs;
mod fixtures;
mod fuzz;
mod metadata;
mod servers;
mod system;
mod test;
mod timings;
mod tour;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("tour") => tour::run(),
        Some("test") => test::run(&args[1..]),
        Some("docs") => docs::run(&args[1..]),
        Some("check-deps") => deps::run(),
        Some("system-libs") => system::ensure(),
        Some("fixtures") => fixtures::run(&args[1..]),
        Some("servers") => servers::serve(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: cargo xtask <tour | test [--offline] [-- ARGS] | docs [--check] | check-deps | system-libs | servers [NAME...] | fixtures check | fixtures record PROVIDER | fuzz seeds|build|run | bench>"
        .to_owned()
}

/// The workspace root (the folder above `xtask/`).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Runs a command from the workspace root, failing on a non-zero exit.
pub(crate) fn run_command(mut command: std::process::Command) -> Result<(), String> {
    command.current_dir(workspace_root());
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

/// The cargo that runs this xtask.
pub(crate) fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}
