//! The dashboard in a real browser: headless Chromium from Debian's packages, driven over
//! WebDriver (`chromedriver` on loopback, plain HTTP and JSON). The page is opened, signed
//! events are posted to the receiver afterwards and appear live, a filter narrows them, one is
//! opened, and a screenshot is saved (`AAA_SCREENSHOT=path` copies it there, as
//! docs/dashboard.png was made).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aaa_crypto::ConsumerSecret;
use aaa_ops::{Dashboard, DashboardConfig};
use base64::Engine as _;
use bytes::Bytes;
use common::{Running, eventually, temp_dir};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const SECRET: &str = "browser-test-consumer-secret";
const BOUND: Duration = Duration::from_secs(60);

type Http = Client<HttpConnector, Full<Bytes>>;

async fn call(http: &Http, method: &str, url: &str, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        )))
        .unwrap();
    let resp = tokio::time::timeout(BOUND, http.request(req))
        .await
        .expect("webdriver answered in time")
        .unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// chromedriver, ended when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Session {
    http: Http,
    base: String,
}

impl Session {
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = call(&self.http, method, &format!("{}{path}", self.base), body).await;
        assert!(
            v["value"].get("error").is_none(),
            "webdriver {method} {path}: {v}"
        );
        v["value"].clone()
    }

    async fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    async fn element(&self, css: &str) -> String {
        let v = self
            .cmd(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_owned()
    }

    async fn rows(&self) -> u64 {
        self.script("return document.querySelectorAll('#events tbody tr').length")
            .await
            .as_u64()
            .unwrap_or(0)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn post_signed(http: &Http, url: &str, body: &str) {
    let sig = aaa_crypto::sign(&ConsumerSecret::new(SECRET), body.as_bytes());
    let req = http::Request::post(url)
        .header("content-type", "application/json")
        .header("x-twitter-webhooks-signature", sig)
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let resp = http.request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_events_live_filters_and_opens_one() {
    for bin in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(bin).exists(),
            "{bin} is missing: install it with `apt-get install -y chromium chromium-driver` (Debian's packages)"
        );
    }
    let dir = temp_dir("browser");
    let running = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), SECRET, |c| c).await;
    let dashboard = Dashboard::start(
        DashboardConfig::new("127.0.0.1:0".parse().unwrap()),
        running.receiver.clone(),
        running.ops.board().clone(),
        Some(running.ops.journal().clone()),
    )
    .await
    .unwrap();

    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let http: Http = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let driver_url = format!("http://127.0.0.1:{port}");
    eventually(BOUND, "chromedriver ready", || async {
        let req = http::Request::get(format!("{driver_url}/status"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let resp = http.request(req).await.ok()?;
        let b = resp.into_body().collect().await.ok()?.to_bytes();
        let v: Value = serde_json::from_slice(&b).ok()?;
        (v["value"]["ready"] == true).then_some(())
    })
    .await;
    let profile = temp_dir("chromium-profile");
    let created = call(
        &http,
        "POST",
        &format!("{driver_url}/session"),
        Some(json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}})),
    )
    .await;
    let id = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {created}"))
        .to_owned();
    let s = Session {
        http: http.clone(),
        base: format!("{driver_url}/session/{id}"),
    };
    s.cmd("POST", "/url", Some(json!({"url": dashboard.url()})))
        .await;
    eventually(BOUND, "the page connected to the live feed", || async {
        (s.script("return document.getElementById('conn').textContent")
            .await
            == "live")
            .then_some(())
    })
    .await;
    assert_eq!(s.rows().await, 0);

    // Posted after the page was opened: they appear without a reload.
    let hook = running.url();
    let bodies = [
        r#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1001","text":"hello from the browser test","user":{"id_str":"6253282"}}]}"#,
        r#"{"for_user_id":"2244994945","favorite_events":[{"id":"a1","favorited_status":{"id_str":"1001"},"user":{"id_str":"6253282"},"timestamp_ms":1700000000001}]}"#,
        r#"{"for_user_id":"2244994945","favorite_events":[{"id":"a2","favorited_status":{"id_str":"1002"},"user":{"id_str":"6253282"},"timestamp_ms":1700000000002}]}"#,
        r#"{"for_user_id":"3805104374","follow_events":[{"type":"follow","created_timestamp":"1700000000003","source":{"id":"6253282"},"target":{"id":"3805104374"}}]}"#,
    ];
    for b in bodies {
        post_signed(&http, &hook, b).await;
    }
    eventually(BOUND, "four events shown live", || async {
        (s.rows().await == 4).then_some(())
    })
    .await;

    // Filter by kind.
    let kind = s.element("#f-kind").await;
    s.cmd(
        "POST",
        &format!("/element/{kind}/value"),
        Some(json!({"text": "favorite"})),
    )
    .await;
    let submit = s.element("#filters button[type=submit]").await;
    s.cmd("POST", &format!("/element/{submit}/click"), Some(json!({})))
        .await;
    eventually(BOUND, "the filter leaves the two likes", || async {
        let kinds = s
            .script("return Array.from(document.querySelectorAll('#events tbody tr td:nth-child(2)')).map(t => t.textContent).join(',')")
            .await;
        (kinds == "favorite,favorite").then_some(())
    })
    .await;
    // A like posted now arrives live through the filter; a follow does not.
    post_signed(
        &http,
        &hook,
        r#"{"for_user_id":"2244994945","favorite_events":[{"id":"a3","favorited_status":{"id_str":"1003"},"user":{"id_str":"6253282"},"timestamp_ms":1700000000004}]}"#,
    )
    .await;
    post_signed(
        &http,
        &hook,
        r#"{"for_user_id":"3805104374","follow_events":[{"type":"follow","created_timestamp":"1700000000005","source":{"id":"6253282"},"target":{"id":"3805104374"}}]}"#,
    )
    .await;
    eventually(BOUND, "the new like shown, the follow not", || async {
        (s.rows().await == 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(s.rows().await, 3, "the follow passed the kind filter");

    // Open one: its pretty JSON, delivery and signature result.
    let first = s.element("#events tbody tr").await;
    s.cmd("POST", &format!("/element/{first}/click"), Some(json!({})))
        .await;
    let pretty = eventually(BOUND, "the event opened", || async {
        let p = s
            .script("return document.getElementById('d-pretty').textContent")
            .await;
        p.as_str()
            .filter(|p| p.contains("\"id\": \"a3\""))
            .map(str::to_owned)
    })
    .await;
    assert!(pretty.contains('\n'), "pretty JSON is indented: {pretty}");
    let meta = s
        .script("return document.getElementById('d-meta').textContent")
        .await;
    assert!(
        meta.as_str().unwrap().contains("verified"),
        "the signature result is shown: {meta}"
    );
    let page = s.script("return document.documentElement.outerHTML").await;
    assert!(
        !page.as_str().unwrap().contains(SECRET),
        "the consumer secret reached the page"
    );

    let shot = s.cmd("GET", "/screenshot", None).await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot.as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let out = dir.join("dashboard.png");
    std::fs::write(&out, &png).unwrap();
    if let Ok(to) = std::env::var("AAA_SCREENSHOT") {
        std::fs::write(&to, &png).unwrap();
    }
    let _ = call(&http, "DELETE", &s.base, None).await;
    drop(driver);
    dashboard.stop().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&profile);
}
