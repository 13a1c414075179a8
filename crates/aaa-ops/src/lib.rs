#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod dashboard;
mod journal;
mod metrics;
mod recorder;
mod recovery;
mod shared;
mod watchdog;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aaa_client::replay_plan::ReplayRules;
use aaa_receiver::Receiver;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::dashboard::{Dashboard, DashboardConfig, DashboardError, LIVE_BATCH};
pub use crate::journal::{
    Gap, GapCause, GapState, Heartbeat, JOURNAL_FILE, JobState, Journal, JournalError, LOCK_FILE,
    ReplayRecord, WebhookRecord,
};
pub use crate::shared::{Board, Manage, WatchdogStatus, WebhookStatus};

use crate::metrics::OpsMetrics;
use crate::shared::{Open, Shared, now_ms};

/// What the operations layer does and how often.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpsConfig {
    /// The receiver's data directory; the gap journal is `ops.sqlite3` there.
    pub data_dir: PathBuf,
    /// How old a window's ends must be before X takes it (X's 31 and 10 minutes by default).
    pub rules: ReplayRules,
    /// The watchdog and replay recovery, with the app's management client; without it,
    /// outages are recorded but nothing is asked of X.
    pub manage: Option<Manage>,
    /// How often the store's health is looked at and queued jobs are started (250 ms).
    pub tick: Duration,
    /// How often the heartbeat is written (2 s): a crash is recorded from the last one.
    pub heartbeat: Duration,
    /// The data directory's lock, once taken ([`OpsConfig::lock_data_dir`]).
    lock: Option<Arc<journal::RunLock>>,
}

impl OpsConfig {
    /// The defaults for a receiver whose data directory is `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> OpsConfig {
        OpsConfig {
            data_dir: data_dir.into(),
            rules: ReplayRules::X,
            manage: None,
            tick: Duration::from_millis(250),
            heartbeat: Duration::from_secs(2),
            lock: None,
        }
    }

    /// Takes the data directory's lock now (before the receiver listens, so that a second
    /// receiver on the same directory stops before it answers anything); otherwise
    /// [`Operations::start`] takes it. One receiver at a time writes a directory's journal.
    ///
    /// # Errors
    ///
    /// When another receiver runs with this data directory, or the lock file cannot be made.
    pub fn lock_data_dir(mut self) -> Result<OpsConfig, JournalError> {
        if self.lock.is_none() {
            self.lock = Some(Arc::new(journal::RunLock::take(&self.data_dir)?));
        }
        Ok(self)
    }

    /// Runs the watchdog and replay recovery with these settings.
    #[must_use]
    pub fn manage(mut self, manage: Manage) -> OpsConfig {
        self.manage = Some(manage);
        self
    }

    /// Other minimum ages for a window's ends (for a local stand-in of X in tests).
    #[must_use]
    pub fn rules(mut self, rules: ReplayRules) -> OpsConfig {
        self.rules = rules;
        self
    }
}

/// The running operations layer: outage recording, the heartbeat, and with
/// [`OpsConfig::manage`] the webhook watchdog and replay recovery. Stop it with
/// [`Operations::stop`] so that the journal says the receiver stopped rather than crashed.
#[derive(Debug)]
pub struct Operations {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Held while running: no second receiver writes this journal.
    _lock: Arc<journal::RunLock>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

impl Operations {
    /// Opens the journal, records the time the receiver was down (if a previous run left a
    /// heartbeat), and starts the tasks. Call it once the receiver's listener is up: the
    /// window of a restart ends then.
    ///
    /// # Errors
    ///
    /// When the journal cannot be opened or written, or another receiver runs with the same
    /// data directory.
    pub async fn start(
        config: OpsConfig,
        receiver: Receiver,
        board: Board,
    ) -> Result<Operations, JournalError> {
        let newest = receiver
            .store()
            .list(aaa_receiver::EventQuery::newest(Some(1)))
            .await
            .ok()
            .and_then(|p| p.events.last().map(|e| e.received_at));
        let dir = config.data_dir.clone();
        let now = now_ms();
        let taken = config.lock.clone();
        let (journal, lock) = tokio::task::spawn_blocking(move || {
            let lock = match taken {
                Some(l) => l,
                None => Arc::new(journal::RunLock::take(&dir)?),
            };
            let journal = Journal::open(&dir)?;
            recorder::on_start(&journal, now, newest)?;
            Ok::<_, JournalError>((journal, lock))
        })
        .await
        .map_err(|e| JournalError::new(e.to_string()))??;
        let metrics = OpsMetrics::register(receiver.metrics());
        let shared = Arc::new(Shared {
            journal,
            receiver,
            metrics,
            rules: config.rules,
            manage: config.manage,
            run_started_ms: now,
            open: Mutex::new(Open::default()),
            board,
            covered_ms: Mutex::new(now),
        });
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = vec![
            tokio::spawn(recorder::monitor(
                Arc::clone(&shared),
                config.tick,
                config.heartbeat,
                stop_rx.clone(),
            )),
            tokio::spawn(recovery::run(
                Arc::clone(&shared),
                config.tick.max(Duration::from_millis(500)),
                stop_rx.clone(),
            )),
        ];
        if shared.manage.is_some() {
            tasks.push(tokio::spawn(watchdog::run(Arc::clone(&shared), stop_rx)));
        }
        Ok(Operations {
            shared,
            stop,
            tasks,
            _lock: lock,
        })
    }

    /// The gap journal.
    pub fn journal(&self) -> &Journal {
        &self.shared.journal
    }

    /// The live state (watchdog, open outage).
    pub fn board(&self) -> &Board {
        &self.shared.board
    }

    /// Stops the tasks and writes the last heartbeat, marked as a clean stop (the next start
    /// records the time in between as `stopped`).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let now = now_ms();
        if !self.shared.open().any() {
            self.shared.set_covered(now);
        }
        recorder::write_heartbeat(&self.shared, now, true).await;
    }
}
