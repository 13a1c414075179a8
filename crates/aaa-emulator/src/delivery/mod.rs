//! Delivery like X: each activity is POSTed, signed with the app's consumer secret, to every
//! valid webhook that has the user subscribed; anything but a 200 within the deadline is retried
//! on the configured schedule. Every attempted delivery is logged per webhook for replay.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::Full;
use ring::hmac;
use tokio::sync::Notify;

use crate::consts::RETENTION_SECS;
use crate::rng::Rng;
use crate::shared::Shared;
use crate::state::Logged;
use crate::web::WebClient;

pub(crate) mod replay;
pub(crate) mod stream;

/// The header X signs deliveries with.
pub(crate) const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

/// Where one delivery goes, and the key it is signed with.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) webhook_id: String,
    pub(crate) url: String,
    key: hmac::Key,
}

impl Target {
    pub(crate) fn new(webhook_id: &str, url: &str, consumer_secret: &str) -> Self {
        Self {
            webhook_id: webhook_id.to_owned(),
            url: url.to_owned(),
            key: hmac::Key::new(hmac::HMAC_SHA256, consumer_secret.as_bytes()),
        }
    }

    /// X's signature header value: `sha256=` and the standard base64 of
    /// HMAC-SHA256(consumer secret, body). Computed here with `ring`, not with the crypto crate
    /// the receiver verifies with.
    pub(crate) fn sign(&self, body: &[u8]) -> String {
        let tag = hmac::sign(&self.key, body);
        format!("sha256={}", STANDARD.encode(tag.as_ref()))
    }
}

/// Counters of everything delivered so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryStats {
    /// Deliveries queued (activities times webhooks, injected duplicates included).
    pub queued: u64,
    /// POST attempts made, retries included.
    pub attempts: u64,
    /// Deliveries that got a 200.
    pub delivered: u64,
    /// Attempts that failed (no answer, not 200, or too slow).
    pub failed_attempts: u64,
    /// Deliveries given up after the last retry.
    pub gave_up: u64,
    /// Copies sent because of the duplicate fault.
    pub duplicates: u64,
    /// Replay jobs finished.
    pub replay_jobs: u64,
    /// Deliveries and replay jobs still under way.
    pub pending: u64,
}

/// The delivery machinery shared by every clone of an emulator: the outgoing client, the fault
/// generator, the counters, and the work under way.
pub(crate) struct Deliverer {
    shared: Arc<Shared>,
    client: Option<WebClient>,
    rng: Mutex<Rng>,
    queued: AtomicU64,
    attempts: AtomicU64,
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    gave_up: AtomicU64,
    duplicates: AtomicU64,
    pub(crate) replay_jobs: AtomicU64,
    pending: AtomicUsize,
    idle: Notify,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    pub(crate) fn new(shared: Arc<Shared>, client: Option<WebClient>) -> Self {
        let seed = shared.options().delivery.faults.seed;
        Self {
            shared,
            client,
            rng: Mutex::new(Rng::new(seed)),
            queued: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed_attempts: AtomicU64::new(0),
            gave_up: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            replay_jobs: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            idle: Notify::new(),
        }
    }

    /// The HTTP client, `None` when TLS could not be set up.
    pub(crate) fn client(&self) -> Option<&WebClient> {
        self.client.as_ref()
    }

