//! Headless Chromium from Debian's packages, driven over WebDriver (`chromedriver` on loopback,
//! plain HTTP and JSON): for the browser test and the dashboard's measurement harness
//! (`examples/dashboard_load.rs`, which includes this file).

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const BOUND: Duration = Duration::from_secs(60);

pub type Http = Client<HttpConnector, Full<Bytes>>;

/// A plain HTTP/1.1 client for loopback.
pub fn http() -> Http {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// A JSON request, its JSON answer (`null` when the answer is not JSON).
pub async fn call(http: &Http, method: &str, url: &str, body: Option<Value>) -> Value {
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

/// Panics naming the install step when Chromium or its driver is missing.
pub fn require_chromium() {
    for bin in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(bin).exists(),
            "{bin} is missing: install it with `apt-get install -y chromium chromium-driver` (Debian's packages)"
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver with one headless Chromium session; both end when dropped (or at
/// [`Browser::close`]).
pub struct Browser {
    driver: Child,
    profile: PathBuf,
    http: Http,
    /// `http://127.0.0.1:PORT/session/ID`.
    pub base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile in `profile`,
    /// its window `width` x `height`.
    pub async fn start(profile: PathBuf, width: u32, height: u32) -> Browser {
        require_chromium();
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = http();
        let driver_url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let req = http::Request::get(format!("{driver_url}/status"))
                .body(Full::new(Bytes::new()))
                .unwrap();
            let ready = match http.request(req).await {
                Ok(resp) => resp
                    .into_body()
                    .collect()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b.to_bytes()).ok())
                    .is_some_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(
                started.elapsed() < BOUND,
                "chromedriver not ready within {} s",
                BOUND.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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
                        "--enable-precise-memory-info",
                        format!("--window-size={width},{height}"),
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
        Browser {
            driver,
            profile,
            http,
            base: format!("{driver_url}/session/{id}"),
        }
    }

    /// A WebDriver command of the session; panics on a WebDriver error.
    pub async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = call(&self.http, method, &format!("{}{path}", self.base), body).await;
        assert!(
            v["value"].get("error").is_none(),
            "webdriver {method} {path}: {v}"
        );
        v["value"].clone()
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` in the page and returns its result.
    pub async fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` in the page, which calls `arguments[0]` with its result.
    pub async fn script_async(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The element `css` selects.
    pub async fn element(&self, css: &str) -> String {
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

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        let e = self.element(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})))
            .await;
    }

    /// Types `text` into the element `css` selects.
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css).await;
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let shot = self.cmd("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(shot.as_str().unwrap())
            .unwrap()
    }

    /// Ends the session (the browser exits), then chromedriver.
    pub async fn close(self) {
        let _ = call(&self.http, "DELETE", &self.base, None).await;
    }
}
