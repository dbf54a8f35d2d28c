//! One SSH connection to a node, and running steps over it.
//!
//! Connecting retries until a deadline because a node reported `running` is
//! often still booting: the port refuses, then accepts but closes, then
//! answers. A refused host key or a refused login is final and never
//! retried. Every step is one `exec` whose input (a file, a script) is
//! streamed while its output is read, so neither side can fill the other's
//! window and stall, and memory stays bounded by the output tails.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client::Handle;
use tokio::io::AsyncReadExt;

use crate::auth::SshAuth;
use crate::error::DeployError;
use crate::host_key::Client;
use crate::options::SshOptions;
use crate::shell::{env_prefix, quote, with_sudo};
use crate::step::{Action, Source, Step, StepOutcome, StepResult};
use crate::tail::OutputTail;

/// How much of an uploaded file is read at a time.
const UPLOAD_BUFFER: usize = 256 * 1024;

/// A logged-in SSH connection.
pub struct SshSession {
    handle: Handle<Client>,
    address: String,
    tail: usize,
}

impl std::fmt::Debug for SshSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshSession")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl SshSession {
    /// Connects to `host:port` (retrying until `options`' connect timeout),
    /// checks its host key and logs in with the options' credentials, then
    /// with `fallback` (such as a password the provider returned).
    pub async fn connect(
        host: &str,
        port: u16,
        options: &SshOptions,
        fallback: &[SshAuth],
    ) -> Result<SshSession, DeployError> {
        let address = format!("{host}:{port}");
        let mut handle = handshake(host, port, options).await?;
        let mut tried = Vec::new();
        let mut refused = false;
        let mut local_error = None;
        for auth in options.credentials().iter().chain(fallback) {
            match auth.try_login(&mut handle, &options.user).await {
                Ok(true) => {
                    tracing::debug!(%address, user = %options.user, method = %auth.describe(), "logged in");
                    return Ok(SshSession {
                        handle,
                        address,
                        tail: options.output_tail,
                    });
                }
                Ok(false) => {
                    refused = true;
                    tried.push(auth.describe());
                }
                // A key that cannot be read or an agent that cannot be
                // reached does not stop the next credential from being tried.
                Err(
                    e @ (DeployError::Key { .. }
                    | DeployError::LocalFile { .. }
                    | DeployError::Agent(_)),
                ) => {
                    tried.push(format!("{} (unusable: {e})", auth.describe()));
                    local_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        // Nothing reached the server: the local problem is the one to fix.
        if let (false, Some(e)) = (refused, local_error) {
            return Err(e);
        }
        Err(DeployError::Authentication {
            user: options.user.clone(),
            tried,
        })
    }

    /// `host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Runs one step. `Ok` carries its result whether it succeeded or not;
    /// `Err` means the step could not be run at all.
    pub async fn run(&self, step: &Step) -> Result<StepResult, DeployError> {
        step.validate()?;
        let started = Instant::now();
        let (command, input) = command_for(step).await?;
        let span = tracing::info_span!("step", name = %step.name(), address = %self.address);
        let _enter = span.enter();
        let exec = self.exec(&command, input, step.timeout).await?;
        Ok(StepResult {
            name: step.name(),
            outcome: exec.outcome,
            stdout_bytes: exec.stdout.total(),
            stderr_bytes: exec.stderr.total(),
            stdout_tail: exec.stdout.into_text(),
            stderr_tail: exec.stderr.into_text(),
            duration: started.elapsed(),
        })
    }

    /// Runs a command line with `input` as its standard input.
    async fn exec(
        &self,
        command: &str,
        input: Option<Input>,
        timeout: Option<Duration>,
    ) -> Result<Exec, DeployError> {
        let channel =
            self.handle.channel_open_session().await.map_err(|e| {
                DeployError::Ssh(format!("opening a channel on {}: {e}", self.address))
            })?;
        channel.exec(true, command).await.map_err(|e| {
            DeployError::Ssh(format!("starting a command on {}: {e}", self.address))
        })?;
        let (mut reader, writer) = channel.split();
        let mut stdout = OutputTail::new(self.tail);
        let mut stderr = OutputTail::new(self.tail);
        let mut status = None;
        let mut signal = None;

        let writer = &writer;
        let feed = async move {
            match input {
                Some(Input::File(file)) => {
                    // Large reads, so the channel sends full packets rather
                    // than tokio::io::copy's 8 KiB pieces.
                    let mut file = tokio::io::BufReader::with_capacity(UPLOAD_BUFFER, file);
                    let mut channel = writer.make_writer();
                    tokio::io::copy_buf(&mut file, &mut channel).await?;
                    tokio::io::AsyncWriteExt::flush(&mut channel).await?;
                }
                Some(Input::Bytes(bytes)) => writer.data(bytes.as_slice()).await?,
                None => {}
            }
            writer.eof().await
        };
        let drain = async {
            tokio::pin!(feed);
            let mut fed = false;
            let mut feed_error = None;
            loop {
                tokio::select! {
                    done = &mut feed, if !fed => {
                        fed = true;
                        if let Err(e) = done {
                            feed_error = Some(e);
                        }
                    }
                    message = reader.wait() => match message {
                        Some(ChannelMsg::Data { data }) => stdout.push(&data),
                        Some(ChannelMsg::ExtendedData { data, ext: 1 }) => stderr.push(&data),
                        Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                        Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                            signal = Some(format!("{signal_name:?}"));
                        }
                        Some(ChannelMsg::Failure) => {
                            return Err(DeployError::Ssh(format!(
                                "{} refused to run the command",
                                self.address
                            )));
                        }
                        Some(ChannelMsg::Close) | None => break,
                        Some(_) => {}
                    },
                }
            }
            // The input stopped early only if the command ended without
            // reading it all, which its status reports; an error feeding a
            // command that then succeeded would be a lost upload.
            match feed_error {
                Some(e) if status == Some(0) => Err(DeployError::Ssh(format!(
                    "sending input to {}: {e}",
                    self.address
                ))),
                _ => Ok(()),
            }
        };
        let timed_out = match timeout {
            Some(limit) => match tokio::time::timeout(limit, drain).await {
                Ok(result) => {
                    result?;
                    false
                }
                Err(_) => true,
            },
            None => {
                drain.await?;
                false
            }
        };
        if timed_out {
            // Left alone, the command would run on after its step failed:
            // ask sshd to signal it, then close the channel (a shell waiting
            // on a child dies of the TERM, so nothing after it runs).
            let _ = writer.signal(russh::Sig::TERM).await;
            let _ = writer.close().await;
        }
        let outcome = if timed_out {
            StepOutcome::TimedOut
        } else if let Some(status) = status {
            StepOutcome::Exited { status }
        } else if let Some(signal) = signal {
            StepOutcome::Signalled { signal }
        } else {
            StepOutcome::NoStatus
        };
        Ok(Exec {
            outcome,
            stdout,
            stderr,
        })
    }

    /// Closes the connection politely.
    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}

struct Exec {
    outcome: StepOutcome,
    stdout: OutputTail,
    stderr: OutputTail,
}

enum Input {
    File(tokio::fs::File),
    Bytes(Vec<u8>),
}

/// Retries the TCP connect and SSH handshake until the deadline; a refused
/// host key ends it at once.
async fn handshake(
    host: &str,
    port: u16,
    options: &SshOptions,
) -> Result<Handle<Client>, DeployError> {
    let config = Arc::new(russh::client::Config {
        inactivity_timeout: Some(Duration::from_secs(3600)),
        keepalive_interval: Some(Duration::from_secs(30)),
        ..Default::default()
    });
    let started = Instant::now();
    let deadline = started + options.connect_timeout;
    let mut backoff = Duration::from_millis(250);
    loop {
        let refusal = Arc::new(Mutex::new(None));
        let client = Client {
            policy: options.host_keys.clone(),
            host: host.to_owned(),
            port,
            refusal: refusal.clone(),
        };
        let attempt = async {
            let stream = tokio::net::TcpStream::connect((host, port)).await?;
            stream.set_nodelay(true)?;
            russh::client::connect_stream(config.clone(), stream, client)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))
        };
        // The deadline is a deadline: no attempt runs past it.
        let limit = options
            .attempt_timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let error = match tokio::time::timeout(limit, attempt).await {
            Ok(Ok(handle)) => return Ok(handle),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {limit:?}"),
        };
        if let Some(refused) = refusal.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(refused);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(DeployError::Unreachable {
                address: format!("{host}:{port}"),
                waited: started.elapsed(),
                last_error: error,
            });
        }
        tracing::debug!(host, port, error = %error, "SSH not reachable yet; retrying");
        let wait = jittered(backoff).min(deadline - now);
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Between half and all of `base`, so many deployments started together
/// do not knock in step.
fn jittered(base: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let half = base / 2;
    half + Duration::from_nanos(random % (half.as_nanos().max(1) as u64))
}

