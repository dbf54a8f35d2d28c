//! Where a remote object lands under a local folder.
//!
//! Object names are arbitrary text chosen by whoever wrote the bucket: a
//! name like `/etc/profile.d/x.sh` or `../../.bashrc` must never become a
//! path outside the folder a download writes into. Every name is checked
//! segment by segment, on every platform's rules at once (a name that is
//! harmless here may not be on Windows, and a bucket is read from both).

use std::path::PathBuf;

/// What to do with a name that cannot be a path under the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Refuse it (the default): the object is not downloaded.
    Refuse,
    /// Turn it into a safe relative name.
    Sanitise,
}

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsafe(pub &'static str);

/// Whether `segment` is a Windows drive (`C:`) or holds a drive-relative
/// or stream form (`C:x`, `name:stream`).
fn has_colon(segment: &str) -> bool {
    segment.contains(':')
}

/// The relative path `name` maps to, or why it cannot. `None` for a folder
/// marker (a name ending in `/`, as consoles create for "folders").
pub fn relative_path(name: &str, policy: Policy) -> Result<Option<PathBuf>, Unsafe> {
    if name.contains('\0') && policy == Policy::Refuse {
        return Err(Unsafe("it contains a NUL character"));
    }
    let cleaned = name.replace('\0', "_");
    if let Some(reason) = refusal(&cleaned) {
        if policy == Policy::Refuse {
            return Err(Unsafe(reason));
        }
        return sanitised(&cleaned).map(Some);
    }
    if cleaned.ends_with('/') {
        return Ok(None);
    }
    Ok(Some(cleaned.split('/').collect()))
}

/// Why `name` (without NULs) cannot map to a path as it is, if it cannot.
fn refusal(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("it is an absolute path");
    }
    if name.contains('\\') {
        return Some("it contains `\\`, a path separator on Windows");
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    let segments: Vec<&str> = body.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Some("it has an empty path segment (`//`)");
    }
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Some("it has a `.` or `..` path segment");
    }
    if segments.iter().any(|s| has_colon(s)) {
        return Some("it contains `:`, a drive or stream separator on Windows");
    }
    None
}

/// A safe relative path made from an unsafe name.
fn sanitised(name: &str) -> Result<PathBuf, Unsafe> {
    let parts: Vec<String> = name
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| {
            if s == ".." {
                "_".to_owned()
            } else {
                s.replace(':', "_")
            }
        })
        .collect();
    if parts.is_empty() {
        return Err(Unsafe("nothing usable is left of it"));
    }
    Ok(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(name: &str) -> bool {
        relative_path(name, Policy::Refuse).is_err()
    }

    #[test]
    fn hostile_names_are_refused() {
        for bad in [
            "/etc/profile.d/x.sh",
            "../../.bashrc",
            "a/../../b",
            "a//b",
            "./a",
            "a\0b",
            "C:/Windows/x",
            "C:x",
            "\\\\server\\share\\x",
            "a\\..\\b",
            "",
        ] {
            assert!(refused(bad), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_names_map_to_their_segments() {
        assert_eq!(
            relative_path("site/css/style.css", Policy::Refuse).unwrap(),
            Some(PathBuf::from("site").join("css").join("style.css"))
        );
        assert_eq!(relative_path("dir/", Policy::Refuse).unwrap(), None);
        assert_eq!(
            relative_path("weird name (1).txt", Policy::Refuse).unwrap(),
            Some(PathBuf::from("weird name (1).txt"))
        );
    }

    #[test]
    fn sanitising_keeps_everything_inside() {
        let cases = [
            ("/etc/profile.d/x.sh", "etc/profile.d/x.sh"),
            ("../../.bashrc", "_/_/.bashrc"),
            ("a//b", "a/b"),
            ("C:/x", "C_/x"),
            ("a\0b", "a_b"),
        ];
        for (name, want) in cases {
            let got = relative_path(name, Policy::Sanitise).unwrap().unwrap();
            let want: PathBuf = want.split('/').collect();
            assert_eq!(got, want, "{name:?}");
            assert!(got.is_relative());
            assert!(
                got.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
                "{got:?}"
            );
        }
        assert!(relative_path("/", Policy::Sanitise).is_err());
    }
}
