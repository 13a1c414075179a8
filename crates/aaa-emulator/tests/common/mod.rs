//! What the emulator's HTTP tests share: a harness that runs the emulator on loopback with a
//! seeded state and a movable clock, an OAuth 1.0a signer written here from RFC 5849 (sharing
//! nothing with aaa-crypto), and a webhook's CRC responder.

#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aaa_emulator::{Clock, Emulator, Options, State};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ring::hmac;
use serde_json::Value;

pub const CK: &str = "emuConsumerKey";
pub const CS: &str = "emuConsumerSecret";
pub const OWNER: &str = "1001";
pub const OWNER_TOKEN: &str = "1001-ownerToken";
pub const OWNER_SECRET: &str = "ownerTokenSecret";
pub const OTHER: &str = "1002";
pub const OTHER_TOKEN: &str = "1002-otherToken";
pub const OTHER_SECRET: &str = "otherTokenSecret";
pub const CK2: &str = "lockedKey";
pub const CS2: &str = "lockedSecret";
pub const CK3: &str = "otherAppKey";
pub const CS3: &str = "otherAppSecret";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn seed(webhook_limit: usize) -> String {
    format!(
        r#"
        [[apps]]
        app_id = "77"
        consumer_key = "{CK}"
        consumer_secret = "{CS}"
        owner = "{OWNER}"
        webhook_limit = {webhook_limit}
        [[apps]]
        app_id = "78"
        consumer_key = "{CK2}"
        consumer_secret = "{CS2}"
        owner = "{OWNER}"
        subscriptions_permitted = false
        [[apps]]
        app_id = "79"
        consumer_key = "{CK3}"
        consumer_secret = "{CS3}"
        owner = "{OTHER}"
        [[users]]
        user_id = "{OWNER}"
        screen_name = "owner"
        access_token = "{OWNER_TOKEN}"
        access_token_secret = "{OWNER_SECRET}"
        [[users]]
        user_id = "{OTHER}"
        screen_name = "other"
        access_token = "{OTHER_TOKEN}"
        access_token_secret = "{OTHER_SECRET}"
        "#
    )
}

