//! `aaa activity subscriptions` and `aaa trigger` of X Activity API event types against
//! `aaa emulate` as a child process.

mod common;

use common::{Emulate, aaa_env, spawn_emulate};

/// `aaa activity subscriptions ARGS --base-url B` with the app's key and secret in the
/// environment.
fn run(emu: &Emulate, args: &[&str], extra_env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let base = emu.base_url();
    let mut all = vec!["activity", "subscriptions"];
    all.extend_from_slice(args);
    all.extend(["--base-url", base.as_str()]);
    let (ck, cs) = (emu.app("consumer_key"), emu.app("consumer_secret"));
    let mut env = vec![
        ("AAA_CONSUMER_KEY", ck.as_str()),
        ("AAA_CONSUMER_SECRET", cs.as_str()),
    ];
    env.extend_from_slice(extra_env);
    aaa_env(&all, &env)
}

fn ok(r: (Option<i32>, String, String)) -> String {
    let (code, out, err) = r;
    assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    out
}

fn json(r: (Option<i32>, String, String)) -> serde_json::Value {
    let out = ok(r);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn user(emu: &Emulate, i: usize) -> String {
    emu.summary["users"][i]["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn create_list_update_and_delete_subscriptions() {
    let emu = spawn_emulate(&["--users", "2"]);
    let alice = user(&emu, 0);
    let bob = user(&emu, 1);

    // Created with the app's bearer token (fetched with the key and secret).
    let made = json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "profile.update.bio",
            "--user",
            &alice,
            "--tag",
            "bios",
            "--json",
        ],
        &[],
    ));
    assert_eq!(made["event_type"], "profile.update.bio");
    assert_eq!(made["filter"]["user_id"], alice.as_str());
    assert_eq!(made["tag"], "bios");
    let first = made["subscription_id"].as_str().unwrap().to_owned();

    // A private type: refused with the bearer token, created with the user's OAuth 2.0 token
    // or with OAuth 1.0a as that user.
    let (code, out, err) = run(
        &emu,
        &[
            "create",
            "--event-type",
            "like.create",
            "--user",
            &alice,
            "--direction",
            "outbound",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("private event"), "{err}");
    let token = emu.summary["apps"][0]["oauth2_user_tokens"][&alice]
        .as_str()
        .unwrap()
        .to_owned();
    let like = json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "like.create",
            "--user",
            &alice,
            "--direction",
            "sent",
            "--json",
        ],
        &[("AAA_OAUTH2_USER_TOKEN", &token)],
    ));
    assert_eq!(like["filter"]["direction"], "outbound");
    let bob_token = emu.summary["users"][1]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob_secret = emu.summary["users"][1]["access_token_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let dm = json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "dm.received",
            "--user",
            &bob,
            "--as-user",
            "--json",
            "--access-token",
            &bob_token,
            "--access-token-secret",
            &bob_secret,
        ],
        &[],
    ));
    assert_eq!(dm["event_type"], "dm.received");
    // A keyword subscription and the deprecated name.
    json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "news.new",
            "--keyword",
            "ferry",
            "--json",
        ],
        &[],
    ));
    let join = json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "chat.conversation_join",
            "--user",
            &bob,
            "--as-user",
            "--json",
            "--access-token",
            &bob_token,
            "--access-token-secret",
            &bob_secret,
        ],
        &[],
    ));
    assert_eq!(join["event_type"], "chat.conversation.join");

    // List: every page, as a table or JSON.
    let list = json(run(&emu, &["list", "--max-results", "2", "--json"], &[]));
    assert_eq!(list.as_array().unwrap().len(), 5);
    let table = ok(run(&emu, &["list"], &[]));
    assert!(table.starts_with("ID  "), "{table}");
    assert!(
        table.contains(&format!("user {alice}, outbound")),
        "{table}"
    );
    assert!(table.contains("keyword ferry"), "{table}");
    assert_eq!(table.lines().count(), 6);

    // Update the tag.
    let updated = json(run(
        &emu,
        &["update", &first, "--tag", "new tag", "--json"],
        &[],
    ));
    assert_eq!(updated["tag"], "new tag");

    // Delete one, then several at once (the bulk endpoint), one of them unknown.
    let (_, out, _) = run(&emu, &["delete", &first], &[]);
    assert_eq!(out.trim(), format!("subscription {first} deleted"));
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscription_id"].as_str().unwrap().to_owned())
        .filter(|id| *id != first)
        .collect();
    let mut args = vec!["delete", "--json"];
    args.extend(ids.iter().map(String::as_str));
    args.push(&first);
    let (code, out, err) = run(&emu, &args, &[]);
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines.iter().filter(|l| l["deleted"] == true).count(), 4);
    let failed = lines.iter().find(|l| l["deleted"] == false).unwrap();
    assert_eq!(failed["subscription_id"], first.as_str());
    assert_eq!(failed["reason"], "not_found");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "1 of 5 subscriptions not deleted: {first} (not_found"
        )),
        "{err}"
    );
    assert_eq!(
        json(run(&emu, &["list", "--json"], &[])),
        serde_json::json!([])
    );
}

