//! High availability on NATS JetStream, with real processes on loopback: a three-node
//! `nats-server` cluster and two `aaa serve --store nats://...` receivers under concurrent signed
//! load, every body posted to both receivers (as a load balancer and X's retries do). Receivers
//! and brokers are killed with SIGKILL under load; every broker is stopped (POST 503, CRC 200)
//! and brought back (the receivers recover by themselves); then everything is restarted and the
//! stream is read back: every acknowledged event is there exactly once.

mod common;
#[path = "../../aaa-receiver/tests/common/nats_server.rs"]
mod nats_server;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{SECRET, Serve, TempDir, get, post_result, spawn_serve, tweet};

const PATH: &str = "/webhooks/twitter";
const POSTERS: usize = 6;
const MAX_BODIES: u64 = 4_000;
const FIRST_ID: u64 = 1_895_000_000_000_000_000;
const USERS: [&str; 4] = ["2244994945", "783214", "6253282", "1001"];

fn body(id: u64) -> Vec<u8> {
    let user = USERS[usize::try_from(id % 4).unwrap()];
    tweet(user, id, &format!("ha {id}"))
}

#[derive(Default)]
struct Shared {
    /// Where each receiver listens now; `None` while it is down.
    addrs: Mutex<[Option<SocketAddr>; 2]>,
    next: AtomicU64,
    draining: AtomicBool,
    /// Bodies acknowledged (200 from at least one receiver), with every 200's `stored` count.
    acked: Mutex<BTreeMap<u64, Vec<u64>>>,
    /// 503 answers seen (NATS away or slow).
    unavailable: AtomicU64,
}

impl Shared {
    fn acked_count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }
}

/// Posts bodies to both receivers until each is acknowledged by at least one of them.
fn poster(shared: &Shared, deadline: Instant) {
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
        let addrs = *shared.addrs.lock().unwrap();
        let b = body(id);
        let mut stored = Vec::new();
        for addr in addrs.into_iter().flatten() {
            match post_result(addr, PATH, &b) {
                Ok(r) if r.status == 200 => stored.push(r.json()["stored"].as_u64().unwrap()),
                Ok(r) if r.status == 503 => {
                    assert!(r.header("retry-after").is_some(), "503 without Retry-After");
                    shared.unavailable.fetch_add(1, Ordering::SeqCst);
                }
                Ok(r) => panic!("unexpected answer for {id}: {r:?}"),
                Err(_) => {}
            }
        }
        if stored.is_empty() {
            pending = Some(id);
            std::thread::sleep(Duration::from_millis(20));
        } else {
            shared
                .acked
                .lock()
                .unwrap()
                .entry(id)
                .or_default()
                .extend(stored);
        }
    }
    assert!(
        pending.is_none(),
        "a body was still refused at the deadline"
    );
}

/// Receiver `n`: events go to the JetStream stream at `url`; only its own journal (gaps, the
/// heartbeat) goes to a data directory of its own under `dir`.
fn receiver(url: &str, dir: &Path, n: usize) -> Serve {
    let data_dir = dir.join(format!("receiver-{n}"));
    spawn_serve(
        &[
            "--listen",
            "127.0.0.1:0",
            "--store",
            url,
            "--data-dir",
            data_dir.to_str().expect("a UTF-8 temp path"),
        ],
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    )
}

