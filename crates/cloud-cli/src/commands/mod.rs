//! One module per command group; each takes the parsed command and a
//! [`Context`] and prints its result as a table or JSON.

pub mod compute;
pub mod config;
#[cfg(feature = "deploy")]
pub mod deploy;
pub mod dns;
pub mod lb;
pub mod storage;

use cloud::{Api, Result};

use crate::output::{self, outln};
use crate::providers::Providers;

/// What every command needs.
#[derive(Debug)]
pub struct Context {
    pub providers: Providers,
    pub json: bool,
    /// Whether progress bars may be drawn.
    pub progress: bool,
}

/// `cloud providers`.
pub fn providers(ctx: &Context) -> Result<()> {
    let registry = ctx.providers.registry();
    let described: Vec<_> = registry.providers().collect();
    if ctx.json {
        let list: Vec<serde_json::Value> = described
            .iter()
            .map(|p| {
                let apis: Vec<&str> = Api::ALL
                    .iter()
                    .filter(|a| p.api(**a).is_some())
                    .map(|a| a.name())
                    .collect();
                serde_json::json!({ "name": p.name, "apis": apis, "description": p.title })
            })
            .collect();
        return output::json(&list);
    }
    let rows: Vec<Vec<String>> = described
        .iter()
        .map(|p| {
            let apis: Vec<&str> = Api::ALL
                .iter()
                .filter(|a| p.api(**a).is_some())
                .map(|a| a.name())
                .collect();
            vec![p.name.to_owned(), apis.join(", "), p.title.to_owned()]
        })
        .collect();
    output::table(&["provider", "apis", "description"], &rows)?;
    let missing: Vec<String> = cloud::KNOWN_PROVIDERS
        .iter()
        .filter(|(name, _)| !described.iter().any(|p| p.name == *name))
        .map(|(name, feature)| format!("{name} (feature `{feature}`)"))
        .collect();
    if !missing.is_empty() {
        outln!("\nnot compiled in: {}", missing.join(", "))?;
    }
    Ok(())
}
