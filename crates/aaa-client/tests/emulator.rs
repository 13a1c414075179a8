//! The client against the emulator on loopback: every management call in both versions, with a
//! CRC responder started here, the authentication mistakes X refuses, the webhook limit, rate
//! limits and a bearer token fetched from the emulator's `/oauth2/token`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aaa_client::{ApiVersion, AuthKind, Client, ClientBuilder, ErrorKind, UserToken};
use aaa_crypto::ConsumerSecret;
use aaa_crypto::oauth1::{Credentials, Request as OAuthRequest, Signer};
use aaa_emulator::{Emulator, Options, RateLimits, State};
use aaa_model::UserId;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;

const CK: &str = "clientTestConsumerKey";
const CS: &str = "clientTestConsumerSecret";
const OWNER: u64 = 2001;
const OWNER_TOKEN: &str = "2001-ownerAccessToken";
const OWNER_SECRET: &str = "ownerAccessTokenSecret";
const USER: u64 = 2002;

/// Every await in these tests is bounded by this.
const BOUND: Duration = Duration::from_secs(20);

fn seed(webhook_limit: usize) -> String {
    format!(
        r#"
        [[apps]]
        app_id = "91"
        consumer_key = "{CK}"
        consumer_secret = "{CS}"
        owner = "{OWNER}"
        webhook_limit = {webhook_limit}
        [[users]]
        user_id = "{OWNER}"
        screen_name = "owner"
        access_token = "{OWNER_TOKEN}"
        access_token_secret = "{OWNER_SECRET}"
        [[users]]
        user_id = "{USER}"
        screen_name = "alice"
        access_token = "2002-aliceAccessToken"
        access_token_secret = "aliceAccessTokenSecret"
        "#
    )
}

/// The emulator, served on `127.0.0.1:0` until dropped.
struct Emu {
    base: String,
    emulator: Emulator,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Emu {
    async fn start(webhook_limit: usize, tweak: impl FnOnce(&mut Options)) -> Self {
        let mut options = Options {
            crc_deadline: Duration::from_secs(2),
            ..Options::default()
        };
        tweak(&mut options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = State::from_toml(&seed(webhook_limit)).unwrap();
        state.set_base_url(base.clone());
        let emulator = Emulator::new(state, options);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(aaa_emulator::serve(listener, emulator.clone(), async {
            let _ = stopped.await;
        }));
        Emu {
            base,
            emulator,
            _stop: stop,
        }
    }

    fn client(&self, version: ApiVersion) -> ClientBuilder {
        Client::builder()
            .base_url(&self.base)
            .version(version)
            .consumer(CK, CS)
            .app_owner_token(OWNER_TOKEN, OWNER_SECRET)
            .check_webhook_urls(false)
            .timeout(Duration::from_secs(5))
            .max_retries(0)
    }

    /// The access token of a seeded user, as the emulator holds it.
    fn user_token(&self, user_id: u64) -> UserToken {
        let state = self.emulator.state();
        let user = state
            .users()
            .iter()
            .find(|u| u.user_id == user_id.to_string())
            .expect("seeded user");
        UserToken::new(user.access_token.clone(), user.access_token_secret.clone())
    }
}

/// A webhook on loopback that answers X's CRC GET, correctly unless told to answer wrongly.
struct Responder {
    url: String,
    wrong: Arc<AtomicBool>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Responder {
    async fn start(secret: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let wrong = Arc::new(AtomicBool::new(false));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let secret = ConsumerSecret::new(secret);
        let flag = Arc::clone(&wrong);
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    r = listener.accept() => match r {
                        Ok((s, _)) => s,
                        Err(_) => continue,
                    },
                };
                let secret = secret.clone();
                let flag = Arc::clone(&flag);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<_>| {
                        let token = req
                            .uri()
                            .query()
                            .unwrap_or_default()
                            .split('&')
                            .find_map(|kv| kv.strip_prefix("crc_token="))
                            .unwrap_or_default()
                            .to_owned();
                        let signed_with = if flag.load(Ordering::SeqCst) {
                            ConsumerSecret::new("not-the-consumer-secret")
                        } else {
                            secret.clone()
                        };
                        let body = serde_json::json!({
                            "response_token":
                                aaa_crypto::crc_response_token(&signed_with, token.as_bytes()),
                        })
                        .to_string();
                        async move {
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(body)))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Responder {
            url: format!("http://{addr}/webhooks/x"),
            wrong,
            _stop: stop,
        }
    }
}

async fn bounded<F: std::future::IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f.into_future())
        .await
        .expect("answered in time")
}

