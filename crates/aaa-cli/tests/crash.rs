//! Crash safety: `aaa serve` under concurrent signed load is killed with SIGKILL at random
//! moments and restarted on the same data directory. Every delivery that was answered 200 must
//! be in the store exactly once; deliveries cut off by a kill are retried (as X retries) and must
//! end up stored once as well.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aaa_receiver::{EventQuery, Store};
use common::{SECRET, TempDir, post_result, spawn_serve, tweet};

const PATH: &str = "/webhooks/twitter";
const CLIENTS: usize = 8;
const CYCLES: usize = 20;
const MAX_BODIES: u64 = 20_000;
const FIRST_ID: u64 = 1_890_000_000_000_000_000;
/// The users deliveries are for (they land in all four files of the default layout).
const USERS: [&str; 8] = [
    "2244994945",
    "783214",
    "6253282",
    "17874544",
    "1001",
    "1002",
    "1003",
    "1004",
];

/// A small deterministic generator (xorshift64*), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

#[derive(Default)]
struct Shared {
    /// Where the receiver listens now; `None` while it is down.
    addr: Mutex<Option<SocketAddr>>,
    /// The next body to send (an offset from `FIRST_ID`).
    next: AtomicU64,
    /// Stop taking new bodies; finish the ones that failed.
    draining: AtomicBool,
    /// Bodies answered 200, and what the answer said: (id, stored, duplicates).
    acked: Mutex<Vec<(u64, u64, u64)>>,
    /// Attempts that failed (connection refused, reset or cut off) and were retried.
    retries: AtomicUsize,
}

fn client(shared: &Shared, deadline: Instant) {
    let mut pending: Option<u64> = None;
    while Instant::now() < deadline {
        let id = match pending.take() {
            Some(id) => id,
            None if shared.draining.load(Ordering::SeqCst) => return,
            None => {
                let n = shared.next.fetch_add(1, Ordering::SeqCst);
                if n >= MAX_BODIES {
                    return;
                }
                FIRST_ID + n
            }
        };
        let Some(addr) = *shared.addr.lock().unwrap() else {
            pending = Some(id);
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        // Several users, so that the deliveries spread over the store's files; a retried body
        // is the same body, so it goes to the same file.
        let user = USERS[usize::try_from(id % USERS.len() as u64).unwrap()];
        let body = tweet(user, id, &format!("load {id}"));
        match post_result(addr, PATH, &body) {
            Ok(reply) if reply.status == 200 => {
                let v = reply.json();
                let stored = v["stored"].as_u64().unwrap();
                let duplicates = v["duplicates"].as_u64().unwrap();
                shared.acked.lock().unwrap().push((id, stored, duplicates));
            }
            Ok(reply) => panic!("unexpected answer for {id}: {reply:?}"),
            Err(_) => {
                shared.retries.fetch_add(1, Ordering::SeqCst);
                pending = Some(id);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    assert!(
        pending.is_none(),
        "a delivery was still failing at the deadline"
    );
}

#[test]
fn every_acknowledged_delivery_survives_sigkill_exactly_once() {
    let seed = std::env::var("AAA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_c4a5_u64);
    let mut rng = Rng(seed | 1);
    let dir = TempDir::new("crash");
    let data = dir.arg("data");
    // Several store files, so that crashes hit commits running in parallel.
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data,
        "--store-shards",
        "4",
    ];
    let env = [("AAA_CONSUMER_SECRET", SECRET), ("AAA_LOG", "warn")];
    let started = Instant::now();
    let shared = Arc::new(Shared::default());
    let deadline = started + Duration::from_secs(40);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || client(&shared, deadline))
        })
        .collect();
    let mut acked_before_kill = Vec::new();
    for _ in 0..CYCLES {
        let mut serve = spawn_serve(&args, &env, 1, false);
        *shared.addr.lock().unwrap() = Some(serve.addr);
        std::thread::sleep(Duration::from_millis(rng.between(100, 500)));
        serve.child.kill().unwrap(); // SIGKILL
        serve.child.wait().unwrap();
        *shared.addr.lock().unwrap() = None;
        acked_before_kill.push(shared.acked.lock().unwrap().len());
    }
    // A last run: every delivery that failed is retried until it is answered.
    shared.draining.store(true, Ordering::SeqCst);
    let mut serve = spawn_serve(&args, &env, 1, false);
    *shared.addr.lock().unwrap() = Some(serve.addr);
    for c in clients {
        c.join().expect("a client failed");
    }
    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());
    let elapsed = started.elapsed();

    let sent = shared.next.load(Ordering::SeqCst).min(MAX_BODIES);
    let acked = shared.acked.lock().unwrap().clone();
    let retries = shared.retries.load(Ordering::SeqCst);
    let context = format!(
        "seed {seed:#x}: {sent} bodies, {} answers, {retries} retried attempts, {elapsed:?}",
        acked.len()
    );
    assert!(sent >= 200, "too little load to mean anything: {context}");
    assert!(
        retries > 0,
        "no request was ever cut off by a kill: {context}"
    );
    assert!(
        acked_before_kill.windows(2).filter(|w| w[1] > w[0]).count() >= CYCLES / 2,
        "most cycles answered nothing: {acked_before_kill:?}, {context}"
    );
    // Every body was answered 200 exactly once (a failed attempt is retried until it is).
    let ids: BTreeSet<u64> = acked.iter().map(|a| a.0).collect();
    assert_eq!(
        ids.len(),
        acked.len(),
        "a body was answered twice: {context}"
    );
    assert_eq!(
        ids,
        (FIRST_ID..FIRST_ID + sent).collect(),
        "bodies unanswered: {context}"
    );
    // An answer says the event was stored now or had been stored by an earlier attempt that
    // was cut off after its commit; never both, never neither.
    for (id, stored, duplicates) in &acked {
        assert_eq!(stored + duplicates, 1, "body {id}: {context}");
    }
    // The store holds each body's event exactly once, and one delivery for each.
    let store = Store::open_read_only(&dir.join("data")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let events = runtime
        .block_on(store.list(EventQuery::newest(None)))
        .unwrap()
        .events;
    let counts = runtime.block_on(store.counts()).unwrap();
    let mut by_id: BTreeMap<u64, usize> = BTreeMap::new();
    for e in &events {
        let raw: serde_json::Value = serde_json::from_slice(&e.raw).unwrap();
        let id: u64 = raw["id_str"].as_str().unwrap().parse().unwrap();
        assert!(e.key.contains(&id.to_string()), "{e:?}");
        *by_id.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}; {context}");
    let stored: BTreeSet<u64> = by_id.keys().copied().collect();
    let missing: Vec<_> = ids.difference(&stored).take(10).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}; {context}"
    );
    assert_eq!(stored, ids, "stored but never sent: {context}");
    assert_eq!(
        counts.deliveries,
        u64::try_from(events.len()).unwrap(),
        "a redelivered body was kept as a second delivery: {context}"
    );
    assert_eq!((counts.events, counts.quarantined), (sent, 0));
    // Every file of the store holds part of the load.
    assert_eq!(store.parts(), 4);
    let mut per_shard = vec![0usize; store.parts()];
    for e in &events {
        per_shard[e.id.part] += 1;
    }
    assert!(
        per_shard.iter().all(|&n| n > 0),
        "a store file got nothing: {per_shard:?}; {context}"
    );
    assert!(elapsed < Duration::from_secs(45), "{context}");
    eprintln!("crash test: {context}");
}
