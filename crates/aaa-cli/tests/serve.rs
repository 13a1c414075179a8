//! `aaa serve` and `aaa events` as real processes: the listening line, SIGTERM, `--stdout`,
//! `events list|tail`, a config file with two apps, and TLS.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    SECRET, SIG, TempDir, aaa, exchange, fixture, get, parse_reply, post, request, sign, sign_with,
    spawn_serve, tweet,
};

const PATH: &str = "/webhooks/twitter";

fn serve_args(dir: &TempDir) -> Vec<String> {
    vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        dir.arg("data"),
    ]
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

#[test]
fn serve_reports_its_address_and_finishes_in_flight_requests_on_sigterm() {
    let dir = TempDir::new("sigterm");
    let mut args = serve_args(&dir);
    args.push("--stdout".into());
    let mut serve = spawn_serve(&as_strs(&args), &[("AAA_CONSUMER_SECRET", SECRET)], 1, true);
    assert_eq!(serve.urls, [format!("http://{}{PATH}", serve.addr)]);
    assert!(serve.addr.ip().is_loopback() && serve.addr.port() != 0);
    let crc = get(serve.addr, &format!("{PATH}?crc_token=abc"));
    assert_eq!(crc.status, 200);
    assert_eq!(
        crc.json(),
        serde_json::json!({"response_token": sign(b"abc")})
    );
    // A request in flight: headers and half the body, then SIGTERM.
    let body = fixture("tweet_create/two_events.json");
    let sig = sign(&body);
    let mut s = TcpStream::connect(serve.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n{SIG}: {sig}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..body.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    serve.terminate();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        serve.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    s.write_all(&body[body.len() / 2..]).unwrap();
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut s, &mut buf).unwrap();
    let reply = parse_reply(&buf).unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        serde_json::json!({"stored": 2, "duplicates": 0})
    );
    let status = serve.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "stderr: {}", serve.stderr());
    // The in-flight request's events were printed before the exit.
    let lines: Vec<String> =
        std::iter::from_fn(|| serve.stdout_line(Duration::from_secs(2))).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    // And they are in the store.
    let (code, out, err) = aaa(&["events", "list", "--json", "--data-dir", &dir.arg("data")]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json_lines(&out).len(), 2);
    // The listener is gone.
    assert!(TcpStream::connect(serve.addr).is_err());
}

#[test]
fn sigterm_right_after_start_exits_zero() {
    for _ in 0..3 {
        let dir = TempDir::new("quickterm");
        let mut serve = spawn_serve(
            &as_strs(&serve_args(&dir)),
            &[("AAA_CONSUMER_SECRET", SECRET)],
            1,
            false,
        );
        let status = serve.stop();
        assert_eq!(status.code(), Some(0), "stderr: {}", serve.stderr());
    }
}

