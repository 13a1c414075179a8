//! The receiver as a `tower::Service`: CRC checks, signed deliveries, health and metrics.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use aaa_crypto::{SIGNATURE_HEADER, SigningKey, Verifier};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};

use crate::config::{AppConfig, ConfigError, Limits, validate_apps};
use crate::metrics::{Metrics, Outcome};
use crate::store::delivery::{Content, Delivery, EventRecord, now_ms};
use crate::store::read::StoredEvent;
use crate::store::{Store, stored_events};

struct App {
    name: Arc<str>,
    path: String,
    verifier: Verifier,
    crc: SigningKey,
}

/// Extra fields for `/healthz`, from the program the receiver runs in.
type HealthFn = Arc<dyn Fn() -> serde_json::Map<String, serde_json::Value> + Send + Sync>;

struct Inner {
    apps: Vec<App>,
    limits: Limits,
    store: Store,
    metrics: Arc<Metrics>,
    sink: Option<tokio::sync::mpsc::UnboundedSender<StoredEvent>>,
    health: Option<HealthFn>,
}

/// The webhook receiver. Mount it in any hyper or tower stack; clone it freely.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field(
                "paths",
                &self.inner.apps.iter().map(|a| &a.path).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The response body type.
pub type ResponseBody = Full<Bytes>;

fn json(status: StatusCode, body: &serde_json::Value) -> Response<ResponseBody> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<ResponseBody> {
    json(
        status,
        &serde_json::json!({ "error": code, "message": message }),
    )
}

/// Builds a [`Receiver`]: its apps, its store, and optionally its limits and a sink for new
/// events.
///
/// ```no_run
/// # fn run(store: aaa_receiver::Store) -> Result<(), aaa_receiver::ConfigError> {
/// use aaa_crypto::ConsumerSecret;
/// use aaa_receiver::{AppConfig, Limits, Receiver};
///
/// let receiver = Receiver::builder()
///     .app(AppConfig::new("main", "/webhooks/twitter", ConsumerSecret::new("secret")))
///     .limits(Limits::default())
///     .store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct ReceiverBuilder {
    apps: Vec<AppConfig>,
    limits: Limits,
    store: Option<Store>,
    sink: Option<tokio::sync::mpsc::UnboundedSender<StoredEvent>>,
    health: Option<HealthFn>,
}

impl std::fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("apps", &self.apps)
            .field("limits", &self.limits)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl ReceiverBuilder {
    /// Accepts deliveries for `app` on its path (add one for each app).
    pub fn app(mut self, app: AppConfig) -> ReceiverBuilder {
        self.apps.push(app);
        self
    }

    /// Accepts deliveries for each of `apps`.
    pub fn apps(mut self, apps: impl IntoIterator<Item = AppConfig>) -> ReceiverBuilder {
        self.apps.extend(apps);
        self
    }

    /// The limits on bodies, timeouts and connections (default [`Limits::default`]); [`serve`]
    /// applies the connection ones.
    ///
    /// [`serve`]: crate::serve()
    pub fn limits(mut self, limits: Limits) -> ReceiverBuilder {
        self.limits = limits;
        self
    }

    /// Where deliveries are stored (required).
    pub fn store(mut self, store: Store) -> ReceiverBuilder {
        self.store = Some(store);
        self
    }

    /// Also sends every new event to `sink` once it is durable, none ever dropped (the queue
    /// grows while the consumer is slow); for a live view that may miss events under load, use
    /// [`Store::subscribe`] instead.
    pub fn on_stored(
        mut self,
        sink: tokio::sync::mpsc::UnboundedSender<StoredEvent>,
    ) -> ReceiverBuilder {
        self.sink = Some(sink);
        self
    }

    /// Adds the fields `health` returns to every `/healthz` answer (beside `status` and
    /// `store`), for state the program around the receiver keeps, such as a webhook watchdog's.
    /// It is called on every `/healthz` request, so it should be quick.
    pub fn health(
        mut self,
        health: impl Fn() -> serde_json::Map<String, serde_json::Value> + Send + Sync + 'static,
    ) -> ReceiverBuilder {
        self.health = Some(Arc::new(health));
        self
    }

    /// The receiver.
    ///
    /// # Errors
    ///
    /// When no store was given, or the apps are not a valid configuration (none, a path that is
    /// not absolute or is reserved, two apps on one path or with one name, an empty secret).
    pub fn build(self) -> Result<Receiver, ConfigError> {
        let Some(store) = self.store else {
            return Err(ConfigError("no store given to the receiver".into()));
        };
        validate_apps(&self.apps)?;
        let apps = self
            .apps
            .into_iter()
            .map(|a| App {
                name: a.name.into(),
                path: a.path,
                crc: SigningKey::new(&a.consumer_secrets[0]),
                verifier: Verifier::new(&a.consumer_secrets),
            })
            .collect();
        Ok(Receiver {
            inner: Arc::new(Inner {
                apps,
                limits: self.limits,
                metrics: Arc::clone(store.metrics()),
                store,
                sink: self.sink,
                health: self.health,
            }),
        })
    }
}

