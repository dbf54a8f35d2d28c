//! `cargo xtask servers`: a signal to the xtask alone stops every server it
//! started (Swift's leave the terminal's process group, so they never see
//! a Ctrl-C themselves), and two runs from one clone keep separate data.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `xtask servers reference` and returns it with the port it serves.
fn serve(target: &std::path::Path) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["servers", "reference"])
        .env("CARGO_TARGET_DIR", target)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, port)
}

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

fn interrupt(child: &mut Child) -> std::process::ExitStatus {
    // SIGINT to the xtask's own pid only, not its process group.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "xtask did not exit on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_interrupted_run_stops_its_servers_and_runs_do_not_share_folders() {
    let target = tempfile::tempdir().unwrap();
    let (mut first, first_port) = serve(target.path());
    let (mut second, second_port) = serve(target.path());
    assert_ne!(first_port, second_port);
    assert!(listening(first_port) && listening(second_port));
    let runs = target.path().join("xtask/servers-dev");
    let folders = std::fs::read_dir(&runs).unwrap().count();
    assert_eq!(folders, 2, "each run has its own folder");

    let status = interrupt(&mut first);
    assert_eq!(status.code(), Some(130));
    assert!(!listening(first_port), "the first run's server was stopped");
    assert!(listening(second_port), "the second run is untouched");
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 1);

    interrupt(&mut second);
    assert!(!listening(second_port));
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 0);
}
