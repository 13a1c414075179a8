//! The Account Activity family: the v1.1 enterprise endpoints (`/1.1/account_activity/...`)
//! and their v2 counterparts (`/2/webhooks`, `/2/account_activity/...`), with their route table
//! and handlers. Replay has its own module beside this one.

use std::collections::BTreeSet;

use aaa_crypto::oauth1::form_decode;
use aaa_model::rest::codes;
use http::{Method, Response, StatusCode};

use super::rate::Limit;
use super::{Incoming, authorize, replay};
use crate::auth::{Need, Who, unauthorized};
use crate::consts::{
    CODE_INTERNAL, NO_ACCESS, NO_VIEW_PERMISSION, NOT_PERMITTED, PAGE_NOT_FOUND,
    SUBSCRIPTION_EXISTS, TOO_MANY, URL_INVALID, URL_MISSING, URL_NOT_HTTPS, URL_TAKEN,
    WEBHOOK_NOT_FOUND,
};
use crate::crc;
use crate::delivery::replay::Kind;
use crate::emulator::Emulator;
use crate::options::RateLimits;
use crate::reply::{ResponseBody, Version, error, json, no_content};
use crate::rng::random_id;
use crate::state::{App, State, Webhook};
use crate::time::{rfc3339_millis, webhook_created_at};

/// The operations, one per row of X's endpoint table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Register,
    ListWebhooks,
    TriggerCrc,
    DeleteWebhook,
    Subscribe,
    CheckSubscription,
    Count,
    ListSubscriptions,
    Deactivate,
    DeactivateUser,
    Replay,
    WebhookReplay,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Register => "register",
            Op::ListWebhooks => "list-webhooks",
            Op::TriggerCrc => "trigger-crc",
            Op::DeleteWebhook => "delete-webhook",
            Op::Subscribe => "subscribe",
            Op::CheckSubscription => "check-subscription",
            Op::Count => "count",
            Op::ListSubscriptions => "list-subscriptions",
            Op::Deactivate => "deactivate",
            Op::DeactivateUser => "deactivate-user",
            Op::Replay => "replay",
            Op::WebhookReplay => "webhook-replay",
        }
    }

    /// The name of the v2 endpoint's window: X counts each endpoint apart, v1.1 and v2 too.
    fn v2_name(self) -> &'static str {
        match self {
            Op::Register => "v2 register",
            Op::ListWebhooks => "v2 list-webhooks",
            Op::TriggerCrc => "v2 trigger-crc",
            Op::DeleteWebhook => "v2 delete-webhook",
            Op::Subscribe => "v2 subscribe",
            Op::CheckSubscription => "v2 check-subscription",
            Op::Count => "v2 count",
            Op::ListSubscriptions => "v2 list-subscriptions",
            Op::Deactivate => "v2 deactivate",
            Op::DeactivateUser => "v2 deactivate-user",
            Op::Replay => "v2 replay",
            Op::WebhookReplay => "webhook-replay",
        }
    }

    /// The rate-limit window the operation counts against.
    fn limit(self, version: Version, limits: &RateLimits) -> Limit {
        let per_window = match self {
            Op::Register | Op::ListWebhooks | Op::TriggerCrc | Op::DeleteWebhook => match version {
                Version::V1 => limits.webhooks,
                Version::V2 => limits.v2_webhooks,
            },
            Op::Count => limits.count,
            Op::ListSubscriptions => limits.list_subscriptions,
            Op::Replay => limits.replay,
            Op::WebhookReplay => limits.webhook_replay,
            Op::Subscribe | Op::CheckSubscription | Op::Deactivate | Op::DeactivateUser => {
                limits.subscriptions
            }
        };
        Limit {
            endpoint: match version {
                Version::V1 => self.name(),
                Version::V2 => self.v2_name(),
            },
            per_window,
        }
    }

    fn need(self, version: Version) -> Need {
        match self {
            Op::Register | Op::TriggerCrc | Op::DeleteWebhook => match version {
                Version::V1 => Need::User,
                Version::V2 => Need::UserOrBearer,
            },
            Op::Subscribe | Op::CheckSubscription | Op::Deactivate => Need::User,
            Op::ListWebhooks
            | Op::Count
            | Op::ListSubscriptions
            | Op::DeactivateUser
            | Op::Replay
            | Op::WebhookReplay => Need::Bearer,
        }
    }
}

