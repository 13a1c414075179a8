//! The emulator's handle: [`Emulator`] owns the shared state, the delivery machinery and the
//! payload generator, and offers what tests and the control endpoints drive it with (trigger,
//! deliver, clock, CRC pass, counters). The request handlers in `api` sit above it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use bytes::Bytes;

use crate::activity_payloads::{ActivityGenerator, event_direction};
use crate::crc;
use crate::delivery::stream::StreamHub;
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
    activity_generator: Mutex<ActivityGenerator>,
    streams: StreamHub,
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
    /// No X Activity API subscription matches the event (its type, user or keyword, and
    /// direction), so nothing would be delivered; what was looked for.
    NoActivitySubscription(String),
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
            Self::NoActivitySubscription(what) => write!(
                f,
                "no X Activity API subscription matches {what}; create one first"
            ),
            Self::UnknownKind(kind) => write!(f, "no activity is called {kind:?}"),
            Self::BadRequest(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for TriggerError {}

/// What [`Emulator::trigger_activity`] is to generate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ActivityTrigger<'a> {
    /// The event type.
    pub event_type: ActivityType,
    /// The user it happens to (the subscriptions' `filter.user_id`); not for `news.new`.
    pub user_id: Option<&'a str>,
    /// For `news.new`: the keyword the news item matches.
    pub keyword: Option<&'a str>,
    /// Which way a like, direct message or chat goes (defaults: see
    /// [`crate::activity_payloads::ActivityGenerator::event`]).
    pub direction: Option<Direction<'static>>,
    /// How many events.
    pub count: usize,
}

impl<'a> ActivityTrigger<'a> {
    /// One event of `event_type` happening to `user_id`.
    pub fn new(event_type: ActivityType, user_id: &'a str) -> Self {
        ActivityTrigger {
            event_type,
            user_id: Some(user_id),
            keyword: None,
            direction: None,
            count: 1,
        }
    }

    /// One `news.new` item matching `keyword`.
    pub fn news(keyword: &'a str) -> Self {
        ActivityTrigger {
            event_type: ActivityType::NewsNew,
            user_id: None,
            keyword: Some(keyword),
            direction: None,
            count: 1,
        }
    }

    /// Sets the direction.
    #[must_use]
    pub fn direction(mut self, direction: Direction<'static>) -> Self {
        self.direction = Some(direction);
        self
    }

    /// Sets the count.
    #[must_use]
    pub fn count(mut self, count: usize) -> Self {
        self.count = count;
        self
    }
}

/// What [`Emulator::trigger_activity`] delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivityDelivered {
    /// Deliveries made (events times matching subscriptions).
    pub events: usize,
    /// The matching subscriptions.
    pub subscriptions: Vec<String>,
    /// The webhooks POSTed to.
    pub webhooks: Vec<String>,
    /// Copies written to open activity stream connections.
    pub stream_copies: usize,
}

/// A subscription (or, for `oauth.revoke`, an app) an event goes to.
struct Match {
    app_id: String,
    subscription_id: Option<String>,
    filter: ActivityFilter<'static>,
    tag: Option<String>,
    targets: Vec<Target>,
}

