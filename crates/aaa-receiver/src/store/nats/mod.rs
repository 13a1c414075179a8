//! The JetStream backend: several receivers share one durable, deduplicated log on a NATS
//! cluster.
//!
//! Everything lives in one stream (`AAA` by default) under one subject prefix (`aaa`):
//!
//! - `aaa.events.<app>.<kind>.<keyhash>`: one message per new event, its raw JSON as the body,
//!   with headers for the kind, `for_user_id`, dedupe key, app, receive time and its delivery
//!   (the delivery's subject after `deliveries.`);
//! - `aaa.deliveries.<app>.<bodyhash>`: each delivery's raw body once, with X's signature header
//!   and which secret it matched (what the forwarder posts, byte for byte);
//! - `aaa.quarantine.<app>.<bodyhash>`: authentic bodies that are not envelopes;
//! - `aaa.forwarded.<consumer>.<delivery seq>`: a consumer's mark that it passed a delivery on.
//!
//! Deduplication holds across every receiver for the whole retention window because every
//! subject ends in a hash of what identifies it, and the stream keeps at most one message per
//! subject and refuses a second (`max_msgs_per_subject = 1` with `discard_new_per_subject`),
//! for as long as it keeps the first (`max_age` = the retention). Each publish also says that it
//! expects no message on its subject yet (`Nats-Expected-Last-Subject-Sequence: 0`) and carries
//! the hash as `Nats-Msg-Id`, so a repeat within the duplicate window is acknowledged as a
//! duplicate without touching the store. All three checks are made by the stream's leader, which
//! orders every write to the stream (through Raft in a cluster), so of two receivers that
//! publish the same event at the same moment exactly one is told it stored it; the other hears
//! "duplicate" or "already there". A receiver answers X 200 only after every event of the
//! delivery has been acknowledged, as new or as already there.

mod codec;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt as _;
use tokio::sync::Notify;

use crate::redact::url_without_userinfo;

use self::codec::{Header, digest_hex, header, subject_token};
use super::delivery::{Appended, Content, Delivery, StoreError, StoreErrorKind, now_us};
use super::read::{
    Cursor, EventDetail, EventId, EventPage, EventQuery, Start, StoreCounts, StoredDelivery,
    StoredEvent,
};

/// The settings of the JetStream backend.
#[derive(Clone)]
pub struct NatsConfig {
    /// The servers to connect to, `nats://HOST:PORT` (or `tls://HOST:PORT`); the client learns
    /// the rest of the cluster from them.
    pub servers: Vec<String>,
    /// The stream's name (default `AAA`).
    pub stream: String,
    /// The first token of every subject (default `aaa`).
    pub subject_prefix: String,
    /// How long events are kept, and so how long their dedupe keys are remembered: the
    /// stream's `max_age` (default seven days, which covers X's five-day replay window).
    pub retention: Duration,
    /// How long JetStream itself remembers message ids (`duplicate_window`, default 2 min): a
    /// repeat within it is answered "duplicate" without a look at the stored subjects. Repeats
    /// after it are caught by the subjects, for the whole retention.
    pub duplicate_window: Duration,
    /// The stream's replicas; `None` picks 3 when the cluster has at least three servers and 1
    /// otherwise.
    pub replicas: Option<usize>,
    /// An upper bound on the stream's size in bytes; beyond it new events are refused (and
    /// requests get 503), never old ones dropped.
    pub max_bytes: Option<u64>,
    /// How long a delivery may wait for JetStream's acknowledgements before the request gets
    /// 503 (default 2 s: well within X's 3-second deadline).
    pub publish_timeout: Duration,
    /// A NATS credentials file (JWT and NKey seed).
    pub credentials: Option<PathBuf>,
    /// A user name and password.
    pub user_password: Option<(String, aaa_crypto::ConsumerSecret)>,
    /// An authentication token.
    pub token: Option<aaa_crypto::ConsumerSecret>,
    /// A CA certificate (PEM) to trust for the servers' TLS certificates.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate and key (PEM) for TLS client authentication.
    pub tls_client: Option<(PathBuf, PathBuf)>,
    /// Insist on TLS even when the server does not ask for it.
    pub tls_required: bool,
}

/// The servers of `config`, without credentials.
fn servers_shown(servers: &[String]) -> Vec<String> {
    servers.iter().map(|s| url_without_userinfo(s)).collect()
}

impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConfig")
            .field("servers", &servers_shown(&self.servers))
            .field("stream", &self.stream)
            .field("subject_prefix", &self.subject_prefix)
            .field("retention", &self.retention)
            .field("duplicate_window", &self.duplicate_window)
            .field("replicas", &self.replicas)
            .field("max_bytes", &self.max_bytes)
            .field("publish_timeout", &self.publish_timeout)
            .field("credentials", &self.credentials)
            .field("user", &self.user_password.as_ref().map(|(u, _)| u))
            .field(
                "password",
                &self.user_password.as_ref().map(|_| "<redacted>"),
            )
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("tls_ca", &self.tls_ca)
            .field("tls_client", &self.tls_client)
            .field("tls_required", &self.tls_required)
            .finish()
    }
}

impl NatsConfig {
    /// Settings for the servers in `url`: `nats://HOST:PORT[,HOST:PORT...]` (a host without a
    /// scheme counts as `nats://`).
    ///
    /// # Errors
    ///
    /// When `url` names no server.
    pub fn new(url: &str) -> Result<NatsConfig, StoreError> {
        let servers: Vec<String> = url
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.contains("://") {
                    s.to_owned()
                } else {
                    format!("nats://{s}")
                }
            })
            .collect();
        if servers.is_empty() {
            return Err(StoreError::invalid(format!("{url:?} names no NATS server")));
        }
        Ok(NatsConfig {
            servers,
            stream: "AAA".to_owned(),
            subject_prefix: "aaa".to_owned(),
            retention: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(120),
            replicas: None,
            max_bytes: None,
            publish_timeout: Duration::from_secs(2),
            credentials: None,
            user_password: None,
            token: None,
            tls_ca: None,
            tls_client: None,
            tls_required: false,
        })
    }
}

/// How long opening the store waits for the stream to answer (a cluster electing leaders).
const STARTUP_WAIT: Duration = Duration::from_secs(30);

/// The widest window of sequences a backward listing reads with one consumer.
const MAX_WINDOW: u64 = 65_536;

/// A consumer's messages handed out and not acknowledged yet, by delivery sequence.
type Pending = Mutex<HashMap<(String, u64), jetstream::Message>>;

/// The JetStream backend.
pub(crate) struct Nats {
    client: async_nats::Client,
    js: jetstream::Context,
    config: NatsConfig,
    writable: bool,
    healthy: AtomicBool,
    committed: Notify,
    consumers: Mutex<HashMap<String, consumer::PullConsumer>>,
    pending: Pending,
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats")
            .field("servers", &servers_shown(&self.config.servers))
            .field("stream", &self.config.stream)
            .field("read_only", &!self.writable)
            .finish_non_exhaustive()
    }
}

fn unavailable(what: &str, e: &impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(format!("{what}: {e}"))
}

/// Whether a publish error says the subject already holds a message: the event (or body) is
/// stored already.
fn already_stored(e: &jetstream::context::PublishError) -> bool {
    use jetstream::context::PublishErrorKind;
    match e.kind() {
        PublishErrorKind::WrongLastSequence => true,
        PublishErrorKind::Other => {
            let text = e.to_string();
            text.contains("maximum messages per subject") || text.contains("wrong last sequence")
        }
        _ => false,
    }
}

/// What a publish came to.
enum Published {
    New(u64),
    /// Already stored.
    Duplicate,
}

