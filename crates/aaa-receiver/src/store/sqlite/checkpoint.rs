//! The checkpoint thread of one store file: copies the WAL back into the database on its own
//! connection, so that the commits requests wait for never pay for it, and keeps the WAL file
//! at a steady size; and the busy handlers of the writer and checkpoint connections.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::Notify;

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

/// Copies the WAL back into the database every [`CHECKPOINT_EVERY`] with a passive checkpoint,
/// which never blocks the writer, so the writer does not pay for it. Under steady load a passive
/// checkpoint never quite catches up with the writer, and SQLite only starts the WAL over once one
/// has; so when the WAL holds more than [`WAL_RESTART_BYTES`], [`checkpoint`] ends with a
/// `RESTART`, and the next commit starts the WAL over from its beginning. The WAL file thus stays
/// near 64 MiB under steady load (what is committed between two passes comes on top of 48 MiB;
/// `journal_size_limit` truncates it back to 64 MiB at each restart). Stops with the writers
/// (when `alive` can no longer be upgraded).
pub(crate) fn checkpointer(db: &Path, alive: &std::sync::Weak<Notify>) {
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
pub(crate) fn writer_busy(tries: i32) -> bool {
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
