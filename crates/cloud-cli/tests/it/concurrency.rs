//! Many `cloud` processes at once on one embedded state: every change
//! survives and every id is handed out once.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::collections::BTreeSet;
use std::process::{Child, Stdio};

use support::Home;

const PROCESSES: usize = 20;

/// Starts `cloud ARGS` for each argument list at once, then waits for all.
fn all_at_once(home: &Home, commands: Vec<Vec<String>>) {
    let children: Vec<(Vec<String>, Child)> = commands
        .into_iter()
        .map(|args| {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = home
                .command(&refs)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (args, child)
        })
        .collect();
    for (args, child) in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "cloud {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn ids(list: &serde_json::Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn twenty_concurrent_creates_make_twenty_nodes_with_twenty_ids() {
    let home = Home::new().fast();
    let commands = (0..PROCESSES)
        .map(|i| {
            [
                "compute",
                "create",
                &format!("n{i}"),
                "--size",
                "small",
                "--image",
                "debian-12",
            ]
            .map(str::to_owned)
            .to_vec()
        })
        .collect();
    all_at_once(&home, commands);
    let nodes = home.json(&["compute", "ls"]);
    assert_eq!(nodes.as_array().unwrap().len(), PROCESSES, "{nodes}");
    assert_eq!(ids(&nodes).len(), PROCESSES, "ids are unique: {nodes}");
    let names: BTreeSet<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), PROCESSES);
    let leftovers: Vec<String> = std::fs::read_dir(home.path().join("data/state"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn concurrent_dns_adds_and_lb_attaches_lose_nothing() {
    let home = Home::new().fast();
    home.ok(&["dns", "create-zone", "example.com"]);
    let balancer = home.json(&["lb", "create", "front", "--port", "80"]);
    let lb = balancer[0]["id"].as_str().unwrap().to_owned();

    let mut commands: Vec<Vec<String>> = (0..PROCESSES)
        .map(|i| {
            [
                "dns",
                "add",
                "example.com",
                &format!("host{i}"),
                "A",
                &format!("192.0.2.{i}"),
            ]
            .map(str::to_owned)
            .to_vec()
        })
        .collect();
    commands.extend((0..PROCESSES).map(|i| {
        ["lb", "attach", &lb, &format!("192.0.2.{i}:8080")]
            .map(str::to_owned)
            .to_vec()
    }));
    all_at_once(&home, commands);

    let records = home.json(&["dns", "records", "example.com"]);
    assert_eq!(records.as_array().unwrap().len(), PROCESSES, "{records}");
    assert_eq!(ids(&records).len(), PROCESSES);
    let members = home.json(&["lb", "members", &lb]);
    assert_eq!(members.as_array().unwrap().len(), PROCESSES, "{members}");
    assert_eq!(ids(&members).len(), PROCESSES);
}

#[test]
fn a_killed_writer_leaves_nothing_the_next_command_does_not_clean() {
    let home = Home::new().fast();
    home.ok(&["dns", "create-zone", "example.com"]);
    let state = home.path().join("data/state");
    // What a process killed between writing its new state and renaming it leaves.
    std::fs::write(state.join(".dns.json.0123456789abcdef"), "{ half a state").unwrap();
    // A killed process's lock is released by the kernel; hold none here and
    // check the next command goes through and tidies up.
    home.ok(&["dns", "add", "example.com", "www", "A", "192.0.2.1"]);
    assert!(!state.join(".dns.json.0123456789abcdef").exists());
    assert_eq!(
        home.json(&["dns", "records", "example.com"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_lock_held_by_a_killed_process_does_not_block_the_next_command() {
    use std::io::BufRead;
    let home = Home::new().fast();
    home.ok(&["dns", "create-zone", "example.com"]);
    let lock = home.path().join("data/state/dns.json.lock");
    // Another process takes the lock, as a `cloud` command mid-change
    // does, and is killed while holding it.
    let mut holder = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import fcntl, sys, time\n\
             f = open(sys.argv[1], 'w')\n\
             fcntl.flock(f, fcntl.LOCK_EX)\n\
             print('locked', flush=True)\n\
             time.sleep(600)",
        )
        .arg(&lock)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the lock holder");
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    holder.kill().unwrap();
    holder.wait().unwrap();
    home.ok(&["dns", "add", "example.com", "www", "A", "192.0.2.1"]);
}

#[test]
fn node_members_must_name_existing_nodes() {
    let home = Home::new().fast();
    let node = home.json(&[
        "compute",
        "create",
        "web",
        "--size",
        "small",
        "--image",
        "debian-12",
    ]);
    let node_id = node[0]["id"].as_str().unwrap().to_owned();
    let lb = home.json(&["lb", "create", "front", "--port", "80"]);
    let lb = lb[0]["id"].as_str().unwrap().to_owned();
    let err = home.fails(&["lb", "attach", &lb, "node:node-999999"], 3);
    assert!(err.contains("node-999999"), "{err}");
    home.fails(
        &[
            "lb",
            "create",
            "x",
            "--port",
            "80",
            "--member",
            "node:node-999999",
        ],
        3,
    );
    let added = home.json(&["lb", "attach", &lb, &format!("node:{node_id}:8080")]);
    assert_eq!(added[0]["node_id"], node_id.as_str());
    assert!(
        added[0]["ip"].is_string(),
        "address taken from the node: {added}"
    );
}

#[test]
fn unknown_options_are_refused_for_the_embedded_providers() {
    let home = Home::new();
    let err = home.fails(&["-o", "colour=blue", "compute", "ls"], 6);
    assert!(err.contains("colour"), "{err}");
    home.fails(&["-o", "colour=blue", "dns", "zones"], 6);
    home.fails(&["-o", "colour=blue", "lb", "ls"], 6);
    home.fails(&["-o", "colour=blue", "storage", "ls", "local://"], 6);
    home.ok(&["-o", "transition_delay_ms=10", "compute", "ls"]);
}
