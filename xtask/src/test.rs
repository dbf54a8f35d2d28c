//! `cargo xtask test`: the whole test run, as CI does it.
//!
//! Installs any missing local server, starts them all on loopback, runs
//! `cargo test --workspace` with their addresses in the environment and with
//! missing servers made fatal, then stops them, whatever the outcome.
//! `--offline` skips the servers (live suites then skip with a message).

use std::path::PathBuf;

use cloud_testkit::servers::REQUIRE_SERVERS_VAR;

use crate::{cargo, run_command, servers, workspace_root};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (ours, passthrough) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let offline = ours.iter().any(|a| a == "--offline");
    if let Some(unknown) = ours.iter().find(|a| *a != "--offline") {
        return Err(format!("unknown option `{unknown}` for `cargo xtask test`"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let cache = target.join("xtask/cache");
    let work = target.join("xtask/servers");
    let mut running = Vec::new();
    let mut env = Vec::new();
    if !offline {
        for server in servers::all() {
            server.ensure_installed(&cache)?;
            let dir = work.join(server.name());
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let (process, url) = server.start(&cache, &dir)?;
            eprintln!("xtask: {} listening at {url}", server.name());
            env.push((server.env_var(), url));
            running.push(process);
        }
    }
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--all-targets"])
        .args(passthrough);
    if !offline {
        command.env(REQUIRE_SERVERS_VAR, "1");
    }
    for (var, url) in &env {
        command.env(var, url);
    }
    let tests = run_command(command);
    // Doc tests are not part of --all-targets.
    let doc_tests = tests.and_then(|()| {
        let mut command = cargo();
        command.args(["test", "--workspace", "--doc"]);
        run_command(command)
    });
    drop(running);
    doc_tests
}
