//! A store in a directory of your choosing, with its own settings, fed through the receiver and
//! read back: a listing with filters, one event with its delivery, and the live feed.
//!
//! `cargo run -p aaa-receiver --example custom_store -- /tmp/my-aaa-store`

use std::time::Duration;

use aaa_crypto::{ConsumerSecret, SIGNATURE_HEADER, SigningKey};
use aaa_receiver::{AppConfig, EventQuery, Receiver, Store, StoreConfig};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tower::ServiceExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("aaa-custom-store-{}", std::process::id())),
        Into::into,
    );
    let mut config = StoreConfig::new(&dir);
    // Two files (users are spread over them by id), two days of history (the keys of older
    // events are forgotten, so keep at least X's five-day replay window in production), at
    // most 256 MiB per file, pruned every minute.
    config.shards = 2;
    config.retention = Duration::from_secs(2 * 24 * 3600);
    config.max_bytes = Some(256 << 20);
    config.prune_every = Some(Duration::from_secs(60));
    let store = Store::open(config)?;

    let secret = ConsumerSecret::new("example-consumer-secret");
    let signer = SigningKey::new(&secret);
    let receiver = Receiver::builder()
        .app(AppConfig::new("main", "/webhooks/twitter", secret))
        .store(store.clone())
        .build()?;
    let mut live = store.subscribe();

    // One signed delivery, handed to the receiver as a tower Service (no socket needed).
    let body = br#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1880000000000000001","text":"hello from the example"}]}"#;
    let request = http::Request::post("/webhooks/twitter")
        .header(SIGNATURE_HEADER, signer.sign(body))
        .body(Full::new(Bytes::from_static(body)))?;
    let response = receiver.clone().oneshot(request).await?;
    let status = response.status();
    let answer = response.into_body().collect().await?.to_bytes();
    println!("POST: {status} {}", String::from_utf8_lossy(&answer));

    // The live feed saw it as soon as it was durable.
    if let Some(Ok(e)) = live.next().await {
        println!("live: {} {} {}", e.id, e.kind, e.key);
    }
    // A filtered listing, and one event with its delivery.
    let page = store
        .list(
            EventQuery::newest(Some(10))
                .kind("tweet_create")
                .text("hello"),
        )
        .await?;
    for e in &page.events {
        let detail = store.event(e.id).await?.ok_or("the event is gone")?;
        let delivery = detail.delivery.ok_or("the delivery is gone")?;
        println!(
            "stored: {} for {:?}, {} bytes of delivery, secret #{:?}, delivered again {:?} times",
            e.key,
            e.for_user_id,
            delivery.body.len(),
            delivery.secret_index,
            detail.duplicates
        );
    }
    println!("next page back from: {}", page.before);
    println!("store in {}", dir.display());
    Ok(())
}
