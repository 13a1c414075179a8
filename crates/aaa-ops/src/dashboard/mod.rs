//! The live dashboard: one self-contained page (HTML, CSS and JavaScript compiled into the
//! binary, nothing loaded from elsewhere) on a listener of its own, never on the webhook's, with
//! JSON endpoints and server-sent events backed by the store interface.
//!
//! - `GET /`: the page.
//! - `GET /api/events?kind=&user=&text=&before=&limit=`: one page of events, newest first, the
//!   cursor of the page before it and whether there is more; with a filter, each request looks
//!   at a bounded number of stored events (`examined_at_most`) and the next one goes on from
//!   where it stopped.
//! - `GET /api/event?id=PART:SEQ`: one event with its delivery and duplicates.
//! - `GET /api/stats`: requests by outcome, store counts, events per kind since start, and both
//!   per 5 s over the last ten minutes (`history`).
//! - `GET /api/ops`: the watchdog's view, whether an outage is open, the gaps and their replays.
//! - `GET /api/live?kind=&user=&text=`: new events as server-sent events, in batches of at most
//!   [`LIVE_BATCH`] every 250 ms (more is reported as a count of missed events, so a slow page
//!   never holds the server back).
//! - `POST /api/redeliver` `{"id"}`: posts the event's delivery to the forward target again.
//!
//! Security: bound to loopback by default, where only requests whose `Host` names a loopback
//! address are answered (so a web page on another name cannot reach it through DNS rebinding);
//! bound elsewhere it needs an access token (`?token=` once, then a `SameSite=Strict` cookie).
//! Actions are `POST` only, need a per-process token in the `x-aaa-csrf` header (the page gets
//! it; another site cannot read it) and an `Origin`, when sent, that is the dashboard's own. No
//! secret is ever sent to the page: no consumer secret, token or signature, only which of the
//! app's secrets a signature matched.

mod api;
mod feed;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use aaa_receiver::{Forwarder, Receiver};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::journal::Journal;
use crate::shared::Board;

/// The most events one server-sent batch carries; the rest of a burst is counted as missed.
pub const LIVE_BATCH: usize = 200;

const PAGE_HTML: &str = include_str!("page.html");
const PAGE_CSS: &str = include_str!("page.css");
const PAGE_JS: &str = include_str!("page.js");

pub(crate) type Body = BoxBody<Bytes, std::convert::Infallible>;

/// Where the dashboard listens and what it may do. Its `Debug` output shows whether there is an
/// access token, never the token.
#[derive(Clone)]
#[non_exhaustive]
pub struct DashboardConfig {
    /// The address to listen on (loopback by default).
    pub addr: SocketAddr,
    /// The access token, required when `addr` is not a loopback address.
    pub access_token: Option<String>,
    /// The forward target, for the redeliver action.
    pub forward: Option<Forwarder>,
}

/// `Some("<redacted>")` for a token, for `Debug` output.
fn redacted(token: Option<&String>) -> Option<&'static str> {
    token.map(|_| "<redacted>")
}

impl std::fmt::Debug for DashboardConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardConfig")
            .field("addr", &self.addr)
            .field("access_token", &redacted(self.access_token.as_ref()))
            .field("forward", &self.forward)
            .finish()
    }
}

impl DashboardConfig {
    /// A dashboard on `addr`, without access token or forward target.
    pub fn new(addr: SocketAddr) -> DashboardConfig {
        DashboardConfig {
            addr,
            access_token: None,
            forward: None,
        }
    }
}

/// Why the dashboard could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardError(String);

impl std::fmt::Display for DashboardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dashboard: {}", self.0)
    }
}

impl std::error::Error for DashboardError {}

pub(crate) struct State {
    pub(crate) receiver: Receiver,
    pub(crate) board: Board,
    pub(crate) journal: Option<Journal>,
    pub(crate) forward: Option<Forwarder>,
    pub(crate) csrf: String,
    pub(crate) access_token: Option<String>,
    /// Events per kind stored since the dashboard started.
    pub(crate) kinds: Mutex<feed::Kinds>,
    /// The counters over the last minutes.
    pub(crate) history: Mutex<feed::History>,
    /// Each stored event as a list row, for the open pages' live feeds.
    pub(crate) rows: broadcast::Sender<Arc<feed::LiveRow>>,
    /// The store's counts, when they were taken (counting is a scan: at most every
    /// [`COUNTS_EVERY`]) and how many events this receiver had stored then.
    pub(crate) counts: tokio::sync::Mutex<Option<StoreCountsAt>>,
    pub(crate) started_ms: i64,
}

