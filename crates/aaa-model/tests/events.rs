//! Event payloads decoded from this crate's own fixtures (tests/fixtures/).

use std::collections::HashMap;

use aaa_model::event::{JobState, MediaType, UserActionType};
use aaa_model::{
    Envelope, Event, EventKind, Timestamp, Tweet, UnknownEvent, UserId, decode_activity,
    decode_event,
};
use serde_json::value::RawValue;

const ACTIONS: &str = include_str!("fixtures/envelope_actions.json");
const DM: &str = include_str!("fixtures/envelope_dm.json");
const TWEET_EXTENDED: &str = include_str!("fixtures/tweet_extended.json");
const TWEET_PLAIN: &str = include_str!("fixtures/tweet_plain.json");
const ACTIVITY: &str = include_str!("fixtures/activity_dm.json");

/// Decodes each event of an envelope the way a scanning parser does: one raw element at a time,
/// with the array's kind refined by the element's `type`.
fn decode_one_by_one(body: &str) -> Vec<Event<'_>> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(default, borrow, rename = "type")]
        ty: Option<&'a str>,
    }

    let top: HashMap<&str, &RawValue> = serde_json::from_str(body).unwrap();
    let mut events = Vec::new();
    for kind in EventKind::ALL {
        let Some(value) = top.get(kind.envelope_key()) else {
            continue;
        };
        if kind.is_array() {
            let elements: Vec<&RawValue> = serde_json::from_str(value.get()).unwrap();
            for element in elements {
                let probe: Probe<'_> = serde_json::from_str(element.get()).unwrap();
                let kind = kind
                    .refine_by_type(probe.ty.map(str::as_bytes))
                    .unwrap_or(kind);
                events.push(decode_event(kind, element.get()).unwrap());
            }
        } else {
            events.push(decode_event(kind, value.get()).unwrap());
        }
    }
    events
}

#[test]
fn an_envelope_of_every_action_kind() {
    let env: Envelope<'_> = serde_json::from_str(ACTIONS).unwrap();
    assert_eq!(env.for_user_id, Some(UserId::new(2_244_994_945)));
    assert_eq!(env.event_count(), 8);

    let like = &env.favorite_events[0];
    assert_eq!(like.id.as_deref(), Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    assert_eq!(
        like.timestamp_ms,
        Some(Timestamp::from_millis(1_770_921_000_123))
    );
    assert_eq!(like.created_at.unwrap().as_secs(), 1_770_921_000);
    assert_eq!(
        like.favorited_status.tweet_id().get(),
        2_022_000_000_000_000_001
    );
    assert_eq!(like.user.screen_name.as_deref(), Some("liker"));

    let unblock = &env.block_events[0];
    assert_eq!(unblock.action_type, Some(UserActionType::Unblock));
    assert_eq!(unblock.target.profile_link_color.as_deref(), Some("-1"));
    assert_eq!(unblock.target.utc_offset, Some(-25_200));

    let names: Vec<String> = env
        .clone()
        .into_events()
        .iter()
        .map(|e| e.kind_name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "favorite",
            "follow",
            "unfollow",
            "unblock",
            "mute",
            "tweet_delete",
            "direct_message_indicate_typing",
            "direct_message_mark_read"
        ]
    );

    // The per-event decode that a scanning parser uses gives the same events.
    assert_eq!(decode_one_by_one(ACTIONS), env.into_events());
}

