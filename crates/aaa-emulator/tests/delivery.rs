//! Delivery, retries, faults, periodic CRC, replay and the control endpoints, against webhook
//! servers written here on loopback (they check signatures with `ring` directly).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aaa_emulator::{Delivery, Emulator, Faults, Options, State, TriggerError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ring::hmac;
use serde_json::Value;

const SECRET: &str = "deliverySecret";

fn seed() -> String {
    format!(
        r#"
        [[apps]]
        app_id = "77"
        consumer_key = "deliveryKey"
        consumer_secret = "{SECRET}"
        owner = "2001"
        webhook_limit = 3
        [[users]]
        user_id = "2001"
        screen_name = "owner"
        access_token = "2001-t"
        access_token_secret = "ts1"
        [[users]]
        user_id = "2002"
        screen_name = "friend"
        access_token = "2002-t"
        access_token_secret = "ts2"
        "#
    )
}

/// What a webhook server saw and how it answers.
#[derive(Default)]
struct Hook {
    /// Bodies of POSTs whose signature verified, in arrival order.
    bodies: Vec<Bytes>,
    /// POSTs whose signature did not verify.
    forged: usize,
    /// Statuses to answer the next POSTs with (200 when empty).
    script: VecDeque<u16>,
    /// Whether CRC GETs get a correct answer.
    crc_broken: bool,
    /// How long CRC GETs take to answer.
    crc_delay: Duration,
}

struct HookServer {
    url: String,
    hook: Arc<Mutex<Hook>>,
}

impl HookServer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let hook = Arc::new(Mutex::new(Hook::default()));
        let shared = Arc::clone(&hook);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let hook = Arc::clone(&shared);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: Request<hyper::body::Incoming>| {
                            let hook = Arc::clone(&hook);
                            async move { Ok::<_, std::convert::Infallible>(answer(&hook, req).await) }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self {
            url: format!("http://{addr}/webhooks/x"),
            hook,
        }
    }

    fn bodies(&self) -> Vec<Value> {
        self.hook
            .lock()
            .unwrap()
            .bodies
            .iter()
            .map(|b| serde_json::from_slice(b).unwrap())
            .collect()
    }
}

