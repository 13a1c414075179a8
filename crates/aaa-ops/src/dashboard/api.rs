//! The dashboard's JSON endpoints and its server-sent events.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use std::collections::VecDeque;

use aaa_receiver::{Cursor, EventId, EventQuery};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use tokio::sync::{broadcast, mpsc, watch};

use super::feed::{LiveRow, OUTCOMES, row};
use super::{Body, COUNTS_EVERY, LIVE_BATCH, State, error, json, query_param};
use crate::journal::GapState;
use aaa_model::time::rfc3339_from_millis;

/// The most events one page lists.
const MAX_PAGE: usize = 200;
/// How many stored events one listing with a text filter looks at, at most: the text is
/// searched for in each event's JSON, which at 100,000 stored events took 20-60 ms per 20,000
/// events on SQLite and 0.2-0.4 s on JetStream (docs/dashboard.md). The page's Older looks on.
pub(crate) const TEXT_EXAMINE: usize = 20_000;
/// The same for a listing filtered by kind or user only: compared column by column, 100,000
/// events took about 5 ms on SQLite; on JetStream a kind is a subject filter (the server skips
/// the rest) and a user is compared here, about 0.7-1.4 s per 100,000.
pub(crate) const FIELD_EXAMINE: usize = 100_000;

/// Decodes `%XX` and `+` in a query value; invalid escapes are kept as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The filters of a listing or a live feed.
struct Filters {
    kind: Option<String>,
    user: Option<String>,
    text: Option<String>,
}

fn filters(req: &Request<Incoming>) -> Filters {
    let nonempty = |name| query_param(req, name).filter(|v| !v.is_empty());
    Filters {
        kind: nonempty("kind"),
        user: nonempty("user"),
        text: nonempty("text"),
    }
}

impl Filters {
    /// How many events a listing with these filters looks at, at most.
    fn examine(&self) -> Option<usize> {
        if self.text.is_some() {
            Some(TEXT_EXAMINE)
        } else if self.kind.is_some() || self.user.is_some() {
            Some(FIELD_EXAMINE)
        } else {
            None
        }
    }

    fn apply(&self, mut q: EventQuery) -> EventQuery {
        if let Some(k) = &self.kind {
            q = q.kind(k.clone());
        }
        if let Some(u) = &self.user {
            q = q.user(u.clone());
        }
        if let Some(t) = &self.text {
            q = q.text(t.clone());
        }
        if let Some(n) = self.examine() {
            q = q.examine(n);
        }
        q
    }

    fn matches(&self, e: &LiveRow) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == e.kind)
            && self
                .user
                .as_ref()
                .is_none_or(|u| e.for_user_id.as_deref() == Some(u.as_str()))
            && self
                .text
                .as_ref()
                .is_none_or(|t| e.raw.windows(t.len().max(1)).any(|w| w == t.as_bytes()))
    }
}

pub(super) async fn events(state: &State, req: &Request<Incoming>) -> Response<Body> {
    let limit = query_param(req, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, MAX_PAGE);
    let f = filters(req);
    let query = match query_param(req, "before").filter(|b| !b.is_empty()) {
        Some(b) => match b.parse::<Cursor>() {
            Ok(c) => EventQuery::before(c, limit),
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("before: {e}")),
        },
        None => EventQuery::newest(Some(limit)),
    };
    match state.receiver.store().list(f.apply(query)).await {
        Ok(page) => json(
            StatusCode::OK,
            &serde_json::json!({
                "events": page.events.iter().rev().map(row).collect::<Vec<_>>(),
                "before": page.before.to_string(),
                "after": page.after.to_string(),
                "more": page.more,
                "examined_at_most": f.examine(),
            }),
        ),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

pub(super) async fn event(state: &State, req: &Request<Incoming>) -> Response<Body> {
    let Some(id) = query_param(req, "id").and_then(|i| i.parse::<EventId>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "id: expected PART:SEQ");
    };
    match state.receiver.store().event(id).await {
        Ok(Some(d)) => {
            let delivery = d.delivery.as_ref().map(|del| {
                serde_json::json!({
                    "id": del.id.to_string(),
                    "app": del.app,
                    "received_at": rfc3339_from_millis(del.received_at),
                    // Only which secret matched: never the signature or a secret.
                    "signature": "verified",
                    "secret": match del.secret_index {
                        Some(0) => "the current consumer secret".to_owned(),
                        Some(i) => format!("older consumer secret #{i}"),
                        None => "not recorded".to_owned(),
                    },
                    "quarantined": del.quarantined,
                    "body_bytes": del.body.len(),
                })
            });
            let mut ev = row(&d.event);
            ev["raw"] = String::from_utf8_lossy(&d.event.raw).into_owned().into();
            ev["delivery_id"] = d.event.delivery.to_string().into();
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "event": ev,
                    "delivery": delivery,
                    "duplicates": d.duplicates,
                    "can_redeliver": state.forward.is_some() && d.delivery.is_some(),
                }),
            )
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "no such event (or it was pruned)"),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

