//! The gap journal: a small SQLite file of its own (`ops.sqlite3` in the receiver's data
//! directory), whatever backend keeps the events. It holds the receiver's heartbeat (when it was
//! last alive, and up to when it knows it missed nothing), the outage windows ("gaps") with what
//! was done for each, the replay jobs asked of X, and the last state seen of each webhook.
//! Every write is synced before it returns (WAL, `synchronous=FULL`), so a crash loses nothing
//! the journal was told.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

/// The journal's file name in the data directory.
pub const JOURNAL_FILE: &str = "ops.sqlite3";
/// The file a running receiver holds locked, so that no second one writes its journal.
pub const LOCK_FILE: &str = "ops.lock";

/// The right to write the journal of a data directory, held by one running receiver at a time
/// (an exclusive SQLite lock on [`LOCK_FILE`], which the system releases when the process ends,
/// however it ends).
pub(crate) struct RunLock {
    _conn: Mutex<Connection>,
}

impl fmt::Debug for RunLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RunLock")
    }
}

impl RunLock {
    /// Takes the lock of `data_dir`, or says that another receiver holds it.
    pub(crate) fn take(data_dir: &Path) -> Result<RunLock, JournalError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| JournalError(format!("{}: {e}", data_dir.display())))?;
        let conn = Connection::open(data_dir.join(LOCK_FILE))?;
        // Held by another receiver: say so at once rather than wait for it.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        match conn.execute_batch("BEGIN EXCLUSIVE") {
            Ok(()) => Ok(RunLock {
                _conn: Mutex::new(conn),
            }),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Err(JournalError(format!(
                    "another receiver is running with the data directory {} (each receiver keeps its own outage journal there, so each needs its own data directory)",
                    data_dir.display()
                )))
            }
            Err(e) => Err(e.into()),
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    run_started_ms INTEGER NOT NULL,
    alive_ms INTEGER NOT NULL,
    covered_ms INTEGER NOT NULL,
    clean_stop INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY,
    cause TEXT NOT NULL,
    webhook_id TEXT,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    recorded_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    merged_into INTEGER
);
CREATE TABLE IF NOT EXISTS replays (
    id INTEGER PRIMARY KEY,
    gap_id INTEGER NOT NULL REFERENCES gaps(id),
    webhook_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    job_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    not_before_ms INTEGER NOT NULL DEFAULT 0,
    started_ms INTEGER,
    finished_ms INTEGER
);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    valid INTEGER,
    checked_ms INTEGER NOT NULL,
    last_valid_ms INTEGER
);
";

/// Why the receiver missed events for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GapCause {
    /// The receiver was stopped (it said so in its journal before it exited).
    Stopped,
    /// The receiver ended without stopping cleanly (killed, crashed, power lost).
    Crashed,
    /// The store could not write, so deliveries were answered 503.
    StoreUnavailable,
    /// X marked the webhook invalid (failed CRC checks), so it delivered nothing.
    WebhookInvalid,
}

impl GapCause {
    /// The name written in the journal and shown to people.
    pub const fn as_str(self) -> &'static str {
        match self {
            GapCause::Stopped => "stopped",
            GapCause::Crashed => "crashed",
            GapCause::StoreUnavailable => "store_unavailable",
            GapCause::WebhookInvalid => "webhook_invalid",
        }
    }

    fn parse(s: &str) -> GapCause {
        match s {
            "stopped" => GapCause::Stopped,
            "store_unavailable" => GapCause::StoreUnavailable,
            "webhook_invalid" => GapCause::WebhookInvalid,
            _ => GapCause::Crashed,
        }
    }
}

impl fmt::Display for GapCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a gap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GapState {
    /// The outage is going on; its end is not known yet.
    Open,
    /// Over, and waiting until X takes its window (or for a way to ask: `--manage`).
    Recorded,
    /// Replay jobs were asked of X and are not all complete.
    Requested,
    /// Every replay job of the window completed.
    Replayed,
    /// The window (or part of it) is older than X replays: those events are gone.
    Lost,
}

impl GapState {
    /// Every state, in the order a gap goes through them.
    pub const ALL: [GapState; 5] = [
        GapState::Open,
        GapState::Recorded,
        GapState::Requested,
        GapState::Replayed,
        GapState::Lost,
    ];

