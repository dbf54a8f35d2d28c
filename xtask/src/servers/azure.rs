//! Azurite, Microsoft's Azure Storage emulator (`../shared/local-servers.md`):
//! its blob service checks SharedKey signatures and SAS like Azure does.
//! Installed from npm into the cache, run in memory on a free port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started, apt_install, on_path, run};

/// The npm package, pinned to its major version.
const PACKAGE: &str = "azurite@3";

fn binary(cache: &Path) -> PathBuf {
    cache.join("azurite/node_modules/.bin/azurite-blob")
}

/// Azurite's blob service, with its well-known account `devstoreaccount1`.
pub(crate) struct Azurite;

impl LocalServer for Azurite {
    fn name(&self) -> &'static str {
        "azurite"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        if binary(cache).exists() {
            return Ok(());
        }
        if !on_path("npm") {
            apt_install(&["nodejs", "npm"], "installing Node.js and npm for Azurite")?;
        }
        let dir = cache.join("azurite");
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let mut npm = Command::new("npm");
        npm.args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .arg(PACKAGE);
        run(npm, "installing Azurite (npm)")?;
        if binary(cache).exists() {
            Ok(())
        } else {
            Err(format!(
                "npm installed Azurite but {} is missing",
                binary(cache).display()
            ))
        }
    }

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
        let listen = free_port().map_err(|e| format!("azurite: no free port: {e}"))?;
        let mut command = Command::new(binary(cache));
        // In memory (capped at 4 GiB: the bench writes seven 64 MiB blobs a
        // round and the large-upload test 1 GiB), no telemetry, any API version the client asks for.
        command
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(listen.to_string())
            .args(["--inMemoryPersistence", "--extentMemoryLimit", "4096"])
            .args(["--skipApiVersionCheck", "--disableTelemetry", "--silent"])
            .current_dir(work);
        let process = ServerProcess::start(
            "azurite",
            command,
            listen,
            &work.join("azurite.log"),
            Duration::from_secs(30),
        )?;
        Ok((
            vec![process],
            vec![(
                "CLOUD_TEST_AZURITE_URL".into(),
                format!("http://127.0.0.1:{listen}/devstoreaccount1"),
            )],
        ))
    }
}
