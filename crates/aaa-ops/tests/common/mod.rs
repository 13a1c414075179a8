//! A receiver with its operations layer, started and stopped on loopback as `aaa serve` runs
//! them, for the tests of this crate.

#![allow(dead_code, unreachable_pub)]

pub mod webdriver;

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aaa_crypto::ConsumerSecret;
use aaa_ops::{Board, Dashboard, DashboardConfig, Manage, Operations, OpsConfig};
use aaa_receiver::{AppConfig, EventQuery, Receiver, Store, StoreConfig, StoredEvent};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const HOOK_PATH: &str = "/webhooks/twitter";

/// A fresh directory under the target's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "aaa-ops-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running receiver with its operations layer.
pub struct Running {
    pub addr: SocketAddr,
    pub receiver: Receiver,
    pub ops: Operations,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl Running {
    /// Starts a receiver on `addr` (port 0 for any) storing in `dir`, and its operations.
    pub async fn start(
        dir: &Path,
        addr: SocketAddr,
        secret: &str,
        tweak: impl FnOnce(OpsConfig) -> OpsConfig,
    ) -> Running {
        let store = Store::open(StoreConfig::new(dir)).unwrap();
        Running::start_on(store, dir, addr, secret, tweak).await
    }

    /// Starts a receiver on `addr` storing in `store`, with its operations (the journal in
    /// `dir`).
    pub async fn start_on(
        store: Store,
        dir: &Path,
        addr: SocketAddr,
        secret: &str,
        tweak: impl FnOnce(OpsConfig) -> OpsConfig,
    ) -> Running {
        let board = Board::default();
        let health = board.clone();
        let receiver = Receiver::builder()
            .app(AppConfig::new(
                "test",
                HOOK_PATH,
                ConsumerSecret::new(secret),
            ))
            .store(store)
            .health(move || health.healthz())
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, mut stopped) = watch::channel(false);
        let server = tokio::spawn({
            let receiver = receiver.clone();
            async move {
                let _ = aaa_receiver::serve(listener, receiver)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .into_future()
                    .await;
            }
        });
        let ops = Operations::start(tweak(OpsConfig::new(dir)), receiver.clone(), board)
            .await
            .unwrap();
        Running {
            addr,
            receiver,
            ops,
            stop,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}{HOOK_PATH}", self.addr)
    }

    /// Starts a dashboard of this receiver and its gap journal with `config`.
    pub async fn dashboard(&self, config: DashboardConfig) -> Dashboard {
        Dashboard::start(
            config,
            self.receiver.clone(),
            self.ops.board().clone(),
            Some(self.ops.journal().clone()),
        )
        .await
        .unwrap()
    }

    /// Drops, from connections of its own as another program could, the table of gaps from the
    /// journal and the table of events from every store file in `dir`; returns how many store
    /// files there were.
    pub fn drop_tables(&self, dir: &Path) -> usize {
        let damage = |path: &Path, sql: &str| {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(Duration::from_secs(60)).unwrap();
            conn.execute_batch(sql).unwrap();
        };
        damage(self.ops.journal().path(), "DROP TABLE gaps");
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("aaa") && name.ends_with(".sqlite3") {
                damage(&path, "DROP TABLE events");
                files += 1;
            }
        }
        files
    }

    /// Stops cleanly: the operations first (the journal says "stopped"), then the server.
    pub async fn stop(self) {
        self.ops.stop().await;
        let _ = self.stop.send(true);
        let _ = self.server.await;
    }
}

/// Every event in `dir`'s store.
pub async fn stored(store: &Store) -> Vec<StoredEvent> {
    store.list(EventQuery::newest(None)).await.unwrap().events
}

/// Polls `check` every 100 ms until it returns `Some`, or panics after `bound` naming `what`.
pub async fn eventually<T, F, Fut>(bound: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            started.elapsed() < bound,
            "{what}: not within {} s",
            bound.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Manage settings for tests: quick intervals.
pub fn quick_manage(client: aaa_client::Client) -> Manage {
    let mut m = Manage::new(client);
    m.interval = Duration::from_millis(300);
    m.retry = Duration::from_secs(1);
    m.job_timeout = Duration::from_secs(60);
    m
}
