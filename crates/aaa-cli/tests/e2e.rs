//! End to end on loopback, every piece a real process: `aaa emulate` plays X, `aaa serve`
//! receives, the webhook is registered and the user subscribed with `aaa webhooks` and
//! `aaa subscriptions`, activities are injected with `aaa trigger`, and the store is read with
//! `aaa events list`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{Emulate, Serve, TempDir, aaa, aaa_env, request, spawn_emulate, spawn_serve};

/// `aaa ARGS --base-url B --api v2 --json` with the app's credentials and the owner's token.
fn manage(emu: &Emulate, args: &[&str]) -> serde_json::Value {
    let base = emu.base_url();
    let (token, secret) = (emu.owner("access_token"), emu.owner("access_token_secret"));
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--base-url",
        &base,
        "--api",
        "v2",
        "--json",
        "--access-token",
        &token,
        "--access-token-secret",
        &secret,
    ]);
    let (key, cs) = (emu.app("consumer_key"), emu.app("consumer_secret"));
    let (code, out, err) = aaa_env(
        &all,
        &[("AAA_CONSUMER_KEY", &key), ("AAA_CONSUMER_SECRET", &cs)],
    );
    assert_eq!(code, Some(0), "aaa {args:?}: {out}{err}");
    serde_json::from_str(out.trim()).unwrap_or(serde_json::Value::Null)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(emu: &Emulate, port: u16, data: &TempDir) -> Serve {
    let listen = format!("127.0.0.1:{port}");
    let dir = data.arg("store");
    spawn_serve(
        &["--listen", &listen, "--data-dir", &dir],
        &[("AAA_CONSUMER_SECRET", &emu.app("consumer_secret"))],
        1,
        false,
    )
}

/// Registers `http://127.0.0.1:PORT/webhooks/twitter` and subscribes the app's owner.
fn register_and_subscribe(emu: &Emulate, port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}/webhooks/twitter");
    let hook = manage(emu, &["webhooks", "register", &url, "--allow-local-urls"]);
    assert_eq!(hook["valid"], true, "{hook}");
    let id = hook["id"].as_str().unwrap().to_owned();
    manage(emu, &["subscriptions", "add", "--webhook", &id]);
    id
}

