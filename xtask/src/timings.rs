//! What each crate of a build cost, from the report `cargo build --timings`
//! writes (`cargo-timings/cargo-timing.html`, whose `UNIT_DATA` holds every
//! compiled unit with its duration). The bench uses it to say where the
//! small S3 program's build time goes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Crates that are there only for `url`'s international host names.
const URL_FAMILY: &[&str] = &[
    "url",
    "idna",
    "idna_adapter",
    "form_urlencoded",
    "icu_collections",
    "icu_locale_core",
    "icu_normalizer",
    "icu_normalizer_data",
    "icu_properties",
    "icu_properties_data",
    "icu_provider",
    "litemap",
    "potential_utf",
    "synstructure",
    "tinystr",
    "writeable",
    "yoke",
    "yoke-derive",
    "zerofrom",
    "zerofrom-derive",
    "zerotrie",
    "zerovec",
    "zerovec-derive",
    "stable_deref_trait",
    "displaydoc",
    "utf8_iter",
];

/// Compiler seconds per crate (library, build script and its run added
/// together), most expensive first.
pub(crate) fn per_crate(target_dir: &Path) -> Result<Vec<(String, f64)>, String> {
    let report = target_dir.join("cargo-timings/cargo-timing.html");
    let html = std::fs::read_to_string(&report)
        .map_err(|e| format!("reading {}: {e}", report.display()))?;
    per_crate_from_html(&html).ok_or_else(|| format!("{} holds no UNIT_DATA", report.display()))
}

fn per_crate_from_html(html: &str) -> Option<Vec<(String, f64)>> {
    let start = html.find("const UNIT_DATA = ")? + "const UNIT_DATA = ".len();
    let json = &html[start..];
    let end = json.find("];")? + 1;
    let units: Vec<Value> = serde_json::from_str(&json[..end]).ok()?;
    let mut seconds: BTreeMap<String, f64> = BTreeMap::new();
    for unit in &units {
        let name = unit.get("name").and_then(Value::as_str)?;
        let duration = unit.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
        *seconds.entry(name.to_owned()).or_default() += duration;
    }
    let mut out: Vec<(String, f64)> = seconds.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(out)
}

/// A markdown table of the `top` most expensive crates, then the totals of
/// `cloud`'s own crates and of the `url` family.
pub(crate) fn table(costs: &[(String, f64)], top: usize) -> String {
    let total: f64 = costs.iter().map(|(_, s)| s).sum();
    let share = |s: f64| if total > 0.0 { 100.0 * s / total } else { 0.0 };
    let mut out = String::from("| crate | compiler time | share |\n|---|---:|---:|\n");
    for (name, s) in costs.iter().take(top) {
        out.push_str(&format!("| {name} | {s:.1} s | {:.0}% |\n", share(*s)));
    }
    let sum_of = |pick: &dyn Fn(&str) -> bool| -> f64 {
        costs.iter().filter(|(n, _)| pick(n)).map(|(_, s)| s).sum()
    };
    let own = sum_of(&|n| n == "cloud" || n.starts_with("cloud-") || n.starts_with("small-"));
    let url = sum_of(&|n| URL_FAMILY.contains(&n));
    out.push_str(&format!(
        "| *`cloud`'s own crates* | {own:.1} s | {:.0}% |\n\
         | *`url` and its IDNA crates ({} crates)* | {url:.1} s | {:.0}% |\n\
         | *all {} crates* | {total:.1} s | 100% |\n",
        share(own),
        costs
            .iter()
            .filter(|(n, _)| URL_FAMILY.contains(&n.as_str()))
            .count(),
        share(url),
        costs.len(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_of_one_crate_are_added_and_sorted() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"ring","version":"0.17.14","mode":"run-custom-build","target":" build script","start":0.1,"duration":6.5},
{"i":1,"name":"ring","version":"0.17.14","mode":"todo","target":"","start":7.0,"duration":3.5},
{"i":2,"name":"url","version":"2.5.8","mode":"todo","target":"","start":1.0,"duration":2.0}];
const CONCURRENCY_DATA = [];
</script>"#;
        let costs = per_crate_from_html(html).unwrap();
        assert_eq!(costs, [("ring".to_owned(), 10.0), ("url".to_owned(), 2.0)]);
        let table = table(&costs, 1);
        assert!(table.contains("| ring | 10.0 s | 83% |"), "{table}");
        assert!(table.contains("(1 crates)* | 2.0 s | 17% |"), "{table}");
    }
}
