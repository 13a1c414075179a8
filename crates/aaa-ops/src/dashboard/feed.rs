//! What every open page shares: one reader of the store's live feed that counts events per kind
//! and turns each event into its list row once (however many pages are open, and not at all
//! while none is), and the counters over time, sampled every [`STEP`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use aaa_receiver::{Outcome, StoredEvent};
use bytes::Bytes;
use tokio::sync::{broadcast, watch};

use super::State;
use aaa_model::time::rfc3339_from_millis;

/// How often the counters are sampled for the charts.
pub(crate) const STEP: Duration = Duration::from_secs(5);
/// How many samples are kept: ten minutes.
const SAMPLES: usize = 120;
/// How many kinds are counted by name; further kinds (only unknown ones can be that many) are
/// counted together as `other`.
const MAX_KINDS: usize = 64;
/// How many rows the shared feed holds for a page that is a little behind.
pub(crate) const FEED_CAPACITY: usize = 1024;

/// The outcomes the page shows, in its order.
pub(crate) const OUTCOMES: [Outcome; 10] = [
    Outcome::Stored,
    Outcome::Duplicate,
    Outcome::Quarantined,
    Outcome::Unauthorized,
    Outcome::CrcOk,
    Outcome::CrcRejected,
    Outcome::StoreUnavailable,
    Outcome::BadRequest,
    Outcome::TooLarge,
    Outcome::Timeout,
];

/// One stored event, as the live feed's filters and the page need it.
#[derive(Debug)]
pub(crate) struct LiveRow {
    pub(crate) kind: String,
    pub(crate) for_user_id: Option<String>,
    pub(crate) raw: Bytes,
    /// The row as JSON, made once for every page.
    pub(crate) json: String,
}

impl LiveRow {
    fn new(e: &StoredEvent) -> LiveRow {
        LiveRow {
            kind: e.kind.clone(),
            for_user_id: e.for_user_id.clone(),
            raw: e.raw.clone(),
            json: row(e).to_string(),
        }
    }
}

/// Events per kind since the dashboard started, at most [`MAX_KINDS`] names.
#[derive(Debug, Default, Clone)]
pub(crate) struct Kinds(BTreeMap<String, u64>);

impl Kinds {
    fn add(&mut self, kind: &str) {
        if let Some(n) = self.0.get_mut(kind) {
            *n += 1;
        } else if self.0.len() < MAX_KINDS {
            self.0.insert(kind.to_owned(), 1);
        } else {
            *self.0.entry("other".to_owned()).or_default() += 1;
        }
    }

    pub(crate) fn map(&self) -> &BTreeMap<String, u64> {
        &self.0
    }
}

/// The counters at one moment.
#[derive(Debug, Clone)]
struct Sample {
    at_ms: i64,
    outcomes: [u64; OUTCOMES.len()],
    kinds: BTreeMap<String, u64>,
}

/// The last [`SAMPLES`] samples of the counters.
#[derive(Debug, Default)]
pub(crate) struct History(VecDeque<Sample>);

impl History {
    fn record(&mut self, sample: Sample) {
        if self.0.len() == SAMPLES {
            self.0.pop_front();
        }
        self.0.push_back(sample);
    }

    /// Per step: its end, and how many requests of each outcome and events of each kind came in
    /// it (the difference between consecutive samples).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let steps: Vec<(&Sample, &Sample)> = self.0.iter().zip(self.0.iter().skip(1)).collect();
        let outcomes: serde_json::Map<String, serde_json::Value> = OUTCOMES
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let deltas: Vec<u64> = steps
                    .iter()
                    .map(|(a, b)| b.outcomes[i].saturating_sub(a.outcomes[i]))
                    .collect();
                (o.as_str().to_owned(), deltas.into())
            })
            .collect();
        let names: std::collections::BTreeSet<&String> =
            self.0.iter().flat_map(|s| s.kinds.keys()).collect();
        let kinds: serde_json::Map<String, serde_json::Value> = names
            .into_iter()
            .map(|k| {
                let at = |s: &Sample| s.kinds.get(k).copied().unwrap_or(0);
                let deltas: Vec<u64> = steps
                    .iter()
                    .map(|(a, b)| at(b).saturating_sub(at(a)))
                    .collect();
                (k.clone(), deltas.into())
            })
            .collect();
        serde_json::json!({
            "step_s": STEP.as_secs(),
            "steps": SAMPLES - 1,
            "until": self.0.back().map(|s| rfc3339_from_millis(s.at_ms)),
            "outcomes": outcomes,
            "kinds": kinds,
        })
    }
}

