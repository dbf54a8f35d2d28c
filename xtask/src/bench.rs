//! `cargo xtask bench`: the side-by-side comparison in `bench/`.
//!
//! Starts s3s-fs (which verifies SigV4) and moto on loopback, installs the
//! Python peers (Apache Libcloud 3.9, boto3) in a virtualenv, builds the
//! harness and the clients in release mode (their own target dir: the peers
//! are large and have nothing to share with the workspace), runs them
//! alternately, and writes the tables between the markers in
//! `docs/performance.md`.

use std::path::PathBuf;

use crate::{cargo, run_command, servers, workspace_root};

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = rest.next().ok_or(format!("{arg} needs a value"))?;
        let var = match arg.as_str() {
            "--rounds" => "BENCH_ROUNDS",
            "--size-mib" => "BENCH_SIZE_MIB",
            "--list" => "BENCH_LIST_COUNT",
            "--ec2" => "BENCH_EC2_COUNT",
            _ => {
                return Err(format!(
                    "unknown option {arg}; known: --rounds, --size-mib, --list, --ec2"
                ));
            }
        };
        vars.push((var.into(), value.clone()));
    }
    let target = std::env::var_os("CLOUD_BENCH_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("bench/target"));
    let mut build = cargo();
    build
        .args(["build", "--release", "--bins"])
        .current_dir(workspace_root().join("bench"))
        .env("CARGO_TARGET_DIR", &target);
    run_command(build)?;
    let (cache, _) = servers::folders();
    let python = servers::venv(
        &cache,
        "bench-venv",
        &["apache-libcloud>=3.9,<3.10", "boto3"],
    )?
    .join("bin/python");
    let running = servers::start_some(&["s3s-fs".to_owned(), "moto".to_owned()])?;
    let find = |name: &str| {
        running
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(format!("s3s-fs did not set {name}"))
    };
    let out = target.join("last-run.md");
    let mut compare = std::process::Command::new(target.join("release/compare"));
    compare
        .env("BENCH_ENDPOINT", find("CLOUD_TEST_S3S_URL")?)
        .env("BENCH_KEY", find("CLOUD_TEST_S3S_KEY")?)
        .env("BENCH_SECRET", find("CLOUD_TEST_S3S_SECRET")?)
        .env("BENCH_BUCKET", "bench")
        .env("BENCH_EC2_ENDPOINT", find("CLOUD_TEST_MOTO_URL")?)
        .env("BENCH_PYTHON", &python)
        .env(
            "BENCH_EC2_SCRIPT",
            workspace_root().join("bench/python/ec2.py"),
        )
        .env("BENCH_CRATE_DIR", workspace_root().join("bench"))
        .env("CARGO_TARGET_DIR", &target)
        .env("BENCH_WORK", target.join("work"))
        .env("BENCH_OUT", &out)
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let result = run_command(compare);
    drop(running);
    // The objects and files of a run take gigabytes; keep none of them.
    let _ = std::fs::remove_dir_all(servers::bench_folder());
    let _ = std::fs::remove_dir_all(target.join("work"));
    result?;
    let table =
        std::fs::read_to_string(&out).map_err(|e| format!("reading {}: {e}", out.display()))?;
    let docs = workspace_root().join("docs/performance.md");
    let text =
        std::fs::read_to_string(&docs).map_err(|e| format!("reading {}: {e}", docs.display()))?;
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        return Err(format!(
            "{} lacks the {START} and {END} markers",
            docs.display()
        ));
    };
    let machine = format!(
        "Measured {} on {} cores, against s3s-fs 0.14.1 and moto on loopback.\n\n",
        today(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let updated = format!(
        "{}{START}\n{machine}{table}{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&docs, updated).map_err(|e| format!("writing {}: {e}", docs.display()))?;
    eprintln!("xtask: wrote the table into {}", docs.display());
    Ok(())
}

fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
