//! Provider-independent configuration, as the run-time registry receives it.
//!
//! Each provider crate also has its own typed builder; this struct is the
//! common denominator a command line or a config file can fill in without
//! knowing which provider it is talking to (Libcloud's `key`, `secret`,
//! `region`, `host`, plus free-form options).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// A provider option that [`ProviderConfig::option`] may carry, declared by
/// the provider next to the code that reads it. Whether its value is a
/// credential is part of the declaration, so tools that show configuration
/// (`cloud config list`) know what to hide without guessing from the name.
///
/// Its type is declared too, so an ill-typed value is refused by name
/// when the configuration is checked, before any provider code reads it.
///
/// ```
/// use cloud_core::ProviderConfig;
/// use cloud_core::config::{ConfigOption, OptionKind};
///
/// const OPTIONS: &[ConfigOption] = &[
///     ConfigOption::new("path_style", "Address buckets by path, not host name").boolean(),
///     ConfigOption::new("part_size", "Bytes per part").number().default_value("8388608"),
///     ConfigOption::secret("session_token", "Temporary session token"),
/// ];
/// assert!(ConfigOption::find(OPTIONS, "session_token").is_some_and(|o| o.is_secret()));
/// assert_eq!(OPTIONS[1].kind(), OptionKind::Number);
/// let err = ProviderConfig::new()
///     .option("part_size", "8MB")
///     .check_options("example", OPTIONS)
///     .unwrap_err();
/// assert!(err.to_string().contains("`part_size`"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigOption {
    name: &'static str,
    description: &'static str,
    secret: bool,
    kind: OptionKind,
    default: Option<&'static str>,
}

/// What values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionKind {
    /// Any text.
    Text,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Bool,
    /// A whole number.
    Number,
    /// Comma-separated values.
    List,
}

impl OptionKind {
    /// The name shown in documentation and help.
    pub const fn name(self) -> &'static str {
        match self {
            OptionKind::Text => "text",
            OptionKind::Bool => "bool",
            OptionKind::Number => "number",
            OptionKind::List => "list",
        }
    }

    /// Refuses a value this kind does not take; `shown` is how the value
    /// may appear in the error (hidden for secrets).
    fn check(self, provider: &str, name: &str, value: &str, shown: &str) -> Result<()> {
        let fits = match self {
            OptionKind::Text | OptionKind::List => true,
            OptionKind::Bool => parse_bool(value).is_some(),
            OptionKind::Number => value.parse::<u64>().is_ok(),
        };
        if fits {
            return Ok(());
        }
        let expected = match self {
            OptionKind::Bool => "true or false",
            _ => "a whole number",
        };
        Err(Error::invalid_input(format!(
            "option `{name}` of provider `{provider}` must be {expected}, not `{shown}`"
        )))
    }
}

impl OptionKind {
    /// `text` as the JSON value a provider's options struct reads.
    fn to_json(self, text: &str) -> serde_json::Value {
        match self {
            OptionKind::Text => serde_json::Value::String(text.to_owned()),
            OptionKind::Bool => serde_json::Value::Bool(parse_bool(text).unwrap_or(false)),
            OptionKind::Number => match text.trim().parse::<u64>() {
                Ok(n) => serde_json::Value::from(n),
                Err(_) => serde_json::Value::String(text.to_owned()),
            },
            OptionKind::List => serde_json::Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| serde_json::Value::String(item.to_owned()))
                    .collect(),
            ),
        }
    }
}

