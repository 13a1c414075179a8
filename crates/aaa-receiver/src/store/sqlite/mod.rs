//! The embedded store: SQLite files in WAL mode, each with one writer thread, group commit and
//! one sync thread that makes every commit durable (an `fdatasync` of the WAL) before anyone
//! hears of it.
//!
//! - [`layout`]: the settings, the files of a split store and which file a delivery goes to,
//!   the schema and its migrations.
//! - [`writer`]: group commit, one transaction for every queued delivery of a file; pruning.
//! - [`sync`]: the `fdatasync` of the WAL that every acknowledgement waits for.
//! - [`checkpoint`]: the WAL copied back into the database off the request path.
//! - [`reader`]: read-only connections that merge the files.
//!
//! The store is split into [`StoreConfig::shards`] files. A delivery goes to the file chosen by a
//! stable hash of its `for_user_id`; dedupe keys are scoped by `for_user_id`, so a key can only
//! ever be in one file, and a delivery is stored in one transaction of one file. Files commit
//! independently, so their fsyncs overlap.
//!
//! Every request that wants to store a delivery sends it to the writer thread and waits. The
//! writer takes everything that is queued, writes it in one transaction and commits once, so
//! concurrent requests share one fsync. A delivery's events are inserted with their dedupe keys
//! under a `UNIQUE` constraint, and a delivery that brought no new event is deleted again in the
//! same transaction, so a redelivered body is stored once.
//!
//! Durability is pipelined: the writer commits with `synchronous=NORMAL` (SQLite writes the WAL
//! frames but does not sync them) and hands the batch to the file's sync thread, which calls
//! `fdatasync` on the WAL file and only then answers the batch's requests. While one batch is
//! being synced, the writer already writes the next one, and one `fdatasync` covers every batch
//! written before it started. What is acknowledged is exactly what `synchronous=FULL` would have
//! made durable (every frame of the commit, on disk); only the waiting overlaps.

mod checkpoint;
mod layout;
mod reader;
mod sync;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, oneshot};

pub use layout::StoreConfig;

use self::reader::Reader;
use self::sync::Syncer;
use self::writer::{Job, Writer};
use super::delivery::{Appended, Delivery, StoreError, StoreErrorKind};
use super::read::{
    Cursor, EventDetail, EventId, EventPage, EventQuery, StoreCounts, StoredDelivery,
};
use crate::metrics::Metrics;

/// How many deliveries may wait for a file's writer before new ones are refused (503).
const QUEUE_DEPTH: usize = 4096;

/// How many deliveries a forwarder reads from each file at a time.
const READ_BATCH: usize = 64;

/// One file's writer queue and health.
struct Shard {
    tx: SyncSender<Job>,
    healthy: Arc<AtomicBool>,
    /// The highest delivery id known durable: everything up to it was synced. A reader of the
    /// file may already see later rows (committed, their sync under way); whatever passes
    /// deliveries on (the forwarder) stops here, so it never passes on a delivery that a power
    /// loss could still take back.
    durable: Arc<AtomicI64>,
}

/// The SQLite backend: writer threads (none when opened read-only) and a pool of readers.
pub(crate) struct Sqlite {
    shards: Arc<[Shard]>,
    data_dir: PathBuf,
    files: Vec<PathBuf>,
    committed: Arc<Notify>,
    readers: Arc<Mutex<Vec<Reader>>>,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("data_dir", &self.data_dir)
            .field("files", &self.files.len())
            .field("read_only", &self.shards.is_empty())
            .finish_non_exhaustive()
    }
}

fn thread_error(what: &str, e: &std::io::Error) -> StoreError {
    StoreError::unavailable(format!("cannot start the {what} thread: {e}"))
}

