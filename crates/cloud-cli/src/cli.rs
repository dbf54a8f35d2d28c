//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// One command line for many clouds: compute, object storage, load balancers and DNS.
///
/// With no configuration, `cloud` works on the embedded providers: object
/// storage in a local folder (`local://`) and compute, load balancers and DNS
/// kept in state files, so successive commands see each other's work.
#[derive(Debug, Parser)]
#[command(
    name = "cloud",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes. The credential, endpoint and option flags
/// configure cloud providers; the embedded `local` and `memory` providers read
/// their settings from the profile (`cloud config set local.endpoint DIR`).
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The profile to read from the config file.
    #[arg(long, global = true, env = "CLOUD_PROFILE")]
    pub profile: Option<String>,
    /// The provider for compute, load-balancer and DNS commands (default: the
    /// profile's `provider`, else the embedded `memory`).
    #[arg(long, short = 'p', global = true, env = "CLOUD_PROVIDER")]
    pub provider: Option<String>,
    /// Region (overrides the profile and provider-native settings).
    #[arg(long, global = true, env = "CLOUD_REGION")]
    pub region: Option<String>,
    /// Endpoint URL (S3-compatible stores, local servers) or folder.
    #[arg(long, global = true, env = "CLOUD_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Access key or user name.
    #[arg(long, global = true, env = "CLOUD_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Secret key, password or API key.
    #[arg(long, global = true, env = "CLOUD_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// A provider option, `name=value` (repeatable).
    #[arg(long = "option", short = 'o', global = true, value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub options: Vec<(String, String)>,
    /// Print JSON instead of tables (stable field names, for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    /// Show HTTP requests on stderr (credentials and signatures never shown).
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// No progress bars, even on a terminal.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// After the command, print elapsed time and peak memory on stderr.
    #[arg(long, global = true)]
    pub stats: bool,
}

/// `name=value`.
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Containers and objects: PROVIDER://container/key URLs and local paths.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Nodes, sizes, images and locations.
    #[command(subcommand)]
    Compute(ComputeCommand),
    /// Load balancers and their members.
    #[command(subcommand)]
    Lb(LbCommand),
    /// DNS zones and records, BIND zone files both ways.
    #[command(subcommand)]
    Dns(DnsCommand),
    /// The providers compiled into this build and the APIs each offers.
    Providers,
    /// The profiles file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// List containers (`PROVIDER://`), or objects under a URL.
    Ls {
        /// `PROVIDER://`, `PROVIDER://container` or `PROVIDER://container/prefix`.
        url: Option<String>,
        /// Every object below, not just one level.
        #[arg(long, short)]
        recursive: bool,
    },
    /// Make a container.
    Mb {
        /// `PROVIDER://container`.
        url: String,
    },
    /// Remove a container.
    Rb {
        /// `PROVIDER://container`.
        url: String,
        /// Delete the objects in it first.
        #[arg(long)]
        force: bool,
    },
    /// Copy objects or files; either side may be a URL, a local path, or `-`.
    Cp(Transfer),
    /// Move objects or files (copy, then delete the source).
    Mv(Transfer),
    /// Remove an object, or everything under a prefix with `--recursive`.
    Rm {
        /// `PROVIDER://container/key`.
        url: String,
        #[arg(long, short)]
        recursive: bool,
    },
    /// Write an object to standard output.
    Cat {
        /// `PROVIDER://container/key`.
        url: String,
    },
    /// An object's metadata.
    Stat {
        /// `PROVIDER://container/key`.
        url: String,
    },
    /// A URL that grants access to an object without credentials.
    Sign {
        /// `PROVIDER://container/key`.
        url: String,
        /// What the URL allows.
        #[arg(long, value_enum, default_value_t = SignMethod::Get)]
        method: SignMethod,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        expires: u64,
    },
}