/// Declares a provider's options once: the serde struct its builder reads
/// them into ([`ProviderConfig::typed`]) and the [`ConfigOption`] list the
/// registry, the CLI and the generated docs use, from one list of fields
/// with their doc line, kind, default and secrecy. A default given here is
/// the only one: the generated `read(config, provider)` (through
/// [`ProviderConfig::typed_with_defaults`]) fills it in when the option is
/// not set, and `defaults()` gives the struct a builder starts from.
///
/// Kinds: `Text`, `Number`, `Bool`, `List`; `Text("USD")` and the like set
/// a default (as the text a user would type); `secret` hides a value.
///
/// ```
/// cloud_core::provider_options! {
///     /// What the builder reads.
///     #[derive(Clone)]
///     pub struct Options;
///     /// The options of provider `example`.
///     pub const CONFIG_OPTIONS;
///
///     /// Currency prices are given in
///     currency: String = Text("USD");
///     /// Seconds to wait for a change
///     change_timeout: u64 = Number("600");
///     /// Organization to act for
///     sharing_id: Option<String> = Text;
///     /// An API key
///     api_key: Option<String> = Text, secret;
/// }
///
/// let config = cloud_core::ProviderConfig::new().option("change_timeout", "30");
/// let options = Options::read(&config, "example")?;
/// assert_eq!((options.currency.as_str(), options.change_timeout), ("USD", 30));
/// assert_eq!(Options::defaults().change_timeout, 600);
/// assert_eq!(CONFIG_OPTIONS[1].default(), Some("600"));
/// assert!(CONFIG_OPTIONS[3].is_secret());
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[macro_export]
macro_rules! provider_options {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident;
        $(#[$list_meta:meta])*
        $list_vis:vis const $list:ident;
        $(
            #[doc = $doc:literal]
            $field:ident : $ty:ty = $kind:ident $(($default:literal))? $(, $secret:ident)?;
        )*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(default)]
        $vis struct $name {
            $(
                #[doc = $doc]
                $vis $field: $ty,
            )*
        }

        $(#[$list_meta])*
        $list_vis const $list: &[$crate::ConfigOption] = &[
            $(
                $crate::config::ConfigOption::declared(
                    stringify!($field),
                    $doc.trim_ascii(),
                    $crate::config::OptionKind::$kind,
                    $crate::provider_options!(@default $($default)?),
                    $crate::provider_options!(@secret $($secret)?),
                ),
            )*
        ];

        #[allow(dead_code)]
        impl $name {
            /// The options `config` sets, each other one at its declared
            /// default; an undeclared or ill-typed option is refused,
            /// naming `provider`.
            $vis fn read(config: &$crate::ProviderConfig, provider: &str) -> $crate::Result<Self> {
                config.typed_with_defaults(provider, $list)
            }

            /// Every option at its declared default.
            $vis fn defaults() -> Self {
                Self::read(&$crate::ProviderConfig::new(), "").unwrap_or_default()
            }
        }
    };
    (@default $default:literal) => { Some($default) };
    (@default) => { None };
    (@secret secret) => { true };
    (@secret) => { false };
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl ConfigOption {
    /// A text option whose value may be shown.
    pub const fn new(name: &'static str, description: &'static str) -> Self {
        ConfigOption {
            name,
            description,
            secret: false,
            kind: OptionKind::Text,
            default: None,
        }
    }

    /// An option as [`provider_options!`](crate::provider_options) declares it.
    pub const fn declared(
        name: &'static str,
        description: &'static str,
        kind: OptionKind,
        default: Option<&'static str>,
        secret: bool,
    ) -> Self {
        ConfigOption {
            name,
            description,
            secret,
            kind,
            default,
        }
    }

    /// A text option whose value is a credential: never shown.
    pub const fn secret(name: &'static str, description: &'static str) -> Self {
        ConfigOption {
            name,
            description,
            secret: true,
            kind: OptionKind::Text,
            default: None,
        }
    }

    /// This option, taking `true` or `false`.
    #[must_use]
    pub const fn boolean(mut self) -> Self {
        self.kind = OptionKind::Bool;
        self
    }

    /// This option, taking a whole number.
    #[must_use]
    pub const fn number(mut self) -> Self {
        self.kind = OptionKind::Number;
        self
    }

    /// This option, taking comma-separated values.
    #[must_use]
    pub const fn list(mut self) -> Self {
        self.kind = OptionKind::List;
        self
    }

    /// This option, with the value used when it is not set (for docs and help).
    #[must_use]
    pub const fn default_value(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    /// Refuses a value of the wrong type for this option of `provider`,
    /// naming the option (and the value, unless it is secret).
    pub fn check_value(&self, provider: &str, value: &str) -> Result<()> {
        let shown = if self.secret {
            "[redacted]".to_owned()
        } else {
            crate::error::quote(value).to_string()
        };
        self.kind.check(provider, self.name, value, &shown)
    }

    /// What values it takes.
    pub const fn kind(&self) -> OptionKind {
        self.kind
    }

    /// The value used when it is not set, if the provider documents one.
    pub const fn default(&self) -> Option<&'static str> {
        self.default
    }

    /// The option's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// What it does, in one line.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// Whether its value is a credential.
    pub const fn is_secret(&self) -> bool {
        self.secret
    }

    /// The option called `name` in `options`.
    pub fn find<'a>(options: &'a [ConfigOption], name: &str) -> Option<&'a ConfigOption> {
        options.iter().find(|o| o.name == name)
    }
}