impl Sqlite {
    /// Opens (creating if needed) the store and starts its threads.
    pub(crate) fn open(config: StoreConfig, metrics: &Arc<Metrics>) -> Result<Sqlite, StoreError> {
        if config.shards == 0 || config.shards > StoreConfig::MAX_SHARDS {
            return Err(StoreError::invalid(format!(
                "the number of store files must be between 1 and {} (got {})",
                StoreConfig::MAX_SHARDS,
                config.shards
            )));
        }
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            StoreError::unavailable(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        if let Some(found) = layout::existing_shards(&config.data_dir)? {
            if found != config.shards {
                return Err(layout::layout_mismatch(
                    &config.data_dir,
                    found,
                    config.shards,
                ));
            }
        }
        let conns = (0..config.shards)
            .map(|k| layout::open_writer(&config, k))
            .collect::<Result<Vec<_>, _>>()?;
        let config = Arc::new(config);
        let committed = Arc::new(Notify::new());
        let mut shards = Vec::with_capacity(config.shards);
        for (k, conn) in conns.into_iter().enumerate() {
            // What an earlier process committed may not have been synced yet (it stopped between
            // its commit and the sync): sync it now, so that everything in the file is durable.
            let wal = config.wal_path(k);
            if let Ok(file) = std::fs::File::open(&wal) {
                file.sync_data().map_err(|e| {
                    StoreError::unavailable(format!("cannot sync {}: {e}", wal.display()))
                })?;
            }
            let last: i64 =
                conn.query_row("SELECT COALESCE(MAX(id), 0) FROM deliveries", [], |r| {
                    r.get(0)
                })?;
            let durable = Arc::new(AtomicI64::new(last));
            let (tx, rx) = mpsc::sync_channel(QUEUE_DEPTH);
            let healthy = Arc::new(AtomicBool::new(true));
            let poisoned = Arc::new(AtomicBool::new(false));
            let (synced, to_sync) = mpsc::channel();
            let syncer = Syncer {
                shard: k,
                durable: Arc::clone(&durable),
                healthy: Arc::clone(&healthy),
                poisoned: Arc::clone(&poisoned),
                committed: Arc::clone(&committed),
                metrics: Arc::clone(metrics),
            };
            let writer = Writer {
                shard: k,
                conn: Some(conn),
                wal: None,
                synced,
                poisoned,
                last_us: 0,
                config: Arc::clone(&config),
                healthy: Arc::clone(&healthy),
            };
            std::thread::Builder::new()
                .name(format!("aaa-store-sync-{k}"))
                .spawn(move || syncer.run(&to_sync))
                .map_err(|e| thread_error("sync", &e))?;
            let db = config.db_path(k);
            let alive = Arc::downgrade(&committed);
            std::thread::Builder::new()
                .name(format!("aaa-store-checkpoint-{k}"))
                .spawn(move || checkpoint::checkpointer(&db, &alive))
                .map_err(|e| thread_error("checkpoint", &e))?;
            std::thread::Builder::new()
                .name(format!("aaa-store-writer-{k}"))
                .spawn(move || writer.run(&rx))
                .map_err(|e| thread_error("writer", &e))?;
            shards.push(Shard {
                tx,
                healthy,
                durable,
            });
        }
        Ok(Sqlite {
            shards: shards.into(),
            data_dir: config.data_dir.clone(),
            files: (0..config.shards).map(|k| config.db_path(k)).collect(),
            committed,
            readers: Arc::default(),
        })
    }

    /// Opens the store in `data_dir` for reading only, however many files it was split into.
    pub(crate) fn open_read_only(data_dir: &Path) -> Result<Sqlite, StoreError> {
        let files = layout::existing_files(data_dir)?;
        // Fail now rather than at the first read when a file cannot be opened.
        let reader = Reader::open_files(&files)?;
        Ok(Sqlite {
            shards: Arc::new([]),
            data_dir: data_dir.to_owned(),
            files,
            committed: Arc::new(Notify::new()),
            readers: Arc::new(Mutex::new(vec![reader])),
        })
    }

    /// How many files the store is split into.
    pub(crate) fn parts(&self) -> usize {
        self.files.len()
    }

    fn send(&self, shard: usize, job: Job) -> Result<(), StoreError> {
        if self.shards.is_empty() {
            return Err(StoreError::new(
                StoreErrorKind::ReadOnly,
                "the store was opened for reading only",
            ));
        }
        let Some(s) = self.shards.get(shard) else {
            return Err(StoreError::invalid(format!("no store file {shard}")));
        };
        match s.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(StoreError::unavailable("write queue full")),
            Err(TrySendError::Disconnected(_)) => {
                Err(StoreError::unavailable("the writer thread stopped"))
            }
        }
    }

