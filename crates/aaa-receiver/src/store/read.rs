//! What reading a store gives back, whichever backend holds the events: events, their deliveries,
//! positions to page and tail from, and queries.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

/// Where an event is stored: the part of the store (a store file; always 0 for a store of one
/// file) and its sequence number there, which grows in storage order. Written `PART:SEQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId {
    /// The part of the store (store file) it is in.
    pub part: usize,
    /// Its sequence number in that part.
    pub seq: i64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.part, self.seq)
    }
}

impl FromStr for EventId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<EventId, ParseError> {
        let (part, seq) = s.split_once(':').ok_or(ParseError("expected PART:SEQ"))?;
        Ok(EventId {
            part: part
                .parse()
                .map_err(|_| ParseError("PART is not a number"))?,
            seq: seq.parse().map_err(|_| ParseError("SEQ is not a number"))?,
        })
    }
}

/// Why an [`EventId`] or a [`Cursor`] could not be read from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError(&'static str);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ParseError {}

/// A position in the store's events: a sequence number in every part. Opaque; get one from an
/// [`EventPage`] or [`Store::end_cursor`](crate::Store::end_cursor), keep it as text
/// (`Display`/`FromStr`: comma-separated numbers) to resume from it, for example in a dashboard's
/// "older" link or a consumer's checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Cursor(pub(crate) Vec<i64>);

impl Cursor {
    /// Moves the cursor past `e` (for a reader that goes forward one event at a time).
    pub fn advance(&mut self, e: &StoredEvent) {
        let part = e.id.part;
        if self.0.len() <= part {
            self.0.resize(part + 1, 0);
        }
        self.0[part] = self.0[part].max(e.id.seq);
    }

    /// The position in part `part` (0 when the cursor has none for it).
    pub(crate) fn get(&self, part: usize) -> i64 {
        self.0.get(part).copied().unwrap_or(0)
    }

    pub(crate) fn set(&mut self, part: usize, seq: i64) {
        if self.0.len() <= part {
            self.0.resize(part + 1, 0);
        }
        self.0[part] = seq;
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seq) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{seq}")?;
        }
        Ok(())
    }
}

impl FromStr for Cursor {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Cursor, ParseError> {
        if s.is_empty() {
            return Ok(Cursor::default());
        }
        s.split(',')
            .map(|p| {
                p.parse::<i64>().ok().filter(|n| *n >= 0).ok_or(ParseError(
                    "a cursor is comma-separated non-negative numbers",
                ))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Cursor)
    }
}

/// Where a listing starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Start {
    /// The newest matching events (at most the limit).
    #[default]
    Newest,
    /// The oldest matching events after this position (reading forward, tailing).
    After(Cursor),
    /// The newest matching events before this position (paging back).
    Before(Cursor),
}

/// Which events to list, and from where. Build one with [`EventQuery::newest`] or
/// [`EventQuery::after`] and the filter methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventQuery {
    /// Only this kind (`tweet_create`, `post.create`, ...).
    pub kind: Option<String>,
    /// Only events for this `for_user_id`.
    pub user: Option<String>,
    /// Only events whose raw JSON contains these bytes (as delivered, so escaped the way X
    /// escaped them).
    pub text: Option<String>,
    /// Only events received at or after this time (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// Where the listing starts.
    pub start: Start,
    /// At most this many events (all of them when `None`).
    pub limit: Option<usize>,
    /// Look at no more than about this many stored events (in each part of the store) before
    /// answering, matching or not, so that a filter that matches little answers in bounded
    /// time; the page's cursor then marks where the look stopped and [`EventPage::more`] says
    /// whether there is more to look at. `None`: no bound.
    pub examine: Option<usize>,
}

impl EventQuery {
    /// The newest `limit` events (or all, with `None`), returned oldest first.
    pub fn newest(limit: Option<usize>) -> EventQuery {
        EventQuery {
            limit,
            ..EventQuery::default()
        }
    }

    /// The events after `cursor`, oldest first (at most the limit, see [`EventQuery::limit`]).
    pub fn after(cursor: Cursor) -> EventQuery {
        EventQuery {
            start: Start::After(cursor),
            ..EventQuery::default()
        }
    }

    /// The newest `limit` events before `cursor`, returned oldest first.
    pub fn before(cursor: Cursor, limit: usize) -> EventQuery {
        EventQuery {
            start: Start::Before(cursor),
            limit: Some(limit),
            ..EventQuery::default()
        }
    }

