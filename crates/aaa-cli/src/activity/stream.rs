//! `aaa activity stream`: read the X Activity API's activity stream into the receiver's store.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aaa_client::stream::StreamItem;
use aaa_receiver::{NatsConfig, ResumeFile, Store, StoreConfig, StoreErrorKind, StreamIngest};

use crate::conn::Credentials;
use crate::failure::Failure;
use crate::runtime::{Threads, block_on};
use crate::serve::{print_event, shutdown_signal, store_failure};

/// `aaa activity stream`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Credentials,
    /// Directory of the event store: the one `aaa serve --data-dir` writes, so the events
    /// arriving at a webhook and on the stream are stored (and deduplicated) together. With
    /// --store, it keeps only the time the stream was last heard from.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// Store the events in the JetStream stream that `aaa serve --store nats://...` writes
    /// instead: nats://HOST:PORT[,HOST:PORT...].
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    #[command(flatten)]
    nats: crate::events::NatsArgs,
    /// The receiver app the events are filed under. The JetStream store deduplicates per app:
    /// give the name of the `aaa serve` app whose webhook gets the same subscriptions.
    #[arg(long, value_name = "NAME", default_value = "default")]
    app: String,
    /// Minutes of backfill for the first connection (0 to 5). A restart asks for at least the
    /// minutes since the stream was last heard from (kept in DIR/activity-stream.json).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=5))]
    backfill_minutes: Option<u8>,
    /// Print each new event on standard output as a JSON line.
    #[arg(long)]
    stdout: bool,
    /// Seconds without data or keep-alive after which the connection counts as stalled and is
    /// replaced (X sends a keep-alive at least every 20 s).
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    stall_timeout: u64,
}

fn now() -> (SystemTime, i64) {
    let t = SystemTime::now();
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    (t, ms)
}

/// Opens the JetStream store at `--store`, or the SQLite store in `--data-dir` with the number of
/// files it already has.
async fn open_store(args: &Args) -> Result<Store, Failure> {
    if let Some(url) = &args.store {
        let mut nats = NatsConfig::new(url).map_err(|e| Failure::new(format!("--store: {e}")))?;
        args.nats.apply(&mut nats);
        std::fs::create_dir_all(&args.data_dir)
            .map_err(|e| Failure::new(format!("{}: {e}", args.data_dir.display())))?;
        return Store::open_nats(nats).await.map_err(|e| store_failure(&e));
    }
    let dir = &args.data_dir;
    match Store::open(StoreConfig::new(dir)) {
        Ok(s) => Ok(s),
        Err(e) => match e.kind() {
            StoreErrorKind::LayoutMismatch { found, .. } => {
                let mut config = StoreConfig::new(dir);
                config.shards = found;
                Store::open(config).map_err(|e| store_failure(&e))
            }
            _ => Err(store_failure(&e)),
        },
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode, Failure> {
    let settings = args.conn.settings()?;
    block_on(Threads::PerCore, async move {
        let client = settings.client(true)?;
        let store = open_store(&args).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut ingest = StreamIngest::new(store, args.app.as_str());
        if args.stdout {
            ingest = ingest.on_stored(tx);
        }
        let mut resume = ResumeFile::in_dir(&args.data_dir);
        let mut stream = client
            .activity_stream()
            .backfill_minutes(args.backfill_minutes.unwrap_or(0))
            .stall_timeout(Duration::from_secs(args.stall_timeout));
        if let Some(last) = resume.last_seen() {
            stream = stream.resume_after(last);
        }
        let mut stream = stream.open();
        let shutdown = shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            let item = tokio::select! {
                () = &mut shutdown => break,
                item = stream.next() => item?,
            };
            match item {
                StreamItem::Line(line) => {
                    let (at, ms) = now();
                    let stored = ingest.line(line, ms).await.map_err(|e| store_failure(&e))?;
                    if let Some(why) = stored.quarantined {
                        eprintln!(
                            "aaa: activity stream: a line that is not an event was quarantined: {why}"
                        );
                    }
                    while let Ok(e) = rx.try_recv() {
                        print_event(&e);
                    }
                    resume.seen(at)?;
                }
                StreamItem::KeepAlive => resume.seen(now().0)?,
                StreamItem::Connected {
                    backfill_minutes,
                    uncovered,
                } => {
                    eprintln!(
                        "aaa: activity stream connected (backfill_minutes={backfill_minutes})"
                    );
                    if let Some(gap) = uncovered {
                        eprintln!(
                            "aaa: activity stream: {}s of the gap are older than the 5 minutes X backfills; events of that time are not recovered",
                            gap.as_secs()
                        );
                    }
                }
                StreamItem::Disconnected { reason, retry_in } => eprintln!(
                    "aaa: activity stream: {reason}; reconnecting in {:.1}s",
                    retry_in.as_secs_f64()
                ),
                StreamItem::Notice(message) => {
                    eprintln!("aaa: activity stream: x says: {message}");
                }
                StreamItem::Oversized(n) => {
                    eprintln!(
                        "aaa: activity stream: a {n}-byte line was over the limit and dropped"
                    );
                }
                StreamItem::Ended => break,
                _ => {}
            }
        }
        eprintln!("aaa: activity stream stopped");
        Ok(ExitCode::SUCCESS)
    })
}