async fn answer(hook: &Mutex<Hook>, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    if req.method() == Method::GET {
        let token = req
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .find_map(|p| p.strip_prefix("crc_token="))
            .unwrap_or_default()
            .to_owned();
        let (broken, delay) = {
            let h = hook.lock().unwrap();
            (h.crc_broken, h.crc_delay)
        };
        tokio::time::sleep(delay).await;
        let tag = hmac::sign(&key, token.as_bytes());
        let value = if broken {
            "sha256=AAAA".to_owned()
        } else {
            format!("sha256={}", STANDARD.encode(tag.as_ref()))
        };
        return Response::new(Full::new(Bytes::from(
            serde_json::json!({ "response_token": value }).to_string(),
        )));
    }
    let signature = req
        .headers()
        .get("x-twitter-webhooks-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut hook = hook.lock().unwrap();
    let status = hook.script.pop_front().unwrap_or(200);
    if hmac::verify(&key, &body, &signature).is_err() {
        hook.forged += 1;
    } else if status == 200 {
        hook.bodies.push(body);
    }
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::from_u16(status).unwrap();
    res
}

struct Setup {
    emulator: Emulator,
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn setup(tweak: impl FnOnce(&mut Options)) -> Setup {
    let mut options = Options {
        crc_deadline: Duration::from_millis(500),
        delivery: Delivery {
            deadline: Duration::from_millis(500),
            retry_delays: vec![Duration::from_millis(30); 3],
            crc_interval: None,
            ..Delivery::default()
        },
        ..Options::default()
    };
    tweak(&mut options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let emulator = Emulator::new(State::from_toml(&seed()).unwrap(), options);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(aaa_emulator::serve(listener, emulator.clone(), async {
        let _ = stopped.await;
    }));
    Setup {
        emulator,
        base,
        _stop: stop,
    }
}

impl Setup {
    fn webhook(&self, hook: &HookServer, users: &[&str]) -> String {
        let now = self.emulator.now();
        let mut state = self.emulator.state();
        let id = state.insert_webhook("77", &hook.url, now).unwrap();
        let w = state.webhook_mut(&id).unwrap();
        for u in users {
            w.subscriptions.insert((*u).to_owned());
        }
        id
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = client
            .request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A call signed with OAuth 1.0a as the app's owner (aaa-crypto's signer).
    async fn owner_call(&self, method: Method, path: &str) -> (StatusCode, Value) {
        use aaa_crypto::oauth1::{Credentials, Request as OAuthRequest, Signer};
        let creds = Credentials::new("deliveryKey", SECRET).with_token("2001-t", "ts1");
        let url = format!("{}{path}", self.base);
        let signed = Signer::new(creds)
            .sign(&OAuthRequest::new(method.as_str(), url.as_str()))
            .unwrap();
        self.call(method, path, Some(&signed.header), "").await
    }

    async fn bearer(&self) -> String {
        let basic = STANDARD.encode(format!("deliveryKey:{SECRET}"));
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let req = Request::post(format!("{}/oauth2/token", self.base))
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from_static(
                b"grant_type=client_credentials",
            )))
            .unwrap();
        let res = client.request(req).await.unwrap();
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        format!("Bearer {}", v["access_token"].as_str().unwrap())
    }
}

fn body(n: u32) -> Bytes {
    Bytes::from(format!(
        r#"{{"for_user_id":"2001","favorite_events":[{{"id":"fav{n}","timestamp_ms":{n}}}]}}"#
    ))
}

#[tokio::test]
async fn delivers_signed_bodies_to_every_subscribed_valid_webhook() {
    let s = setup(|_| {}).await;
    let (a, b, c) = (
        HookServer::start().await,
        HookServer::start().await,
        HookServer::start().await,
    );
    let wa = s.webhook(&a, &["2001"]);
    let wb = s.webhook(&b, &["2001", "2002"]);
    s.webhook(&c, &["2002"]);
    let mut ids = s.emulator.deliver("2001", &[body(1), body(2)]).unwrap();
    ids.sort();
    let mut want = vec![wa, wb];
    want.sort();
    assert_eq!(ids, want);
    s.emulator.settled().await;
    assert_eq!(a.bodies().len(), 2);
    assert_eq!(a.bodies()[0]["favorite_events"][0]["id"], "fav1");
    assert_eq!(b.bodies().len(), 2);
    assert!(c.bodies().is_empty());
    assert_eq!(a.hook.lock().unwrap().forged, 0);
    let stats = s.emulator.delivery_stats();
    assert_eq!((stats.queued, stats.delivered, stats.pending), (4, 4, 0));

    assert_eq!(
        s.emulator.deliver("9999", &[body(3)]),
        Err(TriggerError::UnknownUser("9999".into()))
    );
    s.emulator.state().webhook_mut(&want[0]).unwrap().valid = false;
    s.emulator.state().webhook_mut(&want[1]).unwrap().valid = false;
    assert_eq!(
        s.emulator.deliver("2001", &[body(3)]),
        Err(TriggerError::NotSubscribed("2001".into()))
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_the_schedule_then_given_up() {
    let s = setup(|_| {}).await;
    let hook = HookServer::start().await;
    s.webhook(&hook, &["2001"]);
    hook.hook.lock().unwrap().script = VecDeque::from([500, 503, 404]);
    s.emulator.deliver("2001", &[body(1)]).unwrap();
    s.emulator.settled().await;
    assert_eq!(hook.bodies().len(), 1, "the third retry got through");
    let stats = s.emulator.delivery_stats();
    assert_eq!(
        (stats.attempts, stats.failed_attempts, stats.delivered),
        (4, 3, 1)
    );

    hook.hook.lock().unwrap().script = VecDeque::from([500; 4]);
    s.emulator.deliver("2001", &[body(2)]).unwrap();
    s.emulator.settled().await;
    assert_eq!(hook.bodies().len(), 1);
    assert_eq!(s.emulator.delivery_stats().gave_up, 1);
}

#[tokio::test]
async fn a_webhook_that_does_not_answer_in_time_is_retried() {
    let s = setup(|o| o.delivery.deadline = Duration::from_millis(100)).await;
    // A listener that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((c, _)) = silent.accept().await {
            conns.push(c);
        }
    });
    let now = s.emulator.now();
    let id = s.emulator.state().insert_webhook("77", &url, now).unwrap();
    s.emulator
        .state()
        .webhook_mut(&id)
        .unwrap()
        .subscriptions
        .insert("2001".into());
    let started = std::time::Instant::now();
    s.emulator.deliver("2001", &[body(1)]).unwrap();
    s.emulator.settled().await;
    let stats = s.emulator.delivery_stats();
    assert_eq!((stats.attempts, stats.gave_up), (4, 1));
    assert!(started.elapsed() >= Duration::from_millis(4 * 100 + 3 * 30));
    held.abort();
}