/// The command line a step runs, and what to feed it.
async fn command_for(step: &Step) -> Result<(String, Option<Input>), DeployError> {
    let env = env_prefix(&step.env)?;
    match &step.action {
        Action::InstallKey { public_key } => {
            let key = quote(public_key)?;
            let script = format!(
                "umask 077 && mkdir -p \"$HOME/.ssh\" && f=\"$HOME/.ssh/authorized_keys\" && touch \"$f\" || exit 1\n\
                 if grep -qxF {key} \"$f\"; then echo 'key already installed'; exit 0; fi\n\
                 {{ if [ -s \"$f\" ] && [ -n \"$(tail -c 1 \"$f\")\" ]; then echo; fi; printf '%s\\n' {key}; }} >> \"$f\" && echo 'key installed'\n"
            );
            Ok((with_sudo(&script, step.sudo)?, None))
        }
        Action::Upload {
            source,
            destination,
            mode,
            owner,
        } => {
            let (input, size) = open(source).await?;
            let dest = quote(destination)?;
            let chown = match owner {
                Some(owner) => format!(" && chown {} \"$t\"", quote(owner)?),
                None => String::new(),
            };
            let script = format!(
                "d=$(dirname {dest}) && t=$(mktemp \"$d/.cloud-upload.XXXXXX\") || exit 1\n\
                 if cat > \"$t\" && [ \"$(wc -c < \"$t\" | tr -d ' ')\" = {size} ] && chmod {mode:o} \"$t\"{chown} && mv -f \"$t\" {dest}; then exit 0; fi\n\
                 rm -f \"$t\"; echo 'upload to '{dest}' failed or arrived incomplete' >&2; exit 1\n"
            );
            Ok((with_sudo(&script, step.sudo)?, Some(input)))
        }
        Action::Script { source, args } => {
            let (input, size) = open(source).await?;
            let shebang = starts_with_shebang(source).await?;
            let mut run = String::new();
            if step.sudo {
                run.push_str("sudo -n ");
            }
            run.push_str(&env);
            if !shebang {
                run.push_str("sh ");
            }
            run.push_str("\"$t\"");
            for arg in args {
                run.push(' ');
                run.push_str(&quote(arg)?);
            }
            let script = format!(
                "t=$(mktemp \"${{TMPDIR:-/tmp}}/cloud-script.XXXXXX\") || exit 1\n\
                 if ! cat > \"$t\" || [ \"$(wc -c < \"$t\" | tr -d ' ')\" != {size} ]; then rm -f \"$t\"; echo 'script arrived incomplete' >&2; exit 1; fi\n\
                 chmod 700 \"$t\"\n\
                 {run}\n\
                 s=$?\n\
                 rm -f \"$t\"\n\
                 exit $s\n"
            );
            Ok((script, Some(input)))
        }
        Action::Command { command } => {
            let line = if step.sudo || !env.is_empty() {
                let sudo = if step.sudo { "sudo -n " } else { "" };
                format!("{sudo}{env}sh -c {}", quote(command)?)
            } else {
                command.clone()
            };
            Ok((line, None))
        }
    }
}

