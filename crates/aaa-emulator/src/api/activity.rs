//! The X Activity API: `/2/activity/subscriptions` (create, list, update, delete, bulk delete)
//! and `GET /2/activity/stream`, with X's validation, limits and authentication.
//!
//! Authentication per endpoint follows the OpenAPI spec: create and list take an OAuth 2.0
//! user token, OAuth 1.0a user context or the app's bearer token; update, delete, bulk delete
//! and the stream take the bearer token only. A private event type (likes, direct messages,
//! chats, mentions, replies, quotes, reposts, mutes, blocks, broadcast chats) can only be
//! subscribed to with the authorization of the user it filters on.

use aaa_model::event::{ActivityType, Direction, FilterKind};
use aaa_model::rest::{
    ActivitySubscriptionAnswer, ActivitySubscriptionDeleted, ActivitySubscriptionPage,
    ActivitySubscriptionUpdate, ActivitySubscriptionsDeleted, DeletedSubscription,
    NewActivitySubscription, ProblemKind, SubscriptionFailure, TotalSubscriptions,
};
use aaa_model::{SubscriptionId, Timestamp};
use http::{HeaderValue, Method, Response, StatusCode, header};

use super::Incoming;
use super::rate::{self, Limit, Rate};
use crate::activity_state::{ActivityState, ActivitySub};
use crate::auth::{Need, Presented, Who, authenticate, unauthorized};
use crate::emulator::Emulator;
use crate::reply::{ResponseBody, Version, json};

const BASE: &str = "/2/activity/subscriptions";

/// An X Activity API endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Create,
    List,
    BulkDelete,
    Update(String),
    Delete(String),
}

/// The route of a request, when it is one of the X Activity API's subscription endpoints.
pub(crate) fn route(method: &Method, path: &str) -> Option<Route> {
    if path == BASE {
        return match *method {
            Method::POST => Some(Route::Create),
            Method::GET => Some(Route::List),
            Method::DELETE => Some(Route::BulkDelete),
            _ => None,
        };
    }
    let id = path.strip_prefix(BASE)?.strip_prefix('/')?;
    if id.is_empty() || id.contains('/') {
        return None;
    }
    match *method {
        Method::PUT => Some(Route::Update(id.to_owned())),
        Method::DELETE => Some(Route::Delete(id.to_owned())),
        _ => None,
    }
}

/// Who called: the app, and the user when the credentials were a user's.
#[derive(Clone, Debug)]
pub(super) struct Caller {
    pub(super) app_id: String,
    pub(super) user_id: Option<String>,
}

/// A v2 problem answer: `{"errors":[problem],"title","detail","type"}`.
pub(super) fn problem(
    status: StatusCode,
    kind: ProblemKind,
    detail: &str,
    parameter: Option<&str>,
) -> Response<ResponseBody> {
    let title = match kind {
        ProblemKind::InvalidRequest => "Invalid Request",
        ProblemKind::ResourceNotFound => "Not Found Error",
        ProblemKind::NotAuthorizedForResource => "Forbidden",
        ProblemKind::UsageCapped => "Usage Capped",
        ProblemKind::Conflict => "Conflict",
        _ => "Error",
    };
    let mut error = serde_json::json!({"type": kind.type_uri(), "title": title, "detail": detail});
    if let Some(p) = parameter {
        error["parameter"] = serde_json::Value::from(p);
    }
    json(
        status,
        &serde_json::json!({
            "errors": [error],
            "title": title,
            "detail": detail,
            "type": kind.type_uri(),
        }),
    )
}

fn invalid(detail: &str, parameter: &str) -> Response<ResponseBody> {
    problem(
        StatusCode::BAD_REQUEST,
        ProblemKind::InvalidRequest,
        detail,
        Some(parameter),
    )
}

