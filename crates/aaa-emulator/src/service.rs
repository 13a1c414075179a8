//! The emulator as a `tower::Service`: routing, authentication, rate limits and the management
//! endpoints of v1.1 enterprise and v2.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use aaa_crypto::oauth1::{form_decode, percent_decode};
use aaa_model::rest::codes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};
use ring::rand::SystemRandom;

use crate::auth::{Need, Presented, Who, authenticate, unauthorized};
use crate::crc;
use crate::delivery::{Deliverer, DeliveryStats};
use crate::generate::Generator;
use crate::options::Options;
use crate::replay;
use crate::reply::{ResponseBody, Version, error, json, no_content, v1_error, v2_problem};
use crate::state::{State, Webhook, random_id, random_text};

/// The largest request body read.
const MAX_BODY: usize = 64 * 1024;

/// X's message for an unknown resource (code 34).
const NOT_FOUND: &str = "Sorry, that page does not exist.";
/// X's message for a URL that breaks its rules (code 214).
const URL_INVALID: &str = "Webhook URL does not meet the requirements.";
/// X's message for a URL that is not https (code 214).
const URL_NOT_HTTPS: &str = "Webhook URL does not meet the requirements. Please use HTTPS.";
/// X's message when the webhook limit is reached (code 214).
const TOO_MANY: &str = "Too many resources already created.";
/// X's message for error 348.
const NOT_PERMITTED: &str =
    "Client application is not permitted to access this user's webhook subscriptions.";

/// The local stand-in for X's management API. Cheap to clone; clones share one state.
#[derive(Clone, Debug)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    options: Options,
    /// Seconds added to the clock by [`Emulator::advance_clock`].
    offset: AtomicI64,
    deliverer: Deliverer,
    generator: Mutex<Generator>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("options", &self.options)
            .field("deliverer", &self.deliverer)
            .finish_non_exhaustive()
    }
}

/// The operations, one per row of X's endpoint table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
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

