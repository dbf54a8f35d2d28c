//! The real local servers the live suites run against: how to install each
//! one when it is missing and how to start it on loopback.
//!
//! Each server starts on a free port with its files under a folder of its
//! own run (`<target>/xtask/servers/run-<pid>/<name>/`, so two runs from
//! one clone never share or wipe each other's data), hands its address to
//! the tests in environment variables, and stops when the run ends: when
//! the run returns, and also on Ctrl-C or SIGTERM, since some servers
//! (Swift) leave the terminal's process group and would not see the
//! signal themselves. The commands are the ones verified on these machines
//! (`../shared/local-servers.md`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use cloud_testkit::servers::ServerProcess;

mod aws;
mod azure;
mod declared;
mod gcs;
mod openstack;
mod ssh;

pub(crate) use openstack::venv;

/// The processes of one started server (some run several) and the
/// environment variables that tell the tests where it is.
pub(crate) type Started = (Vec<ServerProcess>, Vec<(String, String)>);

/// One kind of local server.
pub(crate) trait LocalServer {
    /// Its name in messages and folder names.
    fn name(&self) -> &str;
    /// Installs it if it is missing (pip, or cargo install into `cache`).
    fn ensure_installed(&self, cache: &Path) -> Result<(), String>;
    /// Starts it with its files in `work`.
    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String>;
}

/// Every server some live suite needs: the ones set up here, then the ones
/// provider crates declare in their manifests (reference emulators, and
/// any server a new provider brings).
pub(crate) fn all() -> Result<Vec<Box<dyn LocalServer>>, String> {
    let mut servers: Vec<Box<dyn LocalServer>> = vec![
        Box::new(aws::Moto),
        Box::new(aws::S3sFs),
        Box::new(openstack::Swift),
        Box::new(openstack::Keystone),
        Box::new(openstack::Mimic),
        Box::new(gcs::FakeGcs),
        Box::new(gcs::GcsEmulator),
        Box::new(azure::Azurite),
        Box::new(ssh::Sshd),
    ];
    for declared in crate::metadata::Workspace::load()?.servers()? {
        servers.push(Box::new(declared));
    }
    Ok(servers)
}

pub(crate) fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// Installs Debian `packages` with apt (the package lists updated first).
pub(crate) fn apt_install(packages: &[&str], what: &str) -> Result<(), String> {
    let mut update = Command::new("apt-get");
    update.args(["update", "-qq"]);
    run(update, "updating the package lists")?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(install, what)
}

pub(crate) fn run(mut command: Command, what: &str) -> Result<(), String> {
    eprintln!("xtask: {what}: {command:?}");
    // stdout is for `cargo xtask servers`' exports; installers' chatter is not.
    command.stdout(std::io::stderr());
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

/// Every server process this xtask started and has not stopped yet, so a
/// signal handler can stop them before the process exits.
static STARTED: Mutex<Vec<ServerProcess>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<ServerProcess>> {
    STARTED.lock().unwrap_or_else(|p| p.into_inner())
}

/// Stops every server on SIGINT or SIGTERM, removes the run's folder, and
/// exits with the signal's conventional code. Installed once per process.
fn stop_on_signals(folder: PathBuf) {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("xtask-signals".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                else {
                    return;
                };
                let code = runtime.block_on(async {
                    use tokio::signal::unix::{SignalKind, signal};
                    let (Ok(mut int), Ok(mut term)) = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                    ) else {
                        return None;
                    };
                    tokio::select! {
                        _ = int.recv() => Some(130),
                        _ = term.recv() => Some(143),
                    }
                });
                let Some(code) = code else { return };
                eprintln!("xtask: stopping the local servers");
                live().clear();
                let _ = std::fs::remove_dir_all(&folder);
                std::process::exit(code);
            });
        if let Err(e) = spawned {
            eprintln!(
                "xtask: cannot watch for Ctrl-C ({e}); servers may outlive an interrupted run"
            );
        }
    });
}

/// Servers started for one run; stopped (and their folder removed) when
/// dropped.
pub(crate) struct Running {
    ports: Vec<u16>,
    folder: PathBuf,
    /// Environment variables for the tests.
    pub(crate) env: Vec<(String, String)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        live().retain(|p| !self.ports.contains(&p.port));
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The cache and work folders under the target directory.
pub(crate) fn folders() -> (PathBuf, PathBuf) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    (target.join("xtask/cache"), target.join("xtask/servers"))
}

/// This run's own folder under `parent` (`run-<pid>`), after removing the
/// folders of runs whose process is gone.
fn run_folder(parent: &Path) -> PathBuf {
    if let Ok(entries) = std::fs::read_dir(parent) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .strip_prefix("run-")
                .and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
            if pid.is_some() && !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    parent.join(format!("run-{}", std::process::id()))
}

/// Installs every server that is missing (the part that needs the
/// network), starting none.
pub(crate) fn install_all() -> Result<(), String> {
    let (cache, _) = folders();
    for server in all()? {
        server.ensure_installed(&cache)?;
    }
    Ok(())
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
/// benchmark; removed when the run ends).
pub(crate) fn bench_folder() -> PathBuf {
    folders().1.with_file_name("servers-bench")
}

/// Installs and starts the servers named in `names` (all when empty).
fn start(names: &[String], parent: &std::path::Path) -> Result<Running, String> {
    let (cache, _) = folders();
    let work = run_folder(parent);
    stop_on_signals(work.clone());
    // Built now, so a failure half-way stops what did start.
    let mut running = Running {
        ports: Vec::new(),
        folder: work.clone(),
        env: Vec::new(),
    };
    let every = all()?;
    let known: Vec<String> = every.iter().map(|s| s.name().to_owned()).collect();
    let chosen: Vec<Box<dyn LocalServer>> = every
        .into_iter()
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.name()))
        .collect();
    if let Some(unknown) = names
        .iter()
        .find(|n| !chosen.iter().any(|s| s.name() == n.as_str()))
    {
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
        running.ports.extend(group.iter().map(|p| p.port));
        live().extend(group);
        running.env.extend(vars);
    }
    Ok(running)
}

/// `cargo xtask servers`: starts servers for a developer's own test runs and
/// prints the variables to export, then waits until interrupted.
pub(crate) fn serve(names: &[String]) -> Result<(), String> {
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
