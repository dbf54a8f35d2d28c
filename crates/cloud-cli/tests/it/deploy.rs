//! `cloud compute deploy` and `cloud compute run` on the embedded memory
//! provider, whose nodes answer SSH at the local sshd (`-o ssh_endpoint`).
#![cfg(feature = "deploy")]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::PathBuf;

use cloud_testkit::servers::live_server;
use support::Home;

struct Sshd {
    endpoint: String,
    dir: PathBuf,
    user: String,
}

fn sshd() -> Option<Sshd> {
    let endpoint = live_server("sshd", "CLOUD_TEST_SSHD")?;
    Some(Sshd {
        endpoint,
        dir: PathBuf::from(std::env::var("CLOUD_TEST_SSHD_DIR").unwrap()),
        user: std::env::var("CLOUD_TEST_SSHD_USER").unwrap(),
    })
}

#[test]
fn deploy_then_run_on_the_node() {
    let Some(sshd) = sshd() else { return };
    let home = Home::new().fast();
    home.ok(&[
        "config",
        "set",
        "memory.option.ssh_endpoint",
        &sshd.endpoint,
    ]);
    let file = home.path().join("motd");
    std::fs::write(&file, "deployed by cloud\n").unwrap();
    let remote = format!("/tmp/cloud-cli-deploy-{}", std::process::id());
    let key = sshd.dir.join("id_ed25519");
    let known = sshd.dir.join("known_hosts");
    let login = [
        "--user",
        &sshd.user,
        "--ssh-key",
        key.to_str().unwrap(),
        "--known-hosts",
        known.to_str().unwrap(),
    ];
    let upload = format!("{}:{remote}", file.display());
    let mut args = vec![
        "compute",
        "deploy",
        "web-1",
        "--size",
        "small",
        "--image",
        "debian-12",
    ];
    args.extend(login);
    args.extend(["--file", &upload, "--run", "uname -s"]);
    let deployed = home.json(&args);
    assert_eq!(deployed["node"]["state"], "running");
    assert_eq!(deployed["results"][1]["stdout_tail"], "Linux\n");
    let id = deployed["node"]["id"].as_str().unwrap().to_owned();

    let cat = format!("cat {remote} && rm {remote}");
    let mut args = vec!["compute", "run", &id];
    args.extend(login);
    args.extend(["--run", &cat]);
    let ran = home.json(&args);
    assert_eq!(ran["results"][0]["stdout_tail"], "deployed by cloud\n");

    // A failing step: exit status 1, nothing on stdout, the step named on stderr.
    let mut args = vec!["compute", "run", &id];
    args.extend(login);
    args.extend(["--run", "echo nope >&2; exit 7", "--run", "echo never"]);
    let output = home.cloud(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed step exits 1: {stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.contains("[1/2] exit status 7"), "{stderr}");
    assert!(!stderr.contains("[2/2]"), "{stderr}");
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: step 1 (run `echo nope >&2; exit 7`) failed: exit status 7"),
        "{stderr}"
    );
}

/// The exit codes docs/deploy.md promises: 5 for a refused login, 7 when
/// SSH never answers.
#[test]
fn refused_logins_and_silent_hosts_have_their_exit_codes() {
    let Some(sshd) = sshd() else { return };
    let home = Home::new().fast();
    home.ok(&[
        "config",
        "set",
        "memory.option.ssh_endpoint",
        &sshd.endpoint,
    ]);
    let created = home.json(&[
        "compute",
        "create",
        "web-1",
        "--size",
        "small",
        "--image",
        "debian-12",
    ]);
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let stranger = sshd.dir.join("id_stranger");
    let known = sshd.dir.join("known_hosts");
    let refused = home
        .cloud(&[
            "compute",
            "run",
            &id,
            "--user",
            &sshd.user,
            "--ssh-key",
            stranger.to_str().unwrap(),
            "--known-hosts",
            known.to_str().unwrap(),
            "--ssh-timeout",
            "10s",
            "--run",
            "true",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(
        refused.status.code(),
        Some(5),
        "a refused key exits 5: {stderr}"
    );
    // Nothing listens on port 9 of loopback: SSH never answers.
    home.ok(&["config", "set", "memory.option.ssh_endpoint", "127.0.0.1:9"]);
    let created = home.json(&[
        "compute",
        "create",
        "web-2",
        "--size",
        "small",
        "--image",
        "debian-12",
    ]);
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let silent = home
        .cloud(&[
            "compute",
            "run",
            &id,
            "--user",
            &sshd.user,
            "--ssh-key",
            stranger.to_str().unwrap(),
            "--ssh-timeout",
            "2s",
            "--run",
            "true",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&silent.stderr);
    assert_eq!(
        silent.status.code(),
        Some(7),
        "an unreachable host exits 7: {stderr}"
    );
}

#[test]
fn nothing_to_do_is_an_input_error() {
    let home = Home::new();
    home.fails(&["compute", "run", "node-1", "--user", "x"], 6);
}