#[test]
fn decode_event_keeps_the_given_kind_and_the_envelope_refines() {
    // decode_event trusts the kind it is given (a parser refines it from `type` first)...
    let raw =
        r#"{"type":"unfollow","created_timestamp":"1","source":{"id":"1"},"target":{"id":"2"}}"#;
    let refined = EventKind::Follow.refine_by_type(Some(b"unfollow")).unwrap();
    for kind in [EventKind::Follow, refined, EventKind::Mute] {
        assert_eq!(decode_event(kind, raw).unwrap().kind(), Some(kind));
    }
    assert!(matches!(
        decode_event(refined, raw).unwrap(),
        Event::Unfollow(_)
    ));

    // ...while Envelope::into_events refines by the decoded `type`, within the family only.
    let body = r#"{"follow_events":[
        {"type":"unfollow","source":{"id":"1"},"target":{"id":"2"}},
        {"type":"unf\u006fllow","source":{"id":"1"},"target":{"id":"2"}},
        {"type":"block","source":{"id":"1"},"target":{"id":"2"}},
        {"source":{"id":"1"},"target":{"id":"2"}}],
      "mute_events":[{"type":"unmute","source":{"id":"1"},"target":{"id":"2"}}]}"#;
    let env: Envelope<'_> = serde_json::from_str(body).unwrap();
    let events = env.into_events();
    let names: Vec<&str> = events.iter().map(Event::kind_name).collect();
    assert_eq!(
        names,
        ["unfollow", "unfollow", "follow", "follow", "unmute"]
    );

    // An unknown type is kept verbatim.
    let raw = r#"{"type":"snooze","source":{"id":"1"},"target":{"id":"2"}}"#;
    let Event::Block(e) = decode_event(EventKind::Block, raw).unwrap() else {
        panic!("expected a block")
    };
    assert_eq!(e.action_type.as_ref().unwrap().as_str(), "snooze");
    assert_eq!(e.action_type.as_ref().unwrap().kind(), None);
}

#[test]
fn a_direct_message_with_media_quick_replies_and_maps() {
    let env: Envelope<'_> = serde_json::from_str(DM).unwrap();
    let dm = &env.direct_message_events[0];
    assert_eq!(dm.id.get(), 2_022_000_000_000_000_100);
    assert_eq!(dm.sender(), Some(UserId::new(3_300_000_000)));
    assert_eq!(dm.recipient(), Some(UserId::new(2_244_994_945)));
    assert_eq!(dm.text(), Some("Pick one https://t.co/clip"));

    let create = dm.message_create.as_ref().unwrap();
    assert_eq!(create.source_app_id.unwrap().get(), 268_278);
    let data = &create.message_data;
    let media = data.attachment.as_ref().unwrap().media.as_ref().unwrap();
    assert_eq!(media.media_type, Some(MediaType::Video));
    let video = media.video_info.as_ref().unwrap();
    assert_eq!(video.aspect_ratio, Some([16, 9]));
    assert_eq!(video.variants.len(), 2);
    assert_eq!(video.variants[1].bitrate, None);
    assert_eq!(
        media.sizes.as_ref().unwrap().large.as_ref().unwrap().w,
        Some(1280)
    );
    let options = &data.quick_reply.as_ref().unwrap().options;
    assert_eq!(options[0].description.as_deref(), Some("The warm one"));
    assert_eq!(options[1].description, None);
    assert_eq!(
        data.ctas[0].url.as_deref(),
        Some("https://example.org/open")
    );

    let sender = env.user(UserId::new(3_300_000_000)).unwrap();
    assert_eq!(sender.followers_count, Some(12));
    assert_eq!(
        sender.profile_image_url, None,
        "the string \"null\" means none"
    );
    assert_eq!(
        sender.created_timestamp,
        Some(Timestamp::from_millis(1_422_556_069_340))
    );
    assert_eq!(env.apps["268278"].name.as_deref(), Some("Example App"));
    assert_eq!(
        env.app(aaa_model::AppId::new(268_278))
            .unwrap()
            .url
            .as_deref(),
        Some("https://example.org")
    );
    assert!(env.user(UserId::new(1)).is_none());

    assert_eq!(decode_one_by_one(DM), env.into_events());
}

