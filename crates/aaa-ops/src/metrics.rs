//! The watchdog, gap and replay series, registered in the receiver's registry so one
//! `/metrics` shows them beside the receiver's own.

use aaa_receiver::Metrics;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

use aaa_model::event::JobState as ModelJobState;

use crate::journal::{GapCause, GapState, JobState};

type Labels = Vec<(String, String)>;

fn label(name: &str, value: &str) -> Labels {
    vec![(name.to_owned(), value.to_owned())]
}

/// The operations layer's series.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpsMetrics {
    webhook_valid: Family<Labels, Gauge>,
    watchdog_checks: Family<Labels, Counter>,
    revalidations: Family<Labels, Counter>,
    gaps: Family<Labels, Gauge>,
    gaps_recorded: Family<Labels, Counter>,
    lost: Counter,
    jobs: Family<Labels, Gauge>,
    jobs_finished: Family<Labels, Counter>,
    outage_open: Gauge,
}

impl OpsMetrics {
    /// The series, registered in `metrics`.
    pub(crate) fn register(metrics: &Metrics) -> OpsMetrics {
        let m = OpsMetrics::default();
        for s in GapState::ALL {
            m.gaps.get_or_create(&label("state", s.as_str())).set(0);
        }
        for s in JobState::ALL {
            m.jobs.get_or_create(&label("state", s.as_str())).set(0);
        }
        for r in ["ok", "error"] {
            let _ = m.watchdog_checks.get_or_create(&label("result", r));
        }
        metrics.register(
            "aaa_webhook_valid",
            "Whether X says the webhook pointing at this receiver is valid (1) or not (0), at the watchdog's last check",
            m.webhook_valid.clone(),
        );
        metrics.register(
            "aaa_watchdog_checks",
            "Webhook checks by the watchdog, by result",
            m.watchdog_checks.clone(),
        );
        metrics.register(
            "aaa_webhook_revalidations",
            "Re-validations (PUT) of an invalid webhook asked by the watchdog, by result",
            m.revalidations.clone(),
        );
        metrics.register(
            "aaa_gaps",
            "Outage windows in the gap journal, by state",
            m.gaps.clone(),
        );
        metrics.register(
            "aaa_gaps_recorded",
            "Outage windows recorded by this process, by cause",
            m.gaps_recorded.clone(),
        );
        metrics.register(
            "aaa_gap_windows_lost",
            "Outage windows (or parts) older than X replays: their events are gone",
            m.lost.clone(),
        );
        metrics.register(
            "aaa_replay_jobs",
            "Replay jobs in the gap journal, by state",
            m.jobs.clone(),
        );
        metrics.register(
            "aaa_replay_jobs_finished",
            "Replay jobs X reported finished, by job_state",
            m.jobs_finished.clone(),
        );
        metrics.register(
            "aaa_outage_open",
            "1 while an outage window is open (store failing, webhook invalid)",
            m.outage_open.clone(),
        );
        m
    }

    pub(crate) fn webhook_valid(&self, id: &str, valid: bool) {
        self.webhook_valid
            .get_or_create(&label("webhook_id", id))
            .set(i64::from(valid));
    }

    pub(crate) fn watchdog_check(&self, ok: bool) {
        self.watchdog_checks
            .get_or_create(&label("result", if ok { "ok" } else { "error" }))
            .inc();
    }

    pub(crate) fn revalidation(&self, ok: bool) {
        self.revalidations
            .get_or_create(&label("result", if ok { "ok" } else { "failed" }))
            .inc();
    }

    pub(crate) fn gap_recorded(&self, cause: GapCause) {
        self.gaps_recorded
            .get_or_create(&label("cause", cause.as_str()))
            .inc();
    }

    pub(crate) fn lost(&self) {
        self.lost.inc();
    }

    pub(crate) fn set_gaps(&self, state: GapState, n: usize) {
        self.gaps
            .get_or_create(&label("state", state.as_str()))
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub(crate) fn set_jobs(&self, state: JobState, n: usize) {
        self.jobs
            .get_or_create(&label("state", state.as_str()))
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// Counts a replay job X reported finished. The label is one of the states X documents
    /// for `replay_job_status` (`Complete`, `Incomplete`; read regardless of case, as recovery
    /// reads them) or `other`, so whatever text a body carries cannot grow the series.
    pub(crate) fn job_finished(&self, job_state: &str) {
        let value = [ModelJobState::Complete, ModelJobState::Incomplete]
            .iter()
            .map(ModelJobState::as_str)
            .find(|known| known.eq_ignore_ascii_case(job_state))
            .unwrap_or("other");
        self.jobs_finished
            .get_or_create(&label("job_state", value))
            .inc();
    }

    pub(crate) fn set_outage_open(&self, open: bool) {
        self.outage_open.set(i64::from(open));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_job_is_labelled_by_a_documented_state_or_other() {
        let metrics = Metrics::default();
        let m = OpsMetrics::register(&metrics);
        m.job_finished("Complete");
        m.job_finished("incomplete");
        for i in 0..3 {
            m.job_finished(&format!("Not-A-State-{i}"));
        }
        let text = metrics.render();
        for line in [
            "aaa_replay_jobs_finished_total{job_state=\"Complete\"} 1",
            "aaa_replay_jobs_finished_total{job_state=\"Incomplete\"} 1",
            "aaa_replay_jobs_finished_total{job_state=\"other\"} 3",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(!text.contains("Not-A-State"), "{text}");
    }
}
