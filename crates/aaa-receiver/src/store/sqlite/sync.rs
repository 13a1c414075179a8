//! The sync thread of one store file: makes what the writer committed durable (an `fdatasync` of
//! the WAL) before anyone hears of it, one sync for every batch committed since the last.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::Receiver;

use tokio::sync::Notify;

use super::writer::{Outcome, Written};
use crate::metrics::Metrics;
use crate::store::delivery::StoreError;

/// The sync thread of one store file: takes every batch the writer has committed, syncs the WAL
/// once for all of them (once per WAL file, should the writer have reopened it), then answers
/// their requests. A failed `fdatasync` poisons the file: nothing more is acknowledged until the
/// process restarts and SQLite recovers from what is really on disk, because after a failed
/// `fdatasync` the kernel may have dropped pages that SQLite believes written.
pub(crate) struct Syncer {
    pub(crate) shard: usize,
    /// The highest delivery id known durable.
    pub(crate) durable: Arc<AtomicI64>,
    pub(crate) healthy: Arc<AtomicBool>,
    pub(crate) poisoned: Arc<AtomicBool>,
    pub(crate) committed: Arc<Notify>,
    pub(crate) metrics: Arc<Metrics>,
}

impl Syncer {
    pub(crate) fn run(self, rx: &Receiver<Written>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while let Ok(more) = rx.try_recv() {
                group.push(more);
            }
            // After a failed sync nothing more is acknowledged: the WAL's frames are chained by
            // their checksums, so frames written after a lost one are lost too on recovery.
            let mut result = if self.poisoned.load(Ordering::SeqCst) {
                Err(StoreError::unavailable(
                    "an earlier fdatasync of the store failed; restart to recover",
                ))
            } else {
                Ok(())
            };
            if result.is_ok() {
                let mut done: Vec<&Arc<std::fs::File>> = Vec::new();
                for w in &group {
                    if !done.iter().any(|f| Arc::ptr_eq(f, &w.wal)) {
                        if let Err(e) = w.wal.sync_data() {
                            result = Err(StoreError::unavailable(format!(
                                "fdatasync of the WAL failed: {e}"
                            )));
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
                            Outcome::Appended(a) => a.delivery.map(|d| d.seq),
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
