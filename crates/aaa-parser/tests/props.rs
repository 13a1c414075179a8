//! Property tests: the scan agrees with serde_json, never panics, and keys are stable.

use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[\\u{0}-\\u{3f}\"\\\\é😀]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn envelope(events: Vec<Value>, user: &str) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("for_user_id".into(), Value::String(user.into()));
    m.insert(
        "tweet_create_events".into(),
        Value::Array(
            events
                .into_iter()
                .map(|v| serde_json::json!({"payload": v, "id_str": "7"}))
                .collect(),
        ),
    );
    Value::Object(m)
}

/// Whether `err` is one of the documented differences from serde_json.
fn documented_difference(body: &[u8], err: &aaa_parser::ScanError) -> bool {
    use aaa_parser::ScanErrorKind as K;
    matches!(err.kind(), K::TooDeep | K::NumberOutOfRange)
        || serde_json::from_slice::<Value>(body).is_err()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn valid_envelopes_scan_in_any_layout(events in prop::collection::vec(json_value(), 0..5), user in "[0-9]{1,19}") {
        let v = envelope(events.clone(), &user);
        for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
            let env = aaa_parser::scan(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(env.len(), events.len());
            prop_assert_eq!(env.for_user_id(), Some(user.as_str()));
            for e in &env {
                let raw: Value = serde_json::from_str(e.raw()).unwrap();
                prop_assert_eq!(raw["id_str"].as_str(), Some("7"));
                prop_assert_eq!(e.key().to_string(), format!("tweet_create/{user}/7"));
            }
        }
    }

    #[test]
    fn never_panics_and_offsets_are_in_bounds(body in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = aaa_parser::scan(&body) {
            prop_assert!(e.offset() <= body.len());
        }
    }

    #[test]
    fn mutated_bodies_agree_with_serde_json(events in prop::collection::vec(json_value(), 1..3), at in any::<prop::sample::Index>(), byte in prop::sample::select(b"{}[]\",:\\ 0e-.tfnu\x01\xff".to_vec()), delete in any::<bool>()) {
        let mut body = serde_json::to_vec(&envelope(events, "1")).unwrap();
        let i = at.index(body.len());
        if delete { body.remove(i); } else { body.insert(i, byte); }
        let ours = aaa_parser::scan(&body);
        let theirs = serde_json::from_slice::<Value>(&body);
        match (&ours, &theirs) {
            (Ok(_), Err(e)) => prop_assert!(false, "scan accepted what serde_json rejects ({e}): {}", String::from_utf8_lossy(&body)),
            (Err(e), Ok(_)) if e.kind().is_syntax() => {
                prop_assert!(documented_difference(&body, e), "scan rejected valid json ({e}): {}", String::from_utf8_lossy(&body));
            }
            _ => {}
        }
    }

    #[test]
    fn user_action_keys_are_stable_and_distinct(src in "[1-9][0-9]{0,18}", dst in "[1-9][0-9]{0,18}", ts in "[1-9][0-9]{12}", other_ts in "[1-9][0-9]{12}") {
        let make = |ts: &str, pretty: bool| {
            let v = serde_json::json!({
                "for_user_id": src,
                "follow_events": [{"type": "follow", "created_timestamp": ts, "source": {"id": src, "name": "x"}, "target": {"id": dst}}],
            });
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
            let env = aaa_parser::scan(text.as_bytes()).unwrap();
            env.get(0).unwrap().key().to_string()
        };
        prop_assert_eq!(make(&ts, false), make(&ts, true));
        prop_assert_eq!(make(&ts, false), format!("follow/{src}/{src}/{dst}/{ts}"));
        if ts != other_ts {
            prop_assert_ne!(make(&ts, false), make(&other_ts, false));
        }
    }
}

/// `s` with every non-ASCII character written as `\uXXXX` escapes, as an ASCII-only
/// serializer writes it.
fn ascii_escaped(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for u in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{u:04x}");
            }
        }
    }
    out
}

proptest! {
    /// An X Activity API event without `event_uuid` keeps its key when the same value is
    /// written compactly, indented, or ASCII-escaped; any other payload changes it.
    #[test]
    fn activity_keys_without_uuid_survive_reserialisation(payload in json_value(), other in json_value()) {
        let body = serde_json::json!({"data": {
            "filter": {"user_id": "42"}, "event_type": "profile.update.bio", "payload": payload}});
        let key = |text: &str| {
            let env = aaa_parser::scan(text.as_bytes()).unwrap();
            let k = env.get(0).unwrap().key();
            prop_assert!(k.is_hashed());
            Ok(k.to_string())
        };
        let compact = body.to_string();
        let want = key(&compact)?;
        prop_assert_eq!(&key(&serde_json::to_string_pretty(&body).unwrap())?, &want);
        prop_assert_eq!(&key(&ascii_escaped(&compact))?, &want);
        let changed = serde_json::json!({"data": {
            "filter": {"user_id": "42"}, "event_type": "profile.update.bio", "payload": other}});
        if changed != body {
            prop_assert_ne!(key(&changed.to_string())?, want);
        }
    }
}
