//! OpenSSH's sshd on loopback, for the deployment suite.
//!
//! The tests log in as a dedicated user (`cloud-deploy-test`), never as
//! the developer or root, because one test installs a key into the login
//! user's `authorized_keys` and another logs in with a password. Creating
//! that user needs root, as installing sshd does; the start fails with a
//! message saying so otherwise. The user may `sudo` without a password, so
//! the suite can check steps that run as root. Every start writes fresh keys: a host key,
//! four client keys of the kinds users have (Ed25519, ECDSA, RSA, and an
//! Ed25519 key behind a passphrase) and one the server does not know.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started, apt_install, run};

pub(crate) struct Sshd;

const SSHD: &str = "/usr/sbin/sshd";
const SUDO: &str = "/usr/bin/sudo";
/// Lets the test user run `sudo -n` (the sudo steps' tests); the user
/// logs in only to this loopback sshd, with keys made for the run.
const SUDOERS: &str = "/etc/sudoers.d/cloud-deploy-test";
/// The login user the tests use.
const USER: &str = "cloud-deploy-test";
/// The passphrase of `id_ed25519_pass` (a test key, not a secret; the
/// tests know it too).
const PASSPHRASE: &str = "cloud-test-passphrase";

impl LocalServer for Sshd {
    fn name(&self) -> &'static str {
        "sshd"
    }

    fn ensure_installed(&self, _cache: &Path) -> Result<(), String> {
        if Path::new(SSHD).exists()
            && super::on_path("ssh-keygen")
            && super::on_path("ssh-agent")
            && Path::new(SUDO).exists()
        {
            return Ok(());
        }
        apt_install(
            &["openssh-server", "openssh-client", "sudo"],
            "installing OpenSSH and sudo",
        )
    }

    fn start(&self, _cache: &Path, work: &Path) -> Result<Started, String> {
        if !is_root() {
            return Err("sshd: the deployment suite's server needs root, to create its login user \
                        `cloud-deploy-test`; run the tests as root (as CI does) or skip them with --offline"
                .into());
        }
        let home = ensure_user()?;
        std::fs::create_dir_all("/etc/sudoers.d").map_err(|e| format!("sshd: {e}"))?;
        write(
            Path::new(SUDOERS),
            &format!("{USER} ALL=(ALL) NOPASSWD: ALL\n"),
        )?;
        std::fs::set_permissions(SUDOERS, std::os::unix::fs::PermissionsExt::from_mode(0o440))
            .map_err(|e| format!("sshd: {SUDOERS}: {e}"))?;
        let password = machine_password()?;
        set_password(&password)?;

        keygen(&work.join("hostkey"), "ed25519", "")?;
        let mut authorized = String::new();
        for (name, kind, passphrase) in [
            ("id_ed25519", "ed25519", ""),
            ("id_ecdsa", "ecdsa", ""),
            ("id_rsa", "rsa", ""),
            ("id_ed25519_pass", "ed25519", PASSPHRASE),
        ] {
            keygen(&work.join(name), kind, passphrase)?;
            authorized.push_str(&read(&work.join(format!("{name}.pub")))?);
        }
        keygen(&work.join("id_stranger"), "ed25519", "")?;

        // This run's keys go in a file of its own beside the user's
        // authorized_keys (which the install-key test appends to), so runs
        // side by side (a developer's `cargo xtask servers sshd` and
        // `cargo xtask test`) never revoke each other's keys.
        let port = free_port().map_err(|e| format!("sshd: no free port: {e}"))?;
        let ssh_dir = home.join(".ssh");
        std::fs::create_dir_all(&ssh_dir).map_err(|e| format!("sshd: {e}"))?;
        remove_stale_key_files(&ssh_dir);
        let run_keys = format!("authorized_keys.cloud-{port}");
        write(&ssh_dir.join(&run_keys), &authorized)?;
        let shared = ssh_dir.join("authorized_keys");
        if !shared.exists() {
            write(&shared, "")?;
        }
        let mut chown = Command::new("chown");
        chown.args(["-R", &format!("{USER}:{USER}")]).arg(&ssh_dir);
        run(chown, "sshd: handing the test user its .ssh folder")?;

        let host_pub = read(&work.join("hostkey.pub"))?;
        let host_key: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        write(
            &work.join("known_hosts"),
            &format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
        )?;
        let config = format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {hostkey}\nPidFile {pid}\n\
             AuthorizedKeysFile .ssh/{run_keys} .ssh/authorized_keys\nPasswordAuthentication yes\n\
             KbdInteractiveAuthentication no\nPermitRootLogin no\nAllowUsers {USER}\n\
             StrictModes no\nUsePAM no\nSubsystem sftp internal-sftp\n",
            hostkey = work.join("hostkey").display(),
            pid = work.join("sshd.pid").display(),
        );
        write(&work.join("sshd_config"), &config)?;
        std::fs::create_dir_all("/run/sshd").map_err(|e| format!("sshd: /run/sshd: {e}"))?;
        let mut command = Command::new(SSHD);
        command
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(work.join("sshd_config"));
        let process = ServerProcess::start(
            "sshd",
            command,
            port,
            &work.join("sshd.log"),
            Duration::from_secs(20),
        )?;
        Ok((
            vec![process],
            vec![
                ("CLOUD_TEST_SSHD".into(), format!("127.0.0.1:{port}")),
                ("CLOUD_TEST_SSHD_DIR".into(), work.display().to_string()),
                ("CLOUD_TEST_SSHD_USER".into(), USER.into()),
                ("CLOUD_TEST_SSHD_PASSWORD".into(), password),
            ],
        ))
    }
}