#[test]
fn an_extended_post() {
    let tweet: Tweet<'_> = serde_json::from_str(TWEET_EXTENDED).unwrap();
    assert_eq!(tweet.truncated, Some(true));
    assert_eq!(tweet.favorited, Some(false), "\"false\" as a string");
    assert_eq!(tweet.quote_count, Some(4), "a count as a string");
    assert!(tweet.full_text().unwrap().ends_with("#longform"));
    assert_eq!(tweet.full_entities().unwrap().hashtags[0].text, "longform");
    assert_eq!(tweet.author(), Some(UserId::new(2_244_994_945)));
    let [lon, lat] = tweet.coordinates.as_ref().unwrap().coordinates;
    assert!((lon + 9.1393).abs() < 1e-9 && (lat - 38.7223).abs() < 1e-9);
    let place = tweet.place.as_ref().unwrap();
    assert_eq!(place.full_name.as_deref(), Some("Lisboa, Portugal"));
    assert_eq!(place.bounding_box.as_ref().unwrap().coordinates[0].len(), 4);

    let ext = tweet.extended_tweet.as_ref().unwrap();
    let poll = &ext.entities.as_ref().unwrap().polls[0];
    assert_eq!(poll.options[1].text.as_deref(), Some("No"));
    assert_eq!(poll.duration_minutes, Some(1440));
    assert_eq!(
        poll.end_datetime.unwrap().as_millis() - tweet.created_at.unwrap().as_millis(),
        24 * 3_600_000
    );
    let media = &ext.extended_entities.as_ref().unwrap().media;
    assert_eq!(media[0].media_type, Some(MediaType::Photo));
    assert_eq!(media[1].media_type, Some(MediaType::AnimatedGif));
    assert_eq!(media[2].media_type.as_ref().unwrap().as_str(), "hologram");

    let history = tweet.edit_history.as_ref().unwrap();
    assert_eq!(history.edit_tweet_ids.len(), 2);
    let controls = tweet.edit_controls.as_ref().unwrap();
    assert_eq!(controls.edits_remaining, Some(4));
    assert_eq!(
        controls.editable_until_ms.unwrap().as_millis() - tweet.created_at.unwrap().as_millis(),
        3_600_000
    );
    let rules = tweet.matching_rules.as_ref().unwrap();
    assert_eq!(rules[0].tag.as_deref(), Some("mentions"));
    assert_eq!(tweet.retweeted_status, None);
}

