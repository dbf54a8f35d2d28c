//! Replays every kept input (the corpus and each past crash) through its
//! target on a stable toolchain: `cargo test --release` in `fuzz/`.

use std::path::Path;
use std::time::Instant;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("aws_ec2", cloud_fuzz::aws_ec2),
    ("aws_s3", cloud_fuzz::aws_s3),
    ("aws_elb", cloud_fuzz::aws_elb),
    ("aws_route53", cloud_fuzz::aws_route53),
    ("keystone", cloud_fuzz::keystone),
    ("nova", cloud_fuzz::nova),
    ("swift", cloud_fuzz::swift),
    ("gandi", cloud_fuzz::gandi),
    ("cloudsigma", cloud_fuzz::cloudsigma),
    ("google", cloud_fuzz::google),
    ("google_apis", cloud_fuzz::google_apis),
    ("azure", cloud_fuzz::azure),
    ("zone_file", cloud_fuzz::zone_file),
    ("local_names", cloud_fuzz::local_names),
];

fn replay(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut total = 0;
    for (name, target) in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        let started = Instant::now();
        let mut count = 0;
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let input = std::fs::read(&path).expect("a readable input");
            eprintln!("{name}: {}", path.display());
            target(&input);
            count += 1;
        }
        eprintln!("{folder}/{name}: {count} inputs in {:?}", started.elapsed());
        total += count;
    }
    total
}

#[test]
fn past_crashes_stay_fixed() {
    assert!(replay("regressions") > 0);
}

#[test]
fn corpus_replays_without_panics() {
    replay("corpus");
}
