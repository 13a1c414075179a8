//! The store on its own, on real SQLite files: how big its WAL gets under steady load, paging
//! and filtering, one event with its delivery, the live feed, and pruning.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aaa_receiver::{Content, Delivery, EventQuery, EventRecord, Store, StoreConfig};
use bytes::Bytes;

mod common;
use common::TempDir;

/// A delivery of one event with its own key, its body padded to about 2.5 KB (the size of a
/// typical tweet delivery) with bytes that do not compress.
fn delivery(n: u64) -> Arc<Delivery> {
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let padding: String = (0..2400)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + u8::try_from(state % 26).unwrap())
        })
        .collect();
    let event = format!(r#"{{"id_str":"{n}","text":"{padding}"}}"#);
    let body = format!(r#"{{"for_user_id":"7","tweet_create_events":[{event}]}}"#);
    let start = body.find(&event).unwrap();
    Arc::new(Delivery {
        app: Arc::from("default"),
        received_at: 1,
        signature: "sha256=x".into(),
        secret_index: 0,
        content: Content::Events(vec![EventRecord {
            key: format!("tweet_create/7/{n}"),
            kind: "tweet_create".into(),
            for_user_id: Some("7".into()),
            range: start..start + event.len(),
        }]),
        body: Bytes::from(body),
    })
}

fn wal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("aaa.sqlite3-wal")).map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_steady_load() {
    let dir = TempDir::new("wal-bound");
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    // About 130 MB of pages go through the WAL: more than twice what it may hold. Bounded in
    // count and in time.
    let total: u64 = 48_000;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut largest = 0;
    let mut next = 0;
    while next < total {
        assert!(Instant::now() < deadline, "the load took over two minutes");
        let round: Vec<_> = (next..(next + 64).min(total))
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.append(delivery(n)).await })
            })
            .collect();
        for task in round {
            let appended = task.await.unwrap().expect("stored");
            assert_eq!(appended.new_events.len(), 1);
        }
        next += 64;
        largest = largest.max(wal_len(dir.path()));
    }
    let db = std::fs::metadata(dir.path().join("aaa.sqlite3"))
        .unwrap()
        .len();
    assert!(
        db > 112 << 20,
        "only {db} bytes reached the database: the load did not outgrow the WAL bound"
    );
    assert!(
        largest <= 128 << 20,
        "the WAL grew to {largest} bytes under steady load (a restart once it holds 48 MiB)"
    );
    assert_eq!(
        store.counts().await.unwrap().events,
        total,
        "every delivery is stored"
    );
}

fn page_size(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_files_get_8_kib_pages_and_older_files_keep_theirs() {
    let new = TempDir::new("pages-new");
    let store = Store::open(StoreConfig::new(new.path())).unwrap();
    store.append(delivery(1)).await.unwrap();
    assert_eq!(page_size(&new.path().join("aaa.sqlite3")), 8192);

    // A file made with 4 KiB pages (the SQLite default, and what earlier versions made).
    let old = TempDir::new("pages-old");
    let db = old.path().join("aaa.sqlite3");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t (x);")
            .unwrap();
    }
    let store = Store::open(StoreConfig::new(old.path())).unwrap();
    for n in 0..3 {
        assert_eq!(store.append(delivery(n)).await.unwrap().new_events.len(), 1);
    }
    assert_eq!(store.append(delivery(0)).await.unwrap().duplicates, 1);
    assert_eq!(page_size(&db), 4096);
    assert_eq!(store.counts().await.unwrap().events, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reader_does_not_hold_the_writer_back() {
    let dir = TempDir::new("long-reader");
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    // A reader that keeps one snapshot for the whole test (a backup, or someone exploring the
    // file with the sqlite3 shell): the WAL cannot start over while it reads.
    let db = dir.path().join("aaa.sqlite3");
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader
        .execute_batch("BEGIN; SELECT COUNT(*) FROM events;")
        .unwrap();
    // Well past the WAL size at which the checkpoint thread tries to start it over, every batch
    // timed. Bounded in count and in time.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut slowest = Duration::ZERO;
    let mut next = 0u64;
    while next < 30_000 {
        assert!(Instant::now() < deadline, "the load took over two minutes");
        let started = Instant::now();
        let round: Vec<_> = (next..next + 64)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.append(delivery(n)).await })
            })
            .collect();
        for task in round {
            task.await.unwrap().expect("stored");
        }
        slowest = slowest.max(started.elapsed());
        next += 64;
    }
    assert!(
        wal_len(dir.path()) > 64 << 20,
        "the WAL did not outgrow the restart threshold, so nothing was tested"
    );
    reader.execute_batch("COMMIT").unwrap();
    assert!(
        slowest < Duration::from_millis(500),
        "a batch of 64 deliveries took {slowest:?} while a reader held a snapshot"
    );
}

