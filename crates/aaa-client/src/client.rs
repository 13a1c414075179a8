//! The client, its builder and the one place where requests are sent, authenticated, retried
//! and rate-limited.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aaa_crypto::oauth1::{Credentials, Request as OAuthRequest, Signer};
use aaa_crypto::{BearerToken, ConsumerSecret, TokenSecret};
use bytes::Bytes;
use http::Method;
use http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, ErrorKind};
use crate::rate_limit::RateLimit;
use crate::route::{ApiVersion, AuthKind, Route};
use crate::stream_limits::{ConnectWindow, StreamLimits};

/// X's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.x.com";

/// The largest answer body read (X's management answers are a few KiB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A user's OAuth 1.0a access token and secret. `Debug` prints neither.
#[derive(Clone)]
pub struct UserToken {
    pub(crate) token: String,
    pub(crate) secret: TokenSecret,
}

impl UserToken {
    /// A token and its secret.
    pub fn new(token: impl Into<String>, secret: impl Into<TokenSecret>) -> Self {
        UserToken {
            token: token.into(),
            secret: secret.into(),
        }
    }
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserToken(<redacted>)")
    }
}

/// An answer of X: the decoded body, the HTTP status and the rate-limit window.
#[derive(Debug, Clone)]
pub struct Response<T> {
    data: T,
    status: u16,
    rate_limit: Option<RateLimit>,
}

impl<T> Response<T> {
    pub(crate) fn new(data: T, status: u16, rate_limit: Option<RateLimit>) -> Self {
        Response {
            data,
            status,
            rate_limit,
        }
    }

    /// The decoded body.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The decoded body, by value.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The HTTP status (200, 202, 204, ...).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `x-rate-limit-*` window X sent with this answer.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    version: ApiVersion,
    consumer_key: Option<String>,
    consumer_secret: Option<ConsumerSecret>,
    owner: Option<UserToken>,
    bearer: Option<BearerToken>,
    oauth2_user: Option<BearerToken>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    rate_limit_wait: Option<Duration>,
    check_webhook_urls: bool,
    stream_limits: StreamLimits,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            version: ApiVersion::V2,
            consumer_key: None,
            consumer_secret: None,
            owner: None,
            bearer: None,
            oauth2_user: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff: Duration::from_millis(500),
            rate_limit_wait: None,
            check_webhook_urls: true,
            stream_limits: StreamLimits::default(),
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default `https://api.x.com`). Plain `http://` is accepted only for
    /// loopback hosts (`127.0.0.1`, `[::1]`, `localhost`), for tests and local doubles of X.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The API version (default v2).
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The app's consumer key and secret (needed for OAuth 1.0a and to fetch a bearer token).
    pub fn consumer(mut self, key: impl Into<String>, secret: impl Into<ConsumerSecret>) -> Self {
        self.consumer_key = Some(key.into());
        self.consumer_secret = Some(secret.into());
        self
    }

    /// The app owner's access token and secret, for app-owner endpoints and as the default user.
    pub fn app_owner_token(
        mut self,
        token: impl Into<String>,
        secret: impl Into<TokenSecret>,
    ) -> Self {
        self.owner = Some(UserToken::new(token, secret));
        self
    }

    /// A bearer token to use as is. Without one, the client fetches one with
    /// `POST /oauth2/token` on first need and keeps it; a fetched token that X refuses with 401
    /// is fetched anew once.
    pub fn bearer_token(mut self, token: impl Into<BearerToken>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// An OAuth 2.0 user access token, for the X Activity API calls that accept one (creating
    /// and listing subscriptions) when a request asks for it with `as_oauth2_user` and gives no
    /// token of its own.
    pub fn oauth2_user_token(mut self, token: impl Into<BearerToken>) -> Self {
        self.oauth2_user = Some(token.into());
        self
    }

    /// The time allowed for one attempt, from sending to the end of the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries of idempotent calls (GET, PUT, DELETE) after connect errors, timeouts and 5xx
    /// answers (default 2). POST calls are never retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first retry's delay; it doubles with each further retry (default 500 ms).
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// On a 429 answer, wait for the window to reset and try once more when the reset is at
    /// most `max_wait` away. Off by default: a 429 is returned as [`ErrorKind::RateLimited`].
    pub fn wait_on_rate_limit(mut self, max_wait: Duration) -> Self {
        self.rate_limit_wait = Some(max_wait);
        self
    }

    /// Whether webhook URLs are checked locally before registration (default on). Turn it off
    /// only to register a local test double's URL.
    pub fn check_webhook_urls(mut self, check: bool) -> Self {
        self.check_webhook_urls = check;
        self
    }

    /// The activity stream limits this client keeps to across all its stream consumers (X's:
    /// 2 connections at once, 450 connection attempts per 15 minutes, per app).
    pub fn stream_limits(mut self, limits: StreamLimits) -> Self {
        self.stream_limits = limits;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] when the base URL is not `https://host[:port]`, or is
    /// `http://` to a host other than loopback, or the TLS setup fails.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        check_base_url(&base)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(Arc::new(rustls::crypto::ring::default_provider()))
            .map_err(|e| {
                Error::new(ErrorKind::InvalidConfig)
                    .with_message("tls setup failed")
                    .with_source(e)
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let http = HyperClient::builder(TokioExecutor::new()).build(https);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                version: self.version,
                consumer_key: self.consumer_key,
                consumer_secret: self.consumer_secret,
                owner: self.owner,
                bearer_given: self.bearer.is_some(),
                bearer: Mutex::new(self.bearer),
                oauth2_user: self.oauth2_user,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                max_retries: self.max_retries,
                backoff: self.backoff,
                rate_limit_wait: self.rate_limit_wait,
                check_webhook_urls: self.check_webhook_urls,
                last_rate_limit: Mutex::new(None),
                stream_slots: Arc::new(tokio::sync::Semaphore::new(self.stream_limits.connections)),
                stream_connects: Mutex::new(ConnectWindow::new()),
                stream_limits: self.stream_limits,
            }),
        })
    }
}

