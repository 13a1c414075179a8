//! Where a receiver request's time goes: each stage of the POST path measured alone, on one
//! thread, over the same signed body the receiver benchmark uses, plus the store under 64
//! concurrent appenders (group commit; every delivery for one user, so one store file, then for
//! 1000 users, spread over the files) and the disk's fsync latency.
//!
//! `cargo run --release -p aaa-benches --example stages -- fixtures/bench/tweet_create_small.json [--seconds 5]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use aaa_crypto::{ConsumerSecret, SigningKey, Verifier};
use aaa_receiver::{Content, Delivery, EventRecord, Store, StoreConfig};
use bytes::Bytes;

fn per_op(label: &str, iters: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(iters);
    println!("{label:<44} {us:>9.2} us");
    us
}

fn records(body: &[u8]) -> Vec<EventRecord> {
    let env = aaa_parser::scan(body).expect("the body scans");
    let user = env.for_user_id().map(str::to_owned);
    env.events()
        .map(|e| EventRecord {
            key: e.key().to_string(),
            kind: e.kind().to_string(),
            for_user_id: user.clone(),
            range: e.range(),
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "fixtures/bench/tweet_create_small.json".into());
    let seconds: u64 = match (args.next().as_deref(), args.next()) {
        (Some("--seconds"), Some(s)) => s.parse().unwrap_or(5),
        _ => 5,
    };
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let secret = ConsumerSecret::new("stage-secret");
    let key = SigningKey::new(&secret);
    let verifier = Verifier::new(std::slice::from_ref(&secret));
    let sig = key.sign(&body);
    println!("body: {path} ({} bytes)\n", body.len());
    let verify = per_op(
        "verify signature (HMAC-SHA256, constant time)",
        20_000,
        || {
            assert!(
                verifier
                    .verify(sig.as_bytes(), std::hint::black_box(&body))
                    .is_ok()
            );
        },
    );
    let scan = per_op("scan + dedupe keys + store records", 20_000, || {
        std::hint::black_box(records(std::hint::black_box(&body)));
    });

    let dir = std::env::temp_dir().join(format!("aaa-stages-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fsync = {
        use std::io::Write;
        let mut f = std::fs::File::create(dir.join("fsync.probe")).expect("probe file");
        per_op("disk: write 4 KiB + fdatasync", 100, || {
            f.write_all(&[7u8; 4096]).expect("write");
            f.sync_data().expect("fdatasync");
        })
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let shards = StoreConfig::new(&dir).shards;
    let mut rates = Vec::new();
    for users in [1u64, 1000] {
        let rate = runtime.block_on(store_alone(&dir, &body, seconds, users, fsync));
        rates.push(rate);
    }
    println!(
        "\nper request on the request path (verify + scan): {:.2} us; the store's ceiling with 64 waiting requests ({shards} files): {:.0}/s for one user, {:.0}/s for 1000 users",
        verify + scan,
        rates[0],
        rates[1]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The store alone (default number of files, fresh directory) under 64 concurrent appenders,
/// every delivery for one of `users` users. Returns deliveries per second.
async fn store_alone(
    parent: &std::path::Path,
    body: &[u8],
    seconds: u64,
    users: u64,
    fsync: f64,
) -> f64 {
    let dir = parent.join(format!("store-{users}"));
    let store = Store::open(StoreConfig::new(&dir)).expect("store");
    let metrics = Arc::clone(store.metrics());
    let template = records(body);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    // Keys grow with time, as X's snowflake ids do: one shared counter.
    let next = Arc::new(std::sync::atomic::AtomicU64::new(1_800_000_000_000_000_000));
    for c in 0..64u64 {
        let (store, template, body, next) = (
            store.clone(),
            template.clone(),
            Bytes::from(body.to_vec()),
            Arc::clone(&next),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let mut events = template.clone();
                let user = (c * 7919 + n) % users;
                for e in &mut events {
                    let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    e.key = format!("{}/{id}", e.key);
                    if users > 1 {
                        e.for_user_id = Some(format!("{}", 831_430_967_373_000_000 + user));
                    }
                }
                let d = Delivery {
                    app: "stages".into(),
                    received_at: 0,
                    signature: String::new(),
                    secret_index: 0,
                    body: body.clone(),
                    content: Content::Events(events),
                };
                store.append(Arc::new(d)).await.expect("append");
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let secs = started.elapsed().as_secs_f64();
    let text = metrics.render();
    let metric = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let commits = metric("aaa_commit_seconds_count");
    let per_commit_ms = 1000.0 * metric("aaa_commit_seconds_sum") / commits;
    let batch = metric("aaa_commit_batch_size_sum") / commits;
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / secs;
    println!(
        "store, 64 concurrent appenders, {users:>4} user(s): {rate:>9.0} deliveries/s ({commits} commits, {batch:.1} per commit, {per_commit_ms:.2} ms per commit)"
    );
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().ends_with("-wal") {
            let mib = e.metadata().map_or(0, |m| m.len()) / (1024 * 1024);
            println!("  WAL at the end: {mib} MiB");
        }
    }
    // A batch's time runs from the writer taking it to its WAL sync returning; syncs overlap the
    // next batch's writing, so this is not writer time. `perf` splits the CPU per thread.
    println!(
        "  commit-to-durable per batch {per_commit_ms:.2} ms; one lone fsync {:.2} ms",
        fsync / 1000.0
    );
    drop(store);
    rate
}