/// A raw request to the emulator, for the credential mix-ups the client never makes itself.
async fn raw(emu: &Emu, method: Method, path: &str, authorization: String) -> (StatusCode, Value) {
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let req = Request::builder()
        .method(method)
        .uri(format!("{}{path}", emu.base))
        .header("authorization", authorization)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = bounded(http.request(req)).await.unwrap();
    let status = res.status();
    let body = bounded(res.into_body().collect()).await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn owner_oauth1(emu: &Emu, method: &Method, path: &str) -> String {
    let creds = Credentials::new(CK, CS).with_token(OWNER_TOKEN, OWNER_SECRET);
    Signer::new(creds)
        .sign(&OAuthRequest::new(
            method.as_str(),
            format!("{}{path}", emu.base),
        ))
        .unwrap()
        .header
}

async fn fetch_bearer(emu: &Emu) -> String {
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/oauth2/token", emu.base))
        .header(
            "authorization",
            aaa_crypto::bearer::token_request_authorization(CK, &ConsumerSecret::new(CS)),
        )
        .header(
            "content-type",
            "application/x-www-form-urlencoded;charset=UTF-8",
        )
        .body(Full::new(Bytes::from_static(
            b"grant_type=client_credentials",
        )))
        .unwrap();
    let res = bounded(http.request(req)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = bounded(res.into_body().collect()).await.unwrap().to_bytes();
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["token_type"], "bearer");
    json["access_token"].as_str().unwrap().to_owned()
}

/// Register, list, CRC, subscribe, check, count, list subscriptions, deactivate and delete.
async fn whole_lifecycle(version: ApiVersion) {
    let emu = Emu::start(1, |_| {}).await;
    let webhook = Responder::start(CS).await;
    let client = emu.client(version).build().unwrap();
    let alice = emu.user_token(USER);

    let registered = bounded(client.register_webhook(&webhook.url))
        .await
        .unwrap()
        .into_data();
    assert_eq!(registered.url.as_ref(), webhook.url);
    assert_eq!(registered.valid, Some(true));
    assert!(registered.created().is_some());
    let id = registered.id.as_str().to_owned();
    assert!(!id.is_empty());

    let listed = bounded(client.list_webhooks()).await.unwrap();
    assert_eq!(listed.status(), 200);
    let rl = listed.rate_limit().expect("x-rate-limit-* headers");
    // X's figures: 15 per window for v1.1 (the enterprise reference), 450 for GET /2/webhooks.
    let documented = if version == ApiVersion::V2 { 450 } else { 15 };
    assert_eq!(rl.limit, documented);
    let listed = listed.into_data();
    assert_eq!(listed.webhooks.len(), 1);
    assert_eq!(listed.webhooks[0].id.as_str(), id);
    assert_eq!(listed.webhooks[0].url.as_ref(), webhook.url);
    assert_eq!(listed.webhooks[0].valid, Some(true));

    let crc = bounded(client.trigger_crc(id.clone())).await.unwrap();
    assert_eq!(crc.data().valid, Some(true), "{:?}", crc.data());

    let sub = bounded(client.subscribe(id.clone()).as_user(alice.clone()))
        .await
        .unwrap();
    assert_eq!(sub.data().subscribed, Some(true));
    let again = bounded(client.subscribe(id.clone()).as_user(alice.clone()))
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(409));
    assert_eq!(again.code(), Some(355));

    let yes = bounded(client.check_subscription(id.clone()).as_user(alice.clone()))
        .await
        .unwrap();
    assert_eq!(yes.data().subscribed, Some(true));
    // The owner is not subscribed.
    match bounded(client.check_subscription(id.clone())).await {
        Ok(no) => assert_eq!(no.data().subscribed, Some(false)),
        Err(e) => {
            assert_eq!(version, ApiVersion::V1_1, "{e}");
            assert_eq!((e.status(), e.code()), (Some(404), Some(34)));
        }
    }

    let count = bounded(client.count_subscriptions())
        .await
        .unwrap()
        .into_data();
    assert_eq!(count.active(), Some(1));

    let list = bounded(client.list_subscriptions(id.clone()))
        .await
        .unwrap()
        .into_data();
    let users: Vec<u64> = list.subscriptions.iter().map(|s| s.user_id.get()).collect();
    assert_eq!(users, [USER]);

    let off = bounded(client.deactivate_user(id.clone(), UserId::new(USER)))
        .await
        .unwrap();
    assert_eq!(off.data().subscribed, Some(false));
    let gone = bounded(client.list_subscriptions(id.clone()))
        .await
        .unwrap()
        .into_data();
    assert!(gone.subscriptions.is_empty());

    // The deprecated form, acting as the subscribed user: v1.1 only.
    bounded(client.subscribe(id.clone()).as_user(alice.clone()))
        .await
        .unwrap();
    let deactivated = bounded(client.deactivate(id.clone()).as_user(alice.clone())).await;
    if version == ApiVersion::V1_1 {
        assert_eq!(deactivated.unwrap().data().subscribed, Some(false));
    } else {
        assert_eq!(deactivated.unwrap_err().kind(), &ErrorKind::Unsupported);
        bounded(client.deactivate_user(id.clone(), UserId::new(USER)))
            .await
            .unwrap();
    }
    let count = bounded(client.count_subscriptions())
        .await
        .unwrap()
        .into_data();
    assert_eq!(count.active(), Some(0));

    // Replay, an hour later on the emulator's timeline: the window of this test is old enough.
    let start = emu.emulator.now();
    emu.emulator.advance_clock(3600);
    let minute = |secs: u64| {
        let t = aaa_model::Timestamp::from_secs(i64::try_from(secs).unwrap());
        aaa_model::Timestamp::parse_yyyymmddhhmm(&t.to_yyyymmddhhmm()).unwrap()
    };
    let (from, to) = (minute(start - 120), minute(start + 120));
    let job = bounded(client.replay(id.clone(), from, to))
        .await
        .unwrap()
        .into_data();
    assert!(!job.job_id.as_str().is_empty());
    assert!(job.created_at.is_some());
    emu.emulator.settled().await;
    if version == ApiVersion::V2 {
        let job = bounded(client.webhook_replay(id.clone(), from, to))
            .await
            .unwrap()
            .into_data();
        assert!(!job.job_id.as_str().is_empty());
        emu.emulator.settled().await;
    }
    let too_recent = bounded(client.replay(
        id.clone(),
        minute(emu.emulator.now() - 60),
        minute(emu.emulator.now()),
    ))
    .await
    .unwrap_err();
    assert_eq!(too_recent.status(), Some(400), "{too_recent}");

    let deleted = bounded(client.delete_webhook(id.clone())).await.unwrap();
    assert_eq!(deleted.data().deleted, Some(true));
    assert!(
        bounded(client.list_webhooks())
            .await
            .unwrap()
            .into_data()
            .webhooks
            .is_empty()
    );
    let missing = bounded(client.delete_webhook(id)).await.unwrap_err();
    assert_eq!((missing.status(), missing.code()), (Some(404), Some(34)));
    assert!(emu.emulator.state().webhooks().is_empty());
}

