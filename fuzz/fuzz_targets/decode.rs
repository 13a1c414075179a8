//! Scan, then typed decode of every event: never panics, the decoded event agrees with what the
//! scan said about it, and the parser's own deserializer (which trusts the scan) decodes
//! Account Activity events to exactly what `aaa_model::decode_event` (serde_json) does, except
//! for the documented float rounding difference.

#![no_main]

use aaa_model::Event;
use aaa_parser::Kind;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Whether `raw` holds a number that is not an integer serde_json keeps exactly (a fraction, an
/// exponent, or an integer beyond 64 bits), or one serde_json calls out of range: there the two
/// deserializers may round differently.
fn has_float(raw: &str) -> bool {
    fn walk(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(walk),
            Value::Object(map) => map.values().any(walk),
            _ => false,
        }
    }
    serde_json::from_str::<Value>(raw).map_or(true, |v| walk(&v))
}

fuzz_target!(|data: &[u8]| {
    let Ok(env) = aaa_parser::scan(data) else {
        return;
    };
    let mut all_ok = true;
    for ev in &env {
        let kind = ev.kind();
        let decoded = ev.decode();
        if let Kind::Known(k) = kind {
            let reference = aaa_model::decode_event(k, ev.raw());
            let agree = match (&decoded, &reference) {
                (Ok(ours), Ok(theirs)) => ours == theirs,
                (Err(_), Err(_)) => true,
                _ => false,
            };
            if !agree && !has_float(ev.raw()) {
                panic!(
                    "decode and serde_json disagree on {k:?}:\n  ours:       {:?}\n  serde_json: {:?}",
                    decoded.as_ref().map_err(ToString::to_string),
                    reference.as_ref().map_err(ToString::to_string),
                );
            }
        }
        match decoded {
            Ok(event) => {
                match kind {
                    Kind::Known(k) => assert_eq!(
                        event.kind(),
                        Some(k),
                        "the scan and the decoded event disagree on the kind"
                    ),
                    Kind::Activity(t) => {
                        assert!(
                            matches!(event, Event::Activity(_)),
                            "not an activity: {event:?}"
                        );
                        if !t.contains('\\') {
                            assert_eq!(event.kind_name(), t);
                        }
                    }
                    Kind::Unknown(key) => {
                        assert!(matches!(event, Event::Unknown(_)), "not unknown: {event:?}");
                        if !key.contains('\\') {
                            assert_eq!(event.kind_name(), kind.to_string());
                        }
                    }
                    _ => {}
                }
                let owned = event.clone().into_owned();
                assert!(owned == event, "into_owned changed the event");
                assert_eq!(owned.kind_name(), event.kind_name());
            }
            Err(e) => {
                all_ok = false;
                assert_eq!(e.event_kind(), kind.to_string());
                assert!(
                    e.offset() >= ev.range().start && e.offset() <= ev.range().end,
                    "error offset {} outside the event at {:?}",
                    e.offset(),
                    ev.range()
                );
                let _ = e.to_string();
            }
        }
    }
    assert_eq!(env.decode_all().is_ok(), all_ok);
});
