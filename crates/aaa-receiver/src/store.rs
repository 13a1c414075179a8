//! The embedded store: SQLite files in WAL mode, each with one writer thread, group commit and
//! one sync thread that makes every commit durable (an `fdatasync` of the WAL) before anyone
//! hears of it.
//!
//! The store is split into [`StoreConfig::shards`] files. A delivery goes to the file chosen by a
//! stable hash of its `for_user_id` (see [`Delivery::shard`]); dedupe keys are scoped by
//! `for_user_id`, so a key can only ever be in one file, and a delivery is stored in one
//! transaction of one file. Files commit independently, so their fsyncs overlap.
//!
//! Every request that wants to store a delivery sends it to the writer thread and waits. The
//! writer takes everything that is queued (up to [`MAX_BATCH`]), writes it in one transaction and
//! commits once, so concurrent requests share one fsync. A delivery's events are inserted with
//! their dedupe keys under a `UNIQUE` constraint, and a delivery that brought no new event is
//! deleted again in the same transaction, so a redelivered body is stored once.
//!
//! Durability is pipelined: the writer commits with `synchronous=NORMAL` (SQLite writes the WAL
//! frames but does not sync them) and hands the batch to the file's sync thread, which calls
//! `fdatasync` on the WAL file and only then answers the batch's requests. While one batch is
//! being synced, the writer already writes the next one, and one `fdatasync` covers every batch
//! written before it started. What is acknowledged is exactly what `synchronous=FULL` would have
//! made durable (every frame of the commit, on disk); only the waiting overlaps. Checkpoints run on
//! another connection that syncs the WAL before copying it and the database after. If an
//! `fdatasync` fails, the file is poisoned: every later write is refused until the process
//! restarts and SQLite recovers from what is really on disk, because after a failed `fdatasync`
//! the kernel may have dropped pages that SQLite believes written.
//!
//! A request learns the outcome only after its batch is durable, which is when it may answer 200.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{Notify, oneshot};

use crate::metrics::Metrics;

/// The most deliveries committed in one transaction.
pub const MAX_BATCH: usize = 256;

/// The WAL size past which the checkpoint thread makes the WAL start over: below
/// `journal_size_limit` (64 MiB), so the WAL file keeps its size and every commit overwrites
/// pages of it that are already allocated and in the page cache. Appending to a growing file
/// costs ext4 a block allocation per page and a journal commit in every `fdatasync`: on the
/// benchmark machine (see docs/benchmarks.md) an overwrite plus `fdatasync` took half the time of
/// an append plus `fdatasync`, and the writer thread a quarter less CPU per delivery.
const WAL_RESTART_BYTES: u64 = 48 * 1024 * 1024;

/// How little a passive checkpoint must have had to copy (what was committed while the one
/// before it ran) for the `RESTART` to follow it (see [`checkpoint`]).
const RESTART_LEFT_BYTES: u64 = 1024 * 1024;

/// How often the checkpoint thread copies the WAL into the database. Often enough that what a
/// `RESTART` has left to copy while it holds the writer back is a few milliseconds' worth.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The page size of new store files. A typical delivery (a tweet, 2-3 KB) takes up a 4 KiB page
/// of its own, most of it wasted, and the WAL and the checkpoint copy every page; an 8 KiB page
/// holds three. On the benchmark machine (see docs/benchmarks.md) the checkpoint thread's CPU
/// per delivery halved and the writer's went down by a tenth against 4 KiB pages. Larger pages
/// saved little more under load, and every commit writes whole pages (the last, partly filled
/// page of each table and index again), which at light load, one delivery per commit, is
/// several pages per delivery.
const PAGE_SIZE: u32 = 8 * 1024;

/// How many deliveries may wait for the writer before new ones are refused (503).
const QUEUE_DEPTH: usize = 4096;

/// The schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 2;

/// How many store files [`StoreConfig::new`] uses.
pub const DEFAULT_SHARDS: usize = 1;

/// The most store files allowed.
pub const MAX_SHARDS: usize = 256;

// Events keep the byte range of their raw JSON inside the delivery's body rather than a copy,
// and only the indexes the writer needs (the unique key, and time for pruning): every index is
// paid for on every insert, inside the commit every request waits for.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    id          INTEGER PRIMARY KEY,
    app         TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    signature   TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('ok', 'quarantined')),
    error       TEXT,
    digest      TEXT,
    new_events  INTEGER NOT NULL,
    stored_us   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_quarantined_once
    ON deliveries (app, digest) WHERE status = 'quarantined';
CREATE INDEX IF NOT EXISTS deliveries_received_at ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    for_user_id TEXT,
    delivery_id INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    raw_start   INTEGER NOT NULL,
    raw_end     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);
CREATE TABLE IF NOT EXISTS cursors (
    name   TEXT    PRIMARY KEY,
    cursor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
";

// Version 1 files (one file, `aaa.sqlite3`) gain the write time and the layout record.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE deliveries ADD COLUMN stored_us INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
";

/// Store settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The directory holding the store files (created if missing).
    pub data_dir: PathBuf,
    /// How many files the store is split into (default [`DEFAULT_SHARDS`]). With 1, the store is
    /// the single file `aaa.sqlite3`; with N > 1, the files `aaa-0.sqlite3` .. `aaa-{N-1}.sqlite3`.
    /// Each file records N, and a data directory made with another N is refused.
    pub shards: usize,
    /// How long events are kept, and so how long their dedupe keys are remembered. The default,
    /// seven days, covers X's five-day replay window.
    pub retention: Duration,
    /// An upper bound on each store file's size in bytes; writes beyond it fail (and requests get
    /// 503) instead of filling the disk. `None` for no bound. The store as a whole may take up to
    /// `shards` times this.
    pub max_bytes: Option<u64>,
}

