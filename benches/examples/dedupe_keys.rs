//! The JetStream store's deduplication at scale: publishes N distinct keys (default 10 million)
//! the way the receiver does (one message per key on a subject ending in the key's hash, at most
//! one message per subject and new ones refused, `Nats-Msg-Id` and
//! `Nats-Expected-Last-Subject-Sequence: 0`), reporting the publish rate and the server's
//! resident memory as the keys accumulate; then publishes keys already stored (older than the
//! duplicate window, so only the subject check can catch them) and reports that they are all
//! refused and how fast.
//!
//! Start a `nats-server -js -sd DIR` yourself and pass its process id:
//! `cargo run --release -p aaa-benches --example dedupe_keys -- nats://127.0.0.1:4222 PID [KEYS]`
//! (`--repeats-only` at the end: only the repeats, against the stream an earlier run left).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};
use bytes::Bytes;

/// Publishes in flight at once.
const WINDOW: usize = 4096;

fn rss_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The subject token of key `n`: a 32-hex-digit hash, as the receiver writes it.
fn key_hash(n: u64) -> String {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("tweet_create/42/{n}").as_bytes(),
    );
    let mut hex = String::with_capacity(32);
    for b in &d.as_ref()[..16] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

async fn publish(
    js: &jetstream::Context,
    n: u64,
) -> Result<jetstream::context::PublishAckFuture, async_nats::Error> {
    let hash = key_hash(n);
    let mut h = HeaderMap::new();
    h.insert("Nats-Msg-Id", hash.as_str());
    h.insert("Nats-Expected-Last-Subject-Sequence", "0");
    Ok(js
        .publish_with_headers(
            format!("dd.events.main.tweet_create.{hash}"),
            h,
            Bytes::from_static(b"{\"id_str\":\"1\"}"),
        )
        .await?)
}

#[tokio::main]
async fn main() -> Result<(), async_nats::Error> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let pid = args.next().expect("the nats-server process id");
    let keys: u64 = args.next().map_or(10_000_000, |k| k.parse().expect("KEYS"));
    let client = async_nats::connect(&url).await?;
    let mut js = jetstream::new(client);
    js.set_timeout(Duration::from_secs(30));
    // With `--repeats-only`, the keys of an earlier run (stream DEDUPE kept, say across a server
    // restart) are published again.
    let repeats_only = std::env::args().any(|a| a == "--repeats-only");
    if !repeats_only {
        let _ = js.delete_stream("DEDUPE").await;
    }
    let _ = js
        .get_or_create_stream(stream::Config {
            name: "DEDUPE".into(),
            subjects: vec!["dd.>".into()],
            storage: stream::StorageType::File,
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::New,
            discard_new_per_subject: true,
            duplicate_window: Duration::from_secs(10),
            ..stream::Config::default()
        })
        .await?;
    if repeats_only {
        return repeats(&js, &pid, keys).await;
    }
    println!(
        "keys: {keys}; nats-server RSS before: {:.0} MiB",
        rss_mib(&pid)
    );
    let step = (keys / 10).max(1);
    let started = Instant::now();
    let mut lap = Instant::now();
    let mut inflight = VecDeque::with_capacity(WINDOW);
    for n in 0..keys {
        inflight.push_back(publish(&js, n).await?);
        if inflight.len() >= WINDOW {
            let ack = inflight.pop_front().expect("in flight").await?;
            assert!(!ack.duplicate, "key stored twice");
        }
        if (n + 1) % step == 0 {
            while let Some(f) = inflight.pop_front() {
                f.await?;
            }
            #[allow(clippy::cast_precision_loss)]
            let rate = step as f64 / lap.elapsed().as_secs_f64();
            println!(
                "{:>10} keys: {rate:>9.0} new keys/s, nats-server RSS {:>7.0} MiB",
                n + 1,
                rss_mib(&pid)
            );
            lap = Instant::now();
        }
    }
    while let Some(f) = inflight.pop_front() {
        f.await?;
    }
    println!("all stored in {:.0} s", started.elapsed().as_secs_f64());
    // Keys stored long before (past the duplicate window): refused by the subject check alone.
    tokio::time::sleep(Duration::from_secs(11)).await;
    repeats(&js, &pid, keys).await?;
    js.delete_stream("DEDUPE").await?;
    Ok(())
}

/// Publishes 200,000 keys of the `keys` already stored again: every one must be refused.
async fn repeats(js: &jetstream::Context, pid: &str, keys: u64) -> Result<(), async_nats::Error> {
    let repeats = 200_000.min(keys);
    let t = Instant::now();
    let mut refused = 0u64;
    let mut pending = VecDeque::with_capacity(WINDOW);
    for i in 0..repeats {
        let n = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % keys;
        pending.push_back(publish(js, n).await?);
        if pending.len() >= WINDOW {
            refused += u64::from(pending.pop_front().expect("in flight").await.is_err());
        }
    }
    while let Some(f) = pending.pop_front() {
        refused += u64::from(f.await.is_err());
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = repeats as f64 / t.elapsed().as_secs_f64();
    println!(
        "{repeats} repeats of stored keys: {refused} refused ({rate:.0}/s); nats-server RSS {:.0} MiB",
        rss_mib(pid)
    );
    assert_eq!(refused, repeats, "a stored key was accepted again");
    let info = js.get_stream("DEDUPE").await?.info().await?.clone();
    println!(
        "stream: {} messages, {} MiB on disk",
        info.state.messages,
        info.state.bytes / 1_048_576
    );
    Ok(())
}