fn check_base_url(base: &str) -> Result<(), Error> {
    let bad = |why: &'static str| Err(Error::new(ErrorKind::InvalidConfig).with_message(why));
    let (secure, rest) = if let Some(rest) = base.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = base.strip_prefix("http://") {
        (false, rest)
    } else {
        return bad("base url must start with https:// (or http:// for loopback)");
    };
    if rest.contains(['?', '#', '@']) || rest.chars().any(char::is_whitespace) {
        return bad("base url must be scheme://host[:port][/prefix] without query or user info");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        authority.split(']').next().map_or("", |h| &h[1..])
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return bad("base url has no host");
    }
    if !secure && !matches!(host, "127.0.0.1" | "::1" | "localhost") {
        return bad("plain http is only allowed to a loopback host; use https");
    }
    Ok(())
}

type Http = HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

struct Inner {
    http: Http,
    base: String,
    version: ApiVersion,
    consumer_key: Option<String>,
    consumer_secret: Option<ConsumerSecret>,
    owner: Option<UserToken>,
    bearer: Mutex<Option<BearerToken>>,
    bearer_given: bool,
    oauth2_user: Option<BearerToken>,
    connect_timeout: Duration,
    timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    rate_limit_wait: Option<Duration>,
    check_webhook_urls: bool,
    last_rate_limit: Mutex<Option<RateLimit>>,
    /// Open activity stream connections (permits held while one is open).
    stream_slots: Arc<tokio::sync::Semaphore>,
    /// Recent activity stream connection attempts.
    stream_connects: Mutex<ConnectWindow>,
    stream_limits: StreamLimits,
}

/// A client of X's Account Activity management API. Cheap to clone (one shared connection
/// pool and bearer token).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("version", &self.inner.version)
            .finish_non_exhaustive()
    }
}

/// One call as the request types describe it.
pub(crate) struct Call {
    pub(crate) route: Route,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) json: Option<Vec<u8>>,
    pub(crate) user: Option<UserToken>,
    /// The authentication to use instead of the route's default (one it accepts).
    pub(crate) auth: Option<AuthKind>,
    /// The OAuth 2.0 user token for [`AuthKind::OAuth2User`], instead of the client's.
    pub(crate) oauth2_user: Option<BearerToken>,
}

impl Call {
    pub(crate) fn new(route: Route) -> Self {
        Call {
            route,
            query: Vec::new(),
            json: None,
            user: None,
            auth: None,
            oauth2_user: None,
        }
    }
}