impl StoreConfig {
    /// Settings for `data_dir` with the default retention and no size bound.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_bytes: None,
            shards: DEFAULT_SHARDS,
        }
    }

    /// The database file of shard `shard`.
    pub fn db_path(&self, shard: usize) -> PathBuf {
        self.data_dir.join(file_name(self.shards, shard))
    }
}

/// The file name of shard `shard` of a store split into `shards` files.
pub fn file_name(shards: usize, shard: usize) -> String {
    if shards == 1 {
        "aaa.sqlite3".to_owned()
    } else {
        format!("aaa-{shard}.sqlite3")
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every process and every version.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The shard of a delivery for `for_user_id` (a missing one counts as empty, the way the dedupe
/// key writes it) in a store of `shards` files.
pub fn shard_for_user(for_user_id: Option<&str>, shards: usize) -> usize {
    shard_of_bytes(for_user_id.unwrap_or("").as_bytes(), shards)
}

fn shard_of_bytes(bytes: &[u8], shards: usize) -> usize {
    let n = u64::try_from(shards.max(1)).unwrap_or(1);
    usize::try_from(fnv1a64(bytes) % n).unwrap_or(0)
}

/// One verified delivery to store.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The app (configuration name) the delivery was addressed to.
    pub app: Arc<str>,
    /// When it arrived, in milliseconds since the epoch.
    pub received_at: i64,
    /// The `x-twitter-webhooks-signature` header, kept so it can be forwarded unchanged.
    pub signature: String,
    /// The raw body.
    pub body: Bytes,
    /// What the scan found.
    pub content: Content,
}

impl Delivery {
    /// The shard this delivery is stored in, in a store of `shards` files.
    ///
    /// A delivery with events goes by its `for_user_id` (every event of a delivery has the
    /// delivery's), which is part of each event's dedupe key, so every delivery that can carry a
    /// given key goes to the same shard. Deliveries without one (`user_event`,
    /// `replay_job_status`, ...) all go to the shard of the empty id, since their keys carry an
    /// empty id too. A quarantined body goes by a hash of its bytes: it is deduplicated by its
    /// digest, so the same body again lands in the same shard.
    pub fn shard(&self, shards: usize) -> usize {
        if shards <= 1 {
            return 0;
        }
        match &self.content {
            Content::Events(events) => shard_for_user(
                events.first().and_then(|e| e.for_user_id.as_deref()),
                shards,
            ),
            Content::Quarantined(_) => shard_of_bytes(&self.body, shards),
        }
    }
}

/// What a delivery holds.
#[derive(Debug, Clone)]
pub enum Content {
    /// A valid envelope and its events.
    Events(Vec<EventRecord>),
    /// An authentic body that is not a valid envelope, with the reason.
    Quarantined(String),
}

/// One event of a delivery, as it goes into the `events` table.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The dedupe key.
    pub key: String,
    /// The kind name (`tweet_create`, `post.create`, `unknown:<key>`, ...).
    pub kind: String,
    /// The delivery's `for_user_id`.
    pub for_user_id: Option<String>,
    /// The byte range of the event's raw JSON in the body.
    pub range: std::ops::Range<usize>,
}

/// What storing a delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// The delivery's row id, when it was stored (it brought a new event, or was quarantined for
    /// the first time).
    pub delivery_id: Option<i64>,
    /// Indexes (into [`Content::Events`]) of the events that were new.
    pub new_events: Vec<usize>,
    /// How many events were already stored.
    pub duplicates: usize,
}

/// Why the store could not take a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "store unavailable: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    pub(crate) fn closed() -> StoreError {
        StoreError("the store is closed".into())
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError(e.to_string())
    }
}

enum Job {
    Append(Arc<Delivery>, oneshot::Sender<Result<Appended, StoreError>>),
    SetCursor(String, i64, oneshot::Sender<Result<(), StoreError>>),
    Prune(oneshot::Sender<Result<usize, StoreError>>),
}

/// One shard's writer queue and health.
struct Shard {
    tx: SyncSender<Job>,
    healthy: Arc<AtomicBool>,
    /// The highest delivery id known durable (see [`Store::durable_delivery_id`]).
    durable: Arc<AtomicI64>,
}

/// A handle on the store. Cheap to clone; the writer threads stop when the last handle is dropped.
#[derive(Clone)]
pub struct Store {
    shards: Arc<[Shard]>,
    config: Arc<StoreConfig>,
    committed: Arc<Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.config.data_dir)
            .field("shards", &self.config.shards)
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The store files found in `dir`: `Some(1)` for `aaa.sqlite3`, `Some(N)` for `aaa-K.sqlite3`
/// files (N read from `aaa-0.sqlite3`, or one more than the highest K), `None` for none.
///
/// # Errors
///
/// When the directory holds both layouts, or cannot be read.
pub fn existing_shards(dir: &Path) -> Result<Option<usize>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError(format!("cannot read {}: {e}", dir.display()))),
    };
    let mut single = false;
    let mut highest: Option<usize> = None;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == "aaa.sqlite3" {
            single = true;
        } else if let Some(k) = name
            .strip_prefix("aaa-")
            .and_then(|r| r.strip_suffix(".sqlite3"))
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|k| k.parse::<usize>().ok())
        {
            highest = Some(highest.map_or(k, |h| h.max(k)));
        }
    }
    match (single, highest) {
        (true, None) => Ok(Some(1)),
        (false, None) => Ok(None),
        (true, Some(_)) => Err(StoreError(format!(
            "{} holds both aaa.sqlite3 and aaa-N.sqlite3 files; keep one layout",
            dir.display()
        ))),
        (false, Some(h)) => {
            let recorded = Connection::open_with_flags(
                dir.join(file_name(2, 0)),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ok()
            .and_then(|c| recorded_shards(&c).ok().flatten());
            Ok(Some(recorded.unwrap_or(h + 1).max(h + 1)))
        }
    }
}