#[test]
fn stdout_prints_one_json_line_per_new_event() {
    let dir = TempDir::new("stdout");
    let mut args = serve_args(&dir);
    args.push("--stdout".into());
    let mut serve = spawn_serve(&as_strs(&args), &[("AAA_CONSUMER_SECRET", SECRET)], 1, true);
    let two = fixture("tweet_create/two_events.json");
    let mixed = fixture("mixed/follow_tweet_favorite.json");
    assert_eq!(post(serve.addr, PATH, &two).json()["stored"], 2);
    assert_eq!(post(serve.addr, PATH, &two).json()["stored"], 0);
    let n_mixed = post(serve.addr, PATH, &mixed).json()["stored"]
        .as_u64()
        .unwrap();
    assert!(n_mixed >= 3);
    // A quarantined body prints nothing.
    assert_eq!(
        post(serve.addr, PATH, b"{\"for_user_id\":\"1\"}").json()["status"],
        "quarantined"
    );
    let last = tweet("42", 1_880_000_000_000_000_001, "the last one");
    assert_eq!(post(serve.addr, PATH, &last).json()["stored"], 1);
    let expected = 2 + usize::try_from(n_mixed).unwrap() + 1;
    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());
    let lines: Vec<String> =
        std::iter::from_fn(|| serve.stdout_line(Duration::from_secs(2))).collect();
    assert_eq!(lines.len(), expected, "{lines:#?}");
    let values = json_lines(&lines.join("\n"));
    let mut keys: Vec<&str> = values.iter().map(|v| v["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), expected, "a key printed twice");
    let two_json: serde_json::Value = serde_json::from_slice(&two).unwrap();
    assert_eq!(values[0]["kind"], "tweet_create");
    assert_eq!(values[0]["for_user_id"], two_json["for_user_id"]);
    assert_eq!(values[0]["event"], two_json["tweet_create_events"][0]);
    assert_eq!(values[1]["event"], two_json["tweet_create_events"][1]);
    assert!(values[0]["received_at"].as_str().unwrap().ends_with('Z'));
    let last_line = values.last().unwrap();
    assert_eq!(last_line["for_user_id"], "42");
    assert_eq!(last_line["event"]["text"], "the last one");
}

/// Posts a known set of deliveries and stops the server; returns the data dir argument.
fn populated_store(dir: &TempDir) -> String {
    let mut serve = spawn_serve(
        &as_strs(&serve_args(dir)),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    for body in [
        tweet("111", 1_880_000_000_000_000_101, "one"),
        tweet("222", 1_880_000_000_000_000_102, "two"),
        fixture("follow/follow.json"),
        tweet("111", 1_880_000_000_000_000_103, "three"),
    ] {
        assert_eq!(post(serve.addr, PATH, &body).status, 200);
    }
    assert_eq!(serve.stop().code(), Some(0));
    dir.arg("data")
}

#[test]
fn events_list_prints_the_store_with_filters() {
    let dir = TempDir::new("list");
    let data = populated_store(&dir);
    let list = |extra: &[&str]| {
        let mut args = vec!["events", "list", "--data-dir", &data];
        args.extend_from_slice(extra);
        let (code, out, err) = aaa(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "");
        out
    };
    let all = json_lines(&list(&["--json"]));
    assert_eq!(all.len(), 4);
    let texts: Vec<&str> = all
        .iter()
        .filter_map(|v| v["event"]["text"].as_str())
        .collect();
    assert_eq!(texts, ["one", "two", "three"], "oldest first");
    assert_eq!(all[2]["kind"], "follow");
    let tweets = json_lines(&list(&["--json", "--kind", "tweet_create"]));
    assert_eq!(tweets.len(), 3);
    assert!(tweets.iter().all(|v| v["kind"] == "tweet_create"));
    let user = json_lines(&list(&["--json", "--user", "111"]));
    assert_eq!(user.len(), 2);
    assert!(user.iter().all(|v| v["for_user_id"] == "111"));
    let both = json_lines(&list(&[
        "--json",
        "--user",
        "222",
        "--kind",
        "tweet_create",
    ]));
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["event"]["text"], "two");
    let newest = json_lines(&list(&["--json", "--limit", "2"]));
    assert_eq!(newest.len(), 2);
    assert_eq!(newest[0], all[2]);
    assert_eq!(newest[1], all[3]);
    assert_eq!(json_lines(&list(&["--json", "--since", "1h"])).len(), 4);
    assert_eq!(list(&["--json", "--since", "0s"]), "");
    assert_eq!(list(&["--json", "--kind", "no_such_kind"]), "");
    // The table: one line per event, each with its key.
    let table = list(&[]);
    assert_eq!(table.lines().count(), 4, "{table}");
    for (line, v) in table.lines().zip(&all) {
        assert!(line.contains(v["key"].as_str().unwrap()), "{line}");
        assert!(line.contains(v["kind"].as_str().unwrap()), "{line}");
    }
    // Failures: one line and a non-zero exit.
    let missing = dir.arg("nowhere");
    let (code, out, err) = aaa(&["events", "list", "--data-dir", &missing]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no event store"), "{err}");
    let (code, _, err) = aaa(&["events", "list", "--data-dir", &data, "--since", "5w"]);
    assert_eq!(code, Some(64));
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn the_events_table_prints_no_terminal_control_characters() {
    let dir = TempDir::new("table");
    let mut serve = spawn_serve(
        &as_strs(&serve_args(&dir)),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    // Raw C1 CSI (U+009B) and DEL are valid inside JSON strings; JSON escapes decode to ESC.
    let body = "{\"for_user_id\":\"7\u{9b}31m\u{7f}\",\"tweet_create_events\":[{\"id_str\":\"5\u{9b}2J\"}],\"x\u{9b}1m\\u001b[2J_events\":[{\"id\":\"6\"}]}";
    assert_eq!(post(serve.addr, PATH, body.as_bytes()).status, 200);
    assert_eq!(serve.stop().code(), Some(0));
    let (code, out, err) = aaa(&["events", "list", "--data-dir", &dir.arg("data")]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 2, "{out:?}");
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in the table: {out:?}"
    );
}

#[test]
fn events_tail_prints_the_last_events_then_new_ones() {
    let dir = TempDir::new("tail");
    let mut serve = spawn_serve(
        &as_strs(&serve_args(&dir)),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    for i in 1..=3 {
        let body = tweet("111", 1_880_000_000_000_000_200 + i, &format!("old {i}"));
        assert_eq!(post(serve.addr, PATH, &body).status, 200);
    }
    let (mut tail, rx) = spawn_tail(&[
        "--last",
        "2",
        "--user",
        "111",
        "--data-dir",
        &dir.arg("data"),
    ]);
    let next = || {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a line from tail");
        serde_json::from_str::<serde_json::Value>(&line).unwrap()
    };
    assert_eq!(next()["event"]["text"], "old 2");
    assert_eq!(next()["event"]["text"], "old 3");
    // New events: one for another user (filtered out), two for this one.
    let other = tweet("999", 1_880_000_000_000_000_210, "other user");
    assert_eq!(post(serve.addr, PATH, &other).status, 200);
    for i in 1..=2 {
        let body = tweet("111", 1_880_000_000_000_000_220 + i, &format!("new {i}"));
        assert_eq!(post(serve.addr, PATH, &body).status, 200);
    }
    assert_eq!(next()["event"]["text"], "new 1");
    assert_eq!(next()["event"]["text"], "new 2");
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    let _ = tail.kill();
    let _ = tail.wait();
    // --last 0: nothing of the past, then only what is new.
    let (mut tail, rx) = spawn_tail(&["--last", "0", "--data-dir", &dir.arg("data")]);
    std::thread::sleep(Duration::from_millis(600));
    let body = tweet("111", 1_880_000_000_000_000_230, "after last 0");
    assert_eq!(post(serve.addr, PATH, &body).status, 200);
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a line from tail");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        v["event"]["text"], "after last 0",
        "printed an old event first"
    );
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    let _ = tail.kill();
    let _ = tail.wait();
    assert_eq!(serve.stop().code(), Some(0));
}

/// Starts `aaa events tail --json ARGS`; its stdout lines arrive on the channel.
fn spawn_tail(args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut tail = Command::new(env!("CARGO_BIN_EXE_aaa"))
        .args(["events", "tail", "--json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let pipe = tail.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (tail, rx)
}

#[test]
fn a_config_file_serves_two_apps_on_two_paths_with_secrets_from_the_environment() {
    let dir = TempDir::new("config");
    let config = dir.join("aaa.toml");
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:0"
data_dir = "{}"

[[app]]
name = "one"
path = "/hooks/one"
consumer_secret_env = "AAA_TEST_SECRET_ONE"

[[app]]
name = "two"
path = "/hooks/two"
consumer_secret_env = "AAA_TEST_SECRET_TWO"
extra_secrets_env = ["AAA_TEST_SECRET_TWO_OLD"]
"#,
            dir.arg("data")
        ),
    )
    .unwrap();
    let (one, two, two_old) = ("secret-one-Xk2", "secret-two-Pq8", "secret-two-old-Zz1");
    let env = [
        ("AAA_TEST_SECRET_ONE", one),
        ("AAA_TEST_SECRET_TWO", two),
        ("AAA_TEST_SECRET_TWO_OLD", two_old),
    ];
    let config_arg = config.display().to_string();
    let mut serve = spawn_serve(&["--config", &config_arg], &env, 2, false);
    assert_eq!(
        serve.urls,
        [
            format!("http://{}/hooks/one", serve.addr),
            format!("http://{}/hooks/two", serve.addr)
        ]
    );
    let post_as = |path: &str, secret: &str, body: &[u8]| {
        let sig = sign_with(secret.as_bytes(), body);
        request(serve.addr, "POST", path, &[(SIG, &sig)], body).unwrap()
    };
    let a = tweet("1", 1_880_000_000_000_000_301, "a");
    let b = tweet("2", 1_880_000_000_000_000_302, "b");
    let c = tweet("2", 1_880_000_000_000_000_303, "c");
    assert_eq!(post_as("/hooks/one", two, &a).status, 401);
    assert_eq!(post_as("/hooks/one", one, &a).json()["stored"], 1);
    assert_eq!(post_as("/hooks/two", one, &b).status, 401);
    assert_eq!(post_as("/hooks/two", two, &b).json()["stored"], 1);
    assert_eq!(post_as("/hooks/two", two_old, &c).json()["stored"], 1);
    assert_eq!(post_as(PATH, one, &c).status, 404);
    for (path, secret) in [("/hooks/one", one), ("/hooks/two", two)] {
        let crc = get(serve.addr, &format!("{path}?crc_token=tok"));
        assert_eq!(
            crc.json(),
            serde_json::json!({"response_token": sign_with(secret.as_bytes(), b"tok")})
        );
    }
    assert_eq!(serve.stop().code(), Some(0));
    let stderr = serve.stderr();
    for s in [one, two, two_old] {
        assert!(!stderr.contains(s), "a secret on stderr: {stderr}");
    }
    let (code, out, _) = aaa(&["events", "list", "--json", "--data-dir", &dir.arg("data")]);
    assert_eq!(code, Some(0));
    assert_eq!(json_lines(&out).len(), 3);
    // A variable that is not set: one line naming it, exit 1.
    let out = Command::new(env!("CARGO_BIN_EXE_aaa"))
        .args(["serve", "--config", &config_arg])
        .env_remove("AAA_CONSUMER_SECRET")
        .env("AAA_TEST_SECRET_ONE", one)
        .env_remove("AAA_TEST_SECRET_TWO")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("AAA_TEST_SECRET_TWO"), "{err}");
}

#[test]
fn tls_serves_https_with_a_certificate_made_at_test_time() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;

    let dir = TempDir::new("tls");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("cert.pem"), key.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.signing_key.serialize_pem()).unwrap();
    let mut args = serve_args(&dir);
    args.extend([
        "--tls-cert".into(),
        dir.arg("cert.pem"),
        "--tls-key".into(),
        dir.arg("key.pem"),
    ]);
    let mut serve = spawn_serve(
        &as_strs(&args),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    assert_eq!(serve.urls, [format!("https://{}{PATH}", serve.addr)]);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(key.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let addr = serve.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let https = |method: &'static str,
                 path: String,
                 headers: Vec<(String, String)>,
                 body: Vec<u8>| {
        let connector = connector.clone();
        rt.block_on(async move {
            tokio::time::timeout(Duration::from_secs(10), async move {
                let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
                let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
                let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
                let mut req = format!(
                    "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    let _ = std::fmt::Write::write_fmt(&mut req, format_args!("{k}: {v}\r\n"));
                }
                req.push_str("\r\n");
                tls.write_all(req.as_bytes()).await.unwrap();
                tls.write_all(&body).await.unwrap();
                let mut buf = Vec::new();
                tls.read_to_end(&mut buf).await.unwrap();
                parse_reply(&buf).unwrap()
            })
            .await
            .expect("bounded")
        })
    };
    let crc = https("GET", format!("{PATH}?crc_token=over+tls"), vec![], vec![]);
    assert_eq!(crc.status, 200);
    assert_eq!(
        crc.json(),
        serde_json::json!({"response_token": sign(b"over tls")})
    );
    let body = fixture("tweet_create/plain.json");
    let stored = https("POST", PATH.into(), vec![(SIG.into(), sign(&body))], body);
    assert_eq!(
        stored.json(),
        serde_json::json!({"stored": 1, "duplicates": 0})
    );
    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let plain = exchange(&mut s, "GET", "/healthz", &[], b"");
    assert!(
        plain
            .as_ref()
            .map_or(true, |r| !r.head.starts_with("HTTP/1.1 200")),
        "{plain:?}"
    );
    // A client that does not trust the certificate fails the handshake.
    let untrusting = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let refused = rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        tokio::time::timeout(
            Duration::from_secs(10),
            tokio_rustls::TlsConnector::from(Arc::new(untrusting)).connect(name, tcp),
        )
        .await
        .expect("bounded")
    });
    assert!(refused.is_err());
    let started = Instant::now();
    assert_eq!(serve.stop().code(), Some(0), "{}", serve.stderr());
    assert!(started.elapsed() < Duration::from_secs(10));
    // TLS needs both files; a missing one is a usage error, an unreadable one a one-line failure.
    let (code, _, err) = aaa(&["serve", "--tls-cert", &dir.arg("cert.pem")]);
    assert_eq!(code, Some(64), "{err}");
    let (code, _, err) = aaa(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--consumer-secret",
        "s",
        "--data-dir",
        &dir.arg("data2"),
        "--tls-cert",
        &dir.arg("missing.pem"),
        "--tls-key",
        &dir.arg("key.pem"),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("missing.pem"), "{err}");
}

