//! Delivery like X: each activity is POSTed, signed with the app's consumer secret, to every
//! valid webhook that has the user subscribed; anything but a 200 within the deadline is retried
//! on the configured schedule. Every attempted delivery is logged per webhook for replay.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::Full;
use ring::hmac;
use tokio::sync::Notify;

use crate::service::Emulator;
use crate::web::WebClient;

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

/// An attempted delivery, kept for replay.
#[derive(Clone, Debug)]
pub(crate) struct Logged {
    pub(crate) webhook_id: String,
    /// When it was first attempted, seconds since the epoch on the emulator's timeline.
    pub(crate) at: u64,
    pub(crate) body: Bytes,
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

/// The delivery machinery shared by every clone of an [`Emulator`].
pub(crate) struct Deliverer {
    client: Option<WebClient>,
    rng: Mutex<SplitMix64>,
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
    pub(crate) fn new(seed: u64, client: Option<WebClient>) -> Self {
        Self {
            client,
            rng: Mutex::new(SplitMix64(seed)),
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
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        // 53 random bits as a fraction.
        #[allow(clippy::cast_precision_loss)]
        let f = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        f
    }

    /// A uniform draw in [0, max].
    fn delay(&self, max: Duration) -> Duration {
        if max.is_zero() {
            return Duration::ZERO;
        }
        let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        Duration::from_millis(rng.next() % (millis + 1))
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

impl Emulator {
    /// Queues `bodies` for `targets`, applying the configured faults, and returns at once.
    /// Each (target, body) pair is logged for replay before it is first attempted.
    pub(crate) fn dispatch(&self, targets: Vec<Target>, bodies: &[Bytes]) {
        let faults = self.options().delivery.faults;
        let deliverer = self.deliverer();
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
                let now = self.now();
                let mut state = self.state();
                // Replay reaches five days back; older entries are dropped as new ones come.
                let horizon = now.saturating_sub(crate::replay::RETENTION_SECS);
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
            let this = self.clone();
            tokio::spawn(async move {
                let (mut ok, mut retrying) = (0usize, 0usize);
                for (body, copy) in batch {
                    if copy {
                        this.deliverer().duplicates.fetch_add(1, Ordering::Relaxed);
                    }
                    let wait = this.deliverer().delay(faults.max_delay);
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    let deadline = this.options().delivery.deadline;
                    if this.deliverer().attempt(&target, &body, deadline).await {
                        ok += 1;
                        this.deliverer().delivered.fetch_add(1, Ordering::Relaxed);
                        this.deliverer().end();
                    } else {
                        retrying += 1;
                        let retry = this.clone();
                        let target = target.clone();
                        tokio::spawn(async move {
                            let ok = retry.retry(&target, &body).await;
                            let d = retry.deliverer();
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
        let delays = self.options().delivery.retry_delays.clone();
        for delay in delays {
            tokio::time::sleep(delay).await;
            let valid = {
                let state = self.state();
                state
                    .webhooks
                    .iter()
                    .find(|w| w.id == target.webhook_id)
                    .map(|w| w.valid)
            };
            match valid {
                None => return false,
                Some(false) => {
                    self.deliverer()
                        .failed_attempts
                        .fetch_add(1, Ordering::Relaxed);
                }
                Some(true) => {
                    let deadline = self.options().delivery.deadline;
                    if self.deliverer().attempt(target, body, deadline).await {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// One attempt, then the retries; true once one gets a 200.
    pub(crate) async fn deliver_with_retries(&self, target: &Target, body: &Bytes) -> bool {
        let deadline = self.options().delivery.deadline;
        self.deliverer().attempt(target, body, deadline).await || self.retry(target, body).await
    }
}

/// `SplitMix64`: a tiny, well-mixed generator for fault draws. Not for secrets.
#[derive(Debug)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let mut a = SplitMix64(7);
        let mut b = SplitMix64(7);
        let xs: Vec<u64> = (0..4).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], xs[1]);
        let d = Deliverer::new(1, None);
        let draws: Vec<f64> = (0..1000).map(|_| d.chance()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        let low = draws.iter().filter(|f| **f < 0.5).count();
        assert!((400..600).contains(&low), "{low}");
    }
}