fn control(emu: &Emulate, method: &str, path: &str, body: &str) -> serde_json::Value {
    let reply = request(
        emu.addr,
        method,
        path,
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .expect("control request");
    assert_eq!(
        reply.status,
        200,
        "{path}: {:?}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// Waits until the emulator has no delivery, retry or replay job under way; its counters.
fn settled(emu: &Emulate) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = control(emu, "GET", "/_emulator/deliveries", "");
        if stats["pending"] == 0 {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still pending: {stats}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every stored event as (key, kind).
fn stored(data: &TempDir) -> Vec<(String, String)> {
    let dir = data.arg("store");
    let (code, out, err) = aaa(&["events", "list", "--data-dir", &dir, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["key"].as_str().unwrap().to_owned(),
                v["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn assert_each_once(events: &[(String, String)]) -> BTreeMap<String, usize> {
    let keys: BTreeSet<&String> = events.iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), events.len(), "a key is stored twice");
    let mut kinds = BTreeMap::new();
    for (_, kind) in events {
        *kinds.entry(kind.clone()).or_insert(0) += 1;
    }
    kinds
}

#[test]
fn every_kind_is_delivered_and_stored_once_despite_duplicates() {
    let emu = spawn_emulate(&[
        "--crc-interval",
        "off",
        "--retry-delays",
        "100ms,300ms,600ms",
        "--duplicate-rate",
        "0.5",
        "--reorder-rate",
        "0.3",
        "--seed",
        "11",
    ]);
    let data = TempDir::new("e2e-kinds");
    let port = free_port();
    let _serve = serve(&emu, port, &data);
    register_and_subscribe(&emu, port);

    let base = emu.base_url();
    let owner = emu.owner("user_id");
    let (code, out, err) = aaa(&[
        "trigger",
        "all",
        "--user",
        &owner,
        "--count",
        "2",
        "--emulator",
        &base,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(out.lines().count(), aaa_emulator::Activity::ALL.len());
    let stats = settled(&emu);
    assert_eq!(stats["gave_up"], 0, "{stats}");
    assert!(stats["duplicates"].as_u64().unwrap() > 0, "{stats}");

    let events = stored(&data);
    assert_eq!(events.len(), 2 * aaa_emulator::Activity::ALL.len());
    let kinds = assert_each_once(&events);
    for kind in aaa_model::EventKind::ALL {
        if kind != aaa_model::EventKind::ReplayJobStatus {
            assert!(kinds.contains_key(kind.as_str()), "no {kind} in {kinds:?}");
        }
    }
    // unfollow, unblock and unmute come in both forms.
    assert_eq!(kinds["unfollow"], 4);
    // Posts, mentions, replies both ways, retweets and quotes both ways, retweets of quotes.
    assert_eq!(kinds["tweet_create"], 20, "every kind of post");
    assert_eq!(kinds["favorite"], 4, "likes of and by the user");
    assert_eq!(kinds["direct_message"], 4, "messages received and sent");
}

#[test]
fn a_receiver_killed_mid_stream_loses_nothing_thanks_to_retries() {
    let emu = spawn_emulate(&[
        "--crc-interval",
        "off",
        "--retry-delays",
        "300ms,800ms,1500ms",
    ]);
    let data = TempDir::new("e2e-restart");
    let port = free_port();
    let mut receiver = serve(&emu, port, &data);
    register_and_subscribe(&emu, port);
    let owner = emu.owner("user_id");

    let trigger = format!(r#"{{"kind":"favorite","user_id":"{owner}","count":1}}"#);
    let total = 40;
    for i in 0..total {
        control(&emu, "POST", "/_emulator/trigger", &trigger);
        std::thread::sleep(Duration::from_millis(25));
        if i == 10 {
            // SIGKILL, then back on the same port and data directory shortly after.
            let _ = receiver.child.kill();
            let _ = receiver.child.wait();
        }
        if i == 25 {
            receiver = serve(&emu, port, &data);
        }
    }
    let stats = settled(&emu);
    assert_eq!(stats["gave_up"], 0, "{stats}");
    assert!(
        stats["failed_attempts"].as_u64().unwrap() > 0,
        "the outage was noticed: {stats}"
    );
    let events = stored(&data);
    let kinds = assert_each_once(&events);
    assert_eq!(kinds.get("favorite"), Some(&total), "{kinds:?}");
    drop(receiver);
}

#[test]
fn a_replay_after_a_long_outage_restores_what_was_missed_without_duplicates() {
    let emu = spawn_emulate(&[
        "--crc-interval",
        "off",
        "--retry-delays",
        "50ms,100ms,150ms",
    ]);
    let data = TempDir::new("e2e-replay");
    let port = free_port();
    let mut receiver = serve(&emu, port, &data);
    let webhook = register_and_subscribe(&emu, port);
    let owner = emu.owner("user_id");
    let trigger = |n: u32| {
        let body = format!(r#"{{"kind":"follow","user_id":"{owner}","count":{n}}}"#);
        control(&emu, "POST", "/_emulator/trigger", &body);
        settled(&emu)
    };
    let start = control(&emu, "POST", "/_emulator/clock", r#"{"advance_secs":0}"#)["now"]
        .as_u64()
        .unwrap();

    trigger(5);
    let _ = receiver.child.kill();
    let _ = receiver.child.wait();
    let stats = trigger(7);
    assert_eq!(
        stats["gave_up"], 7,
        "the outage outlasted every retry: {stats}"
    );
    receiver = serve(&emu, port, &data);
    trigger(3);
    assert_eq!(stored(&data).len(), 8);

    // An hour later, replay the window of the outage and around it.
    control(&emu, "POST", "/_emulator/clock", r#"{"advance_secs":3600}"#);
    let token = emu.token_reply().json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let minute =
        |secs: u64| aaa_model::Timestamp::from_secs(i64::try_from(secs).unwrap()).to_yyyymmddhhmm();
    let path = format!(
        "/2/account_activity/replay/webhooks/{webhook}/subscriptions/all?from_date={}&to_date={}",
        minute(start - 60),
        minute(start + 180)
    );
    let reply = request(
        emu.addr,
        "POST",
        &path,
        &[("authorization", &format!("Bearer {token}"))],
        b"",
    )
    .unwrap();
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    let job_id = reply.json()["data"]["job_id"].as_str().unwrap().to_owned();
    settled(&emu);

    let events = stored(&data);
    let kinds = assert_each_once(&events);
    assert_eq!(kinds.get("follow"), Some(&15), "{kinds:?}");
    assert_eq!(kinds.get("replay_job_status"), Some(&1), "{kinds:?}");
    let dir = data.arg("store");
    let (_, out, _) = aaa(&[
        "events",
        "list",
        "--data-dir",
        &dir,
        "--json",
        "--kind",
        "replay_job_status",
    ]);
    let status: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(status["event"]["job_id"], job_id.as_str(), "{status}");
    assert_eq!(status["event"]["job_state"], "Complete", "{status}");
    drop(receiver);
}

#[test]
fn trigger_reports_mistakes_on_one_line() {
    let emu = spawn_emulate(&["--crc-interval", "off"]);
    let base = emu.base_url();
    let owner = emu.owner("user_id");
    // Usage mistakes exit 64, what the emulator refuses exits 1.
    for (args, needle, want) in [
        (
            vec!["trigger", "nope", "--user", &owner],
            "unknown activity",
            64,
        ),
        (vec!["trigger", "favorite", "--user", "1"], "no user", 1),
        (
            vec!["trigger", "favorite", "--user", &owner],
            "subscribe",
            1,
        ),
        (vec!["trigger", "favorite"], "--user", 64),
    ] {
        let mut all = args.clone();
        all.extend(["--emulator", &base]);
        let (code, out, err) = aaa(&all);
        assert_eq!(code, Some(want), "{args:?}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let (code, _, err) = aaa(&[
        "trigger",
        "favorite",
        "--user",
        &owner,
        "--emulator",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot reach the emulator"), "{err}");
    let (code, _, err) = aaa(&[
        "trigger",
        "favorite",
        "--user",
        &owner,
        "--count",
        "0",
        "--emulator",
        &base,
    ]);
    assert_eq!(code, Some(64), "{err}");
}

#[test]
fn an_https_receiver_with_a_test_certificate_is_checked_and_delivered_to() {
    let data = TempDir::new("e2e-tls");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(data.join("cert.pem"), key.cert.pem()).unwrap();
    std::fs::write(data.join("key.pem"), key.signing_key.serialize_pem()).unwrap();
    let cert = data.arg("cert.pem");
    let emu = spawn_emulate(&["--crc-interval", "off", "--ca-cert", &cert]);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let store = data.arg("store");
    let (tls_key, secret) = (data.arg("key.pem"), emu.app("consumer_secret"));
    let _receiver = spawn_serve(
        &[
            "--listen",
            &listen,
            "--data-dir",
            &store,
            "--tls-cert",
            &cert,
            "--tls-key",
            &tls_key,
        ],
        &[("AAA_CONSUMER_SECRET", &secret)],
        1,
        false,
    );
    let url = format!("https://localhost:{port}/webhooks/twitter");
    let hook = manage(&emu, &["webhooks", "register", &url, "--allow-local-urls"]);
    assert_eq!(hook["valid"], true, "{hook}");
    let id = hook["id"].as_str().unwrap().to_owned();
    manage(&emu, &["subscriptions", "add", "--webhook", &id]);
    let owner = emu.owner("user_id");
    let base = emu.base_url();
    let (code, out, err) = aaa(&["trigger", "dm", "--user", &owner, "--emulator", &base]);
    assert_eq!(code, Some(64), "{out}{err}");
    let (code, out, err) = aaa(&[
        "trigger",
        "direct_message",
        "--user",
        &owner,
        "--count",
        "3",
        "--emulator",
        &base,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let stats = settled(&emu);
    assert_eq!(stats["delivered"], 3, "{stats}");
    let kinds = assert_each_once(&stored(&data));
    assert_eq!(kinds.get("direct_message"), Some(&3), "{kinds:?}");

    // Without the certificate trusted, the CRC check of the same URL fails as X's would.
    let other = spawn_emulate(&["--crc-interval", "off"]);
    let base = other.base_url();
    let (t, ts) = (
        other.owner("access_token"),
        other.owner("access_token_secret"),
    );
    let (k, s) = (other.app("consumer_key"), other.app("consumer_secret"));
    let (code, out, err) = aaa_env(
        &[
            "webhooks",
            "register",
            &url,
            "--allow-local-urls",
            "--base-url",
            &base,
            "--access-token",
            &t,
            "--access-token-secret",
            &ts,
        ],
        &[("AAA_CONSUMER_KEY", &k), ("AAA_CONSUMER_SECRET", &s)],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("CRC GET request failed"), "{err}");
}
