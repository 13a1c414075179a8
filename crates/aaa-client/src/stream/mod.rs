//! The X Activity API's activity stream (`GET /2/activity/stream`): one long-lived response of
//! newline-delimited JSON envelopes, kept open across disconnections.
//!
//! [`Client::activity_stream`] gives an [`ActivityStream`] to configure; its
//! [`open`](ActivityStream::open) gives a [`StreamConsumer`] whose
//! [`next`](StreamConsumer::next) yields [`StreamItem`]s. The consumer
//!
//! - reads lines in bounded memory: a line longer than [`ActivityStream::max_line_bytes`] is
//!   dropped as it arrives and reported as [`StreamItem::Oversized`]; a line cut off by a
//!   dropped connection is never yielded;
//! - notices a stall: no byte (neither data nor X's keep-alive newline, sent at least every 20
//!   seconds) for [`ActivityStream::stall_timeout`], and then reconnects;
//! - reconnects with X's backoff rules and jitter ([`Backoff`]), asking for
//!   `backfill_minutes` that cover the time since the last byte arrived (at most 5, X's limit;
//!   [`StreamItem::Connected::uncovered`] says how much of a longer gap no backfill recovers);
//! - stays within X's limits for the app ([`StreamLimits`], shared by every consumer of one
//!   [`Client`]): 2 connections at once, 450 connection attempts per 15 minutes.
//!
//! Events may arrive twice (a backfill overlaps what was seen): deduplicate on the envelope's
//! `event_uuid`, as `aaa_parser`'s keys do.
//!
//! ```no_run
//! # async fn run(client: aaa_client::Client) -> Result<(), aaa_client::Error> {
//! use aaa_client::stream::StreamItem;
//!
//! let mut stream = client.activity_stream().backfill_minutes(2).open();
//! loop {
//!     match stream.next().await? {
//!         StreamItem::Line(line) => println!("{}", String::from_utf8_lossy(&line)),
//!         StreamItem::Disconnected { reason, retry_in } => {
//!             eprintln!("stream: {reason}; reconnecting in {retry_in:?}");
//!         }
//!         _ => {}
//!     }
//! }
//! # }
//! ```

mod backoff;
mod lines;

use core::fmt;
use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use aaa_model::Timestamp;
use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::sync::OwnedSemaphorePermit;

pub use self::backoff::Backoff;
use self::backoff::{Failure, Jitter};
use self::lines::{Lines, Piece};
use crate::client::{Client, StreamOpen};
use crate::error::{Error, ErrorKind};
pub use crate::stream_limits::StreamLimits;

/// The most minutes of backfill X serves.
pub const MAX_BACKFILL_MINUTES: u8 = 5;

/// The backfill that covers a gap: whole minutes, rounded up, at most
/// [`MAX_BACKFILL_MINUTES`]; 0 for no gap.
pub fn backfill_for_gap(gap: Duration) -> u8 {
    let minutes = gap.as_nanos().div_ceil(60_000_000_000);
    u8::try_from(minutes.min(u128::from(MAX_BACKFILL_MINUTES))).unwrap_or(MAX_BACKFILL_MINUTES)
}

/// How the stream is to be read; see [`Client::activity_stream`].
#[must_use = "nothing is read until the stream is opened and polled"]
#[derive(Debug, Clone)]
pub struct ActivityStream {
    client: Client,
    backfill: u8,
    resume_after: Option<SystemTime>,
    start_time: Option<Timestamp>,
    end_time: Option<Timestamp>,
    stall_timeout: Duration,
    max_line_bytes: usize,
    backoff: Backoff,
    max_failures: Option<u32>,
}

impl ActivityStream {
    pub(crate) fn new(client: &Client) -> Self {
        ActivityStream {
            client: client.clone(),
            backfill: 0,
            resume_after: None,
            start_time: None,
            end_time: None,
            stall_timeout: Duration::from_secs(30),
            max_line_bytes: 16 * 1024 * 1024,
            backoff: Backoff::default(),
            max_failures: None,
        }
    }

