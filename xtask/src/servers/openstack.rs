//! The OpenStack servers: Swift (Debian's packages, tempauth), Keystone
//! (PyPI, SQLite and fernet tokens) and mimic (PyPI, a Rackspace emulator).
//! The services none of them runs come from a reference emulator
//! (`emulator.rs`).
//!
//! Swift runs as five processes (memcached, the account, container and
//! object servers, and the proxy); Keystone ships no server script, so a
//! small threaded WSGI runner serves its application.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started, fresh_dir, run};

/// The Keystone admin password the identity tests log in with.
const KEYSTONE_PASSWORD: &str = "cloudtest-admin";

fn port(name: &str) -> Result<u16, String> {
    free_port().map_err(|e| format!("{name}: no free port: {e}"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A Python virtual environment under `cache` with `packages` installed;
/// created once, and installed into again when the list changes (the
/// marker file holds the list last installed).
pub(crate) fn venv(cache: &Path, name: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let dir = cache.join(name);
    let marker = dir.join(".installed");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == wanted) {
        return Ok(dir);
    }
    if !dir.join("bin/pip").exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&dir);
        run(create, &format!("creating the {name} virtualenv"))?;
    }
    let mut pip = Command::new(dir.join("bin/pip"));
    pip.args(["install", "--quiet"]).args(packages);
    run(pip, &format!("installing {}", packages.join(" ")))?;
    write(&marker, &wanted)?;
    Ok(dir)
}

/// OpenStack Swift with tempauth (`test:tester` / `testing`), SLO, temp URLs.
pub(crate) struct Swift;

const SWIFT_PACKAGES: &[&str] = &[
    "swift-proxy",
    "swift-account",
    "swift-container",
    "swift-object",
    "memcached",
];

impl LocalServer for Swift {
    fn name(&self) -> &'static str {
        "swift"
    }

    fn ensure_installed(&self, _cache: &Path) -> Result<(), String> {
        if Path::new("/usr/bin/swift-proxy-server").exists()
            && Path::new("/usr/bin/memcached").exists()
        {
            return Ok(());
        }
        super::apt_install(SWIFT_PACKAGES, "installing Swift")
    }

    fn start(&self, _cache: &Path, work: &Path) -> Result<Started, String> {
        let etc = work.join("etc");
        let devices = work.join("devices");
        for dir in [&etc, &devices.join("d1")] {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        write(
            &etc.join("swift.conf"),
            "[swift-hash]\nswift_hash_path_suffix = cloudtest\nswift_hash_path_prefix = cloudtest\n\
             [storage-policy:0]\nname = gold\ndefault = yes\n",
        )?;
        let memcached_port = port("memcached")?;
        let mut processes = Vec::new();
        let mut memcached = Command::new("memcached");
        memcached.args([
            "-l",
            "127.0.0.1",
            "-p",
            &memcached_port.to_string(),
            "-U",
            "0",
        ]);
        if is_root() {
            memcached.args(["-u", "root"]);
        }
        processes.push(ServerProcess::start(
            "memcached",
            memcached,
            memcached_port,
            &work.join("memcached.log"),
            Duration::from_secs(10),
        )?);
        for kind in ["account", "container", "object"] {
            let kind_port = port(kind)?;
            let builder = format!("{kind}.builder");
            for args in [
                vec!["create", "8", "1", "1"],
                vec!["add", &format!("r1z1-127.0.0.1:{kind_port}/d1"), "100"],
                vec!["rebalance"],
            ] {
                let mut ring = Command::new("swift-ring-builder");
                ring.current_dir(&etc).arg(&builder).args(&args);
                ring.stdout(std::process::Stdio::null());
                run(ring, &format!("building the {kind} ring"))?;
            }
            let conf = etc.join(format!("{kind}-server.conf"));
            write(
                &conf,
                &format!(
                    "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {kind_port}\nworkers = 0\n\
                     mount_check = false\ndevices = {}\nswift_dir = {}\n\
                     [pipeline:main]\npipeline = {kind}-server\n\
                     [app:{kind}-server]\nuse = egg:swift#{kind}\n",
                    devices.display(),
                    etc.display()
                ),
            )?;
            let mut server = Command::new(format!("swift-{kind}-server"));
            server.arg(&conf);
            processes.push(ServerProcess::start(
                &format!("swift-{kind}"),
                server,
                kind_port,
                &work.join(format!("{kind}.log")),
                Duration::from_secs(30),
            )?);
        }
        let proxy_port = port("swift-proxy")?;
        let conf = etc.join("proxy-server.conf");
        write(&conf, &proxy_conf(proxy_port, memcached_port, &etc))?;
        let mut proxy = Command::new("swift-proxy-server");
        proxy.arg(&conf);
        processes.push(ServerProcess::start(
            "swift-proxy",
            proxy,
            proxy_port,
            &work.join("proxy.log"),
            Duration::from_secs(30),
        )?);
        let env = vec![
            (
                "CLOUD_TEST_SWIFT_URL".into(),
                format!("http://127.0.0.1:{proxy_port}/auth/v1.0"),
            ),
            (
                "CLOUD_TEST_SWIFT_MEMCACHED".into(),
                format!("127.0.0.1:{memcached_port}"),
            ),
        ];
        Ok((processes, env))
    }
}