/// What a region means to a provider ([`ProviderConfig::check_region`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionUse {
    /// The provider has no regions (Gandi LiveDNS): a region is refused.
    None,
    /// The region only picks the endpoint (CloudSigma): refused together
    /// with an endpoint.
    PicksEndpoint,
    /// The region means something with any endpoint (AWS signs with it,
    /// OpenStack picks catalog entries by it).
    Honoured,
}

/// Refuses a region a provider cannot honour, the same way for every
/// provider (builders call it too): `regions` says what a region means to
/// it. A region is never silently ignored.
///
/// ```
/// use cloud_core::config::{RegionUse, check_region};
///
/// assert!(check_region("cloudsigma", Some("zrh"), false, RegionUse::PicksEndpoint).is_ok());
/// assert!(check_region("cloudsigma", Some("zrh"), true, RegionUse::PicksEndpoint).is_err());
/// assert!(check_region("gandi", Some("eu"), false, RegionUse::None).is_err());
/// ```
pub fn check_region(
    provider: &str,
    region: Option<&str>,
    endpoint_given: bool,
    regions: RegionUse,
) -> Result<()> {
    let Some(region) = region else {
        return Ok(());
    };
    let region = crate::error::quote(region);
    match regions {
        RegionUse::None => Err(Error::invalid_input(format!(
            "{provider} has no regions: drop the region `{region}`"
        ))),
        RegionUse::PicksEndpoint if endpoint_given => Err(Error::invalid_input(format!(
            "{provider}: the region `{region}` picks the endpoint, and an endpoint is given \
             too: give one of them"
        ))),
        RegionUse::PicksEndpoint | RegionUse::Honoured => Ok(()),
    }
}

/// Credentials, region, endpoint and provider options for one driver.
///
/// ```
/// use cloud_core::ProviderConfig;
///
/// let config = ProviderConfig::new()
///     .key("AKIDEXAMPLE")
///     .secret("wJalrXUtnFEMI")
///     .region("eu-west-1")
///     .option("path_style", "true");
/// assert_eq!(config.region_str(), Some("eu-west-1"));
/// assert!(!format!("{config:?}").contains("wJalrXUtnFEMI"));
/// assert!(!format!("{config:?}").contains("AKIDEXAMPLE"));
/// ```
#[derive(Clone, Default)]
pub struct ProviderConfig {
    key: Option<Secret>,
    secret: Option<Secret>,
    region: Option<String>,
    endpoint: Option<String>,
    options: BTreeMap<String, Secret>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retries: Option<u32>,
}

impl ProviderConfig {
    /// An empty configuration: every provider falls back to its own defaults
    /// (environment variables, config files, the embedded data folder).
    pub fn new() -> Self {
        Self::default()
    }

