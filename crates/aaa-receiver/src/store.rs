//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, one writer thread,
//! group commit.
//!
//! Every request that wants to store a delivery sends it to the writer thread and waits. The
//! writer takes everything that is queued (up to [`MAX_BATCH`]), writes it in one transaction and
//! commits once, so concurrent requests share one fsync. Each delivery sits in its own savepoint:
//! its events are inserted with their dedupe keys under a `UNIQUE` constraint, and a delivery that
//! brought no new event is rolled back to its savepoint, so a redelivered body is stored once.
//! A request learns the outcome only after the commit returned, which is when it may answer 200.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{Notify, oneshot};

use crate::metrics::Metrics;

/// The most deliveries committed in one transaction.
pub const MAX_BATCH: usize = 256;

/// How many deliveries may wait for the writer before new ones are refused (503).
const QUEUE_DEPTH: usize = 4096;

/// The schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

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
    new_events  INTEGER NOT NULL
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
";

/// Store settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The directory holding `aaa.sqlite3` (created if missing).
    pub data_dir: PathBuf,
    /// How long events are kept, and so how long their dedupe keys are remembered. The default,
    /// seven days, covers X's five-day replay window.
    pub retention: Duration,
    /// An upper bound on the database size in bytes; writes beyond it fail (and requests get 503)
    /// instead of filling the disk. `None` for no bound.
    pub max_bytes: Option<u64>,
}

impl StoreConfig {
    /// Settings for `data_dir` with the default retention and no size bound.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_bytes: None,
        }
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("aaa.sqlite3")
    }
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

/// A handle on the store. Cheap to clone; the writer thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Store {
    tx: SyncSender<Job>,
    config: Arc<StoreConfig>,
    healthy: Arc<AtomicBool>,
    committed: Arc<Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.config.db_path())
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Store {
    /// Opens (creating if needed) the store and starts its writer thread.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created or the database cannot be opened or migrated.
    pub fn open(config: StoreConfig, metrics: Arc<Metrics>) -> Result<Store, StoreError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", config.data_dir.display())))?;
        let conn = open_writer(&config)?;
        let (tx, rx) = mpsc::sync_channel(QUEUE_DEPTH);
        let config = Arc::new(config);
        let healthy = Arc::new(AtomicBool::new(true));
        let committed = Arc::new(Notify::new());
        let writer = Writer {
            conn: Some(conn),
            config: Arc::clone(&config),
            healthy: Arc::clone(&healthy),
            committed: Arc::clone(&committed),
            metrics,
        };
        let db = config.db_path();
        let alive = Arc::downgrade(&committed);
        std::thread::Builder::new()
            .name("aaa-store-checkpoint".into())
            .spawn(move || checkpointer(&db, &alive))
            .map_err(|e| StoreError(format!("cannot start the checkpoint thread: {e}")))?;
        std::thread::Builder::new()
            .name("aaa-store-writer".into())
            .spawn(move || writer.run(&rx))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            tx,
            config,
            healthy,
            committed,
        })
    }

    /// Stores a delivery; resolves once it is durable (or known not to be).
    ///
    /// # Errors
    ///
    /// When the store cannot write (disk full, read-only, over its size bound, I/O error) or its
    /// queue is full.
    pub async fn append(&self, delivery: Arc<Delivery>) -> Result<Appended, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Append(delivery, reply))?;
        rx.await
            .map_err(|_| StoreError("the writer thread stopped".into()))?
    }

    /// Durably records how far a consumer (e.g. the forwarder) has got.
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn set_cursor(&self, name: &str, cursor: i64) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::SetCursor(name.to_owned(), cursor, reply))?;
        rx.await
            .map_err(|_| StoreError("the writer thread stopped".into()))?
    }

    /// Deletes events older than the retention window (forgetting their keys) and the deliveries
    /// that no consumer needs any more. Returns how many events were deleted.
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn prune(&self) -> Result<usize, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Prune(reply))?;
        rx.await
            .map_err(|_| StoreError("the writer thread stopped".into()))?
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(StoreError("write queue full".into())),
            Err(TrySendError::Disconnected(_)) => {
                Err(StoreError("the writer thread stopped".into()))
            }
        }
    }

    /// Whether the last write succeeded.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Resolves after the next commit.
    pub fn committed(&self) -> &Notify {
        &self.committed
    }

    /// The store's settings.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Opens a read-only connection (WAL readers never block the writer).
    ///
    /// # Errors
    ///
    /// When the database cannot be opened.
    pub fn reader(&self) -> Result<Reader, StoreError> {
        Reader::open(&self.config.db_path())
    }
}