/// How a request that accepts several kinds of authentication is to be sent; see
/// [`Route::accepted_auth`].
#[derive(Clone, Default)]
pub(crate) enum AuthChoice {
    /// The route's default.
    #[default]
    Default,
    /// OAuth 1.0a as this user (or the app owner when `None`).
    OAuth1User(Option<UserToken>),
    /// An OAuth 2.0 user token (or the client's when `None`).
    OAuth2User(Option<BearerToken>),
}

impl fmt::Debug for AuthChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthChoice::Default => "Default",
            AuthChoice::OAuth1User(_) => "OAuth1User(<redacted>)",
            AuthChoice::OAuth2User(_) => "OAuth2User(<redacted>)",
        })
    }
}

impl AuthChoice {
    /// Sets the call's authentication.
    pub(crate) fn apply(self, call: &mut Call) {
        match self {
            AuthChoice::Default => {}
            AuthChoice::OAuth1User(user) => {
                call.auth = Some(AuthKind::OAuth1User);
                call.user = user;
            }
            AuthChoice::OAuth2User(token) => {
                call.auth = Some(AuthKind::OAuth2User);
                call.oauth2_user = token;
            }
        }
    }
}

/// The answer to opening the activity stream.
pub(crate) enum StreamOpen {
    /// 2xx: the body streams on.
    Open(hyper::body::Incoming),
    /// Any other status, with its (bounded) body.
    Refused(Raw),
}

/// A raw answer: status, body, rate limit.
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) rate_limit: Option<RateLimit>,
}

enum Attempt {
    Done(Raw),
    Transient(Error),
}

impl Client {
    /// A builder with the defaults (`https://api.x.com`, v2).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API version this client calls.
    pub fn version(&self) -> ApiVersion {
        self.inner.version
    }

    /// The rate-limit window of the most recent answer that carried one.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        *self
            .inner
            .last_rate_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn checks_webhook_urls(&self) -> bool {
        self.inner.check_webhook_urls
    }

