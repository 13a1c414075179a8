//! Decodes every published real payload in the shared `realdata/` directory (kept outside the
//! repository, beside it) and checks exactly which ones decode.
//!
//! The directory is `../shared/realdata` relative to the workspace root, or `$AAA_REALDATA_DIR`.
//! A missing directory fails the test: it must not pass by checking nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aaa_model::event::PayloadShape;
use aaa_model::{
    ActivityPayload, Envelope, Event, EventKind, Tweet, decode_activity, decode_event,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Payload files that must fail to decode, with the reason.
const EXPECTED_FAILURES: &[(&str, &str)] = &[(
    "direct_message_events/courier__invalidTwitterID.json",
    "sender_id and a users key are \"272953qwe809\", not a numeric user id",
)];

fn realdata_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AAA_REALDATA_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Decodes one body every way a user or the parser would; returns the events (from the typed
/// envelope, or the activity decode) or a description of every failure.
fn decode_all_ways(body: &str) -> Result<Vec<Event<'_>>, Vec<String>> {
    let mut failures = Vec::new();
    let top: HashMap<&str, &RawValue> = match serde_json::from_str(body) {
        Ok(top) => top,
        Err(e) => return Err(vec![format!("not a JSON object: {e}")]),
    };

    if let Some(data) = top.get("data") {
        let whole = decode_activity(body).map_err(|e| format!("decode_activity(body): {e}"));
        if let Err(e) = decode_activity(data.get()) {
            failures.push(format!("decode_activity(data): {e}"));
        }
        return match (whole, failures.is_empty()) {
            (Ok(event), true) => Ok(vec![event]),
            (Ok(_), false) => Err(failures),
            (Err(e), _) => {
                failures.push(e);
                Err(failures)
            }
        };
    }

    for (key, value) in &top {
        let Some(kind) = EventKind::from_envelope_key(key.as_bytes()) else {
            continue;
        };
        if kind.is_array() {
            let elements: Vec<&RawValue> = match serde_json::from_str(value.get()) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{key} is not an array: {e}"));
                    continue;
                }
            };
            for (i, element) in elements.iter().enumerate() {
                if let Err(e) = decode_event(kind, element.get()) {
                    failures.push(format!("decode_event({kind}, {key}[{i}]): {e}"));
                }
            }
        } else if let Err(e) = decode_event(kind, value.get()) {
            failures.push(format!("decode_event({kind}, {key}): {e}"));
        }
    }

    match serde_json::from_str::<Envelope<'_>>(body) {
        Ok(envelope) if failures.is_empty() => Ok(envelope.into_events()),
        Ok(_) => Err(failures),
        Err(e) => {
            failures.push(format!("Envelope: {e}"));
            Err(failures)
        }
    }
}

#[test]
fn every_real_payload_decodes_except_the_known_bad_ones() {
    let root = realdata_dir();
    let payloads = root.join("payloads");
    assert!(
        payloads.is_dir(),
        "real payload directory {} is missing: it ships beside the repository (shared/realdata) \
         or is named by AAA_REALDATA_DIR; this test must not pass without it",
        payloads.display()
    );

    let mut files = Vec::new();
    files_under(&payloads, &mut files);
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    assert!(
        files.len() >= 40,
        "only {} payload files found",
        files.len()
    );

    let mut failed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut decoded = 0;
    for path in &files {
        let rel = path
            .strip_prefix(&payloads)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let body = std::fs::read_to_string(path).unwrap();
        match decode_all_ways(&body) {
            Ok(events) => {
                decoded += 1;
                assert!(!events.is_empty(), "{rel}: decoded to no events");
                check_kind_matches_directory(&rel, &events);
                // Every decoded event converts to an owned one that is equal to it.
                for event in events {
                    let copy = event.clone();
                    assert_eq!(
                        event.into_owned(),
                        copy,
                        "{rel}: into_owned changed the event"
                    );
                }
            }
            Err(reasons) => {
                failed.insert(rel, reasons);
            }
        }
    }

    let expected: BTreeSet<&str> = EXPECTED_FAILURES.iter().map(|(f, _)| *f).collect();
    let actual: BTreeSet<&str> = failed.keys().map(String::as_str).collect();
    assert_eq!(
        actual, expected,
        "the set of payloads that fail to decode changed; failures: {failed:#?}"
    );
    assert_eq!(decoded + expected.len(), files.len());
}