/// The number of shards a store file says its store has (`None` when it records none).
fn recorded_shards(conn: &Connection) -> Result<Option<usize>, StoreError> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    let v: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE name = 'shards'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(|v| usize::try_from(v).ok()))
}

fn layout_mismatch(dir: &Path, found: usize, wanted: usize) -> StoreError {
    StoreError(format!(
        "{} holds a store split into {found} file(s), but {wanted} were asked for; start with --store-shards {found} (store_shards = {found}), or use another data directory",
        dir.display()
    ))
}

impl Store {
    /// Opens (creating if needed) the store and starts its writer threads.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created, a database cannot be opened or migrated, or the
    /// directory holds a store split into another number of files.
    // `metrics` stays by value (callers hand over their handle); each writer takes a clone.
    #[allow(clippy::needless_pass_by_value)]
    pub fn open(config: StoreConfig, metrics: Arc<Metrics>) -> Result<Store, StoreError> {
        if config.shards == 0 || config.shards > MAX_SHARDS {
            return Err(StoreError(format!(
                "the number of store files must be between 1 and {MAX_SHARDS} (got {})",
                config.shards
            )));
        }
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", config.data_dir.display())))?;
        if let Some(found) = existing_shards(&config.data_dir)? {
            if found != config.shards {
                return Err(layout_mismatch(&config.data_dir, found, config.shards));
            }
        }
        let conns = (0..config.shards)
            .map(|k| open_writer(&config, k))
            .collect::<Result<Vec<_>, _>>()?;
        let config = Arc::new(config);
        let committed = Arc::new(Notify::new());
        let mut shards = Vec::with_capacity(config.shards);
        for (k, conn) in conns.into_iter().enumerate() {
            // What an earlier process committed may not have been synced yet (it stopped between
            // its commit and the sync): sync it now, so that everything in the file is durable.
            let mut wal = config.db_path(k).into_os_string();
            wal.push("-wal");
            let wal = PathBuf::from(wal);
            if let Ok(file) = std::fs::File::open(&wal) {
                file.sync_data()
                    .map_err(|e| StoreError(format!("cannot sync {}: {e}", wal.display())))?;
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
                metrics: Arc::clone(&metrics),
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
                .map_err(|e| StoreError(format!("cannot start the sync thread: {e}")))?;
            let db = config.db_path(k);
            let alive = Arc::downgrade(&committed);
            std::thread::Builder::new()
                .name(format!("aaa-store-checkpoint-{k}"))
                .spawn(move || checkpointer(&db, &alive))
                .map_err(|e| StoreError(format!("cannot start the checkpoint thread: {e}")))?;
            std::thread::Builder::new()
                .name(format!("aaa-store-writer-{k}"))
                .spawn(move || writer.run(&rx))
                .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
            shards.push(Shard {
                tx,
                healthy,
                durable,
            });
        }
        Ok(Store {
            shards: shards.into(),
            config,
            committed,
        })
    }

    /// How many files the store is split into.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    /// Stores a delivery (in its shard, see [`Delivery::shard`]); resolves once it is durable (or
    /// known not to be).
    ///
    /// # Errors
    ///
    /// When the store cannot write (disk full, read-only, over its size bound, I/O error) or its
    /// queue is full.
    pub async fn append(&self, delivery: Arc<Delivery>) -> Result<Appended, StoreError> {
        let shard = delivery.shard(self.shards.len());
        let (reply, rx) = oneshot::channel();
        self.send(shard, Job::Append(delivery, reply))?;
        rx.await
            .map_err(|_| StoreError("the writer thread stopped".into()))?
    }

    /// Durably records how far a consumer (e.g. the forwarder) has got in shard `shard`.
    ///
    /// # Errors
    ///
    /// When the store cannot write, or there is no such shard.
    pub async fn set_cursor(
        &self,
        shard: usize,
        name: &str,
        cursor: i64,
    ) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(shard, Job::SetCursor(name.to_owned(), cursor, reply))?;
        rx.await
            .map_err(|_| StoreError("the writer thread stopped".into()))?
    }

    /// Deletes events older than the retention window (forgetting their keys) and the deliveries
    /// that no consumer needs any more, in every shard. Returns how many events were deleted.
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn prune(&self) -> Result<usize, StoreError> {
        let mut waits = Vec::with_capacity(self.shards.len());
        for k in 0..self.shards.len() {
            let (reply, rx) = oneshot::channel();
            self.send(k, Job::Prune(reply))?;
            waits.push(rx);
        }
        let mut total = 0;
        for rx in waits {
            total += rx
                .await
                .map_err(|_| StoreError("the writer thread stopped".into()))??;
        }
        Ok(total)
    }

    fn send(&self, shard: usize, job: Job) -> Result<(), StoreError> {
        let Some(s) = self.shards.get(shard) else {
            return Err(StoreError(format!("no shard {shard}")));
        };
        match s.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(StoreError("write queue full".into())),
            Err(TrySendError::Disconnected(_)) => {
                Err(StoreError("the writer thread stopped".into()))
            }
        }
    }

    /// Whether the last write of every shard succeeded.
    pub fn is_healthy(&self) -> bool {
        self.shards
            .iter()
            .all(|s| s.healthy.load(Ordering::Relaxed))
    }

    /// Resolves after the next commit (of any shard) is durable.
    pub fn committed(&self) -> &Notify {
        &self.committed
    }

    /// The highest delivery id of shard `shard` known to be durable: everything up to it was
    /// synced. A reader of the file may already see later rows (committed, their sync under way);
    /// whatever passes deliveries on (the forwarder) stops here, so it never passes on a delivery
    /// that a power loss could still take back.
    pub fn durable_delivery_id(&self, shard: usize) -> i64 {
        self.shards
            .get(shard)
            .map_or(0, |s| s.durable.load(Ordering::SeqCst))
    }

    /// The store's settings.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Opens read-only connections to every shard (WAL readers never block the writers).
    ///
    /// # Errors
    ///
    /// When a database cannot be opened.
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Reader::open_files(
            &(0..self.config.shards)
                .map(|k| self.config.db_path(k))
                .collect::<Vec<_>>(),
        )
    }
}