    async fn ask<T>(
        &self,
        shard: usize,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(shard, job(reply))?;
        rx.await
            .map_err(|_| StoreError::unavailable("the writer thread stopped"))?
    }

    pub(crate) async fn append(&self, delivery: Arc<Delivery>) -> Result<Appended, StoreError> {
        let shard = layout::shard_of(&delivery, self.shards.len());
        self.ask(shard, |reply| Job::Append(delivery, reply)).await
    }

    pub(crate) async fn prune(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        for k in 0..self.shards.len() {
            total += self.ask(k, Job::Prune).await?;
        }
        Ok(total)
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.shards
            .iter()
            .all(|s| s.healthy.load(Ordering::Relaxed))
    }

    pub(crate) fn committed(&self) -> &Notify {
        &self.committed
    }

    /// Runs `f` with a reader from the pool on a blocking thread (SQLite calls block).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Reader) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = Arc::clone(&self.readers);
        let files = self.files.clone();
        tokio::task::spawn_blocking(move || {
            let reader = pool.lock().ok().and_then(|mut p| p.pop());
            let reader = match reader {
                Some(r) => r,
                None => Reader::open_files(&files)?,
            };
            let result = f(&reader);
            // A reader that failed may hold a broken connection: open a fresh one next time.
            if result.is_ok() {
                if let Ok(mut p) = pool.lock() {
                    p.push(reader);
                }
            }
            result
        })
        .await
        .map_err(|e| StoreError::unavailable(format!("a store read stopped: {e}")))?
    }

    pub(crate) async fn list(&self, query: EventQuery) -> Result<EventPage, StoreError> {
        self.read(move |r| r.list(&query)).await
    }

    pub(crate) async fn end_cursor(&self) -> Result<Cursor, StoreError> {
        self.read(Reader::end_cursor).await
    }

    pub(crate) async fn event(&self, id: EventId) -> Result<Option<EventDetail>, StoreError> {
        self.read(move |r| r.event(id)).await
    }

    pub(crate) async fn counts(&self) -> Result<StoreCounts, StoreError> {
        self.read(Reader::counts).await
    }

    /// Registers consumer `name`'s cursor in every file (at 0 when it has none), so that pruning
    /// (which keeps deliveries above the lowest cursor of their file) keeps everything it has
    /// not passed on yet.
    pub(crate) async fn forward_register(&self, name: &str) -> Result<(), StoreError> {
        for k in 0..self.parts() {
            let owned = name.to_owned();
            let cursor = self.read(move |r| r.cursor(k, &owned)).await?;
            let owned = name.to_owned();
            self.ask(k, |reply| Job::SetCursor(owned, cursor, reply))
                .await?;
        }
        Ok(())
    }

    /// The next deliveries consumer `name` has not passed on, oldest first, and how many wait
    /// in all.
    pub(crate) async fn forward_next(
        &self,
        name: &str,
    ) -> Result<(Vec<StoredDelivery>, u64), StoreError> {
        // Opened for reading only, this process cannot know what another one has synced: it
        // passes on whatever is committed.
        let durable: Vec<i64> = self
            .shards
            .iter()
            .map(|s| s.durable.load(Ordering::SeqCst))
            .collect();
        let read_only = self.shards.is_empty();
        let name = name.to_owned();
        self.read(move |r| {
            next_batch(r, &name, |k| {
                if read_only {
                    i64::MAX
                } else {
                    durable.get(k).copied().unwrap_or(0)
                }
            })
        })
        .await
    }

    /// Records that consumer `name` passed `d` on.
    pub(crate) async fn forward_done(
        &self,
        name: &str,
        d: &StoredDelivery,
    ) -> Result<(), StoreError> {
        let name = name.to_owned();
        let seq = d.id.seq;
        self.ask(d.id.part, |reply| Job::SetCursor(name, seq, reply))
            .await
    }
}

