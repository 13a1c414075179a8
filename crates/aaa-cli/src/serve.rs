//! `aaa serve`: run the receiver.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aaa_crypto::ConsumerSecret;
use aaa_receiver::{
    AppConfig, FileConfig, Forwarder, Limits, NatsConfig, Receiver, Store, StoreConfig, StoreError,
    StoreErrorKind, StoredEvent,
};

use crate::failure::Failure;
use crate::runtime::{Threads, block_on};

/// Arguments of `aaa serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// URL path X delivers to (single-app mode).
    #[arg(long, default_value = "/webhooks/twitter")]
    path: String,
    /// The app's consumer secret (single-app mode).
    #[arg(long, env = "AAA_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: Option<ConsumerSecret>,
    /// Directory of the event store.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML file with several apps (each on its own path) and settings; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// TLS certificate chain (PEM); serves HTTPS with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Largest body accepted, in bytes (default 1 MiB).
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Forward every delivery with new events to this http:// URL, with X's signature header.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Print each new event on standard output as a JSON line.
    #[arg(long)]
    stdout: bool,
    /// How long events (and their dedupe keys) are kept, in hours (default 168).
    #[arg(long, value_name = "HOURS")]
    retention_hours: Option<u64>,
    /// Upper bound on each store file's size in bytes; writes beyond it answer 503.
    #[arg(long, value_name = "BYTES")]
    max_store_bytes: Option<u64>,
    /// Keep events in a NATS JetStream stream shared by several receivers instead of SQLite:
    /// nats://HOST:PORT[,HOST:PORT...] (see docs/scale-out.md).
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    #[command(flatten)]
    nats: crate::events::NatsArgs,
    /// How many SQLite files (each with its own writer) the store is split into, by
    /// for_user_id (default 1: the single file aaa.sqlite3). Fixed when the store is made.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    store_shards: Option<u16>,
    #[command(flatten)]
    ops: crate::ops::ServeOps,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::new(format!("{}: cannot read: {e}", path.display())))?;
            FileConfig::parse(&text)
                .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?
        }
        None => FileConfig::default(),
    };
    let mut apps = file.resolve_apps(|v| std::env::var(v).ok())?;
    if let Some(secret) = &args.consumer_secret {
        apps.push(AppConfig {
            name: "default".into(),
            path: args.path.clone(),
            consumer_secrets: vec![secret.clone()],
        });
    }
    let mut store_config = StoreConfig::new("./aaa-data");
    file.apply_store(&mut store_config);
    if let Some(d) = &args.data_dir {
        store_config.data_dir.clone_from(d);
    }
    if let Some(h) = args.retention_hours {
        store_config.retention = Duration::from_secs(h.saturating_mul(3600));
    }
    if args.max_store_bytes.is_some() {
        store_config.max_bytes = args.max_store_bytes;
    }
    if let Some(n) = args.store_shards {
        store_config.shards = usize::from(n);
    }
    let mut limits = Limits::default();
    file.apply_limits(&mut limits);
    if let Some(n) = args.max_body_bytes {
        limits.max_body = n;
    }
    let listen: SocketAddr = match (args.listen, &file.listen) {
        (Some(a), _) => a,
        (None, Some(s)) => s
            .parse()
            .map_err(|e| Failure::new(format!("config listen {s:?}: {e}")))?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let tls = match (
        args.tls_cert.as_ref().or(file.tls_cert.as_ref()),
        args.tls_key.as_ref().or(file.tls_key.as_ref()),
    ) {
        (Some(c), Some(k)) => Some(aaa_receiver::tls_acceptor(c, k)?),
        (None, None) => None,
        _ => return Err(Failure::usage("TLS needs both a certificate and a key")),
    };
    let forward_to = args.forward_to.clone().or_else(|| file.forward_to.clone());
    let stdout = args.stdout;
    let nats = match args.store.as_ref().or(file.store.as_ref()) {
        None => None,
        Some(url) => Some(nats_config(url, args, &file)?),
    };
    let ops = args.ops.plan(
        &store_config.data_dir,
        apps.first().map(|a| a.consumer_secrets[0].clone()),
    )?;

    block_on(Threads::PerCore, async move {
        let store = match nats {
            Some(nats) => Store::open_nats(nats)
                .await
                .map_err(|e| store_failure(&e))?,
            None => Store::open(store_config).map_err(|e| store_failure(&e))?,
        };
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let board = aaa_ops::Board::default();
        let health = board.clone();
        let mut builder = Receiver::builder()
            .apps(apps)
            .limits(limits)
            .store(store.clone())
            .health(move || health.healthz());
        let printer = if stdout {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            builder = builder.on_stored(tx);
            Some(tokio::spawn(print_events(rx, stop_rx.clone())))
        } else {
            None
        };
        let receiver = builder.build()?;
        let paths: Vec<String> = receiver_paths(&receiver);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::new(format!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr()?;
        let mut forward = None;
        if let Some(url) = forward_to {
            let forwarder = Forwarder::new(store.clone(), &url)
                .map_err(|e| Failure::new(format!("--forward-to: {e}")))?;
            forward = Some(forwarder.clone());
            let mut rx = stop_rx.clone();
            tokio::spawn(async move {
                forwarder
                    .run(async move {
                        let _ = rx.wait_for(|s| *s).await;
                    })
                    .await;
            });
        }
        // Before the "listening" lines: a SIGTERM right after them must stop, not kill.
        let shutdown = shutdown_signal();
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(address = %local, "listening");
        for p in &paths {
            eprintln!("aaa: listening on {scheme}://{local}{p}");
        }
        let server =
            aaa_receiver::serve(listener, receiver.clone()).with_graceful_shutdown(shutdown);
        // The listener is up: a restart's outage window ends here.
        let ops = ops.start(receiver, board, forward).await?;
        match tls {
            Some(tls) => server.tls(tls).await?,
            None => server.await?,
        }
        ops.stop().await;
        let _ = stop_tx.send(true);
        if let Some(printer) = printer {
            // Events of the last requests may still be queued; print them before exiting.
            let _ = printer.await;
        }
        tracing::info!("stopped: in-flight requests finished, store flushed");
        Ok::<_, Failure>(ExitCode::SUCCESS)
    })
}

/// The JetStream settings for `--store URL`, from the URL, the config file and the flags.
fn nats_config(url: &str, args: &Args, file: &FileConfig) -> Result<NatsConfig, Failure> {
    if !(url.starts_with("nats://") || url.starts_with("tls://")) {
        // Not echoed: a mistyped URL may still carry a password.
        return Err(Failure::usage(
            "--store: expected nats://HOST:PORT[,HOST:PORT...] or tls://... (without --store, events go to SQLite in --data-dir)",
        ));
    }
    let mut nats = NatsConfig::new(url).map_err(|e| Failure::usage(format!("--store: {e}")))?;
    file.apply_nats(&mut nats, |v| std::env::var(v).ok())?;
    if let Some(h) = args.retention_hours {
        nats.retention = Duration::from_secs(h.saturating_mul(3600));
    }
    args.nats.apply(&mut nats);
    Ok(nats)
}

/// The paths the receiver's apps listen on, for the "listening on" lines.
fn receiver_paths(receiver: &Receiver) -> Vec<String> {
    receiver.paths().map(str::to_owned).collect()
}

/// A store error in the words of `aaa serve`'s options.
pub(crate) fn store_failure(e: &StoreError) -> Failure {
    match e.kind() {
        StoreErrorKind::LayoutMismatch { found, .. } => Failure::new(format!(
            "{}; start with --store-shards {found} (store_shards = {found}), or use another --data-dir",
            e.message()
        )),
        _ => Failure::new(e.to_string()),
    }
}

/// Installs the SIGTERM and SIGINT handlers at once and returns a future that resolves on
/// either. Installing them only when the future is first polled would leave a window after the
/// listening line is printed in which a SIGTERM kills the process instead of stopping it.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Prints new events until `stop` is set, then prints what is still queued and returns. Every
/// request has been answered by then, so every event it stored is already in the queue.
async fn print_events(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<StoredEvent>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            e = rx.recv() => match e {
                Some(e) => print_event(&e),
                None => return,
            },
            _ = stop.wait_for(|s| *s) => {
                while let Ok(e) = rx.try_recv() {
                    print_event(&e);
                }
                return;
            }
        }
    }
}

pub(crate) fn print_event(e: &StoredEvent) {
    use std::io::Write;
    let line = crate::events::json_line(
        &e.kind,
        e.for_user_id.as_deref(),
        &e.key,
        e.received_at,
        &e.raw,
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
