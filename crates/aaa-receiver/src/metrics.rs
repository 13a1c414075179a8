//! Counters and histograms, rendered in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

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

/// A histogram with fixed upper bounds.
#[derive(Debug)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.sum_micros
            .fetch_add((value * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

const SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The receiver's metrics.
#[derive(Debug)]
pub struct Metrics {
    requests: Vec<AtomicU64>,
    events_stored: AtomicU64,
    duplicate_events: AtomicU64,
    crc_latency: Histogram,
    commit_latency: Histogram,
    batch_size: Histogram,
    forwarded: AtomicU64,
    forward_failures: AtomicU64,
    forward_lag: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Outcome::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            events_stored: AtomicU64::new(0),
            duplicate_events: AtomicU64::new(0),
            crc_latency: Histogram::new(SECONDS),
            commit_latency: Histogram::new(SECONDS),
            batch_size: Histogram::new(BATCH),
            forwarded: AtomicU64::new(0),
            forward_failures: AtomicU64::new(0),
            forward_lag: AtomicI64::new(0),
        }
    }
}

impl Metrics {
    /// Counts a finished request.
    pub fn request(&self, outcome: Outcome) {
        self.requests[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests ended with `outcome`.
    pub fn requests(&self, outcome: Outcome) -> u64 {
        self.requests[outcome.index()].load(Ordering::Relaxed)
    }

    /// Counts stored and duplicate events.
    pub fn events(&self, stored: usize, duplicates: usize) {
        self.events_stored
            .fetch_add(stored as u64, Ordering::Relaxed);
        self.duplicate_events
            .fetch_add(duplicates as u64, Ordering::Relaxed);
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
            self.forwarded.fetch_add(1, Ordering::Relaxed);
        } else {
            self.forward_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sets how many stored deliveries wait to be forwarded.
    pub fn set_forward_lag(&self, lag: i64) {
        self.forward_lag.store(lag, Ordering::Relaxed);
    }

    /// Every counter as it stands now, for a dashboard.
    pub fn counters(&self) -> Counters {
        Counters {
            requests: Outcome::ALL
                .iter()
                .map(|&o| (o, self.requests(o)))
                .collect(),
            events_stored: self.events_stored.load(Ordering::Relaxed),
            duplicate_events: self.duplicate_events.load(Ordering::Relaxed),
            forwarded: self.forwarded.load(Ordering::Relaxed),
            forward_failures: self.forward_failures.load(Ordering::Relaxed),
            forward_lag: self.forward_lag.load(Ordering::Relaxed),
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP aaa_requests_total Requests by outcome.\n# TYPE aaa_requests_total counter\n",
        );
        for o in Outcome::ALL {
            let _ = writeln!(
                out,
                "aaa_requests_total{{outcome=\"{}\"}} {}",
                o.as_str(),
                self.requests(o)
            );
        }
        let counters = [
            (
                "aaa_events_stored_total",
                "Events stored (new keys).",
                &self.events_stored,
            ),
            (
                "aaa_duplicate_events_total",
                "Events already stored, not stored again.",
                &self.duplicate_events,
            ),
            (
                "aaa_forwarded_total",
                "Deliveries forwarded to the app.",
                &self.forwarded,
            ),
            (
                "aaa_forward_failures_total",
                "Failed forwarding attempts (retried).",
                &self.forward_failures,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP aaa_quarantined_total Authentic bodies stored as quarantined.\n# TYPE aaa_quarantined_total counter\naaa_quarantined_total {}",
            self.requests(Outcome::Quarantined)
        );
        let _ = writeln!(
            out,
            "# HELP aaa_forward_lag Stored deliveries not yet forwarded.\n# TYPE aaa_forward_lag gauge\naaa_forward_lag {}",
            self.forward_lag.load(Ordering::Relaxed)
        );
        self.crc_latency
            .render(&mut out, "aaa_crc_seconds", "Time to answer a CRC check.");
        self.commit_latency.render(
            &mut out,
            "aaa_commit_seconds",
            "Time to commit one batch durably.",
        );
        self.batch_size
            .render(&mut out, "aaa_commit_batch_size", "Deliveries per commit.");
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
        let counters = m.counters();
        assert_eq!(counters.requests(Outcome::Stored), 2);
        assert_eq!(counters.requests(Outcome::Duplicate), 0);
        assert_eq!(counters.requests.len(), Outcome::ALL.len());
    }
}