fn open_writer(config: &StoreConfig, shard: usize) -> Result<Connection, StoreError> {
    let path = config.db_path(shard);
    let mut conn = Connection::open(&path)?;
    conn.busy_handler(Some(writer_busy))?;
    // Only takes effect on a new file (the page size of an existing one stays).
    conn.execute_batch(&format!("PRAGMA page_size={PAGE_SIZE}"))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError(format!("cannot enable WAL mode (got {mode})")));
    }
    // Checkpoints run on their own thread (see `checkpointer`), not inside the commits that
    // requests wait for.
    conn.execute_batch(
        "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0;
         PRAGMA journal_size_limit=67108864;",
    )?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let shards = i64::try_from(config.shards).unwrap_or(i64::MAX);
    let shard_i = i64::try_from(shard).unwrap_or(i64::MAX);
    let record = format!(
        "INSERT OR IGNORE INTO meta (name, value) VALUES ('shards', {shards}), ('shard', {shard_i});"
    );
    match version {
        0 => conn.execute_batch(&format!(
            "BEGIN; {SCHEMA} {record} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        ))?,
        1 if config.shards == 1 => conn.execute_batch(&format!(
            "BEGIN; {MIGRATE_1_TO_2} {record} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        ))?,
        1 => return Err(layout_mismatch(&config.data_dir, 1, config.shards)),
        SCHEMA_VERSION => {}
        other => {
            return Err(StoreError(format!(
                "{} has schema version {other}; this version of aaa reads version {SCHEMA_VERSION}",
                path.display()
            )));
        }
    }
    let recorded = recorded_shards(&conn)?;
    let recorded_shard: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE name = 'shard'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if recorded != Some(config.shards) {
        return Err(layout_mismatch(
            &config.data_dir,
            recorded.unwrap_or(0),
            config.shards,
        ));
    }
    if recorded_shard != Some(shard_i) {
        return Err(StoreError(format!(
            "{} records itself as shard {recorded_shard:?}, not {shard}; the store files were renamed",
            path.display()
        )));
    }
    if let Some(max) = config.max_bytes {
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = i64::try_from(max).unwrap_or(i64::MAX) / page.max(1);
        conn.query_row(
            &format!("PRAGMA max_page_count={}", pages.max(1)),
            [],
            |_| Ok(()),
        )?;
    }
    Ok(conn)
}

/// Copies the WAL back into the database every [`CHECKPOINT_EVERY`] with a passive checkpoint,
/// which never blocks the writer, so the writer does not pay for it. Under steady load a passive
/// checkpoint never quite catches up with the writer, and SQLite only starts the WAL over once one
/// has; so when the WAL holds more than [`WAL_RESTART_BYTES`], [`checkpoint`] ends with a
/// `RESTART`, and the next commit starts the WAL over from its beginning. The WAL file thus stays
/// near 64 MiB under steady load (what is committed between two passes comes on top of 48 MiB;
/// `journal_size_limit` truncates it back to 64 MiB at each restart). Stops with the writers
/// (when `alive` can no longer be upgraded).
fn checkpointer(db: &Path, alive: &std::sync::Weak<Notify>) {
    let mut conn: Option<(Connection, u64)> = None;
    let mut restarts = Restarts::default();
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        if alive.upgrade().is_none() {
            return;
        }
        if conn.is_none() {
            conn = Connection::open(db).ok().and_then(|mut c| {
                let _ = c.busy_handler(Some(checkpoint_busy));
                let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).ok()?;
                Some((c, u64::try_from(page).ok()?))
            });
        }
        if let Some((c, page)) = &conn {
            if let Err(e) = checkpoint(c, *page, &mut restarts) {
                tracing::debug!(error = %e, "checkpoint failed");
                conn = None;
            }
        }
    }
}

/// When the checkpoint thread may next try a `RESTART`. A reader that keeps a snapshot from
/// before the restart (a long query, a backup, a `sqlite3` shell inside a transaction) makes it
/// wait, and the writer with it; after [`RESTART_WAIT`] it gives up, and tries again only after a
/// pause that doubles with each failure (1 s to 64 s), letting the WAL grow meanwhile, so that
/// such a reader costs the writer at most [`RESTART_WAIT`] now and then.
#[derive(Default)]
struct Restarts {
    not_before: Option<Instant>,
    failures: u32,
}

impl Restarts {
    fn allowed(&self) -> bool {
        self.not_before.is_none_or(|t| Instant::now() >= t)
    }

    fn record(&mut self, done: bool) {
        if done {
            *self = Restarts::default();
        } else {
            let pause = Duration::from_secs(1 << self.failures.min(6));
            self.failures += 1;
            self.not_before = Some(Instant::now() + pause);
            tracing::debug!(
                pause_s = pause.as_secs(),
                "a reader held the WAL restart back; the WAL grows until the next try"
            );
        }
    }
}

/// How long a writer or checkpoint connection sleeps before it tries a lock again. SQLite's own
/// busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 ms and so on between tries, so a writer held back
/// for a moment by a `RESTART` checkpoint slept on for up to tens of milliseconds after the lock
/// was free, and every request of its batch with it.
const BUSY_SLEEP: Duration = Duration::from_micros(250);

/// The writer's busy handler: tries again every [`BUSY_SLEEP`] for about 5 s.
fn writer_busy(tries: i32) -> bool {
    busy_wait(tries, Duration::from_secs(5))
}

/// How long a `RESTART` checkpoint waits for the writer and for readers (holding the writer back
/// while it waits for readers) before it gives up.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// The checkpoint connection's busy handler: tries again every [`BUSY_SLEEP`] for
/// [`RESTART_WAIT`] (only a `RESTART` waits; a passive checkpoint never does).
fn checkpoint_busy(tries: i32) -> bool {
    busy_wait(tries, RESTART_WAIT)
}

fn busy_wait(tries: i32, limit: Duration) -> bool {
    let most = limit.as_micros() / BUSY_SLEEP.as_micros();
    if u128::try_from(tries).unwrap_or(u128::MAX) >= most {
        return false;
    }
    std::thread::sleep(BUSY_SLEEP);
    true
}

/// One pass of the checkpoint thread: a passive checkpoint, and when the WAL has outgrown
/// [`WAL_RESTART_BYTES`], up to four more until one has little to copy (each copies what was
/// committed while the one before ran), then a `RESTART` that copies the rest while holding the
/// writer back, so that the pause is short. That pause is mostly the `fsync` of the database
/// file: 1-18 ms on the benchmark machine with 1,000 users' deliveries.
fn checkpoint(c: &Connection, page: u64, restarts: &mut Restarts) -> rusqlite::Result<()> {
    // The result row is (busy, frames in the WAL when it started, frames copied back).
    let passive = || c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
    let bytes = |frames: i64| u64::try_from(frames).unwrap_or(0).saturating_mul(page);
    let mut frames = passive()?;
    if bytes(frames) <= WAL_RESTART_BYTES || !restarts.allowed() {
        return Ok(());
    }
    // Each passive checkpoint copies what was committed while the one before ran; stop once that
    // is little, so that the `RESTART` has little left to copy while it holds the writer back.
    for _ in 0..4 {
        let before = frames;
        frames = passive()?;
        if bytes(frames.saturating_sub(before)) <= RESTART_LEFT_BYTES {
            break;
        }
    }
    let busy: i64 = c.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get(0))?;
    restarts.record(busy == 0);
    Ok(())
}