/// A request routed to one of the family's endpoints.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) version: Version,
    pub(crate) op: Op,
    pub(crate) webhook_id: Option<String>,
    pub(crate) user_id: Option<String>,
}

pub(crate) fn route(method: &Method, path: &str) -> Option<Route> {
    let (version, rest) = if let Some(rest) = path.strip_prefix("/1.1/account_activity/") {
        (Version::V1, rest.strip_suffix(".json")?)
    } else if let Some(rest) = path.strip_prefix("/2/") {
        (Version::V2, rest)
    } else {
        return None;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let id = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let m = method.clone();
    let (op, webhook_id, user_id) = match (version, parts.as_slice()) {
        (Version::V2, ["webhooks", "replay"]) if m == Method::POST => {
            (Op::WebhookReplay, None, None)
        }
        (Version::V1, ["replay", "webhooks", w, "subscriptions", "all"])
        | (
            Version::V2,
            [
                "account_activity",
                "replay",
                "webhooks",
                w,
                "subscriptions",
                "all",
            ],
        ) if m == Method::POST => (Op::Replay, id(w), None),
        (_, ["webhooks"]) => match m {
            Method::POST => (Op::Register, None, None),
            Method::GET => (Op::ListWebhooks, None, None),
            _ => return None,
        },
        (_, ["webhooks", w]) => match m {
            Method::PUT => (Op::TriggerCrc, id(w), None),
            Method::DELETE => (Op::DeleteWebhook, id(w), None),
            _ => return None,
        },
        (Version::V1, ["webhooks", w, "subscriptions", "all"])
        | (Version::V2, ["account_activity", "webhooks", w, "subscriptions", "all"]) => match m {
            Method::POST => (Op::Subscribe, id(w), None),
            Method::GET => (Op::CheckSubscription, id(w), None),
            Method::DELETE if version == Version::V1 => (Op::Deactivate, id(w), None),
            _ => return None,
        },
        (Version::V1, ["webhooks", w, "subscriptions", "all", "list"])
        | (
            Version::V2,
            [
                "account_activity",
                "webhooks",
                w,
                "subscriptions",
                "all",
                "list",
            ],
        ) => match m {
            Method::GET => (Op::ListSubscriptions, id(w), None),
            _ => return None,
        },
        (Version::V1, ["webhooks", w, "subscriptions", u, "all"])
        | (Version::V2, ["account_activity", "webhooks", w, "subscriptions", u, "all"]) => {
            match m {
                Method::DELETE => (Op::DeactivateUser, id(w), id(u)),
                _ => return None,
            }
        }
        (Version::V1, ["subscriptions", "count"])
        | (Version::V2, ["account_activity", "subscriptions", "count"]) => match m {
            Method::GET => (Op::Count, None, None),
            _ => return None,
        },
        _ => return None,
    };
    if matches!(
        op,
        Op::Register | Op::ListWebhooks | Op::Count | Op::WebhookReplay
    ) != webhook_id.is_none()
    {
        return None;
    }
    Some(Route {
        version,
        op,
        webhook_id,
        user_id,
    })
}

/// Authenticates, counts the call, and runs the endpoint's handler.
pub(crate) async fn handle(
    emulator: &Emulator,
    route: Route,
    req: &Incoming,
) -> Response<ResponseBody> {
    let Route {
        version,
        op,
        webhook_id,
        user_id,
    } = route;
    let limit = op.limit(version, &emulator.options().rate_limits);
    let (who, rate) = match authorize(emulator, version, op.need(version), limit, req) {
        Ok(ok) => ok,
        Err(refusal) => return refusal,
    };
    let res = match op {
        Op::Register => register(emulator, version, &who, req).await,
        Op::TriggerCrc => {
            trigger_crc(
                emulator,
                version,
                &who,
                webhook_id.as_deref().unwrap_or_default(),
            )
            .await
        }
        Op::Replay | Op::WebhookReplay => {
            let kind = if op == Op::WebhookReplay {
                Kind::Webhook
            } else {
                Kind::Subscriptions
            };
            replay::replay(emulator, version, kind, &who, webhook_id, req)
        }
        _ => {
            let mut state = emulator.state();
            let webhook_id = webhook_id.as_deref().unwrap_or_default();
            match op {
                Op::ListWebhooks => list_webhooks(&state, version, &who),
                Op::DeleteWebhook => delete_webhook(&mut state, version, &who, webhook_id),
                Op::Count => count(&state, version, &who),
                _ => subscriptions(
                    &mut state,
                    version,
                    op,
                    &who,
                    webhook_id,
                    user_id.as_deref(),
                ),
            }
        }
    };
    rate.apply(res)
}

/// Register: URL rules, the webhook limit, a CRC check, then the new webhook.
async fn register(
    emulator: &Emulator,
    version: Version,
    who: &Who,
    req: &Incoming,
) -> Response<ResponseBody> {
    let url = match version {
        Version::V1 => req
            .query
            .iter()
            .chain(req.form.iter())
            .filter_map(|q| form_decode(q).ok())
            .flatten()
            .find(|(n, _)| n == "url")
            .map(|(_, v)| v),
        Version::V2 => serde_json::from_slice::<serde_json::Value>(&req.body)
            .ok()
            .and_then(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_owned)),
    };
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        return error(
            version,
            StatusCode::BAD_REQUEST,
            codes::MISSING_PARAMETER,
            URL_MISSING,
        );
    };
    if let Err(message) = check_url(&url, emulator.options().strict_urls) {
        return webhook_problem(version, message);
    }
    let secret = {
        let state = emulator.state();
        let app = match owner_app(&state, version, who) {
            Ok(app) => app,
            Err(res) => return res,
        };
        if let Err(refusal) = room_for(&state, version, app, &url) {
            return refusal;
        }
        app.consumer_secret.clone()
    };
    if let Err(failure) = crc::check(
        emulator.deliverer().client(),
        &url,
        &secret,
        emulator.options().crc_deadline,
    )
    .await
    {
        return webhook_problem(version, failure.message());
    }
    let mut state = emulator.state();
    let app_id = who.app_id().to_owned();
    // Checked again: another registration may have got in while the CRC ran unlocked.
    if let Some(app) = state.app(&app_id) {
        if let Err(refusal) = room_for(&state, version, app, &url) {
            return refusal;
        }
    }
    let Ok(id) = random_id() else {
        return error(
            version,
            StatusCode::INTERNAL_SERVER_ERROR,
            CODE_INTERNAL,
            "Internal error",
        );
    };
    let webhook = Webhook {
        id: id.to_string(),
        app_id,
        url,
        valid: true,
        created: emulator.now(),
        subscriptions: BTreeSet::new(),
    };
    let body = webhook_json(&webhook, version);
    state.webhooks.push(webhook);
    match version {
        Version::V1 => json(StatusCode::OK, &body),
        Version::V2 => json(StatusCode::OK, &serde_json::json!({ "data": body })),
    }
}

