//! The real local servers the live suites run against: how to install each
//! one when it is missing and how to start it on loopback.
//!
//! Each server starts on a free port with its files under
//! `<target>/xtask/servers/<name>/`, hands its address to the tests in
//! environment variables, and stops when the run ends. The commands are the
//! ones verified on these machines (`../shared/local-servers.md`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

/// One kind of local server.
pub(crate) trait LocalServer {
    /// Its name in messages and folder names.
    fn name(&self) -> &'static str;
    /// Installs it if it is missing (pip, or cargo install into `cache`).
    fn ensure_installed(&self, cache: &Path) -> Result<(), String>;
    /// Starts it with its files in `work`; returns the process and the
    /// environment variables that tell the tests where it is.
    fn start(
        &self,
        cache: &Path,
        work: &Path,
    ) -> Result<(ServerProcess, Vec<(String, String)>), String>;
}

/// Every server some live suite needs.
pub(crate) fn all() -> Vec<Box<dyn LocalServer>> {
    vec![Box::new(Moto), Box::new(S3sFs)]
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
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

fn fresh_dir(path: &Path) -> Result<(), String> {
    if path.exists() {
        std::fs::remove_dir_all(path).map_err(|e| format!("clearing {}: {e}", path.display()))?;
    }
    std::fs::create_dir_all(path).map_err(|e| format!("creating {}: {e}", path.display()))
}

/// moto in server mode: S3, EC2, ELB, Route 53 (signatures not checked).
struct Moto;

impl LocalServer for Moto {
    fn name(&self) -> &'static str {
        "moto"
    }

    fn ensure_installed(&self, _cache: &Path) -> Result<(), String> {
        if on_path("moto_server") {
            return Ok(());
        }
        let mut pip = Command::new("python3");
        pip.args(["-m", "pip", "install", "--quiet", "moto[server]"]);
        run(pip, "installing moto")
    }

    fn start(
        &self,
        _cache: &Path,
        work: &Path,
    ) -> Result<(ServerProcess, Vec<(String, String)>), String> {
        let port = free_port().map_err(|e| format!("moto: no free port: {e}"))?;
        let mut command = Command::new("moto_server");
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // Lets test-sized multipart uploads use 64 KiB parts.
            .env("S3_UPLOAD_PART_MIN_SIZE", "1024");
        let process = ServerProcess::start(
            "moto",
            command,
            port,
            &work.join("moto.log"),
            Duration::from_secs(60),
        )?;
        Ok((
            process,
            vec![(
                "CLOUD_TEST_MOTO_URL".into(),
                format!("http://127.0.0.1:{port}"),
            )],
        ))
    }
}

/// s3s-fs: an S3 server on a folder that verifies SigV4.
struct S3sFs;

const S3S_VERSION: &str = "0.14.1";
const S3S_KEY: &str = "cloudtest";
const S3S_SECRET: &str = "cloudtest-secret";

impl S3sFs {
    fn binary(cache: &Path) -> PathBuf {
        cache
            .join(format!("s3s-fs-{S3S_VERSION}"))
            .join("bin")
            .join("s3s-fs")
    }
}

impl LocalServer for S3sFs {
    fn name(&self) -> &'static str {
        "s3s-fs"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        let binary = Self::binary(cache);
        if binary.exists() {
            return Ok(());
        }
        let root = cache.join(format!("s3s-fs-{S3S_VERSION}"));
        let mut install = crate::cargo();
        install
            .args([
                "install",
                &format!("s3s-fs@{S3S_VERSION}"),
                "--features",
                "binary",
                "--locked",
                "--root",
            ])
            .arg(&root)
            // Build it in its own target folder, away from the workspace's.
            .env("CARGO_TARGET_DIR", cache.join("s3s-fs-build"));
        run(install, "installing s3s-fs (a few minutes, once)")
    }

    fn start(
        &self,
        cache: &Path,
        work: &Path,
    ) -> Result<(ServerProcess, Vec<(String, String)>), String> {
        let data = work.join("data");
        fresh_dir(&data)?;
        let port = free_port().map_err(|e| format!("s3s-fs: no free port: {e}"))?;
        let mut command = Command::new(Self::binary(cache));
        command
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--access-key",
                S3S_KEY,
                "--secret-key",
                S3S_SECRET,
            ])
            .arg(&data);
        let process = ServerProcess::start(
            "s3s-fs",
            command,
            port,
            &work.join("s3s-fs.log"),
            Duration::from_secs(30),
        )?;
        let env = vec![
            (
                "CLOUD_TEST_S3S_URL".into(),
                format!("http://127.0.0.1:{port}"),
            ),
            ("CLOUD_TEST_S3S_KEY".into(), S3S_KEY.into()),
            ("CLOUD_TEST_S3S_SECRET".into(), S3S_SECRET.into()),
            ("CLOUD_TEST_S3S_DIR".into(), data.display().to_string()),
        ];
        Ok((process, env))
    }
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
    let (cache, work) = folders();
    let mut processes = Vec::new();
    let mut env = Vec::new();
    for server in all() {
        server.ensure_installed(&cache)?;
        let dir = work.join(server.name());
        fresh_dir(&dir)?;
        let (process, vars) = server.start(&cache, &dir)?;
        eprintln!(
            "xtask: {} listening on 127.0.0.1:{}",
            server.name(),
            process.port
        );
        processes.push(process);
        env.extend(vars);
    }
    Ok(Running {
        _processes: processes,
        env,
    })
}