/// Which rate limit an operation counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Webhooks,
    Subscriptions,
    Replay,
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

    fn group(self) -> Group {
        match self {
            Op::Register | Op::ListWebhooks | Op::TriggerCrc | Op::DeleteWebhook => Group::Webhooks,
            Op::Replay | Op::WebhookReplay => Group::Replay,
            _ => Group::Subscriptions,
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

/// A routed request.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    Token,
    Api {
        version: Version,
        op: Op,
        webhook_id: Option<String>,
        user_id: Option<String>,
    },
}

fn route(method: &Method, path: &str) -> Option<Route> {
    if path == "/oauth2/token" {
        return (method == Method::POST).then_some(Route::Token);
    }
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
    Some(Route::Api {
        version,
        op,
        webhook_id,
        user_id,
    })
}

/// The parts of a request the handlers read.
struct Incoming {
    method: Method,
    url: String,
    query: Option<String>,
    form: Option<String>,
    body: Bytes,
    authorization: Option<String>,
}

impl Emulator {
    /// An emulator over `state` with `options`.
    pub fn new(state: State, options: Options) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                deliverer: Deliverer::new(
                    options.delivery.faults.seed,
                    crate::web::client(&options.tls_roots),
                ),
                generator: Mutex::new(Generator::new(options.delivery.seed)),
                options,
                offset: AtomicI64::new(0),
            }),
        }
    }

    /// The state, locked. Do not hold the guard across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The emulator's current time, seconds since the epoch: the clock plus whatever
    /// [`Emulator::advance_clock`] added. Event times, replay windows and rate-limit windows use
    /// it; OAuth timestamps and rate-limit windows use the clock alone, so clients keep working.
    pub fn now(&self) -> u64 {
        let base = self.inner.options.clock.now();
        let offset = self.inner.offset.load(Ordering::SeqCst);
        base.saturating_add_signed(offset)
    }

    /// Moves the emulator's timeline by `secs` (negative goes back), so that replay windows can
    /// be tested without waiting. Returns the new [`Emulator::now`].
    pub fn advance_clock(&self, secs: i64) -> u64 {
        self.inner.offset.fetch_add(secs, Ordering::SeqCst);
        self.now()
    }

    /// Counters of the deliveries so far.
    pub fn delivery_stats(&self) -> DeliveryStats {
        self.inner.deliverer.stats()
    }

    /// Waits until no delivery, retry or replay job is under way.
    pub async fn settled(&self) {
        self.inner.deliverer.settled().await;
    }

    pub(crate) fn deliverer(&self) -> &Deliverer {
        &self.inner.deliverer
    }

    pub(crate) fn generator(&self) -> MutexGuard<'_, Generator> {
        self.inner
            .generator
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn handle<B>(self, req: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_owned();
        if path.starts_with(crate::control::PREFIX) {
            let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
                return json(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &serde_json::json!({"error": "the request body is too large or could not be read"}),
                );
            };
            return self.control(&parts.method, &path, &body.to_bytes()).await;
        }
        let Some(route) = route(&parts.method, &path) else {
            return if path.starts_with("/2/") {
                v2_problem(
                    StatusCode::NOT_FOUND,
                    "Not Found Error",
                    NOT_FOUND,
                    "https://api.twitter.com/2/problems/resource-not-found",
                )
            } else {
                v1_error(StatusCode::NOT_FOUND, codes::NOT_FOUND, NOT_FOUND)
            };
        };
        let version = match &route {
            Route::Api { version, .. } => *version,
            Route::Token => Version::V1,
        };
        let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
            return error(
                version,
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::MISSING_PARAMETER,
                "The request body is too large or could not be read.",
            );
        };
        let body = body.to_bytes();
        let header_str = |name: header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let is_form = header_str(header::CONTENT_TYPE).is_some_and(|t| {
            t.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        let host = header_str(header::HOST).unwrap_or_else(|| "localhost".to_owned());
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), ToString::to_string);
        let incoming = Incoming {
            method: parts.method.clone(),
            url: format!("http://{host}{path_and_query}"),
            query: parts.uri.query().map(str::to_owned),
            form: if is_form {
                Some(String::from_utf8_lossy(&body).into_owned())
            } else {
                None
            },
            body,
            authorization: header_str(header::AUTHORIZATION),
        };
        match route {
            Route::Token => self.token(&incoming),
            Route::Api {
                version,
                op,
                webhook_id,
                user_id,
            } => self.api(version, op, webhook_id, user_id, &incoming).await,
        }
    }

    /// `POST /oauth2/token`: HTTP Basic with the app's key and secret,
    /// `grant_type=client_credentials`. The same token comes back until it is invalidated.
    fn token(&self, req: &Incoming) -> Response<ResponseBody> {
        let refuse = || {
            json(
                StatusCode::FORBIDDEN,
                &serde_json::json!({"errors": [{
                    "code": codes::NO_ACCESS,
                    "label": "authenticity_token_error",
                    "message": "Unable to verify your credentials",
                }]}),
            )
        };
        let Some((key, secret)) = req.authorization.as_deref().and_then(basic_credentials) else {
            return refuse();
        };
        let grant = req
            .form
            .as_deref()
            .and_then(|f| form_decode(f).ok())
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(n, _)| n == "grant_type")
                    .map(|(_, v)| v)
            });
        let mut state = self.state();
        let Some(app) = state
            .apps
            .iter()
            .find(|a| a.consumer_key == key && a.consumer_secret == secret)
        else {
            return refuse();
        };
        if grant.as_deref() != Some("client_credentials") {
            return json(
                StatusCode::FORBIDDEN,
                &serde_json::json!({"errors": [{
                    "code": 170,
                    "label": "forbidden_missing_parameter",
                    "message": "Missing required parameter: grant_type",
                }]}),
            );
        }
        let app_id = app.app_id.clone();
        let existing = state
            .bearer_tokens
            .iter()
            .find(|(_, a)| **a == app_id)
            .map(|(t, _)| t.clone());
        let token = if let Some(token) = existing {
            token
        } else {
            let Ok(random) = random_text(&SystemRandom::new(), 100) else {
                return error(
                    Version::V1,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    131,
                    "Internal error",
                );
            };
            let token = format!("AAAAAAAAAAAAAAAAAAAAA{random}");
            state.bearer_tokens.insert(token.clone(), app_id);
            token
        };
        json(
            StatusCode::OK,
            &serde_json::json!({"token_type": "bearer", "access_token": token}),
        )
    }

    async fn api(
        &self,
        version: Version,
        op: Op,
        webhook_id: Option<String>,
        user_id: Option<String>,
        req: &Incoming,
    ) -> Response<ResponseBody> {
        let options = &self.inner.options;
        let (who, rate) = {
            let mut state = self.state();
            let presented = Presented {
                method: req.method.as_str(),
                url: &req.url,
                form: req.form.as_deref(),
                authorization: req.authorization.as_deref(),
            };
            let who = match authenticate(&mut state, options, version, op.need(version), &presented)
            {
                Ok(who) => who,
                Err(res) => return res,
            };
            let rate = match take_rate(&mut state, options, who.app_id(), op) {
                Ok(rate) => rate,
                Err(rate) => return rate.apply(rate_limited(version)),
            };
            (who, rate)
        };
        let res = match op {
            Op::Register => self.register(version, &who, req).await,
            Op::TriggerCrc => {
                self.trigger_crc(version, &who, webhook_id.as_deref().unwrap_or_default())
                    .await
            }
            Op::Replay | Op::WebhookReplay => self.replay(version, op, &who, webhook_id, req),
            _ => {
                let mut state = self.state();
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
        &self,
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
                "url: A required parameter is missing.",
            );
        };
        if let Err(message) = check_url(&url, self.inner.options.strict_urls) {
            return error(
                version,
                StatusCode::BAD_REQUEST,
                codes::WEBHOOK_PROBLEM,
                message,
            );
        }
        let secret = {
            let state = self.state();
            let app = match owner_app(&state, version, who) {
                Ok(app) => app,
                Err(res) => return res,
            };
            if webhooks_of(&state, &app.app_id) >= app.webhook_limit {
                return too_many(version);
            }
            app.consumer_secret.clone()
        };
        if let Err(failure) = crc::check(
            self.deliverer().client(),
            &url,
            &secret,
            self.inner.options.crc_deadline,
        )
        .await
        {
            return error(
                version,
                StatusCode::BAD_REQUEST,
                codes::WEBHOOK_PROBLEM,
                failure.message(),
            );
        }
        let mut state = self.state();
        let app_id = who.app_id().to_owned();
        let limit = state.app(&app_id).map_or(0, |a| a.webhook_limit);
        if webhooks_of(&state, &app_id) >= limit {
            return too_many(version);
        }
        let Ok(id) = random_id(&SystemRandom::new()) else {
            return error(
                version,
                StatusCode::INTERNAL_SERVER_ERROR,
                131,
                "Internal error",
            );
        };
        let webhook = Webhook {
            id: id.to_string(),
            app_id,
            url,
            valid: true,
            created: self.now(),
            subscriptions: std::collections::BTreeSet::new(),
        };
        let body = webhook_json(&webhook, version);
        state.webhooks.push(webhook);
        match version {
            Version::V1 => json(StatusCode::OK, &body),
            Version::V2 => json(StatusCode::OK, &serde_json::json!({ "data": body })),
        }
    }

    /// The replay endpoints: the window from the query (v1.1 and v2 account activity) or from
    /// a JSON body `{"webhook_id","from_date","to_date"}` (`/2/webhooks/replay`).
    fn replay(
        &self,
        version: Version,
        op: Op,
        who: &Who,
        webhook_id: Option<String>,
        req: &Incoming,
    ) -> Response<ResponseBody> {
        let (webhook_id, from, to, kind) = if op == Op::WebhookReplay {
            let body: serde_json::Value =
                serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
            let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
            (
                field("webhook_id"),
                field("from_date"),
                field("to_date"),
                replay::Kind::Webhook,
            )
        } else {
            let query: Vec<(String, String)> = req
                .query
                .as_deref()
                .and_then(|q| form_decode(q).ok())
                .unwrap_or_default();
            let field = |name: &str| {
                query
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            (
                webhook_id,
                field("from_date"),
                field("to_date"),
                replay::Kind::Subscriptions,
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
        self.start_replay(
            version,
            kind,
            who.app_id(),
            &webhook_id,
            (from.as_deref(), to.as_deref()),
        )
    }

    /// Trigger CRC: a fresh check whose outcome sets `valid`.
    async fn trigger_crc(&self, version: Version, who: &Who, id: &str) -> Response<ResponseBody> {
        let (url, secret) = {
            let state = self.state();
            let app = match owner_app(&state, version, who) {
                Ok(app) => app,
                Err(res) => return res,
            };
            let Some(webhook) = find_webhook(&state, &app.app_id, id) else {
                return not_found(version);
            };
            (webhook.url.clone(), app.consumer_secret.clone())
        };
        let outcome = crc::check(
            self.deliverer().client(),
            &url,
            &secret,
            self.inner.options.crc_deadline,
        )
        .await;
        let mut state = self.state();
        if let Some(webhook) = state.webhooks.iter_mut().find(|w| w.id == id) {
            webhook.valid = outcome.is_ok();
        }
        match (version, outcome) {
            (Version::V1, Ok(())) => no_content(),
            (Version::V2, Ok(())) => json(
                StatusCode::OK,
                &serde_json::json!({"data": {"attempted": true}}),
            ),
            (_, Err(failure)) => error(
                version,
                StatusCode::BAD_REQUEST,
                codes::WEBHOOK_PROBLEM,
                failure.message(),
            ),
        }
    }
}

impl<B> tower::Service<Request<B>> for Emulator
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(req).await) })
    }
}

