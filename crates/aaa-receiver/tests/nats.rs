//! The JetStream store against real `nats-server` processes on loopback: deduplication across
//! two store handles (two receivers) writing the same events at once and after JetStream's own
//! duplicate window, reading back, quarantine, and NATS going away and coming back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aaa_receiver::{Content, Delivery, EventQuery, EventRecord, NatsConfig, Store};
use bytes::Bytes;

mod common;
#[path = "common/nats_server.rs"]
mod nats_server;
use common::TempDir;

fn delivery(user: &str, ids: &[u64], text: &str) -> Arc<Delivery> {
    let events: Vec<String> = ids
        .iter()
        .map(|n| format!(r#"{{"id_str":"{n}","text":"{text}"}}"#))
        .collect();
    let body = format!(
        r#"{{"for_user_id":"{user}","tweet_create_events":[{}]}}"#,
        events.join(",")
    );
    let records = events
        .iter()
        .zip(ids)
        .map(|(e, n)| {
            let start = body.find(e.as_str()).unwrap();
            EventRecord {
                key: format!("tweet_create/{user}/{n}"),
                kind: "tweet_create".into(),
                for_user_id: Some(user.into()),
                range: start..start + e.len(),
            }
        })
        .collect();
    Arc::new(Delivery {
        app: Arc::from("main"),
        received_at: 1_700_000_000_000,
        signature: "sha256=test".into(),
        secret_index: 0,
        body: Bytes::from(body),
        content: Content::Events(records),
    })
}

fn config(url: &str) -> NatsConfig {
    let mut c = NatsConfig::new(url).unwrap();
    c.publish_timeout = Duration::from_secs(2);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_store_each_event_once_even_after_the_duplicate_window() {
    let dir = TempDir::new("nats-dedupe");
    let nats = nats_server::Cluster::start(dir.path(), 1);
    let mut c = config(&nats.url());
    c.duplicate_window = Duration::from_secs(1);
    let a = Store::open_nats(c.clone()).await.expect("open the stream");
    let b = Store::open_nats(c)
        .await
        .expect("a second receiver opens it too");
    // 200 deliveries of two events each, every one sent through both handles at once.
    let mut set = tokio::task::JoinSet::new();
    for n in 0..200u64 {
        let d = delivery("42", &[2 * n, 2 * n + 1], "both");
        for store in [&a, &b] {
            let (store, d) = (store.clone(), Arc::clone(&d));
            set.spawn(async move { store.append(d).await });
        }
    }
    let (mut new, mut dups) = (0, 0);
    while let Some(r) = set.join_next().await {
        let r = r.unwrap().expect("every append is acknowledged");
        new += r.new_events.len();
        dups += r.duplicates;
    }
    assert_eq!((new, dups), (400, 400), "each event new exactly once");
    assert_eq!(a.counts().await.unwrap().events, 400);
    // After JetStream's own duplicate window: still caught, by the subject.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = b
        .append(delivery("42", &[0, 1, 9_999], "both"))
        .await
        .unwrap();
    assert_eq!(
        (again.new_events.len(), again.duplicates),
        (1, 2),
        "two old keys refused, one new stored"
    );
    assert_eq!(again.new_events[0].0, 2);
    let page = a.list(EventQuery::newest(None)).await.unwrap();
    assert_eq!(page.events.len(), 401);
    let mut keys: Vec<&str> = page.events.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 401, "no key twice in the stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_kept_once_per_app_within_the_duplicate_window_and_after_it() {
    let dir = TempDir::new("nats-apps");
    let nats = nats_server::Cluster::start(dir.path(), 1);
    let mut c = config(&nats.url());
    c.duplicate_window = Duration::from_secs(1);
    let store = Store::open_nats(c).await.expect("open the stream");
    let for_app = |app: &str, ids: &[u64]| {
        let mut d = Arc::try_unwrap(delivery("7", ids, "apps")).unwrap();
        d.app = Arc::from(app);
        Arc::new(d)
    };
    // Within JetStream's duplicate window: the second app's copy is its own event.
    assert_eq!(
        store
            .append(for_app("one", &[5]))
            .await
            .unwrap()
            .new_events
            .len(),
        1
    );
    let r = store.append(for_app("two", &[5])).await.unwrap();
    assert_eq!(
        (r.new_events.len(), r.duplicates),
        (1, 0),
        "within the window"
    );
    let r = store.append(for_app("two", &[5])).await.unwrap();
    assert_eq!(
        (r.new_events.len(), r.duplicates),
        (0, 1),
        "the same app again"
    );
    // After it: the same answers, now from the one-message-per-subject rule.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = store.append(for_app("three", &[5])).await.unwrap();
    assert_eq!(
        (r.new_events.len(), r.duplicates),
        (1, 0),
        "after the window"
    );
    let r = store.append(for_app("one", &[5])).await.unwrap();
    assert_eq!(
        (r.new_events.len(), r.duplicates),
        (0, 1),
        "after the window, again"
    );
    assert_eq!(store.counts().await.unwrap().events, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_back_pages_filters_and_looks_up_one_event() {
    let dir = TempDir::new("nats-read");
    let nats = nats_server::Cluster::start(dir.path(), 1);
    let store = Store::open_nats(config(&nats.url())).await.unwrap();
    let mut live = store.subscribe();
    for n in 0..30u64 {
        let user = if n % 3 == 0 { "7" } else { "8" };
        let text = if n % 5 == 0 { "needle" } else { "hay" };
        let r = store.append(delivery(user, &[n], text)).await.unwrap();
        assert_eq!(r.new_events.len(), 1);
    }
    let first = live.next().await.unwrap().unwrap();
    assert_eq!(first.key, "tweet_create/7/0");
    let all = store.list(EventQuery::newest(None)).await.unwrap();
    assert_eq!(all.events.len(), 30);
    let keys = |p: &aaa_receiver::EventPage| -> Vec<String> {
        p.events.iter().map(|e| e.key.clone()).collect()
    };
    // Back in pages of 7.
    let mut page = store.list(EventQuery::newest(Some(7))).await.unwrap();
    let mut back: Vec<String> = Vec::new();
    while !page.events.is_empty() {
        let mut k = keys(&page);
        k.append(&mut back);
        back = k;
        page = store
            .list(EventQuery::before(page.before.clone(), 7))
            .await
            .unwrap();
    }
    assert_eq!(back, keys(&all));
    // Forward in pages of 4, from text cursors.
    let mut cursor: aaa_receiver::Cursor = "0".parse().unwrap();
    let mut fwd = Vec::new();
    for _ in 0..20 {
        let p = store
            .list(EventQuery::after(cursor.clone()).limit(4))
            .await
            .unwrap();
        if p.events.is_empty() {
            break;
        }
        fwd.extend(keys(&p));
        cursor = p.after.to_string().parse().unwrap();
    }
    assert_eq!(fwd, keys(&all));
    // Filters.
    let mine = store
        .list(EventQuery::newest(None).user("7").text("needle"))
        .await
        .unwrap();
    assert_eq!(keys(&mine), vec!["tweet_create/7/0", "tweet_create/7/15"]);
    let other = store
        .list(EventQuery::newest(None).kind("favorite"))
        .await
        .unwrap();
    assert!(other.events.is_empty());
    // One event with its delivery.
    let e = &all.events[3];
    let detail = store.event(e.id).await.unwrap().expect("the event");
    assert_eq!((&detail.event.key, &detail.event.raw), (&e.key, &e.raw));
    let d = detail.delivery.expect("its delivery");
    assert_eq!(detail.event.delivery, d.id, "the detail names its delivery");
    assert_eq!(&d.body[..], &delivery("7", &[3], "hay").body[..]);
    assert_eq!(d.signature, "sha256=test");
    assert_eq!(d.secret_index, Some(0));
    // A quarantined body: kept once.
    let q = Arc::new(Delivery {
        app: Arc::from("main"),
        received_at: 1,
        signature: "sha256=q".into(),
        secret_index: 1,
        body: Bytes::from_static(b"[1,2,3]"),
        content: Content::Quarantined("not an object".into()),
    });
    assert!(
        store
            .append(Arc::clone(&q))
            .await
            .unwrap()
            .delivery
            .is_some()
    );
    assert!(store.append(q).await.unwrap().delivery.is_none());
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.quarantined), (30, 1));
    // A bounded look (8 stream sequences per request) walks to the same needles in steps.
    let (found, requests) = common::bounded::walk_with_bound(&store, "needle", 2, 8).await;
    let needles = store
        .list(EventQuery::newest(None).text("needle"))
        .await
        .unwrap();
    assert!(!needles.more);
    assert_eq!(found, keys(&needles));
    assert_eq!(found.len(), 6);
    assert!(requests > 4, "{requests} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_nats_appends_fail_fast_and_recover_when_it_is_back() {
    let dir = TempDir::new("nats-down");
    let mut nats = nats_server::Cluster::start(dir.path(), 1);
    let store = Store::open_nats(config(&nats.url())).await.unwrap();
    store.append(delivery("1", &[1], "up")).await.unwrap();
    nats.kill_all();
    let started = Instant::now();
    let e = store
        .append(delivery("1", &[2], "down"))
        .await
        .expect_err("no NATS, no acknowledgement");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(e.kind(), aaa_receiver::StoreErrorKind::Unavailable, "{e}");
    assert!(!store.is_healthy());
    nats.restart_all();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match store.append(delivery("1", &[2], "back")).await {
            Ok(r) => {
                assert_eq!(r.new_events.len() + r.duplicates, 1);
                break;
            }
            Err(e) => assert!(Instant::now() < deadline, "not back: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(store.is_healthy());
    assert_eq!(store.counts().await.unwrap().events, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_forwarders_pass_each_delivery_on_once_between_them() {
    use common::app::{Received, start_app, wait_received};
    let dir = TempDir::new("nats-forward");
    let nats = nats_server::Cluster::start(dir.path(), 1);
    let a = Store::open_nats(config(&nats.url())).await.unwrap();
    let b = Store::open_nats(config(&nats.url())).await.unwrap();
    let received = Received::default();
    let app = start_app(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        &received,
    );
    let url = format!("http://{}/hook", app.addr);
    let (stop, rx) = tokio::sync::watch::channel(false);
    let mut forwarders = Vec::new();
    for store in [&a, &b] {
        let forwarder = aaa_receiver::Forwarder::new(store.clone(), &url)
            .unwrap()
            .max_backoff(Duration::from_millis(200));
        let mut rx = rx.clone();
        forwarders.push(tokio::spawn(forwarder.run(async move {
            let _ = rx.wait_for(|s| *s).await;
        })));
    }
    // 20 deliveries, some of two events, each stored through both handles (as two receivers
    // that both got it).
    let mut bodies = Vec::new();
    for n in 0..20u64 {
        let ids: Vec<u64> = if n % 4 == 0 {
            vec![1000 + 2 * n, 1001 + 2 * n]
        } else {
            vec![1000 + 2 * n]
        };
        let d = delivery("5", &ids, "fwd");
        bodies.push(d.body.clone());
        a.append(Arc::clone(&d)).await.unwrap();
        b.append(d).await.unwrap();
    }
    let got = wait_received(&received, 20).await;
    assert_eq!(
        got.len(),
        20,
        "each delivery once, not per event or per receiver"
    );
    for body in &bodies {
        let n = got.iter().filter(|(_, b)| b == body).count();
        assert_eq!(n, 1, "{}", String::from_utf8_lossy(body));
    }
    assert!(got.iter().all(|(sig, _)| sig == "sha256=test"));
    let _ = stop.send(true);
    for f in forwarders {
        tokio::time::timeout(Duration::from_secs(10), f)
            .await
            .expect("the forwarder stops")
            .unwrap();
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_asks_for_a_token_gets_it_and_refuses_a_wrong_one() {
    let dir = TempDir::new("nats-auth");
    let nats = nats_server::Cluster::start_with(
        dir.path(),
        1,
        "authorization {\n  token: \"t0ken-AAA\"\n}\n",
    );
    let mut c = config(&nats.url());
    let e = Store::open_nats(c.clone())
        .await
        .expect_err("no token, no connection");
    assert_eq!(e.kind(), aaa_receiver::StoreErrorKind::Unavailable, "{e}");
    c.token = Some(aaa_crypto::ConsumerSecret::new("wrong"));
    assert!(Store::open_nats(c.clone()).await.is_err());
    c.token = Some(aaa_crypto::ConsumerSecret::new("t0ken-AAA"));
    let store = Store::open_nats(c.clone()).await.expect("the right token");
    let r = store.append(delivery("3", &[1], "auth")).await.unwrap();
    assert_eq!(r.new_events.len(), 1);
    assert!(
        !format!("{c:?}").contains("t0ken"),
        "the token stays out of Debug"
    );
}
