//! `aaa webhooks` against `aaa emulate` as a child process, with a loopback CRC responder as
//! the webhook URL.

mod common;

use common::{Emulate, aaa_env, crc_responder, spawn_emulate};

fn creds(emu: &Emulate) -> Vec<(&'static str, String)> {
    vec![
        ("AAA_CONSUMER_KEY", emu.app("consumer_key")),
        ("AAA_CONSUMER_SECRET", emu.app("consumer_secret")),
        ("AAA_ACCESS_TOKEN", emu.owner("access_token")),
        ("AAA_ACCESS_TOKEN_SECRET", emu.owner("access_token_secret")),
    ]
}

fn run(emu: &Emulate, api: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let base = emu.base_url();
    let mut all = vec!["webhooks"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--base-url", &base, "--api", api]);
    if args.first() == Some(&"register") {
        all.push("--allow-local-urls");
    }
    let env = creds(emu);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    aaa_env(&all, &env)
}

fn lifecycle(api: &str) {
    let mut emu = spawn_emulate(&[]);
    let url = crc_responder(emu.app("consumer_secret"));

    let (code, out, err) = run(&emu, api, &["register", &url, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let hook: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(hook["url"], url.as_str());
    let id = hook["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());

    let (code, out, err) = run(&emu, api, &["list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let list: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{out}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["url"], url.as_str());
    assert_eq!(list[0]["valid"], true);
    // One documented shape whichever API answered: {"id","url","valid","created_at"}, the time
    // as "2016-06-02T23:54:02Z".
    let mut keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "url", "valid"], "{out}");
    let created = list[0]["created_at"].as_str().unwrap();
    assert!(
        created.len() == 20 && created.ends_with('Z') && !created.contains('.'),
        "{out}"
    );

    let (code, out, err) = run(&emu, api, &["list"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("URL"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&id) && lines[1].ends_with(&url),
        "{out}"
    );

    let (code, out, err) = run(&emu, api, &["validate", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), format!("webhook {id}: valid"));
    let (code, out, err) = run(&emu, api, &["validate", &id, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v, serde_json::json!({"id": id, "valid": true}));

    let (code, out, err) = run(&emu, api, &["delete", &id, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v, serde_json::json!({"id": id, "deleted": true}));

    let (code, out, err) = run(&emu, api, &["list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "[]");

    // Deleting it again: X's error, on one line, exit 1.
    let (code, out, err) = run(&emu, api, &["delete", &id]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("aaa: ") && err.contains("code "), "{err}");

    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}

#[test]
fn webhooks_register_list_validate_delete_v2() {
    lifecycle("v2");
}

#[test]
fn webhooks_register_list_validate_delete_v1_1() {
    lifecycle("v1.1");
}

#[test]
fn webhooks_auth_failure_is_one_line_with_x_code_and_message() {
    let mut emu = spawn_emulate(&[]);
    let base = emu.base_url();
    let (code, out, err) = aaa_env(
        &[
            "webhooks",
            "list",
            "--base-url",
            &base,
            "--bearer-token",
            "AAAAnot-a-real-token",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("aaa: x refused the credentials"), "{err}");
    assert!(
        err.contains("http 401") && err.contains("Unauthorized"),
        "{err}"
    );

    // v1.1 with a wrong access token secret: X's code 32 and its message.
    let key = emu.app("consumer_key");
    let secret = emu.app("consumer_secret");
    let token = emu.owner("access_token");
    let (code, out, err) = aaa_env(
        &[
            "webhooks",
            "register",
            "https://example.com/hook",
            "--api",
            "v1.1",
            "--base-url",
            &base,
            "--consumer-key",
            &key,
            "--consumer-secret",
            &secret,
            "--access-token",
            &token,
            "--access-token-secret",
            "wrong",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("aaa: x refused the credentials (http 401, code 32): "),
        "{err}"
    );

    // A wrong consumer secret: the bearer token cannot be fetched.
    let (code, _, err) = aaa_env(
        &["webhooks", "list", "--base-url", &base],
        &[
            ("AAA_CONSUMER_KEY", key.as_str()),
            ("AAA_CONSUMER_SECRET", "wrong"),
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // No credentials at all: a usage error.
    let (code, _, err) = aaa_env(&["webhooks", "list", "--base-url", &base], &[]);
    assert_eq!(code, Some(64), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("missing credentials"), "{err}");

    // A non-https webhook URL without --allow-local-urls is refused before anything is sent.
    let (code, _, err) = aaa_env(
        &[
            "webhooks",
            "register",
            "http://127.0.0.1:9/hook",
            "--base-url",
            &base,
            "--bearer-token",
            "x",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("invalid webhook url"), "{err}");

    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}
