//! The command line, declared with clap.

use std::path::PathBuf;
use std::time::Duration;

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
    /// How long to wait for a provider's answer (and for each chunk of a
    /// body) before failing: `30s`, `2m`, `500ms`. Default 60s; profile key
    /// `timeout`.
    #[arg(long, global = true, env = "CLOUD_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// How long to wait for a connection. Default 10s; profile key
    /// `connect_timeout`.
    #[arg(long, global = true, env = "CLOUD_CONNECT_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// How many times a failed request is retried (0: never). Default 3;
    /// profile key `retries`.
    #[arg(long, global = true, env = "CLOUD_RETRIES", value_name = "N")]
    pub retries: Option<u32>,
}

/// A duration: a number of seconds, or with a unit: `500ms`, `30s`, `5m`,
/// `2h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: use 30s, 5m, 2h, 7d or 500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit: use ms, s, m, h or d"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

/// A byte count: a number, or with a unit: `8MiB`, `64M`, `1G`, `512k`
/// (binary units; `MB`, `GB` are decimal).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: use 8MiB, 64M, 1G or a number of bytes"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit: use k, M, G (or KiB, MiB, GiB)"
            ));
        }
    };
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))
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
    /// Remove an object, or everything under a prefix with `--recursive`
    /// (with the unfinished uploads under it). A Swift large object's
    /// segments go with it.
    Rm {
        /// `PROVIDER://container/key`.
        url: String,
        #[arg(long, short)]
        recursive: bool,
        /// Keep the segments of Swift large objects (as `swift delete --leave-segments`).
        #[arg(long)]
        leave_segments: bool,
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
    /// Unfinished uploads a killed process left (S3 multipart uploads,
    /// Swift segments no manifest references), and aborting them.
    #[command(subcommand)]
    Uploads(UploadsCommand),
    /// Remove temporary files that killed transfers left: the embedded
    /// store's staged uploads and `.NAME.cloud-partial-*` downloads in the
    /// folders given (default: the embedded store only). Files whose writer
    /// is still running are kept.
    Clean {
        /// Local folders to clean of partial downloads, or `local://`.
        targets: Vec<String>,
    },
    /// Set a Swift account's temporary-URL key (for `storage sign`).
    SetTempUrlKey {
        /// `openstack://` or `rackspace://`.
        url: String,
        /// The key; `-` reads it from standard input (keeps it out of the
        /// process list and shell history).
        #[arg(value_name = "KEY")]
        temp_url_key: String,
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
    /// User metadata of uploaded objects, `key=value` (repeatable).
    #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub metadata: Vec<(String, String)>,
    /// Part size of multipart uploads (`8MiB`, `64M`).
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub part_size: Option<u64>,
    /// Uploads above this size go in parts (`64MiB`).
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub multipart_threshold: Option<u64>,
    /// Downloads: turn object names that would leave the destination
    /// folder (absolute, `..`, empty segments, drive letters) into safe
    /// local names instead of refusing them.
    #[arg(long)]
    pub sanitize_names: bool,
}

#[derive(Debug, Subcommand)]
pub enum UploadsCommand {
    /// List unfinished uploads under `PROVIDER://container[/prefix]`.
    Ls { url: String },
    /// Abort unfinished uploads under `PROVIDER://container[/prefix]`,
    /// deleting their parts.
    Abort {
        url: String,
        /// Only uploads begun at least this long ago (`1h`, `7d`), so
        /// uploads still running elsewhere are left alone.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        older_than: Option<Duration>,
        /// Only the upload with this id.
        #[arg(long)]
        id: Option<String>,
    },
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
    /// One node.
    Show { id: String },
    /// Block-storage volumes.
    #[command(subcommand)]
    Volumes(VolumeCommand),
    /// Volume snapshots.
    #[command(subcommand)]
    Snapshots(SnapshotCommand),
    /// SSH key pairs registered with the provider.
    #[command(subcommand)]
    KeyPairs(KeyPairCommand),
    /// List sizes.
    Sizes,
    /// List images.
    Images,
    /// List locations.
    Locations,
    /// Create a node.
    Create {
        #[command(flatten)]
        node: NewNode,
        /// Wait until it runs.
        #[arg(long)]
        wait: bool,
        /// How long to wait for it to run (`10m`, `90s`).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        wait_timeout: Duration,
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
        /// How long to wait (`10m`, `90s`).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        wait_timeout: Duration,
    },
    /// Create a node, wait for it, log in over SSH and run steps on it.
    ///
    /// Steps run in this order: --install-key, --file, --script, --run.
    #[cfg(feature = "deploy")]
    Deploy {
        #[command(flatten)]
        node: NewNode,
        /// Destroy the node if a step fails (default: keep it to look at).
        #[arg(long)]
        destroy_on_failure: bool,
        /// How long to wait for it to run (`10m`, `90s`).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        wait_timeout: Duration,
        #[command(flatten)]
        steps: Box<DeployArgs>,
    },
    /// Run deployment steps over SSH on an existing node.
    ///
    /// Steps run in this order: --install-key, --file, --script, --run.
    #[cfg(feature = "deploy")]
    Run {
        /// The node's id.
        id: String,
        /// How long to wait for it to run (`10m`, `90s`).
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        wait_timeout: Duration,
        #[command(flatten)]
        steps: Box<DeployArgs>,
    },
}

/// The node `compute create` and `compute deploy` make.
#[derive(Debug, clap::Args)]
pub struct NewNode {
    /// The node's name.
    pub name: String,
    /// Size id (see `cloud compute sizes`).
    #[arg(long)]
    pub size: String,
    /// Image id (see `cloud compute images`).
    #[arg(long)]
    pub image: String,
    /// Location id.
    #[arg(long)]
    pub location: Option<String>,
    /// A key pair registered with the provider (installed on the node).
    #[arg(long)]
    pub key_pair: Option<String>,
    /// A tag, `key=value` (repeatable).
    #[arg(long = "tag", value_parser = parse_pair)]
    pub tags: Vec<(String, String)>,
}

/// How to log in to a node and what to run there.
#[cfg(feature = "deploy")]
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The login user.
    #[arg(long, default_value = "root")]
    pub user: String,
    /// The SSH port (default: the one the provider reports, else 22).
    #[arg(long)]
    pub ssh_port: Option<u16>,
    /// A private key to log in with (repeatable; default: the SSH agent and
    /// ~/.ssh/id_ed25519, id_ecdsa, id_rsa). An encrypted key's passphrase
    /// is read from CLOUD_SSH_KEY_PASSPHRASE.
    #[arg(long = "ssh-key", value_name = "FILE")]
    pub ssh_keys: Vec<std::path::PathBuf>,
    /// Log in with the keys of the SSH agent at $SSH_AUTH_SOCK.
    #[arg(long)]
    pub agent: bool,
    /// Log in with the password in this environment variable (never on the
    /// command line, where other users could read it).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Trust host keys in this file instead of ~/.ssh/known_hosts.
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<std::path::PathBuf>,
    /// Trust a host not yet in known_hosts and record its key (a changed key is still refused).
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Trust only the host key with this fingerprint (`SHA256:...`).
    #[arg(long, value_name = "FINGERPRINT", conflicts_with_all = ["known_hosts", "accept_new_host_key"])]
    pub host_key_fingerprint: Option<String>,
    /// How long to keep trying to reach SSH (`5m`, `90s`).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub ssh_timeout: Duration,
    /// Append this public key file to the user's authorized_keys (repeatable).
    #[arg(long = "install-key", value_name = "FILE.pub")]
    pub install_keys: Vec<std::path::PathBuf>,
    /// Upload a local file, `SRC:DST` (repeatable).
    #[arg(long = "file", value_name = "SRC:DST", value_parser = parse_upload)]
    pub files: Vec<(std::path::PathBuf, String)>,
    /// Run a local script file on the node (repeatable).
    #[arg(long = "script", value_name = "FILE")]
    pub scripts: Vec<std::path::PathBuf>,
    /// Run a command on the node (repeatable).
    #[arg(long = "run", value_name = "CMD")]
    pub commands: Vec<String>,
    /// Run scripts and commands as root through sudo.
    #[arg(long)]
    pub sudo: bool,
    /// Fail a step that runs longer than this (`10m`, `90s`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub step_timeout: Option<Duration>,
}

