//! Logging in and running steps against a real OpenSSH server on loopback.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, Instant};

use cloud_deploy::{
    DeployError, Deployment, HostKeyPolicy, SshAuth, SshOptions, SshSession, Step, StepOutcome,
};
use common::{PASSPHRASE, Sshd};

async fn connect(sshd: &Sshd, options: &SshOptions) -> Result<SshSession, DeployError> {
    SshSession::connect(&sshd.host, sshd.port, options, &[]).await
}

/// A session logged in with the server's Ed25519 test key.
async fn key_session(sshd: &Sshd) -> SshSession {
    connect(
        sshd,
        &sshd.options(SshAuth::key_file(sshd.key("id_ed25519"))),
    )
    .await
    .unwrap()
}

async fn run(session: &SshSession, command: &str) -> String {
    let result = session.run(&Step::command(command)).await.unwrap();
    assert_eq!(
        result.outcome,
        StepOutcome::Exited { status: 0 },
        "{result:?}"
    );
    result.stdout_tail
}

#[tokio::test]
async fn every_key_kind_logs_in() {
    let Some(sshd) = Sshd::get() else { return };
    for auth in [
        SshAuth::key_file(sshd.key("id_ed25519")),
        SshAuth::key_file(sshd.key("id_ecdsa")),
        SshAuth::key_file(sshd.key("id_rsa")),
        SshAuth::key_file(sshd.key("id_ed25519_pass")).passphrase(PASSPHRASE),
        SshAuth::key_text(std::fs::read_to_string(sshd.key("id_ed25519")).unwrap()),
    ] {
        let what = auth.describe();
        let session = connect(&sshd, &sshd.options(auth))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(run(&session, "whoami").await.trim(), sshd.user, "{what}");
        session.close().await;
    }
}