#[tokio::test]
async fn duplicate_and_reorder_faults_are_repeatable_with_a_seed() {
    async fn run(seed: u64) -> (Vec<Value>, u64) {
        let s = setup(|o| {
            o.delivery.faults = Faults {
                duplicate: 0.5,
                reorder: 0.5,
                max_delay: Duration::ZERO,
                seed,
            };
        })
        .await;
        let hook = HookServer::start().await;
        s.webhook(&hook, &["2001"]);
        let bodies: Vec<Bytes> = (0..40).map(body).collect();
        s.emulator.deliver("2001", &bodies).unwrap();
        s.emulator.settled().await;
        (hook.bodies(), s.emulator.delivery_stats().duplicates)
    }
    let (first, dups) = run(42).await;
    let (again, dups_again) = run(42).await;
    let (other, _) = run(43).await;
    assert_eq!(first, again);
    assert_eq!(dups, dups_again);
    assert!(dups > 5 && dups < 35, "{dups}");
    assert_eq!(first.len(), 40 + usize::try_from(dups).unwrap());
    assert_ne!(first, other);
    let mut ids: Vec<String> = first
        .iter()
        .map(|v| v["favorite_events"][0]["id"].as_str().unwrap().to_owned())
        .collect();
    let in_order: Vec<String> = (0..40).map(|n| format!("fav{n}")).collect();
    assert_ne!(ids, in_order, "reordered");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "every activity arrived");
}