    /// The account identifier: access key id, user name, tenant...
    #[must_use]
    pub fn key(mut self, key: impl Into<Secret>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The secret that goes with [`key`](Self::key): secret key, password, API key.
    #[must_use]
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The region or data centre.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A custom endpoint URL (S3-compatible services, local servers), or a
    /// folder for the `local` provider.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// A provider-specific option. Values are kept as [`Secret`]s because some
    /// (session tokens, passwords) are credentials.
    #[must_use]
    pub fn option(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }

    /// How long to wait for a response (headers, then each chunk of a body)
    /// before failing with [`Timeout`](crate::ErrorKind::Timeout). Every
    /// HTTP provider applies it; default 60 s.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long to wait for a connection. Default 10 s.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How many times a failed request may be retried (0: never). Default 3.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The response timeout, if set.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.timeout
    }

    /// The connect timeout, if set.
    pub fn connect_timeout_value(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// The retry count, if set.
    pub fn retries_value(&self) -> Option<u32> {
        self.retries
    }

    /// The account identifier, if set.
    pub fn key_value(&self) -> Option<&Secret> {
        self.key.as_ref()
    }

    /// The secret, if set.
    pub fn secret_value(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// The region, if set.
    pub fn region_str(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Refuses a region this provider cannot honour (see [`check_region`]).
    pub fn check_region(&self, provider: &str, regions: RegionUse) -> Result<()> {
        check_region(
            provider,
            self.region_str(),
            self.endpoint_str().is_some(),
            regions,
        )
    }

    /// The endpoint, if set.
    pub fn endpoint_str(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// A provider option, if set.
    pub fn option_value(&self, name: &str) -> Option<&Secret> {
        self.options.get(name)
    }

    /// The names of every option that was set.
    pub fn option_names(&self) -> impl Iterator<Item = &str> {
        self.options.keys().map(String::as_str)
    }

    /// Fails with [`InvalidInput`](crate::ErrorKind::InvalidInput) if an option
    /// outside `known` was set, so a typo is reported instead of ignored.
    pub fn check_options(&self, provider: &str, known: &[ConfigOption]) -> Result<()> {
        for (name, value) in &self.options {
            let Some(option) = ConfigOption::find(known, name) else {
                return Err(unknown_option(provider, name, known));
            };
            option.check_value(provider, value.expose())?;
        }
        Ok(())
    }

    /// Reads a boolean option (`true`/`false`/`1`/`0`/`yes`/`no`).
    pub fn bool_option(&self, name: &str) -> Result<Option<bool>> {
        let Some(value) = self.options.get(name) else {
            return Ok(None);
        };
        match parse_bool(value.expose()) {
            Some(v) => Ok(Some(v)),
            None => Err(Error::invalid_input(format!(
                "option `{name}` must be true or false"
            ))),
        }
    }

    /// The provider options as a typed value: every option set is checked
    /// against `known` (unknown or ill-typed ones refused by name), turned
    /// into JSON by its declared kind (a `Bool` into a boolean, a `Number`
    /// into a number, a `List` into an array of its comma-separated items,
    /// `Text` into a string) and deserialized into `T`, so a provider
    /// declares its options once, as a struct, instead of reading each by
    /// hand. Options that are not set are absent: give `T` defaults
    /// (`#[serde(default)]`). Secret options are left out of any error
    /// message; read them with [`option_value`](Self::option_value), which
    /// keeps them [`Secret`].
    ///
    /// ```
    /// use cloud_core::{ConfigOption, ProviderConfig};
    ///
    /// #[derive(serde::Deserialize, Default)]
    /// #[serde(default)]
    /// struct Options {
    ///     path_style: bool,
    ///     part_size: Option<u64>,
    ///     zones: Vec<String>,
    /// }
    ///
    /// const OPTIONS: &[ConfigOption] = &[
    ///     ConfigOption::new("path_style", "Address buckets by path").boolean(),
    ///     ConfigOption::new("part_size", "Bytes per part").number(),
    ///     ConfigOption::new("zones", "Zones to use").list(),
    /// ];
    ///
    /// let config = ProviderConfig::new()
    ///     .option("path_style", "yes")
    ///     .option("zones", "a, b");
    /// let options: Options = config.typed("example", OPTIONS)?;
    /// assert!(options.path_style);
    /// assert_eq!(options.part_size, None);
    /// assert_eq!(options.zones, ["a", "b"]);
    ///
    /// let typo = ProviderConfig::new().option("part_sise", "5");
    /// assert!(typo.typed::<Options>("example", OPTIONS).is_err());
    /// # Ok::<(), cloud_core::Error>(())
    /// ```
    pub fn typed<T: serde::de::DeserializeOwned>(
        &self,
        provider: &str,
        known: &[ConfigOption],
    ) -> Result<T> {
        self.typed_options(provider, known, false)
    }

    /// [`typed`](Self::typed), with each option that is not set at its
    /// declared default (what [`provider_options!`](crate::provider_options)
    /// structs read: the default is written once, in the declaration).
    pub fn typed_with_defaults<T: serde::de::DeserializeOwned>(
        &self,
        provider: &str,
        known: &[ConfigOption],
    ) -> Result<T> {
        self.typed_options(provider, known, true)
    }

    fn typed_options<T: serde::de::DeserializeOwned>(
        &self,
        provider: &str,
        known: &[ConfigOption],
        fill_defaults: bool,
    ) -> Result<T> {
        self.check_options(provider, known)?;
        let mut fields = serde_json::Map::new();
        for (name, value) in &self.options {
            let Some(option) = ConfigOption::find(known, name) else {
                return Err(unknown_option(provider, name, known));
            };
            fields.insert(name.clone(), option.kind.to_json(value.expose()));
        }
        // A declared default stands in for an option not given, so the
        // provider's struct sees it without writing it a second time.
        for option in known.iter().filter(|_| fill_defaults) {
            if let Some(default) = option.default
                && !fields.contains_key(option.name)
            {
                fields.insert(option.name.to_owned(), option.kind.to_json(default));
            }
        }
        serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
            // Values were checked against their kinds above, so what is left
            // is a missing field, or a provider reading an option as another
            // type than it declares. serde quotes the value in the latter;
            // it may be a secret, so only the former's text is kept.
            let text = e.to_string();
            let detail = if text.starts_with("missing field") {
                text
            } else {
                "a value does not fit the type the provider reads it as".to_owned()
            };
            Error::invalid_input(format!("options of provider `{provider}`: {detail}"))
        })
    }

    /// Reads a numeric option.
    pub fn u64_option(&self, name: &str) -> Result<Option<u64>> {
        let Some(value) = self.options.get(name) else {
            return Ok(None);
        };
        value
            .expose()
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid_input(format!("option `{name}` must be a whole number")))
    }
}

/// The error for an option `name` that `provider` does not declare.
pub fn unknown_option(provider: &str, name: &str, known: &[ConfigOption]) -> Error {
    let list = if known.is_empty() {
        "none".to_owned()
    } else {
        known.iter().map(|o| o.name).collect::<Vec<_>>().join(", ")
    };
    Error::invalid_input(format!(
        "unknown option `{}` for provider `{provider}` (known: {list})",
        crate::error::quote(name)
    ))
}

/// The process environment, or a fixed set of variables standing in for it
/// (tests). Provider crates read their native variables (`AWS_*`, `OS_*`)
/// through this.
#[derive(Clone, Default)]
pub struct Environment {
    vars: Option<std::collections::HashMap<String, String>>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Environment(process)"),
            Some(v) => write!(f, "Environment({} variables)", v.len()),
        }
    }
}

