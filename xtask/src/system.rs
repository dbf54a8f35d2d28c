//! System libraries that crates of the workspace link against, installed
//! with apt when missing. Each crate declares its own in
//! `[package.metadata.cloud.system-lib]` (`cloud-libvirt`: libvirt, through
//! the `virt` crate and pkg-config). CI runs this before anything builds
//! the whole workspace; `cargo xtask test` runs it before the tests.

use std::process::Command;

use crate::metadata::{SystemLib, Workspace};
use crate::servers::apt_install;

fn found(name: &str) -> bool {
    Command::new("pkg-config")
        .args(["--exists", name])
        .status()
        .is_ok_and(|s| s.success())
}

pub(crate) fn ensure() -> Result<(), String> {
    for lib in Workspace::load()?.system_libs()? {
        ensure_one(&lib)?;
    }
    Ok(())
}

fn ensure_one(lib: &SystemLib) -> Result<(), String> {
    if found(&lib.pkg_config) {
        return Ok(());
    }
    let packages: Vec<&str> = lib.apt.iter().map(String::as_str).collect();
    apt_install(
        &packages,
        &format!("installing {}'s development files", lib.pkg_config),
    )
    .map_err(|e| {
        format!(
            "{e}\n{} links the system's {}: install {} (as root) and run again",
            lib.package,
            lib.pkg_config,
            packages.join(" ")
        )
    })?;
    if found(&lib.pkg_config) {
        Ok(())
    } else {
        Err(format!(
            "{} is still not found by pkg-config after installing it",
            lib.pkg_config
        ))
    }
}
