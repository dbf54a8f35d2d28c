//! The dependency boundaries, checked on the real dependency graph
//! (`cargo tree -e normal`): a provider crate pulls in no other provider,
//! and the embedded providers compile no HTTP stack.

use crate::{cargo, workspace_root};

/// Provider crates: each may depend on `cloud-core` and third-party crates only.
const PROVIDER_CRATES: &[&str] = &[
    "cloud-memory",
    "cloud-local",
    "cloud-aws",
    "cloud-openstack",
];

/// Features of the `cloud` crate for network providers, and the one
/// provider crate each may compile.
const NETWORK_FEATURES: &[(&str, &str)] = &[
    ("aws", "cloud-aws"),
    ("openstack", "cloud-openstack"),
    ("rackspace", "cloud-openstack"),
];

/// Crates that mean "an HTTP/TLS stack was compiled".
const HTTP_STACK: &[&str] = &["hyper", "hyper-util", "hyper-rustls", "rustls", "h2"];

/// The crate names in `cargo tree` for `args` (normal dependencies only).
fn tree(args: &[&str]) -> Result<Vec<String>, String> {
    let mut command = cargo();
    command
        .current_dir(workspace_root())
        .args([
            "tree", "-e", "normal", "--prefix", "none", "--format", "{p}",
        ])
        .args(args);
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn forbid(what: &str, names: &[String], forbidden: &[&str], problems: &mut Vec<String>) {
    for name in names {
        if forbidden.contains(&name.as_str()) {
            problems.push(format!("{what} pulls in `{name}`"));
        }
    }
}

pub(crate) fn run() -> Result<(), String> {
    let mut problems = Vec::new();
    for krate in PROVIDER_CRATES {
        let names = tree(&["-p", krate])?;
        let others: Vec<&str> = PROVIDER_CRATES
            .iter()
            .copied()
            .filter(|c| c != krate)
            .collect();
        forbid(krate, &names, &others, &mut problems);
        forbid(krate, &names, &["cloud", "cloud-testkit"], &mut problems);
        eprintln!("xtask: {krate}: {} crates, no other provider", names.len());
    }
    let local = tree(&[
        "-p",
        "cloud",
        "--no-default-features",
        "--features",
        "local",
    ])?;
    forbid("cloud with only `local`", &local, HTTP_STACK, &mut problems);
    forbid(
        "cloud with only `local`",
        &local,
        &["cloud-memory", "cloud-testkit"],
        &mut problems,
    );
    let memory = tree(&[
        "-p",
        "cloud",
        "--no-default-features",
        "--features",
        "memory",
    ])?;
    forbid(
        "cloud with only `memory`",
        &memory,
        HTTP_STACK,
        &mut problems,
    );
    forbid(
        "cloud with only `memory`",
        &memory,
        &["cloud-local", "cloud-testkit"],
        &mut problems,
    );
    eprintln!(
        "xtask: cloud[local]: {} crates; cloud[memory]: {} crates (neither has an HTTP stack)",
        local.len(),
        memory.len(),
    );
    for (feature, own) in NETWORK_FEATURES {
        let names = tree(&[
            "-p",
            "cloud",
            "--no-default-features",
            "--features",
            feature,
        ])?;
        let others: Vec<&str> = PROVIDER_CRATES
            .iter()
            .copied()
            .filter(|c| c != own)
            .chain(["cloud-testkit"])
            .collect();
        let what = format!("cloud with only `{feature}`");
        forbid(&what, &names, &others, &mut problems);
        eprintln!(
            "xtask: cloud[{feature}]: {} crates, no provider but {own}",
            names.len()
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "dependency boundaries broken:\n  {}",
            problems.join("\n  ")
        ))
    }
}