    /// Only events of `kind`.
    #[must_use]
    pub fn kind(mut self, kind: impl Into<String>) -> EventQuery {
        self.kind = Some(kind.into());
        self
    }

    /// Only events for `for_user_id`.
    #[must_use]
    pub fn user(mut self, for_user_id: impl Into<String>) -> EventQuery {
        self.user = Some(for_user_id.into());
        self
    }

    /// Only events whose raw JSON contains `text`.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> EventQuery {
        self.text = Some(text.into());
        self
    }

    /// Only events received at or after `ms` (milliseconds since the epoch).
    #[must_use]
    pub fn since_ms(mut self, ms: i64) -> EventQuery {
        self.since_ms = Some(ms);
        self
    }

    /// At most `n` events.
    #[must_use]
    pub fn limit(mut self, n: usize) -> EventQuery {
        self.limit = Some(n);
        self
    }

    /// Looks at no more than about `n` stored events per part (see [`EventQuery::examine`]).
    #[must_use]
    pub fn examine(mut self, n: usize) -> EventQuery {
        self.examine = Some(n.max(1));
        self
    }
}

/// One page of a listing, oldest event first, with the positions on either side of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPage {
    /// The events, oldest first: in storage order within a part, and by the time they were
    /// stored (then part) across parts.
    pub events: Vec<StoredEvent>,
    /// The position before the first event: [`EventQuery::before`] it lists the page before.
    pub before: Cursor,
    /// The position after the last event (or after everything examined): [`EventQuery::after`]
    /// it lists what came after, which is how a tail goes on.
    pub after: Cursor,
    /// Whether there may be more matching events beyond this page in the listing's direction
    /// (older ones for [`EventQuery::newest`] and [`EventQuery::before`], newer ones for
    /// [`EventQuery::after`]): the page is full, or the look stopped at
    /// [`EventQuery::examine`]'s bound with stored events left beyond it.
    pub more: bool,
}

/// A stored event, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Where it is stored.
    pub id: EventId,
    /// The dedupe key.
    pub key: String,
    /// The kind name.
    pub kind: String,
    /// The delivery's `for_user_id`.
    pub for_user_id: Option<String>,
    /// The app it was delivered to.
    pub app: String,
    /// The delivery it came in (in the same part). The JetStream store names deliveries by
    /// subject and gives `0:0` in listings; [`Store::event`](crate::Store::event) fills it in.
    pub delivery: EventId,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// When it was stored, in microseconds since the epoch (never decreasing with the sequence
    /// within a part; 0 for events stored before this was recorded).
    pub stored_us: i64,
    /// The event's raw JSON, as delivered.
    pub raw: Bytes,
}

impl StoredEvent {
    /// The key that orders events across parts: write time, then part, then sequence.
    pub fn order_key(&self) -> (i64, usize, i64) {
        (self.stored_us, self.id.part, self.id.seq)
    }
}

/// A stored delivery, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    /// Where it is stored.
    pub id: EventId,
    /// The app it was addressed to.
    pub app: String,
    /// When it was received, in milliseconds since the epoch.
    pub received_at: i64,
    /// When it was stored, in microseconds since the epoch.
    pub stored_us: i64,
    /// X's signature header, as received.
    pub signature: String,
    /// Which of the app's consumer secrets the signature matched (0 = the current one), when
    /// the store recorded it.
    pub secret_index: Option<usize>,
    /// The raw body.
    pub body: Bytes,
    /// `None` for a valid envelope; the scan's reason for a quarantined body.
    pub quarantined: Option<String>,
}

impl StoredDelivery {
    /// The key that orders deliveries across parts: write time, then part, then sequence.
    pub fn order_key(&self) -> (i64, usize, i64) {
        (self.stored_us, self.id.part, self.id.seq)
    }
}

/// One event with the delivery it came in, for a detailed view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDetail {
    /// The event.
    pub event: StoredEvent,
    /// Its delivery (raw body, signature header and which secret it matched); `None` once the
    /// delivery was pruned.
    pub delivery: Option<StoredDelivery>,
    /// How many times the event was delivered again after it was stored (caught as
    /// duplicates), when the store counts them.
    pub duplicates: Option<u64>,
}

/// What a store holds, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Stored events.
    pub events: u64,
    /// Stored quarantined deliveries.
    pub quarantined: u64,
    /// Stored deliveries that brought at least one new event.
    pub deliveries: u64,
}
