//! How the SQLite store lies on disk: its settings, the files of a split store and which file a
//! delivery goes to, the schema and its migrations, and opening a file for writing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::checkpoint::writer_busy;
use crate::store::delivery::{Content, Delivery, StoreError, StoreErrorKind};

/// The page size of new store files. A typical delivery (a tweet, 2-3 KB) takes up a 4 KiB page
/// of its own, most of it wasted, and the WAL and the checkpoint copy every page; an 8 KiB page
/// holds three. On the benchmark machine (see docs/benchmarks.md) the checkpoint thread's CPU
/// per delivery halved and the writer's went down by a tenth against 4 KiB pages. Larger pages
/// saved little more under load, and every commit writes whole pages (the last, partly filled
/// page of each table and index again), which at light load, one delivery per commit, is
/// several pages per delivery.
const PAGE_SIZE: u32 = 8 * 1024;

/// The schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 3;

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
    stored_us   INTEGER NOT NULL DEFAULT 0,
    secret      INTEGER
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
    raw_end     INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL DEFAULT 0
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

// Version 2 files gain which secret matched and how often each event came again.
const MIGRATE_2_TO_3: &str = "
ALTER TABLE deliveries ADD COLUMN secret INTEGER;
ALTER TABLE events ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
";

/// The settings of the embedded SQLite store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The directory holding the store files (created if missing).
    pub data_dir: PathBuf,
    /// How many files the store is split into (default [`StoreConfig::DEFAULT_SHARDS`]). With
    /// 1, the store is the single file `aaa.sqlite3`; with N > 1, the files `aaa-0.sqlite3` ..
    /// `aaa-{N-1}.sqlite3`. Each file records N, and a data directory made with another N is
    /// refused.
    pub shards: usize,
    /// How long events are kept, and so how long their dedupe keys are remembered. The default,
    /// seven days, covers X's five-day replay window.
    pub retention: Duration,
    /// An upper bound on each store file's size in bytes; writes beyond it fail (and requests get
    /// 503) instead of filling the disk. `None` for no bound. The store as a whole may take up to
    /// `shards` times this.
    pub max_bytes: Option<u64>,
    /// How often the store deletes what is past the retention window (default ten minutes;
    /// `None` to prune only when [`Store::prune`](crate::Store::prune) is called).
    pub prune_every: Option<Duration>,
}

impl StoreConfig {
    /// How many store files [`StoreConfig::new`] uses.
    pub const DEFAULT_SHARDS: usize = 1;
    /// The most store files allowed.
    pub const MAX_SHARDS: usize = 256;

    /// Settings for `data_dir` with one file, the default retention, pruning every ten minutes
    /// and no size bound.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_bytes: None,
            shards: StoreConfig::DEFAULT_SHARDS,
            prune_every: Some(Duration::from_secs(600)),
        }
    }

    /// The database file of shard `shard`.
    pub fn db_path(&self, shard: usize) -> PathBuf {
        self.data_dir.join(file_name(self.shards, shard))
    }

    /// The WAL file of shard `shard`.
    pub(crate) fn wal_path(&self, shard: usize) -> PathBuf {
        let mut wal = self.db_path(shard).into_os_string();
        wal.push("-wal");
        PathBuf::from(wal)
    }
}

