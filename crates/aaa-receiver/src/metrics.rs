//! The receiver's metrics, kept in a `prometheus-client` registry and rendered in the
//! Prometheus text format (version 0.0.4). Other parts of a program (the operations layer's
//! watchdog, gap and replay series) register theirs in the same registry with
//! [`Metrics::register`], so one `/metrics` shows them all.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry};

/// How a request ended; one counter each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A CRC check answered.
    CrcOk,
    /// A CRC check refused (missing or ill-shaped token).
    CrcRejected,
    /// A delivery with at least one new event, stored.
    Stored,
    /// A delivery whose events were all stored already.
    Duplicate,
    /// An authentic body that is not an envelope, stored as quarantined.
    Quarantined,
    /// Missing, malformed or wrong signature.
    Unauthorized,
    /// Body over the size limit.
    TooLarge,
    /// A body that is not JSON, or another malformed request.
    BadRequest,
    /// The body did not arrive in time.
    Timeout,
    /// The store could not write.
    StoreUnavailable,
    /// No such path.
    NotFound,
    /// Wrong method for the path.
    MethodNotAllowed,
}

impl Outcome {
    const ALL: [Outcome; 12] = [
        Outcome::CrcOk,
        Outcome::CrcRejected,
        Outcome::Stored,
        Outcome::Duplicate,
        Outcome::Quarantined,
        Outcome::Unauthorized,
        Outcome::TooLarge,
        Outcome::BadRequest,
        Outcome::Timeout,
        Outcome::StoreUnavailable,
        Outcome::NotFound,
        Outcome::MethodNotAllowed,
    ];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::CrcOk => "crc_ok",
            Outcome::CrcRejected => "crc_rejected",
            Outcome::Stored => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::Quarantined => "quarantined",
            Outcome::Unauthorized => "unauthorized",
            Outcome::TooLarge => "too_large",
            Outcome::BadRequest => "bad_request",
            Outcome::Timeout => "timeout",
            Outcome::StoreUnavailable => "store_unavailable",
            Outcome::NotFound => "not_found",
            Outcome::MethodNotAllowed => "method_not_allowed",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The counters of [`Metrics`] at one moment (see [`Metrics::counters`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Requests by how they ended, one entry for every [`Outcome`].
    pub requests: Vec<(Outcome, u64)>,
    /// Events stored (new keys).
    pub events_stored: u64,
    /// Events that were already stored, not stored again.
    pub duplicate_events: u64,
    /// Deliveries forwarded to the app.
    pub forwarded: u64,
    /// Failed forwarding attempts (retried).
    pub forward_failures: u64,
    /// Stored deliveries not yet forwarded.
    pub forward_lag: i64,
}

impl Counters {
    /// How many requests ended with `outcome`.
    pub fn requests(&self, outcome: Outcome) -> u64 {
        self.requests
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(0, |(_, n)| *n)
    }
}

const SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The label set of `aaa_requests_total`.
type OutcomeLabel = [(&'static str, &'static str); 1];

fn outcome_label(o: Outcome) -> OutcomeLabel {
    [("outcome", o.as_str())]
}

/// The receiver's metrics.
#[derive(Debug)]
pub struct Metrics {
    /// One counter per outcome, by [`Outcome::index`], each the family's own (so counting a
    /// request takes no lock).
    requests: Vec<Counter>,
    events_stored: Counter,
    duplicate_events: Counter,
    quarantined: Counter,
    crc_latency: Histogram,
    commit_latency: Histogram,
    batch_size: Histogram,
    forwarded: Counter,
    forward_failures: Counter,
    forward_lag: Gauge,
    registry: Mutex<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        let family = Family::<OutcomeLabel, Counter>::default();
        let m = Metrics {
            // Every outcome is shown from the start, with 0, so a rate over it is defined.
            requests: Outcome::ALL
                .iter()
                .map(|&o| family.get_or_create_owned(&outcome_label(o)))
                .collect(),
            events_stored: Counter::default(),
            duplicate_events: Counter::default(),
            quarantined: Counter::default(),
            crc_latency: Histogram::new(SECONDS.iter().copied()),
            commit_latency: Histogram::new(SECONDS.iter().copied()),
            batch_size: Histogram::new(BATCH.iter().copied()),
            forwarded: Counter::default(),
            forward_failures: Counter::default(),
            forward_lag: Gauge::default(),
            registry: Mutex::new(Registry::default()),
        };
        m.register("aaa_requests", "Requests by outcome", family);
        m.register(
            "aaa_events_stored",
            "Events stored (new keys)",
            m.events_stored.clone(),
        );
        m.register(
            "aaa_duplicate_events",
            "Events already stored, not stored again",
            m.duplicate_events.clone(),
        );
        m.register(
            "aaa_forwarded",
            "Deliveries forwarded to the app",
            m.forwarded.clone(),
        );
        m.register(
            "aaa_forward_failures",
            "Failed forwarding attempts (retried)",
            m.forward_failures.clone(),
        );
        m.register(
            "aaa_quarantined",
            "Authentic bodies stored as quarantined",
            m.quarantined.clone(),
        );
        m.register(
            "aaa_forward_lag",
            "Stored deliveries not yet forwarded",
            m.forward_lag.clone(),
        );
        m.register(
            "aaa_crc_seconds",
            "Time to answer a CRC check",
            m.crc_latency.clone(),
        );
        m.register(
            "aaa_commit_seconds",
            "Time to commit one batch durably",
            m.commit_latency.clone(),
        );
        m.register(
            "aaa_commit_batch_size",
            "Deliveries per commit",
            m.batch_size.clone(),
        );
        m
    }
}

impl Metrics {
    /// Adds `metric` to the registry `/metrics` renders, under `name` (a counter's `_total`
    /// suffix is added when rendered). For series that other parts of a program keep beside the
    /// receiver's, such as the operations layer's watchdog, gap and replay series.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        self.registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .register(name, help, metric);
    }

