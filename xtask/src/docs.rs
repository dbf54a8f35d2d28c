//! `docs/providers.md`, generated from the providers' declared capabilities.
//!
//! The matrix is printed by the umbrella's `provider_matrix` example built
//! with every provider, in a process of its own: the xtask itself links no
//! provider, so it builds on a machine without the system libraries some
//! providers need (libvirt).

use crate::{cargo, workspace_root};

/// The file's expected content.
pub(crate) fn expected() -> Result<String, String> {
    let output = cargo()
        .current_dir(workspace_root())
        .args([
            "run",
            "--quiet",
            "-p",
            "cloud",
            "--features",
            "all-providers",
            "--example",
            "provider_matrix",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the provider_matrix example failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("the matrix is not UTF-8: {e}"))
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let path = workspace_root().join("docs/providers.md");
    let wanted = expected()?;
    if args.iter().any(|a| a == "--check") {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != wanted {
            return Err(format!(
                "{} is out of date with the code; run `cargo xtask docs`",
                path.display()
            ));
        }
        eprintln!("xtask: {} is current", path.display());
        return Ok(());
    }
    std::fs::write(&path, wanted).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn providers_md_matches_the_code() {
        let path = crate::workspace_root().join("docs/providers.md");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == super::expected().unwrap(),
            "docs/providers.md differs from the capabilities the drivers declare; run `cargo xtask docs`"
        );
    }
}
