//! What the operations tasks share: the journal, the receiver, the metrics, the settings, and
//! the live status the dashboard and `/healthz` read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aaa_client::Client;
use aaa_client::replay_plan::ReplayRules;
use aaa_model::time::rfc3339_from_millis;
use aaa_receiver::{EventQuery, Receiver};
use serde::Serialize;

use crate::journal::{GapCause, Journal, JournalError};
use crate::metrics::OpsMetrics;

/// The longest a rate limit is waited out: X's windows are 15 minutes, so a reset further
/// away is not believed (the next call finds out again).
const LONGEST_RATE_LIMIT_WAIT: Duration = Duration::from_secs(15 * 60);

/// How long to wait after `e` before calling X again: until a rate limit's reset (at most
/// [`LONGEST_RATE_LIMIT_WAIT`]), and never less than `at_least`.
pub(crate) fn wait_after(e: &aaa_client::Error, at_least: Duration) -> Duration {
    let reset = e
        .reset()
        .filter(|_| *e.kind() == aaa_client::ErrorKind::RateLimited);
    wait_for(reset, SystemTime::now(), at_least)
}

/// [`wait_after`] for a rate limit that resets at `reset` (if any), at `now`.
fn wait_for(reset: Option<SystemTime>, now: SystemTime, at_least: Duration) -> Duration {
    reset.map_or(at_least, |reset| {
        reset
            .duration_since(now)
            .unwrap_or_default()
            .min(LONGEST_RATE_LIMIT_WAIT)
            .max(at_least)
    })
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The watchdog's view of one webhook that points at this receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookStatus {
    /// X's id.
    pub id: String,
    /// Its URL.
    pub url: String,
    /// Valid at the last check (`None`: X did not say).
    pub valid: Option<bool>,
    /// When it was last checked (ms).
    pub checked_ms: i64,
    /// What the watchdog did or saw last, in words.
    pub note: String,
}

/// The watchdog's state, for `/healthz`, the dashboard and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WatchdogStatus {
    /// Whether a watchdog runs (`--manage`).
    pub enabled: bool,
    /// When it last listed the webhooks (ms), successfully or not.
    pub checked_ms: Option<i64>,
    /// The last listing's error, if it failed.
    pub error: Option<String>,
    /// The webhooks that point at this receiver.
    pub webhooks: Vec<WebhookStatus>,
}

/// The live state `/healthz` and the dashboard read: the watchdog's view and whether an outage
/// window is open. Make one, give its [`Board::healthz`] to the receiver's builder
/// (`Receiver::builder().health(...)`), and the same board to [`crate::Operations::start`].
#[derive(Debug, Clone, Default)]
pub struct Board {
    inner: Arc<Mutex<BoardState>>,
}

#[derive(Debug, Default)]
pub(crate) struct BoardState {
    pub(crate) watchdog: WatchdogStatus,
    pub(crate) outage_open: bool,
}

impl Board {
    pub(crate) fn lock(&self) -> MutexGuard<'_, BoardState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The watchdog's state now.
    pub fn watchdog(&self) -> WatchdogStatus {
        self.lock().watchdog.clone()
    }

    /// Whether an outage window is open now (store failing, a webhook invalid).
    pub fn outage_open(&self) -> bool {
        self.lock().outage_open
    }

    /// The fields `/healthz` adds: `watchdog` (`enabled`, `checked_at`, `error`, and each
    /// webhook's `id` and `valid`) and `outage_open`.
    pub fn healthz(&self) -> serde_json::Map<String, serde_json::Value> {
        let b = self.lock();
        let w = &b.watchdog;
        let mut m = serde_json::Map::new();
        m.insert(
            "watchdog".into(),
            serde_json::json!({
                "enabled": w.enabled,
                "checked_at": w.checked_ms.map(rfc3339_from_millis),
                "error": w.error,
                "webhooks": w.webhooks.iter().map(|h| serde_json::json!({"id": h.id, "valid": h.valid})).collect::<Vec<_>>(),
            }),
        );
        m.insert("outage_open".into(), b.outage_open.into());
        m
    }
}

/// Settings of the watchdog and replay recovery (`--manage`).
#[derive(Debug, Clone)]
pub struct Manage {
    /// The management client, with the app's credentials.
    pub client: Client,
    /// How often the webhooks are listed (X allows 15 lists per 15 minutes on v1.1, 450 on v2).
    pub interval: Duration,
    /// The webhook URL X delivers to, when known; otherwise a webhook points at this receiver
    /// when its URL's path is one the receiver takes deliveries on.
    pub webhook_url: Option<String>,
    /// How long to wait for a replay job's `replay_job_status` before asking again.
    pub job_timeout: Duration,
    /// The wait before a job is asked again after X refused it or it ended `Incomplete`.
    pub retry: Duration,
}