/// How often the store is counted for the page.
pub(crate) const COUNTS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The store's counts, when they were taken, and the receiver's stored-events counter then.
pub(crate) type StoreCountsAt = (std::time::Instant, aaa_receiver::StoreCounts, u64);

impl State {
    pub(crate) fn kinds(&self) -> feed::Kinds {
        self.kinds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A running dashboard. Its `Debug` output never shows the access token.
pub struct Dashboard {
    local: SocketAddr,
    token: Option<String>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("local", &self.local)
            .field("token", &redacted(self.token.as_ref()))
            .finish_non_exhaustive()
    }
}

/// 32 random bytes as hex.
fn random_token() -> Result<String, DashboardError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| DashboardError("no random numbers".into()))?;
    Ok(b.iter()
        .flat_map(|x| [HEX[usize::from(x >> 4)], HEX[usize::from(x & 15)]])
        .map(char::from)
        .collect())
}

impl Dashboard {
    /// Binds `config.addr` and serves the dashboard of `receiver`'s store and metrics, the
    /// board's watchdog state and the journal's gaps, until [`Dashboard::stop`].
    ///
    /// # Errors
    ///
    /// When the address is not loopback and no access token is given, or it cannot be bound.
    pub async fn start(
        config: DashboardConfig,
        receiver: Receiver,
        board: Board,
        journal: Option<Journal>,
    ) -> Result<Dashboard, DashboardError> {
        if !config.addr.ip().is_loopback() && config.access_token.is_none() {
            return Err(DashboardError(format!(
                "{} is not a loopback address: an access token is required to serve the dashboard there",
                config.addr
            )));
        }
        if config.access_token.as_deref().is_some_and(|t| t.len() < 16) {
            return Err(DashboardError(
                "the access token must be at least 16 characters".into(),
            ));
        }
        // It travels in a URL's query and a cookie: characters that need escaping there (a
        // base64 `+` reads as a space) would make a token that never matches.
        if config.access_token.as_deref().is_some_and(|t| {
            !t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        }) {
            return Err(DashboardError(
                "the access token may hold only letters, digits and - . _ ~ (it is sent in a URL and a cookie); make one with e.g. `openssl rand -hex 24`".into(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| DashboardError(format!("cannot listen on {}: {e}", config.addr)))?;
        let local = listener
            .local_addr()
            .map_err(|e| DashboardError(e.to_string()))?;
        let state = Arc::new(State {
            receiver,
            board,
            journal,
            forward: config.forward,
            csrf: random_token()?,
            access_token: config.access_token.clone(),
            kinds: Mutex::new(feed::Kinds::default()),
            history: Mutex::new(feed::History::default()),
            rows: broadcast::channel(feed::FEED_CAPACITY).0,
            counts: tokio::sync::Mutex::new(None),
            started_ms: crate::shared::now_ms(),
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(listener, state, stop_rx));
        Ok(Dashboard {
            local,
            token: config.access_token,
            stop,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The page's URL (with `?token=` when an access token is needed: it carries the token, so
    /// keep it out of logs; [`Dashboard::public_url`] is the one to print).
    pub fn url(&self) -> String {
        match &self.token {
            Some(t) => format!("http://{}/?token={t}", self.local),
            None => self.public_url(),
        }
    }

    /// The page's URL without the access token, and what to add to it: fit for a log line.
    pub fn public_url(&self) -> String {
        let url = format!("http://{}/", self.local);
        if self.token.is_some() {
            format!("{url} (open {url}?token=TOKEN once, TOKEN being the access token)")
        } else {
            url
        }
    }

    /// Stops serving.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(feed::run(
        Arc::clone(&state),
        state.rows.clone(),
        stop.clone(),
    ));
    loop {
        let conn = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            c = listener.accept() => c,
        };
        let Ok((stream, _)) = conn else {
            continue;
        };
        let state = Arc::clone(&state);
        let conn_stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let state = Arc::clone(&state);
                let stop = conn_stop.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&state, req, stop).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

pub(crate) fn full(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()).boxed());
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

pub(crate) fn json(status: StatusCode, v: &serde_json::Value) -> Response<Body> {
    full(status, "application/json", v.to_string())
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message }))
}

/// Whether `host` (a `Host` header, with or without a port) names a loopback address: a page
/// on any other name (a DNS-rebinding attack's, for one) is not answered.
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6] or [v6]:port
        match rest.split_once(']') {
            Some((name, port)) if port.is_empty() || port.starts_with(':') => name,
            _ => return false,
        }
    } else {
        host.split_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    let q = req.uri().query()?;
    q.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| api::percent_decode(v))
    })
}

