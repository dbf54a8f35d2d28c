//! A 100 MiB upload runs in bounded memory and arrives intact. In a test
//! binary of its own, so no other test moves this process's peak memory.
#![allow(clippy::unwrap_used)]

#[path = "it/common/mod.rs"]
mod common;

use std::io::Write;

use cloud_deploy::{SshAuth, SshSession, Step};
use common::Sshd;
use sha2::{Digest, Sha256};

const SIZE: usize = 100 * 1024 * 1024;

/// The process's peak resident memory so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_100_mib_upload_streams() {
    let Some(sshd) = Sshd::get() else { return };
    // Written in 1 MiB pieces, hashed as it goes.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let mut hash = Sha256::new();
    let mut piece = vec![0u8; 1024 * 1024];
    for i in 0..SIZE / piece.len() {
        for (j, byte) in piece.iter_mut().enumerate() {
            *byte = (i * 31 + j * 7 + j / 251) as u8;
        }
        hash.update(&piece);
        file.write_all(&piece).unwrap();
    }
    file.flush().unwrap();
    drop(piece);
    let expected = hex::encode(hash.finalize());

    let options = sshd.options(SshAuth::key_file(sshd.key("id_ed25519")));
    let session = SshSession::connect(&sshd.host, sshd.port, &options, &[])
        .await
        .unwrap();
    let before = peak_rss();
    let remote = format!("/tmp/cloud-deploy-large-{}", std::process::id());
    let result = session
        .run(&Step::upload_file(file.path(), &remote))
        .await
        .unwrap();
    assert!(result.outcome.is_success(), "{result:?}");
    let grew = peak_rss().saturating_sub(before);
    eprintln!(
        "100 MiB upload: {:.1} s, peak memory grew by {:.1} MiB",
        result.duration.as_secs_f64(),
        grew as f64 / (1024.0 * 1024.0)
    );
    assert!(
        grew < 32 * 1024 * 1024,
        "peak memory grew by {grew} bytes for a 100 MiB upload"
    );

    let check = session
        .run(&Step::command(format!("sha256sum {remote} && rm {remote}")))
        .await
        .unwrap();
    assert_eq!(
        check.stdout_tail.split_whitespace().next(),
        Some(expected.as_str())
    );
}
