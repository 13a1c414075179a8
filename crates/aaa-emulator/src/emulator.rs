//! The emulator's handle: [`Emulator`] owns the shared state, the delivery machinery and the
//! payload generator, and offers what tests and the control endpoints drive it with (trigger,
//! deliver, clock, CRC pass, counters). The request handlers in `api` sit above it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use crate::crc;
use crate::delivery::{Deliverer, DeliveryStats, Target};
use crate::generate::{Activity, Generator, Party};
use crate::options::Options;
use crate::shared::Shared;
use crate::state::State;

/// The local stand-in for X's side. Cheap to clone; clones share one state. It is a
/// `tower::Service` (see `aaa_emulator::serve` to run it on hyper).
#[derive(Clone, Debug)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    deliverer: Arc<Deliverer>,
    generator: Mutex<Generator>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("shared", &self.shared)
            .field("deliverer", &self.deliverer)
            .finish_non_exhaustive()
    }
}

/// Why activities could not be injected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriggerError {
    /// No user has this id.
    UnknownUser(String),
    /// The user has no subscription on a valid webhook, so nothing would be delivered.
    NotSubscribed(String),
    /// No activity has this name.
    UnknownKind(String),
    /// A given payload is not a JSON object, or the request is malformed.
    BadRequest(String),
}