/// Trigger CRC: a fresh check whose outcome sets `valid`.
async fn trigger_crc(
    emulator: &Emulator,
    version: Version,
    who: &Who,
    id: &str,
) -> Response<ResponseBody> {
    let (url, secret) = {
        let state = emulator.state();
        let app = match owner_app(&state, version, who) {
            Ok(app) => app,
            Err(res) => return res,
        };
        let Some(webhook) = find_webhook(&state, &app.app_id, id) else {
            return webhook_not_found(version);
        };
        (webhook.url.clone(), app.consumer_secret.clone())
    };
    let outcome = crc::check(
        emulator.deliverer().client(),
        &url,
        &secret,
        emulator.options().crc_deadline,
    )
    .await;
    let mut state = emulator.state();
    if let Some(webhook) = state.webhooks.iter_mut().find(|w| w.id == id) {
        webhook.valid = outcome.is_ok();
    }
    match (version, outcome) {
        (Version::V1, Ok(())) => no_content(),
        (Version::V2, Ok(())) => json(
            StatusCode::OK,
            &serde_json::json!({"data": {"attempted": true}}),
        ),
        (_, Err(failure)) => webhook_problem(version, failure.message()),
    }
}

fn not_found(version: Version) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        PAGE_NOT_FOUND,
    )
}