/// The proxy's configuration: tempauth, temp URLs, server-side copy, SLO.
fn proxy_conf(port: u16, memcached: u16, etc: &Path) -> String {
    let pipeline = "catch_errors gatekeeper healthcheck proxy-logging cache listing_formats \
                    tempurl tempauth copy slo dlo proxy-logging proxy-server";
    let mut conf = format!(
        "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {port}\nworkers = 0\nswift_dir = {}\n\
         [pipeline:main]\npipeline = {pipeline}\n\
         [app:proxy-server]\nuse = egg:swift#proxy\nallow_account_management = true\n\
         account_autocreate = true\n\
         [filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n\
         [filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:{memcached}\n",
        etc.display()
    );
    for filter in [
        "tempurl",
        "catch_errors",
        "gatekeeper",
        "healthcheck",
        "listing_formats",
        "copy",
        "slo",
        "dlo",
    ] {
        let _ = write!(conf, "[filter:{filter}]\nuse = egg:swift#{filter}\n");
    }
    conf.push_str("[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n");
    conf
}

/// Keystone v3 on SQLite with fernet tokens; user `admin` in project `admin`.
pub(crate) struct Keystone;

const KEYSTONE_RUNNER: &str = r#"
# Serves Keystone's WSGI application on 127.0.0.1 (the package has no server script).
import os, sys
port, conf = int(sys.argv[1]), sys.argv[2]
sys.argv = sys.argv[:1]  # oslo.config parses sys.argv
os.environ["OS_KEYSTONE_CONFIG_FILES"] = conf
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from keystone.server.wsgi import initialize_public_application

# One request at a time: Keystone's auth middleware keeps the token it is
# validating on itself (shared between threads), and SQLite answers
# "database is locked" to concurrent writers, so a threaded server mixes up
# callers' tokens (403s) and fails logins under parallel tests.
class Server(WSGIServer):
    request_queue_size = 128

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

make_server("127.0.0.1", port, initialize_public_application(),
            server_class=Server, handler_class=Quiet).serve_forever()
"#;

