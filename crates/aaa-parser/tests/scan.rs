//! Envelope scan behaviour on small hand-written bodies.

use std::fmt::Write as _;

use aaa_model::EventKind;
use aaa_parser::{Format, Kind, ScanErrorKind, scan};

fn kinds(body: &str) -> Vec<String> {
    scan(body.as_bytes())
        .unwrap()
        .events()
        .map(|e| e.kind().to_string())
        .collect()
}

fn keys(body: &str) -> Vec<String> {
    scan(body.as_bytes())
        .unwrap()
        .events()
        .map(|e| e.key().to_string())
        .collect()
}

fn err(body: &[u8]) -> (ScanErrorKind, usize) {
    let e = scan(body).unwrap_err();
    (e.kind(), e.offset())
}

const USER_A: &str = r#"{"id":"111","screen_name":"a"}"#;
const USER_B: &str = r#"{"id":"222","screen_name":"b"}"#;

fn user_action(key: &str, ty: &str, ts: &str) -> String {
    format!(
        r#"{{"for_user_id":"111","{key}":[{{"type":"{ty}","created_timestamp":"{ts}","target":{USER_B},"source":{USER_A}}}]}}"#
    )
}

#[test]
fn finds_every_kind_with_its_key() {
    let body = r#"{
        "for_user_id": "111",
        "user_has_blocked": "false",
        "tweet_create_events": [{"id":5,"id_str":"5","text":"hi \"there\"","user":{"id":1}}],
        "favorite_events": [{"id":"0123456789abcdef0123456789abcdef","timestamp_ms":1}],
        "tweet_delete_events": [{"status":{"id":"9","user_id":"111"},"timestamp_ms":"77"}],
        "direct_message_events": [{"type":"message_create","id":"88","message_create":{}}],
        "direct_message_indicate_typing_events": [{"created_timestamp":"5","sender_id":"222","target":{"recipient_id":"111"}}],
        "direct_message_mark_read_events": [{"created_timestamp":"6","sender_id":"222","target":{"recipient_id":"111"},"last_read_event_id":"88"}],
        "users": {"222": {"id":"222"}},
        "apps": {"3": {"id":"3"}}
    }"#;
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(env.format(), Format::AccountActivity);
    assert_eq!(env.for_user_id(), Some("111"));
    assert_eq!(env.len(), 6);
    assert_eq!(env.users_raw(), Some(r#"{"222": {"id":"222"}}"#));
    assert_eq!(env.apps_raw(), Some(r#"{"3": {"id":"3"}}"#));
    assert_eq!(
        keys(body),
        [
            "tweet_create/111/5",
            "favorite/111/0123456789abcdef0123456789abcdef",
            "tweet_delete/111/9/77",
            "direct_message/111/88",
            "direct_message_indicate_typing/111/222/5",
            "direct_message_mark_read/111/222/6/88",
        ]
    );
    let first = env.get(0).unwrap();
    assert_eq!(
        first.raw(),
        r#"{"id":5,"id_str":"5","text":"hi \"there\"","user":{"id":1}}"#
    );
    assert_eq!(&body[first.range()], first.raw());
    assert_eq!(first.kind(), Kind::Known(EventKind::TweetCreate));
}

#[test]
fn unfollow_unblock_unmute_in_both_forms_are_the_same_event() {
    for (family, neg) in [
        ("follow", "unfollow"),
        ("block", "unblock"),
        ("mute", "unmute"),
    ] {
        let inside = user_action(&format!("{family}_events"), neg, "1586216162049");
        let own = user_action(&format!("{neg}_events"), neg, "1586216162049");
        assert_eq!(kinds(&inside), [neg]);
        assert_eq!(kinds(&own), [neg]);
        assert_eq!(keys(&inside), keys(&own));
        assert_eq!(keys(&own), [format!("{neg}/111/111/222/1586216162049")]);
        let positive = user_action(&format!("{family}_events"), family, "1586216162049");
        assert_eq!(kinds(&positive), [family]);
        assert_ne!(keys(&positive), keys(&own));
    }
}

#[test]
fn follow_events_differ_by_time_and_by_target() {
    let a = keys(&user_action("follow_events", "follow", "1"));
    let b = keys(&user_action("follow_events", "follow", "2"));
    assert_ne!(a, b);
    let swapped = r#"{"for_user_id":"111","follow_events":[{"type":"follow","created_timestamp":"1","target":{"id":"111"},"source":{"id":"222"}}]}"#;
    assert_ne!(keys(swapped), a);
}

#[test]
fn favorites_without_id_use_user_status_and_time() {
    let body = r#"{"for_user_id":"228","favorite_events":[{"created_at":"Mon Sep 03 01:24:41 +0000 2018","timestamp_ms":1535937881233,"favorited_status":{"id":1036136664609898496,"user":{"id":228}},"user":{"id":14255640,"id_str":"14255640"}}]}"#;
    assert_eq!(
        keys(body),
        ["favorite/228/14255640/1036136664609898496/1535937881233"]
    );
}

#[test]
fn revoke_and_replay_status_are_single_objects() {
    let body = r#"{"user_event":{"revoke":{"date_time":"2018-05-24T09:48:12+00:00","target":{"app_id":"13090192"},"source":{"user_id":"63046977"}}}}"#;
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(env.for_user_id(), None);
    assert_eq!(
        keys(body),
        ["user_revoke/-/63046977/13090192/2018-05-24T09:48:12+00:00"]
    );
    let body = r#"{"replay_job_status":{"webhook_id":"1","job_state":"Complete","job_state_description":"ok","job_id":"2"}}"#;
    assert_eq!(keys(body), ["replay_job_status/-/1/2/Complete"]);
}

#[test]
fn x_activity_api_deliveries_are_recognised() {
    let body = r#"{"data":{"event_uuid":"2080761390344937796","filter":{"user_id":"42"},"event_type":"post.create","tag":"t","payload":{"id":"1"}}}"#;
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(env.format(), Format::XActivity);
    assert_eq!(env.for_user_id(), Some("42"));
    assert_eq!(kinds(body), ["post.create"]);
    assert_eq!(keys(body), ["post.create/42/2080761390344937796"]);
    assert!(env.get(0).unwrap().raw().starts_with(r#"{"event_uuid""#));
    // A `data` member without an event_type is not an activity delivery.
    assert_eq!(err(br#"{"data":{"x":1}}"#).0, ScanErrorKind::NotAnEnvelope);
}

#[test]
fn unknown_kinds_pass_through() {
    let body = r#"{"for_user_id":"1","list_member_events":[{"id":"5"},{"x":1},3],"tweet_create_events":[]}"#;
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(
        kinds(body),
        ["unknown:list_member_events", "unknown:list_member_events"]
    );
    let keys = keys(body);
    assert_eq!(keys[0], "unknown:list_member_events/1/5");
    assert!(
        keys[1].starts_with("unknown:list_member_events/1/#"),
        "{}",
        keys[1]
    );
    assert!(env.get(1).unwrap().key().is_hashed());
    // Metadata that is not an event key is ignored.
    assert_eq!(
        kinds(r#"{"for_user_id":"1","event_type":"x","created_at":"y","tweet_create_events":[]}"#),
        Vec::<String>::new()
    );
}

#[test]
fn keys_are_scoped_to_the_user_and_can_be_unscoped() {
    let a = r#"{"for_user_id":"1","direct_message_events":[{"id":"9"}]}"#;
    let b = r#"{"for_user_id":"2","direct_message_events":[{"id":"9"}]}"#;
    let (ea, eb) = (scan(a.as_bytes()).unwrap(), scan(b.as_bytes()).unwrap());
    let (ka, kb) = (ea.get(0).unwrap().key(), eb.get(0).unwrap().key());
    assert_ne!(ka.to_string(), kb.to_string());
    assert_eq!(ka.unscoped().to_string(), kb.unscoped().to_string());
    assert_eq!(ka.unscoped().to_string(), "direct_message/-/9");
}

#[test]
fn separators_in_ids_cannot_forge_keys() {
    let a = r#"{"for_user_id":"1","direct_message_indicate_typing_events":[{"sender_id":"2/3","created_timestamp":"4"}]}"#;
    let b = r#"{"for_user_id":"1","direct_message_indicate_typing_events":[{"sender_id":"2","created_timestamp":"3/4"}]}"#;
    let (ka, kb) = (keys(a), keys(b));
    assert_ne!(ka, kb);
    assert!(ka[0].contains("/~"), "{}", ka[0]);
}

#[test]
fn many_events_spill_past_the_inline_capacity() {
    let events: Vec<String> = (0..200).map(|i| format!(r#"{{"id_str":"{i}"}}"#)).collect();
    let body = format!(
        r#"{{"for_user_id":"1","tweet_create_events":[{}]}}"#,
        events.join(",")
    );
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(env.len(), 200);
    assert_eq!(env.events().len(), 200);
    assert_eq!(
        env.get(199).unwrap().key().to_string(),
        "tweet_create/1/199"
    );
    assert!(env.get(200).is_none());
}

#[test]
fn bad_bodies_get_a_kind_and_an_offset() {
    use ScanErrorKind as K;
    assert_eq!(err(b""), (K::UnexpectedEnd, 0));
    assert_eq!(err(b"   "), (K::UnexpectedEnd, 3));
    assert_eq!(err(b"[1,2]"), (K::NotAnObject, 0));
    assert_eq!(err(b"[1,2"), (K::UnexpectedEnd, 4));
    assert_eq!(err(b"\"x\""), (K::NotAnObject, 0));
    assert_eq!(err(b"{}"), (K::NotAnEnvelope, 0));
    assert_eq!(err(br#"{"for_user_id":"1"}"#), (K::NotAnEnvelope, 0));
    assert_eq!(
        err(br#"{"tweet_create_events":[]} x"#),
        (K::TrailingCharacters, 27)
    );
    assert_eq!(err(b"\xef\xbb\xbf{}"), (K::UnexpectedByte, 0));
    assert_eq!(err(b"{\"a\xff\":1}"), (K::InvalidUtf8, 3));
    assert_eq!(
        err(br#"{"for_user_id":"1","for_user_id":"2","tweet_create_events":[]}"#),
        (K::DuplicateKey, 19)
    );
    assert_eq!(
        err(br#"{"tweet_create_events":[1]}"#),
        (K::EventNotObject, 24)
    );
    assert_eq!(
        err(br#"{"tweet_create_events":{}}"#),
        (K::WrongEventShape, 23)
    );
    assert_eq!(err(br#"{"user_event":[]}"#), (K::WrongEventShape, 14));
    assert_eq!(
        err(br#"{"for_user_id":[],"tweet_create_events":[]}"#),
        (K::InvalidForUserId, 15)
    );
    assert_eq!(
        err(br#"{"tweet_create_events":[{"a":012}]}"#),
        (K::UnexpectedByte, 30)
    );
    assert_eq!(
        err(br#"{"tweet_create_events":[{"a":NaN}]}"#).0,
        K::UnexpectedByte
    );
    let deep = format!(
        r#"{{"tweet_create_events":[{{"a":{}}}]}}"#,
        "[".repeat(10_000)
    );
    assert_eq!(err(deep.as_bytes()).0, K::TooDeep);
    let many = (0..40)
        .map(|i| format!(r#""k{i}":1,"#))
        .collect::<Vec<_>>()
        .concat();
    assert_eq!(
        err(format!("{{{many}\"tweet_create_events\":[]}}").as_bytes()).0,
        K::TooManyKeys
    );
    let e = scan(b"{\"tweet_create_events\":[{\"t\":\"a\x01\"}]}").unwrap_err();
    assert_eq!(e.to_string(), "raw control character in string at byte 31");
    assert!(e.kind().is_syntax());
    assert!(!ScanErrorKind::NotAnEnvelope.is_syntax());
}

#[test]
fn fixture_payloads_scan_and_invalid_fixtures_do_not() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut ok = 0;
    for entry in walk(&root.join("payloads")) {
        let body = std::fs::read(&entry).unwrap();
        let env = scan(&body).unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
        assert!(!env.is_empty(), "{}", entry.display());
        ok += 1;
    }
    let mut bad = 0;
    for entry in walk(&root.join("invalid")) {
        if entry.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let body = std::fs::read(&entry).unwrap();
        assert!(scan(&body).is_err(), "{} was accepted", entry.display());
        bad += 1;
    }
    assert!(
        ok >= 30 && bad >= 15,
        "too few fixtures: {ok} payloads, {bad} invalid"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn escaped_envelope_keys_mean_what_json_says() {
    let body = r#"{"for_user_i\u0064":"1","tweet\u005fcreate_events":[{"id_str":"5"}]}"#;
    let env = scan(body.as_bytes()).unwrap();
    assert_eq!(env.for_user_id(), Some("1"));
    assert_eq!(keys(body), ["tweet_create/1/5"]);
    let dup = br#"{"for_user_id":"1","for_user_i\u0064":"2","tweet_create_events":[]}"#;
    assert_eq!(err(dup).0, ScanErrorKind::DuplicateKey);
}

/// The body without whitespace between tokens (members keep their order), as a compact
/// re-serialization writes it.
fn compact(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in body.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c.is_ascii_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

#[test]
fn activity_keys_hold_the_event_uuid_and_the_filter_user() {
    let body = r#"{"data":{"event_uuid":"-8917909039855612786","filter":{"user_id":"42"},
        "event_type":"profile.update.bio","payload":{"before":"a","after":"b"}}}"#;
    assert_eq!(keys(body), ["profile.update.bio/42/-8917909039855612786"]);
    // The same event laid out differently has the same key.
    assert_eq!(keys(&compact(body)), keys(body));
    // A UUID-shaped event_uuid and an empty filter (oauth.revoke).
    let body = r#"{"data":{"event_uuid":"0f52b591-4b7e-4f13-92cd-30e6b2a3f18a","filter":{},
        "event_type":"oauth.revoke","payload":{"user_id":"7","app_id":"9"}}}"#;
    assert_eq!(
        keys(body),
        ["oauth.revoke/-/0f52b591-4b7e-4f13-92cd-30e6b2a3f18a"]
    );
}

#[test]
fn the_deprecated_chat_join_name_gets_the_canonical_kind_and_key() {
    let old = r#"{"data":{"event_uuid":"77","filter":{"user_id":"5"},
        "event_type":"chat.conversation_join","payload":{}}}"#;
    let new = old.replace("conversation_join", "conversation.join");
    assert_eq!(kinds(old), ["chat.conversation.join"]);
    assert_eq!(keys(old), keys(&new));
    assert_eq!(keys(old), ["chat.conversation.join/5/77"]);
}

#[test]
fn activity_keys_without_event_uuid_survive_reserialisation() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/payloads");
    let pretty = std::fs::read_to_string(
        root.join("activity/profile.update.bio__no_event_uuid.pretty.json"),
    )
    .unwrap();
    let env = scan(pretty.as_bytes()).unwrap();
    let event = env.events().next().unwrap();
    assert!(event.key().is_hashed());
    let key = event.key().to_string();
    assert!(key.starts_with("profile.update.bio/"), "{key}");
    // Compact, with non-ASCII escaped as \uXXXX, or with members reordered: the same key.
    let compacted = compact(&pretty);
    let mut escaped = String::new();
    for c in compacted.chars() {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                let _ = write!(escaped, "\\u{u:04x}");
            }
        }
    }
    // Members sorted by key, as serde_json's `Value` writes them.
    let sorted = serde_json::from_str::<serde_json::Value>(&pretty)
        .unwrap()
        .to_string();
    for variant in [&compacted, &escaped, &sorted] {
        assert_ne!(variant, &pretty);
        assert_eq!(keys(variant), std::slice::from_ref(&key), "{variant}");
    }
    // A changed value is another event.
    let changed = pretty.replace("Type designer.\"", "Type designer!\"");
    assert_ne!(changed, pretty);
    assert_ne!(keys(&changed), [key]);
}
