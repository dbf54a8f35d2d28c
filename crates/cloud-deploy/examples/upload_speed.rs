//! Times one file upload with `cloud-deploy` against an SSH server, to set
//! beside OpenSSH's own `scp` on the same file (docs/deploy.md, "Speed").
//!
//! ```text
//! cargo xtask servers sshd            # in another shell; export what it prints
//! cargo run --release -p cloud-deploy --example upload_speed -- FILE [RUNS]
//! ```

use std::time::{Duration, Instant};

use cloud_deploy::{HostKeyPolicy, SshAuth, SshOptions, SshSession, Step};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: upload_speed FILE [RUNS]")?;
    let runs: usize = args
        .next()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(3)
        .max(1);
    let var = |name: &str| {
        std::env::var(name)
            .map_err(|_| format!("{name} is not set (run `cargo xtask servers sshd`)"))
    };
    let address = var("CLOUD_TEST_SSHD")?;
    let dir = std::path::PathBuf::from(var("CLOUD_TEST_SSHD_DIR")?);
    let (host, port) = address
        .rsplit_once(':')
        .ok_or("CLOUD_TEST_SSHD is host:port")?;
    let options = SshOptions::new(var("CLOUD_TEST_SSHD_USER")?)
        .auth(SshAuth::key_file(dir.join("id_ed25519")))
        .host_keys(HostKeyPolicy::known_hosts_file(dir.join("known_hosts")));
    let session = SshSession::connect(host, port.parse()?, &options, &[]).await?;
    let size = std::fs::metadata(&file)?.len();
    let remote = format!("/tmp/cloud-upload-speed-{}", std::process::id());
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let result = session.run(&Step::upload_file(&file, &remote)).await?;
        if !result.outcome.is_success() {
            return Err(format!("upload failed: {}", result.outcome).into());
        }
        times.push(started.elapsed());
    }
    session
        .run(&Step::command(format!("rm -f {remote}")))
        .await?;
    times.sort();
    let median: Duration = times[times.len() / 2];
    let mib = size as f64 / (1024.0 * 1024.0);
    println!(
        "{mib:.0} MiB: median {:.2} s over {runs} runs ({:.0} MiB/s)",
        median.as_secs_f64(),
        mib / median.as_secs_f64()
    );
    Ok(())
}