fn open_writer(config: &StoreConfig) -> Result<Connection, StoreError> {
    let conn = Connection::open(config.db_path())?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError(format!("cannot enable WAL mode (got {mode})")));
    }
    // Checkpoints run on their own thread (see `checkpointer`), not inside the commits that
    // requests wait for.
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0;",
    )?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    match version {
        0 => conn.execute_batch(&format!("{SCHEMA} PRAGMA user_version={SCHEMA_VERSION};"))?,
        SCHEMA_VERSION => {}
        other => {
            return Err(StoreError(format!(
                "{} has schema version {other}; this version of aaa reads version {SCHEMA_VERSION}",
                config.db_path().display()
            )));
        }
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

/// Copies the WAL back into the database once a second (a passive checkpoint never blocks the
/// writer), so the WAL stays small without the writer paying for it. Stops with the writer
/// (when `alive` can no longer be upgraded).
fn checkpointer(db: &Path, alive: &std::sync::Weak<Notify>) {
    let mut conn = None;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        if alive.upgrade().is_none() {
            return;
        }
        if conn.is_none() {
            conn = Connection::open(db).ok();
        }
        if let Some(c) = &conn {
            if let Err(e) = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::debug!(error = %e, "checkpoint failed");
                conn = None;
            }
        }
    }
}