#[test]
fn store_shards_sets_the_number_of_files_and_a_store_refuses_another() {
    let dir = TempDir::new("shards");
    let mut args = serve_args(&dir);
    args.extend(["--store-shards".to_owned(), "2".to_owned()]);
    let mut serve = spawn_serve(
        &as_strs(&args),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    for (i, user) in ["111", "222"].iter().enumerate() {
        let body = tweet(user, 1_880_000_000_000_000_300 + i as u64, "sharded");
        assert_eq!(post(serve.addr, PATH, &body).status, 200);
    }
    assert_eq!(serve.stop().code(), Some(0));
    let data = dir.arg("data");
    assert!(dir.join("data/aaa-0.sqlite3").exists());
    assert!(dir.join("data/aaa-1.sqlite3").exists());
    assert!(!dir.join("data/aaa-2.sqlite3").exists());
    assert!(!dir.join("data/aaa.sqlite3").exists());
    let (code, out, err) = aaa(&["events", "list", "--json", "--data-dir", &data]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json_lines(&out).len(), 2);
    // The default (one file) on this directory is refused, with the way out.
    let (code, _, err) = aaa(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data,
        "--consumer-secret",
        SECRET,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("--store-shards 2"), "{err}");
    assert!(!dir.join("data/aaa.sqlite3").exists());
    let (code, _, err) = aaa(&["serve", "--store-shards", "0", "--consumer-secret", SECRET]);
    assert_eq!(code, Some(64), "{err}");
}

#[test]
fn a_second_receiver_on_the_same_data_directory_is_refused() {
    let dir = TempDir::new("two-on-one-dir");
    let args = serve_args(&dir);
    let mut first = spawn_serve(
        &as_strs(&args),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    let mut second = vec!["serve", "--consumer-secret", SECRET];
    second.extend(as_strs(&args));
    let (code, _, err) = aaa(&second);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("another receiver is running with the data directory"),
        "{err}"
    );
    assert!(
        !err.contains("listening on"),
        "it stopped before listening: {err}"
    );
    // The first one is unharmed and stops cleanly; then the directory is free again.
    assert_eq!(first.stop().code(), Some(0), "{}", first.stderr());
    let mut again = spawn_serve(
        &as_strs(&args),
        &[("AAA_CONSUMER_SECRET", SECRET)],
        1,
        false,
    );
    assert_eq!(again.stop().code(), Some(0), "{}", again.stderr());
}