struct Writer {
    shard: usize,
    conn: Option<Connection>,
    /// The WAL file of `conn`, opened once per connection, for the sync thread to `fdatasync`.
    wal: Option<Arc<std::fs::File>>,
    /// Committed batches on their way to the sync thread.
    synced: mpsc::Sender<Written>,
    /// Set for good by the sync thread when an `fdatasync` fails.
    poisoned: Arc<AtomicBool>,
    /// The write time given to the last batch, so that write times never go down within a
    /// file (even when the clock does): ids and write times then sort the same way.
    last_us: i64,
    config: Arc<StoreConfig>,
    healthy: Arc<AtomicBool>,
}

impl Writer {
    fn run(mut self, rx: &Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let started = Instant::now();
            let appends = batch
                .iter()
                .filter(|j| matches!(j, Job::Append(..)))
                .count();
            if self.poisoned.load(Ordering::SeqCst) {
                self.healthy.store(false, Ordering::Relaxed);
                let e = StoreError(
                    "an earlier fdatasync of the store failed; restart to recover".into(),
                );
                for job in batch {
                    job.reply(Err(e.clone()));
                }
                continue;
            }
            let result = self.commit(&batch).and_then(|outcomes| {
                let wal = self.wal_file()?;
                Ok((outcomes, wal))
            });
            match result {
                Ok((outcomes, wal)) => {
                    self.healthy.store(true, Ordering::Relaxed);
                    let written = Written {
                        jobs: batch.into_iter().zip(outcomes).collect(),
                        wal,
                        started,
                        appends,
                    };
                    if let Err(mpsc::SendError(w)) = self.synced.send(written) {
                        let e = StoreError("the sync thread stopped".into());
                        for (job, _) in w.jobs {
                            job.reply(Err(e.clone()));
                        }
                    }
                }
                Err(e) => {
                    self.healthy.store(false, Ordering::Relaxed);
                    tracing::error!(error = %e, shard = self.shard, deliveries = appends, "store write failed");
                    // Reopen on the next batch: the condition (disk full, file replaced) may clear.
                    self.conn = None;
                    self.wal = None;
                    for job in batch {
                        job.reply(Err(e.clone()));
                    }
                }
            }
        }
    }

    /// The open WAL file of the current connection (it exists once the connection has read the
    /// database in WAL mode, which `open_writer` does).
    fn wal_file(&mut self) -> Result<Arc<std::fs::File>, StoreError> {
        if let Some(wal) = &self.wal {
            return Ok(Arc::clone(wal));
        }
        let mut path = self.config.db_path(self.shard).into_os_string();
        path.push("-wal");
        let file = std::fs::File::open(&path)
            .map_err(|e| StoreError(format!("cannot open the WAL file to sync it: {e}")))?;
        let file = Arc::new(file);
        self.wal = Some(Arc::clone(&file));
        Ok(file)
    }

    fn commit(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, StoreError> {
        if self.conn.is_none() {
            self.wal = None;
            self.conn = Some(open_writer(&self.config, self.shard)?);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(StoreError("no connection".into()));
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if self.last_us == 0 {
            self.last_us = tx.query_row(
                "SELECT COALESCE(MAX(stored_us), 0) FROM deliveries",
                [],
                |r| r.get(0),
            )?;
        }
        let stored_us = now_us().max(self.last_us);
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in batch {
            outcomes.push(match job {
                Job::Append(d, _) => Outcome::Appended(append(&tx, d, stored_us)?),
                Job::SetCursor(name, cursor, _) => {
                    tx.prepare_cached(
                        "INSERT INTO cursors (name, cursor) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
                    )?
                    .execute(params![name, cursor])?;
                    Outcome::Done
                }
                Job::Prune(_) => Outcome::Pruned(prune(&tx, &self.config)?),
            });
        }
        tx.commit()?;
        self.last_us = stored_us;
        Ok(outcomes)
    }
}

/// A batch committed by the writer, waiting for its WAL to be synced.
struct Written {
    jobs: Vec<(Job, Outcome)>,
    wal: Arc<std::fs::File>,
    started: Instant,
    appends: usize,
}

/// The sync thread of one store file: takes every batch the writer has committed, syncs the WAL
/// once for all of them (once per WAL file, should the writer have reopened it), then answers
/// their requests. A failed `fdatasync` poisons the file (see the module docs).
struct Syncer {
    shard: usize,
    durable: Arc<AtomicI64>,
    healthy: Arc<AtomicBool>,
    poisoned: Arc<AtomicBool>,
    committed: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Syncer {
    fn run(self, rx: &Receiver<Written>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while let Ok(more) = rx.try_recv() {
                group.push(more);
            }
            // After a failed sync nothing more is acknowledged: the WAL's frames are chained by
            // their checksums, so frames written after a lost one are lost too on recovery.
            let mut result = if self.poisoned.load(Ordering::SeqCst) {
                Err(StoreError(
                    "an earlier fdatasync of the store failed; restart to recover".into(),
                ))
            } else {
                Ok(())
            };
            if result.is_ok() {
                let mut done: Vec<&Arc<std::fs::File>> = Vec::new();
                for w in &group {
                    if !done.iter().any(|f| Arc::ptr_eq(f, &w.wal)) {
                        if let Err(e) = w.wal.sync_data() {
                            result = Err(StoreError(format!("fdatasync of the WAL failed: {e}")));
                            break;
                        }
                        done.push(&w.wal);
                    }
                }
            }
            match result {
                Ok(()) => {
                    let newest = group
                        .iter()
                        .flat_map(|w| &w.jobs)
                        .filter_map(|(_, o)| match o {
                            Outcome::Appended(a) => a.delivery_id,
                            _ => None,
                        })
                        .max();
                    if let Some(id) = newest {
                        self.durable.fetch_max(id, Ordering::SeqCst);
                    }
                    for w in group {
                        self.metrics.observe_commit(w.started.elapsed(), w.appends);
                        for (job, outcome) in w.jobs {
                            job.reply(Ok(outcome));
                        }
                    }
                    self.committed.notify_waiters();
                }
                Err(e) => {
                    self.poisoned.store(true, Ordering::SeqCst);
                    self.healthy.store(false, Ordering::Relaxed);
                    tracing::error!(error = %e, shard = self.shard, "store sync failed; refusing writes until restart");
                    for w in group {
                        for (job, _) in w.jobs {
                            job.reply(Err(e.clone()));
                        }
                    }
                }
            }
        }
    }
}

enum Outcome {
    Appended(Appended),
    Done,
    Pruned(usize),
}

impl Job {
    fn reply(self, result: Result<Outcome, StoreError>) {
        // A requester that went away (client disconnected) is not an error.
        match self {
            Job::Append(_, tx) => {
                let _ = tx.send(result.map(|o| match o {
                    Outcome::Appended(a) => a,
                    _ => Appended::default(),
                }));
            }
            Job::SetCursor(_, _, tx) => {
                let _ = tx.send(result.map(|_| ()));
            }
            Job::Prune(tx) => {
                let _ = tx.send(result.map(|o| match o {
                    Outcome::Pruned(n) => n,
                    _ => 0,
                }));
            }
        }
    }
}

fn digest(body: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, body);
    let mut hex = String::with_capacity(64);
    for b in d.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn append(
    tx: &rusqlite::Transaction<'_>,
    d: &Delivery,
    stored_us: i64,
) -> Result<Appended, StoreError> {
    // No savepoint per delivery: the only statement failures are I/O errors and a full store,
    // which fail the whole transaction (every request of the batch gets the error), and a
    // delivery that brought nothing new is deleted again below. Savepoints would copy every page
    // a delivery touches into the statement journal first.
    // Only quarantined bodies are deduplicated by digest (events are, by key).
    let (status, error, digest) = match &d.content {
        Content::Events(_) => ("ok", None, None),
        Content::Quarantined(why) => ("quarantined", Some(why.as_str()), Some(digest(&d.body))),
    };
    // Written as if every event were new (the usual case), and corrected below when some were
    // not, so that a delivery of new events costs no second write of its row.
    let assumed_new = match &d.content {
        Content::Events(events) => i64::try_from(events.len()).unwrap_or(i64::MAX),
        Content::Quarantined(_) => 0,
    };
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO deliveries
                 (app, received_at, signature, body, status, error, digest, new_events, stored_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8)",
        )?
        .execute(params![
            &*d.app,
            d.received_at,
            d.signature,
            &d.body[..],
            status,
            error,
            digest,
            stored_us,
            assumed_new
        ])?;
    if inserted == 0 {
        // The same quarantined body again.
        return Ok(Appended::default());
    }
    let delivery_id = tx.last_insert_rowid();
    let mut out = Appended {
        delivery_id: Some(delivery_id),
        ..Appended::default()
    };
    let Content::Events(events) = &d.content else {
        return Ok(out);
    };
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO events
                 (key, kind, for_user_id, delivery_id, received_at, raw_start, raw_end)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (i, e) in events.iter().enumerate() {
            let start = i64::try_from(e.range.start).unwrap_or(i64::MAX);
            let end = i64::try_from(e.range.end).unwrap_or(i64::MAX);
            if insert.execute(params![
                e.key,
                e.kind,
                e.for_user_id,
                delivery_id,
                d.received_at,
                start,
                end
            ])? == 1
            {
                out.new_events.push(i);
            } else {
                out.duplicates += 1;
            }
        }
    }
    if out.new_events.is_empty() {
        // Nothing new: keep no copy of the body.
        tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?
            .execute(params![delivery_id])?;
        return Ok(Appended {
            delivery_id: None,
            new_events: Vec::new(),
            duplicates: out.duplicates,
        });
    }
    let new_events = i64::try_from(out.new_events.len()).unwrap_or(i64::MAX);
    if new_events != assumed_new {
        tx.prepare_cached("UPDATE deliveries SET new_events = ?1 WHERE id = ?2")?
            .execute(params![new_events, delivery_id])?;
    }
    Ok(out)
}

