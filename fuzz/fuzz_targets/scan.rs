//! `aaa_parser::scan` on arbitrary bytes: never panics, and every span it hands out is a
//! well-formed piece of the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;

/// `raw` is one complete JSON object per serde_json (syntax only: `IgnoredAny` does not
/// range-check numbers, which the scan has already done with a correctly rounded parse).
fn assert_object(what: &str, raw: &str) {
    assert!(
        raw.starts_with('{') && raw.ends_with('}'),
        "{what} is not an object: {raw:?}"
    );
    if let Err(e) = serde_json::from_str::<IgnoredAny>(raw) {
        panic!("{what} is not valid json ({e}): {raw:?}");
    }
}

/// `part` is a sub-slice of `body` (same memory, not just equal text).
fn assert_within(what: &str, body: &str, part: &str) {
    let start = part.as_ptr() as usize;
    let base = body.as_ptr() as usize;
    assert!(
        start >= base && start + part.len() <= base + body.len(),
        "{what} points outside the body"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(env) = aaa_parser::scan(data) else {
        return;
    };
    let body = env.body();
    assert_eq!(body.as_bytes(), data, "body() is not the input");

    if let Some(id) = env.for_user_id() {
        assert_within("for_user_id", body, id);
    }
    for (what, raw) in [("users", env.users_raw()), ("apps", env.apps_raw())] {
        if let Some(raw) = raw {
            assert_within(what, body, raw);
            assert_object(what, raw);
        }
    }

    assert_eq!(env.events().len(), env.len());
    assert_eq!(env.kinds().count(), env.len());
    assert_eq!(env.is_empty(), env.events().next().is_none());
    assert!(env.get(env.len()).is_none());

    let mut prev_end = 0;
    for (i, ev) in env.events().enumerate() {
        let kind = ev.kind();
        let name = kind.to_string();
        assert!(!name.is_empty() || matches!(kind, aaa_parser::Kind::Activity("")));

        let range = ev.range();
        assert!(
            range.start < range.end && range.end <= data.len(),
            "event {i}: range {range:?} outside a body of {} bytes",
            data.len()
        );
        assert!(range.start >= prev_end, "event {i} overlaps the one before");
        prev_end = range.end;
        let raw = ev.raw();
        assert_eq!(
            body.get(range),
            Some(raw),
            "event {i}: raw() is not body[range()]"
        );
        assert_object("event", raw);

        assert_eq!(ev.for_user_id(), env.for_user_id());
        assert_eq!(env.get(i).map(|e| e.range()), Some(ev.range()));

        let key = ev.key();
        assert_eq!(key.kind(), kind);
        let text = key.to_string();
        // KIND/FOR_USER_ID/PART[/PART[/PART]]: the parts are escaped so that `/` can only be
        // a separator, whatever the event holds.
        let segments = text.split('/').count();
        assert!(
            (3..=5).contains(&segments),
            "event {i}: key {text:?} has {segments} segments"
        );
        assert!(
            text.split('/').all(|s| !s.is_empty()),
            "event {i}: key {text:?} has an empty segment"
        );
        let unscoped = key.unscoped().to_string();
        assert_eq!(unscoped.split('/').nth(1), Some("-"));
        assert_eq!(key.unscoped().is_hashed(), key.is_hashed());
    }
});
