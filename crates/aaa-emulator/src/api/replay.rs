//! The replay endpoints of the Account Activity family: the window from the query (v1.1 and
//! v2 account activity) or from a JSON body (`/2/webhooks/replay`), checked against X's rules,
//! then a job handed to the delivery machinery.

use aaa_model::rest::codes;
use http::{Response, StatusCode};

use super::Incoming;
use crate::auth::Who;
use crate::consts::{CODE_INTERNAL, COULD_NOT_AUTHENTICATE, PAGE_NOT_FOUND};
use crate::delivery::Target;
use crate::delivery::replay::{Kind, check_window};
use crate::emulator::Emulator;
use crate::reply::{ResponseBody, Version, error, json};
use crate::rng::random_id;
use crate::time::{replay_created_at, rfc3339_millis};

/// The replay endpoints: the window from the query (v1.1 and v2 account activity) or from
/// a JSON body `{"webhook_id","from_date","to_date"}` (`/2/webhooks/replay`).
pub(crate) fn replay(
    emulator: &Emulator,
    version: Version,
    kind: Kind,
    who: &Who,
    webhook_id: Option<String>,
    req: &Incoming,
) -> Response<ResponseBody> {
    let (webhook_id, from, to) = if kind == Kind::Webhook {
        let body: serde_json::Value =
            serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
        let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        (field("webhook_id"), field("from_date"), field("to_date"))
    } else {
        (
            webhook_id,
            req.query_param("from_date"),
            req.query_param("to_date"),
        )
    };
    let Some(webhook_id) = webhook_id.filter(|w| !w.is_empty()) else {
        return error(
            version,
            StatusCode::BAD_REQUEST,
            codes::MISSING_PARAMETER,
            "webhook_id: A required parameter is missing.",
        );
    };
    start_replay(
        emulator,
        version,
        kind,
        who.app_id(),
        &webhook_id,
        (from.as_deref(), to.as_deref()),
    )
}

/// Starts a replay job for `webhook_id` of the app `app_id` over the window `from`..`to`
/// (`yyyymmddhhmm`), answering as X does.
fn start_replay(
    emulator: &Emulator,
    version: Version,
    kind: Kind,
    app_id: &str,
    webhook_id: &str,
    window: (Option<&str>, Option<&str>),
) -> Response<ResponseBody> {
    let (from, to) = match check_window(
        window.0,
        window.1,
        emulator.now(),
        kind,
        emulator.options().replay_min_age,
    ) {
        Ok(w) => w,
        Err(e) => {
            return error(version, StatusCode::BAD_REQUEST, 400, e.message());
        }
    };
    let (target, secret, job_id) = {
        let mut state = emulator.state();
        let Some(webhook) = state
            .webhooks
            .iter()
            .find(|w| w.id == webhook_id && w.app_id == app_id)
        else {
            return error(
                version,
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                PAGE_NOT_FOUND,
            );
        };
        let Some(app) = state.app(app_id) else {
            return error(
                version,
                StatusCode::UNAUTHORIZED,
                codes::COULD_NOT_AUTHENTICATE,
                COULD_NOT_AUTHENTICATE,
            );
        };
        let secret = app.consumer_secret.clone();
        let target = Target::new(&webhook.id, &webhook.url, &secret);
        if state.replay_jobs.contains_key(webhook_id) {
            return error(
                version,
                StatusCode::CONFLICT,
                409,
                "A replay job is already running for this webhook.",
            );
        }
        let Ok(job) = random_id() else {
            return error(
                version,
                StatusCode::INTERNAL_SERVER_ERROR,
                CODE_INTERNAL,
                "Internal error",
            );
        };
        let job_id = job.to_string();
        state
            .replay_jobs
            .insert(webhook_id.to_owned(), job_id.clone());
        (target, secret, job_id)
    };
    let created = emulator.now();
    emulator
        .deliverer()
        .spawn_replay(target, secret, job_id.clone(), (from, to));
    match version {
        Version::V1 => json(
            StatusCode::ACCEPTED,
            &serde_json::json!({"job_id": job_id, "created_at": replay_created_at(created)}),
        ),
        Version::V2 => json(
            StatusCode::OK,
            &serde_json::json!({"data": {"job_id": job_id, "created_at": rfc3339_millis(created)}}),
        ),
    }
}