/// A delivery for `user` of one event of `kind` with its own key and `text` in its JSON.
fn event_for(user: &str, n: u64, kind: &str, text: &str) -> Arc<Delivery> {
    let event = format!(r#"{{"id_str":"{n}","text":"{text}"}}"#);
    let body = format!(r#"{{"for_user_id":"{user}","{kind}_events":[{event}]}}"#);
    let start = body.find(&event).unwrap();
    Arc::new(Delivery {
        app: Arc::from("main"),
        received_at: 1_000 + i64::try_from(n).unwrap(),
        signature: format!("sha256=sig{n}"),
        secret_index: usize::from(n % 2 == 1),
        content: Content::Events(vec![EventRecord {
            key: format!("{kind}/{user}/{n}"),
            kind: kind.into(),
            for_user_id: Some(user.into()),
            range: start..start + event.len(),
        }]),
        body: Bytes::from(body),
    })
}

fn keys(events: &[aaa_receiver::StoredEvent]) -> Vec<String> {
    events.iter().map(|e| e.key.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_page_both_ways_with_filters_across_every_file() {
    let dir = TempDir::new("paging");
    let mut config = StoreConfig::new(dir.path());
    config.shards = 4;
    let store = Store::open(config).unwrap();
    // 40 events, one at a time (so storage order is this order), for 8 users over the files.
    let users: Vec<String> = (0..8).map(|u| format!("{}", 700 + u)).collect();
    let mut all = Vec::new();
    for n in 0..40u64 {
        let user = &users[usize::try_from(n % 8).unwrap()];
        let kind = if n % 3 == 0 {
            "favorite"
        } else {
            "tweet_create"
        };
        let text = if n % 5 == 0 { "needle" } else { "hay" };
        let d = event_for(user, n, kind, text);
        assert_eq!(store.append(d).await.unwrap().new_events.len(), 1);
        all.push(format!("{kind}/{user}/{n}"));
    }
    let listed = store.list(EventQuery::newest(None)).await.unwrap();
    assert_eq!(keys(&listed.events), all);
    let parts: std::collections::BTreeSet<usize> =
        listed.events.iter().map(|e| e.id.part).collect();
    assert!(parts.len() > 1, "the users fill more than one file");

    // Newest first, pages of 7 going back: every event once, in order.
    let mut page = store.list(EventQuery::newest(Some(7))).await.unwrap();
    let mut back = Vec::new();
    loop {
        assert!(page.events.len() <= 7);
        let mut keys = keys(&page.events);
        keys.extend(back);
        back = keys;
        if page.events.is_empty() {
            break;
        }
        page = store
            .list(EventQuery::before(page.before.clone(), 7))
            .await
            .unwrap();
    }
    assert_eq!(back, all);

    // Forward from the start in pages of 6, through cursors written out as text and read back.
    let mut cursor: aaa_receiver::Cursor = "0,0,0,0".parse().unwrap();
    let mut forward = Vec::new();
    for _ in 0..20 {
        let page = store
            .list(EventQuery::after(cursor.clone()).limit(6))
            .await
            .unwrap();
        if page.events.is_empty() {
            break;
        }
        forward.extend(keys(&page.events));
        cursor = page.after.to_string().parse().unwrap();
    }
    assert_eq!(forward, all);
    // Nothing comes after the end; something stored later does.
    assert!(
        store
            .list(EventQuery::after(cursor.clone()))
            .await
            .unwrap()
            .events
            .is_empty()
    );
    store
        .append(event_for("999", 99, "tweet_create", "late"))
        .await
        .unwrap();
    let later = store.list(EventQuery::after(cursor)).await.unwrap();
    assert_eq!(keys(&later.events), vec!["tweet_create/999/99"]);

    // Filters: kind, user, text, and all three.
    let favorites = store
        .list(EventQuery::newest(None).kind("favorite"))
        .await
        .unwrap();
    let expected: Vec<&String> = all.iter().filter(|k| k.starts_with("favorite/")).collect();
    assert_eq!(favorites.events.len(), expected.len());
    let mine = store
        .list(EventQuery::newest(None).user("703"))
        .await
        .unwrap();
    assert_eq!(
        keys(&mine.events),
        all.iter()
            .filter(|k| k.contains("/703/"))
            .cloned()
            .collect::<Vec<_>>()
    );
    let needles = store
        .list(EventQuery::newest(None).text("needle"))
        .await
        .unwrap();
    assert_eq!(needles.events.len(), 8);
    assert!(
        needles
            .events
            .iter()
            .all(|e| String::from_utf8_lossy(&e.raw).contains("needle"))
    );
    let narrow = store
        .list(
            EventQuery::newest(None)
                .kind("favorite")
                .user("700")
                .text("needle"),
        )
        .await
        .unwrap();
    // n = 0 (favorite, user 700, needle) and n = 24 (favorite, user 700, hay): only the first.
    assert_eq!(keys(&narrow.events), vec!["favorite/700/0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_look_finds_rare_matches_in_steps_across_every_file() {
    for shards in [1, 3] {
        let dir = TempDir::new("bounded");
        let mut config = StoreConfig::new(dir.path());
        config.shards = shards;
        let store = Store::open(config).unwrap();
        let mut needles = Vec::new();
        for n in 0..90u64 {
            let user = format!("{}", 700 + n % 5);
            let text = if [2, 61, 62].contains(&n) {
                "needle"
            } else {
                "hay"
            };
            store
                .append(event_for(&user, n, "tweet_create", text))
                .await
                .unwrap();
            if text == "needle" {
                needles.push(format!("tweet_create/{user}/{n}"));
            }
        }
        if shards == 1 {
            // The newest 10 events hold no needle: an empty page, and more to look at.
            let page = store
                .list(EventQuery::newest(Some(5)).text("needle").examine(10))
                .await
                .unwrap();
            assert!(page.events.is_empty());
            assert!(page.more);
            assert_eq!(page.before.to_string(), "81");
        }
        let (found, requests) = common::bounded::walk_with_bound(&store, "needle", 2, 10).await;
        assert_eq!(found, needles, "{shards} files");
        assert!(
            requests >= 90 / (10 * shards),
            "{shards} files: {requests} requests"
        );
        // Without a bound: a full page may have more, the last page has not.
        let full = store
            .list(EventQuery::newest(Some(2)).text("needle"))
            .await
            .unwrap();
        assert!(full.more);
        let all = store
            .list(EventQuery::newest(None).text("needle"))
            .await
            .unwrap();
        assert!(!all.more);
        assert_eq!(all.events.len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_event_comes_with_its_delivery_its_secret_and_its_duplicates() {
    let dir = TempDir::new("detail");
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let mut live = store.subscribe();
    let first = store
        .append(event_for("7", 1, "tweet_create", "x"))
        .await
        .unwrap();
    let (_, id) = first.new_events[0];
    // The live feed has it, as a listing would.
    let seen = tokio::time::timeout(Duration::from_secs(10), live.next())
        .await
        .expect("the subscriber hears of the event")
        .unwrap()
        .unwrap();
    assert_eq!(seen.id, id);
    assert_eq!(seen.key, "tweet_create/7/1");
    // Delivered twice more: counted, not stored.
    for _ in 0..2 {
        let again = store
            .append(event_for("7", 1, "tweet_create", "x"))
            .await
            .unwrap();
        assert_eq!((again.new_events.len(), again.duplicates), (0, 1));
        assert_eq!(again.delivery, None, "nothing new: no copy of the body");
    }
    let detail = store.event(id).await.unwrap().expect("the event is there");
    assert_eq!(detail.event, seen);
    assert_eq!(detail.duplicates, Some(2));
    let delivery = detail.delivery.expect("its delivery");
    assert_eq!(delivery.signature, "sha256=sig1");
    assert_eq!(delivery.secret_index, Some(1), "the second secret matched");
    assert_eq!(
        &delivery.body[..],
        &event_for("7", 1, "tweet_create", "x").body[..]
    );
    assert_eq!(delivery.quarantined, None);
    assert!(
        store
            .event(aaa_receiver::EventId { part: 0, seq: 999 })
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.event("5:1".parse().unwrap()).await.unwrap().is_none(),
        "no such file"
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.events, counts.deliveries), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_prunes_past_the_retention_window_on_its_own() {
    let dir = TempDir::new("prune");
    let mut config = StoreConfig::new(dir.path());
    config.retention = Duration::from_secs(3600);
    config.prune_every = Some(Duration::from_millis(200));
    let store = Store::open(config).unwrap();
    // Received long ago (1970), so past any retention window.
    store
        .append(event_for("7", 1, "tweet_create", "old"))
        .await
        .unwrap();
    let mut fresh = event_for("7", 2, "tweet_create", "new");
    Arc::get_mut(&mut fresh).unwrap().received_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .try_into()
        .unwrap();
    store.append(fresh).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = store.list(EventQuery::newest(None)).await.unwrap().events;
        if keys(&left) == vec!["tweet_create/7/2"] {
            break;
        }
        assert_eq!(left.len(), 2, "{:?}", keys(&left));
        assert!(Instant::now() < deadline, "the old event was never pruned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Its key is forgotten with it: the same event again is new.
    let again = store
        .append(event_for("7", 1, "tweet_create", "old"))
        .await
        .unwrap();
    assert_eq!(again.new_events.len(), 1);
}
