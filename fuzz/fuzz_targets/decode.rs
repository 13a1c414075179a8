//! Scan, then typed decode of every event: never panics, and the decoded event agrees with
//! what the scan said about it.

#![no_main]

use aaa_model::Event;
use aaa_parser::Kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = aaa_parser::scan(data) else {
        return;
    };
    let mut all_ok = true;
    for ev in &env {
        let kind = ev.kind();
        match ev.decode() {
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