#[test]
fn replay_status_and_revoke() {
    let raw = r#"{"webhook_id":"1234","job_id":"5678","job_state":"Complete","job_state_description":"done"}"#;
    let Event::ReplayJobStatus(status) = decode_event(EventKind::ReplayJobStatus, raw).unwrap()
    else {
        panic!("expected a replay status")
    };
    assert_eq!(status.job_state, JobState::Complete);
    assert_eq!(status.job_id, "5678");
    let raw = r#"{"webhook_id":"1","job_id":"2","job_state":"Paused"}"#;
    let event = decode_event(EventKind::ReplayJobStatus, raw).unwrap();
    let Event::ReplayJobStatus(status) = &event else {
        panic!()
    };
    assert_eq!(status.job_state.as_str(), "Paused");
    assert_eq!(event.kind_name(), "replay_job_status");

    let raw = r#"{"revoke":{"date_time":"2026-02-13T12:00:00+00:00","target":{"app_id":"13090192"},"source":{"user_id":"63046977"}}}"#;
    let Event::UserRevoke(revoke) = decode_event(EventKind::UserRevoke, raw).unwrap() else {
        panic!("expected a revoke")
    };
    assert_eq!(revoke.source.user_id.get(), 63_046_977);
    assert!(decode_event(EventKind::UserRevoke, r#"{"something_else":{}}"#).is_err());
}

#[test]
fn activity_events() {
    let event = decode_activity(ACTIVITY).unwrap();
    assert_eq!(event.kind_name(), "dm.received");
    assert_eq!(event.kind(), None);
    let Event::Activity(a) = &event else { panic!() };
    assert_eq!(a.event_uuid.as_deref(), Some("-1234567890123456789"));
    assert_eq!(a.user_id(), Some(UserId::new(2_244_994_945)));
    assert_eq!(a.tag.as_deref(), Some("inbox"));
    assert_eq!(
        a.includes.as_ref().unwrap().users[0].id.get(),
        3_300_000_000
    );
    assert!(
        a.raw_includes
            .as_ref()
            .unwrap()
            .get()
            .starts_with(r#"{"users""#)
    );
    let aaa_model::ActivityPayload::DirectMessage(dm) = &a.payload else {
        panic!("a dm.received payload is a DmActivity")
    };
    assert_eq!(dm.direct_message_events[0].id.get(), 1);
    assert_eq!(
        a.filter.as_ref().unwrap().direction,
        Some(aaa_model::event::Direction::Inbound)
    );

    // The object under `data` alone decodes the same.
    let data: HashMap<&str, &RawValue> = serde_json::from_str(ACTIVITY).unwrap();
    assert_eq!(decode_activity(data["data"].get()).unwrap(), event);

    assert!(decode_activity(r#"{"event_uuid":"1"}"#).is_err());
    assert!(decode_activity("[]").is_err());
}

#[test]
fn unknown_events_keep_their_raw_json() {
    let u = UnknownEvent::new("some_future_events", r#"{"anything":true}"#);
    let event = Event::Unknown(u);
    assert_eq!(event.kind_name(), "unknown:some_future_events");
    assert_eq!(event.kind(), None);
    let owned = event.clone().into_owned();
    assert_eq!(owned, event);
    let Event::Unknown(u) = owned else { panic!() };
    assert_eq!(u.raw, r#"{"anything":true}"#);
    assert_eq!(u.kind_name(), "unknown:some_future_events");
}

#[test]
fn owned_events_outlive_their_input() {
    let owned: Vec<Event<'static>> = {
        let body = String::from(DM) + " ";
        let env: Envelope<'_> = serde_json::from_str(&body).unwrap();
        env.into_events()
            .into_iter()
            .map(Event::into_owned)
            .collect()
    };
    let Event::DirectMessage(dm) = &owned[0] else {
        panic!()
    };
    assert_eq!(dm.text(), Some("Pick one https://t.co/clip"));

    let tweet: Tweet<'static> = {
        let body = TWEET_EXTENDED.to_owned();
        serde_json::from_str::<Tweet<'_>>(&body)
            .unwrap()
            .into_owned()
    };
    assert_eq!(tweet.lang.as_deref(), Some("en"));
}

#[test]
fn serialization_round_trips() {
    for body in [ACTIONS, DM] {
        let env: Envelope<'_> = serde_json::from_str(body).unwrap();
        let json = serde_json::to_string(&env).unwrap();
        let again: Envelope<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(again, env);
        // Only keys with content are written; ids are strings, timestamps milliseconds.
        assert!(!json.contains("tweet_create_events"));
        assert!(json.contains(r#""for_user_id":"2244994945""#));
    }
    for body in [TWEET_PLAIN, TWEET_EXTENDED] {
        let tweet: Tweet<'_> = serde_json::from_str(body).unwrap();
        let json = serde_json::to_string(&tweet).unwrap();
        assert_eq!(serde_json::from_str::<Tweet<'_>>(&json).unwrap(), tweet);
    }
    let event = decode_activity(ACTIVITY).unwrap();
    let Event::Activity(a) = &event else { panic!() };
    let json = serde_json::to_string(&**a).unwrap();
    assert_eq!(decode_activity(&json).unwrap(), event);
}

#[test]
fn envelope_leniency() {
    // user_has_blocked as a string, is_blocked_by as a bool, unknown keys ignored.
    let body = r#"{"for_user_id":"1","user_has_blocked":"false","is_blocked_by":true,
        "tweet_create_events":[{"id":"5","text":"hi","user":{"id":"2"}}],"extra":{"x":[1]}}"#;
    let env: Envelope<'_> = serde_json::from_str(body).unwrap();
    assert_eq!(env.user_has_blocked, Some(false));
    assert_eq!(env.is_blocked_by, Some(true));
    assert_eq!(env.tweet_create_events[0].text.as_deref(), Some("hi"));

    // A body without events is an empty envelope, not an error.
    let env: Envelope<'_> = serde_json::from_str("{}").unwrap();
    assert_eq!(env.event_count(), 0);
    assert!(env.into_events().is_empty());

    // Wrong types are errors, not silent zeros.
    assert!(serde_json::from_str::<Envelope<'_>>(r#"{"for_user_id":"abc"}"#).is_err());
    assert!(serde_json::from_str::<Envelope<'_>>(r#"{"tweet_create_events":{}}"#).is_err());
    assert!(serde_json::from_str::<Envelope<'_>>("null").is_err());
    // A post without an id is not a post.
    assert!(decode_event(EventKind::TweetCreate, r#"{"text":"no id"}"#).is_err());
}
