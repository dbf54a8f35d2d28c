//! The dependency boundaries, checked on the real dependency graph
//! (`cargo tree -e normal`): a provider crate pulls in no other provider,
//! the embedded providers compile no HTTP stack, and one AWS service
//! compiles no other service nor another API's vocabulary.

use crate::{cargo, workspace_root};

/// Features of the `cloud` crate for one AWS service, the one `cloud-aws`
/// feature it may enable, and the one `cloud-core` API it may enable.
/// Every other service module (`cloud_aws::ec2`...) and API module
/// (`cloud_core::dns` with the zone-file parser...) is then compiled out.
const AWS_SERVICES: &[(&str, &str, &str)] = &[
    ("aws-s3", "s3", "storage"),
    ("aws-ec2", "ec2", "compute"),
    ("aws-elb", "elb", "loadbalancer"),
    ("aws-route53", "route53", "dns"),
];

/// The `cloud-core` features that are APIs.
const CORE_APIS: &[&str] = &["storage", "compute", "loadbalancer", "dns"];

/// Crates that mean "an HTTP/TLS stack was compiled".
const HTTP_STACK: &[&str] = &["hyper", "hyper-util", "hyper-rustls", "rustls", "h2"];

/// `cargo tree` over normal dependencies for `args`, one package per line
/// printed with `format`.
fn cargo_tree(format: &str, args: &[&str]) -> Result<String, String> {
    let mut command = cargo();
    command
        .current_dir(workspace_root())
        .args([
            "tree", "-e", "normal", "--prefix", "none", "--format", format,
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
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The crate names in `cargo tree` for `args`.
fn tree(args: &[&str]) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = cargo_tree("{p}", args)?
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// The features `cargo tree` reports enabled on each package for `args`.
fn features(args: &[&str]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut found: Vec<(String, Vec<String>)> = cargo_tree("{p}|{f}", args)?
        .lines()
        .filter_map(|line| {
            let (package, features) = line.split_once('|')?;
            let name = package.split_whitespace().next()?.to_owned();
            let features = features
                .trim_end_matches(" (*)")
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect();
            Some((name, features))
        })
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}

/// One AWS service alone: `cloud-aws` with only its feature, `cloud-core`
/// with only its API.
fn check_aws_service(
    feature: &str,
    service: &str,
    api: &str,
    problems: &mut Vec<String>,
) -> Result<(), String> {
    let found = features(&[
        "-p",
        "cloud",
        "--no-default-features",
        "--features",
        feature,
    ])?;
    let enabled = |krate: &str| -> Vec<&str> {
        found
            .iter()
            .filter(|(name, _)| name == krate)
            .flat_map(|(_, f)| f.iter().map(String::as_str))
            .collect()
    };
    let aws = enabled("cloud-aws");
    if aws != [service] {
        problems.push(format!(
            "cloud with only `{feature}` enables cloud-aws features {aws:?}, expected [{service:?}]"
        ));
    }
    let apis: Vec<&str> = enabled("cloud-core")
        .into_iter()
        .filter(|f| CORE_APIS.contains(f))
        .collect();
    if apis.iter().any(|f| *f != api) || apis.is_empty() {
        problems.push(format!(
            "cloud with only `{feature}` enables cloud-core APIs {apis:?}, expected [{api:?}]"
        ));
    }
    eprintln!("xtask: cloud[{feature}]: cloud-aws [{service}], cloud-core API [{api}] only");
    Ok(())
}

fn forbid(what: &str, names: &[String], forbidden: &[&str], problems: &mut Vec<String>) {
    for name in names {
        if forbidden.contains(&name.as_str()) {
            problems.push(format!("{what} pulls in `{name}`"));
        }
    }
}

pub(crate) fn run() -> Result<(), String> {
    let workspace = crate::metadata::Workspace::load()?;
    // The provider crates are the umbrella's optional dependencies.
    let provider_crates = workspace.provider_crates()?;
    let mut problems = Vec::new();
    for krate in &provider_crates {
        let names = tree(&["-p", krate])?;
        let others: Vec<&str> = provider_crates
            .iter()
            .map(String::as_str)
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
    // Every umbrella feature that compiles exactly one provider crate (a
    // provider, or one service of it) compiles no other.
    for (feature, reached) in workspace.umbrella_features()? {
        let Ok([own]) = <[String; 1]>::try_from(Vec::from_iter(reached)) else {
            continue;
        };
        let names = tree(&[
            "-p",
            "cloud",
            "--no-default-features",
            "--features",
            &feature,
        ])?;
        let others: Vec<&str> = provider_crates
            .iter()
            .map(String::as_str)
            .filter(|c| *c != own.as_str())
            .chain(["cloud-testkit"])
            .collect();
        let what = format!("cloud with only `{feature}`");
        forbid(&what, &names, &others, &mut problems);
        eprintln!(
            "xtask: cloud[{feature}]: {} crates, no provider but {own}",
            names.len()
        );
    }
    for (feature, service, api) in AWS_SERVICES {
        check_aws_service(feature, service, api, &mut problems)?;
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