impl Environment {
    /// The real process environment.
    pub fn process() -> Self {
        Environment { vars: None }
    }

    /// A fixed set of variables.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Environment {
            vars: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// A variable, if set and not blank.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// The user's home folder (`HOME`, else `USERPROFILE`).
    pub fn home(&self) -> Option<std::path::PathBuf> {
        self.var("HOME")
            .or_else(|| self.var("USERPROFILE"))
            .map(std::path::PathBuf::from)
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("options", &self.options)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retries", &self.retries)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Typed {
        count: Option<u64>,
        on: bool,
        names: Vec<String>,
        token: Option<String>,
    }

    const TYPED: &[ConfigOption] = &[
        ConfigOption::new("count", "How many").number(),
        ConfigOption::new("on", "Whether").boolean(),
        ConfigOption::new("names", "Which").list(),
        ConfigOption::secret("token", "A credential"),
    ];

    #[test]
    fn typed_options_follow_their_declared_kinds() {
        let config = ProviderConfig::new()
            .option("count", "7")
            .option("on", "off")
            .option("names", "a,,b ")
            .option("token", "hunter2");
        let typed: Typed = config.typed("p", TYPED).unwrap();
        assert_eq!(typed.count, Some(7));
        assert!(!typed.on);
        assert_eq!(typed.names, ["a", "b"]);
        assert_eq!(typed.token.as_deref(), Some("hunter2"));
        let empty: Typed = ProviderConfig::new().typed("p", TYPED).unwrap();
        assert_eq!(empty.count, None);
    }