impl Emulator {
    /// An emulator over `state` with `options`.
    pub fn new(state: State, options: Options) -> Self {
        let client = crate::web::client(&options.tls_roots);
        let generator = Mutex::new(Generator::new(options.delivery.seed));
        let activity_generator = Mutex::new(ActivityGenerator::new(options.delivery.seed));
        let shared = Arc::new(Shared::new(state, options));
        let deliverer = Arc::new(Deliverer::new(Arc::clone(&shared), client));
        Self {
            inner: Arc::new(Inner {
                shared,
                deliverer,
                generator,
                activity_generator,
                streams: StreamHub::default(),
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
        for body in bodies {
            if let Some((user, app)) = revoke_of(body) {
                self.end_subscriptions(&user, &app);
            }
        }
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
        if activity == Activity::UserRevoke {
            self.end_subscriptions(user_id, &app_id);
        }
        Ok(ids)
    }

    /// The activity stream connections and backlog, for the stream handler.
    pub(crate) fn streams(&self) -> &StreamHub {
        &self.inner.streams
    }

    /// Ends every open activity stream connection (at shutdown: a stream never ends by itself).
    pub fn close_streams(&self) {
        self.inner.streams.close_all();
    }

    /// Generates `trigger.count` X Activity API events of `trigger.event_type` and delivers each
    /// to every subscription that matches it, as X does: one delivery per matching subscription
    /// (each with its own `event_uuid`, the subscription's filter and tag), sent to the app's
    /// open activity stream connections (and kept five minutes for backfill) and, when the
    /// subscription names a valid webhook, POSTed there signed and retried like any delivery.
    /// `oauth.revoke` goes, with an empty filter, to every app that has a subscription on the
    /// user, and to those subscriptions' webhooks; it then ends those apps' subscriptions to the
    /// user's private event types (public ones need no authorization). Needs a Tokio runtime.
    ///
    /// # Errors
    ///
    /// An unknown user, no user (or, for `news.new`, no keyword), or no matching subscription.
    pub fn trigger_activity(
        &self,
        trigger: &ActivityTrigger<'_>,
    ) -> Result<ActivityDelivered, TriggerError> {
        let ty = trigger.event_type;
        let keyword = trigger.keyword.filter(|k| !k.is_empty());
        if keyword.is_some() && ty != ActivityType::NewsNew {
            return Err(TriggerError::BadRequest(format!(
                "a keyword matches news.new items only, not {ty}"
            )));
        }
        let direction =
            event_direction(ty, trigger.direction.as_ref()).map_err(TriggerError::BadRequest)?;
        if ty == ActivityType::NewsNew && keyword.is_none() {
            return Err(TriggerError::BadRequest(
                "news.new is matched by keyword: give one".to_owned(),
            ));
        }
        let user_id = match trigger.user_id {
            Some(u) => Some(u.to_owned()),
            None if ty == ActivityType::NewsNew => None,
            None => {
                return Err(TriggerError::BadRequest(format!(
                    "{ty} happens to a user: give the user id"
                )));
            }
        };
        let (matches, subject, other) = {
            let state = self.state();
            let subject = match &user_id {
                Some(u) => state
                    .user(u)
                    .map(|u| (u.user_id.clone(), u.screen_name.clone()))
                    .ok_or_else(|| TriggerError::UnknownUser(u.clone()))?,
                None => state
                    .users()
                    .first()
                    .map(|u| (u.user_id.clone(), u.screen_name.clone()))
                    .unwrap_or_default(),
            };
            let other = state
                .users()
                .iter()
                .find(|u| u.user_id != subject.0)
                .map_or_else(
                    || ("783214".to_owned(), "XDevelopers".to_owned()),
                    |u| (u.user_id.clone(), u.screen_name.clone()),
                );
            let direction = direction.as_ref();
            let mut matches: Vec<Match> = Vec::new();
            let target = |webhook_id: &str| -> Option<Target> {
                let w = state
                    .webhooks
                    .iter()
                    .find(|w| w.id == webhook_id && w.valid)?;
                let app = state.app(&w.app_id)?;
                Some(Target::new(&w.id, &w.url, &app.consumer_secret))
            };
            if ty == ActivityType::OauthRevoke {
                for app in state.apps() {
                    let subs: Vec<_> = state
                        .activity
                        .of_app(&app.app_id)
                        .filter(|s| s.user_id.as_deref() == user_id.as_deref())
                        .collect();
                    if subs.is_empty() {
                        continue;
                    }
                    let mut webhooks: Vec<&str> = subs
                        .iter()
                        .filter_map(|s| s.webhook_id.as_deref())
                        .collect();
                    webhooks.sort_unstable();
                    webhooks.dedup();
                    matches.push(Match {
                        app_id: app.app_id.clone(),
                        subscription_id: None,
                        filter: ActivityFilter::default(),
                        tag: None,
                        targets: webhooks.into_iter().filter_map(target).collect(),
                    });
                }
            } else {
                for sub in &state.activity.subscriptions {
                    if sub.matches(ty, user_id.as_deref(), keyword, direction) {
                        matches.push(Match {
                            app_id: sub.app_id.clone(),
                            subscription_id: Some(sub.id.clone()),
                            filter: sub.filter(),
                            tag: sub.tag.clone(),
                            targets: sub
                                .webhook_id
                                .as_deref()
                                .and_then(target)
                                .into_iter()
                                .collect(),
                        });
                    }
                }
            }
            (matches, subject, other)
        };
        if matches.is_empty() {
            let whom = match (&user_id, keyword) {
                (Some(u), _) => format!("user {u}"),
                (None, k) => format!("the keyword {:?}", k.unwrap_or_default()),
            };
            let way = direction
                .as_ref()
                .map(|d| format!(" going {d}"))
                .unwrap_or_default();
            return Err(TriggerError::NoActivitySubscription(format!(
                "{ty}{way} for {whom}"
            )));
        }
        let now_ms = self.now().saturating_mul(1000);
        let subject_party = Party::new(&subject.0, &subject.1);
        let other_party = Party::new(&other.0, &other.1);
        let mut delivered = ActivityDelivered::default();
        for _ in 0..trigger.count {
            let event = {
                let mut g = self
                    .inner
                    .activity_generator
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let app_id = matches.first().map_or("", |m| m.app_id.as_str());
                let mut event = g.event(
                    ty,
                    &subject_party,
                    &other_party,
                    app_id,
                    now_ms,
                    direction.as_ref(),
                );
                if let (Some(k), Some(name)) = (keyword, event.payload.get_mut("name")) {
                    *name = serde_json::Value::from(format!(
                        "{k}: {}",
                        name.as_str().unwrap_or_default()
                    ));
                }
                let uuids: Vec<String> = (0..matches.len()).map(|_| g.event_uuid(now_ms)).collect();
                (event, uuids)
            };
            let (event, uuids) = event;
            for (m, uuid) in matches.iter().zip(uuids) {
                let body = Bytes::from(event.with_uuid(uuid).envelope(&m.filter, m.tag.as_deref()));
                let mut line = body.to_vec();
                line.extend_from_slice(b"\r\n");
                delivered.stream_copies +=
                    self.inner
                        .streams
                        .publish(&m.app_id, now_ms, &Bytes::from(line));
                for t in &m.targets {
                    delivered.webhooks.push(t.webhook_id.clone());
                }
                if !m.targets.is_empty() {
                    self.inner
                        .deliverer
                        .dispatch(m.targets.clone(), std::slice::from_ref(&body));
                }
                delivered.events += 1;
            }
        }
        if ty == ActivityType::OauthRevoke {
            // The app may no longer read the user's private events.
            if let Some(user) = &user_id {
                let apps: Vec<&str> = matches.iter().map(|m| m.app_id.as_str()).collect();
                let mut state = self.state();
                state.activity.subscriptions.retain(|s| {
                    let ended = s.event_type.is_private()
                        && s.user_id.as_deref() == Some(user.as_str())
                        && apps.contains(&s.app_id.as_str());
                    if ended {
                        tracing::info!(subscription_id = %s.id, "revoke ended the activity subscription");
                    }
                    !ended
                });
            }
        }
        delivered.webhooks.sort_unstable();
        delivered.webhooks.dedup();
        delivered.subscriptions = matches
            .iter()
            .filter_map(|m| m.subscription_id.clone())
            .collect();
        tracing::info!(
            event_type = %ty,
            events = delivered.events,
            webhooks = delivered.webhooks.len(),
            stream_copies = delivered.stream_copies,
            "triggered x activity api events"
        );
        Ok(delivered)
    }

    /// Ends every subscription of `user_id` on the webhooks of `app_id`: the user revoked the
    /// app's access, so X sends nothing more for that user to that app.
    fn end_subscriptions(&self, user_id: &str, app_id: &str) {
        let mut state = self.state();
        for webhook in state.webhooks.iter_mut().filter(|w| w.app_id == app_id) {
            if webhook.subscriptions.remove(user_id) {
                tracing::info!(webhook_id = %webhook.id, user_id, "revoke ended the subscription");
            }
        }
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

    /// Runs the periodic CRC check now, as X does daily: every valid webhook is checked, and one
    /// that fails is marked invalid. An invalid webhook is not checked again and stays invalid,
    /// receiving nothing, until a `PUT` (trigger CRC) passes, as X's reference says. Returns
    /// (webhook id, valid) for every webhook.
    pub async fn recheck_webhooks(&self) -> Vec<(String, bool)> {
        let webhooks: Vec<(String, Option<(String, String)>)> = {
            let state = self.state();
            state
                .webhooks
                .iter()
                .map(|w| {
                    let check = state
                        .app(&w.app_id)
                        .filter(|_| w.valid)
                        .map(|app| (w.url.clone(), app.consumer_secret.clone()));
                    (w.id.clone(), check)
                })
                .collect()
        };
        let deadline = self.options().crc_deadline;
        let mut out = Vec::with_capacity(webhooks.len());
        for (id, check) in webhooks {
            let Some((url, secret)) = check else {
                out.push((id, false));
                continue;
            };
            let passed = crc::check(self.inner.deliverer.client(), &url, &secret, deadline)
                .await
                .is_ok();
            if let Some(w) = self.state().webhooks.iter_mut().find(|w| w.id == id) {
                if !passed && w.valid {
                    tracing::info!(webhook_id = %id, "periodic CRC check failed: webhook invalid until a PUT passes");
                    w.valid = false;
                }
            }
            out.push((id, passed));
        }
        out
    }
}

/// The user and app of a body that is a revoke (`{"user_event":{"revoke":{"source":{"user_id"},
/// "target":{"app_id"}}}}`).
fn revoke_of(body: &[u8]) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let revoke = v.get("user_event")?.get("revoke")?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Some((
        text(revoke.get("source")?.get("user_id")?)?,
        text(revoke.get("target")?.get("app_id")?)?,
    ))
}
