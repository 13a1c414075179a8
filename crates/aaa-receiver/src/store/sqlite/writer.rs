//! The writer thread of one store file: group commit. It takes every queued job (up to
//! [`MAX_BATCH`]), writes them in one transaction, commits once with `synchronous=NORMAL` and
//! hands the batch to the file's sync thread, which answers the requests once the WAL is synced.
//! It also prunes what is past the retention window, when asked or every
//! [`StoreConfig::prune_every`].

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::layout::{StoreConfig, open_writer};
use crate::store::delivery::{Appended, Content, Delivery, StoreError, now_ms, now_us};
use crate::store::read::EventId;

/// The most deliveries committed in one transaction.
pub(crate) const MAX_BATCH: usize = 256;

/// A request to a file's writer.
pub(crate) enum Job {
    Append(Arc<Delivery>, oneshot::Sender<Result<Appended, StoreError>>),
    SetCursor(String, i64, oneshot::Sender<Result<(), StoreError>>),
    Prune(oneshot::Sender<Result<usize, StoreError>>),
    /// Pruning on the writer's own schedule; nobody waits for it.
    PruneScheduled,
}

/// What a job did, once committed.
pub(crate) enum Outcome {
    /// What to tell the requester.
    Appended(Appended),
    Done,
    Pruned(usize),
}

impl Job {
    pub(crate) fn reply(self, result: Result<Outcome, StoreError>) {
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
            Job::PruneScheduled => match result {
                Ok(Outcome::Pruned(n)) if n > 0 => {
                    tracing::info!(events = n, "pruned events past the retention window");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "prune failed"),
            },
        }
    }
}

/// A batch committed by the writer, waiting for its WAL to be synced.
pub(crate) struct Written {
    pub(crate) jobs: Vec<(Job, Outcome)>,
    pub(crate) wal: Arc<std::fs::File>,
    pub(crate) started: Instant,
    pub(crate) appends: usize,
}

pub(crate) struct Writer {
    pub(crate) shard: usize,
    pub(crate) conn: Option<Connection>,
    /// The WAL file of `conn`, opened once per connection, for the sync thread to `fdatasync`.
    pub(crate) wal: Option<Arc<std::fs::File>>,
    /// Committed batches on their way to the sync thread.
    pub(crate) synced: mpsc::Sender<Written>,
    /// Set for good by the sync thread when an `fdatasync` fails.
    pub(crate) poisoned: Arc<AtomicBool>,
    /// The write time given to the last batch, so that write times never go down within a
    /// file (even when the clock does): ids and write times then sort the same way.
    pub(crate) last_us: i64,
    pub(crate) config: Arc<StoreConfig>,
    pub(crate) healthy: Arc<AtomicBool>,
}

impl Writer {
    pub(crate) fn run(mut self, rx: &Receiver<Job>) {
        let mut next_prune = self.config.prune_every.map(|every| Instant::now() + every);
        loop {
            let first = match next_prune {
                None => match rx.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                },
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => {
                        next_prune = self.config.prune_every.map(|every| Instant::now() + every);
                        Job::PruneScheduled
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                },
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.write(batch);
        }
    }

    fn write(&mut self, batch: Vec<Job>) {
        let started = Instant::now();
        let appends = batch
            .iter()
            .filter(|j| matches!(j, Job::Append(..)))
            .count();
        if self.poisoned.load(Ordering::SeqCst) {
            self.healthy.store(false, Ordering::Relaxed);
            let e = StoreError::unavailable(
                "an earlier fdatasync of the store failed; restart to recover",
            );
            for job in batch {
                job.reply(Err(e.clone()));
            }
            return;
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
                    let e = StoreError::unavailable("the sync thread stopped");
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

    /// The open WAL file of the current connection (it exists once the connection has read the
    /// database in WAL mode, which `open_writer` does).
    fn wal_file(&mut self) -> Result<Arc<std::fs::File>, StoreError> {
        if let Some(wal) = &self.wal {
            return Ok(Arc::clone(wal));
        }
        let file = std::fs::File::open(self.config.wal_path(self.shard)).map_err(|e| {
            StoreError::unavailable(format!("cannot open the WAL file to sync it: {e}"))
        })?;
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
            return Err(StoreError::unavailable("no connection"));
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
                Job::Append(d, _) => append(&tx, self.shard, d, stored_us)?,
                Job::SetCursor(name, cursor, _) => {
                    tx.prepare_cached(
                        "INSERT INTO cursors (name, cursor) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
                    )?
                    .execute(params![name, cursor])?;
                    Outcome::Done
                }
                Job::Prune(_) | Job::PruneScheduled => Outcome::Pruned(prune(&tx, &self.config)?),
            });
        }
        tx.commit()?;
        self.last_us = stored_us;
        Ok(outcomes)
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
    shard: usize,
    d: &Delivery,
    stored_us: i64,
) -> Result<Outcome, StoreError> {
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
                 (app, received_at, signature, body, status, error, digest, new_events, stored_us,
                  secret)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?10)",
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
            assumed_new,
            i64::try_from(d.secret_index).unwrap_or(i64::MAX),
        ])?;
    if inserted == 0 {
        // The same quarantined body again.
        return Ok(Outcome::Appended(Appended {
            stored_us,
            ..Appended::default()
        }));
    }
    let delivery_id = tx.last_insert_rowid();
    let mut out = Appended {
        delivery: Some(EventId {
            part: shard,
            seq: delivery_id,
        }),
        stored_us,
        ..Appended::default()
    };
    let Content::Events(events) = &d.content else {
        return Ok(Outcome::Appended(out));
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
                let id = tx.last_insert_rowid();
                out.new_events.push((
                    i,
                    EventId {
                        part: shard,
                        seq: id,
                    },
                ));
            } else {
                // A key already stored counts one more duplicate on its row (what a dashboard
                // shows as "delivered N times"). Only on this path: an upsert with `RETURNING`
                // for every event cost the writer a quarter of its throughput.
                tx.prepare_cached("UPDATE events SET duplicates = duplicates + 1 WHERE key = ?1")?
                    .execute(params![e.key])?;
                out.duplicates += 1;
            }
        }
    }
    if out.new_events.is_empty() {
        // Nothing new: keep no copy of the body.
        tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?
            .execute(params![delivery_id])?;
        return Ok(Outcome::Appended(Appended {
            delivery: None,
            stored_us,
            new_events: Vec::new(),
            duplicates: out.duplicates,
        }));
    }
    let new_events = i64::try_from(out.new_events.len()).unwrap_or(i64::MAX);
    if new_events != assumed_new {
        tx.prepare_cached("UPDATE deliveries SET new_events = ?1 WHERE id = ?2")?
            .execute(params![new_events, delivery_id])?;
    }
    Ok(Outcome::Appended(out))
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
