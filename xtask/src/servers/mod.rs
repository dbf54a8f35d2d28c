//! The real local servers the live suites run against: how to install each
//! one when it is missing and how to start it on loopback.
//!
//! Each server starts on a free port with its files under
//! `<target>/xtask/servers/<name>/`, hands its address to the tests in
//! environment variables, and stops when the run ends. The commands are the
//! ones verified on these machines (`../shared/local-servers.md`).

use std::path::{Path, PathBuf};
use std::process::Command;

use cloud_testkit::servers::ServerProcess;

mod aws;
mod openstack;

pub(crate) use openstack::venv;

/// The processes of one started server (some run several) and the
/// environment variables that tell the tests where it is.
pub(crate) type Started = (Vec<ServerProcess>, Vec<(String, String)>);

/// One kind of local server.
pub(crate) trait LocalServer {
    /// Its name in messages and folder names.
    fn name(&self) -> &'static str;
    /// Installs it if it is missing (pip, or cargo install into `cache`).
    fn ensure_installed(&self, cache: &Path) -> Result<(), String>;
    /// Starts it with its files in `work`.
    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String>;
}

/// Every server some live suite needs.
pub(crate) fn all() -> Vec<Box<dyn LocalServer>> {
    vec![
        Box::new(aws::Moto),
        Box::new(aws::S3sFs),
        Box::new(openstack::Swift),
        Box::new(openstack::Keystone),
        Box::new(openstack::Mimic),
        Box::new(openstack::Reference),
    ]
}

pub(crate) fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

pub(crate) fn run(mut command: Command, what: &str) -> Result<(), String> {
    eprintln!("xtask: {what}: {command:?}");
    let status = command
        .status()
        .map_err(|e| format!("{what}: cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {command:?} failed: {status}"))
    }
}

pub(crate) fn fresh_dir(path: &Path) -> Result<(), String> {
    if path.exists() {
        std::fs::remove_dir_all(path).map_err(|e| format!("clearing {}: {e}", path.display()))?;
    }
    std::fs::create_dir_all(path).map_err(|e| format!("creating {}: {e}", path.display()))
}

/// Servers started for one run; stopped when dropped.
pub(crate) struct Running {
    _processes: Vec<ServerProcess>,
    /// Environment variables for the tests.
    pub(crate) env: Vec<(String, String)>,
}

/// The cache and work folders under the target directory.
pub(crate) fn folders() -> (PathBuf, PathBuf) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    (target.join("xtask/cache"), target.join("xtask/servers"))
}

/// Installs what is missing and starts every server, fresh.
pub(crate) fn start_all() -> Result<Running, String> {
    let (_, work) = folders();
    start(&[], &work)
}

/// Installs and starts only the servers named in `names`, fresh, in the
/// folder [`bench_folder`] names.
pub(crate) fn start_some(names: &[String]) -> Result<Running, String> {
    start(names, &bench_folder())
}

/// Where [`start_some`]'s servers keep their data (gigabytes after a
/// benchmark, so the caller removes it when done).
pub(crate) fn bench_folder() -> PathBuf {
    folders().1.with_file_name("servers-bench")
}

/// Installs and starts the servers named in `names` (all when empty).
fn start(names: &[String], work: &std::path::Path) -> Result<Running, String> {
    let (cache, _) = folders();
    let mut processes = Vec::new();
    let mut env = Vec::new();
    let chosen: Vec<Box<dyn LocalServer>> = all()
        .into_iter()
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.name()))
        .collect();
    if let Some(unknown) = names
        .iter()
        .find(|n| !chosen.iter().any(|s| s.name() == n.as_str()))
    {
        let known: Vec<&str> = all().iter().map(|s| s.name()).collect();
        return Err(format!(
            "no local server `{unknown}`; known: {}",
            known.join(", ")
        ));
    }
    for server in chosen {
        server.ensure_installed(&cache)?;
        let dir = work.join(server.name());
        fresh_dir(&dir)?;
        let started = std::time::Instant::now();
        let (group, vars) = server.start(&cache, &dir)?;
        let ports: Vec<String> = group.iter().map(|p| p.port.to_string()).collect();
        eprintln!(
            "xtask: {} listening on 127.0.0.1:{} ({:.1} s)",
            server.name(),
            ports.join(","),
            started.elapsed().as_secs_f64()
        );
        processes.extend(group);
        env.extend(vars);
    }
    Ok(Running {
        _processes: processes,
        env,
    })
}

/// `cargo xtask servers`: starts servers for a developer's own test runs and
/// prints the variables to export, then waits until interrupted.
pub(crate) fn serve(names: &[String]) -> Result<(), String> {
    // Its own folders, so a test run meanwhile does not wipe these servers' data.
    let (_, work) = folders();
    let running = start(names, &work.with_file_name("servers-dev"))?;
    for (var, value) in &running.env {
        println!("export {var}={value}");
    }
    eprintln!(
        "xtask: servers running; export the variables above in another shell, Ctrl-C stops them"
    );
    loop {
        std::thread::park();
    }
}