#[tokio::test]
async fn password_logs_in_and_never_prints() {
    let Some(sshd) = Sshd::get() else { return };
    let options = sshd.options(SshAuth::password(sshd.password.clone()));
    assert!(!format!("{options:?}").contains(&sshd.password));
    let session = connect(&sshd, &options).await.unwrap();
    assert_eq!(run(&session, "whoami").await.trim(), sshd.user);

    let wrong = sshd.options(SshAuth::password("not-the-password"));
    let error = connect(&sshd, &wrong).await.unwrap_err();
    assert!(
        matches!(error, DeployError::Authentication { .. }),
        "{error}"
    );
    assert!(!error.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn agent_logs_in() {
    let Some(sshd) = Sshd::get() else { return };
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("agent.sock");
    let mut agent = tokio::process::Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("ssh-agent (openssh-client) is installed with the server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let added = tokio::process::Command::new("ssh-add")
        .arg(sshd.key("id_ecdsa"))
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .await
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let session = connect(&sshd, &sshd.options(SshAuth::agent_at(&socket)))
        .await
        .unwrap();
    assert_eq!(run(&session, "whoami").await.trim(), sshd.user);
    agent.kill().await.unwrap();
}

#[tokio::test]
async fn refused_credentials_are_named() {
    let Some(sshd) = Sshd::get() else { return };
    let stranger = sshd.options(SshAuth::key_file(sshd.key("id_stranger")));
    match connect(&sshd, &stranger).await.unwrap_err() {
        DeployError::Authentication { user, tried } => {
            assert_eq!(user, sshd.user);
            assert_eq!(
                tried,
                vec![format!("key {}", sshd.key("id_stranger").display())]
            );
        }
        other => panic!("{other}"),
    }
    let wrong_passphrase =
        sshd.options(SshAuth::key_file(sshd.key("id_ed25519_pass")).passphrase("hunter2-not-it"));
    let error = connect(&sshd, &wrong_passphrase).await.unwrap_err();
    assert!(matches!(error, DeployError::Key { .. }), "{error}");
    assert!(!format!("{error} {error:?}").contains("hunter2"), "{error}");
    // An unusable credential does not stop the next one from being tried.
    let then_good = sshd
        .options(SshAuth::key_file(sshd.key("no-such-key")))
        .auth(SshAuth::key_file(sshd.key("id_ed25519_pass")))
        .auth(SshAuth::key_file(sshd.key("id_ed25519")));
    connect(&sshd, &then_good).await.unwrap();
    let no_passphrase = sshd.options(SshAuth::key_file(sshd.key("id_ed25519_pass")));
    let error = connect(&sshd, &no_passphrase).await.unwrap_err();
    assert!(error.to_string().contains("passphrase"), "{error}");
}

#[tokio::test]
async fn host_keys_unknown_new_and_changed() {
    let Some(sshd) = Sshd::get() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    let auth = SshAuth::key_file(sshd.key("id_ed25519"));
    let strict = sshd
        .options(auth.clone())
        .host_keys(HostKeyPolicy::known_hosts_file(&file));

    let error = connect(&sshd, &strict).await.unwrap_err();
    assert!(
        matches!(error, DeployError::HostKeyUnknown { .. }),
        "{error}"
    );

    let accept_new = strict
        .clone()
        .host_keys(HostKeyPolicy::known_hosts_file(&file).accept_new());
    connect(&sshd, &accept_new).await.unwrap();
    let recorded = std::fs::read_to_string(&file).unwrap();
    let entry = format!("[{}]:{} ssh-ed25519 ", sshd.host, sshd.port);
    assert!(
        recorded.lines().any(|l| l.starts_with(&entry)),
        "{recorded}"
    );
    connect(&sshd, &strict).await.unwrap();

    // Hashed entries (`ssh-keygen -H`) are read too.
    let hashed = dir.path().join("hashed");
    std::fs::copy(sshd.key("known_hosts"), &hashed).unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(&hashed)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(std::fs::read_to_string(&hashed).unwrap().starts_with("|1|"));
    connect(
        &sshd,
        &strict
            .clone()
            .host_keys(HostKeyPolicy::known_hosts_file(&hashed)),
    )
    .await
    .unwrap();

    // Another key recorded for the same host: refused even with accept-new.
    let other = std::fs::read_to_string(sshd.key("id_stranger.pub")).unwrap();
    let other: Vec<&str> = other.split_whitespace().take(2).collect();
    std::fs::write(
        &file,
        format!("[{}]:{} {}\n", sshd.host, sshd.port, other.join(" ")),
    )
    .unwrap();
    let error = connect(&sshd, &accept_new).await.unwrap_err();
    assert!(
        matches!(error, DeployError::HostKeyChanged { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("line 1"), "{error}");
}

#[tokio::test]
async fn pinned_fingerprint() {
    let Some(sshd) = Sshd::get() else { return };
    let listed = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(sshd.key("hostkey.pub"))
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let fingerprint = listed.split_whitespace().nth(1).unwrap().to_owned();
    let auth = SshAuth::key_file(sshd.key("id_ed25519"));
    let pinned = sshd
        .options(auth.clone())
        .host_keys(HostKeyPolicy::fingerprint(&fingerprint));
    connect(&sshd, &pinned).await.unwrap();
    let wrong = sshd.options(auth).host_keys(HostKeyPolicy::fingerprint(
        "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
    ));
    let error = connect(&sshd, &wrong).await.unwrap_err();
    assert!(
        matches!(error, DeployError::HostKeyChanged { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn unreachable_port_fails_at_the_deadline() {
    let Some(sshd) = Sshd::get() else { return };
    let closed = cloud_testkit::servers::free_port().unwrap();
    let options = sshd
        .options(SshAuth::key_file(sshd.key("id_ed25519")))
        .port(closed)
        .connect_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let error = SshSession::connect(&sshd.host, closed, &options, &[])
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, DeployError::Unreachable { .. }), "{error}");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
}

#[tokio::test]
async fn each_step_kind() {
    let Some(sshd) = Sshd::get() else { return };
    let session = key_session(&sshd).await;
    let dir = run(&session, "mktemp -d").await.trim().to_owned();

    // A command with environment and an inline script with arguments.
    let result = session
        .run(&Step::command("echo \"$GREETING\"").env("GREETING", "it's $HOME"))
        .await
        .unwrap();
    assert_eq!(result.stdout_tail, "it's $HOME\n");
    let result = session
        .run(
            &Step::script("#!/bin/sh\necho \"$# $1 $2\"; echo oops >&2\n")
                .arg("a b")
                .arg("c'd"),
        )
        .await
        .unwrap();
    assert_eq!(result.stdout_tail, "2 a b c'd\n");
    assert_eq!(result.stderr_tail, "oops\n");
    // Without a #! line the script runs under sh.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), "echo from-file \"$1\"\n").unwrap();
    let result = session
        .run(&Step::script_file(script.path()).arg("x"))
        .await
        .unwrap();
    assert_eq!(result.stdout_tail, "from-file x\n");

    // Upload with a mode; replacing an existing file.
    let target = format!("{dir}/sub dir/conf");
    run(&session, &format!("mkdir -p '{dir}/sub dir'")).await;
    for contents in ["first", "second"] {
        let result = session
            .run(&Step::upload_bytes(contents, &target).mode(0o600))
            .await
            .unwrap();
        assert!(result.outcome.is_success(), "{result:?}");
    }
    assert_eq!(
        run(&session, &format!("cat '{target}'; stat -c %a '{target}'")).await,
        "second600\n"
    );
    // No temporary file is left beside it.
    assert_eq!(
        run(&session, &format!("ls -A '{dir}/sub dir'")).await,
        "conf\n"
    );
    // Into a folder that does not exist: a failed step, not a partial file.
    let result = session
        .run(&Step::upload_bytes("x", format!("{dir}/missing/conf")))
        .await
        .unwrap();
    assert!(!result.outcome.is_success());

    // A step that outlives its timeout is stopped: what follows in it never runs.
    let marker = format!("{dir}/after-timeout");
    let result = session
        .run(
            &Step::command(format!("sleep 2; touch '{marker}'"))
                .timeout(Duration::from_millis(500)),
        )
        .await
        .unwrap();
    assert_eq!(result.outcome, StepOutcome::TimedOut);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        run(
            &session,
            &format!("test -e '{marker}' && echo ran || echo stopped")
        )
        .await,
        "stopped\n"
    );
    run(&session, &format!("rm -rf '{dir}'")).await;
}

#[tokio::test]
async fn install_key_is_idempotent_and_works() {
    let Some(sshd) = Sshd::get() else { return };
    let local = tempfile::tempdir().unwrap();
    let key = local.path().join("id_new");
    let made = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "installed-by-test",
            "-f",
        ])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let session = key_session(&sshd).await;
    for expected in ["key installed\n", "key already installed\n"] {
        let result = session.run(&Step::install_key(&public)).await.unwrap();
        assert_eq!(result.stdout_tail, expected);
    }
    let count = run(&session, "grep -c installed-by-test ~/.ssh/authorized_keys").await;
    assert_eq!(count.trim(), "1");
    let with_new = connect(&sshd, &sshd.options(SshAuth::key_file(&key)))
        .await
        .unwrap();
    assert_eq!(run(&with_new, "whoami").await.trim(), sshd.user);
    // Leave the server's authorized keys as they were.
    run(
        &session,
        "sed -i '/installed-by-test/d' ~/.ssh/authorized_keys",
    )
    .await;
}

#[tokio::test]
async fn bad_steps_are_refused_before_connecting() {
    for step in [
        Step::install_key("not a key"),
        Step::upload_bytes("x", "/tmp/dir/"),
        Step::command("  "),
        Step::command("true").env("BAD NAME", "x"),
    ] {
        let deployment = Deployment::new().step(step);
        let options = cloud_deploy::DeployOptions::default();
        let compute = cloud_core::Compute::new(cloud_memory::MemoryCloud::default().compute());
        use cloud_deploy::DeployNode;
        let failed = compute
            .deploy_node(
                &cloud_core::CreateNode::new("n", "small", "debian-12"),
                &deployment,
                &options,
            )
            .await
            .unwrap_err();
        assert!(
            failed.node.is_none(),
            "no node is created for an invalid deployment"
        );
        assert!(
            matches!(failed.error, DeployError::InvalidInput(_)),
            "{}",
            failed.error
        );
    }
}

#[tokio::test]
async fn sudo_steps_run_as_root() {
    let Some(sshd) = Sshd::get() else { return };
    let session = key_session(&sshd).await;
    let dir = run(&session, "mktemp -d").await.trim().to_owned();
    let result = session.run(&Step::command("id -u").sudo()).await.unwrap();
    assert_eq!(result.stdout_tail, "0\n", "{result:?}");
    let result = session
        .run(
            &Step::script("#!/bin/sh\necho \"$(id -u) $X $1\"\n")
                .env("X", "it's")
                .arg("a b")
                .sudo(),
        )
        .await
        .unwrap();
    assert_eq!(result.stdout_tail, "0 it's a b\n", "{result:?}");

    // An upload owned by root, and one owned by the login user without sudo.
    let owned = format!("{dir}/owned by root");
    let result = session
        .run(
            &Step::upload_bytes("secret", &owned)
                .owner("root:root")
                .mode(0o640)
                .sudo(),
        )
        .await
        .unwrap();
    assert!(result.outcome.is_success(), "{result:?}");
    assert_eq!(
        run(&session, &format!("stat -c '%U:%G %a' '{owned}'")).await,
        "root:root 640\n"
    );
    let mine = format!("{dir}/mine");
    let result = session
        .run(&Step::upload_bytes("x", &mine).owner(&sshd.user))
        .await
        .unwrap();
    assert!(result.outcome.is_success(), "{result:?}");
    assert_eq!(
        run(&session, &format!("stat -c %U '{mine}'")).await.trim(),
        sshd.user
    );
    run(&session, &format!("sudo -n rm -rf '{dir}'")).await;
}