/// The rate-limit headers of one call.
#[derive(Clone, Copy, Debug)]
struct Rate {
    limit: u32,
    remaining: u32,
    reset: u64,
}

impl Rate {
    fn apply(self, mut res: Response<ResponseBody>) -> Response<ResponseBody> {
        let headers = res.headers_mut();
        headers.insert("x-rate-limit-limit", HeaderValue::from(self.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-rate-limit-reset", HeaderValue::from(self.reset));
        res
    }
}

/// Counts a call against the app's window for `op`; `Err` when the window is used up.
fn take_rate(state: &mut State, options: &Options, app_id: &str, op: Op) -> Result<Rate, Rate> {
    let limit = match op.group() {
        Group::Webhooks => options.rate_limits.webhooks,
        Group::Subscriptions => options.rate_limits.subscriptions,
        Group::Replay => options.rate_limits.replay,
    };
    let now = options.clock.now();
    let window = options.rate_limits.window.as_secs().max(1);
    let entry = state
        .rate_windows
        .entry((app_id.to_owned(), op.name()))
        .or_insert((now + window, 0));
    if entry.0 <= now {
        *entry = (now + window, 0);
    }
    if entry.1 >= limit {
        return Err(Rate {
            limit,
            remaining: 0,
            reset: entry.0,
        });
    }
    entry.1 += 1;
    Ok(Rate {
        limit,
        remaining: limit - entry.1,
        reset: entry.0,
    })
}

fn rate_limited(version: Version) -> Response<ResponseBody> {
    match version {
        Version::V1 => v1_error(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "Rate limit exceeded.",
        ),
        Version::V2 => v2_problem(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            "Too Many Requests",
            "about:blank",
        ),
    }
}

fn not_found(version: Version) -> Response<ResponseBody> {
    error(version, StatusCode::NOT_FOUND, codes::NOT_FOUND, NOT_FOUND)
}

fn too_many(version: Version) -> Response<ResponseBody> {
    error(
        version,
        StatusCode::FORBIDDEN,
        codes::WEBHOOK_PROBLEM,
        TOO_MANY,
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
) -> Result<&'s crate::state::App, Response<ResponseBody>> {
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
            "created_timestamp": format_time(webhook.created, false),
        }),
        Version::V2 => serde_json::json!({
            "id": webhook.id,
            "url": webhook.url,
            "valid": webhook.valid,
            "created_at": format_time(webhook.created, true),
        }),
    }
}