/// `SRC:DST` for uploads (the last `:` splits, so DST holds none).
#[cfg(feature = "deploy")]
pub fn parse_upload(text: &str) -> Result<(std::path::PathBuf, String), String> {
    match text.rsplit_once(':') {
        Some((src, dst)) if !src.is_empty() && !dst.is_empty() => {
            Ok((std::path::PathBuf::from(src), dst.to_owned()))
        }
        _ => Err(format!("`{text}` is not SRC:DST")),
    }
}

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// List volumes.
    Ls,
    /// Create a volume.
    Create {
        name: String,
        /// Size in GB.
        #[arg(long)]
        size: u32,
        /// Location id.
        #[arg(long)]
        location: Option<String>,
        /// Snapshot to create it from.
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// Destroy a volume.
    Destroy { id: String },
    /// Attach a volume to a node.
    Attach {
        volume: String,
        node: String,
        /// Device name (`/dev/sdf`), where the provider takes one.
        #[arg(long)]
        device: Option<String>,
    },
    /// Detach a volume.
    Detach { volume: String },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// List snapshots.
    Ls,
    /// Snapshot a volume.
    Create {
        volume: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Destroy a snapshot.
    Destroy { id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeyPairCommand {
    /// List key pairs.
    Ls,
    /// One key pair.
    Show { name: String },
    /// Have the provider generate a key pair; its private key is written to
    /// `--output` (mode 0600), never to the terminal.
    Create {
        name: String,
        #[arg(long)]
        output: PathBuf,
    },
    /// Register a public key (OpenSSH format) from a file, or `-`.
    Import { name: String, file: String },
    /// Delete a key pair.
    Destroy { name: String },
}

#[derive(Debug, Subcommand)]
pub enum LbCommand {
    /// List balancers.
    Ls,
    /// One balancer.
    Show { id: String },
    /// The protocols the provider's balancers speak.
    Protocols,
    /// The balancing algorithms the provider offers.
    Algorithms,
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
    /// One record.
    #[command(subcommand)]
    Record(RecordCommand),
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
    Import {
        zone: String,
        file: String,
        /// Create the zone (ZONE is then its domain) if it does not exist.
        #[arg(long)]
        create: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// A record by id.
    Show { zone: String, id: String },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set `KEY` (`provider`, `PROVIDER.region`, `PROVIDER.endpoint`,
    /// `PROVIDER.key`, `PROVIDER.secret`, `PROVIDER.option.NAME`).
    Set {
        #[arg(value_name = "KEY")]
        name: String,
        value: String,
    },
    /// Print one value.
    Get {
        #[arg(value_name = "KEY")]
        name: String,
    },
    /// Remove a value.
    Unset {
        #[arg(value_name = "KEY")]
        name: String,
    },
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

    /// A subcommand argument with a global flag's id would silently take
    /// that flag's value (`set-temp-url-key URL KEY` once replaced `--key`).
    #[test]
    fn no_subcommand_argument_shadows_a_global_flag() {
        fn walk(command: &clap::Command, globals: &[String], path: &str) {
            for arg in command.get_arguments() {
                if !arg.is_global_set() {
                    let id = arg.get_id().as_str();
                    assert!(
                        !globals.iter().any(|g| g == id),
                        "`{path}` argument `{id}` shadows a global flag"
                    );
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, globals, &format!("{path} {}", sub.get_name()));
            }
        }
        let root = super::Cli::command();
        let globals: Vec<String> = root
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().as_str().to_owned())
            .collect();
        for sub in root.get_subcommands() {
            walk(sub, &globals, sub.get_name());
        }
    }
}
