//! Large copies run in bounded memory, and show progress on a terminal.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::process::Command;

use support::Home;

/// The peak RSS the binary reports with `--stats`, in MiB.
fn peak_rss(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stats:"))
        .unwrap_or_else(|| panic!("no stats in {stderr}"));
    line.split("peak RSS ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in {line}"))
}

#[test]
fn a_one_gib_copy_runs_in_bounded_memory() {
    let home = Home::new();
    let size: u64 = std::env::var("CLOUD_TEST_LARGE_UPLOAD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
        * 1024
        * 1024;
    let file = home.path().join("big.bin");
    // Sparse: a gigabyte on the wire, almost nothing on disk.
    std::fs::File::create(&file).unwrap().set_len(size).unwrap();
    home.ok(&["storage", "mb", "local://big"]);
    let output = home
        .cloud(&[
            "--stats",
            "storage",
            "cp",
            file.to_str().unwrap(),
            "local://big/big.bin",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    let stat = home.json(&["storage", "stat", "local://big/big.bin"]);
    assert_eq!(stat["size"], size);
    let peak = peak_rss(&stderr);
    eprintln!("copied {} MiB with a peak RSS of {peak} MiB", size >> 20);
    assert!(peak < 100, "peak RSS {peak} MiB (limit 100 MiB)");

    // And back out, to a file.
    let back = home.path().join("back.bin");
    let output = home
        .cloud(&[
            "--stats",
            "storage",
            "cp",
            "local://big/big.bin",
            back.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert_eq!(std::fs::metadata(&back).unwrap().len(), size);
    assert!(peak_rss(&stderr) < 100, "{stderr}");
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let home = Home::new();
    let file = home.path().join("medium.bin");
    std::fs::File::create(&file)
        .unwrap()
        .set_len(256 * 1024 * 1024)
        .unwrap();
    home.ok(&["storage", "mb", "local://p"]);
    let binary = assert_cmd::cargo::cargo_bin("cloud");
    let command = format!(
        "{} storage cp {} local://p/medium.bin",
        binary.display(),
        file.display()
    );
    // `script` runs the command on a pseudo-terminal and records what it drew.
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("CLOUD_HOME", home.path().join("data"))
        .env("CLOUD_CONFIG", home.path().join("config.toml"))
        .env("TERM", "xterm")
        .output();
    let Ok(output) = output else {
        eprintln!("skipping: `script` (util-linux) is not installed");
        return;
    };
    let drawn = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{drawn}");
    assert!(
        drawn.contains("copying"),
        "a progress bar was drawn on the terminal: {drawn:?}"
    );
    assert!(drawn.contains("MiB"), "with byte counts: {drawn:?}");

    // Not a terminal: no bar, just the result line.
    let plain = home.ok(&[
        "storage",
        "cp",
        file.to_str().unwrap(),
        "local://p/again.bin",
    ]);
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert_eq!(plain.lines().count(), 1, "{plain}");
}