impl LocalServer for Keystone {
    fn name(&self) -> &'static str {
        "keystone"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        venv(cache, "keystone-venv", &["keystone"]).map(drop)
    }

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
        let venv = venv(cache, "keystone-venv", &["keystone"])?;
        for dir in ["fernet", "credential"] {
            std::fs::create_dir_all(work.join(dir))
                .map_err(|e| format!("creating {}: {e}", work.join(dir).display()))?;
        }
        let conf = work.join("keystone.conf");
        write(
            &conf,
            &format!(
                "[DEFAULT]\nlog_dir = {dir}\n[database]\nconnection = sqlite:///{dir}/keystone.db\n\
                 [token]\nprovider = fernet\nexpiration = 3600\n\
                 [fernet_tokens]\nkey_repository = {dir}/fernet\n\
                 [fernet_receipts]\nkey_repository = {dir}/fernet\n\
                 [credential]\nkey_repository = {dir}/credential\n",
                dir = work.display()
            ),
        )?;
        let listen = port("keystone")?;
        let url = format!("http://127.0.0.1:{listen}/v3");
        // keystone-manage is chatty (deprecation warnings): its output goes
        // to a log, which a failure message points to.
        let log = work.join("keystone-manage.log");
        let manage = |args: &[&str]| -> Result<Command, String> {
            let out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(|e| format!("opening {}: {e}", log.display()))?;
            let err = out.try_clone().map_err(|e| e.to_string())?;
            let mut command = Command::new(venv.join("bin/keystone-manage"));
            command
                .arg("--config-file")
                .arg(&conf)
                .args(args)
                .stdout(out)
                .stderr(err);
            Ok(command)
        };
        let owner = ["--keystone-user", "root", "--keystone-group", "root"];
        let what = format!("setting up Keystone (output in {})", log.display());
        run(manage(&["db_sync"])?, &what)?;
        run(manage(&[&["fernet_setup"][..], &owner].concat())?, &what)?;
        run(
            manage(&[&["credential_setup"][..], &owner].concat())?,
            &what,
        )?;
        run(
            manage(&[
                "bootstrap",
                "--bootstrap-password",
                KEYSTONE_PASSWORD,
                "--bootstrap-admin-url",
                &url,
                "--bootstrap-public-url",
                &url,
                "--bootstrap-region-id",
                "RegionOne",
            ])?,
            &what,
        )?;
        let runner = work.join("serve.py");
        write(&runner, KEYSTONE_RUNNER)?;
        let mut serve = Command::new(venv.join("bin/python"));
        serve
            .arg(&runner)
            .arg(listen.to_string())
            .arg(&conf)
            .env("OS_KEYSTONE_CONFIG_FILES", &conf);
        let process = ServerProcess::start(
            "keystone",
            serve,
            listen,
            &work.join("serve.log"),
            Duration::from_secs(90),
        )?;
        let env = vec![
            ("CLOUD_TEST_KEYSTONE_URL".into(), url),
            (
                "CLOUD_TEST_KEYSTONE_PASSWORD".into(),
                KEYSTONE_PASSWORD.into(),
            ),
        ];
        Ok((vec![process], env))
    }
}

/// mimic: Rackspace identity v2.0, Cloud Servers (Nova), Cloud Load Balancers.
pub(crate) struct Mimic;

/// mimic 2.2's plugins break with newer attrs.
const MIMIC_PACKAGES: &[&str] = &["mimic", "attrs==23.2.0"];

impl LocalServer for Mimic {
    fn name(&self) -> &'static str {
        "mimic"
    }

    fn ensure_installed(&self, cache: &Path) -> Result<(), String> {
        venv(cache, "mimic-venv", MIMIC_PACKAGES).map(drop)
    }

    fn start(&self, cache: &Path, work: &Path) -> Result<Started, String> {
        let venv = venv(cache, "mimic-venv", MIMIC_PACKAGES)?;
        fresh_dir(&work.join("run"))?;
        let listen = port("mimic")?;
        let mut twistd = Command::new(venv.join("bin/twistd"));
        twistd
            .current_dir(work.join("run"))
            .args(["-n", "--pidfile=", "mimic", "--listen"])
            .arg(format!("tcp:{listen}:interface=127.0.0.1"))
            .arg("--realtime");
        let process = ServerProcess::start(
            "mimic",
            twistd,
            listen,
            &work.join("mimic.log"),
            Duration::from_secs(60),
        )?;
        Ok((
            vec![process],
            vec![(
                "CLOUD_TEST_MIMIC_URL".into(),
                format!("http://127.0.0.1:{listen}/identity/v2.0"),
            )],
        ))
    }
}
