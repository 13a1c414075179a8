//! X Activity API events: every event type decodes typed from the invented fixtures under
//! `fixtures/payloads/activity/`, including the variants X's pages and spec disagree on.

use std::collections::BTreeSet;
use std::path::Path;

use aaa_model::event::{Direction, PayloadShape, ReferenceType};
use aaa_model::{ActivityPayload, ActivityType, Event, decode_activity};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/payloads/activity")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn activity(body: &str) -> aaa_model::ActivityEvent<'_> {
    match decode_activity(body) {
        Ok(Event::Activity(a)) => *a,
        other => panic!("not an activity: {other:?}"),
    }
}

#[test]
fn every_event_type_has_a_fixture_that_decodes_to_its_shape() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/payloads/activity");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let a = activity(&body);
        let Some(ty) = a.activity_type() else {
            assert!(
                matches!(a.payload, ActivityPayload::Unknown(_)),
                "{name}: an unknown type keeps its raw payload"
            );
            continue;
        };
        let shape = match &a.payload {
            ActivityPayload::ProfileUpdate(_) => PayloadShape::ProfileUpdate,
            ActivityPayload::News(_) => PayloadShape::News,
            ActivityPayload::UserPair(_) => PayloadShape::UserPair,
            ActivityPayload::Space(_) => PayloadShape::Space,
            ActivityPayload::Broadcast(_) => PayloadShape::Broadcast,
            ActivityPayload::BroadcastChat(_) => PayloadShape::BroadcastChat,
            ActivityPayload::Chat(_) => PayloadShape::Chat,
            ActivityPayload::DirectMessage(_) => PayloadShape::DirectMessage,
            ActivityPayload::Post(_) => PayloadShape::Post,
            ActivityPayload::PostDelete(_) => PayloadShape::PostDelete,
            ActivityPayload::Like(_) => PayloadShape::Like,
            ActivityPayload::Revoke(_) => PayloadShape::Revoke,
            other => panic!("{name}: unexpected payload {other:?}"),
        };
        assert_eq!(shape, ty.payload_shape(), "{name}");
        assert_eq!(
            Event::Activity(Box::new(a.clone())).kind_name(),
            ty.as_str()
        );
        seen.insert(ty);
    }
    let missing: Vec<&str> = ActivityType::ALL
        .iter()
        .filter(|t| !seen.contains(t))
        .map(|t| t.as_str())
        .collect();
    assert!(missing.is_empty(), "no fixture for {missing:?}");
}