    /// `backfill_minutes` for the first connection (0 to 5; more is taken as 5). Later
    /// connections compute their own from the gap.
    pub fn backfill_minutes(mut self, minutes: u8) -> Self {
        self.backfill = minutes.min(MAX_BACKFILL_MINUTES);
        self
    }

    /// The first connection asks for the backfill that covers the time since `last_seen` (when
    /// a previous run last heard from the stream), if that is more than
    /// [`ActivityStream::backfill_minutes`].
    pub fn resume_after(mut self, last_seen: SystemTime) -> Self {
        self.resume_after = Some(last_seen);
        self
    }

    /// `start_time` for the first connection (the earliest event time to deliver).
    pub fn start_time(mut self, t: Timestamp) -> Self {
        self.start_time = Some(t);
        self
    }

    /// `end_time`: the latest event time to deliver; once it has passed, a connection that
    /// ends is not reopened and the consumer yields [`StreamItem::Ended`].
    pub fn end_time(mut self, t: Timestamp) -> Self {
        self.end_time = Some(t);
        self
    }

    /// How long without a byte (data or keep-alive) counts as a stall (default 30 s; X sends a
    /// keep-alive at least every 20 s).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = timeout;
        self
    }

    /// The longest line kept (default 16 MiB); longer lines are dropped as they arrive, so at
    /// most this much of an unfinished line is ever held.
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes.max(1);
        self
    }

    /// The reconnect waits (default: X's guidance, see [`Backoff`]).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Gives up, with an [`ErrorKind::Stream`] error, after this many failed connection
    /// attempts in a row (default: never).
    pub fn max_failures(mut self, n: u32) -> Self {
        self.max_failures = Some(n);
        self
    }

    /// The consumer. Nothing is sent until its first [`StreamConsumer::next`].
    pub fn open(self) -> StreamConsumer {
        let lines = Lines::new(self.max_line_bytes);
        let mut first_backfill = self.backfill;
        if let Some(t) = self.resume_after {
            let gap = SystemTime::now().duration_since(t).unwrap_or_default();
            first_backfill = first_backfill.max(backfill_for_gap(gap));
        }
        StreamConsumer {
            opts: self,
            state: State::Idle { at: None },
            ready: VecDeque::new(),
            lines,
            first_backfill,
            last_alive: None,
            failures: 0,
            connections: 0,
            refreshed: false,
            jitter: Jitter::new(),
        }
    }
}

/// Something the stream consumer has to say.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// A connection is open.
    Connected {
        /// The `backfill_minutes` it asked for.
        backfill_minutes: u8,
        /// How much of the gap since the stream was last heard from is older than the
        /// backfill reaches (events of that time are not recovered by the stream).
        uncovered: Option<Duration>,
    },
    /// One envelope line (`{"data":{...}}`), without its line end; not yet checked as JSON.
    Line(Bytes),
    /// A message of X's on the stream that is an error rather than an event (e.g.
    /// `operational-disconnect`), summarized.
    Notice(String),
    /// A keep-alive newline.
    KeepAlive,
    /// A line longer than the limit was dropped; its length.
    Oversized(usize),
    /// The connection ended, or could not be opened; another attempt follows after
    /// `retry_in`.
    Disconnected {
        /// Why.
        reason: Disconnect,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
    /// `end_time` has passed and the connection ended: nothing more will come.
    Ended,
}

/// Why a stream connection ended or was not opened.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disconnect {
    /// No byte for this long.
    Stalled(Duration),
    /// X closed the response; `dropped` bytes of an unfinished line were discarded.
    Closed {
        /// Bytes of a line cut off.
        dropped: usize,
    },
    /// The connection broke (the error, as text).
    Broken(String),
    /// The connection could not be made or the answer did not come in time.
    Unreachable(String),
    /// X answered with an error status that a later attempt may not get (5xx, 409 too many
    /// connections, ...).
    Refused {
        /// The HTTP status.
        status: u16,
        /// X's message, if any.
        message: Option<String>,
    },
    /// X's rate limit for connecting (429).
    RateLimited,
    /// This client's own count of connection attempts reached the window's limit.
    ConnectLimit,
}