fn list_webhooks(state: &State, version: Version, who: &Who) -> Response<ResponseBody> {
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
        return not_found(version);
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
    let active: usize = state
        .webhooks
        .iter()
        .filter(|w| w.app_id == app.app_id)
        .map(|w| w.subscriptions.len())
        .sum();
    let account = state
        .user(&app.owner)
        .map_or("my-account", |u| u.screen_name.as_str());
    match version {
        Version::V1 => json(
            StatusCode::OK,
            &serde_json::json!({
                "account_name": account,
                "provisioned_count": app.subscription_limit,
                "subscriptions_count_all": active,
                "subscriptions_count_direct_messages": 0,
            }),
        ),
        Version::V2 => json(
            StatusCode::OK,
            &serde_json::json!({"data": {
                "account_name": account,
                "provisioned_count": app.subscription_limit.to_string(),
                "subscriptions_count_all": active.to_string(),
                "subscriptions_count_direct_messages": "0",
            }}),
        ),
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
        return not_permitted(version);
    }
    let limit = app.subscription_limit;
    let active: usize = state
        .webhooks
        .iter()
        .filter(|w| w.app_id == app_id)
        .map(|w| w.subscriptions.len())
        .sum();
    let Some(webhook) = state
        .webhooks
        .iter_mut()
        .find(|w| w.id == webhook_id && w.app_id == app_id)
    else {
        return not_found(version);
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
                    "Subscription already exists.",
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

/// `Basic base64(key:secret)`, each part percent-decoded.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case("basic "))
        .map(|_| value[6..].trim())?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    let key = String::from_utf8(percent_decode(key).ok()?).ok()?;
    let secret = String::from_utf8(percent_decode(secret).ok()?).ok()?;
    Some((key, secret))
}

/// Seconds since the epoch as `2016-06-02 23:54:02 +0000` (v1.1) or `2016-06-02T23:54:02.000Z`
/// (v2).
#[allow(clippy::many_single_char_names)]
pub(crate) fn format_time(secs: u64, rfc3339: bool) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    if rfc3339 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.000Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02} +0000")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_both_versions() {
        let r = route(&Method::POST, "/1.1/account_activity/webhooks.json").unwrap();
        assert!(matches!(
            r,
            Route::Api {
                op: Op::Register,
                version: Version::V1,
                ..
            }
        ));
        let r = route(
            &Method::DELETE,
            "/2/account_activity/webhooks/9/subscriptions/42/all",
        )
        .unwrap();
        assert_eq!(
            r,
            Route::Api {
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

    #[test]
    fn times_format_like_x() {
        assert_eq!(
            format_time(1_464_911_642, false),
            "2016-06-02 23:54:02 +0000"
        );
        assert_eq!(format_time(0, true), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(951_782_400, true), "2000-02-29T00:00:00.000Z");
    }
}
