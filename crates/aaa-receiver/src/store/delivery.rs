//! What the receiver hands a store: one verified delivery and what its scan found; what the store
//! answers once it is durable; and why it could not.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::read::EventId;

/// One verified delivery to store.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The app (configuration name) the delivery was addressed to.
    pub app: Arc<str>,
    /// When it arrived, in milliseconds since the epoch.
    pub received_at: i64,
    /// The `x-twitter-webhooks-signature` header, kept so it can be forwarded unchanged.
    pub signature: String,
    /// Which of the app's consumer secrets the signature matched (0 = the first, the one that
    /// answers CRC checks; a higher number is an older secret kept for rotation).
    pub secret_index: usize,
    /// The raw body.
    pub body: Bytes,
    /// What the scan found.
    pub content: Content,
}

impl Delivery {
    /// The delivery's `for_user_id` (every event of a delivery has the delivery's), when it has
    /// events and one.
    pub fn for_user_id(&self) -> Option<&str> {
        match &self.content {
            Content::Events(events) => events.first().and_then(|e| e.for_user_id.as_deref()),
            Content::Quarantined(_) => None,
        }
    }
}

/// What a delivery holds.
#[derive(Debug, Clone)]
pub enum Content {
    /// A valid envelope and its events.
    Events(Vec<EventRecord>),
    /// An authentic body that is not a valid envelope, with the reason.
    Quarantined(String),
}

/// One event of a delivery.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The dedupe key.
    pub key: String,
    /// The kind name (`tweet_create`, `post.create`, `unknown:<key>`, ...).
    pub kind: String,
    /// The delivery's `for_user_id`.
    pub for_user_id: Option<String>,
    /// The byte range of the event's raw JSON in the body.
    pub range: std::ops::Range<usize>,
}

/// What storing a delivery did, known once it is durable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// Where the delivery itself was kept, when it was (it brought a new event, or was
    /// quarantined for the first time).
    pub delivery: Option<EventId>,
    /// When it was stored, in microseconds since the epoch (see [`StoredEvent::stored_us`]).
    ///
    /// [`StoredEvent::stored_us`]: super::read::StoredEvent::stored_us
    pub stored_us: i64,
    /// The events that were new: their index in [`Content::Events`] and where they are stored.
    pub new_events: Vec<(usize, EventId)>,
    /// How many events were already stored.
    pub duplicates: usize,
}

/// What went wrong in a store, for callers that act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot write or read now (I/O error, disk full, over its size bound, queue
    /// full, a broker unreachable or slow). A request gets 503 and X retries.
    Unavailable,
    /// The data directory holds a store split into `found` files, but `wanted` were asked for.
    LayoutMismatch {
        /// How many files the existing store has.
        found: usize,
        /// How many were asked for.
        wanted: usize,
    },
    /// There is no store at the given place.
    NotFound,
    /// A setting or argument was refused.
    Invalid,
    /// The store was opened for reading only.
    ReadOnly,
}

/// Why a store could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            StoreErrorKind::Unavailable => write!(f, "store unavailable: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    pub(crate) fn new(kind: StoreErrorKind, message: impl Into<String>) -> StoreError {
        StoreError {
            kind,
            message: message.into(),
        }
    }

    /// A store that cannot write or read now.
    pub(crate) fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError::new(StoreErrorKind::Unavailable, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> StoreError {
        StoreError::new(StoreErrorKind::Invalid, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// The message, without the kind's prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::unavailable(e.to_string())
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