impl fmt::Display for TriggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownUser(id) => write!(f, "no user has the id {id}"),
            Self::NotSubscribed(id) => write!(
                f,
                "user {id} has no subscription on a valid webhook; subscribe it first"
            ),
            Self::UnknownKind(kind) => write!(f, "no activity is called {kind:?}"),
            Self::BadRequest(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for TriggerError {}

impl Emulator {
    /// An emulator over `state` with `options`.
    pub fn new(state: State, options: Options) -> Self {
        let client = crate::web::client(&options.tls_roots);
        let generator = Mutex::new(Generator::new(options.delivery.seed));
        let shared = Arc::new(Shared::new(state, options));
        let deliverer = Arc::new(Deliverer::new(Arc::clone(&shared), client));
        Self {
            inner: Arc::new(Inner {
                shared,
                deliverer,
                generator,
            }),
        }
    }

    /// The state, locked. Do not hold the guard across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.inner.shared.state()
    }

    /// The options.
    pub fn options(&self) -> &Options {
        self.inner.shared.options()
    }

    /// The emulator's current time, seconds since the epoch: the clock plus whatever
    /// [`Emulator::advance_clock`] added. Event times and replay windows use it; OAuth
    /// timestamps and rate-limit windows use the clock alone, so clients keep working.
    pub fn now(&self) -> u64 {
        self.inner.shared.now()
    }

    /// Moves the emulator's timeline by `secs` (negative goes back), so that replay windows can
    /// be tested without waiting. Returns the new [`Emulator::now`].
    pub fn advance_clock(&self, secs: i64) -> u64 {
        self.inner.shared.advance(secs)
    }

    /// Counters of the deliveries so far.
    pub fn delivery_stats(&self) -> DeliveryStats {
        self.inner.deliverer.stats()
    }

    /// Waits until no delivery, retry or replay job is under way.
    pub async fn settled(&self) {
        self.inner.deliverer.settled().await;
    }

    /// The delivery machinery, for the request handlers (CRC checks, replay jobs).
    pub(crate) fn deliverer(&self) -> &Arc<Deliverer> {
        &self.inner.deliverer
    }

    /// Delivers each of `bodies` (whole webhook bodies, sent byte for byte) to every valid
    /// webhook that has `user_id` subscribed, signed with the webhook's app's consumer secret,
    /// with retries and the configured faults. Returns the webhook ids at once; the deliveries
    /// go on in the background (see [`Emulator::settled`]). Needs a Tokio runtime.
    ///
    /// # Errors
    ///
    /// When the user is unknown or has no subscription on a valid webhook.
    pub fn deliver(&self, user_id: &str, bodies: &[Bytes]) -> Result<Vec<String>, TriggerError> {
        let targets = self.targets(user_id)?;
        let ids = targets.iter().map(|t| t.webhook_id.clone()).collect();
        self.inner.deliverer.dispatch(targets, bodies);
        Ok(ids)
    }

    /// Generates `count` activities of `activity` happening to `user_id` (the other party is
    /// another user of the state) and delivers them like [`Emulator::deliver`]. Returns the
    /// webhook ids.
    ///
    /// # Errors
    ///
    /// When the user is unknown or has no subscription on a valid webhook.
    pub fn trigger(
        &self,
        activity: Activity,
        user_id: &str,
        count: usize,
    ) -> Result<Vec<String>, TriggerError> {
        let targets = self.targets(user_id)?;
        let (subject, other, app_id) = {
            let state = self.state();
            let subject = state
                .user(user_id)
                .map(|u| (u.user_id.clone(), u.screen_name.clone()))
                .ok_or_else(|| TriggerError::UnknownUser(user_id.to_owned()))?;
            let other = state
                .users()
                .iter()
                .find(|u| u.user_id != user_id)
                .map_or_else(
                    || ("783214".to_owned(), "XDevelopers".to_owned()),
                    |u| (u.user_id.clone(), u.screen_name.clone()),
                );
            let app_id = state
                .webhooks
                .iter()
                .find(|w| targets.first().is_some_and(|t| t.webhook_id == w.id))
                .map(|w| w.app_id.clone())
                .unwrap_or_default();
            (subject, other, app_id)
        };
        let subject = Party {
            user_id: &subject.0,
            screen_name: &subject.1,
        };
        let other = Party {
            user_id: &other.0,
            screen_name: &other.1,
        };
        let now_ms = self.now().saturating_mul(1000);
        let bodies: Vec<Bytes> = {
            let mut generator = self
                .inner
                .generator
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            (0..count)
                .map(|_| {
                    Bytes::from(generator.envelope(activity, &subject, &other, &app_id, now_ms))
                })
                .collect()
        };
        let ids = targets.iter().map(|t| t.webhook_id.clone()).collect();
        tracing::info!(activity = activity.name(), user_id, count, "triggered");
        self.inner.deliverer.dispatch(targets, &bodies);
        Ok(ids)
    }

    /// The valid webhooks `user_id` is subscribed to.
    pub(crate) fn targets(&self, user_id: &str) -> Result<Vec<Target>, TriggerError> {
        let state = self.state();
        if state.user(user_id).is_none() {
            return Err(TriggerError::UnknownUser(user_id.to_owned()));
        }
        let targets: Vec<Target> = state
            .webhooks
            .iter()
            .filter(|w| w.valid && w.subscriptions.contains(user_id))
            .filter_map(|w| {
                let app = state.app(&w.app_id)?;
                Some(Target::new(&w.id, &w.url, &app.consumer_secret))
            })
            .collect();
        if targets.is_empty() {
            return Err(TriggerError::NotSubscribed(user_id.to_owned()));
        }
        Ok(targets)
    }

    /// CRC-checks every webhook now, as X does periodically, and records which passed.
    /// Returns (webhook id, valid) pairs.
    pub async fn recheck_webhooks(&self) -> Vec<(String, bool)> {
        let webhooks: Vec<(String, String, String)> = {
            let state = self.state();
            state
                .webhooks
                .iter()
                .filter_map(|w| {
                    let app = state.app(&w.app_id)?;
                    Some((w.id.clone(), w.url.clone(), app.consumer_secret.clone()))
                })
                .collect()
        };
        let deadline = self.options().crc_deadline;
        let mut out = Vec::with_capacity(webhooks.len());
        for (id, url, secret) in webhooks {
            let valid = crc::check(self.inner.deliverer.client(), &url, &secret, deadline)
                .await
                .is_ok();
            if let Some(w) = self.state().webhooks.iter_mut().find(|w| w.id == id) {
                if w.valid != valid {
                    tracing::info!(webhook_id = %id, valid, "periodic CRC check changed validity");
                }
                w.valid = valid;
            }
            out.push((id, valid));
        }
        out
    }
}
