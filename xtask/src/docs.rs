//! `docs/providers.md`, generated from the providers' declared capabilities.

use cloud::{Registry, provider_matrix};

use crate::workspace_root;

/// The file's expected content.
pub(crate) fn expected() -> String {
    provider_matrix(Registry::new().providers())
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let path = workspace_root().join("docs/providers.md");
    let wanted = expected();
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
            current == super::expected(),
            "docs/providers.md differs from the capabilities the drivers declare; run `cargo xtask docs`"
        );
    }
}