/// Code 34 for a webhook the app does not have, in the words of the PUT and subscribe
/// references.
fn webhook_not_found(version: Version) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        WEBHOOK_NOT_FOUND,
    )
}

/// Code 214, which X's reference documents with HTTP 403 for every reason: URL rules, CRC
/// failures, too many webhooks.
fn webhook_problem(version: Version, message: &str) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::FORBIDDEN,
        codes::WEBHOOK_PROBLEM,
        message,
    )
}

/// Whether `app` may register one more webhook at `url`: below its limit, and not at a URL it
/// has already (a second id would get every delivery twice).
// The refusal is the response itself, built at most once per request.
#[allow(clippy::result_large_err)]
fn room_for(
    state: &State,
    version: Version,
    app: &App,
    url: &str,
) -> Result<(), Response<ResponseBody>> {
    if state
        .webhooks
        .iter()
        .any(|w| w.app_id == app.app_id && w.url == url)
    {
        return Err(webhook_problem(version, URL_TAKEN));
    }
    if webhooks_of(state, &app.app_id) >= app.webhook_limit {
        return Err(webhook_problem(version, TOO_MANY));
    }
    Ok(())
}

/// The 401 of count and list for an app that is not the webhook's.
fn no_view_permission(version: Version) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::UNAUTHORIZED,
        i64::from(StatusCode::UNAUTHORIZED.as_u16()),
        NO_VIEW_PERMISSION,
    )
}

fn not_permitted(version: Version) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::FORBIDDEN,
        codes::NOT_PERMITTED,
        NOT_PERMITTED,
    )
}

/// The app of `who`, refusing a user context that is not the app's owner.
// The refusal is the response itself, built at most once per request.
#[allow(clippy::result_large_err)]
fn owner_app<'s>(
    state: &'s State,
    version: Version,
    who: &Who,
) -> Result<&'s App, Response<ResponseBody>> {
    let app = state
        .app(who.app_id())
        .ok_or_else(|| unauthorized(version))?;
    if let Who::User { user_id, .. } = who {
        if *user_id != app.owner {
            return Err(not_permitted(version));
        }
    }
    Ok(app)
}

fn webhooks_of(state: &State, app_id: &str) -> usize {
    state.webhooks.iter().filter(|w| w.app_id == app_id).count()
}

fn find_webhook<'s>(state: &'s State, app_id: &str, id: &str) -> Option<&'s Webhook> {
    state
        .webhooks
        .iter()
        .find(|w| w.id == id && w.app_id == app_id)
}

/// X's URL rules. Loose: `http` or `https`, a host, any port; plain `http` only to a loopback
/// host. Strict: `https`, no port, a host that is not loopback, private or link-local.
fn check_url(url: &str, strict: bool) -> Result<(), &'static str> {
    let uri: http::Uri = url.parse().map_err(|_| URL_INVALID)?;
    let host = uri.host().ok_or(URL_INVALID)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let scheme = uri.scheme_str().ok_or(URL_INVALID)?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if strict {
        if scheme != "https" {
            return Err(URL_NOT_HTTPS);
        }
        if uri.port().is_some() || loopback || is_private(host) {
            return Err(URL_INVALID);
        }
        return Ok(());
    }
    match scheme {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(URL_NOT_HTTPS),
        _ => Err(URL_INVALID),
    }
}