/// The directory a payload sits in names its kind; some decoded event must be of that kind.
fn check_kind_matches_directory(rel: &str, events: &[Event<'_>]) {
    let dir = rel.split('/').next().unwrap();
    let names: Vec<&str> = events.iter().map(Event::kind_name).collect();
    if dir == "v2_activity" {
        // The stream sample is an AAA envelope with a stray event_type; the rest are XAA events
        // whose file name starts with the event type (but for the generic envelope.json).
        let file = rel.rsplit('/').next().unwrap();
        if let Event::Activity(a) = &events[0] {
            assert!(
                file.starts_with(a.event_type.as_str()) || file == "envelope.json",
                "{rel}: event_type {} does not match the file name",
                a.event_type
            );
        } else {
            assert_eq!(names, ["tweet_create"], "{rel}");
        }
        return;
    }
    let kind = EventKind::from_envelope_key(dir.as_bytes())
        .unwrap_or_else(|| panic!("{rel}: unexpected directory {dir}"));
    assert!(
        names.contains(&kind.as_str()),
        "{rel}: expected a {} event, got {names:?}",
        kind.as_str()
    );
}

#[test]
fn real_payload_details() {
    let payloads = realdata_dir().join("payloads");
    let read = |rel: &str| {
        std::fs::read_to_string(payloads.join(rel))
            .unwrap_or_else(|e| panic!("{rel} must exist in the real payload directory: {e}"))
    };

    // A mention with "user_has_blocked" and ids as numbers and strings.
    let body = read("tweet_create_events/learnawesome__mention_reply_user_has_blocked_false.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    assert_eq!(env.user_has_blocked, Some(false));
    let tweet = &env.tweet_create_events[0];
    assert_eq!(tweet.tweet_id().get(), 1_332_557_345_071_644_672);
    assert_eq!(tweet.id, tweet.id_str.unwrap());
    assert_eq!(tweet.timestamp_ms.unwrap().as_millis(), 1_606_541_403_440);
    assert_eq!(
        tweet.created_at.unwrap().as_millis(),
        1_606_541_403_000,
        "created_at and timestamp_ms agree to the second"
    );
    assert_eq!(tweet.user.as_ref().unwrap().location, None);
    assert!(
        tweet
            .source
            .as_ref()
            .is_some_and(|s| s.starts_with("<a href="))
    );

    // Unfollow delivered inside follow_events becomes an Unfollow.
    let body = read("unfollow_events/tweetinvi__UserUnfollowedRaised.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    assert_eq!(env.follow_events.len(), 1);
    let events = env.into_events();
    assert!(matches!(events.as_slice(), [Event::Unfollow(_)]));

    // Colours written as -1.
    let body = read("block_events/tweetinvi__UserBlockedRaised.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    assert_eq!(
        env.block_events[0].source.profile_link_color.as_deref(),
        Some("-1")
    );

    // "profile_image_url": "null" and the users map nested inside apps.
    let body = read("direct_message_events/docs_twitter_gnip__users_nested_in_apps.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    assert!(env.users.is_empty());
    assert_eq!(env.apps.len(), 4);
    assert_eq!(
        env.apps["13090192"].name.as_deref(),
        Some("FuriousCamperTestApp1")
    );
    let body = read("direct_message_mark_read_events/docs_twitter_gnip.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    let user = env.user("199566737".parse().unwrap()).unwrap();
    assert_eq!(user.profile_image_url, None);
    assert!(user.profile_image_url_https.is_some());
    assert_eq!(
        env.direct_message_mark_read_events[0]
            .last_read_event_id
            .unwrap()
            .get(),
        963_085_315_333_238_788
    );

    // A like: timestamp_ms as a number.
    let body = read("favorite_events/roach__twitter_like_event.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    let like = &env.favorite_events[0];
    assert_eq!(like.timestamp_ms.unwrap().as_millis(), 1_535_937_881_233);
    assert_eq!(like.created_at.unwrap().as_secs(), 1_535_937_881);

    // Revoke and replay status.
    let body = read("user_event/docs_x_intro__revoke.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    let revoke = env.user_event.unwrap().revoke.unwrap();
    assert_eq!(revoke.target.app_id.get(), 13_090_192);
    assert_eq!(
        revoke.date_time.unwrap().to_rfc3339(),
        "2018-05-24T09:48:12.000Z"
    );
    let body = read("replay_job_status/docs_x_quickstart__incomplete.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    let status = env.replay_job_status.unwrap();
    assert_eq!(status.job_state, aaa_model::event::JobState::Incomplete);
    assert_eq!(status.webhook_id, "<WEBHOOK_ID>");

    // A quick reply response whose metadata is itself JSON text (with escapes: owned).
    let body = read("direct_message_events/covid19helper__quick_reply_response.json");
    let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
    let data = &env.direct_message_events[0]
        .message_create
        .as_ref()
        .unwrap()
        .message_data;
    let metadata = data
        .quick_reply_response
        .as_ref()
        .unwrap()
        .metadata
        .as_ref()
        .unwrap();
    assert_eq!(metadata, "{\"goto\": \"todo\"}");
    assert!(!metadata.is_borrowed());
    assert!(data.text.as_ref().unwrap().is_borrowed());

    // An X Activity API like, typed; its raw payload is kept too.
    let body = read("v2_activity/like.create.json");
    let Event::Activity(a) = decode_activity(&body).unwrap() else {
        panic!("not an activity")
    };
    assert_eq!(a.event_uuid.as_deref(), Some("-3402274206530057851"));
    assert_eq!(
        a.filter.as_ref().unwrap().direction,
        Some(aaa_model::event::Direction::Outbound)
    );
    let ActivityPayload::Like(like) = &a.payload else {
        panic!("like.create is a LikeActivity")
    };
    assert_eq!(like.id.as_ref().unwrap().len(), 32);
    assert_eq!(
        like.liked_tweet_id.unwrap().get(),
        2_079_814_480_427_442_556
    );
    assert_eq!(
        like.liked_author().unwrap().get(),
        3_333_333_333_333_333_333
    );
    assert_eq!(like.timestamp_ms.unwrap().as_millis(), 1_784_927_565_236);
    assert!(
        a.raw_payload
            .as_ref()
            .unwrap()
            .get()
            .contains("liked_tweet_id")
    );
}

/// Every X Activity API body of the real data decodes typed: the event type is known and the
/// payload has the variant of its shape (only X's generic envelope sample, whose payload is
/// `{}`, is empty), and a few fields per shape hold what the sample says.
#[test]
fn every_real_activity_body_decodes_typed() {
    let dir = realdata_dir().join("payloads/v2_activity");
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    files.sort();
    let mut typed = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read_to_string(path).unwrap();
        if !body.contains("\"data\"") {
            continue; // the Account Activity shaped stream sample
        }
        let event = decode_activity(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Event::Activity(a) = &event else {
            panic!("{name}")
        };
        let ty = a
            .activity_type()
            .unwrap_or_else(|| panic!("{name}: unknown type {}", a.event_type));
        if name == "envelope.json" {
            assert_eq!(a.payload, ActivityPayload::Empty, "{name}");
            continue;
        }
        assert!(name.starts_with(ty.as_str()), "{name}: {ty}");
        let shape_matches = match (&a.payload, ty.payload_shape()) {
            (ActivityPayload::ProfileUpdate(p), PayloadShape::ProfileUpdate) => {
                p.before.is_some() && p.after.is_some()
            }
            (ActivityPayload::News(n), PayloadShape::News) => {
                n.title().is_some() && !n.cluster_posts_results.is_empty()
            }
            (ActivityPayload::UserPair(p), PayloadShape::UserPair) => {
                p.source_id().is_some() && p.target_id().is_some()
            }
            (ActivityPayload::Space(s), PayloadShape::Space) => {
                s.user.is_some() && s.broadcast_id.is_some()
            }
            (ActivityPayload::Broadcast(b), PayloadShape::Broadcast) => {
                b.user.is_some() && b.created_timestamp_ms.is_some()
            }
            (ActivityPayload::BroadcastChat(c), PayloadShape::BroadcastChat) => {
                c.author.is_some() && c.message.is_some()
            }
            (ActivityPayload::Chat(c), PayloadShape::Chat) => {
                c.encoded_event.is_some() && c.sender_id.is_some()
            }
            (ActivityPayload::DirectMessage(d), PayloadShape::DirectMessage) => {
                let dm = &d.direct_message_events[0];
                dm.sender().is_some_and(|s| d.user(s).is_some()) && dm.text().is_some()
            }
            (ActivityPayload::Post(p), PayloadShape::Post) => {
                p.author_id.is_some() && p.text.is_some() && p.created_at.is_some()
            }
            (ActivityPayload::PostDelete(p), PayloadShape::PostDelete) => p.author_id.is_some(),
            (ActivityPayload::Like(l), PayloadShape::Like) => l.liked_tweet_id.is_some(),
            (ActivityPayload::Revoke(r), PayloadShape::Revoke) => {
                r.user_id.is_some() && r.app_id.is_some() && r.date_time.is_some()
            }
            _ => false,
        };
        assert!(shape_matches, "{name}: payload {:?}", a.payload);
        // Owned copies are equal; serializing writes the payload back byte for byte.
        assert_eq!(a.clone().into_owned(), **a, "{name}");
        let json = serde_json::to_string(&**a).unwrap();
        assert!(
            json.contains(a.raw_payload.as_ref().unwrap().get()),
            "{name}: payload not written back verbatim"
        );
        assert_eq!(decode_activity(&json).unwrap(), event, "{name}: round trip");
        typed += 1;
    }
    assert!(typed >= 25, "only {typed} activity bodies checked");
}

#[test]
fn every_invalid_sample_is_rejected_without_panicking() {
    let invalid = realdata_dir().join("invalid");
    assert!(invalid.is_dir(), "{} is missing", invalid.display());
    let mut files = Vec::new();
    files_under(&invalid, &mut files);
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    assert!(
        files.len() >= 10,
        "only {} invalid samples found",
        files.len()
    );
    for path in files {
        let body = std::fs::read_to_string(&path).unwrap();
        assert!(
            serde_json::from_str::<Envelope<'_>>(&body).is_err(),
            "{} decoded although it is not JSON",
            path.display()
        );
        assert!(decode_activity(&body).is_err());
        for kind in EventKind::ALL {
            assert!(decode_event(kind, &body).is_err());
        }
    }
}

#[test]
fn the_twitter_json_corpus_decodes_as_tweets() {
    #[derive(Deserialize)]
    struct Search<'a> {
        #[serde(borrow)]
        statuses: Vec<Tweet<'a>>,
    }
    let path = realdata_dir().join("twitter.json");
    let body = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} must exist: {e}", path.display()));
    let search: Search<'_> = serde_json::from_str(&body).unwrap();
    assert_eq!(search.statuses.len(), 100);
    let mut reposts = 0;
    for tweet in &search.statuses {
        assert!(tweet.user.is_some());
        assert!(tweet.created_at.is_some());
        assert!(tweet.full_text().is_some());
        // The numeric `id` in this corpus went through a float and lost precision; the id is
        // read from `id_str`.
        let raw = serde_json::to_value(tweet).unwrap();
        assert_eq!(raw["id_str"], tweet.tweet_id().to_string());
        reposts += usize::from(tweet.retweeted_status.is_some());
    }
    assert!(reposts > 0);
    // Most strings in this corpus are plain and borrowed; a few have escapes and are owned.
    let texts: Vec<&aaa_model::Text<'_>> = search
        .statuses
        .iter()
        .filter_map(|t| t.text.as_ref())
        .collect();
    assert!(texts.iter().any(|t| t.is_borrowed()));
}
