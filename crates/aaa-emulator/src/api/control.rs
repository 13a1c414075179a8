//! The control endpoints under `/_emulator/`: inject activities, move the clock, run a CRC pass,
//! read the delivery counters and the webhooks. No authentication: the emulator is a loopback
//! tool. JSON in and out; errors are `{"error":"..."}`.

use bytes::Bytes;
use http::{Method, StatusCode};

use aaa_model::event::{ActivityType, Direction};

use crate::emulator::{ActivityTrigger, Emulator, TriggerError};
use crate::generate::Activity;
use crate::reply::{ResponseBody, json};

/// The path prefix of the control endpoints.
pub(crate) const PREFIX: &str = "/_emulator/";

type Response = http::Response<ResponseBody>;

fn status(e: &TriggerError) -> StatusCode {
    match e {
        TriggerError::UnknownUser(_) => StatusCode::NOT_FOUND,
        TriggerError::NotSubscribed(_) | TriggerError::NoActivitySubscription(_) => {
            StatusCode::CONFLICT
        }
        TriggerError::UnknownKind(_) | TriggerError::BadRequest(_) => StatusCode::BAD_REQUEST,
    }
}

/// `/_emulator/...`: `POST trigger`, `POST clock`, `POST crc`, `GET deliveries`,
/// `GET webhooks`, `GET activity`.
pub(crate) async fn control(
    emulator: &Emulator,
    method: &Method,
    path: &str,
    body: &Bytes,
) -> Response {
    let rest = path.strip_prefix(PREFIX).unwrap_or_default();
    let request: serde_json::Value = if body.is_empty() {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice(body) {
            Ok(v @ serde_json::Value::Object(_)) => v,
            _ => {
                return control_error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
            }
        }
    };
    match (method, rest) {
        (&Method::POST, "trigger") => match trigger_request(emulator, &request) {
            Ok(v) => json(StatusCode::OK, &v),
            Err(e) => control_error(status(&e), &e.to_string()),
        },
        (&Method::POST, "clock") => {
            let Some(secs) = request
                .get("advance_secs")
                .and_then(serde_json::Value::as_i64)
            else {
                return control_error(StatusCode::BAD_REQUEST, "expected {\"advance_secs\": N}");
            };
            let now = emulator.advance_clock(secs);
            json(StatusCode::OK, &serde_json::json!({ "now": now }))
        }
        (&Method::POST, "crc") => {
            let list: Vec<serde_json::Value> = emulator
                .recheck_webhooks()
                .await
                .into_iter()
                .map(|(id, valid)| serde_json::json!({"id": id, "valid": valid}))
                .collect();
            json(StatusCode::OK, &serde_json::json!({ "webhooks": list }))
        }
        (&Method::GET, "deliveries") => json(
            StatusCode::OK,
            &serde_json::to_value(emulator.delivery_stats()).unwrap_or_default(),
        ),
        (&Method::GET, "activity") => {
            let state = emulator.state();
            let subscriptions: Vec<serde_json::Value> = state
                .activity
                .subscriptions
                .iter()
                .map(|s| {
                    let mut v = serde_json::to_value(s.to_model()).unwrap_or_default();
                    v["app_id"] = serde_json::Value::from(s.app_id.as_str());
                    v
                })
                .collect();
            let streams: serde_json::Map<String, serde_json::Value> = state
                .apps()
                .iter()
                .map(|a| {
                    let open = emulator.streams().open_connections(&a.app_id);
                    (a.app_id.clone(), serde_json::Value::from(open))
                })
                .collect();
            json(
                StatusCode::OK,
                &serde_json::json!({ "subscriptions": subscriptions, "streams": streams }),
            )
        }
        (&Method::GET, "webhooks") => {
            let state = emulator.state();
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

/// The `count` of a trigger request: 1 to 10000, 1 when absent.
fn count(request: &serde_json::Value) -> Result<usize, TriggerError> {
    request
        .get("count")
        .map_or(Some(1), serde_json::Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            TriggerError::BadRequest("count must be a number from 1 to 10000".to_owned())
        })
}

/// `{"kind":"post.create","user_id","count","direction"?,"keyword"?}`: X Activity API events.
fn trigger_activity_request(
    emulator: &Emulator,
    ty: ActivityType,
    request: &serde_json::Value,
) -> Result<serde_json::Value, TriggerError> {
    let text = |name: &str| request.get(name).and_then(serde_json::Value::as_str);
    let direction = match text("direction") {
        None => None,
        Some(d) => {
            let d = Direction::from_text(d.to_owned().into());
            if !d.is_known() {
                return Err(TriggerError::BadRequest(format!(
                    "direction must be inbound or outbound, not {d}"
                )));
            }
            Some(d)
        }
    };
    let trigger = ActivityTrigger {
        event_type: ty,
        user_id: text("user_id"),
        keyword: text("keyword"),
        direction,
        count: count(request)?,
    };
    let done = emulator.trigger_activity(&trigger)?;
    Ok(serde_json::json!({
        "user_id": trigger.user_id,
        "event_type": ty.as_str(),
        "webhooks": done.webhooks,
        "subscriptions": done.subscriptions,
        "activities": trigger.count,
        "events": done.events,
        "stream_copies": done.stream_copies,
    }))
}

/// `{"user_id", "payload": {...}}` or `{"user_id", "kind", "count"}`; a dotted kind
/// (`post.create`) is an X Activity API event type.
fn trigger_request(
    emulator: &Emulator,
    request: &serde_json::Value,
) -> Result<serde_json::Value, TriggerError> {
    if let Some(kind) = request.get("kind").and_then(serde_json::Value::as_str) {
        if kind.contains('.') {
            let ty = ActivityType::from_name(kind)
                .ok_or_else(|| TriggerError::UnknownKind(kind.to_owned()))?;
            return trigger_activity_request(emulator, ty, request);
        }
    }
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
        (emulator.deliver(&user_id, &[body])?, 1)
    } else {
        let kind = request
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| TriggerError::BadRequest("kind or payload is required".to_owned()))?;
        let count = count(request)?;
        (trigger_named(emulator, kind, &user_id, count)?, count)
    };
    Ok(serde_json::json!({
        "user_id": user_id,
        "webhooks": webhooks,
        "activities": count,
    }))
}

fn control_error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

fn trigger_named(
    emulator: &Emulator,
    kind: &str,
    user_id: &str,
    count: usize,
) -> Result<Vec<String>, TriggerError> {
    let activity =
        Activity::from_name(kind).ok_or_else(|| TriggerError::UnknownKind(kind.to_owned()))?;
    emulator.trigger(activity, user_id, count)
}
