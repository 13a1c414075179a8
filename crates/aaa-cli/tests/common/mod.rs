//! Helpers shared by the process-level tests of `aaa serve`: a temporary directory, signing
//! (with `ring` directly), a running `aaa serve` child and a small blocking HTTP client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

pub(crate) const SECRET: &str = "cli-test-consumer-secret-9Fq2";
pub(crate) const SIG: &str = "x-twitter-webhooks-signature";

pub(crate) fn sign_with(secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, body);
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    )
}

pub(crate) fn sign(body: &[u8]) -> String {
    sign_with(SECRET.as_bytes(), body)
}

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "aaa-cli-{name}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    pub(crate) fn arg(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/payloads")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A one-tweet envelope for `user` with its own id (so its own dedupe key).
pub(crate) fn tweet(user: &str, id: u64, text: &str) -> Vec<u8> {
    serde_json::json!({
        "for_user_id": user,
        "tweet_create_events": [{
            "created_at": "Wed Oct 10 20:19:24 +0000 2018",
            "id": id,
            "id_str": id.to_string(),
            "text": text,
            "user": {"id": 6_253_282, "id_str": "6253282", "screen_name": "someone"}
        }]
    })
    .to_string()
    .into_bytes()
}

/// A running `aaa serve`.
pub(crate) struct Serve {
    pub(crate) child: Child,
    /// Every `aaa: listening on ...` URL, in order.
    pub(crate) urls: Vec<String>,
    /// The address, parsed from the first URL.
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    stdout: Option<mpsc::Receiver<String>>,
}

/// Starts `aaa serve ARGS` and waits (bounded) for `listeners` listening lines on stderr.
pub(crate) fn spawn_serve(
    args: &[&str],
    env: &[(&str, &str)],
    listeners: usize,
    capture_stdout: bool,
) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaa"));
    cmd.arg("serve")
        .args(args)
        .env_remove("AAA_CONSUMER_SECRET")
        .env_remove("RUST_LOG")
        .env("AAA_LOG", "info")
        .stdin(Stdio::null())
        .stdout(if capture_stdout {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn aaa serve");
    let stderr = Arc::new(Mutex::new(String::new()));
    let (line_tx, line_rx) = mpsc::channel();
    {
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                stderr.lock().unwrap().push_str(&line);
                stderr.lock().unwrap().push('\n');
                let _ = line_tx.send(line);
            }
        });
    }
    let stdout = child.stdout.take().map(|pipe| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut urls = Vec::new();
    while urls.len() < listeners {
        let left = deadline.saturating_duration_since(Instant::now());
        match line_rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("aaa: listening on ") {
                    urls.push(url.to_owned());
                }
            }
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "aaa serve did not report {listeners} listener(s) ({e}, {status:?}); stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        }
    }
    let addr = parse_addr(&urls[0]);
    Serve {
        child,
        urls,
        addr,
        stderr,
        stdout,
    }
}

/// `http://127.0.0.1:PORT/path` -> `127.0.0.1:PORT`.
pub(crate) fn parse_addr(url: &str) -> SocketAddr {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or_else(|| panic!("no scheme in {url:?}"));
    let host = rest.split('/').next().unwrap();
    host.parse()
        .unwrap_or_else(|e| panic!("{e}: address {host:?} in {url:?}"))
}

impl Serve {
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit.
    pub(crate) fn wait(&mut self, bound: Duration) -> ExitStatus {
        let deadline = Instant::now() + bound;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "aaa serve did not exit within {bound:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, then the exit status (bounded).
    pub(crate) fn stop(&mut self) -> ExitStatus {
        self.terminate();
        self.wait(Duration::from_secs(15))
    }

    /// The next line on stdout (needs `capture_stdout`), or `None` after `bound`.
    pub(crate) fn stdout_line(&self, bound: Duration) -> Option<String> {
        self.stdout.as_ref().unwrap().recv_timeout(bound).ok()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// Writes one request (with `connection: close`) and reads the response to EOF.
pub(crate) fn exchange(
    stream: &mut (impl Read + Write),
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = std::fmt::Write::write_fmt(&mut req, format_args!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut wire = req.into_bytes();
    wire.extend_from_slice(body);
    stream.write_all(&wire)?;
    stream.flush()?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf)?;
    parse_reply(&buf)
}

pub(crate) fn parse_reply(buf: &[u8]) -> std::io::Result<Reply> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no complete response head"))?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let reply = Reply {
        status,
        head,
        body: buf[end + 4..].to_vec(),
    };
    if let Some(len) = reply.header("content-length") {
        if len.parse::<usize>().ok() != Some(reply.body.len()) {
            return Err(bad("truncated body"));
        }
    }
    Ok(reply)
}

/// One request on a fresh connection, bounded in time.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    exchange(&mut s, method, path, headers, body)
}

