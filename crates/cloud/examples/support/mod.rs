//! Argument handling shared by the examples: `--provider NAME` with
//! `--key`, `--secret`, `--region`, `--endpoint` and `--option name=value`,
//! plus the example's own positional arguments.

use cloud::{Error, ProviderConfig, Result};

/// What the command line asked for.
pub struct Args {
    pub provider: Option<String>,
    pub config: ProviderConfig,
    pub positional: Vec<String>,
}

pub fn parse() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        provider: None,
        config: ProviderConfig::new(),
        positional: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| Error::invalid_input(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--provider" => parsed.provider = Some(value("--provider")?),
            "--key" => parsed.config = parsed.config.key(value("--key")?),
            "--secret" => parsed.config = parsed.config.secret(value("--secret")?),
            "--region" => parsed.config = parsed.config.region(value("--region")?),
            "--endpoint" => parsed.config = parsed.config.endpoint(value("--endpoint")?),
            "--option" => {
                let pair = value("--option")?;
                let (name, v) = pair
                    .split_once('=')
                    .ok_or_else(|| Error::invalid_input("--option takes name=value"))?;
                parsed.config = parsed.config.option(name, v);
            }
            "--help" | "-h" => {
                eprintln!(
                    "options: --provider NAME [--key K] [--secret S] [--region R] [--endpoint URL] [--option name=value]..."
                );
                std::process::exit(0);
            }
            other if other.starts_with("--") => {
                return Err(Error::invalid_input(format!("unknown flag {other}")));
            }
            _ => parsed.positional.push(arg),
        }
    }
    Ok(parsed)
}

/// Ends the process with the error on one line, as a command-line tool should.
pub fn exit_on_error(result: Result<()>) {
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