pub struct Harness {
    pub base: String,
    pub clock: Arc<AtomicU64>,
    pub client: Client<HttpConnector, Full<Bytes>>,
    pub nonce: AtomicU64,
    pub _stop: tokio::sync::oneshot::Sender<()>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Harness {
    pub async fn start(webhook_limit: usize, tweak: impl FnOnce(&mut Options)) -> Self {
        let clock = Arc::new(AtomicU64::new(now()));
        let c = Arc::clone(&clock);
        let mut options = Options {
            crc_deadline: Duration::from_millis(400),
            clock: Clock::from_fn(move || c.load(Ordering::SeqCst)),
            ..Options::default()
        };
        tweak(&mut options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = State::from_toml(&seed(webhook_limit)).unwrap();
        state.set_base_url(base.clone());
        let summary: Value = serde_json::from_str(&state.summary_json()).unwrap();
        assert_eq!(summary["base_url"], base.as_str());
        assert_eq!(summary["apps"][0]["owner"]["access_token"], OWNER_TOKEN);
        let emulator = Emulator::new(state, options);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(aaa_emulator::serve(listener, emulator, async {
            let _ = stopped.await;
        }));
        Self {
            base,
            clock,
            client: Client::builder(TokioExecutor::new()).build_http(),
            nonce: AtomicU64::new(0),
            _stop: stop,
        }
    }

    pub fn next_nonce(&self) -> String {
        format!("n{}x{}", self.nonce.fetch_add(1, Ordering::SeqCst), now())
    }

    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        authorization: Option<String>,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path_and_query}", self.base));
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
        let res = tokio::time::timeout(Duration::from_secs(10), self.client.request(req))
            .await
            .expect("the emulator answers in time")
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON body")
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    /// A request signed by the RFC 5849 signer of this file.
    pub async fn user(
        &self,
        method: Method,
        path_and_query: &str,
        token: (&str, &str),
        form: Option<&str>,
    ) -> Reply {
        let auth = self.sign(
            &method,
            path_and_query,
            CK,
            CS,
            token,
            form,
            &self.next_nonce(),
            now(),
        );
        let ct = form.map(|_| "application/x-www-form-urlencoded");
        self.send(method, path_and_query, Some(auth), ct, form.unwrap_or(""))
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        &self,
        method: &Method,
        path_and_query: &str,
        ck: &str,
        cs: &str,
        token: (&str, &str),
        form: Option<&str>,
        nonce: &str,
        timestamp: u64,
    ) -> String {
        rfc5849_header(
            method.as_str(),
            &format!("{}{path_and_query}", self.base),
            form,
            ck,
            cs,
            token,
            nonce,
            timestamp,
        )
    }

    pub async fn bearer_token(&self, ck: &str, cs: &str) -> String {
        let basic = format!("Basic {}", STANDARD.encode(format!("{ck}:{cs}")));
        let r = self
            .send(
                Method::POST,
                "/oauth2/token",
                Some(basic),
                Some("application/x-www-form-urlencoded;charset=UTF-8"),
                "grant_type=client_credentials",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["token_type"], "bearer");
        format!("Bearer {}", r.json["access_token"].as_str().unwrap())
    }

    pub async fn bearer(
        &self,
        method: Method,
        path: &str,
        bearer: &str,
        json: Option<&str>,
    ) -> Reply {
        self.send(
            method,
            path,
            Some(bearer.to_owned()),
            json.map(|_| "application/json"),
            json.unwrap_or(""),
        )
        .await
    }
}

// ---- An OAuth 1.0a signer written from RFC 5849, sharing nothing with aaa-crypto. ----

/// RFC 5849 section 3.6: every byte but ALPHA, DIGIT, `-`, `.`, `_`, `~` as `%XX`.
pub fn pct(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space).
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    let unescape = |v: &str| {
        let v = v.replace('+', " ");
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn rfc5849_header(
    method: &str,
    url: &str,
    form: Option<&str>,
    ck: &str,
    cs: &str,
    (token, token_secret): (&str, &str),
    nonce: &str,
    timestamp: u64,
) -> String {
    let (base_uri, query) = url.split_once('?').unwrap_or((url, ""));
    let timestamp = timestamp.to_string();
    let oauth = [
        ("oauth_consumer_key", ck),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", token),
        ("oauth_version", "1.0"),
    ];
    let mut params: Vec<(String, String)> = form_pairs(query)
        .into_iter()
        .chain(form.map(form_pairs).unwrap_or_default())
        .chain(
            oauth
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .map(|(k, v)| (pct(&k), pct(&v)))
        .collect();
    params.sort();
    let normalized = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("{method}&{}&{}", pct(base_uri), pct(&normalized));
    let key = hmac::Key::new(
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        format!("{}&{}", pct(cs), pct(token_secret)).as_bytes(),
    );
    let signature = STANDARD.encode(hmac::sign(&key, base.as_bytes()).as_ref());
    let mut header = String::from("OAuth ");
    for (k, v) in oauth
        .iter()
        .copied()
        .chain([("oauth_signature", signature.as_str())])
    {
        if header.len() > 6 {
            header.push_str(", ");
        }
        let _ = write!(header, "{k}=\"{}\"", pct(v));
    }
    header
}

// ---- A webhook's CRC responder on loopback. ----

#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Correct,
    WrongToken,
    Slow,
    BadJson,
    ServerError,
}

pub struct Responder {
    pub url: String,
    pub mode: Arc<Mutex<Mode>>,
    pub _stop: tokio::sync::oneshot::Sender<()>,
}

impl Responder {
    pub async fn start(secret: &'static str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(Mode::Correct));
        let m = Arc::clone(&mode);
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    r = listener.accept() => r.unwrap().0,
                };
                let m = Arc::clone(&m);
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let mode = *m.lock().unwrap();
                            async move {
                                Ok::<_, std::convert::Infallible>(
                                    crc_answer(&req, mode, secret).await,
                                )
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self {
            url: format!("http://{addr}/webhook?app=1"),
            mode,
            _stop: stop,
        }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

pub async fn crc_answer<B>(req: &Request<B>, mode: Mode, secret: &str) -> Response<Full<Bytes>> {
    let token = form_pairs(req.uri().query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "crc_token")
        .map(|(_, v)| v)
        .unwrap_or_default();
    assert!(req.uri().query().unwrap().contains("app=1"));
    let correct =
        aaa_crypto::crc_response_body(&aaa_crypto::ConsumerSecret::new(secret), &token).unwrap();
    let (status, body) = match mode {
        Mode::Correct => (200, correct),
        Mode::WrongToken => (
            200,
            aaa_crypto::crc_response_body(&aaa_crypto::ConsumerSecret::new("nope"), &token)
                .unwrap(),
        ),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            (200, correct)
        }
        Mode::BadJson => (200, "{\"response_token\": ".to_owned()),
        Mode::ServerError => (500, correct),
    };
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = StatusCode::from_u16(status).unwrap();
    res
}

pub const REGISTER_V1: &str = "/1.1/account_activity/webhooks.json";

pub fn register_path(url: &str) -> String {
    format!("{REGISTER_V1}?url={}", pct(url))
}

pub fn v1_error(r: &Reply) -> (i64, String) {
    let e = &r.json["errors"][0];
    (
        e["code"].as_i64().unwrap(),
        e["message"].as_str().unwrap().to_owned(),
    )
}

pub const OWNER_CREDS: (&str, &str) = (OWNER_TOKEN, OWNER_SECRET);
pub const OTHER_CREDS: (&str, &str) = (OTHER_TOKEN, OTHER_SECRET);