    /// The name written in the journal and shown to people.
    pub const fn as_str(self) -> &'static str {
        match self {
            GapState::Open => "open",
            GapState::Recorded => "recorded",
            GapState::Requested => "requested",
            GapState::Replayed => "replayed",
            GapState::Lost => "lost",
        }
    }

    fn parse(s: &str) -> GapState {
        match s {
            "open" => GapState::Open,
            "requested" => GapState::Requested,
            "replayed" => GapState::Replayed,
            "lost" => GapState::Lost,
            _ => GapState::Recorded,
        }
    }
}

impl fmt::Display for GapState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a replay job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobState {
    /// Waiting for its turn (X runs one job per webhook at a time) or for a retry.
    Queued,
    /// Asked of X; waiting for its `replay_job_status`.
    Running,
    /// X said `Complete`.
    Complete,
    /// Older than X replays by the time it could be asked.
    Lost,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Complete,
        JobState::Lost,
    ];

    /// The name written in the journal and shown to people.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Complete => "complete",
            JobState::Lost => "lost",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "complete" => JobState::Complete,
            "lost" => JobState::Lost,
            _ => JobState::Queued,
        }
    }
}

/// The receiver's heartbeat, as the last run left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Heartbeat {
    /// When that run started (ms since the epoch).
    pub run_started_ms: i64,
    /// When it was last known alive.
    pub alive_ms: i64,
    /// Up to when it knows it missed nothing: it was alive, its store wrote and no outage was
    /// open.
    pub covered_ms: i64,
    /// Whether it stopped cleanly (and when it stopped is `alive_ms`).
    pub clean_stop: bool,
}

/// One replay job of a gap, for one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayRecord {
    /// The journal's id of the job.
    pub id: i64,
    /// The gap it replays.
    pub gap_id: i64,
    /// The webhook replayed.
    pub webhook_id: String,
    /// The job's window, whole UTC minutes, `from` inclusive.
    pub from_ms: i64,
    /// The job's window end, exclusive.
    pub to_ms: i64,
    /// Where it stands.
    pub state: JobState,
    /// X's job id, once asked.
    pub job_id: Option<String>,
    /// How many times it was asked of X.
    pub attempts: u32,
    /// What happened last, in words.
    pub detail: String,
    /// Not asked again before this time.
    pub not_before_ms: i64,
    /// When it was last asked of X.
    pub started_ms: Option<i64>,
    /// When X said it was complete.
    pub finished_ms: Option<i64>,
}

/// One outage window and what was done for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The journal's id.
    pub id: i64,
    /// Why events were missed.
    pub cause: GapCause,
    /// The webhook it concerns (a webhook turned invalid); `None` for all of this receiver's.
    pub webhook_id: Option<String>,
    /// The last moment before the outage the receiver knows it missed nothing (ms).
    pub from_ms: i64,
    /// The first moment after it; `None` while it goes on.
    pub to_ms: Option<i64>,
    /// Where it stands.
    pub state: GapState,
    /// What was done, in words.
    pub detail: String,
    /// When it was recorded.
    pub recorded_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// The window whose replay jobs cover this one too (it overlapped or touched that one for
    /// the same webhooks), and whose state it follows; `None` when it has jobs of its own.
    pub merged_into: Option<i64>,
    /// Its replay jobs, oldest first.
    pub replays: Vec<ReplayRecord>,
}

/// The last state seen of a webhook that points at this receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookRecord {
    /// X's id.
    pub id: String,
    /// Its URL.
    pub url: String,
    /// Whether X said it is valid at the last check (`None`: X did not say).
    pub valid: Option<bool>,
    /// When it was last checked.
    pub checked_ms: i64,
    /// The last time a check saw it valid.
    pub last_valid_ms: Option<i64>,
}

/// Why the journal could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalError(String);

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gap journal: {}", self.0)
    }
}

impl std::error::Error for JournalError {}

impl JournalError {
    pub(crate) fn new(message: impl Into<String>) -> JournalError {
        JournalError(message.into())
    }
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> JournalError {
        JournalError(e.to_string())
    }
}

