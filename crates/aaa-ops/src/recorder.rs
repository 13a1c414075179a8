//! Recording the receiver's own outages: on start, the time it was stopped or crashed (from the
//! journal's heartbeat and the newest stored event); while it runs, the time its store failed
//! (requests answered 503); and a heartbeat that says up to when nothing was missed.

use std::sync::Arc;
use std::time::Duration;

use aaa_receiver::Outcome;
use tokio::sync::watch;

use crate::journal::{GapCause, GapState, Heartbeat, Journal, JournalError};
use crate::shared::{Shared, now_ms};
use aaa_model::time::rfc3339_from_millis;

/// On start: records the time the receiver was down as a window, closes every window the last
/// run left open, and writes this run's first heartbeat. Returns the run's start and the
/// window recorded, if any.
pub(crate) fn on_start(
    journal: &Journal,
    now: i64,
    last_event_ms: Option<i64>,
) -> Result<Option<i64>, JournalError> {
    let previous = journal.heartbeat()?;
    for g in journal.gaps(&[GapState::Open], usize::MAX)? {
        journal.close_gap(
            g.id,
            now,
            "closed when the receiver started again; the restart's own window covers what followed",
            now,
        )?;
    }
    let mut recorded = None;
    if let Some(h) = previous {
        let from = h.covered_ms.max(last_event_ms.unwrap_or(i64::MIN));
        let cause = if h.clean_stop {
            GapCause::Stopped
        } else {
            GapCause::Crashed
        };
        if from < now {
            let detail = if h.clean_stop {
                format!(
                    "stopped at {}, started again at {}",
                    rfc3339_from_millis(h.alive_ms),
                    rfc3339_from_millis(now)
                )
            } else {
                format!(
                    "last heartbeat {}, no clean stop; started again at {}",
                    rfc3339_from_millis(h.alive_ms),
                    rfc3339_from_millis(now)
                )
            };
            let id = journal.add_gap(cause, None, from, Some(now), &detail, now)?;
            tracing::error!(gap = id, %cause, from = %rfc3339_from_millis(from), to = %rfc3339_from_millis(now), "the receiver was down: events delivered meanwhile may be missed; recorded for replay");
            recorded = Some(id);
        }
    }
    journal.write_heartbeat(&Heartbeat {
        run_started_ms: now,
        alive_ms: now,
        covered_ms: now,
        clean_stop: false,
    })?;
    Ok(recorded)
}

/// Watches the store's health and the 503 answers, and writes the heartbeat, until `stop`.
pub(crate) async fn monitor(
    shared: Arc<Shared>,
    tick: Duration,
    heartbeat: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let metrics = Arc::clone(shared.receiver.metrics());
    let written = |m: &aaa_receiver::Metrics| {
        m.requests(Outcome::Stored)
            + m.requests(Outcome::Duplicate)
            + m.requests(Outcome::Quarantined)
    };
    let mut refused = metrics.requests(Outcome::StoreUnavailable);
    let mut stored = written(&metrics);
    let mut last_beat = now_ms();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(tick) => {}
        }
        let now = now_ms();
        let refused_now = metrics.requests(Outcome::StoreUnavailable);
        let stored_now = written(&metrics);
        let healthy = shared.receiver.store().is_healthy();
        let store_gap = shared.open().store;
        match store_gap {
            None if refused_now > refused || !healthy => {
                let from = shared.covered();
                let detail = format!(
                    "the store could not write; {} deliveries answered 503 so far",
                    refused_now - refused
                );
                if let Some(id) = shared
                    .open_gap(GapCause::StoreUnavailable, None, from, detail)
                    .await
                {
                    shared.open().store = Some(id);
                }
            }
            Some(id) if healthy && refused_now == refused && stored_now > stored => {
                shared
                    .close_gap(
                        id,
                        now,
                        format!("the store writes again since {}", rfc3339_from_millis(now)),
                    )
                    .await;
                shared.open().store = None;
            }
            _ => {}
        }
        refused = refused_now;
        stored = stored_now;
        let any_open = shared.open().any();
        shared.metrics.set_outage_open(any_open);
        shared.board.lock().outage_open = any_open;
        if !any_open {
            shared.set_covered(now);
        }
        if now - last_beat >= i64::try_from(heartbeat.as_millis()).unwrap_or(i64::MAX) {
            last_beat = now;
            write_heartbeat(&shared, now, false).await;
        }
    }
}

/// Writes the heartbeat: alive now, covered as far as this run knows.
pub(crate) async fn write_heartbeat(shared: &Arc<Shared>, now: i64, clean_stop: bool) {
    let h = Heartbeat {
        run_started_ms: shared.run_started_ms,
        alive_ms: now,
        covered_ms: shared.covered(),
        clean_stop,
    };
    if let Err(e) = shared.journal(move |j| j.write_heartbeat(&h)).await {
        tracing::error!(error = %e, "cannot write the heartbeat");
    }
}