#[test]
fn documented_variants_read_alike() {
    // The deprecated alias reads as the canonical type; the name as delivered is kept.
    let body = fixture("chat.conversation_join__deprecated_alias.json");
    let a = activity(&body);
    assert_eq!(a.event_type, "chat.conversation_join");
    assert_eq!(a.activity_type(), Some(ActivityType::ChatConversationJoin));
    assert_eq!(a.type_name(), "chat.conversation.join");

    // Likes: the spec's tweet_author_id and a numeric timestamp_ms, the pages'
    // liked_tweet_author_id and a string.
    for name in ["like.create.json", "like.create__spec_shape.json"] {
        let body = fixture(name);
        let a = activity(&body);
        let ActivityPayload::Like(like) = &a.payload else {
            panic!("{name}")
        };
        assert!(like.liked_author().is_some(), "{name}");
        assert!(like.timestamp_ms.is_some(), "{name}");
    }

    // Direction: inbound/outbound and the changelog's received/sent.
    let direction = |name: &str| {
        let body = fixture(name);
        activity(&body)
            .filter
            .unwrap()
            .direction
            .map(Direction::into_owned)
    };
    assert_eq!(direction("dm.sent.json"), Some(Direction::Outbound));
    assert_eq!(direction("dm.read.json"), Some(Direction::Inbound));
    assert_eq!(
        direction("like.create__spec_shape.json"),
        Some(Direction::Inbound)
    );

    // Users bare and wrapped; DM users in the v2 and the Account Activity shape.
    for name in ["follow.follow.json", "follow.follow__bare_users.json"] {
        let body = fixture(name);
        let ActivityPayload::UserPair(pair) = activity(&body).payload else {
            panic!("{name}")
        };
        assert!(pair.source.unwrap().username.is_some(), "{name}");
    }
    for name in [
        "dm.received.json",
        "dm.read.json",
        "dm.indicate_typing.json",
    ] {
        let body = fixture(name);
        let ActivityPayload::DirectMessage(dm) = activity(&body).payload else {
            panic!("{name}")
        };
        assert_eq!(dm.event_count(), 1, "{name}");
        assert_eq!(dm.users.len(), 2, "{name}");
        assert!(dm.users.values().all(|u| u.username.is_some()), "{name}");
    }

    // Posts: the spec's referenced_posts and includes.posts, a wrapped includes user.
    let body = fixture("post.quote.create__spec_field_names.json");
    let a = activity(&body);
    let ActivityPayload::Post(post) = &a.payload else {
        panic!()
    };
    let quoted = post.quoted().unwrap();
    let includes = a.includes.as_ref().unwrap();
    assert!(includes.tweet(quoted).is_some());
    assert!(includes.user(post.author_id.unwrap()).is_some());
    let body = fixture("post.reply.create.json");
    let ActivityPayload::Post(reply) = activity(&body).payload else {
        panic!()
    };
    assert_eq!(reply.reply_to(), reply.in_reply_to_tweet_id);
    assert_eq!(
        reply.referenced_tweets[0].reference_type,
        ReferenceType::RepliedTo
    );

    // News: the spec's headline and the page's name.
    for name in ["news.new.json", "news.new__event_page_shape.json"] {
        let body = fixture(name);
        let a = activity(&body);
        assert!(a.user_id().is_none() && a.filter.as_ref().unwrap().keyword.is_some());
        let ActivityPayload::News(news) = &a.payload else {
            panic!("{name}")
        };
        assert!(news.title().is_some(), "{name}");
    }

    // oauth.revoke: empty filter.
    let body = fixture("oauth.revoke.json");
    let a = activity(&body);
    assert!(a.filter.as_ref().unwrap().is_empty());
    let ActivityPayload::Revoke(revoke) = a.payload else {
        panic!()
    };
    assert!(revoke.user_id.is_some() && revoke.app_id.is_some());
}

#[test]
fn unknown_types_and_fields_pass_through() {
    let body = fixture("community.join__unknown_type.json");
    let a = activity(&body);
    assert_eq!(a.activity_type(), None);
    assert_eq!(a.type_name(), "community.join");
    let ActivityPayload::Unknown(raw) = &a.payload else {
        panic!()
    };
    assert!(raw.get().contains("\"role\":\"member\""));
    // Serializing writes the payload back byte for byte, unknown fields included.
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains(raw.get()));

    // A known type with a field this crate does not model: typed, and the field is still in the
    // raw payload and in the re-serialized event.
    let body = r#"{"data":{"event_uuid":"5","filter":{"user_id":"1"},"event_type":"post.delete",
        "payload":{"id":"9","author_id":"1","deleted_by":"moderation"}}}"#;
    let a = activity(body);
    let ActivityPayload::PostDelete(d) = a.payload else {
        panic!()
    };
    assert_eq!(d.id.get(), 9);
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains(r#""deleted_by":"moderation""#), "{json}");

    // A payload that does not fit its type is an error naming the type.
    let err =
        decode_activity(r#"{"data":{"event_type":"post.delete","payload":{"id":"not a number"}}}"#)
            .unwrap_err();
    assert!(err.to_string().contains("payload of post.delete"), "{err}");
}

#[test]
fn owned_events_outlive_their_input() {
    let owned: Vec<Event<'static>> = ["dm.received.json", "post.create.json", "spaces.end.json"]
        .iter()
        .map(|name| {
            let body = fixture(name);
            decode_activity(&body).unwrap().into_owned()
        })
        .collect();
    let Event::Activity(a) = &owned[0] else {
        panic!()
    };
    let ActivityPayload::DirectMessage(dm) = &a.payload else {
        panic!()
    };
    assert!(dm.direct_message_events[0].text().is_some());
}
