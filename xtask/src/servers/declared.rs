//! The test servers provider crates declare in their manifests
//! (`[[package.metadata.cloud.servers]]`, see [`DeclaredServer`]): the
//! reference emulators and any real server a new provider needs, started
//! without a line of Rust in the xtask.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cloud_testkit::servers::{ServerProcess, free_port};

use super::{LocalServer, Started, apt_install, on_path, run};
use crate::metadata::DeclaredServer;
use crate::workspace_root;

/// How long a declared server may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl DeclaredServer {
    /// `template` with `{port}`, `{port2}`..., `{dir}`, `{crate}` and
    /// `{root}` filled in.
    fn fill(&self, template: &str, ports: &[u16], dir: &Path) -> String {
        let mut text = template
            .replace("{dir}", &dir.display().to_string())
            .replace("{crate}", &self.crate_dir.display().to_string())
            .replace("{root}", &workspace_root().display().to_string());
        // Highest first, so `{port1}` is not read as `{port}` + "1}".
        for (i, port) in ports.iter().enumerate().rev() {
            let key = if i == 0 {
                "{port}".to_owned()
            } else {
                format!("{{port{}}}", i + 1)
            };
            text = text.replace(&key, &port.to_string());
        }
        text
    }
}

impl LocalServer for DeclaredServer {
    fn name(&self) -> &str {
        &self.name
    }

    fn ensure_installed(&self, _cache: &Path) -> Result<(), String> {
        if self.installed.as_deref().is_none_or(on_path) {
            return Ok(());
        }
        if !self.apt.is_empty() {
            let packages: Vec<&str> = self.apt.iter().map(String::as_str).collect();
            apt_install(&packages, &format!("installing {}", self.name))?;
        }
        if !self.pip.is_empty() {
            let mut pip = Command::new("python3");
            pip.args(["-m", "pip", "install", "--quiet"])
                .args(&self.pip);
            run(pip, &format!("installing {}", self.name))?;
        }
        match &self.installed {
            Some(program) if !on_path(program) => Err(format!(
                "{}: `{program}` is still not on PATH after installing it",
                self.name
            )),
            _ => Ok(()),
        }
    }

    fn start(&self, _cache: &Path, work: &Path) -> Result<Started, String> {
        let ports = (0..self.ports)
            .map(|_| free_port().map_err(|e| format!("{}: no free port: {e}", self.name)))
            .collect::<Result<Vec<u16>, String>>()?;
        let argv: Vec<String> = self
            .command
            .iter()
            .map(|a| self.fill(a, &ports, work))
            .collect();
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]).current_dir(work);
        let process = ServerProcess::start(
            &self.name,
            command,
            ports[0],
            &work.join(format!("{}.log", self.name)),
            START_TIMEOUT,
        )?;
        let env = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), self.fill(v, &ports, work)))
            .collect();
        Ok((vec![process], env))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled() {
        let server = DeclaredServer {
            name: "x".into(),
            package: "cloud-x".into(),
            crate_dir: "/src/cloud-x".into(),
            apt: Vec::new(),
            pip: Vec::new(),
            installed: None,
            command: vec!["sh".into()],
            ports: 2,
            env: Vec::new(),
        };
        let filled = server.fill(
            "{crate}/s.sh {dir} {port} {port2}",
            &[1000, 2000],
            Path::new("/w"),
        );
        assert_eq!(filled, "/src/cloud-x/s.sh /w 1000 2000");
    }
}
