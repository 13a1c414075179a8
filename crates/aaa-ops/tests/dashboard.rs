//! The dashboard's HTTP interface on both store backends (SQLite, and JetStream on a real
//! `nats-server`): listing, paging and filters, one event, the counters, the gaps, the live feed
//! and the redeliver action; and its protections: loopback `Host`s only, the access token, and
//! the CSRF token, `Origin` and content type an action needs.

mod common;
#[path = "../../aaa-receiver/tests/common/nats_server.rs"]
mod nats_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aaa_crypto::ConsumerSecret;
use aaa_ops::{Dashboard, DashboardConfig};
use aaa_receiver::{Forwarder, NatsConfig, Store, StoreConfig};
use bytes::Bytes;
use common::webdriver::{Http, http};
use common::{Running, eventually, temp_dir};
use http_body_util::{BodyExt as _, Full};
use serde_json::Value;

const SECRET: &str = "dashboard-test-consumer-secret";
const BOUND: Duration = Duration::from_secs(60);

/// An answer: status, headers, body.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(
    client: &Http,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut req = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let resp = tokio::time::timeout(BOUND, client.request(req))
        .await
        .expect("answered in time")
        .expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(client: &Http, url: &str) -> Answer {
    send(client, "GET", url, &[], "").await
}

/// A body of one event: `n` picks the kind, the user and whether it holds the needle.
fn body(n: u64) -> String {
    let user = if n % 3 == 0 { "7" } else { "8" };
    let text = if n % 5 == 0 { "needle" } else { "hay" };
    match n % 3 {
        0 => format!(
            r#"{{"for_user_id":"{user}","favorite_events":[{{"id":"f{n}","favorited_status":{{"id_str":"{n}","text":"{text}"}},"user":{{"id_str":"99"}},"timestamp_ms":{n}}}]}}"#
        ),
        1 => format!(
            r#"{{"for_user_id":"{user}","tweet_create_events":[{{"id_str":"{n}","text":"{text} {n}","user":{{"id_str":"99"}}}}]}}"#
        ),
        _ => format!(
            r#"{{"for_user_id":"{user}","follow_events":[{{"type":"follow","created_timestamp":"{n}","source":{{"id":"{n}","note":"{text}"}},"target":{{"id":"{user}"}}}}]}}"#
        ),
    }
}

async fn post_signed(client: &Http, url: &str, body: &str) {
    let sig = aaa_crypto::sign(&ConsumerSecret::new(SECRET), body.as_bytes());
    let a = send(
        client,
        "POST",
        url,
        &[
            ("content-type", "application/json"),
            ("x-twitter-webhooks-signature", &sig),
        ],
        body,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
}

/// A loopback HTTP server that records each request's signature header and body.
async fn forward_target() -> (String, Arc<Mutex<Vec<(String, Bytes)>>>) {
    let seen: Arc<Mutex<Vec<(String, Bytes)>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/app", listener.local_addr().unwrap());
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let record = Arc::clone(&record);
                        async move {
                            let sig = req
                                .headers()
                                .get("x-twitter-webhooks-signature")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            record.lock().unwrap().push((sig, body));
                            Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                                Bytes::from_static(b"ok"),
                            )))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

/// The page's CSRF token.
fn csrf(page: &str) -> String {
    page.split("data-csrf=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned()
}

/// Reads the live feed at `url` until it has `n` events (bounded).
async fn live_events(client: Http, url: String, n: usize) -> Vec<Value> {
    let req = http::Request::get(&url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "text/event-stream",
        "a live feed"
    );
    let mut body = resp.into_body();
    let mut text = String::new();
    let mut events = Vec::new();
    let until = tokio::time::Instant::now() + BOUND;
    while events.len() < n {
        let frame = tokio::time::timeout_at(until, body.frame())
            .await
            .expect("the live feed brought the events in time");
        let Some(Ok(frame)) = frame else { break };
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let msg: String = text.drain(..end + 2).collect();
            if let Some(data) = msg.strip_prefix("event: events\ndata: ") {
                let batch: Value = serde_json::from_str(data.trim()).unwrap();
                events.extend(batch.as_array().unwrap().iter().cloned());
            }
        }
    }
    events
}