#[tokio::test]
async fn every_v1_call_against_the_emulator() {
    whole_lifecycle(ApiVersion::V1_1).await;
}

#[tokio::test]
async fn every_v2_call_against_the_emulator() {
    whole_lifecycle(ApiVersion::V2).await;
}

#[tokio::test]
async fn a_wrong_crc_answer_is_214_on_register_and_on_trigger() {
    for version in [ApiVersion::V1_1, ApiVersion::V2] {
        let emu = Emu::start(1, |_| {}).await;
        let webhook = Responder::start(CS).await;
        let client = emu.client(version).build().unwrap();

        webhook.wrong.store(true, Ordering::SeqCst);
        let e = bounded(client.register_webhook(&webhook.url))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Api, "{version:?}");
        assert_eq!((e.status(), e.code()), (Some(403), Some(214)));
        assert!(e.message().unwrap().contains("Invalid CRC token"), "{e}");
        assert!(emu.emulator.state().webhooks().is_empty());

        webhook.wrong.store(false, Ordering::SeqCst);
        let id = bounded(client.register_webhook(&webhook.url))
            .await
            .unwrap()
            .into_data()
            .id
            .as_str()
            .to_owned();
        webhook.wrong.store(true, Ordering::SeqCst);
        let e = bounded(client.trigger_crc(id.clone())).await.unwrap_err();
        assert_eq!(
            (e.status(), e.code()),
            (Some(403), Some(214)),
            "{version:?}"
        );
        let listed = bounded(client.list_webhooks()).await.unwrap().into_data();
        assert_eq!(listed.webhooks[0].valid, Some(false));
        webhook.wrong.store(false, Ordering::SeqCst);
        bounded(client.trigger_crc(id)).await.unwrap();
        let listed = bounded(client.list_webhooks()).await.unwrap().into_data();
        assert_eq!(listed.webhooks[0].valid, Some(true));
    }
}

