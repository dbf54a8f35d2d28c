//! System libraries that crates of the workspace link against, installed
//! with apt when missing: libvirt (`cloud-libvirt`, through the `virt`
//! crate and pkg-config). CI runs this before anything builds the whole
//! workspace; `cargo xtask test` runs it before the tests.

use std::process::Command;

use crate::servers::apt_install;

/// The Debian packages that provide them.
const PACKAGES: &[&str] = &["libvirt-dev", "libvirt-clients", "pkg-config"];

fn libvirt_found() -> bool {
    Command::new("pkg-config")
        .args(["--exists", "libvirt"])
        .status()
        .is_ok_and(|s| s.success())
}

pub(crate) fn ensure() -> Result<(), String> {
    if libvirt_found() {
        return Ok(());
    }
    apt_install(PACKAGES, "installing libvirt's development files").map_err(|e| {
        format!(
            "{e}\nthe libvirt provider links the system's libvirt: install {} \
             (as root) and run again",
            PACKAGES.join(" ")
        )
    })?;
    if libvirt_found() {
        Ok(())
    } else {
        Err("libvirt is still not found by pkg-config after installing it".into())
    }
}
