//! The event store behind the receiver: one interface, whichever backend keeps the events.
//!
//! The HTTP service only ever calls [`Store::append`] (store a verified delivery; resolves once
//! it is durable, with which of its events were new) and [`Store::is_healthy`]. Everything else
//! reads: [`Store::list`] pages through events with filters, forward from a [`Cursor`] to tail;
//! [`Store::event`] gives one event with its delivery; [`Store::subscribe`] streams events as
//! they are stored; and a consumer such as the [`Forwarder`](crate::Forwarder) keeps a durable
//! cursor with [`Store::consumer_next`] and [`Store::consumer_ack`].
//!
//! - [`delivery`]: what goes in (a [`Delivery`]) and what comes back ([`Appended`],
//!   [`StoreError`]).
//! - [`read`]: what reading gives back ([`StoredEvent`], [`EventPage`], [`EventDetail`], ...).
//! - [`sqlite`]: the embedded backend, SQLite files with group commit.
//! - [`nats`]: the shared backend, one JetStream stream that several receivers write.

pub(crate) mod delivery;
#[cfg(feature = "nats")]
pub(crate) mod nats;
pub(crate) mod read;
pub(crate) mod sqlite;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::broadcast;

use self::delivery::{Appended, Content, Delivery, StoreError};
#[cfg(feature = "nats")]
use self::nats::{Nats, NatsConfig};
use self::read::{
    Cursor, EventDetail, EventId, EventPage, EventQuery, StoreCounts, StoredDelivery, StoredEvent,
};
use self::sqlite::{Sqlite, StoreConfig};
use crate::metrics::Metrics;

/// How many stored events a [`Subscription`] may fall behind before it misses some.
const LIVE_CAPACITY: usize = 4096;

enum Backend {
    Sqlite(Sqlite),
    #[cfg(feature = "nats")]
    Nats(Box<Nats>),
}

struct Inner {
    backend: Backend,
    metrics: Arc<Metrics>,
    live: broadcast::Sender<StoredEvent>,
}

/// A handle on the event store. Cheap to clone; the store's threads stop when the last handle
/// is dropped.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner.backend {
            Backend::Sqlite(s) => f.debug_tuple("Store").field(s).finish(),
            #[cfg(feature = "nats")]
            Backend::Nats(n) => f.debug_tuple("Store").field(n).finish(),
        }
    }
}

/// The events stored by `appended`, as a reader would see them.
pub(crate) fn stored_events<'a>(
    delivery: &'a Delivery,
    appended: &'a Appended,
) -> impl Iterator<Item = StoredEvent> + 'a {
    let events = match &delivery.content {
        Content::Events(events) => events.as_slice(),
        Content::Quarantined(_) => &[],
    };
    appended.new_events.iter().filter_map(move |&(i, id)| {
        let e = events.get(i)?;
        Some(StoredEvent {
            id,
            key: e.key.clone(),
            kind: e.kind.clone(),
            for_user_id: e.for_user_id.clone(),
            app: delivery.app.to_string(),
            delivery: appended.delivery.unwrap_or(id),
            received_at: delivery.received_at,
            stored_us: appended.stored_us,
            raw: delivery.body.slice(e.range.clone()),
        })
    })
}

impl Store {
    fn new(backend: Backend, metrics: Arc<Metrics>) -> Store {
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        Store {
            inner: Arc::new(Inner {
                backend,
                metrics,
                live,
            }),
        }
    }

    /// Opens (creating if needed) the embedded SQLite store and starts its threads.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created, a database cannot be opened or migrated, or the
    /// directory holds a store split into another number of files
    /// ([`StoreErrorKind::LayoutMismatch`](crate::StoreErrorKind::LayoutMismatch)).
    pub fn open(config: StoreConfig) -> Result<Store, StoreError> {
        let metrics = Arc::new(Metrics::default());
        let sqlite = Sqlite::open(config, &metrics)?;
        Ok(Store::new(Backend::Sqlite(sqlite), metrics))
    }

    /// Opens the SQLite store in `data_dir` for reading only (another process may be writing
    /// it); [`Store::append`] and the consumer methods then fail with
    /// [`StoreErrorKind::ReadOnly`](crate::StoreErrorKind::ReadOnly).
    ///
    /// # Errors
    ///
    /// When there is no store there
    /// ([`StoreErrorKind::NotFound`](crate::StoreErrorKind::NotFound)) or a file cannot be
    /// opened.
    pub fn open_read_only(data_dir: &Path) -> Result<Store, StoreError> {
        let sqlite = Sqlite::open_read_only(data_dir)?;
        Ok(Store::new(
            Backend::Sqlite(sqlite),
            Arc::new(Metrics::default()),
        ))
    }

    /// Connects to a NATS cluster and uses its JetStream stream, creating it (or checking the
    /// settings deduplication relies on, and updating its retention and replicas) first.
    ///
    /// # Errors
    ///
    /// When no server can be reached, the credentials or TLS files cannot be read, or a stream
    /// of that name exists with settings that do not deduplicate.
    #[cfg(feature = "nats")]
    pub async fn open_nats(config: NatsConfig) -> Result<Store, StoreError> {
        let nats = Nats::open(config, true).await?;
        Ok(Store::new(
            Backend::Nats(Box::new(nats)),
            Arc::new(Metrics::default()),
        ))
    }