#[tokio::test]
async fn the_webhook_limit_is_403_code_214() {
    for version in [ApiVersion::V1_1, ApiVersion::V2] {
        let emu = Emu::start(1, |_| {}).await;
        let webhook = Responder::start(CS).await;
        let client = emu.client(version).build().unwrap();
        bounded(client.register_webhook(&webhook.url))
            .await
            .unwrap();
        let e = bounded(client.register_webhook(format!("{}/second", webhook.url)))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Api, "{version:?}");
        assert_eq!((e.status(), e.code()), (Some(403), Some(214)));
        assert_eq!(e.message(), Some("Too many resources already created."));
        assert_eq!(emu.emulator.state().webhooks().len(), 1);
    }
}

#[tokio::test]
async fn wrong_user_token_and_wrong_consumer_secret_are_refused() {
    for version in [ApiVersion::V1_1, ApiVersion::V2] {
        let emu = Emu::start(1, |_| {}).await;
        let webhook = Responder::start(CS).await;
        let client = emu.client(version).build().unwrap();
        let id = bounded(client.register_webhook(&webhook.url))
            .await
            .unwrap()
            .into_data()
            .id
            .as_str()
            .to_owned();

        // A token the emulator never issued.
        let stranger = UserToken::new("2002-notAnIssuedToken", "whatever");
        let e = bounded(client.subscribe(id.clone()).as_user(stranger))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Authentication, "{version:?}");
        assert_eq!(e.status(), Some(401));
        assert_eq!(e.auth(), Some(AuthKind::OAuth1User));
        if version == ApiVersion::V1_1 {
            assert_eq!(e.code(), Some(32));
        }
        // A real token with the wrong secret.
        let alice_token = emu.emulator.state().users()[1].access_token.clone();
        let forged = UserToken::new(alice_token, "not-alices-secret");
        let e = bounded(client.check_subscription(id.clone()).as_user(forged))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Authentication);
        assert_eq!(e.status(), Some(401));
        if version == ApiVersion::V1_1 {
            assert_eq!(e.code(), Some(32));
        }

        // The right consumer key with the wrong secret: OAuth 1.0a fails with 32 (v1.1) / 401,
        // and the bearer token cannot be fetched (403, code 99).
        let bad = Client::builder()
            .base_url(&emu.base)
            .version(version)
            .consumer(CK, "not-the-consumer-secret")
            .app_owner_token(OWNER_TOKEN, OWNER_SECRET)
            .check_webhook_urls(false)
            .max_retries(0)
            .build()
            .unwrap();
        let e = bounded(bad.subscribe(id.clone())).await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Authentication);
        assert_eq!(e.status(), Some(401));
        if version == ApiVersion::V1_1 {
            assert_eq!(e.code(), Some(32));
            let e = bounded(bad.trigger_crc(id.clone())).await.unwrap_err();
            assert_eq!((e.status(), e.code()), (Some(401), Some(32)));
        }
        let e = bounded(bad.list_webhooks()).await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Token);
        assert_eq!((e.status(), e.code()), (Some(403), Some(99)));

        // A bearer token the emulator never issued.
        let bogus = emu
            .client(version)
            .bearer_token("AAAAnotIssuedByTheEmulator")
            .build()
            .unwrap();
        let e = bounded(bogus.count_subscriptions()).await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Authentication);
        assert_eq!(e.status(), Some(401));
        assert_eq!(e.auth(), Some(AuthKind::Bearer));
    }
}