fn prune(tx: &rusqlite::Transaction<'_>, config: &StoreConfig) -> Result<usize, StoreError> {
    let retention = i64::try_from(config.retention.as_millis()).unwrap_or(i64::MAX);
    let cutoff = now_ms().saturating_sub(retention);
    let events = tx.execute("DELETE FROM events WHERE received_at < ?1", params![cutoff])?;
    // Keep deliveries a consumer has not read yet.
    let min_cursor: Option<i64> =
        tx.query_row("SELECT MIN(cursor) FROM cursors", [], |r| r.get(0))?;
    tx.execute(
        "DELETE FROM deliveries WHERE received_at < ?1 AND id <= ?2",
        params![cutoff, min_cursor.unwrap_or(i64::MAX)],
    )?;
    Ok(events)
}

/// A stored event, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The shard (store file) it is in.
    pub shard: usize,
    /// Row id (increasing in storage order within its shard).
    pub id: i64,
    /// The dedupe key.
    pub key: String,
    /// The kind name.
    pub kind: String,
    /// The delivery's `for_user_id`.
    pub for_user_id: Option<String>,
    /// The delivery the event came in (a row id in the same shard).
    pub delivery_id: i64,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// When its shard's writer stored it, in microseconds since the epoch (never decreasing
    /// with the id within a shard; 0 for events stored before this was recorded).
    pub stored_us: i64,
    /// The event's raw JSON.
    pub raw: Vec<u8>,
}

