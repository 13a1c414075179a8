//! Generated envelopes read back through the project's parser: every activity is valid JSON,
//! decodes into the typed model with the expected kind and `for_user_id`, gets a dedupe key of
//! its own on every call, and the bytes depend on the seed alone.

use std::collections::HashSet;

use aaa_emulator::generate::{Activity, Generator, Party};
use aaa_parser::Kind;

const SUBJECT: Party<'static> = Party::new("1245855954975051776", "test_twit_42");
const OTHER: Party<'static> = Party::new("3001969357", "furiouscamper");
const APP_ID: &str = "13090192";
const NOW: u64 = 1_716_543_292_000;

fn expected_for_user(activity: Activity) -> Option<&'static str> {
    (activity != Activity::UserRevoke).then_some(SUBJECT.user_id)
}

#[test]
fn every_activity_is_json() {
    let mut generator = Generator::new(1);
    for activity in Activity::ALL {
        let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, NOW);
        let value: serde_json::Value =
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{activity}: not JSON: {e}"));
        let top = value.as_object().expect("an object");
        assert!(top.contains_key(activity.envelope_key()), "{activity}");
        assert_eq!(
            top.get("for_user_id").and_then(|v| v.as_str()),
            expected_for_user(activity),
            "{activity}"
        );
        // Compact: no whitespace between tokens (texts may hold spaces, but never a `": "`).
        assert!(!body.starts_with(b"{ ") && !body.windows(3).any(|w| w == b"\": "));
    }
}

#[test]
fn every_activity_decodes_with_its_kind() {
    let mut generator = Generator::new(2);
    for activity in Activity::ALL {
        for _ in 0..20 {
            let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, NOW);
            let env = aaa_parser::scan(&body).unwrap_or_else(|e| {
                panic!(
                    "{activity}: scan failed: {e}: {}",
                    String::from_utf8_lossy(&body)
                )
            });
            assert_eq!(env.len(), 1, "{activity}");
            assert_eq!(env.for_user_id(), expected_for_user(activity), "{activity}");
            let event = env.get(0).unwrap();
            assert_eq!(
                event.kind(),
                Kind::Known(activity.event_kind()),
                "{activity}"
            );
            assert_eq!(event.for_user_id(), expected_for_user(activity));
            let decoded = event
                .decode()
                .unwrap_or_else(|e| panic!("{activity}: {e}: {}", event.raw()));
            assert_eq!(decoded.kind(), Some(activity.event_kind()), "{activity}");
            // The serde_json model agrees with the parser's fast path.
            let slow = aaa_model::decode_event(activity.event_kind(), event.raw())
                .unwrap_or_else(|e| panic!("{activity}: serde_json: {e}"));
            assert_eq!(format!("{slow:?}"), format!("{decoded:?}"), "{activity}");
        }
    }
}

#[test]
fn whole_envelopes_decode_with_serde() {
    let mut generator = Generator::new(3);
    for activity in Activity::ALL {
        let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, NOW);
        let env: aaa_model::Envelope<'_> = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{activity}: {e}: {}", String::from_utf8_lossy(&body)));
        assert_eq!(env.event_count(), 1, "{activity}");
        if activity == Activity::Mention {
            assert_eq!(env.user_has_blocked, Some(false));
        }
    }
}

#[test]
fn two_hundred_calls_give_two_hundred_keys() {
    for activity in Activity::ALL {
        let mut generator = Generator::new(4);
        let mut keys = HashSet::new();
        for _ in 0..200 {
            // The same parties within the same millisecond every time.
            let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, NOW);
            let env = aaa_parser::scan(&body).unwrap();
            for event in &env {
                let key = event.key();
                assert!(!key.is_hashed(), "{activity}: key fell back to a hash");
                assert!(
                    keys.insert(key.to_string()),
                    "{activity}: repeated key {key}"
                );
            }
        }
        assert_eq!(keys.len(), 200, "{activity}");
    }
}

/// Two runs of one seed at different times (a second `aaa emulate` with the same users, its
/// events stored by the same receiver) give every activity other keys: a receiver's store would
/// take a repeated key for a redelivery and drop the event.
#[test]
fn a_later_run_of_one_seed_gives_other_keys() {
    let keys = |now: u64| -> Vec<String> {
        let mut generator = Generator::new(0);
        Activity::ALL
            .iter()
            .flat_map(|&activity| {
                let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, now);
                let env = aaa_parser::scan(&body).unwrap();
                env.iter().map(|e| e.key().to_string()).collect::<Vec<_>>()
            })
            .collect()
    };
    let first: HashSet<String> = keys(NOW).into_iter().collect();
    for key in keys(NOW + 3_600_000) {
        assert!(!first.contains(&key), "a later run repeats {key}");
    }
}

fn run(seed: u64) -> Vec<(Activity, Vec<u8>)> {
    let mut generator = Generator::new(seed);
    let mut out = Vec::new();
    for round in 0..5u64 {
        for activity in Activity::ALL {
            let body = generator.envelope(activity, &SUBJECT, &OTHER, APP_ID, NOW + round);
            out.push((activity, body));
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = run(42);
    assert_eq!(a, run(42));
    let b = run(43);
    assert_ne!(a, b);
    for ((activity, x), (_, y)) in a.iter().zip(&b) {
        if *activity == Activity::UserRevoke {
            // A revoke holds nothing invented: the user, the app and the time.
            assert_eq!(x, y);
        } else {
            assert_ne!(x, y, "{activity} does not depend on the seed");
        }
    }
}

#[test]
fn app_name_reaches_apps_map_and_source() {
    let mut generator = Generator::new(5).with_app_name("FuriousCamperTestApp1");
    let body = generator.envelope(Activity::DirectMessage, &SUBJECT, &OTHER, APP_ID, NOW);
    let env = aaa_parser::scan(&body).unwrap();
    let apps: serde_json::Value = serde_json::from_str(env.apps_raw().unwrap()).unwrap();
    assert_eq!(apps[APP_ID]["name"], "FuriousCamperTestApp1");
    assert!(env.users_raw().unwrap().contains(OTHER.screen_name));

    generator.set_app_name("Another App");
    let body = generator.envelope(Activity::TweetCreate, &SUBJECT, &OTHER, "42", NOW);
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let source = value["tweet_create_events"][0]["source"].as_str().unwrap();
    assert_eq!(
        source,
        "<a href=\"https://anotherapp.example\" rel=\"nofollow\">Another App</a>"
    );
}
