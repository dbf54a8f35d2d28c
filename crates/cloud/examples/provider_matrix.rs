//! Prints what `cargo xtask docs` writes (or checks), generated from what
//! every provider declares: docs/providers.md by default, the README's
//! provider table with `readme`, the umbrella's feature table with
//! `features`.
//!
//! `cargo run -p cloud --features all-providers --example provider_matrix [readme|features]`

fn main() {
    let registry = cloud::Registry::new();
    let providers = registry.providers();
    let text = match std::env::args().nth(1).as_deref() {
        Some("readme") => cloud::readme_table(providers),
        Some("features") => cloud::feature_table(providers),
        _ => cloud::provider_matrix(providers),
    };
    print!("{text}");
}
