//! `cargo xtask test`: the whole test run, as CI does it.
//!
//! Installs the system libraries the workspace links and any missing local
//! server, starts them all on loopback, runs
//! `cargo test --workspace` with their addresses in the environment and with
//! missing servers made fatal, then stops them, whatever the outcome.
//! `--offline` skips the servers (live suites then skip with a message).

use cloud_testkit::servers::REQUIRE_SERVERS_VAR;

use crate::{cargo, run_command, servers};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (ours, passthrough) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let offline = ours.iter().any(|a| a == "--offline");
    if let Some(unknown) = ours.iter().find(|a| *a != "--offline") {
        return Err(format!("unknown option `{unknown}` for `cargo xtask test`"));
    }
    // The workspace links libvirt (cloud-libvirt), servers or not.
    crate::system::ensure()?;
    let running = if offline {
        None
    } else {
        Some(servers::start_all()?)
    };
    let with_env = |mut command: std::process::Command| {
        if let Some(running) = &running {
            command.env(REQUIRE_SERVERS_VAR, "1");
            for (var, value) in &running.env {
                command.env(var, value);
            }
        }
        command
    };
    let mut tests = cargo();
    tests
        .args(["test", "--workspace", "--all-targets"])
        .args(passthrough);
    let result = run_command(with_env(tests)).and_then(|()| {
        // Doc tests are not part of --all-targets.
        let mut docs = cargo();
        docs.args(["test", "--workspace", "--doc"]);
        run_command(with_env(docs))
    });
    drop(running);
    result
}