/// Authenticates a request with one of the kinds the endpoint takes (`user_ok`: user tokens
/// as well as the bearer token) and counts it against the app's window.
#[allow(clippy::result_large_err)] // the refusal is the response itself
pub(super) fn caller(
    emulator: &Emulator,
    req: &Incoming,
    user_ok: bool,
    limit: Limit,
) -> Result<(Caller, Rate), Response<ResponseBody>> {
    let options = emulator.options();
    let mut state = emulator.state();
    let Some(value) = req.authorization.as_deref() else {
        return Err(unauthorized(Version::V2));
    };
    let caller = if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
        let token = value[7..].trim();
        if let Some(app_id) = state.bearer_tokens.get(token) {
            Caller {
                app_id: app_id.clone(),
                user_id: None,
            }
        } else if let Some((app_id, user_id)) = state.activity.oauth2_tokens.get(token) {
            if !user_ok {
                return Err(wrong_kind());
            }
            Caller {
                app_id: app_id.clone(),
                user_id: Some(user_id.clone()),
            }
        } else {
            return Err(unauthorized(Version::V2));
        }
    } else {
        if !user_ok {
            return Err(wrong_kind());
        }
        let presented = Presented {
            method: req.method.as_str(),
            url: &req.url,
            form: req.form.as_deref(),
            authorization: Some(value),
        };
        match authenticate(&mut state, options, Version::V2, Need::User, &presented)? {
            Who::User { app_id, user_id } => Caller {
                app_id,
                user_id: Some(user_id),
            },
            Who::App { app_id } => Caller {
                app_id,
                user_id: None,
            },
        }
    };
    match rate::take(
        &mut state,
        options,
        &caller.app_id,
        caller.user_id.as_deref(),
        limit,
    ) {
        Ok(rate) => Ok((caller, rate)),
        Err(rate) => Err(rate.apply(rate::limited())),
    }
}

/// 403 for user credentials on an endpoint that takes the bearer token only.
fn wrong_kind() -> Response<ResponseBody> {
    let mut res = json(
        StatusCode::FORBIDDEN,
        &serde_json::json!({
            "title": "Unsupported Authentication",
            "detail": "Authenticating with OAuth 2.0 User Context or OAuth 1.0a User Context is \
                       forbidden for this endpoint.  Supported authentication types are \
                       [OAuth 2.0 Application-Only].",
            "type": "https://api.x.com/2/problems/unsupported-authentication",
            "status": 403,
        }),
    );
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

fn limit(emulator: &Emulator, endpoint: &'static str) -> Limit {
    Limit {
        endpoint,
        per_window: emulator.options().activity.rate_limit,
    }
}

/// Answers an X Activity API request.
pub(crate) fn handle(emulator: &Emulator, route: Route, req: &Incoming) -> Response<ResponseBody> {
    match route {
        Route::Create => create(emulator, req),
        Route::List => list(emulator, req),
        Route::Update(id) => update(emulator, &id, req),
        Route::Delete(id) => delete(emulator, &id, req),
        Route::BulkDelete => bulk_delete(emulator, req),
    }
}

fn now_ms(emulator: &Emulator) -> i64 {
    i64::try_from(emulator.now()).unwrap_or(i64::MAX / 1000) * 1000
}

fn total(state: &ActivityState, app_id: &str) -> u64 {
    state.of_app(app_id).count() as u64
}

/// The members of a JSON object body, or the refusal.
#[allow(clippy::result_large_err)]
fn object(
    body: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, Response<ResponseBody>> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(invalid("The request body must be a JSON object.", "body")),
    }
}

/// A tag's rule: 1 to 200 characters.
#[allow(clippy::result_large_err)]
fn check_tag(tag: Option<&str>) -> Result<(), Response<ResponseBody>> {
    match tag {
        Some(t) if t.is_empty() || t.chars().count() > 200 => Err(invalid(
            "The `tag` must be from 1 to 200 characters.",
            "tag",
        )),
        _ => Ok(()),
    }
}

/// A webhook's rule: `^[0-9]{1,19}$`, and one of this app's webhooks.
#[allow(clippy::result_large_err)]
fn check_webhook(
    emulator: &Emulator,
    app_id: &str,
    webhook_id: Option<&str>,
) -> Result<(), Response<ResponseBody>> {
    let Some(id) = webhook_id else { return Ok(()) };
    if !is_id(id) {
        return Err(invalid(
            &format!("The `webhook_id` value [{id}] does not match ^[0-9]{{1,19}}$."),
            "webhook_id",
        ));
    }
    let state = emulator.state();
    if !state
        .webhooks
        .iter()
        .any(|w| w.id == id && w.app_id == app_id)
    {
        return Err(invalid(
            &format!("Could not find a webhook of this app with id [{id}]."),
            "webhook_id",
        ));
    }
    Ok(())
}

fn create(emulator: &Emulator, req: &Incoming) -> Response<ResponseBody> {
    let (caller, rate) = match caller(emulator, req, true, limit(emulator, "xaa create")) {
        Ok(c) => c,
        Err(res) => return res,
    };
    rate.apply(create_checked(emulator, &caller, &req.body))
}