impl Nats {
    /// Connects, and creates the stream or checks that it has the settings deduplication relies
    /// on (`writable`), or only finds it (`!writable`).
    pub(crate) async fn open(config: NatsConfig, writable: bool) -> Result<Nats, StoreError> {
        let mut options = async_nats::ConnectOptions::new()
            .name("aaa-receiver")
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(None::<usize>)
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis(100 * u64::try_from(attempts.min(10)).unwrap_or(10))
            });
        if let Some(path) = &config.credentials {
            options = options.credentials_file(path).await.map_err(|e| {
                StoreError::invalid(format!("NATS credentials {}: {e}", path.display()))
            })?;
        }
        if let Some((user, password)) = &config.user_password {
            options = options.user_and_password(
                user.clone(),
                String::from_utf8_lossy(password.expose_secret()).into_owned(),
            );
        }
        if let Some(token) = &config.token {
            options = options.token(String::from_utf8_lossy(token.expose_secret()).into_owned());
        }
        if let Some(ca) = &config.tls_ca {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &config.tls_client {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        if config.tls_required {
            options = options.require_tls(true);
        }
        let addrs: Vec<async_nats::ServerAddr> = config
            .servers
            .iter()
            .map(|s| {
                s.parse().map_err(|e| {
                    StoreError::invalid(format!("NATS server {:?}: {e}", url_without_userinfo(s)))
                })
            })
            .collect::<Result<_, _>>()?;
        let client = options
            .connect(addrs)
            .await
            .map_err(|e| unavailable("cannot connect to NATS", &e))?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(config.publish_timeout);
        let nats = Nats {
            client,
            js,
            config,
            writable,
            healthy: AtomicBool::new(true),
            committed: Notify::new(),
            consumers: Mutex::default(),
            pending: Mutex::default(),
        };
        // Right after a cluster (re)starts, the stream may have no leader yet and lookups time
        // out: try again for a while before giving up.
        let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
        loop {
            let result = if writable {
                nats.ensure_stream().await
            } else {
                nats.find_stream().await.map(|_| ())
            };
            match result {
                Err(e)
                    if e.kind() == StoreErrorKind::Unavailable
                        && tokio::time::Instant::now() < deadline =>
                {
                    tracing::info!(error = %e, "the NATS stream is not ready; trying again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                other => break other?,
            }
        }
        Ok(nats)
    }

    /// Finds the stream, or says there is none.
    async fn find_stream(&self) -> Result<stream::Stream, StoreError> {
        use jetstream::context::GetStreamErrorKind;
        self.js
            .get_stream(&self.config.stream)
            .await
            .map_err(|e| match e.kind() {
                GetStreamErrorKind::JetStream(j)
                    if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
                {
                    StoreError::new(
                        StoreErrorKind::NotFound,
                        format!("no stream {} on NATS", self.config.stream),
                    )
                }
                _ => unavailable("cannot reach the NATS stream", &e),
            })
    }

    fn stream_config(&self, replicas: usize) -> stream::Config {
        stream::Config {
            name: self.config.stream.clone(),
            subjects: vec![format!("{}.>", self.config.subject_prefix)],
            storage: stream::StorageType::File,
            num_replicas: replicas,
            max_age: self.config.retention,
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::New,
            discard_new_per_subject: true,
            duplicate_window: self.config.duplicate_window.min(self.config.retention),
            allow_direct: true,
            max_bytes: self
                .config
                .max_bytes
                .map_or(-1, |b| i64::try_from(b).unwrap_or(i64::MAX)),
            description: Some(
                "aaa: Account Activity events, one message per event key (aaa-receiver)".into(),
            ),
            ..stream::Config::default()
        }
    }

    /// How many replicas: as configured, or 3 on a cluster of three or more servers.
    fn replicas(&self) -> usize {
        if let Some(r) = self.config.replicas {
            return r.max(1);
        }
        let info = self.client.server_info();
        let known = info.connect_urls.len().max(self.config.servers.len());
        if known >= 3 { 3 } else { 1 }
    }

    async fn ensure_stream(&self) -> Result<(), StoreError> {
        let wanted = self.stream_config(self.replicas());
        match self.find_stream().await {
            Ok(mut s) => {
                let info = s
                    .info()
                    .await
                    .map_err(|e| unavailable("cannot read the stream's settings", &e))?;
                let have = &info.config;
                let mut wrong = Vec::new();
                if have.storage != stream::StorageType::File {
                    wrong.push("storage is not file");
                }
                if have.max_messages_per_subject != 1 {
                    wrong.push("max_msgs_per_subject is not 1");
                }
                if have.discard != stream::DiscardPolicy::New || !have.discard_new_per_subject {
                    wrong.push("discard is not new per subject");
                }
                if !have.subjects.contains(&wanted.subjects[0]) {
                    wrong.push("its subjects are not the prefix's");
                }
                if !wrong.is_empty() {
                    return Err(StoreError::invalid(format!(
                        "stream {} exists with settings that do not deduplicate ({}); delete it or name another stream",
                        self.config.stream,
                        wrong.join(", ")
                    )));
                }
                if have.max_age != wanted.max_age
                    || have.num_replicas != wanted.num_replicas
                    || have.max_bytes != wanted.max_bytes
                    || have.duplicate_window != wanted.duplicate_window
                {
                    let mut updated = have.clone();
                    updated.max_age = wanted.max_age;
                    updated.num_replicas = wanted.num_replicas;
                    updated.max_bytes = wanted.max_bytes;
                    updated.duplicate_window = wanted.duplicate_window;
                    self.js
                        .update_stream(updated)
                        .await
                        .map_err(|e| unavailable("cannot update the stream's settings", &e))?;
                }
                Ok(())
            }
            Err(e) if e.kind() == StoreErrorKind::NotFound => {
                self.js
                    .create_stream(wanted)
                    .await
                    .map_err(|e| unavailable("cannot create the stream", &e))?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn prefix(&self) -> &str {
        &self.config.subject_prefix
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
            && self.client.connection_state() == async_nats::connection::State::Connected
    }

    pub(crate) fn committed(&self) -> &Notify {
        &self.committed
    }

    fn read_only() -> StoreError {
        StoreError::new(
            StoreErrorKind::ReadOnly,
            "the store was opened for reading only",
        )
    }

    /// Publishes `payload` on `subject` unless the subject holds a message already.
    async fn publish(
        &self,
        subject: String,
        mut headers: HeaderMap,
        id: &str,
        payload: Bytes,
    ) -> Result<jetstream::context::PublishAckFuture, StoreError> {
        headers.insert("Nats-Msg-Id", id);
        headers.insert("Nats-Expected-Last-Subject-Sequence", "0");
        self.js
            .publish_with_headers(subject, headers, payload)
            .await
            .map_err(|e| unavailable("publish to NATS failed", &e))
    }

    async fn settle(ack: jetstream::context::PublishAckFuture) -> Result<Published, StoreError> {
        match ack.await {
            Ok(a) if a.duplicate => Ok(Published::Duplicate),
            Ok(a) => Ok(Published::New(a.sequence)),
            Err(e) if already_stored(&e) => Ok(Published::Duplicate),
            Err(e) => Err(unavailable("JetStream did not store the event", &e)),
        }
    }

    /// The delivery an event names (`Aaa-Delivery`: its subject after `deliveries.`).
    async fn delivery_of(
        &self,
        event_headers: Option<&HeaderMap>,
    ) -> Result<Option<StoredDelivery>, StoreError> {
        let Some(suffix) = event_headers
            .and_then(|h| h.get(Header::Delivery.name()))
            .map(|v| v.as_str().to_owned())
        else {
            return Ok(None);
        };
        let s = self.stream().await?;
        let subject = format!("{}.deliveries.{suffix}", self.prefix());
        match s.get_last_raw_message_by_subject(&subject).await {
            Ok(m) => Ok(delivery_from(m.sequence, &m)),
            Err(e) if e.kind() == jetstream::stream::LastRawMessageErrorKind::NoMessageFound => {
                Ok(None)
            }
            Err(e) => Err(unavailable("cannot read a stored delivery", &e)),
        }
    }

    pub(crate) async fn append(&self, d: Arc<Delivery>) -> Result<Appended, StoreError> {
        if !self.writable {
            return Err(Nats::read_only());
        }
        let result = tokio::time::timeout(self.config.publish_timeout, self.append_inner(&d))
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::unavailable(format!(
                    "JetStream did not acknowledge within {} ms",
                    self.config.publish_timeout.as_millis()
                )))
            });
        self.healthy.store(result.is_ok(), Ordering::Relaxed);
        if result.is_ok() {
            self.committed.notify_waiters();
        }
        result
    }

    async fn append_inner(&self, d: &Delivery) -> Result<Appended, StoreError> {
        let app = subject_token(&d.app);
        let digest = digest_hex(&d.body);
        let mut headers = HeaderMap::new();
        headers.insert(Header::App.name(), header(&d.app).as_str());
        headers.insert(
            Header::ReceivedAt.name(),
            d.received_at.to_string().as_str(),
        );
        headers.insert(Header::Signature.name(), header(&d.signature).as_str());
        headers.insert(
            Header::SecretIndex.name(),
            d.secret_index.to_string().as_str(),
        );
        let events = match &d.content {
            Content::Quarantined(why) => {
                headers.insert(Header::Error.name(), header(why).as_str());
                let subject = format!("{}.quarantine.{app}.{digest}", self.prefix());
                let ack = self
                    .publish(
                        subject,
                        headers,
                        &format!("q.{app}.{digest}"),
                        d.body.clone(),
                    )
                    .await?;
                let delivery = match Nats::settle(ack).await? {
                    Published::New(seq) => Some(EventId {
                        part: 0,
                        seq: to_i64(seq),
                    }),
                    Published::Duplicate => None,
                };
                return Ok(Appended {
                    delivery,
                    stored_us: now_us(),
                    ..Appended::default()
                });
            }
            Content::Events(events) => events,
        };
        // The delivery and its events all at once (each event names its delivery's subject),
        // then every acknowledgement: one round trip to the stream's leader, not two.
        let subject = format!("{}.deliveries.{app}.{digest}", self.prefix());
        let delivery_ack = self
            .publish(
                subject,
                headers,
                &format!("d.{app}.{digest}"),
                d.body.clone(),
            )
            .await?;
        let delivery_ref = format!("{app}.{digest}");
        let mut acks = Vec::with_capacity(events.len());
        for e in events {
            let key_hash = digest_hex(e.key.as_bytes());
            let mut h = HeaderMap::new();
            h.insert(Header::Kind.name(), header(&e.kind).as_str());
            h.insert(Header::Key.name(), header(&e.key).as_str());
            if let Some(user) = &e.for_user_id {
                h.insert(Header::ForUserId.name(), header(user).as_str());
            }
            h.insert(Header::App.name(), header(&d.app).as_str());
            h.insert(
                Header::ReceivedAt.name(),
                d.received_at.to_string().as_str(),
            );
            h.insert(Header::Delivery.name(), delivery_ref.as_str());
            let subject = format!(
                "{}.events.{app}.{}.{key_hash}",
                self.prefix(),
                subject_token(&e.kind)
            );
            let raw = d.body.slice(e.range.clone());
            // The subject's own tokens, so that an id repeated within the duplicate window
            // means what a second message on the subject means afterwards: one event per app
            // and dedupe key.
            let id = format!("{app}.{key_hash}");
            acks.push(self.publish(subject, h, &id, raw).await?);
        }
        let kept = match Nats::settle(delivery_ack).await? {
            Published::New(seq) => Some(seq),
            Published::Duplicate => None,
        };
        let mut out = Appended {
            delivery: kept.map(|seq| EventId {
                part: 0,
                seq: to_i64(seq),
            }),
            stored_us: now_us(),
            ..Appended::default()
        };
        for (i, ack) in acks.into_iter().enumerate() {
            match Nats::settle(ack).await? {
                Published::New(seq) => out.new_events.push((
                    i,
                    EventId {
                        part: 0,
                        seq: to_i64(seq),
                    },
                )),
                Published::Duplicate => out.duplicates += 1,
            }
        }
        Ok(out)
    }

    async fn stream(&self) -> Result<jetstream::stream::Stream, StoreError> {
        self.js
            .get_stream(&self.config.stream)
            .await
            .map_err(|e| unavailable("cannot reach the stream", &e))
    }

    /// The stream's first and last sequence.
    async fn bounds(&self) -> Result<(u64, u64), StoreError> {
        let mut s = self.stream().await?;
        let info = s
            .info()
            .await
            .map_err(|e| unavailable("cannot read the stream", &e))?;
        Ok((info.state.first_sequence, info.state.last_sequence))
    }

    /// The events on `filter` with sequences in `from..=to`, in order, read with an ordered
    /// consumer; at most `most` of those `keep` accepts, stopping after that many when reading
    /// forward (`forward`), or keeping the last that many otherwise.
    async fn scan(
        &self,
        filter: String,
        from: u64,
        to: u64,
        keep: &(dyn Fn(&StoredEvent) -> bool + Send + Sync),
        most: Option<usize>,
        forward: bool,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut out = Vec::new();
        if from > to || from == 0 {
            return Ok(out);
        }
        let start = consumer::DeliverPolicy::ByStartSequence {
            start_sequence: from,
        };
        let (s, consumer, pending) = self.reader(filter, start).await?;
        let name = consumer.cached_info().name.clone();
        let result = async {
            if pending == 0 {
                return Ok(());
            }
            let mut messages = consumer
                .stream()
                .max_messages_per_batch(256)
                .heartbeat(Duration::from_secs(1))
                .expires(Duration::from_secs(2))
                .messages()
                .await
                .map_err(|e| unavailable("cannot read the stream", &e))?;
            loop {
                let next = tokio::time::timeout(Duration::from_secs(5), messages.next()).await;
                let Ok(Some(Ok(m))) = next else {
                    return Err(StoreError::unavailable("reading the stream stalled"));
                };
                let Ok(info) = m.info() else { continue };
                let seq = info.stream_sequence;
                let left = info.pending;
                if seq > to {
                    return Ok(());
                }
                if let Some(e) = event_from(
                    seq,
                    m.message.headers.as_ref(),
                    &m.message.payload,
                    info.published.unix_timestamp_nanos(),
                ) {
                    if keep(&e) {
                        out.push(e);
                        if forward && most.is_some_and(|l| out.len() >= l) {
                            return Ok(());
                        }
                    }
                }
                if left == 0 {
                    return Ok(());
                }
            }
        }
        .await;
        let _ = s.delete_consumer(&name).await;
        result?;
        if !forward {
            if let Some(l) = most {
                out.drain(..out.len().saturating_sub(l));
            }
        }
        Ok(out)
    }

    pub(crate) async fn list(&self, query: EventQuery) -> Result<EventPage, StoreError> {
        let (first, last) = self.bounds().await?;
        let filter = match &query.kind {
            Some(k) => format!("{}.events.*.{}.*", self.prefix(), subject_token(k)),
            None => format!("{}.events.>", self.prefix()),
        };
        let q = query.clone();
        let keep = move |e: &StoredEvent| {
            q.kind.as_ref().is_none_or(|k| *k == e.kind)
                && q.user
                    .as_ref()
                    .is_none_or(|u| Some(u) == e.for_user_id.as_ref())
                && q.since_ms.is_none_or(|t| e.received_at >= t)
                && q.text
                    .as_ref()
                    .is_none_or(|t| memchr_find(&e.raw, t.as_bytes()))
        };
        let limit = query.limit;
        let examine = query.examine.map(|n| u64::try_from(n).unwrap_or(u64::MAX));
        let more;
        let (events, before, after) = match &query.start {
            Start::After(c) => {
                let from = u64::try_from(c.get(0))
                    .unwrap_or(0)
                    .saturating_add(1)
                    .max(first);
                let to =
                    examine.map_or(last, |n| from.saturating_add(n.saturating_sub(1)).min(last));
                let events = self.scan(filter, from, to, &keep, limit, true).await?;
                let full = limit.is_some_and(|l| events.len() >= l);
                more = full || to < last;
                let after = events.last().map_or(
                    if full {
                        c.get(0)
                    } else {
                        to_i64(to).max(c.get(0))
                    },
                    |e| e.id.seq,
                );
                let before = events.first().map_or(c.get(0) + 1, |e| e.id.seq);
                (events, before, after)
            }
            Start::Newest | Start::Before(_) => {
                let upper = match &query.start {
                    Start::Before(c) => u64::try_from(c.get(0) - 1).unwrap_or(0).min(last),
                    _ => last,
                };
                // Read windows backwards, each twice the last, until the page is full, the
                // stream's start or the examine bound.
                let floor = examine.map_or(first, |n| {
                    upper.saturating_sub(n.saturating_sub(1)).max(first)
                });
                let mut events: Vec<StoredEvent> = Vec::new();
                let mut hi = upper;
                let mut window = limit.map_or(u64::MAX, |l| {
                    u64::try_from(l.max(64) * 4).unwrap_or(u64::MAX)
                });
                while hi >= floor && hi > 0 {
                    let lo = hi.saturating_sub(window.saturating_sub(1)).max(floor);
                    let mut found = self.scan(filter.clone(), lo, hi, &keep, None, true).await?;
                    found.append(&mut events);
                    events = found;
                    if limit.is_some_and(|l| events.len() >= l) || lo == floor {
                        break;
                    }
                    hi = lo - 1;
                    window = window.saturating_mul(2).min(MAX_WINDOW);
                }
                let full = limit.is_some_and(|l| events.len() >= l);
                more = full || floor > first;
                if let Some(l) = limit {
                    events.drain(..events.len().saturating_sub(l));
                }
                let before = if !full && floor > first {
                    to_i64(floor)
                } else {
                    events.first().map_or(to_i64(upper) + 1, |e| e.id.seq)
                };
                let after = match &query.start {
                    Start::Before(c) => events.last().map_or(c.get(0) - 1, |e| e.id.seq),
                    _ => to_i64(last),
                };
                (events, before, after)
            }
        };
        Ok(EventPage {
            events,
            before: Cursor(vec![before.max(0)]),
            after: Cursor(vec![after.max(0)]),
            more,
        })
    }

    pub(crate) async fn end_cursor(&self) -> Result<Cursor, StoreError> {
        let (_, last) = self.bounds().await?;
        Ok(Cursor(vec![to_i64(last)]))
    }

    async fn raw(&self, seq: u64) -> Result<Option<jetstream::message::StreamMessage>, StoreError> {
        // Sequences start at 1; JetStream answers 0 with "bad request", not "no message".
        if seq == 0 {
            return Ok(None);
        }
        let s = self.stream().await?;
        match s.get_raw_message(seq).await {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
                Ok(None)
            }
            Err(e) => Err(unavailable("cannot read the stream", &e)),
        }
    }

    pub(crate) async fn event(&self, id: EventId) -> Result<Option<EventDetail>, StoreError> {
        let Ok(seq) = u64::try_from(id.seq) else {
            return Ok(None);
        };
        if id.part != 0 {
            return Ok(None);
        }
        let Some(m) = self.raw(seq).await? else {
            return Ok(None);
        };
        let Some(event) = event_from(
            seq,
            Some(&m.headers),
            &m.payload,
            m.time.unix_timestamp_nanos(),
        ) else {
            return Ok(None);
        };
        let delivery = self.delivery_of(Some(&m.headers)).await?;
        let mut event = event;
        if let Some(d) = &delivery {
            event.delivery = d.id;
        }
        Ok(Some(EventDetail {
            event,
            delivery,
            duplicates: None,
        }))
    }

    /// How many messages there are on `filter`.
    async fn count(&self, filter: String) -> Result<u64, StoreError> {
        let (s, consumer, n) = self.reader(filter, consumer::DeliverPolicy::All).await?;
        let _ = s.delete_consumer(&consumer.cached_info().name).await;
        Ok(n)
    }

    /// An ephemeral, unacknowledged, in-memory consumer of `filter` starting at `start` (the
    /// caller deletes it when done; the server drops it after 30 s idle if the caller cannot),
    /// with the stream it reads and how many messages it has pending.
    async fn reader(
        &self,
        filter: String,
        start: consumer::DeliverPolicy,
    ) -> Result<(stream::Stream, consumer::PullConsumer, u64), StoreError> {
        let s = self.stream().await?;
        let mut consumer: consumer::PullConsumer = s
            .create_consumer(consumer::pull::Config {
                filter_subject: filter,
                deliver_policy: start,
                ack_policy: consumer::AckPolicy::None,
                inactive_threshold: Duration::from_secs(30),
                memory_storage: true,
                num_replicas: 1,
                ..consumer::pull::Config::default()
            })
            .await
            .map_err(|e| unavailable("cannot read the stream", &e))?;
        let pending = consumer
            .info()
            .await
            .map_err(|e| unavailable("cannot read the stream", &e))?
            .num_pending;
        Ok((s, consumer, pending))
    }

    pub(crate) async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let p = self.prefix();
        Ok(StoreCounts {
            events: self.count(format!("{p}.events.>")).await?,
            quarantined: self.count(format!("{p}.quarantine.>")).await?,
            deliveries: self.count(format!("{p}.deliveries.>")).await?,
        })
    }

    /// The durable consumer of `name`: every event, acknowledged one at a time, shared by every
    /// receiver that forwards under this name.
    async fn consumer(&self, name: &str) -> Result<consumer::PullConsumer, StoreError> {
        if let Some(c) = self
            .consumers
            .lock()
            .ok()
            .and_then(|m| m.get(name).cloned())
        {
            return Ok(c);
        }
        let durable = subject_token(name);
        let s = self.stream().await?;
        let c: consumer::PullConsumer = s
            .get_or_create_consumer(
                &durable,
                consumer::pull::Config {
                    durable_name: Some(durable.clone()),
                    filter_subject: format!("{}.events.>", self.prefix()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    // One event in flight among all receivers: each is passed on once, in order.
                    max_ack_pending: 1,
                    ack_wait: Duration::from_secs(60),
                    ..consumer::pull::Config::default()
                },
            )
            .await
            .map_err(|e| unavailable("cannot create the forwarding consumer", &e))?;
        if let Ok(mut m) = self.consumers.lock() {
            m.insert(name.to_owned(), c.clone());
        }
        Ok(c)
    }

    pub(crate) async fn consumer_start(&self, name: &str) -> Result<(), StoreError> {
        self.consumer(name).await.map(|_| ())
    }

    fn forwarded_subject(&self, name: &str, delivery: u64) -> String {
        format!(
            "{}.forwarded.{}.{delivery}",
            self.prefix(),
            subject_token(name)
        )
    }

    pub(crate) async fn consumer_next(
        &self,
        name: &str,
    ) -> Result<(Vec<StoredDelivery>, u64), StoreError> {
        let mut c = self.consumer(name).await?;
        let lag = c.info().await.map_or(0, |i| {
            i.num_pending + u64::try_from(i.num_ack_pending).unwrap_or(0)
        });
        let mut batch = c
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .map_err(|e| unavailable("cannot fetch from the forwarding consumer", &e))?;
        let Some(next) = batch.next().await else {
            return Ok((Vec::new(), lag));
        };
        let m = next.map_err(|e| unavailable("cannot fetch from the forwarding consumer", &e))?;
        let delivery = self.delivery_of(m.headers.as_ref()).await?;
        // A delivery with several new events is passed on once: the first of its events to get
        // here does it, and leaves a mark the others find.
        let delivery = match delivery {
            Some(d) => {
                let s = self.stream().await?;
                let seq = u64::try_from(d.id.seq).unwrap_or(0);
                let marked = s
                    .get_last_raw_message_by_subject(&self.forwarded_subject(name, seq))
                    .await
                    .is_ok();
                (!marked).then_some(d)
            }
            None => None,
        };
        let Some(delivery) = delivery else {
            m.ack()
                .await
                .map_err(|e| unavailable("cannot acknowledge", &e))?;
            return Ok((Vec::new(), lag));
        };
        if let Ok(mut p) = self.pending.lock() {
            p.insert(
                (name.to_owned(), u64::try_from(delivery.id.seq).unwrap_or(0)),
                m,
            );
        }
        Ok((vec![delivery], lag))
    }

    pub(crate) async fn consumer_ack(
        &self,
        name: &str,
        d: &StoredDelivery,
    ) -> Result<(), StoreError> {
        let seq = u64::try_from(d.id.seq).unwrap_or(0);
        let subject = self.forwarded_subject(name, seq);
        let ack = self
            .publish(subject.clone(), HeaderMap::new(), &subject, Bytes::new())
            .await?;
        Nats::settle(ack).await?;
        let m = self
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.remove(&(name.to_owned(), seq)));
        if let Some(m) = m {
            m.double_ack()
                .await
                .map_err(|e| unavailable("cannot acknowledge", &e))?;
        }
        Ok(())
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// An event read back from its message (`None` for a message that is not one).
fn event_from(
    seq: u64,
    headers: Option<&HeaderMap>,
    payload: &Bytes,
    published_ns: i128,
) -> Option<StoredEvent> {
    let h = headers?;
    let get = |k: Header| h.get(k.name()).map(|v| codec::unheader(v.as_str()));
    Some(StoredEvent {
        id: EventId {
            part: 0,
            seq: to_i64(seq),
        },
        key: get(Header::Key)?,
        kind: get(Header::Kind)?,
        for_user_id: get(Header::ForUserId),
        app: get(Header::App).unwrap_or_default(),
        // Events name their delivery by subject; `Store::event` looks it up.
        delivery: EventId { part: 0, seq: 0 },
        received_at: get(Header::ReceivedAt)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        stored_us: i64::try_from(published_ns / 1000).unwrap_or(0),
        raw: payload.clone(),
    })
}

/// A delivery read back from its message.
fn delivery_from(seq: u64, m: &jetstream::message::StreamMessage) -> Option<StoredDelivery> {
    let h = &m.headers;
    let get = |k: Header| h.get(k.name()).map(|v| codec::unheader(v.as_str()));
    Some(StoredDelivery {
        id: EventId {
            part: 0,
            seq: to_i64(seq),
        },
        app: get(Header::App)?,
        received_at: get(Header::ReceivedAt)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        stored_us: i64::try_from(m.time.unix_timestamp_nanos() / 1000).unwrap_or(0),
        signature: get(Header::Signature).unwrap_or_default(),
        secret_index: get(Header::SecretIndex).and_then(|v| v.parse().ok()),
        body: m.payload.clone(),
        quarantined: get(Header::Error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_server_urls_are_not_shown() {
        assert_eq!(
            url_without_userinfo("nats://alice:s3cret@127.0.0.1:4222"),
            "nats://<redacted>@127.0.0.1:4222"
        );
        assert_eq!(url_without_userinfo("tok3n@h:1"), "<redacted>@h:1");
        assert_eq!(url_without_userinfo("nats://h:1"), "nats://h:1");
        assert_eq!(url_without_userinfo("nats://h:1/p@x"), "nats://h:1/p@x");
        let config =
            NatsConfig::new("nats://alice:s3cret@127.0.0.1:4222,tok3n@127.0.0.1:4223").unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("tok3n"),
            "{debug}"
        );
    }

    #[tokio::test]
    async fn a_server_url_that_cannot_be_used_is_named_without_its_password() {
        for url in [
            "nats://alice:s3cret@127.0.0.1:notaport",
            "nats://alice:s3cret@127.0.0.1:1",
        ] {
            let e = Nats::open(NatsConfig::new(url).unwrap(), true)
                .await
                .map(|_| ())
                .unwrap_err();
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }
}
