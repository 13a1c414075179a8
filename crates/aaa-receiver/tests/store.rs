//! The store on its own, on a real SQLite file: how big its WAL gets under steady load.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aaa_receiver::store::{Content, Delivery, EventRecord, Reader};
use aaa_receiver::{Metrics, Store, StoreConfig};
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
    let store = Store::open(StoreConfig::new(dir.path()), Arc::new(Metrics::default())).unwrap();
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
            assert_eq!(appended.new_events, vec![0]);
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
    let reader = Reader::open_dir(dir.path()).unwrap();
    assert_eq!(
        reader.counts().unwrap().0,
        i64::try_from(total).unwrap(),
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
    let store = Store::open(StoreConfig::new(new.path()), Arc::new(Metrics::default())).unwrap();
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
    let store = Store::open(StoreConfig::new(old.path()), Arc::new(Metrics::default())).unwrap();
    for n in 0..3 {
        assert_eq!(store.append(delivery(n)).await.unwrap().new_events, vec![0]);
    }
    assert_eq!(store.append(delivery(0)).await.unwrap().duplicates, 1);
    assert_eq!(page_size(&db), 4096);
    let reader = Reader::open_dir(old.path()).unwrap();
    assert_eq!(reader.counts().unwrap().0, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reader_does_not_hold_the_writer_back() {
    let dir = TempDir::new("long-reader");
    let store = Store::open(StoreConfig::new(dir.path()), Arc::new(Metrics::default())).unwrap();
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
