//! `cargo xtask test`: the whole test run, as CI does it.
//!
//! Installs the system libraries the workspace links and any missing local
//! server, builds every test, then starts the servers on loopback and runs
//! `cargo test --workspace` with their addresses in the environment and with
//! missing servers made fatal, then stops them, whatever the outcome.
//! `--offline` skips the servers (live suites then skip with a message).
//!
//! Tests reach only loopback. The servers and the tests run in a network
//! namespace of their own that has nothing but `lo` (`unshare -n`, as root),
//! so no test, server or credential chain can send a packet anywhere else:
//! not to a cloud metadata address, not to a resolver, not to a provider.
//! Everything that needs the network (installs, the build) happens first,
//! outside it. Where no namespace can be made (not root), the run says so
//! and goes on, unless `CI` is set, where that is a failure. On top of
//! that, the metadata sources every credential chain would try are turned
//! off or pointed at a closed loopback port in the tests' environment.

use cloud_testkit::servers::REQUIRE_SERVERS_VAR;

use crate::{cargo, run_command, servers};

/// The flag of the run inside the namespace.
const INSIDE: &str = "--inside-loopback-namespace";

/// Variables that keep every credential chain off the network: AWS's
/// instance metadata disabled, Google's metadata server and Azure's
/// instance metadata pointed at a loopback port nothing listens on.
pub(crate) const NO_METADATA: &[(&str, &str)] = &[
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("GCE_METADATA_HOST", "127.0.0.1:9"),
    ("GCE_METADATA_IP", "127.0.0.1:9"),
    ("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9"),
    ("IMDS_ENDPOINT", "http://127.0.0.1:9"),
];

/// Variables that would send a credential chain to a real endpoint.
const REMOVED: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (ours, passthrough) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let offline = ours.iter().any(|a| a == "--offline");
    let inside = ours.iter().any(|a| a == INSIDE);
    if let Some(unknown) = ours.iter().find(|a| *a != "--offline" && *a != INSIDE) {
        return Err(format!("unknown option `{unknown}` for `cargo xtask test`"));
    }
    if inside {
        return run_suites(offline, passthrough);
    }
    // Everything that needs the network, first.
    crate::system::ensure()?;
    if !offline {
        servers::install_all()?;
    }
    let mut build = cargo();
    build.args(["test", "--workspace", "--all-targets", "--no-run"]);
    run_command(build)?;
    match loopback_namespace() {
        Ok(mut command) => {
            eprintln!("xtask: running the suites where only loopback is reachable (unshare -n)");
            command.arg("test").arg(INSIDE);
            if offline {
                command.arg("--offline");
            }
            command.arg("--").args(passthrough);
            run_command(command)
        }
        Err(why) if std::env::var_os("CI").is_some() => Err(format!(
            "CI runs the suites where only loopback is reachable, and {why}"
        )),
        Err(why) => {
            eprintln!("xtask: {why}; running the suites with the machine's network");
            run_suites(offline, passthrough)
        }
    }
}

/// `unshare -n sh -c 'ip link set lo up && exec "$@"' sh <this xtask>`, or
/// why it cannot be had here.
fn loopback_namespace() -> Result<std::process::Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    // Building the tests relinks this very binary (the workspace build
    // unifies other features): the path then names the new one.
    let shown = exe.to_string_lossy();
    let exe = std::path::PathBuf::from(shown.strip_suffix(" (deleted)").unwrap_or(&shown));
    let probe = std::process::Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match probe {
        Ok(status) if status.success() => {}
        Ok(_) => {
            return Err("`unshare -n` cannot make a network namespace here (not root?)".into());
        }
        Err(e) => return Err(format!("`unshare` cannot run here: {e}")),
    }
    let mut command = std::process::Command::new("unshare");
    command
        .args(["-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""])
        .arg(exe);
    Ok(command)
}

/// Starts the servers and runs every suite (inside the namespace, or
/// where none can be made).
fn run_suites(offline: bool, passthrough: &[String]) -> Result<(), String> {
    let running = if offline {
        None
    } else {
        Some(servers::start_all()?)
    };
    let with_env = |mut command: std::process::Command| {
        // Built already: cargo must not reach for the registry.
        command.env("CARGO_NET_OFFLINE", "true");
        for (var, value) in NO_METADATA {
            command.env(var, value);
        }
        for var in REMOVED {
            command.env_remove(var);
        }
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