impl Receiver {
    /// Starts building a receiver.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }

    /// The metrics this receiver updates (the store's).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The store this receiver writes to.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The paths the receiver's apps take deliveries on.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.inner.apps.iter().map(|a| a.path.as_str())
    }

    /// The limits this receiver applies.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Answers one request.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<ResponseBody>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let inner = &self.inner;
        let path = req.uri().path();
        let get_only = |r: &Request<B>| *r.method() == Method::GET || *r.method() == Method::HEAD;
        match path {
            "/healthz" if get_only(&req) => {
                let store = if inner.store.is_healthy() {
                    "ok"
                } else {
                    "failing"
                };
                let mut body = serde_json::Map::new();
                if let Some(health) = &inner.health {
                    body = health();
                }
                body.insert("status".into(), "ok".into());
                body.insert("store".into(), store.into());
                return json(StatusCode::OK, &serde_json::Value::Object(body));
            }
            "/metrics" if get_only(&req) => {
                let mut r = Response::new(Full::new(Bytes::from(inner.metrics.render())));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                return r;
            }
            "/healthz" | "/metrics" => return self.method_not_allowed("GET"),
            _ => {}
        }
        let Some(app) = inner.apps.iter().find(|a| a.path == path) else {
            inner.metrics.request(Outcome::NotFound);
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no webhook at this path",
            );
        };
        match *req.method() {
            Method::GET => self.crc(app, req.uri().query()),
            Method::POST => self.post(app, req).await,
            _ => self.method_not_allowed("GET, POST"),
        }
    }

    fn method_not_allowed(&self, allow: &'static str) -> Response<ResponseBody> {
        self.inner.metrics.request(Outcome::MethodNotAllowed);
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "use GET for CRC checks and POST for events",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        r
    }

    fn crc(&self, app: &App, query: Option<&str>) -> Response<ResponseBody> {
        let started = Instant::now();
        let metrics = &self.inner.metrics;
        // Each parameter is decoded on its own, so that a malformed parameter other than
        // crc_token (a nonce, junk) is ignored instead of hiding the token.
        let token = query.and_then(|q| {
            q.split('&').find_map(|pair| {
                let name = pair.split_once('=').map_or(pair, |(n, _)| n);
                match aaa_crypto::oauth1::form_decode(pair) {
                    Ok(decoded) => decoded
                        .into_iter()
                        .next()
                        .filter(|(k, _)| k == "crc_token")
                        .map(|(_, v)| Some(v)),
                    Err(_) if name == "crc_token" => Some(None),
                    Err(_) => None,
                }
            })
        });
        let token = match token {
            Some(Some(token)) => Some(token),
            Some(None) => {
                metrics.request(Outcome::CrcRejected);
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_crc_token",
                    "crc_token is not valid form encoding",
                );
            }
            None => None,
        };
        let Some(token) = token else {
            metrics.request(Outcome::CrcRejected);
            return error(
                StatusCode::BAD_REQUEST,
                "missing_crc_token",
                "GET needs a crc_token query parameter",
            );
        };
        let response = match app.crc.crc_response_body(&token) {
            Ok(body) => {
                metrics.request(Outcome::CrcOk);
                tracing::debug!(app = %app.name, "crc check answered");
                let mut r = Response::new(Full::new(Bytes::from(body)));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r
            }
            Err(e) => {
                metrics.request(Outcome::CrcRejected);
                tracing::warn!(app = %app.name, reason = e.as_str(), "crc token refused");
                error(StatusCode::BAD_REQUEST, "invalid_crc_token", e.as_str())
            }
        };
        metrics.observe_crc(started.elapsed());
        response
    }

    async fn post<B>(&self, app: &App, req: Request<B>) -> Response<ResponseBody>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let inner = &self.inner;
        let metrics = &inner.metrics;
        let limit = inner.limits.max_body;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .map(|v| v.to_str().ok().and_then(|s| s.parse::<u64>().ok()));
        match declared {
            Some(None) => {
                metrics.request(Outcome::BadRequest);
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_content_length",
                    "content-length is not a number",
                );
            }
            Some(Some(n)) if n > limit as u64 => {
                metrics.request(Outcome::TooLarge);
                return too_large(limit);
            }
            _ => {}
        }
        let mut sigs = req.headers().get_all(SIGNATURE_HEADER).iter();
        let signature = match (sigs.next(), sigs.next()) {
            (Some(v), None) => v.clone(),
            (None, _) => {
                metrics.request(Outcome::Unauthorized);
                return error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "missing x-twitter-webhooks-signature header",
                );
            }
            (Some(_), Some(_)) => {
                metrics.request(Outcome::Unauthorized);
                return error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "more than one x-twitter-webhooks-signature header",
                );
            }
        };
        let body = Limited::new(req.into_body(), limit);
        let body = match tokio::time::timeout(inner.limits.body_timeout, body.collect()).await {
            Err(_) => {
                metrics.request(Outcome::Timeout);
                return error(
                    StatusCode::REQUEST_TIMEOUT,
                    "timeout",
                    "the body did not arrive in time",
                );
            }
            Ok(Err(e)) => {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    metrics.request(Outcome::TooLarge);
                    return too_large(limit);
                }
                metrics.request(Outcome::BadRequest);
                tracing::debug!(error = %e, "body read failed");
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "the body could not be read",
                );
            }
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        let secret_index = match app.verifier.verify(signature.as_bytes(), &body) {
            Ok(i) => i,
            Err(e) => {
                metrics.request(Outcome::Unauthorized);
                tracing::warn!(app = %app.name, reason = e.as_str(), "signature refused");
                return error(StatusCode::UNAUTHORIZED, "unauthorized", e.as_str());
            }
        };
        // A CRC response is the HMAC of the token under the same key, so anyone can obtain a
        // valid signature for any body the CRC guard agrees to sign. X never delivers such a
        // body (deliveries are JSON objects, which the guard refuses), so its signature proves
        // nothing: refuse it instead of storing it.
        // The guard refuses tokens over CRC_TOKEN_MAX_LEN, so longer bodies (every real
        // delivery) skip this check and the scan stays the only pass over them.
        if body.len() <= aaa_crypto::CRC_TOKEN_MAX_LEN
            && std::str::from_utf8(&body).is_ok_and(|b| aaa_crypto::check_crc_token(b).is_ok())
        {
            metrics.request(Outcome::Unauthorized);
            tracing::warn!(app = %app.name, "signature refused: the body has the shape of a crc_token");
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the body has the shape of a crc_token, so its signature may come from a crc check",
            );
        }
        let received_at = now_ms();
        let content = scan_content(&body);
        let delivery = Arc::new(Delivery {
            app: Arc::clone(&app.name),
            received_at,
            // Signature values are ASCII (checked by the verifier).
            signature: signature.to_str().unwrap_or_default().to_owned(),
            secret_index,
            body,
            content,
        });
        let appended = match inner.store.append(Arc::clone(&delivery)).await {
            Ok(a) => a,
            Err(e) => {
                metrics.request(Outcome::StoreUnavailable);
                tracing::error!(app = %app.name, error = %e, "delivery not stored; answering 503 so X retries");
                let mut r = error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the event store cannot write; retry later",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return r;
            }
        };
        match &delivery.content {
            Content::Quarantined(why) => {
                metrics.request(Outcome::Quarantined);
                tracing::warn!(app = %app.name, reason = %why, stored = appended.delivery.is_some(), "authentic body is not an envelope: quarantined");
                json(
                    StatusCode::OK,
                    &serde_json::json!({ "status": "quarantined", "message": why }),
                )
            }
            Content::Events(events) => {
                let new = appended.new_events.len();
                metrics.events(new, appended.duplicates);
                metrics.request(if new == 0 && !events.is_empty() {
                    Outcome::Duplicate
                } else {
                    Outcome::Stored
                });
                tracing::debug!(app = %app.name, new, duplicates = appended.duplicates, "delivery stored");
                if let Some(sink) = &inner.sink {
                    for e in stored_events(&delivery, &appended) {
                        let _ = sink.send(e);
                    }
                }
                json(
                    StatusCode::OK,
                    &serde_json::json!({ "stored": new, "duplicates": appended.duplicates }),
                )
            }
        }
    }
}

fn too_large(limit: usize) -> Response<ResponseBody> {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!("the body is over the {limit}-byte limit"),
    )
}

impl<B> tower::Service<Request<B>> for Receiver
where
    B: Body + Send + 'static,
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

/// What a body holds: its events, each with its dedupe key, kind and place in the body, or why
/// it is not an envelope.
pub(crate) fn scan_content(body: &[u8]) -> Content {
    match aaa_parser::scan(body) {
        Ok(env) => {
            let for_user_id = env.for_user_id().map(str::to_owned);
            Content::Events(
                env.events()
                    .map(|e| EventRecord {
                        key: e.key().to_string(),
                        kind: e.kind().to_string(),
                        for_user_id: for_user_id.clone(),
                        range: e.range(),
                    })
                    .collect(),
            )
        }
        Err(e) => Content::Quarantined(e.to_string()),
    }
}
