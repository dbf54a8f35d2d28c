//! A forward HTTP proxy on loopback, as a corporate proxy behaves: `CONNECT`
//! tunnels for HTTPS, absolute-form requests for plain HTTP, and optionally
//! `Proxy-Authorization: Basic` required (407 without it). It records what
//! it was asked, so a test can prove traffic went through it.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request the proxy received: `CONNECT host:port` or `GET http://...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The request line's method.
    pub method: String,
    /// The request line's target.
    pub target: String,
    /// The `Proxy-Authorization` header, if sent.
    pub authorization: Option<String>,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct HttpProxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HttpProxy {
    /// Starts on a free loopback port; with `required`, only requests
    /// carrying exactly that `Proxy-Authorization` value are served.
    pub async fn start(required: Option<String>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let log = log.clone();
                let required = required.clone();
                tokio::spawn(async move {
                    let _ = serve(client, log, required).await;
                });
            }
        });
        Ok(HttpProxy { port, seen, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Reads up to the end of the request head; returns it and any bytes after.
async fn read_head(client: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return Ok((String::from_utf8_lossy(&buffer).into_owned(), rest));
        }
        if buffer.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}

async fn serve(
    mut client: TcpStream,
    log: Arc<Mutex<Vec<Seen>>>,
    required: Option<String>,
) -> std::io::Result<()> {
    let (head, rest) = read_head(&mut client).await?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let version = parts.next().unwrap_or("HTTP/1.1").to_owned();
    let headers: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let authorization = headers.iter().find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    log.lock().unwrap_or_else(|p| p.into_inner()).push(Seen {
        method: method.clone(),
        target: target.clone(),
        authorization: authorization.clone(),
    });
    if required.is_some() && authorization != required {
        client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await?;
        return Ok(());
    }
    if method == "CONNECT" {
        let mut upstream = TcpStream::connect(&target).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    // Absolute form: http://host:port/path -> connect, send origin form.
    let Some(without_scheme) = target.strip_prefix("http://") else {
        client
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    };
    let (authority, path) = match without_scheme.find('/') {
        Some(i) => (&without_scheme[..i], &without_scheme[i..]),
        None => (without_scheme, "/"),
    };
    let mut upstream = TcpStream::connect(authority).await?;
    let mut forwarded = format!("{method} {path} {version}\r\n");
    for header in &headers {
        let name = header.split(':').next().unwrap_or_default();
        if !name.eq_ignore_ascii_case("proxy-authorization")
            && !name.eq_ignore_ascii_case("connection")
        {
            forwarded.push_str(header);
            forwarded.push_str("\r\n");
        }
    }
    // One request per connection, so every request is seen and logged.
    forwarded.push_str("connection: close\r\n\r\n");
    upstream.write_all(forwarded.as_bytes()).await?;
    upstream.write_all(&rest).await?;
    // The body, by its length (chunked bodies are not needed by the tests).
    let length: usize = headers
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    if length > rest.len() {
        let mut body = vec![0u8; length - rest.len()];
        client.read_exact(&mut body).await?;
        upstream.write_all(&body).await?;
    }
    // The whole answer, told to the client as the connection's last.
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await?;
    if let Some(line_end) = answer.windows(2).position(|w| w == b"\r\n") {
        answer.splice(
            line_end + 2..line_end + 2,
            b"connection: close\r\n".iter().copied(),
        );
    }
    client.write_all(&answer).await?;
    client.shutdown().await?;
    Ok(())
}