/// A stored delivery, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    /// The shard (store file) it is in.
    pub shard: usize,
    /// Row id (increasing in storage order within its shard).
    pub id: i64,
    /// The app it was addressed to.
    pub app: String,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// When its shard's writer stored it, in microseconds since the epoch.
    pub stored_us: i64,
    /// X's signature header, as received.
    pub signature: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// `ok` or `quarantined`.
    pub status: String,
}

impl StoredDelivery {
    /// The key that orders deliveries across shards: write time, then shard, then id.
    pub fn order_key(&self) -> (i64, usize, i64) {
        (self.stored_us, self.shard, self.id)
    }
}

impl StoredEvent {
    /// The key that orders events across shards: write time, then shard, then id.
    pub fn order_key(&self) -> (i64, usize, i64) {
        (self.stored_us, self.shard, self.id)
    }
}

/// A position in every shard's events, for reading only what is new (`events tail`). Opaque:
/// start from [`Reader::end_cursor`] and [`advance`](EventCursor::advance) it past each event read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCursor(Vec<i64>);

impl EventCursor {
    /// Moves the cursor past `e`.
    pub fn advance(&mut self, e: &StoredEvent) {
        if self.0.len() <= e.shard {
            self.0.resize(e.shard + 1, 0);
        }
        self.0[e.shard] = self.0[e.shard].max(e.id);
    }

    fn get(&self, shard: usize) -> i64 {
        self.0.get(shard).copied().unwrap_or(0)
    }
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this `for_user_id`.
    pub user: Option<String>,
    /// Only events received at or after this time (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// Only events with a row id above this one (in every shard; meant for a one-file store).
    pub after_id: Option<i64>,
    /// Only events after this cursor (takes precedence over `after_id`).
    pub after: Option<EventCursor>,
    /// At most this many (the newest when neither `after_id` nor `after` is set, the oldest
    /// after the position otherwise).
    pub limit: Option<usize>,
}

/// Read-only connections to the store's files.
#[derive(Debug)]
pub struct Reader {
    shards: Vec<Connection>,
}

fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// Sorts the rows of every shard (each already in id order) into one list by `key`.
fn merge<T>(per_shard: Vec<Vec<T>>, key: impl Fn(&T) -> (i64, usize, i64)) -> Vec<T> {
    let mut all: Vec<T> = per_shard.into_iter().flatten().collect();
    all.sort_by_key(key);
    all
}

impl Reader {
    /// Opens one database file read-only (a store of one file, or one shard of a store).
    ///
    /// # Errors
    ///
    /// When it cannot be opened.
    pub fn open(path: &Path) -> Result<Reader, StoreError> {
        Reader::open_files(&[path.to_owned()])
    }

