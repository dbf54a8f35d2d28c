//! The reference emulators of the services no real server here runs,
//! written from their API references (`xtask/emulators/*.py`):
//! standard-library Python, nothing to install. Each is one script started
//! on a free port, its URL handed to the tests in one variable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started};

pub(crate) struct Emulator {
    /// The server's name (messages, folders, `cargo xtask servers NAME`).
    name: &'static str,
    /// The script under `xtask/emulators/`.
    script: &'static str,
    /// The variable the tests read the URL from.
    env_var: &'static str,
    /// The path under `http://127.0.0.1:PORT` that URL ends with.
    path: &'static str,
}

/// Designate, Octavia and Rackspace Cloud DNS, with the Keystone (v3) and
/// Rackspace identity (v2.0) logins that lead to them.
pub(crate) const OPENSTACK_REFERENCE: Emulator = Emulator {
    name: "reference",
    script: "openstack_reference.py",
    env_var: "CLOUD_TEST_REFERENCE_URL",
    path: "",
};

/// Gandi LiveDNS v5.
pub(crate) const GANDI_LIVEDNS: Emulator = Emulator {
    name: "gandi-livedns",
    script: "gandi_livedns.py",
    env_var: "CLOUD_TEST_GANDI_URL",
    path: "/v5/livedns",
};

/// CloudSigma API 2.0.
pub(crate) const CLOUDSIGMA: Emulator = Emulator {
    name: "cloudsigma",
    script: "cloudsigma.py",
    env_var: "CLOUD_TEST_CLOUDSIGMA_URL",
    path: "/api/2.0/",
};

impl Emulator {
    fn script(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("emulators")
            .join(self.script)
    }
}

impl LocalServer for Emulator {
    fn name(&self) -> &'static str {
        self.name
    }

    fn ensure_installed(&self, _cache: &Path) -> Result<(), String> {
        if self.script().exists() {
            Ok(())
        } else {
            Err(format!("{} is missing", self.script().display()))
        }
    }

    fn start(&self, _cache: &Path, work: &Path) -> Result<Started, String> {
        let listen = free_port().map_err(|e| format!("{}: no free port: {e}", self.name))?;
        let mut python = Command::new("python3");
        python.arg(self.script()).arg(listen.to_string());
        let process = ServerProcess::start(
            self.name,
            python,
            listen,
            &work.join(format!("{}.log", self.name)),
            Duration::from_secs(20),
        )?;
        Ok((
            vec![process],
            vec![(
                self.env_var.into(),
                format!("http://127.0.0.1:{listen}{}", self.path),
            )],
        ))
    }
}
