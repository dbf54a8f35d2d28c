//! Recorded HTTP fixtures under `fixtures/<provider>/`.
//!
//! `check` parses every cassette and fails if one holds something that looks
//! like a credential (an Authorization header or signature that was not
//! scrubbed). `record PROVIDER` re-records a provider's fixtures by running
//! its live suites against its local servers with `CLOUD_FIXTURES=record`;
//! which suites and folders those are, the provider's crate says in its
//! `[package.metadata.cloud.fixtures]`.

use std::path::{Path, PathBuf};

use cloud_testkit::cassette::{Cassette, REDACTED};

use crate::workspace_root;

/// Header and query names whose values must always be scrubbed.
const MUST_BE_REDACTED: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-auth-token",
    "x-subject-token",
    "x-storage-token",
    "x-auth-key",
];

/// The credentials the servers set up in `xtask/src/servers` are started
/// with (S3's secret, Keystone's admin password, mimic's API key); the
/// crates declare their own servers' in `package.metadata.cloud.test-secrets`.
/// A recording that holds one anywhere, in any header, URI or body, was not
/// scrubbed.
const BUILT_IN_TEST_SECRETS: &[&str] =
    &["cloudtest-secret", "cloudtest-admin", "cloudtest-api-key"];

/// Every test credential: the built-in ones and the crates' declared ones.
fn known_test_secrets() -> Result<Vec<String>, String> {
    let mut secrets: Vec<String> = BUILT_IN_TEST_SECRETS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    secrets.extend(crate::metadata::Workspace::load()?.test_secrets()?);
    Ok(secrets)
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => check(),
        Some("record") => {
            let provider = args
                .get(1)
                .ok_or("usage: cargo xtask fixtures record PROVIDER")?;
            record(provider)
        }
        _ => Err("usage: cargo xtask fixtures <check | record PROVIDER>".into()),
    }
}

pub(crate) fn cassettes(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            cassettes(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        } else if let Some(plain) = path.to_str().and_then(|p| p.strip_suffix(".json.gz")) {
            // Cassette::load finds the compressed form from the plain name.
            out.push(PathBuf::from(format!("{plain}.json")));
        }
    }
    Ok(())
}

/// Problems with one cassette, if any.
pub(crate) fn audit(cassette: &Cassette, secrets: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let whole = serde_json::to_string(cassette).unwrap_or_default();
    for secret in secrets {
        if whole.contains(secret) {
            problems.push(format!("holds the test credential `{secret}`"));
        }
    }
    for (i, interaction) in cassette.interactions.iter().enumerate() {
        let all_headers = interaction
            .request
            .headers
            .iter()
            .chain(interaction.response.headers.iter());
        for (name, value) in all_headers {
            if MUST_BE_REDACTED.contains(&name.as_str()) && value != REDACTED {
                problems.push(format!("exchange {i}: header `{name}` is not redacted"));
            }
        }
        let json_fields = cloud_testkit::cassette::Scrubber::new();
        for body in [&interaction.request.body, &interaction.response.body] {
            let cloud_testkit::cassette::RecordedBody::Text(text) = body else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
                continue;
            };
            for pointer in json_fields.json_fields() {
                if value
                    .pointer(pointer)
                    .is_some_and(|v| v.as_str() != Some(REDACTED))
                {
                    problems.push(format!(
                        "exchange {i}: JSON field `{pointer}` is not redacted"
                    ));
                }
            }
        }
        let query = interaction
            .request
            .uri
            .split_once('?')
            .map_or("", |(_, q)| q);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let signed = [
                "x-amz-signature",
                "x-goog-signature",
                "signature",
                "temp_url_sig",
                "x-amz-security-token",
            ]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name));
            let redacted = value == REDACTED || value.eq_ignore_ascii_case("%5Bredacted%5D");
            if signed && !redacted {
                problems.push(format!(
                    "exchange {i}: query parameter `{name}` is not redacted"
                ));
            }
        }
    }
    problems
}

fn check() -> Result<(), String> {
    let root = workspace_root().join("fixtures");
    let mut files = Vec::new();
    cassettes(&root, &mut files)?;
    let mut problems = Vec::new();
    let secrets = known_test_secrets()?;
    for file in &files {
        match Cassette::load(file) {
            Ok(cassette) => {
                for p in audit(&cassette, &secrets) {
                    problems.push(format!("{}: {p}", file.display()));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        eprintln!("xtask: {} fixture files checked", files.len());
        Ok(())
    } else {
        Err(format!("fixture problems:\n  {}", problems.join("\n  ")))
    }
}

fn record(provider: &str) -> Result<(), String> {
    let recordable = crate::metadata::Workspace::load()?.recordable()?;
    let Some(found) = recordable.iter().find(|r| r.provider == provider) else {
        let known: Vec<&str> = recordable.iter().map(|r| r.provider.as_str()).collect();
        return Err(format!(
            "no recordable fixtures for provider `{provider}` (a crate declares them in \
             [package.metadata.cloud.fixtures]); recordable: {}",
            known.join(", ")
        ));
    };
    let running = crate::servers::start_all()?;
    for folder in &found.folders {
        let path = workspace_root().join("fixtures").join(folder);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|e| format!("clearing {}: {e}", path.display()))?;
        }
    }
    let mut command = crate::cargo();
    // The recording modules of the crate's one integration-test binary
    // (`tests/it`), as test-name filters.
    command.args(["test", "-p", &found.package, "--test", "it", "--"]);
    for module in &found.tests {
        command.arg(format!("{module}::"));
    }
    command
        .env("CLOUD_FIXTURES", "record")
        .env(cloud_testkit::servers::REQUIRE_SERVERS_VAR, "1");
    for (var, value) in &running.env {
        command.env(var, value);
    }
    let result = crate::run_command(command);
    drop(running);
    result?;
    check()
}

#[cfg(test)]
mod tests {
    use cloud_testkit::cassette::{Interaction, RecordedBody, RecordedRequest, RecordedResponse};

    use super::*;

    fn cassette(header: (&str, &str), uri: &str) -> Cassette {
        Cassette {
            source: String::new(),
            interactions: vec![Interaction {
                request: RecordedRequest {
                    method: "GET".into(),
                    uri: uri.into(),
                    headers: [(header.0.to_owned(), header.1.to_owned())].into(),
                    body: RecordedBody::Empty,
                },
                response: RecordedResponse {
                    status: 200,
                    headers: Default::default(),
                    body: RecordedBody::Empty,
                },
            }],
        }
    }

    fn secrets() -> Vec<String> {
        known_test_secrets().unwrap()
    }

    #[test]
    fn the_declared_test_secrets_are_known() {
        let secrets = secrets();
        for secret in [
            "cloudtest-secret",
            "pat_cloudtest-livedns",
            "cloudtest-cloudsigma",
        ] {
            assert!(
                secrets.iter().any(|s| s == secret),
                "{secret} in {secrets:?}"
            );
        }
    }

    #[test]
    fn unscrubbed_credentials_are_caught() {
        assert!(
            audit(
                &cassette(("authorization", REDACTED), "/b?X-Amz-Signature=[redacted]"),
                &secrets()
            )
            .is_empty()
        );
        assert_eq!(
            audit(
                &cassette(("authorization", "AWS4-HMAC-SHA256 x"), "/b"),
                &secrets()
            )
            .len(),
            1
        );
        assert_eq!(
            audit(
                &cassette(("content-type", "x"), "/b?X-Amz-Signature=abcdef"),
                &secrets()
            )
            .len(),
            1
        );
    }

    #[test]
    fn every_committed_fixture_is_clean() {
        check().unwrap();
    }
}