impl fmt::Display for Disconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disconnect::Stalled(d) => write!(f, "no data or keep-alive for {}s", d.as_secs_f64()),
            Disconnect::Closed { dropped: 0 } => f.write_str("x closed the stream"),
            Disconnect::Closed { dropped } => {
                write!(f, "x closed the stream mid-line ({dropped} bytes dropped)")
            }
            Disconnect::Broken(e) => write!(f, "the connection broke: {e}"),
            Disconnect::Unreachable(e) => write!(f, "could not connect: {e}"),
            Disconnect::Refused { status, message } => {
                write!(f, "x answered {status}")?;
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            Disconnect::RateLimited => f.write_str("x's connection rate limit (429)"),
            Disconnect::ConnectLimit => {
                f.write_str("the connection attempts of this window are used up")
            }
        }
    }
}

enum State {
    /// Not connected; connect at `at` (now when `None`).
    Idle { at: Option<Instant> },
    /// Reading a response.
    Open {
        body: hyper::body::Incoming,
        _slot: OwnedSemaphorePermit,
        got_bytes: bool,
    },
    /// `end_time` passed.
    Ended,
}

/// Reads the activity stream, reconnecting as needed; see the [module docs](self).
pub struct StreamConsumer {
    opts: ActivityStream,
    state: State,
    ready: VecDeque<StreamItem>,
    lines: Lines,
    first_backfill: u8,
    /// When a byte last arrived (or the last connection opened).
    last_alive: Option<Instant>,
    /// Failed attempts in a row.
    failures: u32,
    connections: u64,
    refreshed: bool,
    jitter: Jitter,
}

