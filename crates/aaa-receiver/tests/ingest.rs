//! Activity stream lines stored beside webhook deliveries: the same keys, so an event that
//! comes both ways is stored once; backfilled repeats and re-serialized copies are duplicates;
//! a line that is not an envelope is quarantined.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aaa_crypto::{ConsumerSecret, SigningKey};
use aaa_receiver::{AppConfig, EventQuery, Receiver, Store, StoreConfig, StreamIngest};
use bytes::Bytes;
use common::TempDir;
use http_body_util::{BodyExt as _, Full};

const SECRET: &str = "ingest-test-secret";

fn activity(uuid: Option<&str>, after: &str) -> String {
    let uuid = uuid.map_or(String::new(), |u| format!(r#""event_uuid":"{u}","#));
    format!(
        r#"{{"data":{{{uuid}"filter":{{"user_id":"2244994945"}},"event_type":"profile.update.bio","tag":"bios","payload":{{"before":"Mars & Cars","after":"{after}"}}}}}}"#
    )
}

async fn post(receiver: &Receiver, body: &str) -> (u16, serde_json::Value) {
    let sig = SigningKey::new(&ConsumerSecret::new(SECRET)).sign(body.as_bytes());
    let req = http::Request::post("/webhooks/twitter")
        .header("x-twitter-webhooks-signature", sig)
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let res = receiver.handle(req).await;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_line_and_a_webhook_delivery_of_one_event_are_stored_once() {
    let dir = TempDir::new("ingest");
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let receiver = Receiver::builder()
        .app(AppConfig::new(
            "main",
            "/webhooks/twitter",
            ConsumerSecret::new(SECRET),
        ))
        .store(store.clone())
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let ingest = StreamIngest::new(store.clone(), "activity-stream").on_stored(tx);

    // Stream first, then the webhook: the webhook's copy is a duplicate.
    let body = activity(Some("-8917909039855612786"), "Mars, Cars & AI");
    let got = ingest.line(Bytes::from(body.clone()), 1_000).await.unwrap();
    assert_eq!((got.new, got.duplicates, got.quarantined), (1, 0, None));
    let new = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        new.key,
        "profile.update.bio/2244994945/-8917909039855612786"
    );
    assert_eq!(new.kind, "profile.update.bio");
    assert_eq!(new.app, "activity-stream");
    let (status, answer) = post(&receiver, &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer, serde_json::json!({"stored": 0, "duplicates": 1}));

    // Webhook first, then the stream (and the stream's backfill repeating it).
    let other = activity(Some("4123434298221215973"), "Stars");
    assert_eq!(post(&receiver, &other).await.1["stored"], 1);
    for _ in 0..2 {
        let got = ingest
            .line(Bytes::from(other.clone()), 2_000)
            .await
            .unwrap();
        assert_eq!((got.new, got.duplicates), (0, 1));
    }

    // No event_uuid: the stream's compact line and the webhook's pretty body are one event.
    let compact = activity(None, "no uuid here");
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&compact).unwrap())
            .unwrap();
    assert_eq!(
        ingest.line(Bytes::from(compact), 3_000).await.unwrap().new,
        1
    );
    assert_eq!(post(&receiver, &pretty).await.1["duplicates"], 1);

    // Not an envelope: quarantined, no event.
    let got = ingest
        .line(Bytes::from_static(b"{\"hello\":1}"), 4_000)
        .await
        .unwrap();
    assert!(got.quarantined.is_some());

    let page = store.list(EventQuery::newest(Some(10))).await.unwrap();
    let mut keys: Vec<String> = page.events.iter().map(|e| e.key.clone()).collect();
    keys.sort();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().any(|k| k.ends_with("/4123434298221215973")));
    assert!(
        keys.iter().any(|k| k.contains("/#")),
        "the hashed key of the event without uuid"
    );
    let _ = Arc::clone(store.metrics());
}