#[tokio::test]
async fn periodic_crc_marks_a_failing_webhook_invalid_and_it_gets_nothing() {
    let s = setup(|_| {}).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001"]);
    hook.hook.lock().unwrap().crc_broken = true;
    let (status, v) = s.call(Method::POST, "/_emulator/crc", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["webhooks"][0]["id"], id.as_str());
    assert_eq!(v["webhooks"][0]["valid"], false);
    assert_eq!(
        s.emulator.deliver("2001", &[body(1)]),
        Err(TriggerError::NotSubscribed("2001".into()))
    );
    // A passing answer does not bring it back by itself: it stays invalid until a PUT.
    hook.hook.lock().unwrap().crc_broken = false;
    assert_eq!(
        s.emulator.recheck_webhooks().await,
        vec![(id.clone(), false)]
    );
    assert_eq!(
        s.emulator.deliver("2001", &[body(1)]),
        Err(TriggerError::NotSubscribed("2001".into()))
    );
    let (status, v) = s
        .owner_call(
            Method::PUT,
            &format!("/1.1/account_activity/webhooks/{id}.json"),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(s.emulator.recheck_webhooks().await, vec![(id, true)]);
    s.emulator.deliver("2001", &[body(1)]).unwrap();
    s.emulator.settled().await;
    assert_eq!(hook.bodies().len(), 1);
}

#[tokio::test]
async fn a_revoke_ends_the_users_subscriptions_to_the_app() {
    let s = setup(|_| {}).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001", "2002"]);
    s.emulator
        .trigger(aaa_emulator::Activity::UserRevoke, "2001", 1)
        .unwrap();
    s.emulator.settled().await;
    let got = hook.bodies();
    assert_eq!(got.len(), 1, "the revoke itself is delivered");
    assert_eq!(got[0]["user_event"]["revoke"]["source"]["user_id"], "2001");
    assert_eq!(
        s.emulator.deliver("2001", &[body(1)]),
        Err(TriggerError::NotSubscribed("2001".into())),
        "nothing more for the user who revoked"
    );
    let subs = s
        .emulator
        .state()
        .webhook_mut(&id)
        .unwrap()
        .subscriptions
        .clone();
    assert_eq!(subs.into_iter().collect::<Vec<_>>(), ["2002"]);

    // The same for a revoke given as a payload.
    let revoke = r#"{"user_event":{"revoke":{"date_time":"2018-05-24T09:48:12+00:00","target":{"app_id":"77"},"source":{"user_id":"2002"}}}}"#;
    s.emulator
        .deliver("2002", &[Bytes::from_static(revoke.as_bytes())])
        .unwrap();
    s.emulator.settled().await;
    assert!(
        s.emulator
            .state()
            .webhook_mut(&id)
            .unwrap()
            .subscriptions
            .is_empty()
    );
}

#[tokio::test]
async fn the_interval_recheck_runs_by_itself() {
    let s = setup(|o| o.delivery.crc_interval = Some(Duration::from_millis(50))).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001"]);
    hook.hook.lock().unwrap().crc_broken = true;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if !s.emulator.state().webhook_mut(&id).unwrap().valid {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no recheck within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn control_endpoints_trigger_and_report() {
    let s = setup(|_| {}).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001"]);
    let payload = r#"{"payload":{"for_user_id":"2001","favorite_events":[{"id":"given"}]}}"#;
    let (status, v) = s
        .call(Method::POST, "/_emulator/trigger", None, payload)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["webhooks"][0], id.as_str());
    let (status, v) = s
        .call(
            Method::POST,
            "/_emulator/trigger",
            None,
            r#"{"kind":"favorite","user_id":"2001","count":3}"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["activities"], 3);
    s.emulator.settled().await;
    let got = hook.bodies();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0]["favorite_events"][0]["id"], "given");
    assert!(got[1..].iter().all(|b| b["for_user_id"] == "2001"));

    for (body, want, needle) in [
        (r#"{"kind":"nope","user_id":"2001"}"#, 400, "nope"),
        (r#"{"kind":"favorite","user_id":"1"}"#, 404, "no user"),
        (r#"{"kind":"favorite","user_id":"2002"}"#, 409, "subscribe"),
        (
            r#"{"kind":"favorite","user_id":"2001","count":0}"#,
            400,
            "count",
        ),
        (r#"{"payload":[1],"user_id":"2001"}"#, 400, "object"),
        ("not json", 400, "JSON object"),
    ] {
        let (status, v) = s.call(Method::POST, "/_emulator/trigger", None, body).await;
        assert_eq!(status.as_u16(), want, "{body}: {v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{body}: {v}");
    }
    let (status, v) = s.call(Method::GET, "/_emulator/deliveries", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["delivered"], 4);
    assert_eq!(v["pending"], 0);
    let (_, v) = s.call(Method::GET, "/_emulator/webhooks", None, "").await;
    assert_eq!(v["webhooks"][0]["subscriptions"][0], "2001");
    let (status, _) = s.call(Method::GET, "/_emulator/nothing", None, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn yyyymmddhhmm(secs: u64) -> String {
    aaa_model::Timestamp::from_secs(i64::try_from(secs).unwrap()).to_yyyymmddhhmm()
}

#[tokio::test]
async fn replay_redelivers_the_window_in_order_then_reports_the_job() {
    let s = setup(|_| {}).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001"]);
    // The webhook is down while three activities are delivered and retried.
    hook.hook.lock().unwrap().script = VecDeque::from([500; 12]);
    let start = s.emulator.now();
    s.emulator
        .deliver("2001", &[body(1), body(2), body(3)])
        .unwrap();
    s.emulator.settled().await;
    assert!(hook.bodies().is_empty());
    assert_eq!(s.emulator.delivery_stats().gave_up, 3);

    // An hour later, one more delivery that arrives, outside the window replayed.
    let (status, v) = s
        .call(
            Method::POST,
            "/_emulator/clock",
            None,
            r#"{"advance_secs":3600}"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["now"].as_u64().unwrap() >= start + 3600);
    s.emulator.deliver("2001", &[body(4)]).unwrap();
    s.emulator.settled().await;
    assert_eq!(hook.bodies().len(), 1);

    let bearer = s.bearer().await;
    let from = yyyymmddhhmm(start - 60);
    let to = yyyymmddhhmm(start + 120);
    let path = format!(
        "/1.1/account_activity/replay/webhooks/{id}/subscriptions/all.json?from_date={from}&to_date={to}"
    );
    // The CRC check that starts the job takes a while, so the job is still under way below.
    hook.hook.lock().unwrap().crc_delay = Duration::from_millis(300);
    let (status, v) = s.call(Method::POST, &path, Some(&bearer), "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let job_id = v["job_id"].as_str().unwrap().to_owned();
    assert!(v["created_at"].as_str().unwrap().ends_with("+0000"));
    // One job per webhook.
    let (status, v) = s.call(Method::POST, &path, Some(&bearer), "").await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("already running"), "{v}");
    s.emulator.settled().await;
    let got = hook.bodies();
    let ids: Vec<&str> = got
        .iter()
        .filter_map(|b| b["favorite_events"][0]["id"].as_str())
        .collect();
    assert_eq!(&ids[..4], ["fav4", "fav1", "fav2", "fav3"]);
    let status_msg = got
        .iter()
        .find(|b| b["replay_job_status"]["job_id"] == job_id.as_str())
        .expect("a replay_job_status for the job");
    assert_eq!(status_msg["replay_job_status"]["job_state"], "Complete");
    assert_eq!(status_msg["replay_job_status"]["webhook_id"], id.as_str());
}

#[tokio::test]
async fn replay_checks_the_window_and_the_endpoint_forms() {
    // More calls than X's 5 per 15 minutes.
    let s = setup(|o| o.rate_limits.replay = 50).await;
    let hook = HookServer::start().await;
    let id = s.webhook(&hook, &["2001"]);
    let bearer = s.bearer().await;
    let now = s.emulator.now();
    let v2 = |from: u64, to: u64| {
        format!(
            "/2/account_activity/replay/webhooks/{id}/subscriptions/all?from_date={}&to_date={}",
            yyyymmddhhmm(from),
            yyyymmddhhmm(to)
        )
    };
    for (path, needle) in [
        (v2(now - 20 * 60, now - 15 * 60), "31 minutes"),
        (v2(now - 3600, now - 5 * 60), "10 minutes"),
        (v2(now - 6 * 86_400, now - 3600), "5 days"),
        (v2(now - 3600, now - 7200), "earlier"),
        (
            format!("/2/account_activity/replay/webhooks/{id}/subscriptions/all?from_date=2026"),
            "required",
        ),
    ] {
        let (status, v) = s.call(Method::POST, &path, Some(&bearer), "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(v.to_string().contains(needle), "{path}: {v}");
    }
    // OAuth 1.0a is not enough: replay takes a bearer token.
    let (status, _) = s
        .call(Method::POST, &v2(now - 7200, now - 3600), None, "")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, v) = s
        .call(Method::POST, &v2(now - 7200, now - 3600), Some(&bearer), "")
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["data"]["job_id"].is_string());
    s.emulator.settled().await;

    let body = |from: u64, to: u64| {
        serde_json::json!({"webhook_id": id, "from_date": yyyymmddhhmm(from), "to_date": yyyymmddhhmm(to)})
            .to_string()
    };
    let (status, v) = s
        .call(
            Method::POST,
            "/2/webhooks/replay",
            Some(&bearer),
            &body(now - 2 * 86_400, now - 3600),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("24 hours"));
    let (status, v) = s
        .call(
            Method::POST,
            "/2/webhooks/replay",
            Some(&bearer),
            &body(now - 7200, now - 3600),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = s
        .call(
            Method::POST,
            "/2/webhooks/replay",
            Some(&bearer),
            &serde_json::json!({"webhook_id": "1", "from_date": yyyymmddhhmm(now - 7200), "to_date": yyyymmddhhmm(now - 3600)}).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.emulator.settled().await;
    let reports = hook
        .bodies()
        .iter()
        .filter(|b| b["replay_job_status"]["job_state"] == "Complete")
        .count();
    assert_eq!(reports, 2);
}
