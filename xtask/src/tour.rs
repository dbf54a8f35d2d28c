//! `cargo xtask tour`: the README's first command. Builds the `cloud` tool
//! and walks through the main job on the embedded providers, in a scratch
//! data folder, printing each command and what it answered.

use std::path::Path;
use std::process::Command;

use crate::{cargo, run_command, workspace_root};

const STEPS: &[&[&str]] = &[
    &["providers"],
    &["config", "set", "memory.option.transition_delay_ms", "500"],
    &["storage", "mb", "local://site"],
    &[
        "storage",
        "cp",
        "--recursive",
        "crates/cloud/src",
        "local://site/src",
    ],
    &["storage", "ls", "--recursive", "local://site"],
    &[
        "compute",
        "create",
        "web-1",
        "--size",
        "small",
        "--image",
        "debian-12",
        "--wait",
    ],
    &[
        "compute",
        "create",
        "web-2",
        "--size",
        "medium",
        "--image",
        "ubuntu-24.04",
    ],
    &["compute", "ls"],
    &[
        "lb",
        "create",
        "front",
        "--port",
        "80",
        "--member",
        "203.0.113.2:8080",
        "--member",
        "203.0.113.3:8080",
        "--wait",
    ],
    &["dns", "create-zone", "example.com", "--ttl", "3600"],
    &[
        "dns",
        "add",
        "example.com",
        "www",
        "A",
        "203.0.113.2",
        "--ttl",
        "300",
    ],
    &[
        "dns",
        "add",
        "example.com",
        "@",
        "MX",
        "10 mail.example.com.",
    ],
    &["dns", "export", "example.com"],
];

pub(crate) fn run() -> Result<(), String> {
    let mut build = cargo();
    build.args(["build", "--quiet", "-p", "cloud-cli"]);
    run_command(build)?;
    let (_, work) = crate::servers::folders();
    let target = work
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let binary = target.join("debug").join("cloud");
    let home = work.parent().map(|p| p.join("tour")).unwrap_or_default();
    if home.exists() {
        std::fs::remove_dir_all(&home).map_err(|e| format!("clearing {}: {e}", home.display()))?;
    }
    for step in STEPS {
        println!(
            "\n$ cloud {}",
            step.iter()
                .map(|a| if a.contains(' ') {
                    format!("\"{a}\"")
                } else {
                    (*a).to_owned()
                })
                .collect::<Vec<_>>()
                .join(" ")
        );
        let status = Command::new(&binary)
            .args(*step)
            .current_dir(workspace_root())
            .env("CLOUD_HOME", home.join("data"))
            .env("CLOUD_CONFIG", home.join("config.toml"))
            .env_remove("CLOUD_PROFILE")
            .env_remove("CLOUD_PROVIDER")
            .status()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !status.success() {
            return Err(format!("`cloud {}` failed: {status}", step.join(" ")));
        }
    }
    println!(
        "\nThe tour's data is in {} (CLOUD_HOME); without it, `cloud` keeps its data in ~/.local/share/cloud.",
        home.join("data").display()
    );
    Ok(())
}