/// A SQLite error on the journal file `path`, naming the file.
fn in_file(path: &Path, e: &rusqlite::Error) -> JournalError {
    JournalError(format!("{}: {e}", path.display()))
}

/// A handle on the journal. Cheap to clone; the calls block on SQLite (each write is synced),
/// so async code runs them on a blocking thread.
#[derive(Clone)]
pub struct Journal {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// The columns a gap is read with (a read-only journal may be of an earlier layout).
    gap_columns: &'static str,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn row_gap(r: &rusqlite::Row<'_>) -> rusqlite::Result<Gap> {
    Ok(Gap {
        id: r.get(0)?,
        cause: GapCause::parse(&r.get::<_, String>(1)?),
        webhook_id: r.get(2)?,
        from_ms: r.get(3)?,
        to_ms: r.get(4)?,
        state: GapState::parse(&r.get::<_, String>(5)?),
        detail: r.get(6)?,
        recorded_ms: r.get(7)?,
        updated_ms: r.get(8)?,
        merged_into: r.get(9)?,
        replays: Vec::new(),
    })
}

const GAP_COLUMNS: &str =
    "id, cause, webhook_id, from_ms, to_ms, state, detail, recorded_ms, updated_ms, merged_into";
/// The same, for a journal written before windows were merged.
const GAP_COLUMNS_V1: &str =
    "id, cause, webhook_id, from_ms, to_ms, state, detail, recorded_ms, updated_ms, NULL";

/// Whether the journal's gaps table has the `merged_into` column.
fn has_merged_into(c: &Connection) -> rusqlite::Result<bool> {
    let mut stmt = c.prepare("SELECT name FROM pragma_table_info('gaps')")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.iter().any(|n| n == "merged_into"))
}
const JOB_COLUMNS: &str = "id, gap_id, webhook_id, from_ms, to_ms, state, job_id, attempts, detail, not_before_ms, started_ms, finished_ms";