fn is_private(host: &str) -> bool {
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_private() || ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast()
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
        Err(_) => !host.contains('.'),
    }
}

fn webhook_json(webhook: &Webhook, version: Version) -> serde_json::Value {
    match version {
        Version::V1 => serde_json::json!({
            "id": webhook.id,
            "url": webhook.url,
            "valid": webhook.valid,
            "created_at": webhook_created_at(webhook.created),
        }),
        Version::V2 => serde_json::json!({
            "id": webhook.id,
            "url": webhook.url,
            "valid": webhook.valid,
            "created_at": rfc3339_millis(webhook.created),
        }),
    }
}

fn list_webhooks(state: &State, version: Version, who: &Who) -> Response<ResponseBody> {
    if !state
        .app(who.app_id())
        .is_some_and(|a| a.subscriptions_permitted)
    {
        return error(version, StatusCode::FORBIDDEN, codes::NO_ACCESS, NO_ACCESS);
    }
    let list: Vec<serde_json::Value> = state
        .webhooks
        .iter()
        .filter(|w| w.app_id == who.app_id())
        .map(|w| webhook_json(w, version))
        .collect();
    match version {
        Version::V1 => json(StatusCode::OK, &serde_json::Value::Array(list)),
        Version::V2 => {
            let n = list.len();
            json(
                StatusCode::OK,
                &serde_json::json!({"data": list, "meta": {"result_count": n}}),
            )
        }
    }
}

fn delete_webhook(
    state: &mut State,
    version: Version,
    who: &Who,
    id: &str,
) -> Response<ResponseBody> {
    let app_id = match owner_app(state, version, who) {
        Ok(app) => app.app_id.clone(),
        Err(res) => return res,
    };
    let before = state.webhooks.len();
    state
        .webhooks
        .retain(|w| !(w.id == id && w.app_id == app_id));
    if state.webhooks.len() == before {
        return webhook_not_found(version);
    }
    match version {
        Version::V1 => no_content(),
        Version::V2 => json(
            StatusCode::OK,
            &serde_json::json!({"data": {"deleted": true}}),
        ),
    }
}

fn count(state: &State, version: Version, who: &Who) -> Response<ResponseBody> {
    let Some(app) = state.app(who.app_id()) else {
        return unauthorized(version);
    };
    if !app.subscriptions_permitted {
        // An app without Account Activity access may not view subscriptions: X's reference
        // answers count with this 401.
        return no_view_permission(version);
    }
    let active: usize = state
        .webhooks
        .iter()
        .filter(|w| w.app_id == app.app_id)
        .map(|w| w.subscriptions.len())
        .sum();
    let account = state
        .user(&app.owner)
        .map_or("my-account", |u| u.screen_name.as_str());
    // Strings, as both references show them.
    let body = serde_json::json!({
        "account_name": account,
        "provisioned_count": app.subscription_limit.to_string(),
        "subscriptions_count_all": active.to_string(),
        "subscriptions_count_direct_messages": "0",
    });
    match version {
        Version::V1 => json(StatusCode::OK, &body),
        Version::V2 => json(StatusCode::OK, &serde_json::json!({ "data": body })),
    }
}