#[tokio::test]
async fn bearer_where_oauth1_is_needed_and_the_reverse() {
    let emu = Emu::start(1, |_| {}).await;
    let bearer = format!("Bearer {}", fetch_bearer(&emu).await);
    let v1 = "/1.1/account_activity";

    // v1.1 register, CRC and delete take OAuth 1.0a as the owner only: 403 code 220.
    for (method, path) in [
        (
            Method::POST,
            format!("{v1}/webhooks.json?url=http%3A%2F%2F127.0.0.1%3A9%2Fx"),
        ),
        (Method::PUT, format!("{v1}/webhooks/1.json")),
        (Method::DELETE, format!("{v1}/webhooks/1.json")),
        (
            Method::POST,
            format!("{v1}/webhooks/1/subscriptions/all.json"),
        ),
        (
            Method::GET,
            format!("{v1}/webhooks/1/subscriptions/all.json"),
        ),
    ] {
        let (status, body) = raw(&emu, method.clone(), &path, bearer.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(body["errors"][0]["code"], 220, "{method} {path}");
    }
    // v2 subscriptions are user context only: a bearer token is 403 `Unsupported Authentication`.
    for (method, path) in [
        (
            Method::POST,
            "/2/account_activity/webhooks/1/subscriptions/all",
        ),
        (
            Method::GET,
            "/2/account_activity/webhooks/1/subscriptions/all",
        ),
    ] {
        let (status, body) = raw(&emu, method.clone(), path, bearer.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(body["title"], "Unsupported Authentication", "{body}");
    }
    // App-only endpoints refuse OAuth 1.0a user context.
    for (method, path, v1_code) in [
        (Method::GET, format!("{v1}/webhooks.json"), Some(220)),
        (
            Method::GET,
            format!("{v1}/subscriptions/count.json"),
            Some(220),
        ),
        (
            Method::GET,
            format!("{v1}/webhooks/1/subscriptions/all/list.json"),
            Some(220),
        ),
        (Method::GET, "/2/webhooks".to_owned(), None),
        (
            Method::GET,
            "/2/account_activity/subscriptions/count".to_owned(),
            None,
        ),
    ] {
        let auth = owner_oauth1(&emu, &method, &path);
        let (status, body) = raw(&emu, method.clone(), &path, auth).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        match v1_code {
            Some(code) => assert_eq!(body["errors"][0]["code"], code),
            None => assert_eq!(body["title"], "Unsupported Authentication", "{body}"),
        }
    }
}

#[tokio::test]
async fn the_bearer_token_comes_from_the_emulators_token_endpoint() {
    let emu = Emu::start(1, |_| {}).await;
    let webhook = Responder::start(CS).await;
    let token = fetch_bearer(&emu).await;
    assert_eq!(fetch_bearer(&emu).await, token, "the same token each time");
    for version in [ApiVersion::V1_1, ApiVersion::V2] {
        // Fetched by the client on first need.
        let fetched = emu.client(version).build().unwrap();
        assert_eq!(
            bounded(fetched.count_subscriptions())
                .await
                .unwrap()
                .into_data()
                .active(),
            Some(0)
        );
        // Given to the client as is; no consumer secret needed for app-only calls.
        let given = Client::builder()
            .base_url(&emu.base)
            .version(version)
            .bearer_token(token.as_str())
            .max_retries(0)
            .build()
            .unwrap();
        let listed = bounded(given.list_webhooks()).await.unwrap().into_data();
        assert!(listed.webhooks.is_empty());
    }
    // v2 register with the bearer token the client fetched.
    let client = emu.client(ApiVersion::V2).build().unwrap();
    let webhook = bounded(client.register_webhook(&webhook.url))
        .await
        .unwrap()
        .into_data();
    assert_eq!(emu.emulator.state().webhooks()[0].id, webhook.id.as_str());
}

#[tokio::test]
async fn rate_limits_are_typed_errors_with_the_reset_or_waited_out() {
    for version in [ApiVersion::V1_1, ApiVersion::V2] {
        let emu = Emu::start(1, |o| {
            o.rate_limits = RateLimits::uniform(2, Duration::from_secs(2));
        })
        .await;
        let client = emu.client(version).build().unwrap();
        for remaining in [1, 0] {
            let ok = bounded(client.list_webhooks()).await.unwrap();
            let rl = ok.rate_limit().unwrap();
            assert_eq!((rl.limit, rl.remaining), (2, remaining));
        }
        let e = bounded(client.list_webhooks()).await.unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::RateLimited, "{version:?}");
        assert_eq!(e.status(), Some(429));
        if version == ApiVersion::V1_1 {
            assert_eq!(e.code(), Some(88));
        }
        let reset = e.reset().expect("the reset time");
        let ahead = reset.duration_since(SystemTime::now()).unwrap_or_default();
        assert!(ahead <= Duration::from_secs(3), "{ahead:?}");
        // The subscription window is separate.
        bounded(client.count_subscriptions()).await.unwrap();

        // Allowed to wait: the 429 is waited out and the call succeeds.
        let patient = emu
            .client(version)
            .wait_on_rate_limit(Duration::from_secs(5))
            .build()
            .unwrap();
        let started = Instant::now();
        let ok = bounded(patient.list_webhooks()).await.unwrap();
        assert_eq!(ok.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(6));
    }
}