async fn open(source: &Source) -> Result<(Input, u64), DeployError> {
    match source {
        Source::Inline(bytes) => Ok((Input::Bytes(bytes.clone()), bytes.len() as u64)),
        Source::File(path) => {
            let local = |source| DeployError::LocalFile {
                path: path.clone(),
                source,
            };
            let file = tokio::fs::File::open(path).await.map_err(local)?;
            let size = file.metadata().await.map_err(local)?.len();
            Ok((Input::File(file), size))
        }
    }
}

async fn starts_with_shebang(source: &Source) -> Result<bool, DeployError> {
    match source {
        Source::Inline(bytes) => Ok(bytes.starts_with(b"#!")),
        Source::File(path) => {
            let local = |source| DeployError::LocalFile {
                path: path.clone(),
                source,
            };
            let mut file = tokio::fs::File::open(path).await.map_err(local)?;
            let mut head = [0u8; 2];
            let mut read = 0;
            while read < 2 {
                let n = file.read(&mut head[read..]).await.map_err(local)?;
                if n == 0 {
                    break;
                }
                read += n;
            }
            Ok(&head[..read] == b"#!")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that sends its greeting and then nothing: the connect
    /// deadline ends the wait, even inside a longer attempt.
    #[tokio::test]
    async fn the_connect_deadline_cuts_an_attempt_short() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                use tokio::io::AsyncWriteExt;
                let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
                held.push(stream);
            }
        });
        let options = SshOptions::new("root")
            .connect_timeout(Duration::from_millis(1500))
            .attempt_timeout(Duration::from_secs(10));
        let started = Instant::now();
        let err = handshake("127.0.0.1", port, &options).await.err().unwrap();
        let took = started.elapsed();
        assert!(matches!(err, DeployError::Unreachable { .. }), "{err}");
        assert!(
            took >= Duration::from_millis(1500) && took < Duration::from_millis(2500),
            "{took:?}"
        );
    }

    /// The upload command, run by a local `sh` and fed fewer bytes than
    /// announced (a connection dropped mid-upload): the destination keeps
    /// its old contents and no temporary file is left.
    #[tokio::test]
    async fn a_short_upload_leaves_the_destination_as_it_was() {
        let dir = std::env::temp_dir().join(format!("cloud-deploy-short-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("conf");
        std::fs::write(&dest, "old").unwrap();
        let step = Step::upload_bytes("hello world", dest.to_str().unwrap());
        let (command, _) = command_for(&step).await.unwrap();
        let run = |input: &'static [u8]| {
            let mut child = std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .stdin(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input).unwrap();
            child.wait().unwrap()
        };
        assert!(!run(b"hello").success());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(run(b"hello world").success());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello world");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