fn create_checked(emulator: &Emulator, caller: &Caller, body: &[u8]) -> Response<ResponseBody> {
    let members = match object(body) {
        Ok(m) => m,
        Err(res) => return res,
    };
    if let Some(serde_json::Value::Object(filter)) = members.get("filter") {
        if let Some(extra) = filter
            .keys()
            .find(|k| !matches!(k.as_str(), "user_id" | "keyword" | "direction"))
        {
            return invalid(
                &format!("The filter field `{extra}` is not allowed."),
                "filter",
            );
        }
    }
    let new: NewActivitySubscription<'_> = match serde_json::from_slice(body) {
        Ok(n) => n,
        Err(e) => {
            let detail = e.to_string();
            let detail = detail.split(" at line ").next().unwrap_or_default();
            return invalid(&format!("The request body is invalid: {detail}."), "body");
        }
    };
    let Some(ty) = ActivityType::from_name(&new.event_type).filter(|t| t.is_subscribable()) else {
        return invalid(
            &format!(
                "The `event_type` value [{}] is not one of the X Activity API event types.",
                new.event_type
            ),
            "event_type",
        );
    };
    let filter = &new.filter;
    let keyword = filter.keyword.as_deref();
    if let Some(k) = keyword {
        if k.is_empty() || k.chars().count() > 150 {
            return invalid(
                "The `keyword` must be from 1 to 150 characters.",
                "filter.keyword",
            );
        }
    }
    let user_id = filter.user_id.map(|u| u.to_string());
    match ty.filter_kind() {
        FilterKind::Keyword if keyword.is_none() => {
            return invalid(
                &format!("{ty} subscriptions filter on a `keyword`."),
                "filter.keyword",
            );
        }
        FilterKind::UserId if user_id.is_none() => {
            return invalid(
                &format!("{ty} subscriptions filter on a `user_id`."),
                "filter.user_id",
            );
        }
        // The other filter would match no event: news items happen to no user, and only news
        // items carry a keyword.
        FilterKind::Keyword if user_id.is_some() => {
            return invalid(
                &format!(
                    "The `user_id` filter is not supported for {ty}: it filters on a `keyword`."
                ),
                "filter.user_id",
            );
        }
        FilterKind::UserId if keyword.is_some() => {
            return invalid(
                &format!(
                    "The `keyword` filter is not supported for {ty}: it filters on a `user_id`."
                ),
                "filter.keyword",
            );
        }
        _ => {}
    }
    if let Some(d) = &filter.direction {
        if !ty.takes_direction() {
            return invalid(
                &format!("The `direction` filter is not supported for {ty}."),
                "filter.direction",
            );
        }
        if !d.is_known() {
            return invalid(
                &format!("The `direction` value [{d}] is not one of [inbound, outbound]."),
                "filter.direction",
            );
        }
    }
    if let Err(res) = check_tag(new.tag.as_deref()) {
        return res;
    }
    let webhook_id = new.webhook_id.as_ref().map(|w| w.as_str().to_owned());
    if let Err(res) = check_webhook(emulator, &caller.app_id, webhook_id.as_deref()) {
        return res;
    }
    if let Some(u) = &user_id {
        if emulator.state().user(u).is_none() {
            return invalid(
                &format!("Could not find a user with id [{u}]."),
                "filter.user_id",
            );
        }
    }
    if ty.is_private() && caller.user_id.as_deref() != user_id.as_deref() {
        let detail = match &caller.user_id {
            None => format!(
                "{ty} is a private event: create the subscription with the authorization \
                 (OAuth 2.0 or OAuth 1.0a user context) of the user it filters on."
            ),
            Some(u) => format!(
                "User [{u}] cannot subscribe to {ty} events of user [{}]: only that user's \
                 authorization can.",
                user_id.as_deref().unwrap_or_default()
            ),
        };
        return problem(
            StatusCode::FORBIDDEN,
            ProblemKind::NotAuthorizedForResource,
            &detail,
            Some("filter.user_id"),
        );
    }
    let direction = filter.direction.clone().map(Direction::into_owned);
    let options = emulator.options().activity.clone();
    let now = now_ms(emulator);
    let Ok(id) = ActivityState::new_id() else {
        return problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::InternalError,
            "Internal error.",
            None,
        );
    };
    let mut state = emulator.state();
    let activity = &mut state.activity;
    let duplicate = activity.of_app(&caller.app_id).any(|s| {
        s.event_type == ty
            && s.user_id == user_id
            && s.keyword.as_deref() == keyword
            && s.direction == direction
            && s.webhook_id == webhook_id
    });
    if duplicate {
        return problem(
            StatusCode::CONFLICT,
            ProblemKind::Conflict,
            "A subscription with this event type, filter and webhook already exists.",
            None,
        );
    }
    if activity.of_app(&caller.app_id).count() >= options.subscription_limit {
        return problem(
            StatusCode::FORBIDDEN,
            ProblemKind::UsageCapped,
            &format!(
                "The app has reached its limit of {} subscriptions.",
                options.subscription_limit
            ),
            None,
        );
    }
    let sub = ActivitySub {
        id,
        app_id: caller.app_id.clone(),
        event_type: ty,
        user_id,
        keyword: keyword.map(str::to_owned),
        direction,
        tag: new.tag.as_deref().map(str::to_owned),
        webhook_id,
        created_ms: now,
        updated_ms: now,
    };
    let mut answer = ActivitySubscriptionAnswer::default();
    answer.subscription = sub.to_model();
    activity.subscriptions.push(sub);
    tracing::info!(event_type = %ty, app_id = %caller.app_id, "activity subscription created");
    json(
        StatusCode::OK,
        &serde_json::to_value(&answer).unwrap_or_default(),
    )
}

