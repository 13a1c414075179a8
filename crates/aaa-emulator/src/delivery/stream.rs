//! The activity stream's side of delivery: the open connections of each app, and the last
//! minutes of each app's events for `backfill_minutes`.
//!
//! Every X Activity API event of an app goes to all of the app's open stream connections (X
//! allows two, for redundancy) and into the app's backlog, which keeps the events of the last
//! [`BACKLOG_MS`] so that a connection opened with `backfill_minutes` (at most 5) first gets
//! the events it missed. Opening a connection takes the backlog and registers the connection
//! under one lock, so no event falls between the two or arrives twice.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior, Sleep};

/// How long events are kept for backfill: X's `backfill_minutes` goes up to 5.
pub(crate) const BACKLOG_MS: u64 = 5 * 60 * 1000;

/// The keep-alive X sends on a quiet stream.
const KEEPALIVE: &[u8] = b"\r\n";

#[derive(Default)]
struct AppStreams {
    conns: Vec<mpsc::Sender<Bytes>>,
    /// (event time in ms on the emulator's timeline, the line with its `\r\n`), oldest first.
    backlog: VecDeque<(u64, Bytes)>,
}

/// Every app's stream connections and backlog.
#[derive(Default)]
pub(crate) struct StreamHub {
    apps: Mutex<HashMap<String, AppStreams>>,
}

impl fmt::Debug for StreamHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamHub")
    }
}

/// Why a connection was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenRefused {
    /// The app has its allowed number of connections open.
    TooManyConnections,
}

/// What a new connection asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenRequest {
    /// Events at or after this time (ms) are sent from the backlog first.
    pub(crate) since_ms: Option<u64>,
    /// Events after this time (ms) are not sent, and the connection ends when it has passed.
    pub(crate) until_ms: Option<u64>,
    /// The emulator's time now (ms).
    pub(crate) now_ms: u64,
    pub(crate) max_connections: usize,
    pub(crate) buffer: usize,
    pub(crate) keepalive: Duration,
}

impl StreamHub {
    fn apps(&self) -> std::sync::MutexGuard<'_, HashMap<String, AppStreams>> {
        self.apps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a connection for `app_id`: queues the backlog it asked for, then registers it for
    /// live events.
    pub(crate) fn open(&self, app_id: &str, req: OpenRequest) -> Result<StreamFeed, OpenRefused> {
        let mut apps = self.apps();
        let app = apps.entry(app_id.to_owned()).or_default();
        app.conns.retain(|c| !c.is_closed());
        if app.conns.len() >= req.max_connections {
            return Err(OpenRefused::TooManyConnections);
        }
        let (tx, rx) = mpsc::channel(req.buffer.max(1));
        if let Some(since) = req.since_ms {
            for (at, line) in &app.backlog {
                if *at >= since && req.until_ms.is_none_or(|u| *at <= u) {
                    // A backlog larger than the buffer is cut at the buffer's size.
                    let _ = tx.try_send(line.clone());
                }
            }
        }
        let end = req.until_ms.map(|until| {
            let left = until.saturating_sub(req.now_ms);
            Box::pin(tokio::time::sleep(Duration::from_millis(left)))
        });
        app.conns.push(tx);
        let mut keepalive = tokio::time::interval_at(
            tokio::time::Instant::now() + req.keepalive,
            req.keepalive.max(Duration::from_millis(1)),
        );
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Ok(StreamFeed { rx, keepalive, end })
    }