    #[test]
    fn ill_typed_and_unknown_options_are_refused_by_name_without_secrets() {
        let bad = ProviderConfig::new().option("count", "many");
        let err = bad.typed::<Typed>("p", TYPED).unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("count"), "{err}");
        let unknown = ProviderConfig::new().option("cuont", "1");
        let err = unknown.typed::<Typed>("p", TYPED).unwrap_err();
        assert!(err.to_string().contains("cuont"), "{err}");
        // A field of the wrong Rust type names the field, never the value.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Wrong {
            token: u64,
        }
        let secret = ProviderConfig::new().option("token", "hunter2");
        let err = secret.typed::<Wrong>("p", TYPED).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    use crate::ErrorKind;

    #[test]
    fn unknown_options_are_refused() {
        let config = ProviderConfig::new().option("regoin", "x");
        let err = config
            .check_options("memory", &[ConfigOption::new("region", "")])
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("regoin"));
    }

    #[test]
    fn ill_typed_options_are_refused_by_name() {
        const KNOWN: &[ConfigOption] = &[
            ConfigOption::new("flag", "").boolean(),
            ConfigOption::new("count", "").number(),
            ConfigOption::new("zones", "").list(),
            ConfigOption::secret("token", "").number(),
        ];
        let ok = ProviderConfig::new()
            .option("flag", "off")
            .option("count", "7")
            .option("zones", "a, b");
        ok.check_options("p", KNOWN).unwrap();
        for (name, value, expected) in [
            (
                "flag",
                "maybe",
                "option `flag` of provider `p` must be true or false, not `maybe`",
            ),
            (
                "count",
                "8MB",
                "option `count` of provider `p` must be a whole number, not `8MB`",
            ),
            ("count", "-1", "must be a whole number"),
        ] {
            let err = ProviderConfig::new()
                .option(name, value)
                .check_options("p", KNOWN)
                .unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::InvalidInput);
            assert!(err.to_string().contains(expected), "{err}");
        }
        let err = ProviderConfig::new()
            .option("token", "s3cr3t-value")
            .check_options("p", KNOWN)
            .unwrap_err();
        assert!(err.to_string().contains("[redacted]"), "{err}");
        assert!(!err.to_string().contains("s3cr3t-value"), "{err}");
    }

    #[test]
    fn option_values_are_parsed() {
        let config = ProviderConfig::new()
            .option("flag", "yes")
            .option("n", "42")
            .option("bad", "maybe");
        assert_eq!(config.bool_option("flag").unwrap(), Some(true));
        assert_eq!(config.u64_option("n").unwrap(), Some(42));
        assert!(config.bool_option("bad").is_err());
        assert_eq!(config.bool_option("missing").unwrap(), None);
    }
}
