//! `aaa replay`: the plan (`--dry-run`), X's window rules and exit codes, runs against a
//! loopback stand-in for X's replay endpoints, and runs against `aaa emulate`, with `aaa serve`
//! receiving the `replay_job_status` messages into the store that `--data-dir` watches.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{SECRET, TempDir, post, spawn_emulate, spawn_serve};

/// One request the stub received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    authorization: String,
    body: String,
    at: Instant,
}

/// A loopback stand-in for X's replay endpoints: answers every request with a new job
/// (`{"data":{"job_id":"100N",...}}`), records it, then calls `after` on a thread of its own.
struct Stub {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<(String, String, String, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut len = 0;
    let mut authorization = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.eq_ignore_ascii_case("authorization") {
                v.trim().clone_into(&mut authorization);
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((method, target, authorization, body))
}

fn stub(after: impl Fn(usize, &Seen) + Send + Sync + 'static) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let after = Arc::new(after);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((method, target, authorization, body)) = read_request(&mut stream) else {
                continue;
            };
            let req = Seen {
                method,
                target,
                authorization,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: Instant::now(),
            };
            let n = {
                let mut log = log.lock().unwrap();
                log.push(req.clone());
                log.len()
            };
            let answer = format!(
                r#"{{"data":{{"job_id":"{}","created_at":"2026-01-01T00:00:00.000Z"}}}}"#,
                1000 + n
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            drop(stream);
            let after = Arc::clone(&after);
            std::thread::spawn(move || after(n, &req));
        }
    });
    Stub {
        base_url: format!("http://{addr}"),
        seen,
    }
}