fn cookie_token(req: &Request<Incoming>) -> Option<String> {
    let cookies = req.headers().get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == "aaa_dashboard").then(|| v.to_owned())
    })
}

/// Compares two tokens without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn handle(
    state: &Arc<State>,
    req: Request<Incoming>,
    stop: watch::Receiver<bool>,
) -> Response<Body> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut set_cookie = None;
    match &state.access_token {
        None => {
            if !loopback_host(&host) {
                return error(
                    StatusCode::FORBIDDEN,
                    "this dashboard answers only requests addressed to a loopback host",
                );
            }
        }
        Some(token) => {
            let given = query_param(&req, "token");
            let ok = given.as_deref().is_some_and(|g| same(g, token))
                || cookie_token(&req).is_some_and(|c| same(&c, token));
            if !ok {
                return error(StatusCode::UNAUTHORIZED, "an access token is required");
            }
            if given.is_some() {
                set_cookie = Some(format!(
                    "aaa_dashboard={token}; HttpOnly; SameSite=Strict; Path=/"
                ));
            }
        }
    }
    let mut response = route(state, req, &host, stop).await;
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    response
}

async fn route(
    state: &Arc<State>,
    req: Request<Incoming>,
    host: &str,
    stop: watch::Receiver<bool>,
) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => page(state),
        ("GET", "/api/events") => api::events(state, &req).await,
        ("GET", "/api/event") => api::event(state, &req).await,
        ("GET", "/api/stats") => api::stats(state).await,
        ("GET", "/api/ops") => api::ops(state).await,
        ("GET", "/api/live") => api::live(state, &req, stop),
        ("POST", "/api/redeliver") => {
            if let Some(refusal) = cross_site(state, &req, host) {
                return refusal;
            }
            let body = match http_body_util::Limited::new(req.into_body(), 4096)
                .collect()
                .await
            {
                Ok(b) => b.to_bytes(),
                Err(_) => return error(StatusCode::BAD_REQUEST, "the body could not be read"),
            };
            api::redeliver(state, &body).await
        }
        (_, "/" | "/api/events" | "/api/event" | "/api/stats" | "/api/ops" | "/api/live") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "use GET")
        }
        (_, "/api/redeliver") => error(StatusCode::METHOD_NOT_ALLOWED, "use POST"),
        _ => error(StatusCode::NOT_FOUND, "no such page"),
    }
}

/// Refuses an action that may come from another site: without the per-process token in
/// `x-aaa-csrf`, with an `Origin` that is not the dashboard's own, or not JSON.
fn cross_site(state: &State, req: &Request<Incoming>, host: &str) -> Option<Response<Body>> {
    let token = req
        .headers()
        .get("x-aaa-csrf")
        .and_then(|v| v.to_str().ok());
    if !token.is_some_and(|t| same(t, &state.csrf)) {
        return Some(error(
            StatusCode::FORBIDDEN,
            "missing or wrong x-aaa-csrf token",
        ));
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let own = format!("http://{host}");
        if origin.to_str().ok() != Some(own.as_str()) {
            return Some(error(StatusCode::FORBIDDEN, "cross-origin request refused"));
        }
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Some(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send application/json",
        ));
    }
    None
}

/// The page: the HTML with its CSS and JavaScript inlined and this process's CSRF token.
fn page(state: &State) -> Response<Body> {
    let html = PAGE_HTML
        .replace("/*CSS*/", PAGE_CSS)
        .replace("/*JS*/", PAGE_JS)
        .replace("{{CSRF}}", &state.csrf)
        .replace(
            "{{FORWARD}}",
            if state.forward.is_some() { "1" } else { "" },
        );
    let mut r = full(StatusCode::OK, "text/html; charset=utf-8", html);
    let h = r.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts() {
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "127.1.2.3:80",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.evil.example:80",
            "10.0.0.1:8080",
            "[::2]:8080",
            "[::1]x",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