    /// Sends an event line to every open connection of `app_id` and keeps it for backfill.
    /// A connection whose buffer is full is cut off (as X does with a client too slow to
    /// read). Returns how many connections got it.
    pub(crate) fn publish(&self, app_id: &str, at_ms: u64, line: &Bytes) -> usize {
        let mut apps = self.apps();
        let app = apps.entry(app_id.to_owned()).or_default();
        let horizon = at_ms.saturating_sub(BACKLOG_MS);
        while app.backlog.front().is_some_and(|(at, _)| *at < horizon) {
            app.backlog.pop_front();
        }
        app.backlog.push_back((at_ms, line.clone()));
        let mut reached = 0;
        app.conns.retain(|c| match c.try_send(line.clone()) {
            Ok(()) => {
                reached += 1;
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("activity stream connection too slow to read; cut off");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        reached
    }

    /// How many connections `app_id` has open.
    pub(crate) fn open_connections(&self, app_id: &str) -> usize {
        let mut apps = self.apps();
        apps.get_mut(app_id).map_or(0, |app| {
            app.conns.retain(|c| !c.is_closed());
            app.conns.len()
        })
    }

    /// Ends every open connection (their bodies finish after what is queued), as at shutdown.
    pub(crate) fn close_all(&self) {
        for app in self.apps().values_mut() {
            app.conns.clear();
        }
    }
}

/// The live side of one stream connection: queued event lines, keep-alives when quiet, and the
/// end at `end_time`.
pub(crate) struct StreamFeed {
    rx: mpsc::Receiver<Bytes>,
    keepalive: Interval,
    end: Option<Pin<Box<Sleep>>>,
}

impl fmt::Debug for StreamFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamFeed")
    }
}

impl StreamFeed {
    /// The next bytes to write: an event line, a keep-alive, or `None` when the connection is
    /// to end.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if let Some(end) = &mut self.end {
            if end.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(line)) => {
                self.keepalive.reset();
                return Poll::Ready(Some(line));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if self.keepalive.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Bytes::from_static(KEEPALIVE)));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(now_ms: u64, since_ms: Option<u64>) -> OpenRequest {
        OpenRequest {
            since_ms,
            until_ms: None,
            now_ms,
            max_connections: 2,
            buffer: 16,
            keepalive: Duration::from_secs(3600),
        }
    }

    async fn next(feed: &mut StreamFeed) -> Option<Bytes> {
        std::future::poll_fn(|cx| feed.poll_next(cx)).await
    }

    #[tokio::test]
    async fn backlog_then_live_events_and_at_most_two_connections() {
        let hub = StreamHub::default();
        let line = |s: &str| Bytes::from(format!("{s}\r\n"));
        hub.publish("app", 1_000, &line("old"));
        hub.publish("app", 400_000, &line("recent"));
        let mut a = hub.open("app", request(400_500, Some(100_000))).unwrap();
        let mut b = hub.open("app", request(400_500, None)).unwrap();
        assert_eq!(
            hub.open("app", request(400_500, None)).unwrap_err(),
            OpenRefused::TooManyConnections
        );
        assert_eq!(hub.publish("app", 400_600, &line("live")), 2);
        assert_eq!(next(&mut a).await.unwrap(), line("recent"));
        assert_eq!(next(&mut a).await.unwrap(), line("live"));
        assert_eq!(next(&mut b).await.unwrap(), line("live"));
        // Another app's events are not seen.
        assert_eq!(hub.publish("other", 400_700, &line("x")), 0);
        drop(a);
        assert_eq!(hub.open_connections("app"), 1);
        hub.close_all();
        assert_eq!(next(&mut b).await, None);
    }

    #[tokio::test]
    async fn keep_alives_when_quiet_and_the_end_at_end_time() {
        let hub = StreamHub::default();
        let mut req = request(0, None);
        req.keepalive = Duration::from_millis(20);
        req.until_ms = Some(300);
        let mut feed = hub.open("app", req).unwrap();
        assert_eq!(
            next(&mut feed).await.unwrap(),
            Bytes::from_static(KEEPALIVE)
        );
        let mut n = 1;
        while next(&mut feed).await.is_some() {
            n += 1;
        }
        assert!(n >= 3, "{n} keep-alives before the end");
    }

    #[tokio::test]
    async fn a_connection_that_cannot_keep_up_is_cut_off() {
        let hub = StreamHub::default();
        let mut req = request(0, None);
        req.buffer = 2;
        let _slow = hub.open("app", req).unwrap();
        for i in 0..2 {
            assert_eq!(hub.publish("app", i, &Bytes::from_static(b"e\r\n")), 1);
        }
        assert_eq!(hub.publish("app", 3, &Bytes::from_static(b"e\r\n")), 0);
        assert_eq!(hub.open_connections("app"), 0);
    }
}