/// The next deliveries to forward, and how many wait in all. Each file's deliveries after its
/// cursor are read in storage order and merged by write time (then file, then id). Only the
/// deliveries up to the last one read from a file that had more are taken, so a delivery of
/// another file that was not read yet cannot be older than one taken.
///
/// Only deliveries up to each file's durable id are taken (`durable(k)`); a file with a row
/// past it cuts the batch just before that row, for the same reason.
fn next_batch(
    r: &Reader,
    name: &str,
    durable: impl Fn(usize) -> i64,
) -> Result<(Vec<StoredDelivery>, u64), StoreError> {
    let mut lag = 0i64;
    let mut bound: Option<(i64, usize, i64)> = None;
    let mut cut: Option<(i64, usize, i64)> = None;
    let mut all = Vec::new();
    for k in 0..r.parts() {
        let cursor = r.cursor(k, name)?;
        let mut batch = r.deliveries_after(k, cursor, READ_BATCH)?;
        lag = lag.saturating_add(r.last_delivery_id(k)? - cursor);
        if batch.len() == READ_BATCH {
            if let Some(last) = batch.last() {
                let key = last.order_key();
                bound = Some(bound.map_or(key, |b| b.min(key)));
            }
        }
        let limit = durable(k);
        if let Some(first) = batch.iter().position(|d| d.id.seq > limit) {
            let key = batch[first].order_key();
            cut = Some(cut.map_or(key, |c| c.min(key)));
            batch.truncate(first);
        }
        all.append(&mut batch);
    }
    all.sort_by_key(StoredDelivery::order_key);
    if let Some(bound) = bound {
        all.retain(|d| d.order_key() <= bound);
    }
    if let Some(cut) = cut {
        all.retain(|d| d.order_key() < cut);
    }
    Ok((all, u64::try_from(lag).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::delivery::{Content, EventRecord};

    fn delivery(user: &str, n: u32) -> Arc<Delivery> {
        let body = format!(r#"{{"for_user_id":"{user}","favorite_events":[{{"id":"f{n}"}}]}}"#);
        let len = body.len();
        Arc::new(Delivery {
            app: "t".into(),
            received_at: 1,
            signature: "sha256=x".into(),
            secret_index: 0,
            body: bytes::Bytes::from(body),
            content: Content::Events(vec![EventRecord {
                key: format!("favorite/{user}/f{n}"),
                kind: "favorite".into(),
                for_user_id: Some(user.into()),
                range: 0..len,
            }]),
        })
    }

    #[tokio::test]
    async fn batches_stop_before_a_delivery_not_yet_durable() {
        let dir = std::env::temp_dir().join(format!("aaa-forward-durable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = StoreConfig::new(&dir);
        config.shards = 2;
        let store = Sqlite::open(config, &Arc::new(Metrics::default())).unwrap();
        let mut ids = Vec::new();
        for n in 0..6 {
            // Alternate users so that both files get deliveries.
            let d = delivery(if n % 2 == 0 { "1" } else { "2" }, n);
            let shard = layout::shard_of(&d, 2);
            let appended = store.append(d).await.unwrap();
            ids.push((shard, appended.delivery.unwrap().part));
        }
        let r = Reader::open_files(&store.files).unwrap();
        let durable = |k: usize| store.shards[k].durable.load(Ordering::SeqCst);
        let (all, lag) = next_batch(&r, "forward", durable).unwrap();
        assert_eq!(all.len(), 6);
        assert_eq!(lag, 6);
        let taken: Vec<(usize, i64)> = all.iter().map(|d| (d.id.part, d.id.seq)).collect();
        // Pretend the fourth delivery's sync is still under way: it and everything stored after
        // it, in either file, wait.
        let (held_part, held_seq) = taken[3];
        let (some, _) = next_batch(&r, "forward", |k| {
            if k == held_part {
                held_seq - 1
            } else {
                durable(k)
            }
        })
        .unwrap();
        let some: Vec<(usize, i64)> = some.iter().map(|d| (d.id.part, d.id.seq)).collect();
        assert_eq!(some, taken[..3].to_vec());
        assert!(ids.iter().all(|(shard, part)| shard == part));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
