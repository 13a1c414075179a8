//! The dashboard's JSON endpoints and its server-sent events.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use aaa_receiver::{Cursor, EventId, EventQuery, Outcome, StoredEvent};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use tokio::sync::{mpsc, watch};

use super::{Body, LIVE_BATCH, State, error, json, query_param};
use crate::journal::GapState;
use crate::time::rfc3339;

/// The most events one page lists.
const MAX_PAGE: usize = 200;

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
        q
    }

    fn matches(&self, e: &StoredEvent) -> bool {
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

/// One event as a row of the list: no body beyond a short preview.
fn row(e: &StoredEvent) -> serde_json::Value {
    let raw = String::from_utf8_lossy(&e.raw);
    let preview: String = raw.chars().take(160).collect();
    serde_json::json!({
        "id": e.id.to_string(),
        "key": e.key,
        "kind": e.kind,
        "for_user_id": e.for_user_id,
        "app": e.app,
        "received_at": rfc3339(e.received_at),
        "received_ms": e.received_at,
        "preview": preview,
    })
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
                "more": page.events.len() == limit,
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
                    "received_at": rfc3339(del.received_at),
                    // Only which secret matched: never the signature or a secret.
                    "signature": "verified",
                    "secret": match del.secret_index {
                        Some(0) => "the current consumer secret".to_owned(),
                        Some(i) => format!("older consumer secret #{i}"),
                        None => "not recorded".to_owned(),
                    },
                    "quarantined": del.quarantined,
                    "body_bytes": del.body.len(),
                    "events_in_body": d.event.raw.len().min(del.body.len()),
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

pub(super) async fn stats(state: &State) -> Response<Body> {
    let counters = state.receiver.metrics().counters();
    let outcomes: serde_json::Map<String, serde_json::Value> = [
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
    ]
    .into_iter()
    .map(|o| (o.as_str().to_owned(), counters.requests(o).into()))
    .collect();
    let store = state.receiver.store();
    let counts = store.counts().await.ok();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "outcomes": outcomes,
            "events_stored": counters.events_stored,
            "duplicate_events": counters.duplicate_events,
            "forwarded": counters.forwarded,
            "forward_failures": counters.forward_failures,
            "forward_lag": counters.forward_lag,
            "store": counts.map(|c| serde_json::json!({"events": c.events, "quarantined": c.quarantined, "deliveries": c.deliveries})),
            "store_healthy": store.is_healthy(),
            "kinds": state.kinds(),
            "since": rfc3339(state.started_ms),
        }),
    )
}

pub(super) async fn ops(state: &State) -> Response<Body> {
    let gaps = match &state.journal {
        Some(j) => {
            let j = j.clone();
            tokio::task::spawn_blocking(move || j.gaps(&[], 50))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let gaps: Vec<serde_json::Value> = gaps
        .iter()
        .map(|g| {
            serde_json::json!({
                "id": g.id,
                "cause": g.cause,
                "webhook_id": g.webhook_id,
                "from": rfc3339(g.from_ms),
                "to": g.to_ms.map(rfc3339),
                "state": g.state,
                "lost": g.state == GapState::Lost || g.detail.starts_with("lost"),
                "detail": g.detail,
                "replays": g.replays.iter().map(|r| serde_json::json!({
                    "webhook_id": r.webhook_id,
                    "job_id": r.job_id,
                    "from": rfc3339(r.from_ms),
                    "to": rfc3339(r.to_ms),
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

pub(super) fn live(
    state: &Arc<State>,
    req: &Request<Incoming>,
    mut stop: watch::Receiver<bool>,
) -> Response<Body> {
    let f = filters(req);
    let mut feed = state.receiver.store().subscribe();
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut batch: Vec<serde_json::Value> = Vec::new();
        let mut missed: u64 = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut idle = 0u32;
        if tx.send(Bytes::from_static(b": live\n\n")).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                e = feed.next() => match e {
                    Some(Ok(e)) => {
                        if f.matches(&e) {
                            if batch.len() < LIVE_BATCH {
                                batch.push(row(&e));
                            } else {
                                missed += 1;
                            }
                        }
                    }
                    Some(Err(m)) => missed += m.0,
                    None => return,
                },
                _ = tick.tick() => {
                    let mut out = String::new();
                    if !batch.is_empty() {
                        out.push_str("event: events\ndata: ");
                        out.push_str(&serde_json::Value::Array(std::mem::take(&mut batch)).to_string());
                        out.push_str("\n\n");
                    }
                    if missed > 0 {
                        out.push_str("event: missed\ndata: ");
                        out.push_str(&missed.to_string());
                        out.push_str("\n\n");
                        missed = 0;
                    }
                    if out.is_empty() {
                        idle += 1;
                        if idle < 60 {
                            continue;
                        }
                        out.push_str(": keep-alive\n\n");
                    }
                    idle = 0;
                    // A page that does not read is not waited for: the batch is dropped and
                    // counted the next time.
                    match tx.try_send(Bytes::from(out)) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => missed += 1,
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

    #[test]
    fn query_values_decode() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%E2%9C%93"), "\u{2713}");
    }
}