/// The store's counts: counted again once they are [`COUNTS_EVERY`] old (counting is a scan),
/// in between the last count plus the events this receiver stored since. A count that failed
/// gives what failed, for the page to show (it is not cached: the next call counts again).
async fn counts(state: &State, events_stored: u64) -> Result<aaa_receiver::StoreCounts, String> {
    let mut cached = state.counts.lock().await;
    let fresh = cached.filter(|(at, _, _)| at.elapsed() < COUNTS_EVERY);
    let (counts, stored_then) = if let Some((_, c, n)) = fresh {
        (c, n)
    } else {
        let c = state
            .receiver
            .store()
            .counts()
            .await
            .map_err(|e| format!("counting the store failed: {e}"))?;
        *cached = Some((std::time::Instant::now(), c, events_stored));
        (c, events_stored)
    };
    let mut counts = counts;
    counts.events += events_stored.saturating_sub(stored_then);
    Ok(counts)
}

pub(super) async fn stats(state: &State) -> Response<Body> {
    let counters = state.receiver.metrics().counters();
    let outcomes: serde_json::Map<String, serde_json::Value> = OUTCOMES
        .into_iter()
        .map(|o| (o.as_str().to_owned(), counters.requests(o).into()))
        .collect();
    let store = state.receiver.store();
    let counts = counts(state, counters.events_stored).await;
    let history = state
        .history
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .to_json();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "outcomes": outcomes,
            "events_stored": counters.events_stored,
            "duplicate_events": counters.duplicate_events,
            "forwarded": counters.forwarded,
            "forward_failures": counters.forward_failures,
            "forward_lag": counters.forward_lag,
            "store": counts.as_ref().ok().map(|c| serde_json::json!({"events": c.events, "quarantined": c.quarantined, "deliveries": c.deliveries})),
            "store_error": counts.err(),
            "store_healthy": store.is_healthy(),
            "kinds": state.kinds().map(),
            "history": history,
            "since": rfc3339_from_millis(state.started_ms),
        }),
    )
}