    pub(crate) fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            queued: self.queued.load(Ordering::Relaxed),
            attempts: self.attempts.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            failed_attempts: self.failed_attempts.load(Ordering::Relaxed),
            gave_up: self.gave_up.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            replay_jobs: self.replay_jobs.load(Ordering::Relaxed),
            pending: self.pending.load(Ordering::SeqCst) as u64,
        }
    }

    /// Marks `n` units of work as under way.
    pub(crate) fn begin(&self, n: usize) {
        self.pending.fetch_add(n, Ordering::SeqCst);
    }

    /// Marks one unit of work as finished.
    pub(crate) fn end(&self) {
        if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Waits until no delivery or replay job is under way.
    pub(crate) async fn settled(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// A uniform draw in [0, 1).
    fn chance(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fraction()
    }

    /// A uniform draw in [0, max].
    fn delay(&self, max: Duration) -> Duration {
        if max.is_zero() {
            return Duration::ZERO;
        }
        let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        Duration::from_millis(rng.next_u64() % (millis + 1))
    }

    /// One POST of `body` to `target`; true when it got a 200 within `deadline`.
    pub(crate) async fn attempt(&self, target: &Target, body: &Bytes, deadline: Duration) -> bool {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let request = Request::builder()
            .method(Method::POST)
            .uri(&target.url)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(SIGNATURE_HEADER, target.sign(body))
            .header(header::USER_AGENT, "aaa-emulator")
            .body(Full::new(body.clone()));
        let Ok(request) = request else {
            self.failed_attempts.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        let exchange = async {
            let response = self.client.as_ref()?.request(request).await.ok()?;
            let status = response.status();
            // Read the answer to the end so the connection can be reused.
            let _ = http_body_util::BodyExt::collect(response.into_body()).await;
            Some(status)
        };
        let status = tokio::time::timeout(deadline, exchange)
            .await
            .ok()
            .flatten();
        if status == Some(StatusCode::OK) {
            true
        } else {
            self.failed_attempts.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                webhook_id = %target.webhook_id,
                status = status.map_or(0, |s| s.as_u16()),
                "delivery attempt failed"
            );
            false
        }
    }
}

impl Deliverer {
    /// The shared state.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Queues `bodies` for `targets`, applying the configured faults, and returns at once.
    /// Each (target, body) pair is logged for replay before it is first attempted.
    pub(crate) fn dispatch(self: &Arc<Self>, targets: Vec<Target>, bodies: &[Bytes]) {
        let faults = self.shared.options().delivery.faults;
        let deliverer = self;
        for target in targets {
            let mut batch: Vec<(Bytes, bool)> = bodies.iter().map(|b| (b.clone(), false)).collect();
            if faults.duplicate > 0.0 {
                let mut with_copies = Vec::with_capacity(batch.len() * 2);
                for (body, _) in batch {
                    let copy = deliverer.chance() < faults.duplicate;
                    with_copies.push((body.clone(), false));
                    if copy {
                        with_copies.push((body, true));
                    }
                }
                batch = with_copies;
            }
            if faults.reorder > 0.0 {
                for i in 0..batch.len().saturating_sub(1) {
                    if deliverer.chance() < faults.reorder {
                        batch.swap(i, i + 1);
                    }
                }
            }
            deliverer
                .queued
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            deliverer.begin(batch.len());
            {
                let now = self.shared.now();
                let mut state = self.shared.state();
                // Replay reaches five days back; older entries are dropped as new ones come.
                let horizon = now.saturating_sub(RETENTION_SECS);
                state.log.retain(|l| l.at >= horizon);
                for (body, copy) in &batch {
                    if !copy {
                        state.log.push(Logged {
                            webhook_id: target.webhook_id.clone(),
                            at: now,
                            body: body.clone(),
                        });
                    }
                }
            }
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let (mut ok, mut retrying) = (0usize, 0usize);
                for (body, copy) in batch {
                    if copy {
                        this.duplicates.fetch_add(1, Ordering::Relaxed);
                    }
                    let wait = this.delay(faults.max_delay);
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    let deadline = this.shared.options().delivery.deadline;
                    if this.attempt(&target, &body, deadline).await {
                        ok += 1;
                        this.delivered.fetch_add(1, Ordering::Relaxed);
                        this.end();
                    } else {
                        retrying += 1;
                        let d = Arc::clone(&this);
                        let target = target.clone();
                        tokio::spawn(async move {
                            let ok = d.retry(&target, &body).await;
                            if ok {
                                tracing::info!(
                                    webhook_id = %target.webhook_id,
                                    "delivered after a retry"
                                );
                                d.delivered.fetch_add(1, Ordering::Relaxed);
                            } else {
                                d.gave_up.fetch_add(1, Ordering::Relaxed);
                                tracing::warn!(
                                    webhook_id = %target.webhook_id,
                                    "delivery given up after the last retry"
                                );
                            }
                            d.end();
                        });
                    }
                }
                tracing::info!(
                    webhook_id = %target.webhook_id,
                    delivered = ok,
                    retrying,
                    "deliveries sent"
                );
            });
        }
    }

    /// The retries of a delivery whose first attempt failed; true once one gets a 200. A
    /// webhook deleted in the meantime ends the retries; an invalid one makes an attempt fail.
    pub(crate) async fn retry(&self, target: &Target, body: &Bytes) -> bool {
        let delays = self.shared.options().delivery.retry_delays.clone();
        for delay in delays {
            tokio::time::sleep(delay).await;
            let valid = {
                let state = self.shared.state();
                state
                    .webhooks
                    .iter()
                    .find(|w| w.id == target.webhook_id)
                    .map(|w| w.valid)
            };
            match valid {
                None => return false,
                Some(false) => {
                    self.failed_attempts.fetch_add(1, Ordering::Relaxed);
                }
                Some(true) => {
                    let deadline = self.shared.options().delivery.deadline;
                    if self.attempt(target, body, deadline).await {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// One attempt, then the retries; true once one gets a 200.
    pub(crate) async fn deliver_with_retries(&self, target: &Target, body: &Bytes) -> bool {
        let deadline = self.shared.options().delivery.deadline;
        self.attempt(target, body, deadline).await || self.retry(target, body).await
    }
}