#[test]
fn usage_mistakes_exit_64() {
    let emu = spawn_emulate(&[]);
    for args in [
        vec!["create", "--event-type", "tweet_create", "--user", "1"],
        vec!["create", "--event-type", "post.create"],
        vec![
            "create",
            "--event-type",
            "like.create",
            "--user",
            "1",
            "--direction",
            "up",
        ],
        vec!["update", "1"],
        vec!["delete"],
        vec!["list", "--max-results", "0"],
    ] {
        let (code, out, err) = run(&emu, &args, &[]);
        assert_eq!(code, Some(64), "{args:?}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn trigger_delivers_xaa_event_types() {
    let emu = spawn_emulate(&["--users", "1"]);
    let alice = user(&emu, 0);
    json(run(
        &emu,
        &[
            "create",
            "--event-type",
            "post.create",
            "--user",
            &alice,
            "--json",
        ],
        &[],
    ));
    let base = emu.base_url();
    let (code, out, err) = aaa_env(
        &[
            "trigger",
            "post.create",
            "--user",
            &alice,
            "--count",
            "2",
            "--emulator",
            &base,
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "2 post.create for user {alice} -> 1 subscription(s)"
        )),
        "{out}"
    );
    let (code, out, _) = aaa_env(
        &[
            "trigger",
            "post.create",
            "--user",
            &alice,
            "--emulator",
            &base,
            "--json",
        ],
        &[],
    );
    assert_eq!(code, Some(0));
    let answer: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["events"], 1);
    // Not subscribed, unknown type, news without a keyword: one line and a failure.
    for args in [
        vec!["trigger", "dm.received", "--user", alice.as_str()],
        vec!["trigger", "post.nope", "--user", alice.as_str()],
        vec!["trigger", "news.new"],
    ] {
        let mut all = args.clone();
        all.extend(["--emulator", base.as_str()]);
        let (code, out, err) = aaa_env(&all, &[]);
        assert_ne!(code, Some(0), "{args:?}: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// A loopback server that answers every request with HTTP 200 and `body`, for answers the
/// emulator never gives; its base URL.
fn canned(body: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// X's bulk delete reports each id; one answered `"deleted": false` was not deleted, however
/// it is reported, and the command says so and exits 1.
#[test]
fn a_bulk_delete_answered_deleted_false_is_a_failure() {
    let base = canned(
        r#"{"data":[{"subscription_id":"11","deleted":true},{"subscription_id":"12","deleted":false}],"meta":{"total_subscriptions":1}}"#,
    );
    let (code, out, err) = aaa_env(
        &[
            "activity",
            "subscriptions",
            "delete",
            "11",
            "12",
            "--base-url",
            &base,
            "--bearer-token",
            "t",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("subscription 11 deleted"), "{out}");
    assert!(!out.contains("subscription 12 deleted"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("1 of 2") && err.contains("12"), "{err}");
}