fn list(emulator: &Emulator, req: &Incoming) -> Response<ResponseBody> {
    let (caller, rate) = match caller(emulator, req, true, limit(emulator, "xaa list")) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let max = match req.query_param("max_results") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return rate.apply(invalid(
                    &format!("The `max_results` value [{v}] is not between 1 and 1000."),
                    "max_results",
                ));
            }
        },
    };
    let start = match req.query_param("pagination_token") {
        None => 0,
        Some(t) => match (t.len() >= 16)
            .then(|| usize::from_str_radix(&t, 16).ok())
            .flatten()
        {
            Some(n) => n,
            None => {
                return rate.apply(invalid(
                    &format!("The `pagination_token` value [{t}] is not valid."),
                    "pagination_token",
                ));
            }
        },
    };
    let state = emulator.state();
    let all: Vec<&ActivitySub> = state.activity.of_app(&caller.app_id).collect();
    let page: Vec<_> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|s| s.to_model())
        .collect();
    let mut answer = ActivitySubscriptionPage::default();
    answer.total_subscriptions = Some(all.len() as u64);
    answer.result_count = Some(page.len() as u64);
    if start + max < all.len() {
        answer.next_token = Some(format!("{:016X}", start + max).into());
    }
    if start > 0 {
        answer.previous_token = Some(format!("{:016X}", start.saturating_sub(max)).into());
    }
    answer.subscriptions = page;
    rate.apply(json(
        StatusCode::OK,
        &serde_json::to_value(&answer).unwrap_or_default(),
    ))
}

/// X's pattern for ids (`subscription_id`, `webhook_id`, `ids`): `^[0-9]{1,19}$`.
fn is_id(id: &str) -> bool {
    (1..=19).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// The path's `subscription_id`: 400 when it breaks X's pattern (the spec's path parameter).
#[allow(clippy::result_large_err)]
fn check_path_id(id: &str) -> Result<(), Response<ResponseBody>> {
    if is_id(id) {
        Ok(())
    } else {
        Err(invalid(
            &format!("The `subscription_id` value [{id}] does not match ^[0-9]{{1,19}}$."),
            "subscription_id",
        ))
    }
}

fn not_found(id: &str) -> Response<ResponseBody> {
    problem(
        StatusCode::NOT_FOUND,
        ProblemKind::ResourceNotFound,
        &format!("Could not find subscription with id: [{id}]."),
        Some("subscription_id"),
    )
}

fn update(emulator: &Emulator, id: &str, req: &Incoming) -> Response<ResponseBody> {
    let (caller, rate) = match caller(emulator, req, false, limit(emulator, "xaa update")) {
        Ok(c) => c,
        Err(res) => return res,
    };
    if let Err(res) = check_path_id(id) {
        return rate.apply(res);
    }
    rate.apply(update_checked(emulator, &caller, id, &req.body))
}

fn update_checked(
    emulator: &Emulator,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Response<ResponseBody> {
    let members = match object(body) {
        Ok(m) => m,
        Err(res) => return res,
    };
    if let Some(fixed) = ["event_type", "filter"]
        .into_iter()
        .find(|k| members.contains_key(*k))
    {
        return invalid(
            &format!(
                "The `{fixed}` of a subscription cannot change: delete the subscription and \
                 create a new one."
            ),
            fixed,
        );
    }
    let change: ActivitySubscriptionUpdate<'_> = match serde_json::from_slice(body) {
        Ok(c) => c,
        Err(e) => {
            let detail = e.to_string();
            let detail = detail.split(" at line ").next().unwrap_or_default();
            return invalid(&format!("The request body is invalid: {detail}."), "body");
        }
    };
    if change.tag.is_none() && change.webhook_id.is_none() {
        return invalid("Give a `tag` or a `webhook_id` to change.", "body");
    }
    if let Err(res) = check_tag(change.tag.as_deref()) {
        return res;
    }
    let webhook_id = change.webhook_id.as_ref().map(|w| w.as_str().to_owned());
    if let Err(res) = check_webhook(emulator, &caller.app_id, webhook_id.as_deref()) {
        return res;
    }
    let now = now_ms(emulator);
    let mut state = emulator.state();
    let total = total(&state.activity, &caller.app_id);
    let Some(sub) = state
        .activity
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id && s.app_id == caller.app_id)
    else {
        return not_found(id);
    };
    if let Some(tag) = change.tag.as_deref() {
        sub.tag = Some(tag.to_owned());
    }
    if webhook_id.is_some() {
        sub.webhook_id = webhook_id;
    }
    sub.updated_ms = now.max(sub.updated_ms);
    let mut answer = ActivitySubscriptionAnswer::default();
    answer.subscription = sub.to_model();
    answer.total_subscriptions = Some(total);
    json(
        StatusCode::OK,
        &serde_json::to_value(&answer).unwrap_or_default(),
    )
}