impl Manage {
    /// Settings with the defaults: a listing every 2 minutes, 30 minutes for a job, 1 minute
    /// before a retry.
    pub fn new(client: Client) -> Manage {
        Manage {
            client,
            interval: Duration::from_secs(120),
            webhook_url: None,
            job_timeout: Duration::from_secs(30 * 60),
            retry: Duration::from_secs(60),
        }
    }
}

/// Open outage windows, by what they are about.
#[derive(Debug, Default)]
pub(crate) struct Open {
    /// The store's open window.
    pub(crate) store: Option<i64>,
    /// Open windows of invalid webhooks, by webhook id.
    pub(crate) webhooks: HashMap<String, i64>,
}

impl Open {
    pub(crate) fn any(&self) -> bool {
        self.store.is_some() || !self.webhooks.is_empty()
    }
}

/// The watchdog's part of the board, locked.
pub(crate) struct WatchdogGuard<'a>(MutexGuard<'a, BoardState>);

impl std::ops::Deref for WatchdogGuard<'_> {
    type Target = WatchdogStatus;
    fn deref(&self) -> &WatchdogStatus {
        &self.0.watchdog
    }
}

impl std::ops::DerefMut for WatchdogGuard<'_> {
    fn deref_mut(&mut self) -> &mut WatchdogStatus {
        &mut self.0.watchdog
    }
}

pub(crate) struct Shared {
    pub(crate) journal: Journal,
    pub(crate) receiver: Receiver,
    pub(crate) metrics: OpsMetrics,
    pub(crate) rules: ReplayRules,
    pub(crate) manage: Option<Manage>,
    pub(crate) run_started_ms: i64,
    pub(crate) open: Mutex<Open>,
    pub(crate) board: Board,
    /// Up to when this run knows it missed nothing.
    pub(crate) covered_ms: Mutex<i64>,
}

impl Shared {
    pub(crate) fn open(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn watchdog(&self) -> WatchdogGuard<'_> {
        WatchdogGuard(self.board.lock())
    }

    pub(crate) fn covered(&self) -> i64 {
        *self
            .covered_ms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_covered(&self, ms: i64) {
        *self
            .covered_ms
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = ms;
    }

    /// When the newest stored event was received (ms), if the store holds one.
    pub(crate) async fn last_durable_event_ms(&self) -> Option<i64> {
        match self
            .receiver
            .store()
            .list(EventQuery::newest(Some(1)))
            .await
        {
            Ok(page) => page.events.last().map(|e| e.received_at),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the newest stored event");
                None
            }
        }
    }

    /// Runs a journal call on a blocking thread (each write is synced).
    pub(crate) async fn journal<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Journal) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let journal = self.journal.clone();
        tokio::task::spawn_blocking(move || f(&journal))
            .await
            .unwrap_or_else(|e| Err(JournalError::new(format!("journal task failed: {e}"))))
    }

    /// Opens an outage window from `from_ms`, durably; logs it at error.
    pub(crate) async fn open_gap(
        self: &Arc<Self>,
        cause: GapCause,
        webhook_id: Option<String>,
        from_ms: i64,
        detail: String,
    ) -> Option<i64> {
        let now = now_ms();
        let w = webhook_id.clone();
        match self
            .journal(move |j| j.add_gap(cause, w.as_deref(), from_ms, None, &detail, now))
            .await
        {
            Ok(id) => {
                self.metrics.gap_recorded(cause);
                tracing::error!(gap = id, %cause, webhook_id = ?webhook_id, from = %rfc3339_from_millis(from_ms), "events may be missed: outage window opened");
                Some(id)
            }
            Err(e) => {
                tracing::error!(error = %e, %cause, "cannot record an outage window");
                None
            }
        }
    }

    /// Closes an open window at `to_ms`, durably.
    pub(crate) async fn close_gap(self: &Arc<Self>, id: i64, to_ms: i64, detail: String) {
        let now = now_ms();
        match self
            .journal(move |j| j.close_gap(id, to_ms, &detail, now))
            .await
        {
            Ok(()) => {
                tracing::warn!(gap = id, to = %rfc3339_from_millis(to_ms), "outage window closed; its events will be replayed when X takes the window");
            }
            Err(e) => tracing::error!(error = %e, gap = id, "cannot close an outage window"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_is_waited_out_for_at_most_one_window() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let minute = Duration::from_secs(60);
        assert_eq!(wait_for(None, now, minute), minute);
        assert_eq!(wait_for(Some(now - minute), now, minute), minute);
        assert_eq!(wait_for(Some(now + 5 * minute), now, minute), 5 * minute);
        // A reset years away (X's header is only a number) is not waited for.
        let far = now + Duration::from_secs(10 * 365 * 24 * 3600);
        assert_eq!(wait_for(Some(far), now, minute), LONGEST_RATE_LIMIT_WAIT);
    }
}