/// Everything the page asks of the dashboard, on `store`.
async fn the_dashboard_serves_its_page_from(store: Store, name: &str) {
    let dir = temp_dir(name);
    let running = Running::start_on(
        store.clone(),
        &dir,
        "127.0.0.1:0".parse().unwrap(),
        SECRET,
        |c| c,
    )
    .await;
    let (target, forwarded) = forward_target().await;
    let mut config = DashboardConfig::new("127.0.0.1:0".parse().unwrap());
    config.forward = Some(Forwarder::new(store.clone(), &target).unwrap());
    let dashboard = running.dashboard(config).await;
    let base = dashboard.url();
    let client = http();

    // The live feed, filtered to likes, opened before anything is posted.
    let live = tokio::spawn(live_events(
        client.clone(),
        format!("{base}api/live?kind=favorite"),
        10,
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hook = running.url();
    for n in 0..30 {
        post_signed(&client, &hook, &body(n)).await;
    }

    // Newest first, all 30, nothing more.
    let page = get(&client, &format!("{base}api/events?limit=50")).await;
    assert_eq!(page.status, 200);
    let page = page.json();
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 30);
    assert_eq!(page["more"], false);
    assert!(events[0]["preview"].as_str().unwrap().contains("29"));
    // Pages of 7, back to the start: every event once, newest first.
    let mut ids = Vec::new();
    let mut before = String::new();
    loop {
        let p = get(
            &client,
            &format!("{base}api/events?limit=7&before={before}"),
        )
        .await
        .json();
        for e in p["events"].as_array().unwrap() {
            ids.push(e["id"].as_str().unwrap().to_owned());
        }
        if p["more"] != true {
            break;
        }
        p["before"].as_str().unwrap().clone_into(&mut before);
        assert!(ids.len() <= 30, "paging does not end");
    }
    let all: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, all);
    // Filters: kind, user, text (each with the bound it looked within).
    let count = |q: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let p = get(&client, &format!("{base}api/events?limit=50&{q}"))
                .await
                .json();
            assert!(p["examined_at_most"].as_u64().is_some(), "{p}");
            p["events"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("kind=favorite").await, 10);
    assert_eq!(count("user=7").await, 10);
    assert_eq!(count("text=needle").await, 6);
    assert_eq!(count("kind=favorite&text=needle").await, 2);
    assert_eq!(count("kind=user_revoke").await, 0);
    let bad = get(&client, &format!("{base}api/events?before=x")).await;
    assert_eq!(bad.status, 400, "{}", bad.text());

    // The live feed brought the ten likes posted after it opened, and nothing else.
    let got = live.await.unwrap();
    assert_eq!(got.len(), 10);
    assert!(got.iter().all(|e| e["kind"] == "favorite"), "{got:?}");

    // One event: pretty enough to show, with its delivery, never a signature or secret.
    let id = all[0];
    let one = get(&client, &format!("{base}api/event?id={id}")).await;
    assert_eq!(one.status, 200);
    let text = one.text();
    assert!(
        !text.contains(SECRET) && !text.contains("sha256="),
        "{text}"
    );
    let one = one.json();
    assert_eq!(one["delivery"]["signature"], "verified");
    assert_eq!(one["delivery"]["secret"], "the current consumer secret");
    assert!(one["event"]["raw"].as_str().unwrap().contains("\"29\""));
    assert_eq!(one["can_redeliver"], true);
    let none = get(&client, &format!("{base}api/event?id=0:999999")).await;
    assert_eq!(none.status, 404);
    for odd in ["0:0", "0:-1", "9:1", "18446744073709551615:1"] {
        let none = get(&client, &format!("{base}api/event?id={odd}")).await;
        assert_eq!(none.status, 404, "{odd}: {}", none.text());
    }

    // The counters: by outcome, by kind, in the store, and over time.
    let stats = eventually(BOUND, "the counters", || {
        let client = client.clone();
        let base = base.clone();
        async move {
            let s = get(&client, &format!("{base}api/stats")).await.json();
            (s["kinds"]["favorite"] == 10).then_some(s)
        }
    })
    .await;
    assert_eq!(stats["outcomes"]["stored"], 30);
    assert_eq!(stats["kinds"]["tweet_create"], 10);
    assert_eq!(stats["kinds"]["follow"], 10);
    assert_eq!(stats["store"]["events"], 30);
    assert_eq!(stats["store_healthy"], true);
    assert_eq!(stats["store_error"], Value::Null);
    assert_eq!(stats["history"]["step_s"], 5);
    // The gaps: a journal, no gap on a first start.
    let ops = get(&client, &format!("{base}api/ops")).await.json();
    assert_eq!(ops["journal"], true);
    assert_eq!(ops["gaps"].as_array().map(Vec::len), Some(0), "{ops}");
    assert_eq!(ops["gaps_error"], Value::Null, "{ops}");

    // Redeliver: only with the page's token, from its own origin, as JSON.
    let page = get(&client, &base).await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"));
    let token = csrf(&page.text());
    let action = format!("{base}api/redeliver");
    let own = base.trim_end_matches('/').to_owned();
    let json = ("content-type", "application/json");
    let ask = format!(r#"{{"id":"{id}"}}"#);
    for (headers, status) in [
        (vec![json], 403),
        (vec![json, ("x-aaa-csrf", "wrong")], 403),
        (
            vec![
                json,
                ("x-aaa-csrf", token.as_str()),
                ("origin", "http://evil.example"),
            ],
            403,
        ),
        (
            vec![
                ("content-type", "text/plain"),
                ("x-aaa-csrf", token.as_str()),
            ],
            415,
        ),
    ] {
        let a = send(&client, "POST", &action, &headers, &ask).await;
        assert_eq!(a.status, status, "{headers:?}: {}", a.text());
    }
    assert!(
        forwarded.lock().unwrap().is_empty(),
        "refused, nothing sent"
    );
    let get_action = get(&client, &action).await;
    assert_eq!(get_action.status, 405);
    let a = send(
        &client,
        "POST",
        &action,
        &[json, ("x-aaa-csrf", &token), ("origin", &own)],
        &ask,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["status"], 200);
    let sent = forwarded.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(&sent[0].1[..], body(29).as_bytes());
    assert!(sent[0].0.starts_with("sha256="), "X's signature passed on");

    // Another name in Host (a DNS-rebinding page) is not answered.
    let rebound = send(&client, "GET", &base, &[("host", "evil.example")], "").await;
    assert_eq!(rebound.status, 403);

    dashboard.stop().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_on_sqlite() {
    let dir = temp_dir("dashboard-sqlite-store");
    let store = Store::open(StoreConfig::new(&dir)).unwrap();
    the_dashboard_serves_its_page_from(store, "dashboard-sqlite").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_on_jetstream() {
    let dir = temp_dir("dashboard-nats");
    let nats = nats_server::Cluster::start(&dir, 1);
    let store = Store::open_nats(NatsConfig::new(&nats.url()).unwrap())
        .await
        .unwrap();
    the_dashboard_serves_its_page_from(store, "dashboard-jetstream").await;
    drop(nats);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_or_store_that_cannot_be_read_is_reported_not_shown_empty() {
    let dir = temp_dir("dashboard-unreadable");
    let running = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), SECRET, |c| c).await;
    let dashboard = running
        .dashboard(DashboardConfig::new("127.0.0.1:0".parse().unwrap()))
        .await;
    let base = dashboard.url();
    let client = http();
    // Another program drops the tables the dashboard reads.
    let files = running.drop_tables(&dir);
    assert!(files > 0, "no store file in {}", dir.display());

    let ops = get(&client, &format!("{base}api/ops")).await;
    assert_eq!(ops.status, 200);
    let ops = ops.json();
    assert_eq!(ops["gaps"].as_array().map(Vec::len), Some(0), "{ops}");
    let why = ops["gaps_error"].as_str().unwrap_or_default();
    assert!(
        why.contains("gap journal") && why.contains("no such table: gaps"),
        "{ops}"
    );
    let stats = get(&client, &format!("{base}api/stats")).await;
    assert_eq!(stats.status, 200);
    let stats = stats.json();
    assert_eq!(stats["store"], Value::Null, "{stats}");
    let why = stats["store_error"].as_str().unwrap_or_default();
    assert!(
        why.contains("counting the store failed") && why.contains("no such table: events"),
        "{stats}"
    );

    dashboard.stop().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_guards_the_dashboard() {
    let dir = temp_dir("dashboard-token");
    let running = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), SECRET, |c| c).await;
    let start = |addr: &str, token: Option<&str>| {
        let mut config = DashboardConfig::new(addr.parse().unwrap());
        config.access_token = token.map(str::to_owned);
        Dashboard::start(
            config,
            running.receiver.clone(),
            running.ops.board().clone(),
            None,
        )
    };
    // Off loopback without a token, or with a short one: refused before anything listens.
    let e = start("0.0.0.0:0", None).await.unwrap_err();
    assert!(e.to_string().contains("access token is required"), "{e}");
    let e = start("127.0.0.1:0", Some("short")).await.unwrap_err();
    assert!(e.to_string().contains("at least 16"), "{e}");
    // A base64 token's `+` would read as a space in the URL: refused with what to use.
    let e = start("127.0.0.1:0", Some("abc+def/ghi=jklmnopq"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only letters, digits"), "{e}");

    let token = "a-long-enough-access-token";
    let dashboard = start("127.0.0.1:0", Some(token)).await.unwrap();
    let url = dashboard.url();
    assert!(url.ends_with(&format!("/?token={token}")), "{url}");
    // What is printed, and Debug output, never carry the token.
    let printed = dashboard.public_url();
    assert!(
        !printed.contains(token) && printed.contains("?token=TOKEN"),
        "{printed}"
    );
    assert!(!format!("{dashboard:?}").contains(token));
    let mut config = DashboardConfig::new("127.0.0.1:0".parse().unwrap());
    config.access_token = Some(token.to_owned());
    let debug = format!("{config:?}");
    assert!(
        !debug.contains(token) && debug.contains("<redacted>"),
        "{debug}"
    );
    let client = http();
    let base = url.split('?').next().unwrap().to_owned();
    for bad in [base.clone(), format!("{base}?token=wrong-but-long-enough")] {
        let a = get(&client, &bad).await;
        assert_eq!(a.status, 401, "{bad}");
        assert!(!a.text().contains("data-csrf"));
    }
    let a = get(&client, &format!("{base}api/stats")).await;
    assert_eq!(a.status, 401);
    // The token once in the URL: the page, and a cookie only this site sends back.
    let a = get(&client, &url).await;
    assert_eq!(a.status, 200);
    let cookie = a.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let a = send(
        &client,
        "GET",
        &format!("{base}api/stats"),
        &[("cookie", pair)],
        "",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    dashboard.stop().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