fn delete(emulator: &Emulator, id: &str, req: &Incoming) -> Response<ResponseBody> {
    let (caller, rate) = match caller(emulator, req, false, limit(emulator, "xaa delete")) {
        Ok(c) => c,
        Err(res) => return res,
    };
    if let Err(res) = check_path_id(id) {
        return rate.apply(res);
    }
    let mut state = emulator.state();
    let before = state.activity.subscriptions.len();
    state
        .activity
        .subscriptions
        .retain(|s| !(s.id == id && s.app_id == caller.app_id));
    if state.activity.subscriptions.len() == before {
        return rate.apply(not_found(id));
    }
    let mut answer = ActivitySubscriptionDeleted::default();
    answer.deleted = true;
    answer.total_subscriptions = Some(total(&state.activity, &caller.app_id));
    rate.apply(json(
        StatusCode::OK,
        &serde_json::to_value(answer).unwrap_or_default(),
    ))
}

fn bulk_delete(emulator: &Emulator, req: &Incoming) -> Response<ResponseBody> {
    let (caller, rate) = match caller(emulator, req, false, limit(emulator, "xaa bulk delete")) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(ids) = req.query_param("ids") else {
        return rate.apply(invalid("The `ids` query parameter is required.", "ids"));
    };
    let ids: Vec<&str> = ids.split(',').collect();
    if ids.is_empty() || ids.len() > 100 {
        return rate.apply(invalid(
            &format!("The `ids` parameter takes 1 to 100 ids, not {}.", ids.len()),
            "ids",
        ));
    }
    if let Some(bad) = ids.iter().find(|id| !is_id(id)) {
        return rate.apply(invalid(
            &format!("The `ids` value [{bad}] does not match ^[0-9]{{1,19}}$."),
            "ids",
        ));
    }
    let mut state = emulator.state();
    let mut answer = ActivitySubscriptionsDeleted::default();
    for id in ids {
        let before = state.activity.subscriptions.len();
        state
            .activity
            .subscriptions
            .retain(|s| !(s.id == id && s.app_id == caller.app_id));
        if state.activity.subscriptions.len() < before {
            let mut d = DeletedSubscription::default();
            d.subscription_id = SubscriptionId::from(id.to_owned());
            d.deleted = Some(true);
            answer.deleted.push(d);
        } else {
            let mut f = SubscriptionFailure::default();
            f.subscription_id = Some(SubscriptionId::from(id.to_owned()));
            f.reason = Some("not_found".into());
            f.message = Some(format!("Could not find subscription with id: [{id}].").into());
            answer.errors.push(f);
        }
    }
    answer.meta = Some(TotalSubscriptions::new(total(
        &state.activity,
        &caller.app_id,
    )));
    rate.apply(json(
        StatusCode::OK,
        &serde_json::to_value(&answer).unwrap_or_default(),
    ))
}

/// The emulator's time as a timestamp.
pub(super) fn now(emulator: &Emulator) -> Timestamp {
    Timestamp::from_millis(now_ms(emulator))
}
