//! Runs the real `cloud` binary in a scratch home, with no configuration
//! leaking in from the machine running the tests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod http;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A scratch data folder and config file for one test.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `cloud ARGS...` in this home.
    pub fn cloud(&self, args: &[&str]) -> Command {
        Command::from_std(self.command(args))
    }

    /// `cloud ARGS...` in this home, as a plain process to spawn.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("cloud"));
        for var in [
            "CLOUD_PROFILE",
            "CLOUD_PROVIDER",
            "CLOUD_REGION",
            "CLOUD_ENDPOINT",
            "CLOUD_KEY",
            "CLOUD_SECRET",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "OS_AUTH_URL",
            "OS_CLOUD",
            "OS_CLIENT_CONFIG_FILE",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "GOOGLE_CLOUD_PROJECT",
            "CLOUDSDK_CONFIG",
            "STORAGE_EMULATOR_HOST",
            "XDG_DATA_HOME",
            "XDG_CONFIG_HOME",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
            "RUST_LOG",
        ] {
            command.env_remove(var);
        }
        // Tests reach only loopback: no credential chain may walk on to a
        // cloud metadata address (a closed loopback port stands in).
        command
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("GCE_METADATA_HOST", "127.0.0.1:9")
            .env("GCE_METADATA_IP", "127.0.0.1:9");
        command
            .env("CLOUD_HOME", self.path().join("data"))
            .env("CLOUD_CONFIG", self.path().join("config.toml"))
            .env("HOME", self.path())
            .args(args);
        command
    }

    /// Runs `cloud ARGS...`, expects success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.cloud(args).output().unwrap();
        assert!(
            output.status.success(),
            "cloud {args:?} failed ({:?}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs `cloud ARGS...`, expects failure with `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.cloud(args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(code), "cloud {args:?}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "nothing on stdout for a failure: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        stderr
    }

    /// `--json` output of `cloud ARGS...`, parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Fast embedded nodes and balancers (50 ms to start).
    pub fn fast(self) -> Self {
        self.ok(&["config", "set", "memory.option.transition_delay_ms", "50"]);
        self
    }
}

/// `flags` followed by `args`, as one argument list.
pub fn with<'a>(flags: &'a [String], args: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = flags.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    all
}

/// A folder of files to upload.
pub fn sample_tree(root: &Path) -> PathBuf {
    let dir = root.join("site");
    std::fs::create_dir_all(dir.join("css")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>hello</h1>").unwrap();
    std::fs::write(dir.join("css/style.css"), "h1 { color: teal }").unwrap();
    std::fs::write(dir.join("notes.txt"), "x".repeat(5000)).unwrap();
    dir
}