struct Writer {
    conn: Option<Connection>,
    config: Arc<StoreConfig>,
    healthy: Arc<AtomicBool>,
    committed: Arc<Notify>,
    metrics: Arc<Metrics>,
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
            let result = self.commit(&batch);
            self.metrics.observe_commit(started.elapsed(), appends);
            self.healthy.store(result.is_ok(), Ordering::Relaxed);
            match result {
                Ok(outcomes) => {
                    for (job, outcome) in batch.into_iter().zip(outcomes) {
                        job.reply(Ok(outcome));
                    }
                    self.committed.notify_waiters();
                }
                Err(e) => {
                    tracing::error!(error = %e, deliveries = appends, "store write failed");
                    // Reopen on the next batch: the condition (disk full, file replaced) may clear.
                    self.conn = None;
                    for job in batch {
                        job.reply(Err(e.clone()));
                    }
                }
            }
        }
    }

    fn commit(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(open_writer(&self.config)?);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(StoreError("no connection".into()));
        };
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in batch {
            outcomes.push(match job {
                Job::Append(d, _) => Outcome::Appended(append(&mut tx, d)?),
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
        Ok(outcomes)
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

fn append(tx: &mut rusqlite::Transaction<'_>, d: &Delivery) -> Result<Appended, StoreError> {
    let sp = tx.savepoint()?;
    // Only quarantined bodies are deduplicated by digest (events are, by key).
    let (status, error, digest) = match &d.content {
        Content::Events(_) => ("ok", None, None),
        Content::Quarantined(why) => ("quarantined", Some(why.as_str()), Some(digest(&d.body))),
    };
    let inserted = sp
        .prepare_cached(
            "INSERT OR IGNORE INTO deliveries
                 (app, received_at, signature, body, status, error, digest, new_events)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
        )?
        .execute(params![
            &*d.app,
            d.received_at,
            d.signature,
            &d.body[..],
            status,
            error,
            digest
        ])?;
    if inserted == 0 {
        // The same quarantined body again.
        return Ok(Appended::default());
    }
    let delivery_id = sp.last_insert_rowid();
    let mut out = Appended {
        delivery_id: Some(delivery_id),
        ..Appended::default()
    };
    let Content::Events(events) = &d.content else {
        sp.commit()?;
        return Ok(out);
    };
    {
        let mut insert = sp.prepare_cached(
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
        // Nothing new: keep no copy of the body (the savepoint rolls back on drop).
        return Ok(Appended {
            delivery_id: None,
            new_events: Vec::new(),
            duplicates: out.duplicates,
        });
    }
    sp.prepare_cached("UPDATE deliveries SET new_events = ?1 WHERE id = ?2")?
        .execute(params![
            i64::try_from(out.new_events.len()).unwrap_or(i64::MAX),
            delivery_id
        ])?;
    sp.commit()?;
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
    /// Row id (increasing in storage order).
    pub id: i64,
    /// The dedupe key.
    pub key: String,
    /// The kind name.
    pub kind: String,
    /// The delivery's `for_user_id`.
    pub for_user_id: Option<String>,
    /// The delivery the event came in.
    pub delivery_id: i64,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// The event's raw JSON.
    pub raw: Vec<u8>,
}

/// A stored delivery, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    /// Row id (increasing in storage order).
    pub id: i64,
    /// The app it was addressed to.
    pub app: String,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// X's signature header, as received.
    pub signature: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// `ok` or `quarantined`.
    pub status: String,
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
    /// Only events with a row id above this one.
    pub after_id: Option<i64>,
    /// At most this many (the newest when `after_id` is not set, in storage order otherwise).
    pub limit: Option<usize>,
}

/// A read-only connection to the store.
#[derive(Debug)]
pub struct Reader {
    conn: Connection,
}

impl Reader {
    /// Opens the database at `path` read-only.
    ///
    /// # Errors
    ///
    /// When it cannot be opened.
    pub fn open(path: &Path) -> Result<Reader, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(Reader { conn })
    }

    /// Events matching `filter`, in storage order.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let newest_first = filter.after_id.is_none() && filter.limit.is_some();
        let sql = format!(
            "SELECT e.id, e.key, e.kind, e.for_user_id, e.delivery_id, e.received_at,
                    substr(d.body, e.raw_start + 1, e.raw_end - e.raw_start)
             FROM events e JOIN deliveries d ON d.id = e.delivery_id
             WHERE (?1 IS NULL OR e.kind = ?1) AND (?2 IS NULL OR e.for_user_id = ?2)
               AND (?3 IS NULL OR e.received_at >= ?3) AND (?4 IS NULL OR e.id > ?4)
             ORDER BY e.id {} LIMIT ?5",
            if newest_first { "DESC" } else { "ASC" }
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                filter.kind,
                filter.user,
                filter.since_ms,
                filter.after_id,
                limit
            ],
            |r| {
                Ok(StoredEvent {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    kind: r.get(2)?,
                    for_user_id: r.get(3)?,
                    delivery_id: r.get(4)?,
                    received_at: r.get(5)?,
                    raw: r.get(6)?,
                })
            },
        )?;
        let mut out = rows.collect::<Result<Vec<_>, _>>()?;
        if newest_first {
            out.reverse();
        }
        Ok(out)
    }

    /// Deliveries that carried new events, after `after_id`, in storage order.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn deliveries_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, app, received_at, signature, body, status FROM deliveries
             WHERE id > ?1 AND status = 'ok' AND new_events > 0 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![after_id, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(StoredDelivery {
                    id: r.get(0)?,
                    app: r.get(1)?,
                    received_at: r.get(2)?,
                    signature: r.get(3)?,
                    body: r.get(4)?,
                    status: r.get(5)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// A consumer's cursor (0 when it has none yet).
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn cursor(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// The id of the newest delivery that carried new events (0 when none).
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn last_delivery_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM deliveries WHERE status = 'ok' AND new_events > 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Counts of stored events and of quarantined deliveries.
    ///
    /// # Errors
    ///
    /// On a database error.
    pub fn counts(&self) -> Result<(i64, i64), StoreError> {
        let events = self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        let quarantined = self.conn.query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'quarantined'",
            [],
            |r| r.get(0),
        )?;
        Ok((events, quarantined))
    }
}