pub(super) async fn ops(state: &State) -> Response<Body> {
    // A journal that cannot be read is said so, never shown as "no gap".
    let (gaps, gaps_error) = match &state.journal {
        Some(j) => {
            let j = j.clone();
            match tokio::task::spawn_blocking(move || j.gaps(&[], 50)).await {
                Ok(Ok(gaps)) => (gaps, None),
                Ok(Err(e)) => (Vec::new(), Some(format!("reading the {e}"))),
                Err(e) => (
                    Vec::new(),
                    Some(format!("reading the gap journal stopped: {e}")),
                ),
            }
        }
        None => (Vec::new(), None),
    };
    let gaps: Vec<serde_json::Value> = gaps
        .iter()
        .map(|g| {
            serde_json::json!({
                "id": g.id,
                "cause": g.cause,
                "webhook_id": g.webhook_id,
                "from": rfc3339_from_millis(g.from_ms),
                "to": g.to_ms.map(rfc3339_from_millis),
                "state": g.state,
                "lost": g.state == GapState::Lost || g.detail.starts_with("lost"),
                "merged_into": g.merged_into,
                "detail": g.detail,
                "replays": g.replays.iter().map(|r| serde_json::json!({
                    "webhook_id": r.webhook_id,
                    "job_id": r.job_id,
                    "from": rfc3339_from_millis(r.from_ms),
                    "to": rfc3339_from_millis(r.to_ms),
                    "state": r.state,
                    "attempts": r.attempts,
                    "detail": r.detail,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "watchdog": state.board.watchdog(),
            "outage_open": state.board.outage_open(),
            "journal": state.journal.is_some(),
            "gaps": gaps,
            "gaps_error": gaps_error,
        }),
    )
}

pub(super) async fn redeliver(state: &State, body: &[u8]) -> Response<Body> {
    let Some(forward) = &state.forward else {
        return error(StatusCode::CONFLICT, "no forward target is configured");
    };
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        .and_then(|i| i.parse::<EventId>().ok());
    let Some(id) = id else {
        return error(StatusCode::BAD_REQUEST, "expected {\"id\":\"PART:SEQ\"}");
    };
    let detail = match state.receiver.store().event(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such event"),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let Some(delivery) = detail.delivery else {
        return error(StatusCode::GONE, "the event's delivery was pruned");
    };
    match forward.send_once(&delivery).await {
        Ok(status) => {
            tracing::info!(event = %id, status, "dashboard: delivery sent to the forward target again");
            json(StatusCode::OK, &serde_json::json!({ "status": status }))
        }
        Err(why) => error(
            StatusCode::BAD_GATEWAY,
            &format!("the forward target answered: {why}"),
        ),
    }
}

/// A response body fed by a channel.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// What a page's live feed holds between two sends: the newest [`LIVE_BATCH`] matching rows,
/// and how many matching events it left out.
#[derive(Default)]
struct LiveBuffer {
    rows: VecDeque<Arc<LiveRow>>,
    missed: u64,
}

impl LiveBuffer {
    /// Keeps `row`, dropping (and counting) the oldest one held when full.
    fn push(&mut self, row: Arc<LiveRow>) {
        if self.rows.len() == LIVE_BATCH {
            self.rows.pop_front();
            self.missed += 1;
        }
        self.rows.push_back(row);
    }

    /// The server-sent events for what is held (an `events` batch, oldest first, and a
    /// `missed` count), and how many events the batch carries; empties the buffer.
    fn take(&mut self) -> Option<(String, u64)> {
        let n = self.rows.len();
        if n == 0 && self.missed == 0 {
            return None;
        }
        let mut out = String::new();
        if n > 0 {
            out.push_str("event: events\ndata: [");
            for (i, r) in self.rows.drain(..).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&r.json);
            }
            out.push_str("]\n\n");
        }
        if self.missed > 0 {
            out.push_str("event: missed\ndata: ");
            out.push_str(&self.missed.to_string());
            out.push_str("\n\n");
            self.missed = 0;
        }
        Some((out, u64::try_from(n).unwrap_or(u64::MAX)))
    }
}

pub(super) fn live(
    state: &Arc<State>,
    req: &Request<Incoming>,
    mut stop: watch::Receiver<bool>,
) -> Response<Body> {
    let f = filters(req);
    let mut feed = state.rows.subscribe();
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut buffer = LiveBuffer::default();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut idle = 0u32;
        if tx.send(Bytes::from_static(b": live\n\n")).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                r = feed.recv() => match r {
                    Ok(r) => {
                        if f.matches(&r) {
                            buffer.push(r);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => buffer.missed += n,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => {
                    let (out, n) = if let Some(m) = buffer.take() {
                        m
                    } else {
                        idle += 1;
                        if idle < 60 {
                            continue;
                        }
                        (": keep-alive\n\n".to_owned(), 0)
                    };
                    idle = 0;
                    // A page that does not read is not waited for: the batch is dropped and
                    // counted the next time.
                    match tx.try_send(Bytes::from(out)) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => buffer.missed += n,
                        Err(mpsc::error::TrySendError::Closed(_)) => return,
                    }
                }
            }
        }
    });
    let mut r = Response::new(ChannelBody(rx).boxed());
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_row(n: usize) -> Arc<LiveRow> {
        Arc::new(LiveRow {
            kind: "favorite".into(),
            for_user_id: Some("7".into()),
            raw: Bytes::from(format!("{{\"n\":{n}}}")),
            json: format!("{{\"n\":{n}}}"),
        })
    }

    #[test]
    fn a_live_batch_keeps_the_newest_rows_and_counts_the_rest() {
        let mut b = LiveBuffer::default();
        assert!(b.take().is_none());
        for n in 0..LIVE_BATCH + 30 {
            b.push(live_row(n));
        }
        let (out, n) = b.take().unwrap();
        assert_eq!(n, u64::try_from(LIVE_BATCH).unwrap());
        let data = out.lines().find_map(|l| l.strip_prefix("data: [")).unwrap();
        let rows: serde_json::Value = serde_json::from_str(&format!("[{data}")).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), LIVE_BATCH);
        assert_eq!(rows[0]["n"], 30, "the oldest rows were left out");
        assert_eq!(rows[LIVE_BATCH - 1]["n"], LIVE_BATCH + 29);
        assert!(out.ends_with("event: missed\ndata: 30\n\n"), "{out}");
        assert!(b.take().is_none(), "taken once");
        b.missed = 3;
        assert_eq!(
            b.take().unwrap(),
            ("event: missed\ndata: 3\n\n".to_owned(), 0)
        );
    }

    #[test]
    fn live_filters_match_kind_user_and_text() {
        let f = Filters {
            kind: Some("favorite".into()),
            user: Some("7".into()),
            text: Some("\"n\":4".into()),
        };
        assert!(f.matches(&live_row(4)));
        assert!(!f.matches(&live_row(5)));
        let any = Filters {
            kind: None,
            user: Some("8".into()),
            text: None,
        };
        assert!(!any.matches(&live_row(4)));
        assert_eq!(f.examine(), Some(TEXT_EXAMINE));
        assert_eq!(any.examine(), Some(FIELD_EXAMINE));
    }

    #[test]
    fn query_values_decode() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%E2%9C%93"), "\u{2713}");
    }
}
