//! What `cargo xtask docs` generates from the providers' declarations, so
//! it cannot drift from the code: `docs/providers.md` (the matrix), the
//! provider table of the README and the feature table of the umbrella
//! crate's docs (each between `<!-- providers:start -->` and
//! `<!-- providers:end -->`). `--check` fails when one differs (CI).
//!
//! They are printed by the umbrella's `provider_matrix` example built with
//! every provider, in a process of its own: the xtask itself links no
//! provider, so it builds on a machine without the system libraries some
//! providers need (libvirt).

use std::path::PathBuf;

use crate::{cargo, workspace_root};

const START: &str = "<!-- providers:start -->";
const END: &str = "<!-- providers:end -->";

/// What the example prints for `mode` (`""`, `readme`, `features`).
fn generated(mode: &str) -> Result<String, String> {
    let mut command = cargo();
    command.current_dir(workspace_root()).args([
        "run",
        "--quiet",
        "-p",
        "cloud",
        "--features",
        "all-providers",
        "--example",
        "provider_matrix",
    ]);
    if !mode.is_empty() {
        command.args(["--", mode]);
    }
    let output = command
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

/// `current` with the lines between the markers replaced by `table`, each
/// line prefixed with `prefix` (`//! ` in Rust docs).
fn spliced(current: &str, table: &str, prefix: &str) -> Result<String, String> {
    let start = current
        .find(START)
        .ok_or_else(|| format!("no `{START}` marker"))?;
    let after_start = current[start..]
        .find('\n')
        .map(|i| start + i + 1)
        .ok_or("nothing after the start marker")?;
    let end = current[after_start..]
        .find(END)
        .map(|i| after_start + i)
        .ok_or_else(|| format!("no `{END}` marker"))?;
    // The end marker's own line starts with the prefix.
    let end_line = current[..end].rfind('\n').map_or(0, |i| i + 1);
    let mut body = String::new();
    for line in table.lines() {
        body.push_str(prefix.trim_end_matches(' '));
        if !line.is_empty() {
            body.push_str(&prefix[prefix.trim_end_matches(' ').len()..]);
            body.push_str(line);
        }
        body.push('\n');
    }
    Ok(format!(
        "{}{body}{}",
        &current[..after_start],
        &current[end_line..]
    ))
}

/// Every generated file: its path and its expected content.
pub(crate) fn expected_files() -> Result<Vec<(PathBuf, String)>, String> {
    let root = workspace_root();
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
    };
    let readme = root.join("README.md");
    let umbrella = root.join("crates/cloud/src/lib.rs");
    Ok(vec![
        (root.join("docs/providers.md"), generated("")?),
        (
            readme.clone(),
            spliced(&read(&readme)?, &generated("readme")?, "")
                .map_err(|e| format!("README.md: {e}"))?,
        ),
        (
            umbrella.clone(),
            spliced(&read(&umbrella)?, &generated("features")?, "//! ")
                .map_err(|e| format!("crates/cloud/src/lib.rs: {e}"))?,
        ),
    ])
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    for (path, wanted) in expected_files()? {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if check {
            if current != wanted {
                return Err(format!(
                    "{} is out of date with the code; run `cargo xtask docs`",
                    path.display()
                ));
            }
            eprintln!("xtask: {} is current", path.display());
        } else if current != wanted {
            std::fs::write(&path, wanted)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_go_between_the_markers() {
        let text = "a\n//! <!-- providers:start -->\n//! old\n//! <!-- providers:end -->\nb\n";
        let out = spliced(text, "| x |\n\n| y |\n", "//! ").unwrap();
        assert_eq!(
            out,
            "a\n//! <!-- providers:start -->\n//! | x |\n//!\n//! | y |\n//! <!-- providers:end -->\nb\n"
        );
        assert!(spliced("no markers", "t", "").is_err());
    }

    #[test]
    fn generated_docs_match_the_code() {
        for (path, wanted) in expected_files().unwrap() {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                current == wanted,
                "{} is out of date with the code; run `cargo xtask docs`",
                path.display()
            );
        }
    }
}
