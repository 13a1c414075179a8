//! Driving the emulator: injecting activities, moving its clock, re-running CRC checks and
//! reading delivery counters, from Rust or over HTTP under `/_emulator/`.

use std::fmt;

use bytes::Bytes;
use http::{Method, StatusCode};

use crate::crc;
use crate::delivery::Target;
use crate::generate::{Activity, Party};
use crate::reply::{ResponseBody, json};
use crate::service::Emulator;

/// The path prefix of the control endpoints.
pub(crate) const PREFIX: &str = "/_emulator/";

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

impl TriggerError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnknownUser(_) => StatusCode::NOT_FOUND,
            Self::NotSubscribed(_) => StatusCode::CONFLICT,
            Self::UnknownKind(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl Emulator {
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
        self.dispatch(targets, bodies);
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
            let mut generator = self.generator();
            (0..count)
                .map(|_| {
                    Bytes::from(generator.envelope(activity, &subject, &other, &app_id, now_ms))
                })
                .collect()
        };
        let ids = targets.iter().map(|t| t.webhook_id.clone()).collect();
        tracing::info!(activity = activity.name(), user_id, count, "triggered");
        self.dispatch(targets, &bodies);
        Ok(ids)
    }

    fn trigger_named(
        &self,
        kind: &str,
        user_id: &str,
        count: usize,
    ) -> Result<Vec<String>, TriggerError> {
        let activity =
            Activity::from_name(kind).ok_or_else(|| TriggerError::UnknownKind(kind.to_owned()))?;
        self.trigger(activity, user_id, count)
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
            let valid = crc::check(self.deliverer().client(), &url, &secret, deadline)
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

    /// `/_emulator/...`: `POST trigger`, `POST clock`, `POST crc`, `GET deliveries`,
    /// `GET webhooks`.
    pub(crate) async fn control(&self, method: &Method, path: &str, body: &Bytes) -> Response {
        let rest = path.strip_prefix(PREFIX).unwrap_or_default();
        let request: serde_json::Value = if body.is_empty() {
            serde_json::Value::Object(serde_json::Map::new())
        } else {
            match serde_json::from_slice(body) {
                Ok(v @ serde_json::Value::Object(_)) => v,
                _ => {
                    return control_error(
                        StatusCode::BAD_REQUEST,
                        "the body must be a JSON object",
                    );
                }
            }
        };
        match (method, rest) {
            (&Method::POST, "trigger") => match self.trigger_request(&request) {
                Ok(v) => json(StatusCode::OK, &v),
                Err(e) => control_error(e.status(), &e.to_string()),
            },
            (&Method::POST, "clock") => {
                let Some(secs) = request
                    .get("advance_secs")
                    .and_then(serde_json::Value::as_i64)
                else {
                    return control_error(
                        StatusCode::BAD_REQUEST,
                        "expected {\"advance_secs\": N}",
                    );
                };
                let now = self.advance_clock(secs);
                json(StatusCode::OK, &serde_json::json!({ "now": now }))
            }
            (&Method::POST, "crc") => {
                let list: Vec<serde_json::Value> = self
                    .recheck_webhooks()
                    .await
                    .into_iter()
                    .map(|(id, valid)| serde_json::json!({"id": id, "valid": valid}))
                    .collect();
                json(StatusCode::OK, &serde_json::json!({ "webhooks": list }))
            }
            (&Method::GET, "deliveries") => json(
                StatusCode::OK,
                &serde_json::to_value(self.delivery_stats()).unwrap_or_default(),
            ),
            (&Method::GET, "webhooks") => {
                let state = self.state();
                let list: Vec<serde_json::Value> = state
                    .webhooks
                    .iter()
                    .map(|w| {
                        serde_json::json!({
                            "id": w.id,
                            "app_id": w.app_id,
                            "url": w.url,
                            "valid": w.valid,
                            "subscriptions": w.subscriptions,
                        })
                    })
                    .collect();
                json(StatusCode::OK, &serde_json::json!({ "webhooks": list }))
            }
            _ => control_error(
                StatusCode::NOT_FOUND,
                "unknown control endpoint; see docs/emulator.md",
            ),
        }
    }

    /// `{"user_id", "payload": {...}}` or `{"user_id", "kind", "count"}`.
    fn trigger_request(
        &self,
        request: &serde_json::Value,
    ) -> Result<serde_json::Value, TriggerError> {
        let payload = request.get("payload");
        let user_id = match request.get("user_id").and_then(serde_json::Value::as_str) {
            Some(id) => id.to_owned(),
            None => payload
                .and_then(|p| p.get("for_user_id"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    TriggerError::BadRequest(
                        "user_id is required (with a payload that has no for_user_id: --user)"
                            .to_owned(),
                    )
                })?,
        };
        let (webhooks, count) = if let Some(payload) = payload {
            if !payload.is_object() {
                return Err(TriggerError::BadRequest(
                    "payload must be a JSON object".to_owned(),
                ));
            }
            let body = Bytes::from(payload.to_string());
            (self.deliver(&user_id, &[body])?, 1)
        } else {
            let kind = request
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| {
                    TriggerError::BadRequest("kind or payload is required".to_owned())
                })?;
            let count = request
                .get("count")
                .map_or(Some(1), serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| {
                    TriggerError::BadRequest("count must be a number from 1 to 10000".to_owned())
                })?;
            (self.trigger_named(kind, &user_id, count)?, count)
        };
        Ok(serde_json::json!({
            "user_id": user_id,
            "webhooks": webhooks,
            "activities": count,
        }))
    }
}

fn control_error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

type Response = http::Response<ResponseBody>;