#[derive(Debug, Args)]
pub struct Transfer {
    /// Source: URL, local path, or `-` for standard input.
    pub source: String,
    /// Destination: URL, local path, or `-` for standard output.
    pub destination: String,
    /// Copy folders and prefixes with everything below them.
    #[arg(long, short)]
    pub recursive: bool,
    /// How many files to transfer at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Content type of uploaded objects (default: guessed from the name).
    #[arg(long)]
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SignMethod {
    Get,
    Put,
}

#[derive(Debug, Subcommand)]
pub enum ComputeCommand {
    /// List nodes.
    Ls,
    /// List sizes.
    Sizes,
    /// List images.
    Images,
    /// List locations.
    Locations,
    /// Create a node.
    Create {
        /// The node's name.
        name: String,
        /// Size id (see `cloud compute sizes`).
        #[arg(long)]
        size: String,
        /// Image id (see `cloud compute images`).
        #[arg(long)]
        image: String,
        /// Location id.
        #[arg(long)]
        location: Option<String>,
        /// A key pair registered with the provider.
        #[arg(long)]
        key_pair: Option<String>,
        /// A tag, `key=value` (repeatable).
        #[arg(long = "tag", value_parser = parse_pair)]
        tags: Vec<(String, String)>,
        /// Wait until it runs.
        #[arg(long)]
        wait: bool,
        /// How long to wait, in seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Destroy nodes.
    Destroy {
        /// Node ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Reboot nodes.
    Reboot {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Start stopped nodes.
    Start {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Stop running nodes.
    Stop {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Wait until nodes run.
    Wait {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Seconds to wait.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum LbCommand {
    /// List balancers.
    Ls,
    /// Create a balancer.
    Create {
        name: String,
        /// The port it listens on.
        #[arg(long)]
        port: u16,
        /// `http`, `https`, `tcp`...
        #[arg(long, default_value = "http")]
        protocol: String,
        /// `round_robin`, `least_connections`...
        #[arg(long, default_value = "round_robin")]
        algorithm: String,
        /// A member `ADDRESS:PORT`, or `node:ID[:PORT]` (repeatable).
        #[arg(long = "member")]
        members: Vec<String>,
        /// Wait until it runs.
        #[arg(long)]
        wait: bool,
    },
    /// Destroy a balancer.
    Destroy { id: String },
    /// List a balancer's members.
    Members { id: String },
    /// Add a member: `ADDRESS:PORT` or `node:ID[:PORT]`.
    Attach { id: String, member: String },
    /// Remove a member by its id.
    Detach { id: String, member_id: String },
}

#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// List zones.
    Zones,
    /// List a zone's records (zone id or domain).
    Records { zone: String },
    /// Create a zone.
    CreateZone {
        domain: String,
        /// Default TTL in seconds.
        #[arg(long)]
        ttl: Option<u32>,
        /// Contact e-mail address (some providers require one).
        #[arg(long)]
        email: Option<String>,
    },
    /// Delete a zone and its records.
    DeleteZone { zone: String },
    /// Add a record: `cloud dns add example.com www A 192.0.2.10`.
    Add {
        zone: String,
        /// Relative name; `@` for the apex.
        name: String,
        /// Record type (A, AAAA, CNAME, MX, TXT...).
        record_type: String,
        /// Data in zone-file form (`10 mail.example.com.` for MX).
        data: String,
        #[arg(long)]
        ttl: Option<u32>,
    },
    /// Remove records by name and type (and data, when several match).
    Rm {
        zone: String,
        name: String,
        record_type: String,
        data: Option<String>,
    },
    /// Write the zone as a BIND zone file.
    Export {
        zone: String,
        /// File to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Add the records of a BIND zone file (`-` for standard input).
    Import { zone: String, file: String },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set `KEY` (`provider`, `PROVIDER.region`, `PROVIDER.endpoint`,
    /// `PROVIDER.key`, `PROVIDER.secret`, `PROVIDER.option.NAME`).
    Set { key: String, value: String },
    /// Print one value.
    Get { key: String },
    /// Remove a value.
    Unset { key: String },
    /// Print the profile (secrets hidden).
    List,
    /// Print where the config file is.
    Path,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