    /// Connects to a NATS cluster to read its stream only (it must exist:
    /// [`StoreErrorKind::NotFound`](crate::StoreErrorKind::NotFound) otherwise).
    ///
    /// # Errors
    ///
    /// As [`Store::open_nats`], and when there is no such stream.
    #[cfg(feature = "nats")]
    pub async fn open_nats_read_only(config: NatsConfig) -> Result<Store, StoreError> {
        let nats = Nats::open(config, false).await?;
        Ok(Store::new(
            Backend::Nats(Box::new(nats)),
            Arc::new(Metrics::default()),
        ))
    }

    /// The metrics the store updates (commit times and batch sizes); a
    /// [`Receiver`](crate::Receiver) built on this store adds its own to the same.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// How many parts (store files) the store has; event ids and cursors hold one position per
    /// part.
    pub fn parts(&self) -> usize {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.parts(),
            #[cfg(feature = "nats")]
            Backend::Nats(_) => 1,
        }
    }

    /// Stores a delivery; resolves once it is durable (or known not to be), with which of its
    /// events were new.
    ///
    /// # Errors
    ///
    /// When the store cannot write (disk full, read-only, over its size bound, I/O error) or its
    /// queue is full.
    pub async fn append(&self, delivery: Arc<Delivery>) -> Result<Appended, StoreError> {
        let appended = match &self.inner.backend {
            Backend::Sqlite(s) => s.append(Arc::clone(&delivery)).await?,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.append(Arc::clone(&delivery)).await?,
        };
        if self.inner.live.receiver_count() > 0 {
            for e in stored_events(&delivery, &appended) {
                let _ = self.inner.live.send(e);
            }
        }
        Ok(appended)
    }

    /// Whether the store's last writes succeeded.
    pub fn is_healthy(&self) -> bool {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.is_healthy(),
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.is_healthy(),
        }
    }

    /// Deletes events older than the retention window (forgetting their keys) and the
    /// deliveries that no consumer needs any more; returns how many events were deleted. The
    /// store also does this on its own every [`StoreConfig::prune_every`].
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn prune(&self) -> Result<usize, StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.prune().await,
            #[cfg(feature = "nats")]
            Backend::Nats(_) => Ok(0),
        }
    }

    /// The events `query` asks for, oldest first, with the cursors on either side of them.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn list(&self, query: EventQuery) -> Result<EventPage, StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.list(query).await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.list(query).await,
        }
    }

    /// A cursor past the newest stored event: [`EventQuery::after`] it lists only what is
    /// stored from now on.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn end_cursor(&self) -> Result<Cursor, StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.end_cursor().await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.end_cursor().await,
        }
    }

    /// One event with its delivery (raw body, signature header and the secret it matched) and
    /// how often it was delivered again; `None` when there is no such event (or it was pruned).
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn event(&self, id: EventId) -> Result<Option<EventDetail>, StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.event(id).await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.event(id).await,
        }
    }

    /// How many events and quarantined deliveries the store holds.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.counts().await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.counts().await,
        }
    }

    /// Every event this handle stores from now on, as soon as it is durable, in the order the
    /// appends finished. Meant for live views: a subscriber that falls more than a few thousand
    /// events behind misses some and is told so ([`Missed`]); list from a cursor to catch up.
    /// Events stored by other processes are not seen (poll [`Store::list`] after a cursor for
    /// those).
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.inner.live.subscribe(),
        }
    }

    /// Registers consumer `name` (for example the [`Forwarder`](crate::Forwarder)'s), so that
    /// pruning keeps every delivery it has not acknowledged. Call before the first
    /// [`Store::consumer_next`].
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn consumer_start(&self, name: &str) -> Result<(), StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.forward_register(name).await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.consumer_start(name).await,
        }
    }

    /// The next durable deliveries with new events that consumer `name` has not acknowledged,
    /// oldest first (in storage order within a part, by store time across parts), and how many
    /// wait in all. Acknowledge each with [`Store::consumer_ack`], in order.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn consumer_next(
        &self,
        name: &str,
    ) -> Result<(Vec<StoredDelivery>, u64), StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.forward_next(name).await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.consumer_next(name).await,
        }
    }

    /// Durably records that consumer `name` is done with `delivery` (and everything before it in
    /// its part); a restart resumes after it.
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn consumer_ack(
        &self,
        name: &str,
        delivery: &StoredDelivery,
    ) -> Result<(), StoreError> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.forward_done(name, delivery).await,
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.consumer_ack(name, delivery).await,
        }
    }

    /// Resolves after the next durable commit (for a consumer waiting on new deliveries). Create
    /// the future, `enable` it, then check [`Store::consumer_next`], so that no commit falls in
    /// between.
    pub fn committed(&self) -> tokio::sync::futures::Notified<'_> {
        match &self.inner.backend {
            Backend::Sqlite(s) => s.committed().notified(),
            #[cfg(feature = "nats")]
            Backend::Nats(n) => n.committed().notified(),
        }
    }
}

/// A live feed of newly stored events (see [`Store::subscribe`]).
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<StoredEvent>,
}

/// A [`Subscription`] fell behind and missed this many events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missed(pub u64);

impl std::fmt::Display for Missed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the subscriber fell behind and missed {} events", self.0)
    }
}

impl std::error::Error for Missed {}

impl Subscription {
    /// The next stored event; `None` once the store is gone.
    ///
    /// # Errors
    ///
    /// [`Missed`] when the subscriber fell behind; the next call goes on with the oldest event
    /// still held.
    pub async fn next(&mut self) -> Option<Result<StoredEvent, Missed>> {
        match self.rx.recv().await {
            Ok(e) => Some(Ok(e)),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(Err(Missed(n))),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}