    /// Opens these files read-only, as shards 0, 1, ... of one store.
    ///
    /// # Errors
    ///
    /// When one cannot be opened.
    pub fn open_files(paths: &[PathBuf]) -> Result<Reader, StoreError> {
        Ok(Reader {
            shards: paths
                .iter()
                .map(|p| open_read_only(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Opens every file of the store in `data_dir` read-only, however many it was split into.
    ///
    /// # Errors
    ///
    /// When there is no store there, a file is missing, or one cannot be opened.
    pub fn open_dir(data_dir: &Path) -> Result<Reader, StoreError> {
        let Some(shards) = existing_shards(data_dir)? else {
            return Err(StoreError(format!(
                "{}: no event store here",
                data_dir.display()
            )));
        };
        let paths: Vec<PathBuf> = (0..shards)
            .map(|k| data_dir.join(file_name(shards, k)))
            .collect();
        if let Some(missing) = paths.iter().find(|p| !p.exists()) {
            return Err(StoreError(format!(
                "{}: missing (the store has {shards} files)",
                missing.display()
            )));
        }
        Reader::open_files(&paths)
    }

    /// How many shards this reader reads.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    fn shard(&self, shard: usize) -> Result<&Connection, StoreError> {
        self.shards
            .get(shard)
            .ok_or_else(|| StoreError(format!("no shard {shard}")))
    }

    /// Events matching `filter`, oldest first: in storage order within a shard, and by write time
    /// (then shard) across shards.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let positioned = filter.after_id.is_some() || filter.after.is_some();
        let newest_first = !positioned && filter.limit.is_some();
        let sql = format!(
            "SELECT e.id, e.key, e.kind, e.for_user_id, e.delivery_id, e.received_at, d.stored_us,
                    substr(d.body, e.raw_start + 1, e.raw_end - e.raw_start)
             FROM events e JOIN deliveries d ON d.id = e.delivery_id
             WHERE (?1 IS NULL OR e.kind = ?1) AND (?2 IS NULL OR e.for_user_id = ?2)
               AND (?3 IS NULL OR e.received_at >= ?3) AND (?4 IS NULL OR e.id > ?4)
             ORDER BY e.id {} LIMIT ?5",
            if newest_first { "DESC" } else { "ASC" }
        );
        let mut per_shard = Vec::with_capacity(self.shards.len());
        for (k, conn) in self.shards.iter().enumerate() {
            let after = filter.after.as_ref().map(|c| c.get(k)).or(filter.after_id);
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![filter.kind, filter.user, filter.since_ms, after, limit],
                |r| {
                    Ok(StoredEvent {
                        shard: k,
                        id: r.get(0)?,
                        key: r.get(1)?,
                        kind: r.get(2)?,
                        for_user_id: r.get(3)?,
                        delivery_id: r.get(4)?,
                        received_at: r.get(5)?,
                        stored_us: r.get(6)?,
                        raw: r.get(7)?,
                    })
                },
            )?;
            let mut out = rows.collect::<Result<Vec<_>, _>>()?;
            if newest_first {
                out.reverse();
            }
            per_shard.push(out);
        }
        let mut all = merge(per_shard, StoredEvent::order_key);
        if let Some(l) = filter.limit {
            if newest_first {
                all.drain(..all.len().saturating_sub(l));
            } else {
                all.truncate(l);
            }
        }
        Ok(all)
    }

    /// A cursor past the newest event of every shard.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn end_cursor(&self) -> Result<EventCursor, StoreError> {
        let mut ids = Vec::with_capacity(self.shards.len());
        for conn in &self.shards {
            ids.push(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?);
        }
        Ok(EventCursor(ids))
    }

    /// Deliveries that carried new events, after `after_id` in every shard (meant for a one-file
    /// store, or 0 for all), oldest first as in [`Reader::events`], at most `limit`.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn deliveries_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        let per_shard = (0..self.shards.len())
            .map(|k| self.shard_deliveries_after(k, after_id, limit))
            .collect::<Result<Vec<_>, _>>()?;
        let mut all = merge(per_shard, StoredDelivery::order_key);
        all.truncate(limit);
        Ok(all)
    }

    /// Deliveries of shard `shard` that carried new events, after `after_id`, in storage order.
    ///
    /// # Errors
    ///
    /// On a database error, or when there is no such shard.
    pub fn shard_deliveries_after(
        &self,
        shard: usize,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        let mut stmt = self.shard(shard)?.prepare_cached(
            "SELECT id, app, received_at, stored_us, signature, body, status FROM deliveries
             WHERE id > ?1 AND status = 'ok' AND new_events > 0 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![after_id, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(StoredDelivery {
                    shard,
                    id: r.get(0)?,
                    app: r.get(1)?,
                    received_at: r.get(2)?,
                    stored_us: r.get(3)?,
                    signature: r.get(4)?,
                    body: r.get(5)?,
                    status: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// A consumer's cursor, summed over the shards (each shard's cursor is 0 when it has none
    /// yet). With one shard, that shard's cursor; see [`Reader::shard_cursor`].
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn cursor(&self, name: &str) -> Result<i64, StoreError> {
        let mut sum = 0i64;
        for k in 0..self.shards.len() {
            sum = sum.saturating_add(self.shard_cursor(k, name)?);
        }
        Ok(sum)
    }

    /// A consumer's cursor in shard `shard` (0 when it has none yet).
    ///
    /// # Errors
    ///
    /// On a database error, or when there is no such shard.
    pub fn shard_cursor(&self, shard: usize, name: &str) -> Result<i64, StoreError> {
        Ok(self
            .shard(shard)?
            .query_row(
                "SELECT cursor FROM cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// The id of the newest delivery that carried new events, summed over the shards (0 when
    /// none). With one shard, that delivery's id; see [`Reader::shard_last_delivery_id`].
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn last_delivery_id(&self) -> Result<i64, StoreError> {
        let mut sum = 0i64;
        for k in 0..self.shards.len() {
            sum = sum.saturating_add(self.shard_last_delivery_id(k)?);
        }
        Ok(sum)
    }

    /// The id of the newest delivery of shard `shard` that carried new events (0 when none).
    ///
    /// # Errors
    ///
    /// On a database error, or when there is no such shard.
    pub fn shard_last_delivery_id(&self, shard: usize) -> Result<i64, StoreError> {
        Ok(self.shard(shard)?.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM deliveries WHERE status = 'ok' AND new_events > 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Counts of stored events and of quarantined deliveries, over all shards.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn counts(&self) -> Result<(i64, i64), StoreError> {
        let (mut events, mut quarantined) = (0i64, 0i64);
        for conn in &self.shards {
            let e: i64 = conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
            let q: i64 = conn.query_row(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'quarantined'",
                [],
                |r| r.get(0),
            )?;
            events += e;
            quarantined += q;
        }
        Ok((events, quarantined))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_missing_user_and_an_empty_one_share_a_shard() {
        for n in 1..10 {
            assert_eq!(shard_for_user(None, n), shard_for_user(Some(""), n));
            assert!(shard_for_user(Some("2244994945"), n) < n);
        }
    }
}
