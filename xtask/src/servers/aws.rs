//! The AWS servers: moto (every API, signatures unchecked) and s3s-fs
//! (S3 only, SigV4 verified).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started, fresh_dir, on_path, run};

/// moto in server mode: S3, EC2, ELB, Route 53 (signatures not checked).
pub(crate) struct Moto;

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

    fn start(&self, _cache: &Path, work: &Path) -> Result<Started, String> {
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
            vec![process],
            vec![(
                "CLOUD_TEST_MOTO_URL".into(),
                format!("http://127.0.0.1:{port}"),
            )],
        ))
    }
}

/// s3s-fs: an S3 server on a folder that verifies SigV4.
pub(crate) struct S3sFs;

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

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
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
        Ok((vec![process], env))
    }
}
