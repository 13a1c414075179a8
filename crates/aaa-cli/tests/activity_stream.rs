//! `aaa activity stream` end to end, every piece a real process: `aaa emulate` plays X,
//! `aaa serve` receives the webhook, `aaa activity stream` reads the stream into the same data
//! directory, `aaa trigger` injects X Activity API events; each event is stored once, with a
//! key that holds its `event_uuid`, and a stream consumer killed with SIGKILL recovers the
//! events it missed from the backfill when it starts again. The same holds with both writing to
//! a JetStream store (`--store nats://...`).

mod common;
#[path = "../../aaa-receiver/tests/common/nats_server.rs"]
mod nats_server;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Emulate, TempDir, aaa, aaa_env, spawn_emulate, spawn_serve};

fn env(emu: &Emulate) -> Vec<(&'static str, String)> {
    vec![
        ("AAA_CONSUMER_KEY", emu.app("consumer_key")),
        ("AAA_CONSUMER_SECRET", emu.app("consumer_secret")),
        ("AAA_BASE_URL", emu.base_url()),
    ]
}

fn run(emu: &Emulate, args: &[&str]) -> String {
    let env = env(emu);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = aaa_env(args, &env);
    assert_eq!(code, Some(0), "aaa {args:?}: {out}{err}");
    out
}

/// A running `aaa activity stream`, its stderr lines arriving on a channel.
struct Stream {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Stream {
    fn start(emu: &Emulate, dir: &str) -> Stream {
        Stream::start_with(emu, &["--data-dir", dir])
    }