impl fmt::Debug for StreamConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamConsumer")
            .field("connections", &self.connections)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl StreamConsumer {
    /// How many connections have been opened so far.
    pub fn connections(&self) -> u64 {
        self.connections
    }

    /// The next item: a line, a keep-alive, a (re)connection or a disconnection.
    ///
    /// # Errors
    ///
    /// Only what retrying cannot fix: X refusing the credentials (401, 403) or the request
    /// (400, 404), or [`ActivityStream::max_failures`] failed attempts in a row
    /// ([`ErrorKind::Stream`]). The consumer can be polled again after an error; it will try
    /// again.
    pub async fn next(&mut self) -> Result<StreamItem, Error> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Ok(item);
            }
            match &mut self.state {
                State::Ended => return Ok(StreamItem::Ended),
                State::Idle { at } => {
                    if let Some(at) = *at {
                        tokio::time::sleep_until(at.into()).await;
                    }
                    self.connect().await?;
                }
                State::Open {
                    body, got_bytes, ..
                } => {
                    let frame = tokio::time::timeout(self.opts.stall_timeout, body.frame()).await;
                    let reason = match frame {
                        Err(_) => Disconnect::Stalled(self.opts.stall_timeout),
                        Ok(None) => {
                            let (last, dropped) = self.lines.finish();
                            if let Some(line) = last {
                                self.ready.push_back(classify(line));
                            }
                            Disconnect::Closed { dropped }
                        }
                        Ok(Some(Err(e))) => Disconnect::Broken(e.to_string()),
                        Ok(Some(Ok(frame))) => {
                            if let Ok(data) = frame.into_data() {
                                if !data.is_empty() {
                                    *got_bytes = true;
                                    self.last_alive = Some(Instant::now());
                                    let ready = &mut self.ready;
                                    self.lines.push(&data, &mut |piece| {
                                        ready.push_back(match piece {
                                            Piece::Line(line) => classify(line),
                                            Piece::KeepAlive => StreamItem::KeepAlive,
                                            Piece::Oversized(n) => StreamItem::Oversized(n),
                                        });
                                    });
                                }
                            }
                            continue;
                        }
                    };
                    let healthy = *got_bytes;
                    if matches!(reason, Disconnect::Stalled(_) | Disconnect::Broken(_)) {
                        // A cut-off line is never yielded.
                        let _ = self.lines.finish();
                    }
                    self.state = State::Idle { at: None };
                    if self.past_end_time() {
                        self.state = State::Ended;
                        continue;
                    }
                    let retry_in = if healthy {
                        // X: reconnect at once after an established connection drops.
                        self.failures = 0;
                        self.opts.backoff.network_step.mul_f64(self.jitter.unit())
                    } else {
                        self.failed(Failure::Network)?
                    };
                    self.schedule(reason, retry_in);
                }
            }
        }
    }

    fn past_end_time(&self) -> bool {
        self.opts.end_time.is_some_and(|end| {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            now > end.as_millis()
        })
    }

    /// Counts a failed attempt and returns the wait before the next.
    fn failed(&mut self, failure: Failure) -> Result<Duration, Error> {
        self.failures += 1;
        if let Some(max) = self.opts.max_failures {
            if self.failures >= max {
                return Err(Error::new(ErrorKind::Stream).with_message(format!(
                    "{} connection attempts in a row failed",
                    self.failures
                )));
            }
        }
        Ok(self
            .opts
            .backoff
            .wait(failure, self.failures, self.jitter.unit()))
    }

    fn schedule(&mut self, reason: Disconnect, retry_in: Duration) {
        self.state = State::Idle {
            at: Some(Instant::now() + retry_in),
        };
        self.ready
            .push_back(StreamItem::Disconnected { reason, retry_in });
    }

    /// One connection attempt; on success the state is `Open` and a `Connected` item is
    /// queued, otherwise a `Disconnected` item with the wait.
    async fn connect(&mut self) -> Result<(), Error> {
        let client = self.opts.client.clone();
        let slot = client.stream_slot().await;
        if let Some(wait) = client.take_stream_connect() {
            self.schedule(Disconnect::ConnectLimit, wait);
            return Ok(());
        }
        let (backfill, uncovered) = match self.last_alive {
            None => (self.first_backfill, None),
            Some(t) => {
                let gap = t.elapsed();
                let reach = Duration::from_secs(60 * u64::from(MAX_BACKFILL_MINUTES));
                (
                    backfill_for_gap(gap).max(1),
                    gap.checked_sub(reach).filter(|d| !d.is_zero()),
                )
            }
        };
        let mut query = Vec::new();
        if backfill > 0 {
            query.push(("backfill_minutes", backfill.to_string()));
        }
        if self.connections == 0 {
            if let Some(t) = self.opts.start_time {
                query.push(("start_time", rfc3339_seconds(t)));
            }
        }
        if let Some(t) = self.opts.end_time {
            query.push(("end_time", rfc3339_seconds(t)));
        }
        match client.open_stream(&query).await {
            Ok(StreamOpen::Open(body)) => {
                self.connections += 1;
                self.refreshed = false;
                self.last_alive = Some(Instant::now());
                self.lines = Lines::new(self.opts.max_line_bytes);
                self.state = State::Open {
                    body,
                    _slot: slot,
                    got_bytes: false,
                };
                self.ready.push_back(StreamItem::Connected {
                    backfill_minutes: backfill,
                    uncovered,
                });
                Ok(())
            }
            Ok(StreamOpen::Refused(raw)) => {
                drop(slot);
                let err = Error::from_response(
                    raw.status,
                    &raw.body,
                    crate::route::AuthKind::Bearer,
                    raw.rate_limit,
                );
                let message = err.message().map(str::to_owned);
                match raw.status {
                    401 if !self.refreshed && client.forget_fetched_bearer() => {
                        self.refreshed = true;
                        self.state = State::Idle { at: None };
                        Ok(())
                    }
                    429 => {
                        let mut wait = self.failed(Failure::RateLimited)?;
                        if let Some(rl) = raw.rate_limit {
                            wait = wait.max(rl.until_reset());
                        }
                        self.schedule(Disconnect::RateLimited, wait);
                        Ok(())
                    }
                    409 | 500..=599 => {
                        let wait = self.failed(Failure::Http)?;
                        self.schedule(
                            Disconnect::Refused {
                                status: raw.status,
                                message,
                            },
                            wait,
                        );
                        Ok(())
                    }
                    _ => {
                        self.state = State::Idle { at: None };
                        Err(err)
                    }
                }
            }
            Err(e) => {
                drop(slot);
                let wait = self.failed(Failure::Network)?;
                self.schedule(Disconnect::Unreachable(e.to_string()), wait);
                Ok(())
            }
        }
    }
}

