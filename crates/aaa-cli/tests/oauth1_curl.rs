//! `aaa oauth1 curl`: the printed command is split by a real shell (with `curl` replaced by a
//! function that prints its arguments), its header checked with aaa-crypto's verifier, and its
//! request sent to `aaa emulate`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use aaa_crypto::oauth1::{
    AuthorizationHeader, Request, form_decode, percent_encode, verify_request,
};
use aaa_crypto::{ConsumerSecret, TokenSecret};
use common::{TempDir, crc_responder, parse_reply, spawn_emulate};

/// Runs `aaa oauth1 curl ARGS` with no `AAA_*` variable and an empty config home.
fn curl_command(args: &[&str]) -> (Option<i32>, String, String) {
    let home = TempDir::new("curl-home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aaa"));
    cmd.args(["oauth1", "curl"])
        .args(args)
        .env("XDG_CONFIG_HOME", home.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("AAA_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().expect("run aaa");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The words `sh` makes of `command` when `curl` is a function printing its arguments.
fn shell_words(command: &str) -> Vec<String> {
    let script =
        format!("curl() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{command}");
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("HOME", "/home/should-not-expand")
        .output()
        .expect("run sh");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words: Vec<String> = text.split('\0').map(str::to_owned).collect();
    assert_eq!(words.pop().as_deref(), Some(""));
    words
}

fn header_of(words: &[String]) -> AuthorizationHeader {
    let value = words
        .iter()
        .find_map(|w| w.strip_prefix("Authorization: "))
        .expect("an Authorization header");
    AuthorizationHeader::parse(value).unwrap()
}

const AWKWARD: &str = "it's \"quoted\" $HOME `id` \\ ! & = + % é\nsecond line";

#[test]
fn form_fields_are_signed_and_survive_the_shell() {
    let url = "https://api.x.com/1.1/account_activity/webhooks.json?x=1&y=it's";
    let field = format!("status={AWKWARD}");
    let (code, out, err) = curl_command(&[
        "post",
        url,
        "--data",
        &field,
        "--data",
        "empty=",
        "--consumer-key",
        "key",
        "--consumer-secret",
        "consumer-secret",
        "--token",
        "tok",
        "--token-secret",
        "token-secret",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("consumer-secret") && !out.contains("token-secret"));
    let words = shell_words(out.trim_end());
    assert_eq!(words[..3], ["-X", "POST", url], "{words:?}");
    assert_eq!(words[3], "-H");
    assert_eq!(
        words[5..7],
        ["-H", "Content-Type: application/x-www-form-urlencoded"]
    );
    assert_eq!(words[7], "--data-raw");
    assert_eq!(words.len(), 9, "{words:?}");
    let body = &words[8];
    assert_eq!(
        form_decode(body).unwrap(),
        [
            ("status".to_owned(), AWKWARD.to_owned()),
            ("empty".to_owned(), String::new())
        ]
    );
    let header = header_of(&words);
    let req = Request::new("POST", url).form(body.as_str());
    verify_request(
        &req,
        &header,
        &ConsumerSecret::new("consumer-secret"),
        Some(&TokenSecret::new("token-secret")),
    )
    .unwrap();
    // The form parameters are part of what was signed.
    let unsigned = Request::new("POST", url);
    assert!(
        verify_request(
            &unsigned,
            &header,
            &ConsumerSecret::new("consumer-secret"),
            Some(&TokenSecret::new("token-secret")),
        )
        .is_err()
    );
}

#[test]
fn json_bodies_are_sent_but_not_signed() {
    let url = "https://api.x.com/2/webhooks";
    let json = format!("{{\"url\":{}}}", serde_json::to_string(AWKWARD).unwrap());
    let (code, out, err) = curl_command(&[
        "POST",
        url,
        "--json",
        &json,
        "--consumer-key",
        "key",
        "--consumer-secret",
        "s",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let words = shell_words(out.trim_end());
    assert_eq!(
        words[5..],
        [
            "-H".to_owned(),
            "Content-Type: application/json".to_owned(),
            "--data-raw".to_owned(),
            json
        ]
    );
    let header = header_of(&words);
    assert_eq!(header.token(), None);
    verify_request(
        &Request::new("POST", url),
        &header,
        &ConsumerSecret::new("s"),
        None,
    )
    .unwrap();

    // Bad input: one line each.
    for (args, code, needle) in [
        (
            vec![
                "POST",
                url,
                "--json",
                "{not json",
                "--consumer-key",
                "k",
                "--consumer-secret",
                "s",
            ],
            1,
            "not valid JSON",
        ),
        (
            vec![
                "POST",
                url,
                "--data",
                "novalue",
                "--consumer-key",
                "k",
                "--consumer-secret",
                "s",
            ],
            1,
            "NAME=VALUE",
        ),
        (
            vec![
                "POST",
                url,
                "--data",
                "a=b",
                "--json",
                "{}",
                "--consumer-key",
                "k",
                "--consumer-secret",
                "s",
            ],
            64,
            "--json",
        ),
        (vec!["GET", url], 64, "missing credentials"),
    ] {
        let (got, out, err) = curl_command(&args);
        assert_eq!(got, Some(code), "{args:?}: {out}{err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn the_printed_request_is_accepted_by_the_emulator() {
    let mut emu = spawn_emulate(&[]);
    let hook = crc_responder(emu.app("consumer_secret"));
    let url = format!(
        "{}/1.1/account_activity/webhooks.json?url={}",
        emu.base_url(),
        percent_encode(&hook)
    );
    let run = |secret: &str| {
        let (code, out, err) = curl_command(&[
            "POST",
            &url,
            "--consumer-key",
            &emu.app("consumer_key"),
            "--consumer-secret",
            secret,
            "--token",
            &emu.owner("access_token"),
            "--token-secret",
            &emu.owner("access_token_secret"),
        ]);
        assert_eq!(code, Some(0), "{err}");
        let words = shell_words(out.trim_end());
        assert_eq!(words[..3], ["-X", "POST", url.as_str()]);
        let authorization = words[4].strip_prefix("Authorization: ").unwrap().to_owned();
        let target = url.strip_prefix(&emu.base_url()).unwrap();
        // The request as curl sends it: its Host is the URL's authority, which is signed.
        let mut stream = TcpStream::connect(emu.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "POST {target} HTTP/1.1\r\nhost: {}\r\nauthorization: {authorization}\r\n\
             content-length: 0\r\nconnection: close\r\n\r\n",
            emu.addr
        )
        .unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).unwrap();
        parse_reply(&buf).unwrap()
    };
    let wrong = run("not-the-consumer-secret");
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let ok = run(&emu.app("consumer_secret"));
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.json()["url"], hook.as_str());
    assert_eq!(emu.stop().code(), Some(0), "{}", emu.stderr());
}