/// Waits (bounded: three minutes, generous for a loaded machine, where a cluster that was
/// killed whole may take a while to elect its leaders again) until `n` more bodies are
/// acknowledged than `since`; on failure, what the receivers logged and what the brokers say.
fn progress(
    shared: &Shared,
    since: usize,
    n: usize,
    what: &str,
    receivers: &[Serve],
    nats: &mut nats_server::Cluster,
) {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(180);
    while shared.acked_count() < since + n {
        if Instant::now() > deadline {
            let logs: Vec<String> = receivers
                .iter()
                .map(|r| {
                    let e = r.stderr();
                    let tail: Vec<&str> = e.lines().rev().take(15).collect();
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                })
                .collect();
            panic!(
                "{what}: only {} of {n} more bodies acknowledged in three minutes; receivers' logs:\n{}\nbrokers:\n{}",
                shared.acked_count() - since,
                logs.join("\n----\n"),
                nats.report()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("ha: {what}: {n} more bodies in {:?}", started.elapsed());
}

#[test]
fn two_receivers_on_a_three_node_cluster_lose_nothing_and_store_nothing_twice() {
    let dir = TempDir::new("ha");
    let mut nats = nats_server::Cluster::start(dir.path(), 3);
    let url = nats.url();
    let mut receivers = [receiver(&url, dir.path(), 0), receiver(&url, dir.path(), 1)];
    let shared = Arc::new(Shared::default());
    *shared.addrs.lock().unwrap() = [Some(receivers[0].addr), Some(receivers[1].addr)];
    let deadline = Instant::now() + Duration::from_secs(900);
    let posters: Vec<_> = (0..POSTERS)
        .map(|_| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || poster(&shared, deadline))
        })
        .collect();
    progress(&shared, 0, 200, "warm-up", &receivers, &mut nats);

    // A receiver killed under load: the other one goes on, the restarted one joins again.
    receivers[0].child.kill().unwrap();
    receivers[0].child.wait().unwrap();
    shared.addrs.lock().unwrap()[0] = None;
    progress(
        &shared,
        shared.acked_count(),
        200,
        "one receiver down",
        &receivers[1..],
        &mut nats,
    );
    receivers[0] = receiver(&url, dir.path(), 0);
    shared.addrs.lock().unwrap()[0] = Some(receivers[0].addr);
    progress(
        &shared,
        shared.acked_count(),
        200,
        "receiver back",
        &receivers,
        &mut nats,
    );

    // A NATS node killed under load: the cluster goes on with two.
    nats.nodes[1].kill();
    progress(
        &shared,
        shared.acked_count(),
        200,
        "one NATS node down",
        &receivers,
        &mut nats,
    );
    nats.restart_all();
    progress(
        &shared,
        shared.acked_count(),
        200,
        "NATS node back",
        &receivers,
        &mut nats,
    );

    // Every NATS node stopped: POST gets 503 with Retry-After in time, CRC still answers.
    nats.kill_all();
    let probe = body(FIRST_ID + MAX_BODIES + 1);
    for r in &receivers {
        let started = Instant::now();
        let reply = post_result(r.addr, PATH, &probe).expect("the receiver answers");
        assert_eq!(reply.status, 503, "{reply:?}");
        assert!(reply.header("retry-after").is_some());
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "503 after {:?}, past X's deadline",
            started.elapsed()
        );
        let crc = get(r.addr, &format!("{PATH}?crc_token=allnatsdown"));
        assert_eq!(crc.status, 200, "{crc:?}");
        let health = get(r.addr, "/healthz").json();
        assert_eq!(health["store"], "failing", "{health}");
    }
    // And back: the receivers reconnect by themselves.
    nats.restart_all();
    progress(
        &shared,
        shared.acked_count(),
        200,
        "every NATS node back",
        &receivers,
        &mut nats,
    );

    shared.draining.store(true, Ordering::SeqCst);
    for p in posters {
        p.join().expect("a poster failed");
    }
    let acked = shared.acked.lock().unwrap().clone();
    assert!(acked.len() >= 1_000, "only {} bodies", acked.len());
    for (id, stored) in &acked {
        assert!(
            stored.iter().sum::<u64>() <= 1,
            "body {id} stored by two answers: {stored:?}"
        );
    }
    assert!(
        shared.unavailable.load(Ordering::SeqCst) > 0,
        "no 503 seen while every NATS node was down"
    );

    // Restart everything: receivers and brokers.
    for r in &mut receivers {
        assert_eq!(r.stop().code(), Some(0), "{}", r.stderr());
    }
    nats.kill_all();
    nats.restart_all();
    let (code, out, err) = common::aaa(&["events", "list", "--json", "--store", &url]);
    assert_eq!(code, Some(0), "{err}");
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id: u64 = v["event"]["id_str"].as_str().unwrap().parse().unwrap();
        *seen.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    let missing: Vec<_> = acked
        .keys()
        .filter(|id| !seen.contains_key(id))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    // Nothing but what was sent (the 503 probe may have been stored before its answer).
    assert!(
        seen.keys()
            .all(|id| acked.contains_key(id) || *id == FIRST_ID + MAX_BODIES + 1)
    );
    // A replay after the restart: every body again is a duplicate, through either receiver.
    let mut again = receiver(&url, dir.path(), 2);
    for id in acked.keys().take(50) {
        let r = post_result(again.addr, PATH, &body(*id)).unwrap();
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.json()["duplicates"], 1, "{id}");
    }
    assert_eq!(again.stop().code(), Some(0));
    eprintln!(
        "ha: {} bodies acknowledged, {} stored, {} answers 503",
        acked.len(),
        seen.len(),
        shared.unavailable.load(Ordering::SeqCst)
    );
}