fn sample(state: &State) -> Sample {
    let counters = state.receiver.metrics().counters();
    let mut outcomes = [0; OUTCOMES.len()];
    for (n, o) in outcomes.iter_mut().zip(OUTCOMES) {
        *n = counters.requests(o);
    }
    Sample {
        at_ms: crate::shared::now_ms(),
        outcomes,
        kinds: state.kinds().map().clone(),
    }
}

/// Reads the store's live feed until `stop`: counts kinds, hands rows to the open pages, and
/// samples the counters every [`STEP`].
pub(crate) async fn run(
    state: Arc<State>,
    rows: broadcast::Sender<Arc<LiveRow>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut feed = state.receiver.store().subscribe();
    let mut tick = tokio::time::interval(STEP);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tick.tick() => {
                let s = sample(&state);
                state.history.lock().unwrap_or_else(PoisonError::into_inner).record(s);
            }
            e = feed.next() => match e {
                Some(Ok(e)) => {
                    state.kinds.lock().unwrap_or_else(PoisonError::into_inner).add(&e.kind);
                    if rows.receiver_count() > 0 {
                        let _ = rows.send(Arc::new(LiveRow::new(&e)));
                    }
                }
                // Missed events are not counted by kind; the totals by outcome still are.
                Some(Err(_)) => {}
                None => return,
            },
        }
    }
}

/// One event as a row of the list: no body beyond a short preview.
pub(crate) fn row(e: &StoredEvent) -> serde_json::Value {
    let raw = String::from_utf8_lossy(&e.raw);
    let preview: String = raw.chars().take(160).collect();
    serde_json::json!({
        "id": e.id.to_string(),
        "key": e.key,
        "kind": e.kind,
        "for_user_id": e.for_user_id,
        "app": e.app,
        "received_at": rfc3339_from_millis(e.received_at),
        "received_ms": e.received_at,
        "preview": preview,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_beyond_the_bound_count_as_other() {
        let mut k = Kinds::default();
        for i in 0..MAX_KINDS + 10 {
            k.add(&format!("unknown:k{i}"));
        }
        k.add("unknown:k0");
        assert_eq!(k.map().len(), MAX_KINDS + 1);
        assert_eq!(k.map()["other"], 10);
        assert_eq!(k.map()["unknown:k0"], 2);
    }

    #[test]
    fn history_keeps_the_last_samples_as_differences() {
        let mut h = History::default();
        for i in 0..SAMPLES as u64 + 5 {
            let mut outcomes = [0; OUTCOMES.len()];
            outcomes[0] = i * 3;
            let mut kinds = BTreeMap::new();
            kinds.insert("favorite".to_owned(), i * 2);
            h.record(Sample {
                at_ms: i64::try_from(i).unwrap() * 5000,
                outcomes,
                kinds,
            });
        }
        let j = h.to_json();
        let stored = j["outcomes"]["stored"].as_array().unwrap();
        assert_eq!(stored.len(), SAMPLES - 1);
        assert!(stored.iter().all(|v| v == 3));
        assert!(
            j["kinds"]["favorite"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v == 2)
        );
        assert_eq!(j["outcomes"]["timeout"].as_array().unwrap()[0], 0);
    }
}