fn row_job(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReplayRecord> {
    Ok(ReplayRecord {
        id: r.get(0)?,
        gap_id: r.get(1)?,
        webhook_id: r.get(2)?,
        from_ms: r.get(3)?,
        to_ms: r.get(4)?,
        state: JobState::parse(&r.get::<_, String>(5)?),
        job_id: r.get(6)?,
        attempts: r.get(7)?,
        detail: r.get(8)?,
        not_before_ms: r.get(9)?,
        started_ms: r.get(10)?,
        finished_ms: r.get(11)?,
    })
}

impl Journal {
    /// Opens (creating if needed) the journal in `data_dir`.
    ///
    /// # Errors
    ///
    /// When the directory or file cannot be created or opened.
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| JournalError(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join(JOURNAL_FILE);
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.execute_batch(SCHEMA)?;
            if !has_merged_into(&conn)? {
                conn.execute_batch("ALTER TABLE gaps ADD COLUMN merged_into INTEGER")?;
            }
            Ok(conn)
        };
        let conn = open().map_err(|e| in_file(&path, &e))?;
        Ok(Journal {
            conn: Arc::new(Mutex::new(conn)),
            path,
            gap_columns: GAP_COLUMNS,
        })
    }

    /// Opens the journal in `data_dir` for reading (another process may be writing it).
    ///
    /// # Errors
    ///
    /// When there is no journal there, or it cannot be read.
    pub fn open_read_only(data_dir: &Path) -> Result<Journal, JournalError> {
        let path = data_dir.join(JOURNAL_FILE);
        if !path.exists() {
            return Err(JournalError(format!(
                "{}: no gap journal here (the receiver writes one in its data directory)",
                data_dir.display()
            )));
        }
        let open = || -> rusqlite::Result<(Connection, bool)> {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            let merged = has_merged_into(&conn)?;
            Ok((conn, merged))
        };
        let (conn, merged) = open().map_err(|e| in_file(&path, &e))?;
        let gap_columns = if merged { GAP_COLUMNS } else { GAP_COLUMNS_V1 };
        Ok(Journal {
            conn: Arc::new(Mutex::new(conn)),
            path,
            gap_columns,
        })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn).map_err(|e| in_file(&self.path, &e))
    }

    /// The heartbeat the last run left, if any run wrote one.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub fn heartbeat(&self) -> Result<Option<Heartbeat>, JournalError> {
        self.with(|c| {
            c.query_row(
                "SELECT run_started_ms, alive_ms, covered_ms, clean_stop FROM heartbeat WHERE id = 0",
                [],
                |r| {
                    Ok(Heartbeat {
                        run_started_ms: r.get(0)?,
                        alive_ms: r.get(1)?,
                        covered_ms: r.get(2)?,
                        clean_stop: r.get::<_, i64>(3)? != 0,
                    })
                },
            )
            .optional()
        })
    }

    /// Writes the heartbeat.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn write_heartbeat(&self, h: &Heartbeat) -> Result<(), JournalError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO heartbeat (id, run_started_ms, alive_ms, covered_ms, clean_stop)
                 VALUES (0, ?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET run_started_ms = ?1, alive_ms = ?2,
                   covered_ms = ?3, clean_stop = ?4",
                params![
                    h.run_started_ms,
                    h.alive_ms,
                    h.covered_ms,
                    i64::from(h.clean_stop)
                ],
            )
            .map(|_| ())
        })
    }

    /// Records a gap; `to_ms` `None` opens it (state `open`), else it is `recorded`.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn add_gap(
        &self,
        cause: GapCause,
        webhook_id: Option<&str>,
        from_ms: i64,
        to_ms: Option<i64>,
        detail: &str,
        now_ms: i64,
    ) -> Result<i64, JournalError> {
        let state = if to_ms.is_some() {
            GapState::Recorded
        } else {
            GapState::Open
        };
        self.with(|c| {
            c.execute(
                "INSERT INTO gaps (cause, webhook_id, from_ms, to_ms, state, detail, recorded_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![cause.as_str(), webhook_id, from_ms, to_ms, state.as_str(), detail, now_ms],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Closes an open gap at `to_ms` (it becomes `recorded`).
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn close_gap(
        &self,
        id: i64,
        to_ms: i64,
        detail: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.with(|c| {
            c.execute(
                "UPDATE gaps SET to_ms = max(?2, from_ms), state = 'recorded', detail = ?3, updated_ms = ?4
                 WHERE id = ?1 AND state = 'open'",
                params![id, to_ms, detail, now_ms],
            )
            .map(|_| ())
        })
    }

    /// Sets a gap's state and what was done; the gaps merged into it follow its state.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn set_gap_state(
        &self,
        id: i64,
        state: GapState,
        detail: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE gaps SET state = ?2, detail = ?3, updated_ms = ?4 WHERE id = ?1",
                params![id, state.as_str(), detail, now_ms],
            )?;
            tx.execute(
                "UPDATE gaps SET state = ?2, updated_ms = ?3 WHERE merged_into = ?1",
                params![id, state.as_str(), now_ms],
            )?;
            tx.commit()
        })
    }

    /// Merges gap `id` into gap `into`, whose replay jobs cover it: it takes that gap's state
    /// and is no longer planned on its own.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn merge_gap(
        &self,
        id: i64,
        into: i64,
        detail: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.with(|c| {
            c.execute(
                "UPDATE gaps SET merged_into = ?2, detail = ?3, updated_ms = ?4,
                   state = (SELECT state FROM gaps WHERE id = ?2)
                 WHERE id = ?1 AND ?1 != ?2",
                params![id, into, detail, now_ms],
            )
            .map(|_| ())
        })
    }

    /// Gaps in these states (every gap when `states` is empty), newest first, at most `limit`,
    /// each with its replay jobs.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub fn gaps(&self, states: &[GapState], limit: usize) -> Result<Vec<Gap>, JournalError> {
        self.with(|c| {
            let mut gaps = Vec::new();
            {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {} FROM gaps ORDER BY id DESC",
                    self.gap_columns
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let g = row_gap(r)?;
                    if gaps.len() >= limit {
                        break;
                    }
                    if states.is_empty() || states.contains(&g.state) {
                        gaps.push(g);
                    }
                }
            }
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM replays WHERE gap_id = ?1 ORDER BY id"
            ))?;
            for g in &mut gaps {
                g.replays = stmt
                    .query_map([g.id], row_job)?
                    .collect::<rusqlite::Result<_>>()?;
            }
            Ok(gaps)
        })
    }

    /// Adds a replay job (state `queued`) to a gap.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn add_job(
        &self,
        gap_id: i64,
        webhook_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<i64, JournalError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO replays (gap_id, webhook_id, from_ms, to_ms, state) VALUES (?1, ?2, ?3, ?4, 'queued')",
                params![gap_id, webhook_id, from_ms, to_ms],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Replay jobs in these states, oldest first.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub fn jobs(&self, states: &[JobState]) -> Result<Vec<ReplayRecord>, JournalError> {
        self.with(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM replays ORDER BY id"))?;
            stmt.query_map([], row_job)?
                .filter(|j| j.as_ref().map_or(true, |j| states.contains(&j.state)))
                .collect()
        })
    }

    /// Writes a job's state, X's job id, attempts, detail and times back.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn update_job(&self, j: &ReplayRecord) -> Result<(), JournalError> {
        self.with(|c| {
            c.execute(
                "UPDATE replays SET state = ?2, job_id = ?3, attempts = ?4, detail = ?5,
                   not_before_ms = ?6, started_ms = ?7, finished_ms = ?8 WHERE id = ?1",
                params![
                    j.id,
                    j.state.as_str(),
                    j.job_id,
                    j.attempts,
                    j.detail,
                    j.not_before_ms,
                    j.started_ms,
                    j.finished_ms
                ],
            )
            .map(|_| ())
        })
    }

    /// Records what a check saw of a webhook.
    ///
    /// # Errors
    ///
    /// When the journal cannot be written.
    pub fn record_webhook(
        &self,
        id: &str,
        url: &str,
        valid: Option<bool>,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        let last_valid = (valid == Some(true)).then_some(now_ms);
        self.with(|c| {
            c.execute(
                "INSERT INTO webhooks (id, url, valid, checked_ms, last_valid_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET url = ?2, valid = ?3, checked_ms = ?4,
                   last_valid_ms = coalesce(?5, last_valid_ms)",
                params![id, url, valid, now_ms, last_valid],
            )
            .map(|_| ())
        })
    }

    /// Every webhook seen pointing at this receiver.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read.
    pub fn webhooks(&self) -> Result<Vec<WebhookRecord>, JournalError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, url, valid, checked_ms, last_valid_ms FROM webhooks ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok(WebhookRecord {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    valid: r.get(2)?,
                    checked_ms: r.get(3)?,
                    last_valid_ms: r.get(4)?,
                })
            })?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("aaa-ops-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn gaps_and_jobs_survive_reopening() {
        let d = dir("reopen");
        {
            let j = Journal::open(&d).unwrap();
            assert_eq!(j.heartbeat().unwrap(), None);
            let h = Heartbeat {
                run_started_ms: 1,
                alive_ms: 5,
                covered_ms: 4,
                clean_stop: false,
            };
            j.write_heartbeat(&h).unwrap();
            let g = j
                .add_gap(GapCause::StoreUnavailable, None, 100, None, "", 100)
                .unwrap();
            j.close_gap(g, 200, "store writes again", 201).unwrap();
            let job = j.add_job(g, "77", 60_000, 120_000).unwrap();
            let mut rec = j.jobs(&[JobState::Queued]).unwrap().remove(0);
            assert_eq!(rec.id, job);
            rec.state = JobState::Running;
            rec.job_id = Some("j1".into());
            rec.attempts = 1;
            j.update_job(&rec).unwrap();
            j.record_webhook("77", "https://x/hook", Some(true), 300)
                .unwrap();
            j.record_webhook("77", "https://x/hook", Some(false), 400)
                .unwrap();
        }
        let j = Journal::open_read_only(&d).unwrap();
        assert_eq!(j.heartbeat().unwrap().unwrap().covered_ms, 4);
        let gaps = j.gaps(&[], 10).unwrap();
        assert_eq!(gaps.len(), 1);
        let g = &gaps[0];
        assert_eq!(
            (g.cause, g.from_ms, g.to_ms, g.state),
            (
                GapCause::StoreUnavailable,
                100,
                Some(200),
                GapState::Recorded
            )
        );
        assert_eq!(g.replays.len(), 1);
        assert_eq!(g.replays[0].job_id.as_deref(), Some("j1"));
        assert_eq!(g.replays[0].state, JobState::Running);
        let w = j.webhooks().unwrap();
        assert_eq!((w[0].valid, w[0].last_valid_ms), (Some(false), Some(300)));
        assert!(j.gaps(&[GapState::Open], 10).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn merged_gaps_follow_the_state_of_the_one_they_are_merged_into() {
        let d = dir("merge");
        let j = Journal::open(&d).unwrap();
        let a = j
            .add_gap(GapCause::Crashed, None, 100, Some(200), "", 1)
            .unwrap();
        let b = j
            .add_gap(GapCause::StoreUnavailable, None, 150, Some(300), "", 1)
            .unwrap();
        j.merge_gap(b, a, "replayed with window 1", 2).unwrap();
        j.merge_gap(a, a, "never into itself", 2).unwrap();
        j.set_gap_state(a, GapState::Requested, "1 job running", 3)
            .unwrap();
        let gaps = j.gaps(&[], 10).unwrap();
        assert_eq!(
            (gaps[0].id, gaps[0].merged_into, gaps[0].state),
            (b, Some(a), GapState::Requested)
        );
        assert_eq!(gaps[0].detail, "replayed with window 1");
        assert_eq!(
            (gaps[1].id, gaps[1].merged_into, gaps[1].state),
            (a, None, GapState::Requested)
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_journal_of_the_first_layout_is_read_and_upgraded() {
        let d = dir("layout1");
        std::fs::create_dir_all(&d).unwrap();
        {
            let c = Connection::open(d.join(JOURNAL_FILE)).unwrap();
            // The layout before windows were merged: no merged_into column.
            let first = SCHEMA.replace(",\n    merged_into INTEGER", "");
            assert!(!first.contains("merged_into"));
            c.execute_batch(&first).unwrap();
            c.execute_batch(
                "INSERT INTO gaps (cause, from_ms, to_ms, state, recorded_ms, updated_ms)
                   VALUES ('stopped', 1, 2, 'recorded', 3, 3);",
            )
            .unwrap();
        }
        let old = Journal::open_read_only(&d).unwrap();
        let g = old.gaps(&[], 10).unwrap();
        assert_eq!((g.len(), g[0].merged_into), (1, None));
        let j = Journal::open(&d).unwrap();
        let b = j
            .add_gap(GapCause::Crashed, None, 2, Some(5), "", 6)
            .unwrap();
        j.merge_gap(b, 1, "with window 1", 7).unwrap();
        assert_eq!(j.gaps(&[], 10).unwrap()[0].merged_into, Some(1));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn one_receiver_at_a_time_writes_a_journal() {
        let d = dir("lock");
        let first = RunLock::take(&d).unwrap();
        let e = RunLock::take(&d).unwrap_err();
        assert!(e.to_string().contains("another receiver"), "{e}");
        drop(first);
        let again = RunLock::take(&d).unwrap();
        drop(again);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_journal_that_is_not_one_is_named() {
        let d = dir("garbage");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(JOURNAL_FILE), vec![b'x'; 4096]).unwrap();
        for e in [
            Journal::open_read_only(&d).unwrap_err(),
            Journal::open(&d).unwrap_err(),
        ] {
            assert!(e.to_string().contains(JOURNAL_FILE), "{e}");
        }
    }

    #[test]
    fn no_gap_beyond_the_limit() {
        let d = dir("limit");
        let j = Journal::open(&d).unwrap();
        for i in 0..3 {
            j.add_gap(GapCause::Crashed, None, i, Some(i + 1), "", i)
                .unwrap();
        }
        assert!(j.gaps(&[], 0).unwrap().is_empty());
        assert_eq!(j.gaps(&[], 2).unwrap().len(), 2);
        assert_eq!(j.gaps(&[], 5).unwrap().len(), 3);
    }

    #[test]
    fn read_only_without_a_journal_says_so() {
        let d = dir("missing");
        let e = Journal::open_read_only(&d).unwrap_err();
        assert!(e.to_string().contains("no gap journal"), "{e}");
    }
}
