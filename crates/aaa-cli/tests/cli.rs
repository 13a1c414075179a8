//! The `aaa` command's contract, run as a real process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn aaa(args: &[&str]) -> Output {
    run(args, None, &[])
}

fn run(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaa"));
    cmd.args(args)
        .env_remove("AAA_CONSUMER_KEY")
        .env_remove("AAA_CONSUMER_SECRET")
        .env_remove("AAA_ACCESS_TOKEN")
        .env_remove("AAA_ACCESS_TOKEN_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn aaa");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn fixture(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Asserts exit code `code` and exactly one line on stderr containing every `needle`.
fn assert_one_line_failure(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err:?}");
    }
}

#[test]
fn parse_prints_one_line_per_event() {
    let o = aaa(&[
        "parse",
        &fixture("payloads/unfollow/follow_events_type_unfollow.json"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let l = lines(&o);
    assert_eq!(l.len(), 1);
    let obj = l[0].as_object().unwrap();
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        ["for_user_id", "key", "kind", "typed"]
    );
    assert_eq!(l[0]["kind"], "unfollow");
    assert_eq!(l[0]["typed"], true);
    let user = l[0]["for_user_id"].as_str().unwrap();
    assert!(
        l[0]["key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("unfollow/{user}/"))
    );

    // The same unfollow under its own key is the same kind.
    let o = aaa(&[
        "parse",
        &fixture("payloads/unfollow/unfollow_events_key.json"),
    ]);
    assert_eq!(lines(&o)[0]["kind"], "unfollow");
}

#[test]
fn every_fixture_payload_decodes_with_the_kind_of_its_directory() {
    let root = fixtures().join("payloads");
    let mut seen = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let o = aaa(&["parse", file.to_str().unwrap()]);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}: {}",
                file.display(),
                stdout(&o)
            );
            let l = lines(&o);
            assert!(!l.is_empty(), "{}", file.display());
            for line in &l {
                assert_eq!(line["typed"], true, "{}: {line}", file.display());
                let kind = line["kind"].as_str().unwrap();
                let expected = match name.as_str() {
                    "mixed" | "pretty" => continue,
                    "activity" => kind.contains('.'),
                    // Follow/block/mute arrays may also hold their negative kind.
                    "follow" | "block" | "mute" => kind == name || kind == format!("un{name}"),
                    _ => kind == name,
                };
                assert!(expected, "{}: kind {kind}", file.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 60, "{seen}");
}

#[test]
fn parse_reports_every_kind_name() {
    let mixed = aaa(&["parse", &fixture("payloads/mixed/unknown_kind.json")]);
    let kinds: Vec<String> = lines(&mixed)
        .iter()
        .map(|l| l["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.iter().any(|k| k.starts_with("unknown:")), "{kinds:?}");
    let activity = aaa(&["parse", &fixture("payloads/activity/post.create.json")]);
    assert_eq!(lines(&activity)[0]["kind"], "post.create");
    let revoke = aaa(&["parse", &fixture("payloads/user_revoke/revoke.json")]);
    let l = lines(&revoke);
    assert_eq!(l[0]["kind"], "user_revoke");
    assert!(l[0]["for_user_id"].is_null());
}

#[test]
fn invalid_json_exits_1_with_one_line_naming_file_and_offset() {
    for entry in std::fs::read_dir(fixtures().join("invalid")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let p = path.to_str().unwrap();
        let o = aaa(&["parse", p]);
        assert_one_line_failure(&o, 1, &[p, " at byte "]);
        assert!(stdout(&o).is_empty(), "{p}");
    }
    let o = aaa(&["parse", &fixture("invalid/nan.txt")]);
    assert_one_line_failure(&o, 1, &["invalid json: unexpected character at byte "]);
    let o = aaa(&["parse", &fixture("invalid/top_level_array.txt")]);
    assert_one_line_failure(
        &o,
        1,
        &["not an envelope: top-level value is not a json object at byte 0"],
    );
}

#[test]
fn undecodable_event_exits_2_and_says_why() {
    let body = br#"{"for_user_id":"1","direct_message_indicate_typing_events":[{"created_timestamp":"5","sender_id":"12ab","target":{"recipient_id":"1"}}],"tweet_create_events":[{"id_str":"7"}]}"#;
    let o = run(&["parse", "-"], Some(body), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let l = lines(&o);
    assert_eq!(l.len(), 2);
    assert_eq!(l[0]["typed"], false);
    let error = l[0]["error"].as_str().unwrap();
    assert!(
        error.contains("direct_message_indicate_typing") && error.contains("at byte"),
        "{error}"
    );
    assert_eq!(l[0]["key"], "direct_message_indicate_typing/1/12ab/5");
}

#[test]
fn several_files_report_the_worst_outcome_and_process_all() {
    let good = fixture("payloads/tweet_delete/single.json");
    let bad = fixture("invalid/truncated.txt");
    let o = aaa(&["parse", &bad, &good]);
    assert_one_line_failure(&o, 1, &["truncated.txt"]);
    assert_eq!(lines(&o).len(), 1, "the good file is still parsed");
    let o = aaa(&["parse", "/nonexistent/body.json"]);
    assert_one_line_failure(&o, 1, &["/nonexistent/body.json: cannot read"]);
}

#[test]
fn crc_matches_an_independent_hmac() {
    // base64(HMAC-SHA256("secret", "abc")), computed with Python's hmac module.
    let o = aaa(&["crc", "--consumer-secret", "secret", "--token", "abc"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "{\"response_token\":\"sha256=mUba1OAOkT/Ivo5dP34RCkqegy+D+wnDRShdeGONig4=\"}\n"
    );
    let o = run(
        &["crc", "--token", "abc"],
        None,
        &[("AAA_CONSUMER_SECRET", "secret")],
    );
    assert!(stdout(&o).contains("mUba1OAOkT/Ivo5dP34RCkqegy+D+wnDRShdeGONig4="));
}

#[test]
fn signature_sign_and_verify_round_trip() {
    let body = fixture("payloads/tweet_create/plain.json");
    let o = aaa(&["signature", "sign", "--consumer-secret", "s3cret", &body]);
    assert_eq!(o.status.code(), Some(0));
    let sig = stdout(&o).trim().to_owned();
    assert!(sig.starts_with("sha256=") && sig.len() == 51, "{sig}");
    let o = aaa(&[
        "signature",
        "verify",
        "--consumer-secret",
        "s3cret",
        "--signature",
        &sig,
        &body,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Any of several secrets, from the environment.
    let o = run(
        &["signature", "verify", "--signature", &sig, &body],
        None,
        &[("AAA_CONSUMER_SECRET", "other,s3cret")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Standard input.
    let bytes = std::fs::read(&body).unwrap();
    let o = run(
        &["signature", "sign", "--consumer-secret", "s3cret", "-"],
        Some(&bytes),
        &[],
    );
    assert_eq!(stdout(&o).trim(), sig);

    let o = aaa(&[
        "signature",
        "verify",
        "--consumer-secret",
        "wrong",
        "--signature",
        &sig,
        &body,
    ]);
    assert_one_line_failure(&o, 1, &["signature not valid"]);
    assert!(
        !stderr(&o).contains(&sig[7..]),
        "the signature must not be echoed"
    );
    let o = aaa(&[
        "signature",
        "verify",
        "--consumer-secret",
        "s3cret",
        "--signature",
        "sha256=abc",
        &body,
    ]);
    assert_one_line_failure(&o, 1, &["signature not valid"]);
    let o = aaa(&[
        "signature",
        "verify",
        "--consumer-secret",
        "s3cret",
        "--signature",
        &sig[7..],
        &body,
    ]);
    assert_one_line_failure(&o, 1, &["signature not valid"]);
}

#[test]
fn oauth1_header_reproduces_x_published_example() {
    // X's "Creating a signature" example (developer documentation, OAuth 1.0a).
    let o = aaa(&[
        "oauth1",
        "header",
        "--method",
        "POST",
        "--url",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        "--form",
        "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
        "--consumer-key",
        "xvz1evFS4wEEPTGEFPHBog",
        "--consumer-secret",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "--token",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "--token-secret",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        "--nonce",
        "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "--timestamp",
        "1318622958",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", \
         oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", oauth_signature_method=\"HMAC-SHA1\", \
         oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
    );
}

#[test]
fn oauth1_header_options() {
    let base = [
        "oauth1",
        "header",
        "--method",
        "GET",
        "--url",
        "https://api.x.com/2/webhooks?x=1",
        "--consumer-key",
        "ck",
        "--consumer-secret",
        "cs",
        "--nonce",
        "n",
        "--timestamp",
        "1",
    ];
    let o = aaa(&base);
    let h = stdout(&o);
    assert!(
        h.starts_with("OAuth ")
            && h.contains("oauth_version=\"1.0\"")
            && !h.contains("oauth_token"),
        "{h}"
    );
    let mut args = base.to_vec();
    args.extend([
        "--omit-version",
        "--signature-method",
        "HMAC-SHA256",
        "--callback",
        "oob",
        "--param",
        "a=b c",
    ]);
    let o = aaa(&args);
    let h2 = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !h2.contains("oauth_version")
            && h2.contains("HMAC-SHA256")
            && h2.contains("oauth_callback=\"oob\""),
        "{h2}"
    );
    // Signing with tokens from the environment changes the signature.
    let o = run(
        &base,
        None,
        &[("AAA_ACCESS_TOKEN", "t"), ("AAA_ACCESS_TOKEN_SECRET", "ts")],
    );
    let h3 = stdout(&o);
    assert!(h3.contains("oauth_token=\"t\""), "{h3}");
    assert_ne!(h, h3);
}

#[test]
fn usage_and_credential_errors_are_one_line() {
    let o = aaa(&["parse", "--bogus"]);
    assert_one_line_failure(&o, 64, &["--bogus"]);
    let o = aaa(&["crc", "--token", "x"]);
    assert_one_line_failure(&o, 64, &["--consumer-secret"]);
    let o = aaa(&[
        "oauth1",
        "header",
        "--method",
        "GET",
        "--url",
        "https://x/",
        "--consumer-key",
        "k",
        "--consumer-secret",
        "s",
        "--token",
        "t",
    ]);
    assert_one_line_failure(
        &o,
        64,
        &[
            "--token needs --token-secret",
            "see aaa oauth1 header --help",
        ],
    );
    let o = aaa(&[
        "oauth1",
        "header",
        "--method",
        "GET",
        "--url",
        "https://x/",
        "--consumer-key",
        "k",
        "--consumer-secret",
        "s",
        "--param",
        "novalue",
    ]);
    assert_one_line_failure(&o, 1, &["NAME=VALUE"]);
    let o = aaa(&[
        "oauth1",
        "header",
        "--method",
        "GET",
        "--url",
        "not a url",
        "--consumer-key",
        "k",
        "--consumer-secret",
        "s",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = aaa(&[]);
    assert_eq!(o.status.code(), Some(64));
    let o = aaa(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("parse"));
}

#[test]
fn secrets_never_reach_errors() {
    let o = aaa(&[
        "signature",
        "verify",
        "--consumer-secret",
        "TOPSECRETVALUE",
        "--signature",
        "sha256=x",
        "/nonexistent",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("TOPSECRETVALUE"));
    let o = aaa(&[
        "oauth1",
        "header",
        "--method",
        "GET",
        "--url",
        "nope",
        "--consumer-key",
        "k",
        "--consumer-secret",
        "TOPSECRETVALUE",
    ]);
    assert!(!stderr(&o).contains("TOPSECRETVALUE"));
}

#[test]
fn every_usage_mistake_exits_64_and_points_at_the_subcommands_help() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    for (args, needle, help) in [
        (
            vec![
                "subscriptions",
                "remove",
                "--webhook",
                "1",
                "--base-url",
                dead.as_str(),
                "--bearer-token",
                "t",
            ],
            "--user",
            "aaa subscriptions remove --help",
        ),
        (
            vec!["trigger", "mention", "--emulator", dead.as_str()],
            "--user",
            "aaa trigger --help",
        ),
        (
            vec![
                "webhooks",
                "list",
                "--base-url",
                "ftp://example.com",
                "--bearer-token",
                "t",
            ],
            "base url",
            "aaa webhooks list --help",
        ),
        (
            vec!["subscriptions", "count", "--nope"],
            "--nope",
            "aaa subscriptions count --help",
        ),
        // Flags of aaa trigger that do not apply to the kind asked for.
        (
            vec![
                "trigger",
                "post.create",
                "--user",
                "1",
                "--direction",
                "inbound",
                "--emulator",
                dead.as_str(),
            ],
            "post.create has no direction",
            "aaa trigger --help",
        ),
        (
            vec![
                "trigger",
                "dm.sent",
                "--user",
                "1",
                "--direction",
                "inbound",
                "--emulator",
                dead.as_str(),
            ],
            "always goes outbound",
            "aaa trigger --help",
        ),
        (
            vec![
                "trigger",
                "favorite",
                "--user",
                "1",
                "--direction",
                "inbound",
                "--emulator",
                dead.as_str(),
            ],
            "--direction",
            "aaa trigger --help",
        ),
        (
            vec![
                "trigger",
                "like.create",
                "--user",
                "1",
                "--keyword",
                "k",
                "--emulator",
                dead.as_str(),
            ],
            "--keyword is for news.new",
            "aaa trigger --help",
        ),
        (
            vec![
                "trigger",
                "news.new",
                "--keyword",
                "k",
                "--user",
                "1",
                "--emulator",
                dead.as_str(),
            ],
            "--user",
            "aaa trigger --help",
        ),
        (
            vec![
                "trigger",
                "--payload",
                "body.json",
                "--count",
                "2",
                "--emulator",
                dead.as_str(),
            ],
            "--count",
            "aaa trigger --help",
        ),
        // The X Activity API commands: what they change, ids as X writes them, v2 only.
        (
            vec![
                "activity",
                "subscriptions",
                "update",
                "1",
                "--base-url",
                dead.as_str(),
            ],
            "--webhook",
            "aaa activity subscriptions update --help",
        ),
        (
            vec![
                "activity",
                "subscriptions",
                "delete",
                "1",
                "abc",
                "--base-url",
                dead.as_str(),
            ],
            "abc",
            "aaa activity subscriptions delete --help",
        ),
        (
            vec![
                "activity",
                "subscriptions",
                "list",
                "--api",
                "v1.1",
                "--base-url",
                dead.as_str(),
            ],
            "--api",
            "aaa activity subscriptions list --help",
        ),
        (
            vec![
                "webhooks",
                "list",
                "--allow-local-urls",
                "--base-url",
                dead.as_str(),
            ],
            "--allow-local-urls",
            "aaa webhooks list --help",
        ),
    ] {
        let o = run(&args, None, &[("AAA_BEARER_TOKEN", "")]);
        assert_one_line_failure(&o, 64, &[needle, help]);
    }
}

#[test]
fn help_never_shows_the_value_of_a_secret_variable() {
    let env = [
        ("AAA_CONSUMER_KEY", "VISIBLE-KEY-1"),
        ("AAA_CONSUMER_SECRET", "VISIBLE-SECRET-2"),
        ("AAA_ACCESS_TOKEN", "VISIBLE-TOKEN-3"),
        ("AAA_ACCESS_TOKEN_SECRET", "VISIBLE-SECRET-4"),
        ("AAA_BEARER_TOKEN", "VISIBLE-BEARER-5"),
    ];
    for args in [
        vec!["oauth1", "header", "--help"],
        vec!["oauth1", "curl", "--help"],
        vec!["webhooks", "--help"],
        vec!["subscriptions", "add", "--help"],
        vec!["replay", "--help"],
        vec!["crc", "--help"],
        vec!["signature", "sign", "--help"],
    ] {
        let o = run(&args, None, &env);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let text = stdout(&o);
        assert!(!text.contains("VISIBLE"), "{args:?}: {text}");
    }
}

#[test]
fn a_connection_failure_names_the_url_and_the_cause() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let o = aaa(&[
        "webhooks",
        "list",
        "--base-url",
        &dead,
        "--bearer-token",
        "t",
    ]);
    assert_one_line_failure(&o, 1, &[&dead, "refused"]);
    let o = aaa(&["trigger", "favorite", "--user", "1", "--emulator", &dead]);
    assert_one_line_failure(&o, 1, &[&dead, "refused"]);
    let o = aaa(&[
        "activity",
        "subscriptions",
        "list",
        "--base-url",
        &dead,
        "--bearer-token",
        "t",
    ]);
    assert_one_line_failure(&o, 1, &[&dead, "refused"]);
}

#[test]
fn subcommands_offer_no_flag_they_ignore() {
    for args in [
        vec!["subscriptions", "count", "--help"],
        vec!["webhooks", "list", "--help"],
        vec!["webhooks", "validate", "--help"],
        vec!["webhooks", "delete", "--help"],
    ] {
        let o = aaa(&args);
        assert!(
            !stdout(&o).contains("--allow-local-urls"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    let o = aaa(&["webhooks", "register", "--help"]);
    assert!(stdout(&o).contains("--allow-local-urls"), "{}", stdout(&o));
    // The X Activity API exists in v2 only: its commands offer no --api.
    for args in [
        vec!["activity", "subscriptions", "create", "--help"],
        vec!["activity", "subscriptions", "list", "--help"],
        vec!["activity", "stream", "--help"],
    ] {
        let o = aaa(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!stdout(&o).contains("--api"), "{args:?}: {}", stdout(&o));
    }
}

#[test]
fn trigger_help_lists_every_kind_the_emulator_makes() {
    let o = aaa(&["trigger", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for a in aaa_emulator::Activity::ALL {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(a.name())),
            "{} missing from: {text}",
            a.name()
        );
    }
}
