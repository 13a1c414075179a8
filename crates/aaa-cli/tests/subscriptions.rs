//! `aaa subscriptions` against `aaa emulate` as a child process.

mod common;

use common::{Emulate, aaa_env, crc_responder, spawn_emulate};

fn app_env(emu: &Emulate) -> Vec<(&'static str, String)> {
    vec![
        ("AAA_CONSUMER_KEY", emu.app("consumer_key")),
        ("AAA_CONSUMER_SECRET", emu.app("consumer_secret")),
    ]
}

/// `aaa ARGS --base-url B --api API --json` with the app's key and secret in the environment and
/// `user`'s token (index into `users`) as flags when given.
fn run(
    emu: &Emulate,
    api: &str,
    user: Option<usize>,
    args: &[&str],
) -> (Option<i32>, String, String) {
    let base = emu.base_url();
    let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    all.extend(["--base-url".into(), base, "--api".into(), api.into()]);
    if let Some(i) = user {
        let u = &emu.summary["users"][i];
        all.extend([
            "--access-token".into(),
            u["access_token"].as_str().unwrap().to_owned(),
            "--access-token-secret".into(),
            u["access_token_secret"].as_str().unwrap().to_owned(),
        ]);
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let env = app_env(emu);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    aaa_env(&all, &env)
}

fn ok_json(r: (Option<i32>, String, String)) -> serde_json::Value {
    let (code, out, err) = r;
    assert_eq!(code, Some(0), "{out}{err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn user_ids(list: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = list["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match &s["user_id"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    ids.sort();
    ids
}

fn lifecycle(api: &str) {
    let mut emu = spawn_emulate(&[]);
    let url = crc_responder(emu.app("consumer_secret"));
    let hook = ok_json(run(
        &emu,
        api,
        Some(0),
        &["webhooks", "register", &url, "--allow-local-urls", "--json"],
    ));
    let id = hook["id"].as_str().unwrap().to_owned();
    let u0 = emu.summary["users"][0]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let u1 = emu.summary["users"][1]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let check = ok_json(run(
        &emu,
        api,
        Some(1),
        &["subscriptions", "check", "--webhook", &id, "--json"],
    ));
    assert_eq!(check["subscribed"], false, "{check}");

    for user in [0, 1] {
        let added = ok_json(run(
            &emu,
            api,
            Some(user),
            &["subscriptions", "add", "--webhook", &id, "--json"],
        ));
        assert_eq!(
            added,
            serde_json::json!({"webhook_id": id, "subscribed": true})
        );
    }
    let (code, out, err) = run(
        &emu,
        api,
        Some(1),
        &["subscriptions", "check", "--webhook", &id],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "subscribed");

    let count = ok_json(run(&emu, api, None, &["subscriptions", "count", "--json"]));
    let n = count["subscriptions_count_all"]
        .as_u64()
        .or(count["subscriptions_count"].as_u64());
    assert_eq!(n, Some(2), "{count}");

    let list = ok_json(run(
        &emu,
        api,
        None,
        &["subscriptions", "list", "--webhook", &id, "--json"],
    ));
    let mut want = vec![u0.clone(), u1.clone()];
    want.sort();
    assert_eq!(user_ids(&list), want, "{list}");
    let (code, out, err) = run(
        &emu,
        api,
        None,
        &["subscriptions", "list", "--webhook", &id],
    );
    assert_eq!(code, Some(0), "{err}");
    let mut lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.remove(0), "USER_ID");
    lines.sort_unstable();
    assert_eq!(lines, want);

    // The app removes user 1.
    let removed = ok_json(run(
        &emu,
        api,
        None,
        &[
            "subscriptions",
            "remove",
            "--webhook",
            &id,
            "--user",
            &u1,
            "--json",
        ],
    ));
    assert_eq!(removed["subscribed"], false);
    let check = ok_json(run(
        &emu,
        api,
        Some(1),
        &["subscriptions", "check", "--webhook", &id, "--json"],
    ));
    assert_eq!(check["subscribed"], false, "{check}");

    // User 0 removes itself: v1.1 only.
    let r = run(
        &emu,
        api,
        Some(0),
        &["subscriptions", "remove", "--webhook", &id],
    );
    if api == "v1.1" {
        assert_eq!(r.0, Some(0), "{r:?}");
        assert_eq!(r.1.trim(), format!("unsubscribed from webhook {id}"));
        let list = ok_json(run(
            &emu,
            api,
            None,
            &["subscriptions", "list", "--webhook", &id, "--json"],
        ));
        assert!(user_ids(&list).is_empty(), "{list}");
    } else {
        // A usage mistake: v2 has no "remove me"; it says what to give instead.
        assert_eq!(r.0, Some(64), "{r:?}");
        assert_eq!(r.2.lines().count(), 1, "{r:?}");
        assert!(
            r.2.contains("--user USER_ID") && r.2.contains("aaa subscriptions remove --help"),
            "{r:?}"
        );
    }

    // A subscription to a webhook that does not exist: X's error on one line.
    let (code, out, err) = run(
        &emu,
        api,
        Some(0),
        &["subscriptions", "add", "--webhook", "1"],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("aaa: "), "{err}");

    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}

#[test]
fn subscriptions_add_check_count_list_remove_v2() {
    lifecycle("v2");
}

#[test]
fn subscriptions_add_check_count_list_remove_v1_1() {
    lifecycle("v1.1");
}

#[test]
fn check_of_a_webhook_that_does_not_exist_is_xs_error_in_both_versions() {
    let emu = spawn_emulate(&[]);
    for api in ["v1.1", "v2"] {
        let (code, out, err) = run(
            &emu,
            api,
            Some(1),
            &["subscriptions", "check", "--webhook", "404404"],
        );
        assert_eq!(code, Some(1), "{api}: {out}{err}");
        assert!(out.is_empty(), "{api}: {out}");
        assert_eq!(err.lines().count(), 1, "{api}: {err}");
        assert!(
            err.contains("code 34") && err.contains("Webhook does not exist"),
            "{api}: {err}"
        );
    }
}