/// Removes the key files of runs started more than a day ago.
fn remove_stale_key_files(ssh_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(ssh_dir) else {
        return;
    };
    let day = Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with("authorized_keys.cloud-");
        if ours && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Creates the test user when missing; returns its home folder.
fn ensure_user() -> Result<std::path::PathBuf, String> {
    let exists = Command::new("id")
        .arg(USER)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let mut useradd = Command::new("useradd");
        useradd.args(["--create-home", "--shell", "/bin/sh", USER]);
        run(useradd, "sshd: creating the test login user")?;
    }
    Ok(Path::new("/home").join(USER))
}

/// Where the test user's password is kept: one random password per
/// machine, readable by root only, so runs side by side agree on it.
const PASSWORD_FILE: &str = "/var/lib/cloud-deploy-test/password";

/// The test user's password, made on first use.
fn machine_password() -> Result<String, String> {
    if let Ok(existing) = std::fs::read_to_string(PASSWORD_FILE) {
        let existing = existing.trim();
        if existing.len() >= 16 {
            return Ok(existing.to_owned());
        }
    }
    let password = random_hex(16)?;
    let file = Path::new(PASSWORD_FILE);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("sshd: {}: {e}", dir.display()))?;
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|e| format!("sshd: {}: {e}", dir.display()))?;
    }
    write(file, &password)?;
    std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| format!("sshd: {PASSWORD_FILE}: {e}"))?;
    Ok(password)
}

fn set_password(password: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("chpasswd")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("sshd: cannot run chpasswd: {e}"))?;
    if let Some(stdin) = child.stdin.as_mut() {
        stdin
            .write_all(format!("{USER}:{password}\n").as_bytes())
            .map_err(|e| format!("sshd: chpasswd: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("sshd: chpasswd: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("sshd: chpasswd failed: {status}"))
    }
}

fn keygen(path: &Path, kind: &str, passphrase: &str) -> Result<(), String> {
    let mut command = Command::new("ssh-keygen");
    command
        .args(["-q", "-t", kind, "-N", passphrase, "-C", kind, "-f"])
        .arg(path);
    if kind == "ecdsa" {
        command.args(["-b", "256"]);
    }
    if kind == "rsa" {
        command.args(["-b", "3072"]);
    }
    run(command, "sshd: generating a test key")
}

fn random_hex(bytes: usize) -> Result<String, String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("sshd: reading /dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("sshd: reading {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("sshd: writing {}: {e}", path.display()))
}
