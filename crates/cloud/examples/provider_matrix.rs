//! Prints docs/providers.md: what every provider declares, generated from
//! the code (`cargo xtask docs` runs this and writes or checks the file).
//!
//! `cargo run -p cloud --features all-providers --example provider_matrix`

fn main() {
    print!(
        "{}",
        cloud::provider_matrix(cloud::Registry::new().providers())
    );
}