impl Stub {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Runs `aaa ARGS` (bounded) with no `AAA_*` variable but `env`, and an empty config home.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    common::aaa_env(args, env)
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

fn assert_one_line(r: &(Option<i32>, String, String), code: i32, needle: &str) {
    let (got, out, err) = r;
    assert_eq!(*got, Some(code), "stdout {out:?} stderr {err:?}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.starts_with("aaa: "), "{err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

/// A stub that only counts requests, for commands that must not call anything.
fn silent_stub() -> Stub {
    stub(|_, _| {})
}

#[test]
fn dry_run_prints_the_plan_and_calls_nothing() {
    let x = silent_stub();
    let base = ["--base-url", x.base_url.as_str(), "--bearer-token", "t"];
    let mut args = vec![
        "replay",
        "--webhook",
        "77",
        "--from",
        "-50h",
        "--to",
        "-20m",
        "--webhook-replay",
        "--dry-run",
    ];
    args.extend(base);
    let (code, out, err) = run(&args, &[]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("JOB  FROM_DATE"), "{out}");
    assert!(
        lines[1].starts_with("1 ") && lines[1].contains(" 24h00m "),
        "{out}"
    );
    assert!(
        lines[2].starts_with("2 ") && lines[2].contains(" 24h00m "),
        "{out}"
    );
    assert!(
        lines[3].starts_with("3 ") && lines[3].contains(" 1h40m "),
        "{out}"
    );

    args.push("--json");
    let (code, out, err) = run(&args, &[]);
    assert_eq!(code, Some(0), "{err}");
    let jobs = json_lines(&out);
    assert_eq!(jobs.len(), 3, "{out}");
    for (i, j) in jobs.iter().enumerate() {
        assert_eq!(j["job"], i + 1);
        assert_eq!(j["of"], 3);
        assert_eq!(j["webhook_id"], "77");
        assert_eq!(j["api"], "v2");
        assert_eq!(j["endpoint"], "POST /2/webhooks/replay");
        assert_eq!(j["from_date"].as_str().unwrap().len(), 12);
        if i > 0 {
            assert_eq!(j["from_date"], jobs[i - 1]["to_date"], "{out}");
        }
    }

    // The account-activity replay covers the same window in one job, in v1.1 too.
    let mut args = vec![
        "replay",
        "--webhook",
        "77",
        "--from",
        "-50h",
        "--to",
        "-20m",
        "--dry-run",
        "--json",
        "--api",
        "v1.1",
    ];
    args.extend(base);
    let (code, out, err) = run(&args, &[]);
    assert_eq!(code, Some(0), "{err}");
    let one = json_lines(&out);
    assert_eq!(one.len(), 1, "{out}");
    assert_eq!(
        one[0]["endpoint"],
        "POST /1.1/account_activity/replay/webhooks/77/subscriptions/all.json"
    );
    assert_eq!(one[0]["from_date"], jobs[0]["from_date"]);
    assert_eq!(one[0]["to_date"], jobs[2]["to_date"]);

    // No credentials are needed to plan.
    let (code, _, err) = run(
        &[
            "replay",
            "--webhook",
            "77",
            "--from",
            "-3h",
            "--to",
            "-1h",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(x.seen().is_empty());
}

#[test]
fn window_rules_and_usage_errors_are_one_line() {
    let x = silent_stub();
    let r = |from: &str, to: &str, extra: &[&str]| {
        let mut args = vec![
            "replay",
            "--webhook",
            "77",
            "--from",
            from,
            "--to",
            to,
            "--base-url",
            x.base_url.as_str(),
            "--bearer-token",
            "t",
        ];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    assert_one_line(&r("-6d", "-1h", &[]), 1, "more than 5 days ago");
    assert_one_line(&r("-30m", "-15m", &[]), 1, "less than 31 minutes ago");
    assert_one_line(&r("-2h", "-5m", &[]), 1, "less than 10 minutes ago");
    assert_one_line(&r("-1h", "-2h", &["--dry-run"]), 1, "is not before");
    assert_one_line(&r("-1h", "-1h", &[]), 1, "is not before");
    let now = an_hour_ago();
    let with_seconds = format!("{}:30Z", &now[..16]);
    assert_one_line(&r(&with_seconds, "-15m", &[]), 1, "whole minutes");
    assert_one_line(&r("yesterday", "-1h", &[]), 64, "--from");
    assert_one_line(&r("-2h", "202613011200", &[]), 64, "--to");
    assert_one_line(
        &r("-2h", "-1h", &["--webhook-replay", "--api", "v1.1"]),
        64,
        "only v2",
    );
    // More than one job and nothing to wait on: refused before any call.
    assert_one_line(
        &r("-50h", "-1h", &["--webhook-replay"]),
        64,
        "give --data-dir",
    );
    // A data directory without a store: refused before any call.
    let empty = TempDir::new("replay-empty");
    assert_one_line(
        &r("-2h", "-1h", &["--data-dir", &empty.arg("nothing")]),
        1,
        "no event store",
    );
    // No credentials: a usage error.
    assert_one_line(
        &run(
            &[
                "replay",
                "--webhook",
                "77",
                "--from",
                "-2h",
                "--to",
                "-1h",
                "--base-url",
                x.base_url.as_str(),
            ],
            &[],
        ),
        64,
        "missing credentials",
    );
    assert!(x.seen().is_empty(), "{:?}", x.seen());
}

/// An hour ago as RFC 3339 (`2026-11-23T00:41:07.000Z`), from the system clock.
fn an_hour_ago() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    aaa_model::Timestamp::from_secs(i64::try_from(secs).unwrap() - 3600).to_rfc3339()
}

fn query(target: &str) -> Vec<(String, String)> {
    target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn one_job_is_started_with_the_planned_window() {
    for (api, path) in [
        (
            "v2",
            "/2/account_activity/replay/webhooks/77/subscriptions/all",
        ),
        (
            "v1.1",
            "/1.1/account_activity/replay/webhooks/77/subscriptions/all.json",
        ),
    ] {
        let x = silent_stub();
        let base = x.base_url.clone();
        let plan_args = [
            "replay",
            "--webhook",
            "77",
            "--from",
            "-3h",
            "--to",
            "-1h",
            "--api",
            api,
            "--json",
        ];
        let (code, out, err) = run(&[&plan_args[..], &["--dry-run"]].concat(), &[]);
        assert_eq!(code, Some(0), "{err}");
        let plan = json_lines(&out);
        let (code, out, err) = run(
            &[&plan_args[..], &["--base-url", &base]].concat(),
            &[("AAA_BEARER_TOKEN", "bearer-for-replay")],
        );
        assert_eq!(code, Some(0), "{err}");
        let done = json_lines(&out);
        assert_eq!(done.len(), 1, "{out}");
        assert_eq!(done[0]["job_id"], "1001");
        assert_eq!(done[0]["job_state"], serde_json::Value::Null);
        assert_eq!(done[0]["from_date"], plan[0]["from_date"]);
        assert_eq!(done[0]["to_date"], plan[0]["to_date"]);
        let seen = x.seen();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].target.split('?').next(), Some(path));
        assert_eq!(seen[0].authorization, "Bearer bearer-for-replay");
        let q = query(&seen[0].target);
        assert!(
            q.contains(&(
                "from_date".into(),
                plan[0]["from_date"].as_str().unwrap().into()
            )),
            "{q:?}"
        );
        assert!(
            q.contains(&(
                "to_date".into(),
                plan[0]["to_date"].as_str().unwrap().into()
            )),
            "{q:?}"
        );
    }

    // The webhook replay sends its window as JSON; the table output says the job started.
    let x = silent_stub();
    let (code, out, err) = run(
        &[
            "replay",
            "--webhook",
            "77",
            "--from",
            "-3h",
            "--to",
            "-1h",
            "--webhook-replay",
            "--base-url",
            &x.base_url,
            "--bearer-token",
            "t",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("job 1/1 1001 (") && out.trim_end().ends_with("): started"),
        "{out}"
    );
    let seen = x.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/2/webhooks/replay");
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["webhook_id"], "77");
    assert_eq!(body["from_date"].as_str().unwrap().len(), 12);
    assert_eq!(body["to_date"].as_str().unwrap().len(), 12);
}

/// `aaa serve` on a fresh store, and a stub for X whose every job ends `state` (after a decoy
/// status of another job) once `delay` has passed.
fn serve_and_stub(
    dir: &TempDir,
    state: &'static str,
    delay: Duration,
) -> (common::Serve, Stub, Arc<Mutex<Vec<Instant>>>) {
    let data = dir.arg("data");
    let serve = spawn_serve(
        &["--listen", "127.0.0.1:0", "--data-dir", &data],
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    let addr = serve.addr;
    let ended = Arc::new(Mutex::new(Vec::new()));
    let ends = Arc::clone(&ended);
    let x = stub(move |n, _req| {
        std::thread::sleep(delay);
        let decoy = format!(
            r#"{{"replay_job_status":{{"webhook_id":"77","job_id":"9{n}","job_state":"Incomplete"}}}}"#
        );
        assert_eq!(
            post(addr, "/webhooks/twitter", decoy.as_bytes()).status,
            200
        );
        let status = format!(
            r#"{{"replay_job_status":{{"webhook_id":"77","job_id":"{}","job_state":"{state}","job_state_description":"ended {state}"}}}}"#,
            1000 + n
        );
        ends.lock().unwrap().push(Instant::now());
        assert_eq!(
            post(addr, "/webhooks/twitter", status.as_bytes()).status,
            200
        );
    });
    (serve, x, ended)
}

#[test]
fn jobs_run_one_after_another_waiting_for_each_status_in_the_store() {
    let dir = TempDir::new("replay-wait");
    let (mut serve, x, ended) = serve_and_stub(&dir, "Complete", Duration::from_millis(400));
    let data = dir.arg("data");
    let (code, out, err) = run(
        &[
            "replay",
            "--webhook",
            "77",
            "--from",
            "-50h",
            "--to",
            "-20m",
            "--webhook-replay",
            "--data-dir",
            &data,
            "--base-url",
            &x.base_url,
            "--bearer-token",
            "t",
            "--json",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    let done = json_lines(&out);
    assert_eq!(done.len(), 3, "{out}");
    let seen = x.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let ended = ended.lock().unwrap().clone();
    for (i, j) in done.iter().enumerate() {
        assert_eq!(j["job"], i + 1);
        assert_eq!(j["job_id"], format!("{}", 1001 + i));
        assert_eq!(j["job_state"], "Complete");
        assert_eq!(j["job_state_description"], "ended Complete");
        let body: serde_json::Value = serde_json::from_str(&seen[i].body).unwrap();
        assert_eq!(body["from_date"], j["from_date"]);
        assert_eq!(body["to_date"], j["to_date"]);
        if i > 0 {
            assert_eq!(j["from_date"], done[i - 1]["to_date"]);
            // The next job was started only after the previous one's status was sent.
            assert!(seen[i].at > ended[i - 1], "job {} started too early", i + 1);
        }
    }
    // stderr is not a terminal here: one plain line per job, no progress redraws.
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        err.lines()
            .all(|l| l.starts_with("aaa: job ") && l.contains("waiting up to 30m00s")),
        "{err}"
    );
    assert!(!err.contains('\r'), "{err:?}");

    // The table form: one line per job with its state.
    let (code, out, err) = run(
        &[
            "replay",
            "--webhook",
            "77",
            "--from",
            "-3h",
            "--to",
            "-1h",
            "--data-dir",
            &data,
            "--base-url",
            &x.base_url,
            "--bearer-token",
            "t",
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("job 1/1 1004 (")
            && out.trim_end().ends_with("): Complete: ended Complete"),
        "{out}"
    );
    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());
}

#[test]
fn an_incomplete_job_or_a_timeout_fails_with_one_line() {
    let dir = TempDir::new("replay-incomplete");
    let (mut serve, x, _) = serve_and_stub(&dir, "Incomplete", Duration::from_millis(100));
    let data = dir.arg("data");
    let args = [
        "replay",
        "--webhook",
        "77",
        "--from",
        "-50h",
        "--to",
        "-20m",
        "--webhook-replay",
        "--data-dir",
        &data,
        "--base-url",
        &x.base_url,
        "--bearer-token",
        "t",
    ];
    let r = run(&args, &[]);
    let (code, out, err) = &r;
    assert_eq!(*code, Some(1), "{out}{err}");
    // The first job's line, then the failure; the other jobs are not started.
    assert!(
        out.trim_end().ends_with("): Incomplete: ended Incomplete"),
        "{out}"
    );
    let last = err.lines().last().unwrap();
    assert_eq!(
        last,
        "aaa: replay job 1001 ended Incomplete: ended Incomplete; run it again"
    );
    assert_eq!(x.seen().len(), 1);
    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());

    // A status that never comes: the timeout ends the wait.
    let quiet = silent_stub();
    let started = Instant::now();
    let (code, _, err) = run(
        &[
            "replay",
            "--webhook",
            "77",
            "--from",
            "-3h",
            "--to",
            "-1h",
            "--data-dir",
            &data,
            "--base-url",
            &quiet.base_url,
            "--bearer-token",
            "t",
            "--timeout",
            "1s",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("aaa: replay job 1001: no replay_job_status in ")
            && last.contains("within 1s"),
        "{err}"
    );
}

/// A `/_emulator/` control call; the answer's JSON.
fn control(
    emu: &common::Emulate,
    method: &str,
    what: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    let body = body.to_string();
    let reply = common::request(
        emu.addr,
        method,
        &format!("/_emulator/{what}"),
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(reply.status, 200, "{what}: {reply:?}");
    reply.json()
}

/// The stored events of `kind`.
fn stored(data: &str, kind: &str) -> usize {
    let store = aaa_receiver::Store::open_read_only(Path::new(data)).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(store.list(aaa_receiver::EventQuery::newest(None).kind(kind)))
        .unwrap()
        .events
        .len()
}

/// Waits (bounded) until the emulator has nothing under way.
fn settled(emu: &common::Emulate) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = control(emu, "GET", "deliveries", &serde_json::json!({}));
        if stats["pending"] == 0 {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never settled: {stats}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn replay_against_aaa_emulate_redelivers_and_waits_for_each_status() {
    let mut emu = spawn_emulate(&[]);
    let base = emu.base_url();
    let dir = TempDir::new("replay-e2e");
    let data = dir.arg("data");
    let secret = emu.app("consumer_secret");
    let mut serve = spawn_serve(
        &["--listen", "127.0.0.1:0", "--data-dir", &data],
        &[("AAA_CONSUMER_SECRET", &secret)],
        1,
        false,
    );
    let key = emu.app("consumer_key");
    let app = [
        ("AAA_CONSUMER_KEY", key.as_str()),
        ("AAA_CONSUMER_SECRET", secret.as_str()),
        ("AAA_BASE_URL", base.as_str()),
    ];
    let (owner_token, owner_secret) = (emu.owner("access_token"), emu.owner("access_token_secret"));
    let owner = [
        app[0],
        app[1],
        app[2],
        ("AAA_ACCESS_TOKEN", owner_token.as_str()),
        ("AAA_ACCESS_TOKEN_SECRET", owner_secret.as_str()),
    ];

    // The receiver is the webhook; one user is subscribed.
    let (code, out, err) = run(
        &[
            "webhooks",
            "register",
            &serve.urls[0],
            "--allow-local-urls",
            "--json",
        ],
        &owner,
    );
    assert_eq!(code, Some(0), "{err}");
    let hook: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let id = hook["id"].as_str().unwrap().to_owned();
    let user = &emu.summary["users"][0];
    let user_id = user["user_id"].as_str().unwrap().to_owned();
    let (code, _, err) = run(
        &[
            "subscriptions",
            "add",
            "--webhook",
            &id,
            "--access-token",
            user["access_token"].as_str().unwrap(),
            "--access-token-secret",
            user["access_token_secret"].as_str().unwrap(),
        ],
        &app,
    );
    assert_eq!(code, Some(0), "{err}");

    // Three posts delivered two hours ago, on the emulator's timeline.
    control(
        &emu,
        "POST",
        "clock",
        &serde_json::json!({"advance_secs": -7200}),
    );
    control(
        &emu,
        "POST",
        "trigger",
        &serde_json::json!({"user_id": user_id, "kind": "tweet_create", "count": 3}),
    );
    let before = settled(&emu);
    assert_eq!(before["delivered"], 3, "{before}");
    control(
        &emu,
        "POST",
        "clock",
        &serde_json::json!({"advance_secs": 7200}),
    );
    assert_eq!(stored(&data, "tweet_create"), 3);

    // v2 account-activity replay over the last three hours but one: one job, redelivering the
    // three posts, then its status.
    let replay = |extra: &[&str]| {
        let mut args = vec![
            "replay",
            "--webhook",
            id.as_str(),
            "--data-dir",
            data.as_str(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args, &app);
        assert_eq!(code, Some(0), "{extra:?}: {out}{err}");
        json_lines(&out)
    };
    let done = replay(&["--from", "-3h", "--to", "-1h"]);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["job_state"], "Complete", "{}", done[0]);
    assert_eq!(
        done[0]["job_state_description"],
        "Job completed successfully"
    );
    let stats = settled(&emu);
    assert_eq!(stats["replay_jobs"], 1, "{stats}");
    // Three first deliveries, then three redeliveries and the status, each at the first attempt.
    assert_eq!(stats["attempts"], 3 + 3 + 1, "{stats}");
    assert_eq!(stats["failed_attempts"], 0, "{stats}");

    // The webhook replay over 30 hours: two jobs, the second started after the first ended
    // (the emulator, like X, refuses a second job on a webhook while one runs).
    let done = replay(&["--from", "-30h", "--to", "-20m", "--webhook-replay"]);
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(
        done.iter().all(|j| j["job_state"] == "Complete"),
        "{done:?}"
    );
    assert_eq!(done[1]["from_date"], done[0]["to_date"]);
    assert_ne!(done[0]["job_id"], done[1]["job_id"]);

    // The v1.1 endpoint.
    let done = replay(&["--from", "-3h", "--to", "-1h", "--api", "v1.1"]);
    assert_eq!(done[0]["job_state"], "Complete", "{}", done[0]);

    let stats = settled(&emu);
    assert_eq!(stats["replay_jobs"], 4, "{stats}");
    // Redelivered posts are duplicates to the receiver; every job's status is stored.
    assert_eq!(stored(&data, "tweet_create"), 3);
    assert_eq!(stored(&data, "replay_job_status"), 4);

    // A window the emulator would refuse is refused before it is asked.
    let (code, _, err) = run(
        &[
            "replay",
            "--webhook",
            &id,
            "--from",
            "-30h",
            "--to",
            "-20m",
            "--webhook-replay",
            "--data-dir",
            &data,
            "--timeout",
            "5s",
        ],
        &[
            app[0],
            app[1],
            ("AAA_BASE_URL", base.as_str()),
            ("AAA_API", "v1.1"),
        ],
    );
    assert_eq!(code, Some(64), "{err}");
    assert_eq!(settled(&emu)["replay_jobs"], 4);

    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());
    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}
