//! `aaa dev` as a new user runs it: the demo round, a trigger from another process shown live,
//! SIGTERM; and `--once`.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{TempDir, aaa, get};

fn kind_of(line: &str) -> Option<&str> {
    line.trim_start()
        .strip_prefix("stored")
        .and_then(|rest| rest.split_whitespace().next())
}

#[test]
fn dev_shows_every_kind_then_live_triggers_and_stops_on_sigterm() {
    let data = TempDir::new("dev-run");
    let dir = data.arg("dev-data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aaa"))
        .args(["dev", "--data-dir", &dir])
        .env_remove("AAA_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> String {
        rx.recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
    };
    let mut lines = Vec::new();
    loop {
        let line = next("the demo round");
        let done = line.contains("events stored");
        lines.push(line);
        if done {
            break;
        }
    }
    let kinds: Vec<&str> = lines.iter().filter_map(|l| kind_of(l)).collect();
    assert_eq!(kinds.len(), aaa_emulator::Activity::ALL.len(), "{lines:#?}");
    let distinct: BTreeSet<&str> = kinds.iter().copied().collect();
    for kind in aaa_model::EventKind::ALL {
        if kind != aaa_model::EventKind::ReplayJobStatus {
            assert!(distinct.contains(kind.as_str()), "no {kind}: {lines:#?}");
        }
    }
    assert!(lines.iter().any(|l| l.contains("CRC check passed")));
    // It prints the dashboard's address, and the page is there.
    let dashboard = lines
        .iter()
        .find_map(|l| l.split("aaa dev: dashboard http://").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no dashboard address: {lines:#?}"));
    let page = get(dashboard.parse().unwrap(), "/");
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("<title>aaa receiver</title>"));
    let listed = get(dashboard.parse().unwrap(), "/api/events?limit=200").json();
    assert_eq!(
        listed["events"].as_array().map(Vec::len),
        Some(aaa_emulator::Activity::ALL.len()),
        "the dashboard lists the demo round's events"
    );

    // The hint names the user and the emulator; use them from another process.
    let mut hint = Vec::new();
    while hint.len() < 4 {
        hint.push(next("the hint"));
    }
    let trigger = hint
        .iter()
        .find(|l| l.contains("trigger mention"))
        .unwrap_or_else(|| panic!("{hint:#?}"));
    let words: Vec<&str> = trigger.split_whitespace().collect();
    let after = |flag: &str| words[words.iter().position(|w| *w == flag).unwrap() + 1];
    let (code, out, err) = aaa(&[
        "trigger",
        "mention",
        "--user",
        after("--user"),
        "--emulator",
        after("--emulator"),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let live = next("the triggered mention");
    assert_eq!(kind_of(&live), Some("tweet_create"), "{live}");

    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "aaa dev did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");

    let (code, out, _) = aaa(&["events", "list", "--data-dir", &dir, "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), aaa_emulator::Activity::ALL.len() + 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("dev-data/emulator.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "credentials readable by others: {mode:o}");
    }
}

#[test]
fn dev_once_exits_after_the_demo_round_with_the_v1_api() {
    let data = TempDir::new("dev-once");
    let dir = data.arg("d");
    let (code, out, err) = aaa(&["dev", "--once", "--api", "v1.1", "--data-dir", &dir]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("through the v1.1 API"), "{out}");
    assert_eq!(
        out.lines().filter(|l| kind_of(l).is_some()).count(),
        aaa_emulator::Activity::ALL.len()
    );
    let (code, _, err) = aaa(&[
        "dev",
        "--once",
        "--listen",
        "256.0.0.1:1",
        "--data-dir",
        &dir,
    ]);
    assert_eq!(code, Some(64), "{err}");
}

#[test]
fn dev_once_with_the_x_activity_api_stores_one_event_of_every_type() {
    let data = TempDir::new("dev-xaa");
    let dir = data.arg("d");
    let (code, out, err) = aaa(&["dev", "--once", "--api", "xaa", "--data-dir", &dir]);
    assert_eq!(code, Some(0), "{out}{err}");
    let types = aaa_model::ActivityType::ALL.len();
    assert!(
        out.contains(&format!("{types} events stored, each once")),
        "{out}"
    );
    let stored: Vec<&str> = out.lines().filter_map(kind_of).collect();
    for t in aaa_model::ActivityType::ALL {
        assert!(stored.contains(&t.as_str()), "{t} not shown: {out}");
    }
    let (code, out, _) = aaa(&["events", "list", "--data-dir", &dir, "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), types);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = v["key"].as_str().unwrap();
        let uuid = key.rsplit('/').next().unwrap();
        assert!(
            uuid.trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit()),
            "{key} holds the event_uuid"
        );
    }
}
