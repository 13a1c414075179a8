//! Read-only connections to the store's files: listings merged across files, one event with its
//! delivery, the deliveries a forwarder passes on, and counts. WAL readers never block the
//! writers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::store::delivery::StoreError;
use crate::store::read::{
    Cursor, EventDetail, EventId, EventPage, EventQuery, Start, StoreCounts, StoredDelivery,
    StoredEvent,
};

/// One file, read-only.
#[derive(Debug)]
struct File {
    conn: Connection,
    /// Whether the file has the columns of schema version 3 (which secret matched, duplicates
    /// counted); a file of an earlier version that no writer has opened since lacks them.
    v3: bool,
}

/// Read-only connections to the files of one store.
#[derive(Debug)]
pub(crate) struct Reader {
    files: Vec<File>,
}

fn open_read_only(path: &Path) -> Result<File, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(File {
        conn,
        v3: version >= 3,
    })
}

/// The columns of an event row (`e`) joined with its delivery (`d`), in the order
/// [`event_row`] reads them.
const EVENT_COLUMNS: &str = "e.id, e.key, e.kind, e.for_user_id, e.delivery_id, e.received_at,
    d.stored_us, d.app, substr(d.body, e.raw_start + 1, e.raw_end - e.raw_start)";

fn event_row(part: usize, r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEvent> {
    Ok(StoredEvent {
        id: EventId {
            part,
            seq: r.get(0)?,
        },
        key: r.get(1)?,
        kind: r.get(2)?,
        for_user_id: r.get(3)?,
        delivery: EventId {
            part,
            seq: r.get(4)?,
        },
        received_at: r.get(5)?,
        stored_us: r.get(6)?,
        app: r.get(7)?,
        raw: Bytes::from(r.get::<_, Vec<u8>>(8)?),
    })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Reader {
    /// Opens these files read-only, as parts 0, 1, ... of one store.
    pub(crate) fn open_files(paths: &[PathBuf]) -> Result<Reader, StoreError> {
        Ok(Reader {
            files: paths
                .iter()
                .map(|p| open_read_only(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// How many files this reader reads.
    pub(crate) fn parts(&self) -> usize {
        self.files.len()
    }

    fn file(&self, part: usize) -> Result<&File, StoreError> {
        self.files
            .get(part)
            .ok_or_else(|| StoreError::invalid(format!("no store file {part}")))
    }

    /// The events `query` asks for (see [`EventQuery`] and [`EventPage`]).
    ///
    /// Each file is read in one read transaction (one snapshot), in id order, and the files are
    /// merged by write time, then file, then id. A cursor holds an id per file, which pages
    /// exactly: the events a page leaves out of a file are all older than the page (or all
    /// newer, reading forward). With [`EventQuery::examine`], each file is read only over that
    /// many ids next to where the listing starts (ids grow by one per event, so that is about
    /// as many events), and the cursor moves past the ids looked at.
    pub(crate) fn list(&self, query: &EventQuery) -> Result<EventPage, StoreError> {
        let limit = query.limit.map_or(-1, to_i64);
        let forward = matches!(query.start, Start::After(_));
        let sql = format!(
            "SELECT {EVENT_COLUMNS}
             FROM events e JOIN deliveries d ON d.id = e.delivery_id
             WHERE (?1 IS NULL OR e.kind = ?1) AND (?2 IS NULL OR e.for_user_id = ?2)
               AND (?3 IS NULL OR e.received_at >= ?3) AND e.id > ?4 AND e.id < ?5
               AND (?6 IS NULL
                    OR instr(substr(d.body, e.raw_start + 1, e.raw_end - e.raw_start), ?6) > 0)
             ORDER BY e.id {} LIMIT ?7",
            if forward { "ASC" } else { "DESC" }
        );
        let text = query.text.as_ref().map(|t| t.as_bytes().to_vec());
        let examine = query.examine.map(to_i64);
        let mut all = Vec::new();
        // Per file: its newest id, and the ids looked at, low and high exclusive.
        let mut scans = Vec::with_capacity(self.files.len());
        let mut cut = false;
        for (k, file) in self.files.iter().enumerate() {
            let tx = file.conn.unchecked_transaction()?;
            let max: i64 =
                tx.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?;
            let (mut low, mut high) = match &query.start {
                Start::Newest => (0, max.saturating_add(1)),
                Start::After(c) => (c.get(k), max.saturating_add(1)),
                Start::Before(c) => (0, c.get(k)),
            };
            if let Some(n) = examine {
                if forward {
                    high = high.min(low.saturating_add(n).saturating_add(1));
                    cut |= high <= max;
                } else {
                    low = low.max(high.saturating_sub(n).saturating_sub(1));
                    if low > 0 {
                        let min: i64 =
                            tx.query_row("SELECT COALESCE(MIN(id), 0) FROM events", [], |r| {
                                r.get(0)
                            })?;
                        cut |= min > 0 && min <= low;
                    }
                }
            }
            let mut rows = {
                let mut stmt = tx.prepare_cached(&sql)?;
                stmt.query_map(
                    params![
                        query.kind,
                        query.user,
                        query.since_ms,
                        low,
                        high,
                        text,
                        limit
                    ],
                    |r| event_row(k, r),
                )?
                .collect::<Result<Vec<_>, _>>()?
            };
            tx.commit()?;
            scans.push((max, low, high));
            all.append(&mut rows);
        }
        all.sort_by_key(StoredEvent::order_key);
        let full = query.limit.is_some_and(|l| all.len() >= l);
        if let Some(l) = query.limit {
            if forward {
                all.truncate(l);
            } else {
                all.drain(..all.len().saturating_sub(l));
            }
        }
        let mut before = Cursor::default();
        let mut after = Cursor::default();
        for (k, (max, low, high)) in scans.into_iter().enumerate() {
            let ids = all.iter().filter(|e| e.id.part == k).map(|e| e.id.seq);
            let (lo, hi) = ids.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), id| {
                (
                    Some(lo.map_or(id, |l| l.min(id))),
                    Some(hi.map_or(id, |h| h.max(id))),
                )
            });
            // With nothing of this file in the page, the page's edges in it are where the
            // query started, or (for an edge nothing lies beyond) the file's end. A page that
            // is not full looked at every id it was allowed to: it ends where the look ended.
            let (b, a) = match &query.start {
                Start::Newest if !full && examine.is_some() => (low + 1, max),
                Start::Newest => (lo.unwrap_or(max + 1), max),
                Start::Before(c) if !full && examine.is_some() => {
                    (low + 1, hi.unwrap_or(c.get(k) - 1))
                }
                Start::Before(c) => (lo.unwrap_or(c.get(k)), hi.unwrap_or(c.get(k) - 1)),
                Start::After(c) => (
                    lo.unwrap_or(c.get(k) + 1),
                    hi.unwrap_or(if full {
                        c.get(k)
                    } else {
                        (high - 1).min(max).max(c.get(k))
                    }),
                ),
            };
            before.set(k, b.max(0));
            after.set(k, a.max(0));
        }
        Ok(EventPage {
            events: all,
            before,
            after,
            more: full || cut,
        })
    }

    /// A cursor past the newest event of every file.
    pub(crate) fn end_cursor(&self) -> Result<Cursor, StoreError> {
        let mut cursor = Cursor::default();
        for (k, file) in self.files.iter().enumerate() {
            let max: i64 =
                file.conn
                    .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?;
            cursor.set(k, max);
        }
        Ok(cursor)
    }

    /// One event with its delivery.
    pub(crate) fn event(&self, id: EventId) -> Result<Option<EventDetail>, StoreError> {
        let Ok(file) = self.file(id.part) else {
            return Ok(None);
        };
        let (duplicates, secret) = if file.v3 {
            ("e.duplicates", "d.secret")
        } else {
            ("NULL", "NULL")
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS}, {duplicates}, d.signature, {secret}, d.body, d.error,
                    d.received_at
             FROM events e JOIN deliveries d ON d.id = e.delivery_id WHERE e.id = ?1"
        );
        let part = id.part;
        Ok(file
            .conn
            .prepare_cached(&sql)?
            .query_row(params![id.seq], |r| {
                let event = event_row(part, r)?;
                let duplicates: Option<i64> = r.get(9)?;
                let secret: Option<i64> = r.get(11)?;
                let delivery = StoredDelivery {
                    id: event.delivery,
                    app: event.app.clone(),
                    received_at: r.get(14)?,
                    stored_us: event.stored_us,
                    signature: r.get(10)?,
                    secret_index: secret.and_then(|s| usize::try_from(s).ok()),
                    body: Bytes::from(r.get::<_, Vec<u8>>(12)?),
                    quarantined: r.get(13)?,
                };
                Ok(EventDetail {
                    event,
                    delivery: Some(delivery),
                    duplicates: duplicates.and_then(|d| u64::try_from(d).ok()),
                })
            })
            .optional()?)
    }

    /// Deliveries of file `part` that carried new events, after `after_id`, in storage order.
    pub(crate) fn deliveries_after(
        &self,
        part: usize,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<StoredDelivery>, StoreError> {
        let file = self.file(part)?;
        let secret = if file.v3 { "secret" } else { "NULL" };
        let mut stmt = file.conn.prepare_cached(&format!(
            "SELECT id, app, received_at, stored_us, signature, body, {secret} FROM deliveries
             WHERE id > ?1 AND status = 'ok' AND new_events > 0 ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after_id, to_i64(limit)], |r| {
            let secret: Option<i64> = r.get(6)?;
            Ok(StoredDelivery {
                id: EventId {
                    part,
                    seq: r.get(0)?,
                },
                app: r.get(1)?,
                received_at: r.get(2)?,
                stored_us: r.get(3)?,
                signature: r.get(4)?,
                secret_index: secret.and_then(|s| usize::try_from(s).ok()),
                body: Bytes::from(r.get::<_, Vec<u8>>(5)?),
                quarantined: None,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// A consumer's cursor in file `part` (0 when it has none yet).
    pub(crate) fn cursor(&self, part: usize, name: &str) -> Result<i64, StoreError> {
        Ok(self
            .file(part)?
            .conn
            .query_row(
                "SELECT cursor FROM cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// The id of the newest delivery of file `part` that carried new events (0 when none).
    pub(crate) fn last_delivery_id(&self, part: usize) -> Result<i64, StoreError> {
        Ok(self.file(part)?.conn.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM deliveries WHERE status = 'ok' AND new_events > 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Counts of stored events and of quarantined deliveries, over all files.
    pub(crate) fn counts(&self) -> Result<StoreCounts, StoreError> {
        let mut counts = StoreCounts::default();
        for file in &self.files {
            let e: i64 = file
                .conn
                .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
            let q: i64 = file.conn.query_row(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'quarantined'",
                [],
                |r| r.get(0),
            )?;
            let d: i64 = file.conn.query_row(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'ok' AND new_events > 0",
                [],
                |r| r.get(0),
            )?;
            counts.deliveries += u64::try_from(d).unwrap_or(0);
            counts.events += u64::try_from(e).unwrap_or(0);
            counts.quarantined += u64::try_from(q).unwrap_or(0);
        }
        Ok(counts)
    }
}