    /// `aaa activity stream` with `args` (where to store) and a short stall timeout.
    fn start_with(emu: &Emulate, args: &[&str]) -> Stream {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaa"));
        cmd.args(["activity", "stream", "--stall-timeout", "5"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env(emu) {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn aaa activity stream");
        let (tx, lines) = mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Stream { child, lines }
    }

    /// Waits (bounded) for a stderr line containing `text`; returns it.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(e) => panic!("no {text:?} from aaa activity stream: {e}"),
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stored events, kind and key, read with `aaa events list`.
fn stored(dir: &str) -> Vec<(String, String)> {
    stored_in(&["--data-dir", dir])
}

/// The events of the store that `args` name (`--data-dir DIR` or `--store URL`).
fn stored_in(args: &[&str]) -> Vec<(String, String)> {
    let mut list = vec!["events", "list", "--json"];
    list.extend(args);
    let (code, out, err) = aaa(&list);
    assert_eq!(code, Some(0), "{out}{err}");
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["kind"].as_str().unwrap().to_owned(),
                v["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Waits (bounded) until `dir` holds `n` events.
fn wait_stored(dir: &str, n: usize) -> Vec<(String, String)> {
    wait_stored_in(&["--data-dir", dir], n)
}

/// Waits (bounded) until the store that `args` name holds `n` events.
fn wait_stored_in(args: &[&str], n: usize) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = stored_in(args);
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `aaa emulate` with one user, `aaa serve` storing where `store` says, registered as a webhook:
/// the emulator, the user's id, the receiver and the webhook's id.
fn emulator_and_webhook(store: &[&str]) -> (Emulate, String, common::Serve, String) {
    let emu = spawn_emulate(&["--users", "1"]);
    let user = emu.summary["users"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut args = vec!["--listen", "127.0.0.1:0"];
    args.extend(store);
    let serve = spawn_serve(
        &args,
        &[("AAA_CONSUMER_SECRET", &emu.app("consumer_secret"))],
        1,
        false,
    );
    let url = format!("http://{}/webhooks/twitter", serve.addr);
    let hook: serde_json::Value = serde_json::from_str(
        run(
            &emu,
            &["webhooks", "register", &url, "--allow-local-urls", "--json"],
        )
        .trim(),
    )
    .unwrap();
    let webhook = hook["id"].as_str().unwrap().to_owned();
    (emu, user, serve, webhook)
}

#[test]
fn webhook_and_stream_events_are_stored_once_and_a_killed_stream_catches_up() {
    let data = TempDir::new("activity-stream");
    let dir = data.arg("store");
    let (emu, user, serve, webhook) = emulator_and_webhook(&["--data-dir", &dir]);
    // post.create goes to the webhook and the stream; profile.update.bio to the stream only.
    let subscribe = |kind: &str, webhook: Option<&str>| {
        let mut args = vec!["activity", "subscriptions", "create", "--event-type", kind];
        args.extend(["--user", user.as_str()]);
        if let Some(w) = webhook {
            args.extend(["--webhook", w]);
        }
        run(&emu, &args);
    };
    subscribe("post.create", Some(&webhook));
    subscribe("profile.update.bio", None);

    let stream = Stream::start(&emu, &dir);
    stream.wait_for("activity stream connected (backfill_minutes=0)");
    let base = emu.base_url();
    let trigger = |kind: &str, n: &str| {
        let (code, out, err) = aaa(&[
            "trigger",
            kind,
            "--user",
            &user,
            "--count",
            n,
            "--emulator",
            &base,
        ]);
        assert_eq!(code, Some(0), "{out}{err}");
    };
    trigger("post.create", "3");
    trigger("profile.update.bio", "2");
    let events = wait_stored(&dir, 5);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (kind, key) in &events {
        *kinds.entry(kind.clone()).or_default() += 1;
        let uuid = key.rsplit('/').next().unwrap();
        assert!(
            !uuid.starts_with('#')
                && uuid
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit()),
            "the key holds the event_uuid: {key}"
        );
        assert!(key.starts_with(&format!("{kind}/{user}/")), "{key}");
    }
    assert_eq!(kinds["post.create"], 3, "{events:?}");
    assert_eq!(kinds["profile.update.bio"], 2, "{events:?}");
    // The webhook got its three copies too (200 from aaa serve), and they were duplicates.
    wait_delivered(&emu, 3);
    assert_eq!(stored(&dir).len(), 5);

    // SIGKILL the stream consumer; events happen while it is gone; it comes back with the
    // backfill that covers the gap and stores what it missed, once.
    drop(stream);
    trigger("profile.update.bio", "2");
    trigger("post.create", "1");
    let stream = Stream::start(&emu, &dir);
    let connected = stream.wait_for("activity stream connected");
    assert!(connected.contains("backfill_minutes=1"), "{connected}");
    let events = wait_stored(&dir, 8);
    assert_eq!(events.len(), 8, "{events:?}");
    let bios = events
        .iter()
        .filter(|(k, _)| k == "profile.update.bio")
        .count();
    assert_eq!(bios, 4);
    drop(stream);
    drop(serve);
}

/// Waits (bounded) until the emulator has delivered `n` webhook requests.
fn wait_delivered(emu: &Emulate, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = common::get(emu.addr, "/_emulator/deliveries").json();
        if stats["delivered"] == n {
            return;
        }
        assert!(Instant::now() < deadline, "webhook deliveries: {stats}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn on_a_jetstream_store_too_an_event_from_the_webhook_and_the_stream_is_stored_once() {
    let data = TempDir::new("activity-stream-nats");
    let nats = nats_server::Cluster::start(data.path(), 1);
    let url = nats.url();
    // --data-dir too: aaa serve keeps its operations journal there, whatever the store.
    let serve_dir = data.arg("serve");
    let (emu, user, serve, webhook) =
        emulator_and_webhook(&["--store", &url, "--data-dir", &serve_dir]);
    run(
        &emu,
        &[
            "activity",
            "subscriptions",
            "create",
            "--event-type",
            "post.create",
            "--user",
            &user,
            "--webhook",
            &webhook,
        ],
    );
    let resume = data.arg("resume");
    let stream = Stream::start_with(&emu, &["--data-dir", &resume, "--store", &url]);
    stream.wait_for("activity stream connected");
    let (code, out, err) = aaa(&[
        "trigger",
        "post.create",
        "--user",
        &user,
        "--count",
        "3",
        "--emulator",
        &emu.base_url(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let store = ["--store", url.as_str()];
    let events = wait_stored_in(&store, 3);
    wait_delivered(&emu, 3);
    // Both copies of each event had arrived; give a late one time to show up, then count.
    std::thread::sleep(Duration::from_millis(500));
    let events_after = stored_in(&store);
    assert_eq!(events_after.len(), 3, "{events_after:?}");
    assert_eq!(events, events_after);
    for (kind, key) in &events {
        assert_eq!(kind, "post.create");
        assert!(key.starts_with(&format!("post.create/{user}/")), "{key}");
    }
    assert!(
        std::path::Path::new(&resume)
            .join("activity-stream.json")
            .is_file(),
        "the resume time is kept in --data-dir"
    );
    drop(stream);
    drop(serve);
}
