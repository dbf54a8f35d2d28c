//! Secrets stay secret: the profiles file is private from its first byte,
//! declared-secret options are hidden everywhere, and no input makes an
//! error message large.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use support::Home;

#[cfg(unix)]
#[test]
fn the_config_file_is_private_from_its_first_byte() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let dir = home.path().join("conf");
    let seen_open = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    // A watcher that looks at every file in the folder while the first
    // writes happen, as another user's process could.
    let watcher = {
        let (dir, seen_open, stop) = (dir.clone(), seen_open.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    for entry in entries.flatten() {
                        if let Ok(meta) = entry.metadata()
                            && meta.is_file()
                            && meta.permissions().mode() & 0o077 != 0
                        {
                            seen_open.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
        })
    };
    for i in 0..30 {
        let file = dir.join(format!("config-{i}.toml"));
        home.cloud(&["config", "set", "aws.secret", "hunter2-very-secret"])
            .env("CLOUD_CONFIG", &file)
            .assert()
            .success();
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    assert!(
        !seen_open.load(Ordering::Relaxed),
        "a file in the config folder was readable by others at some moment"
    );
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn declared_secret_options_are_redacted_everywhere() {
    let home = Home::new();
    home.ok(&[
        "config",
        "set",
        "openstack.option.temp_url_key",
        "swordfish-temp-url-key",
    ]);
    home.ok(&[
        "config",
        "set",
        "openstack.option.project_name",
        "demo-project",
    ]);
    home.ok(&[
        "config",
        "set",
        "aws.option.session_token",
        "aws-session-canary",
    ]);
    for args in [
        &["config", "list"][..],
        &["--json", "config", "list"][..],
        &["config", "get", "openstack.option.temp_url_key"][..],
    ] {
        let out = home.ok(args);
        assert!(
            !out.contains("swordfish") && !out.contains("aws-session-canary"),
            "{args:?}: {out}"
        );
    }
    let listed = home.ok(&["config", "list"]);
    assert!(
        listed.contains("demo-project"),
        "options not declared secret still show: {listed}"
    );
    // Options a provider does not declare are refused, not stored.
    let err = home.fails(&["config", "set", "openstack.option.temp_url_kee", "x"], 6);
    assert!(
        err.contains("temp_url_kee") && err.contains("temp_url_key"),
        "{err}"
    );
}

#[test]
fn no_input_makes_an_error_message_large() {
    let home = Home::new();
    home.ok(&["dns", "create-zone", "example.com"]);
    let file = home.path().join("huge.zone");
    let line = format!("www 300 IN A {}\n", "9".repeat(5 * 1024 * 1024));
    std::fs::write(&file, line).unwrap();
    let err = home.fails(&["dns", "import", "example.com", file.to_str().unwrap()], 6);
    // docs/cli.md: about 100 characters of any input are quoted.
    assert!(err.len() < 300, "error of {} bytes: {err}", err.len());
    assert!(!err.contains(&"9".repeat(101)), "{err}");
    let long_name = "n".repeat(100_000);
    let err = home.fails(&["compute", "show", &long_name], 6);
    assert!(err.len() < 1200, "error of {} bytes", err.len());
    let err = home.fails(&["storage", "stat", &format!("local://c/{long_name}")], 6);
    assert!(err.len() < 1200, "error of {} bytes", err.len());
}