/// A line that is an error message of X's rather than an event becomes a `Notice`.
fn classify(line: Bytes) -> StreamItem {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(default)]
        data: Option<serde::de::IgnoredAny>,
        #[serde(default, borrow)]
        errors: Option<&'a serde_json::value::RawValue>,
    }
    match serde_json::from_slice::<Probe<'_>>(&line) {
        Ok(Probe {
            data: None,
            errors: Some(errors),
        }) => {
            let body = format!("{{\"errors\":{}}}", errors.get());
            let message = aaa_model::rest::error_summary(body.as_bytes())
                .map_or_else(|| errors.get().to_owned(), |(_, m)| m);
            StreamItem::Notice(message)
        }
        _ => StreamItem::Line(line),
    }
}

/// `YYYY-MM-DDTHH:mm:ssZ`, the form X's stream parameters take.
fn rfc3339_seconds(t: Timestamp) -> String {
    let text = Timestamp::from_secs(t.as_secs()).to_rfc3339();
    text.replace(".000Z", "Z")
}

impl Client {
    /// The activity stream, `GET /2/activity/stream` (bearer token); see [`ActivityStream`].
    pub fn activity_stream(&self) -> ActivityStream {
        ActivityStream::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backfill_covers_the_gap_in_whole_minutes() {
        let s = Duration::from_secs;
        assert_eq!(backfill_for_gap(Duration::ZERO), 0);
        assert_eq!(backfill_for_gap(Duration::from_millis(1)), 1);
        assert_eq!(backfill_for_gap(s(59)), 1);
        assert_eq!(backfill_for_gap(s(60)), 1);
        assert_eq!(backfill_for_gap(s(60) + Duration::from_millis(1)), 2);
        assert_eq!(backfill_for_gap(s(61)), 2);
        assert_eq!(backfill_for_gap(s(299)), 5);
        assert_eq!(backfill_for_gap(s(3600)), 5);
    }

    #[test]
    fn error_lines_are_notices() {
        let op = br#"{"errors":[{"title":"operational-disconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.x.com/2/problems/operational-disconnect"}]}"#;
        assert_eq!(
            classify(Bytes::from_static(op)),
            StreamItem::Notice(
                "This stream has been disconnected upstream for operational reasons.".into()
            )
        );
        let event = br#"{"data":{"event_type":"post.create"},"errors":[]}"#;
        assert!(matches!(
            classify(Bytes::from_static(event)),
            StreamItem::Line(_)
        ));
        assert!(matches!(
            classify(Bytes::from_static(b"not json")),
            StreamItem::Line(_)
        ));
    }

    #[test]
    fn stream_times_are_whole_seconds() {
        let t = Timestamp::parse_rfc3339("2026-05-01T10:20:30.456Z").unwrap();
        assert_eq!(rfc3339_seconds(t), "2026-05-01T10:20:30Z");
    }
}