    /// Sends a call: resolves the path, authenticates, retries transient failures of idempotent
    /// calls with backoff, and waits out a 429 when allowed. Non-2xx answers become errors.
    pub(crate) async fn send(&self, call: Call) -> Result<Raw, Error> {
        let inner = &*self.inner;
        let route = &call.route;
        let path = route.path(&inner.version).ok_or_else(|| {
            Error::new(ErrorKind::Unsupported).with_message(format!(
                "{} has no {:?} endpoint",
                route.name(),
                inner.version
            ))
        })?;
        let auth = match call.auth {
            None => route.auth(&inner.version),
            Some(kind) if route.accepted_auth(&inner.version).contains(&kind) => kind,
            Some(kind) => {
                return Err(Error::new(ErrorKind::Unsupported)
                    .with_auth(route.auth(&inner.version))
                    .with_message(format!("{} does not accept {kind}", route.name())));
            }
        };
        let mut url = format!("{}{path}", inner.base);
        for (i, (name, value)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&aaa_crypto::oauth1::percent_encode(value));
        }
        let method = route.method();
        let mut retries = 0;
        let mut waited = false;
        let mut refreshed = false;
        loop {
            let authorization = self.authorization(auth, &method, &url, &call).await?;
            let mut req = http::Request::builder()
                .method(method.clone())
                .uri(&url)
                .header(AUTHORIZATION, authorization)
                .header(
                    USER_AGENT,
                    concat!("aaa-client/", env!("CARGO_PKG_VERSION")),
                );
            if call.json.is_some() {
                req = req.header(CONTENT_TYPE, "application/json");
            }
            let body = Full::new(Bytes::from(call.json.clone().unwrap_or_default()));
            let req = req.body(body).map_err(|e| {
                Error::new(ErrorKind::InvalidConfig)
                    .with_message("could not build the request")
                    .with_source(e)
            })?;
            let raw = match self.attempt(req).await? {
                Attempt::Done(raw) => raw,
                Attempt::Transient(err) => {
                    if route.is_idempotent() && retries < inner.max_retries {
                        tokio::time::sleep(inner.backoff * 2u32.saturating_pow(retries)).await;
                        retries += 1;
                        continue;
                    }
                    return Err(err);
                }
            };
            if (200..300).contains(&raw.status) {
                return Ok(raw);
            }
            let err = Error::from_response(raw.status, &raw.body, auth, raw.rate_limit);
            if raw.status == 401 && auth == AuthKind::Bearer && !inner.bearer_given && !refreshed {
                // A fetched token may have been invalidated; fetch a new one once.
                refreshed = true;
                *inner.bearer.lock().unwrap_or_else(PoisonError::into_inner) = None;
                continue;
            }
            if err.kind() == &ErrorKind::RateLimited && !waited {
                if let (Some(cap), Some(rl)) = (inner.rate_limit_wait, raw.rate_limit) {
                    let wait = rl.until_reset();
                    if wait <= cap {
                        waited = true;
                        tokio::time::sleep(wait + Duration::from_millis(50)).await;
                        continue;
                    }
                }
            }
            if raw.status >= 500 && route.is_idempotent() && retries < inner.max_retries {
                tokio::time::sleep(inner.backoff * 2u32.saturating_pow(retries)).await;
                retries += 1;
                continue;
            }
            return Err(err);
        }
    }

    /// A permit for one open activity stream connection (waits while the limit is reached).
    pub(crate) async fn stream_slot(&self) -> tokio::sync::OwnedSemaphorePermit {
        let slots = Arc::clone(&self.inner.stream_slots);
        // The semaphore is never closed.
        match slots.acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("the stream semaphore is never closed"),
        }
    }

    /// Takes a connection attempt from the window, or says how long until one is free.
    pub(crate) fn take_stream_connect(&self) -> Option<Duration> {
        self.inner
            .stream_connects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_take(&self.inner.stream_limits, std::time::Instant::now())
    }

    /// Forgets a bearer token fetched with `/oauth2/token` (so the next call fetches another);
    /// returns whether there was one to forget (a given token is kept).
    pub(crate) fn forget_fetched_bearer(&self) -> bool {
        if self.inner.bearer_given {
            return false;
        }
        self.inner
            .bearer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .is_some()
    }

    /// Opens `GET /2/activity/stream` with the bearer token; the head must arrive within the
    /// timeout, the body then streams without one.
    pub(crate) async fn open_stream(
        &self,
        query: &[(&'static str, String)],
    ) -> Result<StreamOpen, Error> {
        let inner = &*self.inner;
        let route = Route::ActivityStream;
        let path = route.path(&inner.version).unwrap_or_default();
        let mut url = format!("{}{path}", inner.base);
        for (i, (name, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&aaa_crypto::oauth1::percent_encode(value));
        }
        let authorization = self.bearer().await?.authorization_header();
        let req = http::Request::builder()
            .method(Method::GET)
            .uri(&url)
            .header(AUTHORIZATION, authorization)
            .header(
                USER_AGENT,
                concat!("aaa-client/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::new()))
            .map_err(|e| {
                Error::new(ErrorKind::InvalidConfig)
                    .with_message("could not build the request")
                    .with_source(e)
            })?;
        let head = tokio::time::timeout(
            inner.connect_timeout + inner.timeout,
            inner.http.request(req),
        )
        .await
        .map_err(|_| Error::new(ErrorKind::Timeout))?
        .map_err(|e| Error::new(ErrorKind::Connect).with_source(e))?;
        let status = head.status().as_u16();
        let rate_limit = RateLimit::from_headers(head.headers());
        if rate_limit.is_some() {
            *inner
                .last_rate_limit
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = rate_limit;
        }
        if (200..300).contains(&status) {
            return Ok(StreamOpen::Open(head.into_body()));
        }
        let body = tokio::time::timeout(
            inner.timeout,
            Limited::new(head.into_body(), 64 * 1024).collect(),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
        Ok(StreamOpen::Refused(Raw {
            status,
            body,
            rate_limit,
        }))
    }

    /// One HTTP exchange under the timeout.
    async fn attempt(&self, req: http::Request<Full<Bytes>>) -> Result<Attempt, Error> {
        let inner = &*self.inner;
        let target = format!("{} {}", req.method(), req.uri());
        let exchange = async {
            let resp = inner.http.request(req).await.map_err(|e| {
                Error::new(ErrorKind::Connect)
                    .with_message(target.clone())
                    .with_source(e)
            })?;
            let status = resp.status().as_u16();
            let rate_limit = RateLimit::from_headers(resp.headers());
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| {
                    Error::new(ErrorKind::Connect)
                        .with_message("reading the answer failed")
                        .with_source(e)
                })?
                .to_bytes();
            Ok::<_, Error>(Raw {
                status,
                body,
                rate_limit,
            })
        };
        match tokio::time::timeout(inner.timeout, exchange).await {
            Err(_) => Ok(Attempt::Transient(Error::new(ErrorKind::Timeout))),
            Ok(Err(e)) => Ok(Attempt::Transient(e)),
            Ok(Ok(raw)) => {
                if raw.rate_limit.is_some() {
                    *inner
                        .last_rate_limit
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = raw.rate_limit;
                }
                Ok(Attempt::Done(raw))
            }
        }
    }

    async fn authorization(
        &self,
        auth: AuthKind,
        method: &Method,
        url: &str,
        call: &Call,
    ) -> Result<String, Error> {
        let inner = &*self.inner;
        let token = match auth {
            AuthKind::Bearer => return Ok(self.bearer().await?.authorization_header()),
            AuthKind::OAuth2User => {
                return call
                    .oauth2_user
                    .as_ref()
                    .or(inner.oauth2_user.as_ref())
                    .map(BearerToken::authorization_header)
                    .ok_or_else(|| {
                        Error::new(ErrorKind::MissingCredentials)
                            .with_auth(auth)
                            .with_message("give an oauth 2.0 user access token")
                    });
            }
            AuthKind::OAuth1AppOwner => inner.owner.as_ref(),
            AuthKind::OAuth1User => call.user.as_ref().or(inner.owner.as_ref()),
        };
        let missing = || {
            Error::new(ErrorKind::MissingCredentials)
                .with_auth(auth)
                .with_message("set the consumer key and secret and an access token")
        };
        let (Some(key), Some(secret), Some(token)) =
            (&inner.consumer_key, &inner.consumer_secret, token)
        else {
            return Err(missing());
        };
        let creds = Credentials::new(key.clone(), secret.clone())
            .with_token(token.token.clone(), token.secret.clone());
        let signed = Signer::new(creds)
            .sign(&OAuthRequest::new(method.as_str(), url))
            .map_err(|e| Error::new(ErrorKind::Signing).with_source(e))?;
        Ok(signed.header)
    }

    /// The bearer token: the one given, the one fetched before, or a new one from
    /// `POST /oauth2/token`.
    async fn bearer(&self) -> Result<BearerToken, Error> {
        let inner = &*self.inner;
        if let Some(t) = inner
            .bearer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(t);
        }
        let (Some(key), Some(secret)) = (&inner.consumer_key, &inner.consumer_secret) else {
            return Err(Error::new(ErrorKind::MissingCredentials)
                .with_auth(AuthKind::Bearer)
                .with_message("give a bearer token, or the consumer key and secret to fetch one"));
        };
        let req = http::Request::builder()
            .method(Method::POST)
            .uri(format!("{}/oauth2/token", inner.base))
            .header(
                AUTHORIZATION,
                aaa_crypto::bearer::token_request_authorization(key, secret),
            )
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=UTF-8",
            )
            .header(
                USER_AGENT,
                concat!("aaa-client/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from_static(
                b"grant_type=client_credentials",
            )))
            .map_err(|e| Error::new(ErrorKind::Token).with_source(e))?;
        let raw = match self.attempt(req).await? {
            Attempt::Done(raw) => raw,
            Attempt::Transient(e) => return Err(e),
        };
        if !(200..300).contains(&raw.status) {
            let e = Error::from_response(raw.status, &raw.body, AuthKind::Bearer, raw.rate_limit);
            return Err(e.into_kind(ErrorKind::Token));
        }
        let answer: aaa_model::rest::BearerToken<'_> =
            serde_json::from_slice(&raw.body).map_err(|e| {
                Error::new(ErrorKind::Token)
                    .with_message("the token answer is not {\"access_token\":...}")
                    .with_source(e)
            })?;
        if answer
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(Error::new(ErrorKind::Token)
                .with_message("the token answer's token_type is not \"bearer\""));
        }
        let token = BearerToken::new(answer.access_token.as_str());
        *inner.bearer.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        Ok(token)
    }
}