    /// Counts a finished request.
    pub fn request(&self, outcome: Outcome) {
        self.requests[outcome.index()].inc();
        if outcome == Outcome::Quarantined {
            self.quarantined.inc();
        }
    }

    /// How many requests ended with `outcome`.
    pub fn requests(&self, outcome: Outcome) -> u64 {
        self.requests[outcome.index()].get()
    }

    /// Counts stored and duplicate events.
    pub fn events(&self, stored: usize, duplicates: usize) {
        self.events_stored.inc_by(stored as u64);
        self.duplicate_events.inc_by(duplicates as u64);
    }

    /// Records the time taken to answer a CRC check.
    pub fn observe_crc(&self, took: Duration) {
        self.crc_latency.observe(took.as_secs_f64());
    }

    /// Records one commit of `deliveries` deliveries.
    pub fn observe_commit(&self, took: Duration, deliveries: usize) {
        self.commit_latency.observe(took.as_secs_f64());
        #[allow(clippy::cast_precision_loss)]
        self.batch_size.observe(deliveries as f64);
    }

    /// Counts a delivery forwarded to the user's app, or a failed attempt.
    pub fn forward(&self, ok: bool) {
        if ok {
            self.forwarded.inc();
        } else {
            self.forward_failures.inc();
        }
    }

    /// Sets how many stored deliveries wait to be forwarded.
    pub fn set_forward_lag(&self, lag: i64) {
        self.forward_lag.set(lag);
    }

    /// Every counter as it stands now, for a dashboard.
    pub fn counters(&self) -> Counters {
        Counters {
            requests: Outcome::ALL
                .iter()
                .map(|&o| (o, self.requests(o)))
                .collect(),
            events_stored: self.events_stored.get(),
            duplicate_events: self.duplicate_events.get(),
            forwarded: self.forwarded.get(),
            forward_failures: self.forward_failures.get(),
            forward_lag: self.forward_lag.get(),
        }
    }

    /// The Prometheus text exposition (version 0.0.4), of the receiver's series and every
    /// series [registered](Metrics::register) beside them.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request(Outcome::Stored);
        m.request(Outcome::Stored);
        m.observe_commit(Duration::from_micros(300), 3);
        m.observe_commit(Duration::from_millis(20), 1);
        let text = m.render();
        assert!(
            text.contains("aaa_requests_total{outcome=\"stored\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("aaa_commit_seconds_bucket{le=\"0.0005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("aaa_commit_seconds_bucket{le=\"0.025\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("aaa_commit_batch_size_bucket{le=\"4\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("aaa_commit_seconds_count 2\n"), "{text}");
        // Every series a dashboard may be built on keeps its name and type.
        for (name, kind) in [
            ("aaa_requests_total", "counter"),
            ("aaa_events_stored_total", "counter"),
            ("aaa_duplicate_events_total", "counter"),
            ("aaa_quarantined_total", "counter"),
            ("aaa_forwarded_total", "counter"),
            ("aaa_forward_failures_total", "counter"),
            ("aaa_forward_lag", "gauge"),
            ("aaa_crc_seconds", "histogram"),
            ("aaa_commit_seconds", "histogram"),
            ("aaa_commit_batch_size", "histogram"),
        ] {
            assert!(
                text.contains(&format!("# TYPE {name} {kind}\n")),
                "{name}: {text}"
            );
        }
        for o in Outcome::ALL {
            assert!(
                text.contains(&format!(
                    "aaa_requests_total{{outcome=\"{}\"}} ",
                    o.as_str()
                )),
                "{text}"
            );
        }
        let counters = m.counters();
        assert_eq!(counters.requests(Outcome::Stored), 2);
        assert_eq!(counters.requests(Outcome::Duplicate), 0);
        assert_eq!(counters.requests.len(), Outcome::ALL.len());
    }

    #[test]
    fn registered_series_render_beside_the_receivers() {
        let m = Metrics::default();
        let g: Gauge = Gauge::default();
        m.register(
            "aaa_test_gauge",
            "A gauge registered from outside.",
            g.clone(),
        );
        g.set(7);
        m.request(Outcome::Quarantined);
        let text = m.render();
        assert!(text.contains("aaa_test_gauge 7\n"), "{text}");
        assert!(text.contains("aaa_quarantined_total 1\n"), "{text}");
    }
}
