//! The emulator over real loopback HTTP: OAuth 1.0a checks (with an OAuth signer written here
//! from RFC 5849, and with aaa-crypto's), bearer tokens, CRC on register against a real
//! responder, the webhook limit, subscriptions in both versions and rate limits.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aaa_emulator::{Clock, Emulator, Options, RateLimits, State};
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

const CK: &str = "emuConsumerKey";
const CS: &str = "emuConsumerSecret";
const OWNER: &str = "1001";
const OWNER_TOKEN: &str = "1001-ownerToken";
const OWNER_SECRET: &str = "ownerTokenSecret";
const OTHER: &str = "1002";
const OTHER_TOKEN: &str = "1002-otherToken";
const OTHER_SECRET: &str = "otherTokenSecret";
const CK2: &str = "lockedKey";
const CS2: &str = "lockedSecret";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn seed(webhook_limit: usize) -> String {
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

struct Harness {
    base: String,
    clock: Arc<AtomicU64>,
    client: Client<HttpConnector, Full<Bytes>>,
    nonce: AtomicU64,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

impl Harness {
    async fn start(webhook_limit: usize, tweak: impl FnOnce(&mut Options)) -> Self {
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

    fn next_nonce(&self) -> String {
        format!("n{}x{}", self.nonce.fetch_add(1, Ordering::SeqCst), now())
    }

    async fn send(
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
    async fn user(
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
    fn sign(
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

    async fn bearer_token(&self, ck: &str, cs: &str) -> String {
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

    async fn bearer(&self, method: Method, path: &str, bearer: &str, json: Option<&str>) -> Reply {
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
fn pct(s: &str) -> String {
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
fn form_pairs(s: &str) -> Vec<(String, String)> {
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
fn rfc5849_header(
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
enum Mode {
    Correct,
    WrongToken,
    Slow,
    BadJson,
    ServerError,
}

struct Responder {
    url: String,
    mode: Arc<Mutex<Mode>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Responder {
    async fn start(secret: &'static str) -> Self {
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

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn crc_answer<B>(req: &Request<B>, mode: Mode, secret: &str) -> Response<Full<Bytes>> {
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

const REGISTER_V1: &str = "/1.1/account_activity/webhooks.json";

fn register_path(url: &str) -> String {
    format!("{REGISTER_V1}?url={}", pct(url))
}

fn v1_error(r: &Reply) -> (i64, String) {
    let e = &r.json["errors"][0];
    (
        e["code"].as_i64().unwrap(),
        e["message"].as_str().unwrap().to_owned(),
    )
}

const OWNER_CREDS: (&str, &str) = (OWNER_TOKEN, OWNER_SECRET);
const OTHER_CREDS: (&str, &str) = (OTHER_TOKEN, OTHER_SECRET);

#[tokio::test]
async fn oauth_failures_answer_code_32() {
    let h = Harness::start(1, |_| {}).await;
    let path = "/1.1/account_activity/webhooks/5/subscriptions/all.json";

    // A good signature gets past authentication: the webhook simply does not exist.
    let r = h.user(Method::GET, path, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        v1_error(&r),
        (34, "Sorry, that page does not exist.".into())
    );

    // aaa-crypto's signer is accepted too.
    let creds = aaa_crypto::oauth1::Credentials::new(CK, CS).with_token(OWNER_TOKEN, OWNER_SECRET);
    let url = format!("{}{path}", h.base);
    let signed = aaa_crypto::oauth1::Signer::new(creds)
        .sign(&aaa_crypto::oauth1::Request::new("GET", url.as_str()))
        .unwrap();
    let r = h
        .send(Method::GET, path, Some(signed.header.clone()), None, "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let refused = |r: &Reply| {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
        assert_eq!(v1_error(r), (32, "Could not authenticate you.".into()));
    };

    // Tampered signature: one character of the signature changed.
    let good = h.sign(
        &Method::GET,
        path,
        CK,
        CS,
        OWNER_CREDS,
        None,
        "tamper1",
        now(),
    );
    let sig_at = good.find("oauth_signature=\"").unwrap() + 17;
    let mut tampered = good.clone().into_bytes();
    tampered[sig_at] = if tampered[sig_at] == b'A' { b'B' } else { b'A' };
    let r = h
        .send(
            Method::GET,
            path,
            Some(String::from_utf8(tampered).unwrap()),
            None,
            "",
        )
        .await;
    refused(&r);
    // A signed query parameter that is changed in transit.
    let signed_q = h.sign(
        &Method::GET,
        &format!("{path}?a=1"),
        CK,
        CS,
        OWNER_CREDS,
        None,
        "tamper2",
        now(),
    );
    let r = h
        .send(
            Method::GET,
            &format!("{path}?a=2"),
            Some(signed_q),
            None,
            "",
        )
        .await;
    refused(&r);

    // Stale timestamp: the emulator's clock is 10 minutes ahead.
    h.clock.fetch_add(600, Ordering::SeqCst);
    let r = h.user(Method::GET, path, OWNER_CREDS, None).await;
    refused(&r);
    h.clock.store(now(), Ordering::SeqCst);
    let old = h.sign(
        &Method::GET,
        path,
        CK,
        CS,
        OWNER_CREDS,
        None,
        "old",
        now() - 301,
    );
    refused(&h.send(Method::GET, path, Some(old), None, "").await);

    // Reused nonce: the same signed request twice.
    let once = h.sign(&Method::GET, path, CK, CS, OWNER_CREDS, None, "once", now());
    let r = h
        .send(Method::GET, path, Some(once.clone()), None, "")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    refused(&h.send(Method::GET, path, Some(once), None, "").await);

    // Unknown consumer key, unknown token, wrong token secret.
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                "nokey",
                CS,
                OWNER_CREDS,
                None,
                "k",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                CK,
                CS,
                ("9-none", OWNER_SECRET),
                None,
                "t",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);
    let r = h
        .send(
            Method::GET,
            path,
            Some(h.sign(
                &Method::GET,
                path,
                CK,
                CS,
                (OWNER_TOKEN, "wrong"),
                None,
                "s",
                now(),
            )),
            None,
            "",
        )
        .await;
    refused(&r);

    // v2 refuses in its own shape.
    let v2 = "/2/account_activity/webhooks/5/subscriptions/all";
    let r = h
        .send(
            Method::GET,
            v2,
            Some(h.sign(
                &Method::GET,
                v2,
                "nokey",
                CS,
                OWNER_CREDS,
                None,
                "v2",
                now(),
            )),
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json["title"], "Unauthorized");
    assert_eq!(r.json["status"], 401);
    assert_eq!(r.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn bearer_tokens_and_the_wrong_kind_of_auth() {
    let h = Harness::start(1, |_| {}).await;
    let bearer = h.bearer_token(CK, CS).await;
    assert_eq!(
        bearer,
        h.bearer_token(CK, CS).await,
        "the same token comes back"
    );

    let basic = format!("Basic {}", STANDARD.encode(format!("{CK}:wrong")));
    let r = h
        .send(
            Method::POST,
            "/oauth2/token",
            Some(basic),
            Some("application/x-www-form-urlencoded"),
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"][0]["code"], 99);
    let basic = format!("Basic {}", STANDARD.encode(format!("{CK}:{CS}")));
    let r = h
        .send(
            Method::POST,
            "/oauth2/token",
            Some(basic),
            Some("application/x-www-form-urlencoded"),
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"][0]["code"], 170);

    // Bearer-only endpoints.
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, serde_json::json!([]));
    let r = h.bearer(Method::GET, "/2/webhooks", &bearer, None).await;
    assert_eq!(r.json["meta"]["result_count"], 0);
    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/subscriptions/count.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = h
        .bearer(Method::GET, REGISTER_V1, "Bearer not-a-token", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(v1_error(&r).0, 32);

    // No credentials at all.
    let r = h.send(Method::GET, REGISTER_V1, None, None, "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(v1_error(&r), (215, "Bad Authentication data.".into()));

    // OAuth 1.0a where only a bearer token is taken, and the other way round.
    let r = h.user(Method::GET, REGISTER_V1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 220);
    let r = h
        .bearer(
            Method::POST,
            "/1.1/account_activity/webhooks/1/subscriptions/all.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 220);
    let r = h
        .bearer(
            Method::POST,
            &register_path("http://127.0.0.1:1/x"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "v1.1 register takes OAuth 1.0a only"
    );
    let r = h.user(Method::GET, "/2/webhooks", OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["title"], "Unsupported Authentication");
    let r = h
        .bearer(
            Method::POST,
            "/2/account_activity/webhooks/1/subscriptions/all",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["title"], "Unsupported Authentication");
    assert!(
        r.json["detail"]
            .as_str()
            .unwrap()
            .contains("OAuth 2.0 Application-Only is forbidden")
    );
}

#[tokio::test]
async fn register_checks_crc_and_reports_each_failure() {
    let h = Harness::start(10, |_| {}).await;
    let hook = Responder::start(CS).await;
    let expect_214 = |r: &Reply, message: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
        assert_eq!(v1_error(r), (214, message.to_owned()));
    };
    let register = |url: String| {
        let h = &h;
        async move {
            h.user(Method::POST, &register_path(&url), OWNER_CREDS, None)
                .await
        }
    };

    hook.set(Mode::WrongToken);
    expect_214(
        &register(hook.url.clone()).await,
        "Webhook URL does not meet the requirements. Invalid CRC token or json response format.",
    );
    hook.set(Mode::BadJson);
    expect_214(
        &register(hook.url.clone()).await,
        "Webhook URL does not meet the requirements. Invalid CRC token or json response format.",
    );
    hook.set(Mode::ServerError);
    expect_214(
        &register(hook.url.clone()).await,
        "Non-200 response code during CRC GET request (i.e. 404, 500, etc).",
    );
    hook.set(Mode::Slow);
    expect_214(
        &register(hook.url.clone()).await,
        "High latency on CRC GET request. Your webhook should respond in less than 3 seconds.",
    );

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/webhook", closed.local_addr().unwrap());
    drop(closed);
    expect_214(
        &register(dead).await,
        "Webhook URL does not meet the requirements. CRC GET request failed.",
    );
    expect_214(
        &register("http://example.com/webhook".into()).await,
        "Webhook URL does not meet the requirements. Please use HTTPS.",
    );
    let r = h.user(Method::POST, REGISTER_V1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(v1_error(&r).0, 357);

    let bearer = h.bearer_token(CK, CS).await;
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(
        r.json,
        serde_json::json!([]),
        "no failed registration left a webhook"
    );

    // Success, v1.1 (OAuth 1.0a, url in a form body) and v2 (bearer, JSON body).
    hook.set(Mode::Correct);
    let form = format!("url={}", pct(&hook.url));
    let r = h
        .user(Method::POST, REGISTER_V1, OWNER_CREDS, Some(&form))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["url"], hook.url.as_str());
    assert_eq!(r.json["valid"], true);
    assert!(
        r.json["created_timestamp"]
            .as_str()
            .unwrap()
            .ends_with(" +0000")
    );
    let body = serde_json::json!({ "url": hook.url }).to_string();
    let r = h
        .bearer(Method::POST, "/2/webhooks", &bearer, Some(&body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["data"]["id"].as_str().is_some());
    assert!(
        r.json["data"]["created_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // A user who does not own the app may not register.
    let r = h
        .user(Method::POST, &register_path(&hook.url), OTHER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 348);
}

#[tokio::test]
async fn webhook_limit_crc_trigger_and_delete() {
    let h = Harness::start(1, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = r.json["id"].as_str().unwrap().to_owned();

    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        v1_error(&r),
        (214, "Too many resources already created.".into())
    );

    // PUT re-runs the CRC and sets `valid`.
    hook.set(Mode::ServerError);
    let put = format!("/1.1/account_activity/webhooks/{id}.json");
    let r = h.user(Method::PUT, &put, OWNER_CREDS, None).await;
    assert_eq!(v1_error(&r).0, 214);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.json[0]["valid"], false);
    hook.set(Mode::Correct);
    let r = h.user(Method::PUT, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.bearer(Method::GET, "/2/webhooks", &bearer, None).await;
    assert_eq!(r.json["data"][0]["valid"], true);
    assert_eq!(r.json["data"][0]["id"], id.as_str());
    let r = h
        .bearer(Method::PUT, &format!("/2/webhooks/{id}"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["attempted"], true);
    let r = h
        .user(
            Method::PUT,
            "/1.1/account_activity/webhooks/404.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);

    // Delete frees the slot.
    let r = h.user(Method::DELETE, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::DELETE, &put, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let r = h
        .bearer(Method::DELETE, &format!("/2/webhooks/{id}"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["deleted"], true);
}

#[tokio::test]
async fn subscriptions_in_both_versions() {
    let h = Harness::start(1, |_| {}).await;
    let hook = Responder::start(CS).await;
    let bearer = h.bearer_token(CK, CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let v1 = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let v2 = format!("/2/account_activity/webhooks/{id}/subscriptions/all");

    let r = h.user(Method::POST, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::POST, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(v1_error(&r), (355, "Subscription already exists.".into()));
    let r = h.user(Method::GET, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::GET, &v1, OTHER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);
    let r = h.user(Method::GET, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], false);
    let r = h.user(Method::POST, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], true);
    let r = h.user(Method::GET, &v2, OTHER_CREDS, None).await;
    assert_eq!(r.json["data"]["subscribed"], true);

    let r = h
        .bearer(
            Method::GET,
            "/1.1/account_activity/subscriptions/count.json",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["subscriptions_count_all"], 2);
    assert_eq!(r.json["account_name"], "owner");
    let r = h
        .bearer(
            Method::GET,
            "/2/account_activity/subscriptions/count",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscriptions_count_all"], "2");
    assert_eq!(r.json["data"]["provisioned_count"], "15");

    let r = h
        .bearer(
            Method::GET,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/all/list.json"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["webhook_id"], id.as_str());
    assert_eq!(
        r.json["subscriptions"],
        serde_json::json!([{"user_id": OWNER}, {"user_id": OTHER}])
    );
    let r = h
        .bearer(Method::GET, &format!("{v2}/list"), &bearer, None)
        .await;
    assert_eq!(r.json["data"]["application_id"], "77");
    assert_eq!(r.json["data"]["subscriptions"].as_array().unwrap().len(), 2);

    // Deactivate: the deprecated user-context form and by user id in both versions.
    let r = h.user(Method::DELETE, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.user(Method::GET, &v1, OWNER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/2/account_activity/webhooks/{id}/subscriptions/{OTHER}/all"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscribed"], false);
    let r = h.user(Method::POST, &v1, OTHER_CREDS, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .bearer(
            Method::DELETE,
            &format!("/1.1/account_activity/webhooks/{id}/subscriptions/{OTHER}/all.json"),
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h
        .bearer(
            Method::GET,
            "/2/account_activity/subscriptions/count",
            &bearer,
            None,
        )
        .await;
    assert_eq!(r.json["data"]["subscriptions_count_all"], "0");

    // An unknown webhook, and an app that may not manage subscriptions (348).
    let r = h
        .user(
            Method::POST,
            "/1.1/account_activity/webhooks/1/subscriptions/all.json",
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(v1_error(&r).0, 34);
    let path = format!("/1.1/account_activity/webhooks/{id}/subscriptions/all.json");
    let auth = h.sign(
        &Method::POST,
        &path,
        CK2,
        CS2,
        OWNER_CREDS,
        None,
        "locked",
        now(),
    );
    let r = h.send(Method::POST, &path, Some(auth), None, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v1_error(&r).0, 348);
}

#[tokio::test]
async fn rate_limits_are_counted_and_enforced() {
    let h = Harness::start(1, |o| {
        o.rate_limits = RateLimits {
            webhooks: 2,
            subscriptions: 3,
            replay: 5,
            window: Duration::from_secs(900),
        };
    })
    .await;
    let bearer = h.bearer_token(CK, CS).await;
    let header =
        |r: &Reply, name: &str| -> u64 { r.headers[name].to_str().unwrap().parse().unwrap() };
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(header(&r, "x-rate-limit-limit"), 2);
    assert_eq!(header(&r, "x-rate-limit-remaining"), 1);
    let reset = header(&r, "x-rate-limit-reset");
    assert!(reset > now() && reset <= now() + 901);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(header(&r, "x-rate-limit-remaining"), 0);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v1_error(&r), (88, "Rate limit exceeded.".into()));
    assert_eq!(header(&r, "x-rate-limit-remaining"), 0);
    assert_eq!(header(&r, "x-rate-limit-reset"), reset);

    // Another endpoint has its own window; v2 answers 429 as a problem document.
    let count = "/2/account_activity/subscriptions/count";
    for left in [2, 1, 0] {
        let r = h.bearer(Method::GET, count, &bearer, None).await;
        assert_eq!(header(&r, "x-rate-limit-remaining"), left);
        assert_eq!(header(&r, "x-rate-limit-limit"), 3);
    }
    let r = h.bearer(Method::GET, count, &bearer, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json["title"], "Too Many Requests");

    // The window resets.
    h.clock.fetch_add(901, Ordering::SeqCst);
    let r = h.bearer(Method::GET, REGISTER_V1, &bearer, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "x-rate-limit-remaining"), 1);
}

#[tokio::test]
async fn strict_urls_follow_x_rules() {
    let h = Harness::start(1, |o| o.strict_urls = true).await;
    let hook = Responder::start(CS).await;
    let r = h
        .user(Method::POST, &register_path(&hook.url), OWNER_CREDS, None)
        .await;
    assert_eq!(
        v1_error(&r),
        (
            214,
            "Webhook URL does not meet the requirements. Please use HTTPS.".into()
        )
    );
    let r = h
        .user(
            Method::POST,
            &register_path("https://example.com:8443/hook"),
            OWNER_CREDS,
            None,
        )
        .await;
    assert_eq!(
        v1_error(&r),
        (214, "Webhook URL does not meet the requirements.".into())
    );
    let r = h
        .send(
            Method::GET,
            "/1.1/account_activity/nothing.json",
            None,
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(v1_error(&r).0, 34);
}
