//! The dashboard in a real browser: headless Chromium from Debian's packages, driven over
//! WebDriver (`chromedriver` on loopback, plain HTTP and JSON). The page is opened, signed
//! events are posted to the receiver afterwards and appear live, a filter narrows them, one is
//! opened, and a screenshot is saved (`AAA_SCREENSHOT=path` copies it there, as
//! docs/dashboard.png was made).

mod common;

use std::time::Duration;

use aaa_crypto::ConsumerSecret;
use aaa_ops::DashboardConfig;
use bytes::Bytes;
use common::webdriver::{Browser, Http, http};
use common::{Running, eventually, temp_dir};
use http_body_util::Full;

const SECRET: &str = "browser-test-consumer-secret";
const BOUND: Duration = Duration::from_secs(60);

async fn rows(b: &Browser) -> u64 {
    b.script("return document.querySelectorAll('#events tbody tr').length")
        .await
        .as_u64()
        .unwrap_or(0)
}

/// The "in store" total the page shows.
async fn s_in_store(b: &Browser) -> u64 {
    b.script("const d = Array.from(document.querySelectorAll('#totals div')).find((x) => x.textContent.endsWith('in store')); return d ? Number(d.querySelector('b').textContent) : -1")
        .await
        .as_u64()
        .unwrap_or(0)
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
    common::webdriver::require_chromium();
    let dir = temp_dir("browser");
    // A first run, stopped: the restart records the time in between as a gap.
    let first = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), SECRET, |c| c).await;
    first.stop().await;
    let running = Running::start(&dir, "127.0.0.1:0".parse().unwrap(), SECRET, |c| c).await;
    let dashboard = running
        .dashboard(DashboardConfig::new("127.0.0.1:0".parse().unwrap()))
        .await;
    let http = http();
    let b = Browser::start(temp_dir("chromium-profile"), 1400, 1250).await;
    b.open(&dashboard.url()).await;
    eventually(BOUND, "the page connected to the live feed", || async {
        (b.script("return document.getElementById('conn').textContent")
            .await
            == "live")
            .then_some(())
    })
    .await;
    assert_eq!(rows(&b).await, 0);
    // The gap is on the page: its window, cause and state.
    eventually(BOUND, "the recorded gap shown", || async {
        let g = b
            .script("return Array.from(document.querySelectorAll('#gaps .gap')).map((x) => x.textContent).join('\\n')")
            .await;
        let g = g.as_str()?.to_owned();
        g.lines()
            .any(|l| l.starts_with("stopped recorded#1") && l.contains("stopped at"))
            .then_some(())
    })
    .await;

    // Posted after the page was opened: they appear without a reload.
    let hook = running.url();
    let bodies = [
        r#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1001","text":"hello from the browser test","user":{"id_str":"6253282"}}]}"#,
        r#"{"for_user_id":"2244994945","favorite_events":[{"id":"a1","favorited_status":{"id_str":"1001"},"user":{"id_str":"6253282"},"timestamp_ms":1700000000001}]}"#,
        r#"{"for_user_id":"2244994945","favorite_events":[{"id":"a2","favorited_status":{"id_str":"1002"},"user":{"id_str":"6253282"},"timestamp_ms":1700000000002}]}"#,
        r#"{"for_user_id":"3805104374","follow_events":[{"type":"follow","created_timestamp":"1700000000003","source":{"id":"6253282"},"target":{"id":"3805104374"}}]}"#,
    ];
    for body in bodies {
        post_signed(&http, &hook, body).await;
    }
    eventually(BOUND, "four events shown live", || async {
        (rows(&b).await == 4).then_some(())
    })
    .await;

    // Filter by kind.
    b.type_into("#f-kind", "favorite").await;
    b.click("#filters button[type=submit]").await;
    eventually(BOUND, "the filter leaves the two likes", || async {
        let kinds = b
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
        (rows(&b).await == 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(rows(&b).await, 3, "the follow passed the kind filter");

    // Open one: its pretty JSON, delivery and signature result.
    b.click("#events tbody tr").await;
    let pretty = eventually(BOUND, "the event opened", || async {
        let p = b
            .script("return document.getElementById('d-pretty').textContent")
            .await;
        p.as_str()
            .filter(|p| p.contains("\"id\": \"a3\""))
            .map(str::to_owned)
    })
    .await;
    assert!(pretty.contains('\n'), "pretty JSON is indented: {pretty}");
    let meta = b
        .script("return document.getElementById('d-meta').textContent")
        .await;
    assert!(
        meta.as_str().unwrap().contains("verified"),
        "the signature result is shown: {meta}"
    );
    let page = b.script("return document.documentElement.outerHTML").await;
    assert!(
        !page.as_str().unwrap().contains(SECRET),
        "the consumer secret reached the page"
    );

    // Counters per outcome and per kind, each with its chart over the last minutes.
    eventually(BOUND, "the counters and their charts", || async {
        let v = b
            .script(
                "const rows = (id) => Array.from(document.querySelectorAll('#' + id + ' tr')).map((r) => Array.from(r.cells).map((c) => c.textContent).join('='));
                 const peak = (id) => Math.max(0, ...Array.from(document.querySelectorAll('#' + id + ' svg title')).map((t) => Number(t.textContent.split('peak ')[1])));
                 return [rows('outcomes').join('|'), rows('kinds').join('|'), peak('outcomes'), peak('kinds')];",
            )
            .await;
        let outcomes = v[0].as_str()?;
        let kinds = v[1].as_str()?;
        (outcomes.starts_with("stored=6=")
            && s_in_store(&b).await == 6
            && kinds.contains("favorite=3=")
            && kinds.contains("follow=2=")
            && kinds.contains("tweet create=1=")
            && v[2].as_u64()? >= 1
            && v[3].as_u64()? >= 1)
            .then_some(())
    })
    .await;

    let png = b.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(dir.join("dashboard.png"), &png).unwrap();
    if let Ok(to) = std::env::var("AAA_SCREENSHOT") {
        std::fs::write(&to, &png).unwrap();
    }

    // Another program drops the tables the page reads from: it says so, not "no gap".
    assert!(
        running.drop_tables(&dir) > 0,
        "no store file in {}",
        dir.display()
    );
    eventually(BOUND, "the unreadable journal and store shown", || async {
        let v = b
            .script("return [document.getElementById('gaps').textContent, document.getElementById('totals').textContent]")
            .await;
        (v[0].as_str()?.starts_with("gaps unknown: reading the gap journal")
            && v[1].as_str()?.contains("counting the store failed"))
        .then_some(())
    })
    .await;
    b.close().await;
    dashboard.stop().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