/// Subscribe, check, list, and both forms of deactivate.
fn subscriptions(
    state: &mut State,
    version: Version,
    op: Op,
    who: &Who,
    webhook_id: &str,
    target: Option<&str>,
) -> Response<ResponseBody> {
    let app_id = who.app_id().to_owned();
    let Some(app) = state.app(&app_id) else {
        return unauthorized(version);
    };
    if !app.subscriptions_permitted {
        return if op == Op::ListSubscriptions {
            no_view_permission(version)
        } else {
            not_permitted(version)
        };
    }
    let limit = app.subscription_limit;
    let active: usize = state
        .webhooks
        .iter()
        .filter(|w| w.app_id == app_id)
        .map(|w| w.subscriptions.len())
        .sum();
    if op == Op::ListSubscriptions
        && state
            .webhooks
            .iter()
            .any(|w| w.id == webhook_id && w.app_id != app_id)
    {
        return no_view_permission(version);
    }
    let Some(webhook) = state
        .webhooks
        .iter_mut()
        .find(|w| w.id == webhook_id && w.app_id == app_id)
    else {
        return webhook_not_found(version);
    };
    let user_id = match (who, target) {
        (_, Some(target)) => target.to_owned(),
        (Who::User { user_id, .. }, None) => user_id.clone(),
        (Who::App { .. }, None) => String::new(),
    };
    let subscribed = |yes: bool| {
        json(
            StatusCode::OK,
            &serde_json::json!({"data": {"subscribed": yes}}),
        )
    };
    match op {
        Op::Subscribe => {
            if webhook.subscriptions.contains(&user_id) {
                return error(
                    version,
                    StatusCode::CONFLICT,
                    codes::SUBSCRIPTION_EXISTS,
                    SUBSCRIPTION_EXISTS,
                );
            }
            if active >= limit {
                return error(
                    version,
                    StatusCode::FORBIDDEN,
                    codes::NOT_PERMITTED,
                    "Client application is not permitted to add more subscriptions: the \
                     subscription limit is reached.",
                );
            }
            webhook.subscriptions.insert(user_id);
            match version {
                Version::V1 => no_content(),
                Version::V2 => subscribed(true),
            }
        }
        Op::CheckSubscription => {
            let yes = webhook.subscriptions.contains(&user_id);
            match version {
                Version::V1 if yes => no_content(),
                Version::V1 => not_found(version),
                Version::V2 => subscribed(yes),
            }
        }
        Op::ListSubscriptions => {
            let list: Vec<serde_json::Value> = webhook
                .subscriptions
                .iter()
                .map(|u| serde_json::json!({ "user_id": u }))
                .collect();
            let body = serde_json::json!({
                "application_id": app_id,
                "webhook_id": webhook.id,
                "webhook_url": webhook.url,
                "subscriptions": list,
            });
            match version {
                Version::V1 => json(StatusCode::OK, &body),
                Version::V2 => json(StatusCode::OK, &serde_json::json!({ "data": body })),
            }
        }
        _ => {
            if !webhook.subscriptions.remove(&user_id) {
                return not_found(version);
            }
            match version {
                Version::V1 => no_content(),
                Version::V2 => subscribed(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_both_versions() {
        let r = route(&Method::POST, "/1.1/account_activity/webhooks.json").unwrap();
        assert_eq!((r.op, r.version), (Op::Register, Version::V1));
        let r = route(
            &Method::DELETE,
            "/2/account_activity/webhooks/9/subscriptions/42/all",
        )
        .unwrap();
        assert_eq!(
            r,
            Route {
                version: Version::V2,
                op: Op::DeactivateUser,
                webhook_id: Some("9".into()),
                user_id: Some("42".into()),
            }
        );
        assert!(
            route(
                &Method::DELETE,
                "/2/account_activity/webhooks/9/subscriptions/all"
            )
            .is_none()
        );
        assert!(route(&Method::GET, "/1.1/account_activity/webhooks").is_none());
        assert!(route(&Method::PATCH, "/2/webhooks/1").is_none());
    }

    #[test]
    fn url_rules() {
        assert_eq!(check_url("http://127.0.0.1:8080/hook", false), Ok(()));
        assert_eq!(
            check_url("http://example.com/hook", false),
            Err(URL_NOT_HTTPS)
        );
        assert_eq!(check_url("http://127.0.0.1/hook", true), Err(URL_NOT_HTTPS));
        assert_eq!(
            check_url("https://example.com:8443/hook", true),
            Err(URL_INVALID)
        );
        assert_eq!(check_url("https://10.1.2.3/hook", true), Err(URL_INVALID));
        assert_eq!(check_url("https://localhost/hook", true), Err(URL_INVALID));
        assert_eq!(check_url("https://example.com/hook", true), Ok(()));
        assert_eq!(check_url("not a url", false), Err(URL_INVALID));
    }
}