/// A signed POST of `body` to `path`.
pub(crate) fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Reply {
    let sig = sign(body);
    request(addr, "POST", path, &[(SIG, &sig)], body).expect("POST")
}

pub(crate) fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], b"").expect("GET")
}

/// Runs `aaa ARGS` to completion (bounded) and returns (exit code, stdout, stderr); see
/// [`aaa_env`].
pub(crate) fn aaa(args: &[&str]) -> (Option<i32>, String, String) {
    aaa_env(args, &[])
}

/// A signed POST of `body` to `path` that may fail (the server may be gone).
pub(crate) fn post_result(addr: SocketAddr, path: &str, body: &[u8]) -> std::io::Result<Reply> {
    let sig = sign(body);
    request(addr, "POST", path, &[(SIG, &sig)], body)
}

/// A running `aaa emulate` and the summary line it printed first.
pub(crate) struct Emulate {
    pub(crate) child: Child,
    pub(crate) summary: serde_json::Value,
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

/// Starts `aaa emulate --listen 127.0.0.1:0 ARGS` and reads (bounded) its first stdout line.
pub(crate) fn spawn_emulate(args: &[&str]) -> Emulate {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aaa"))
        .args(["emulate", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("RUST_LOG")
        .env("AAA_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn aaa emulate");
    let stderr = Arc::new(Mutex::new(String::new()));
    {
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut s = stderr.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    let (tx, rx) = mpsc::channel();
    let pipe = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut reader = BufReader::new(pipe);
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // Keep draining so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = match rx.recv_timeout(Duration::from_secs(15)) {
        Ok(line) if !line.is_empty() => line,
        other => {
            let _ = child.kill();
            let status = child.wait();
            panic!(
                "aaa emulate printed no summary ({other:?}, {status:?}); stderr:\n{}",
                stderr.lock().unwrap()
            );
        }
    };
    let summary: serde_json::Value =
        serde_json::from_str(line.trim_end()).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let addr = parse_addr(summary["base_url"].as_str().expect("base_url"));
    Emulate {
        child,
        summary,
        addr,
        stderr,
    }
}

impl Emulate {
    pub(crate) fn base_url(&self) -> String {
        self.summary["base_url"].as_str().unwrap().to_owned()
    }

    pub(crate) fn app(&self, field: &str) -> String {
        self.summary["apps"][0][field].as_str().unwrap().to_owned()
    }

    pub(crate) fn owner(&self, field: &str) -> String {
        self.summary["apps"][0]["owner"][field]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `POST /oauth2/token` with the app's key and secret: the reply (status 200 and
    /// `{"token_type":"bearer","access_token"}` when all is well).
    pub(crate) fn token_reply(&self) -> Reply {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.app("consumer_key"),
            self.app("consumer_secret")
        ));
        request(
            self.addr,
            "POST",
            "/oauth2/token",
            &[
                ("authorization", &format!("Basic {basic}")),
                (
                    "content-type",
                    "application/x-www-form-urlencoded;charset=UTF-8",
                ),
            ],
            b"grant_type=client_credentials",
        )
        .expect("POST /oauth2/token")
    }

    /// SIGTERM, then the exit status (bounded).
    pub(crate) fn stop(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("aaa emulate did not exit; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Emulate {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `aaa ARGS` to completion (bounded) and returns (exit code, stdout, stderr), hermetic:
/// no `AAA_*` variable of the caller's environment, a fresh empty `XDG_CONFIG_HOME` (so no
/// config file of the machine is read), then `env` on top.
pub(crate) fn aaa_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let home = TempDir::new("config-home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaa"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("XDG_CONFIG_HOME", home.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("AAA_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn aaa");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("aaa {args:?} did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code(), reader.join().unwrap(), stderr)
}

/// Answers every GET `?crc_token=T` with `{"response_token": sha256(T)}` under `secret`, on a
/// thread, until the test ends. Returns the webhook URL.
pub(crate) fn crc_responder(secret: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let target = first.split(' ').nth(1).unwrap_or_default();
            let token = target
                .split_once('?')
                .map(|(_, q)| q)
                .unwrap_or_default()
                .split('&')
                .find_map(|kv| kv.strip_prefix("crc_token="))
                .unwrap_or_default()
                .to_owned();
            let body = serde_json::json!({
                "response_token": sign_with(secret.as_bytes(), token.as_bytes())
            })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/webhooks/twitter")
}
