//! `aaa_parser::scan` against `serde_json::from_slice::<Value>` on the same bytes.
//!
//! The two must agree on what is JSON, except where they are documented to differ:
//!
//! - nesting depth: the scan allows [`aaa_parser::MAX_DEPTH`] levels (the envelope is level 1),
//!   serde_json's recursion limit of 128 admits 127;
//! - numbers at the edge of the f64 range: the scan parses them correctly rounded, serde_json
//!   (without `float_roundtrip`) with a faster approximation, so one may call a number finite
//!   that the other calls out of range;
//! - duplicate keys: serde_json's `Value` keeps the last, the scan refuses duplicate envelope
//!   keys (a non-syntax error, so it never conflicts with serde_json accepting).
//!
//! On envelopes both accept, `for_user_id()` and the number of events must match what
//! serde_json sees.

#![no_main]

use aaa_model::EventKind;
use aaa_parser::{Format, ScanErrorKind};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

/// serde_json errors that stem from a documented difference, not from invalid JSON.
fn documented(e: &serde_json::Error) -> bool {
    let msg = e.to_string();
    msg.starts_with("recursion limit exceeded") || msg.starts_with("number out of range")
}

fuzz_target!(|data: &[u8]| {
    let ours = aaa_parser::scan(data);
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(_), Err(e)) => assert!(documented(e), "scan accepted what serde_json rejects: {e}"),
        (Err(e), Ok(_)) if e.kind().is_syntax() => assert!(
            matches!(
                e.kind(),
                ScanErrorKind::TooDeep | ScanErrorKind::NumberOutOfRange
            ),
            "scan rejected valid json: {e}"
        ),
        (Ok(env), Ok(Value::Object(top))) => same_envelope(env, top.get("for_user_id"), data),
        (Ok(_), Ok(v)) => panic!("scan accepted a non-object: {v}"),
        _ => {}
    }
});

fn same_envelope(env: &aaa_parser::Envelope<'_>, for_user_id: Option<&Value>, data: &[u8]) {
    let top: Members<'_> = serde_json::from_slice(data).expect("serde_json accepted it once");
    // Top-level keys are compared after unescaping by both sides, so escaped ones are checked
    // too; keys inside `data` are matched as written (see `Members::events`).
    match for_user_id {
        Some(Value::String(s)) => {
            let raw = env.for_user_id().expect("scan lost for_user_id");
            if !raw.contains('\\') {
                assert_eq!(raw, s, "for_user_id differs");
            }
        }
        Some(n @ Value::Number(_)) => {
            let raw = env.for_user_id().expect("scan lost for_user_id");
            let parsed: Value = serde_json::from_str(raw).expect("for_user_id is a number");
            assert_eq!(&parsed, n, "for_user_id differs");
        }
        Some(other) => panic!("scan accepted for_user_id {other}"),
        None if env.format() == Format::AccountActivity => {
            assert_eq!(env.for_user_id(), None, "scan invented a for_user_id");
        }
        None => {}
    }

    if let Some(expected) = top.events() {
        assert_eq!(env.len(), expected, "event count differs");
    }
}

/// A key, and whether it was written with a backslash escape.
struct Key {
    name: String,
    escaped: bool,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            // serde_json borrows a string from the input exactly when it has no escapes.
            fn visit_borrowed_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key {
                    name: v.to_owned(),
                    escaped: false,
                })
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key {
                    name: v.to_owned(),
                    escaped: true,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// The members of an object in body order, duplicates kept, values left raw.
struct Members<'a>(Vec<(Key, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Members<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<Key, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl Members<'_> {
    fn any_escaped(&self) -> bool {
        self.0.iter().any(|(k, _)| k.escaped)
    }

    /// How many events the scan should find in this envelope, or `None` when that cannot be
    /// told from here (an escaped key inside `data`).
    fn events(&self) -> Option<usize> {
        let mut n = 0;
        for (key, raw) in &self.0 {
            let value = raw.get();
            let is_object = value.starts_with('{');
            let key = key.name.as_str();
            if let Some(kind) = EventKind::from_envelope_key(key.as_bytes()) {
                n += if kind.is_array() {
                    serde_json::from_str::<Vec<&RawValue>>(value)
                        .expect("array")
                        .len()
                } else {
                    1
                };
            } else if matches!(key, "for_user_id" | "users" | "apps") {
            } else if key == "data" && is_object {
                let data: Members<'_> = serde_json::from_str(value).expect("object");
                if data.any_escaped() {
                    return None;
                }
                // The first `event_type` holding a string or a number makes it an event.
                let typed = data.0.iter().any(|(k, v)| {
                    k.name == "event_type" && (v.get().starts_with('"') || is_number(v.get()))
                });
                n += usize::from(typed);
            } else if key.ends_with("_events") || key.ends_with("_event") {
                n += if is_object {
                    1
                } else if value.starts_with('[') {
                    serde_json::from_str::<Vec<&RawValue>>(value)
                        .expect("array")
                        .iter()
                        .filter(|v| v.get().starts_with('{'))
                        .count()
                } else {
                    0
                };
            }
        }
        Some(n)
    }
}

fn is_number(raw: &str) -> bool {
    raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
}