/// The file name of shard `shard` of a store split into `shards` files.
fn file_name(shards: usize, shard: usize) -> String {
    if shards == 1 {
        "aaa.sqlite3".to_owned()
    } else {
        format!("aaa-{shard}.sqlite3")
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every process and every version.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The shard of a delivery for `for_user_id` (a missing one counts as empty, the way the dedupe
/// key writes it) in a store of `shards` files.
pub(crate) fn shard_for_user(for_user_id: Option<&str>, shards: usize) -> usize {
    shard_of_bytes(for_user_id.unwrap_or("").as_bytes(), shards)
}

fn shard_of_bytes(bytes: &[u8], shards: usize) -> usize {
    let n = u64::try_from(shards.max(1)).unwrap_or(1);
    usize::try_from(fnv1a64(bytes) % n).unwrap_or(0)
}

/// The shard a delivery is stored in, in a store of `shards` files.
///
/// A delivery with events goes by its `for_user_id` (every event of a delivery has the
/// delivery's), which is part of each event's dedupe key, so every delivery that can carry a
/// given key goes to the same shard. Deliveries without one (`user_event`, `replay_job_status`,
/// ...) all go to the shard of the empty id, since their keys carry an empty id too. A
/// quarantined body goes by a hash of its bytes: it is deduplicated by its digest, so the same
/// body again lands in the same shard.
pub(crate) fn shard_of(delivery: &Delivery, shards: usize) -> usize {
    if shards <= 1 {
        return 0;
    }
    match &delivery.content {
        Content::Events(_) => shard_for_user(delivery.for_user_id(), shards),
        Content::Quarantined(_) => shard_of_bytes(&delivery.body, shards),
    }
}

/// The store files found in `dir`: `Some(1)` for `aaa.sqlite3`, `Some(N)` for `aaa-K.sqlite3`
/// files (N read from `aaa-0.sqlite3`, or one more than the highest K), `None` for none.
pub(crate) fn existing_shards(dir: &Path) -> Result<Option<usize>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StoreError::unavailable(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut single = false;
    let mut highest: Option<usize> = None;
    for entry in entries {
        let entry = entry
            .map_err(|e| StoreError::unavailable(format!("cannot read {}: {e}", dir.display())))?;
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
            if k >= StoreConfig::MAX_SHARDS {
                return Err(StoreError::invalid(format!(
                    "{}: a store is split into at most {} files (aaa-0 to aaa-{}.sqlite3), so this file is not one of them; move it out of the data directory",
                    dir.join(name).display(),
                    StoreConfig::MAX_SHARDS,
                    StoreConfig::MAX_SHARDS - 1
                )));
            }
            highest = Some(highest.map_or(k, |h| h.max(k)));
        }
    }
    match (single, highest) {
        (true, None) => Ok(Some(1)),
        (false, None) => Ok(None),
        (true, Some(_)) => Err(StoreError::invalid(format!(
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

/// The paths of every file of the store in `data_dir`, however many it was split into.
pub(crate) fn existing_files(data_dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let Some(shards) = existing_shards(data_dir)? else {
        return Err(StoreError::new(
            StoreErrorKind::NotFound,
            format!("{}: no event store here", data_dir.display()),
        ));
    };
    let paths: Vec<PathBuf> = (0..shards)
        .map(|k| data_dir.join(file_name(shards, k)))
        .collect();
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(StoreError::new(
            StoreErrorKind::NotFound,
            format!(
                "{}: missing (the store has {shards} files)",
                missing.display()
            ),
        ));
    }
    Ok(paths)
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

pub(crate) fn layout_mismatch(dir: &Path, found: usize, wanted: usize) -> StoreError {
    StoreError::new(
        StoreErrorKind::LayoutMismatch { found, wanted },
        format!(
            "{} holds a store split into {found} file(s), but {wanted} were asked for; open it with {found} or use another data directory",
            dir.display()
        ),
    )
}

/// Opens shard `shard` for writing: WAL mode, the writer's pragmas, the schema made or migrated,
/// and the layout it records checked against `config`.
pub(crate) fn open_writer(config: &StoreConfig, shard: usize) -> Result<Connection, StoreError> {
    let path = config.db_path(shard);
    let mut conn = Connection::open(&path)?;
    conn.busy_handler(Some(writer_busy))?;
    // Only takes effect on a new file (the page size of an existing one stays).
    conn.execute_batch(&format!("PRAGMA page_size={PAGE_SIZE}"))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::unavailable(format!(
            "cannot enable WAL mode (got {mode})"
        )));
    }
    // Checkpoints run on their own thread (see `checkpoint`), not inside the commits that
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
            "BEGIN; {MIGRATE_1_TO_2} {MIGRATE_2_TO_3} {record} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        ))?,
        1 => return Err(layout_mismatch(&config.data_dir, 1, config.shards)),
        2 => conn.execute_batch(&format!(
            "BEGIN; {MIGRATE_2_TO_3} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        ))?,
        SCHEMA_VERSION => {}
        other => {
            return Err(StoreError::invalid(format!(
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
        return Err(StoreError::invalid(format!(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_numbered_beyond_any_layout_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("aaa-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for k in [usize::MAX.to_string(), StoreConfig::MAX_SHARDS.to_string()] {
            let name = format!("aaa-{k}.sqlite3");
            std::fs::write(dir.join(&name), b"").unwrap();
            let e = existing_shards(&dir).unwrap_err();
            assert!(e.to_string().contains(&name), "{e}");
            std::fs::remove_file(dir.join(&name)).unwrap();
        }
        let last = format!("aaa-{}.sqlite3", StoreConfig::MAX_SHARDS - 1);
        std::fs::write(dir.join(&last), b"").unwrap();
        assert_eq!(
            existing_shards(&dir).unwrap(),
            Some(StoreConfig::MAX_SHARDS)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
