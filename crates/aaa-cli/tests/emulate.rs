//! `aaa emulate` as a real process: the summary line, a signed request, SIGTERM.

mod common;

use common::{request, spawn_emulate};

#[test]
fn emulate_prints_its_credentials_serves_requests_and_stops_on_sigterm() {
    let mut emu = spawn_emulate(&[]);
    let s = &emu.summary;
    assert!(emu.addr.ip().is_loopback() && emu.addr.port() != 0);
    assert_eq!(s["base_url"], format!("http://{}", emu.addr));
    let apps = s["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    for f in ["app_id", "consumer_key", "consumer_secret"] {
        assert!(!apps[0][f].as_str().unwrap().is_empty(), "{f}: {s}");
    }
    let users = s["users"].as_array().unwrap();
    assert!(!users.is_empty());
    for u in users {
        for f in [
            "user_id",
            "screen_name",
            "access_token",
            "access_token_secret",
        ] {
            assert!(!u[f].as_str().unwrap().is_empty(), "{f}: {s}");
        }
    }
    let owner = &apps[0]["owner"];
    let owner_user = users
        .iter()
        .find(|u| u["user_id"] == owner["user_id"])
        .expect("owner among users");
    assert_eq!(owner["access_token"], owner_user["access_token"]);
    assert_eq!(
        owner["access_token_secret"],
        owner_user["access_token_secret"]
    );

    // A bearer token from /oauth2/token, then the webhook list with it.
    let token = emu.token_reply();
    assert_eq!(token.status, 200, "{token:?}");
    let token = token.json();
    assert_eq!(token["token_type"], "bearer");
    let bearer = token["access_token"].as_str().unwrap();
    let list = request(
        emu.addr,
        "GET",
        "/2/webhooks",
        &[("authorization", &format!("Bearer {bearer}"))],
        b"",
    )
    .unwrap();
    assert_eq!(list.status, 200, "{list:?}");
    let list = list.json();
    assert_eq!(list["meta"]["result_count"], 0, "{list}");

    let status = emu.stop();
    assert_eq!(status.code(), Some(0), "stderr: {}", emu.stderr());
}

#[test]
fn emulate_refuses_an_unreadable_state_file_on_one_line() {
    let (code, out, err) = common::aaa(&[
        "emulate",
        "--listen",
        "127.0.0.1:0",
        "--state",
        "/nonexistent/aaa-state.toml",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("aaa: ") && err.contains("aaa-state.toml"),
        "{err}"
    );
}
