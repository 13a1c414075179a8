//! The typed `payload` of an X Activity API event, chosen by its event type.

use serde::Serialize;
use serde::ser::Serializer;

use super::activity_type::{ActivityType, PayloadShape};
use super::{
    BroadcastActivity, BroadcastChat, ChatActivity, DmActivity, LikeActivity, News, OauthRevoke,
    Post, PostDelete, ProfileUpdate, SpaceActivity, UserPair,
};
use crate::RawJson;

/// The `payload` of an X Activity API event, decoded by its event type.
///
/// One variant per payload shape ([`PayloadShape`]); the event's
/// [`event_type`](super::ActivityEvent::event_type) tells, e.g., a follow from a block, both
/// [`ActivityPayload::UserPair`]. Event types this crate does not know keep their payload as
/// [`ActivityPayload::Unknown`] with its raw JSON; a payload that is absent, `null` or `{}` (as
/// in X's generic envelope sample) is [`ActivityPayload::Empty`]. Large payloads are boxed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ActivityPayload<'a> {
    /// `profile.update.*`.
    ProfileUpdate(ProfileUpdate<'a>),
    /// `news.new`.
    News(Box<News<'a>>),
    /// `follow.*`, `mute.*`, `block.*`.
    UserPair(Box<UserPair<'a>>),
    /// `spaces.*`.
    Space(Box<SpaceActivity<'a>>),
    /// `broadcast.start`, `broadcast.end`.
    Broadcast(Box<BroadcastActivity<'a>>),
    /// `broadcast.chat`.
    BroadcastChat(Box<BroadcastChat<'a>>),
    /// `chat.*`.
    Chat(Box<ChatActivity<'a>>),
    /// `dm.*`.
    DirectMessage(Box<DmActivity<'a>>),
    /// `post.create`, `post.mention.create`, `post.reply.create`, `post.quote.create`,
    /// `post.repost.create`.
    Post(Box<Post<'a>>),
    /// `post.delete`.
    PostDelete(PostDelete),
    /// `like.create`.
    Like(LikeActivity<'a>),
    /// `oauth.revoke`.
    Revoke(OauthRevoke),
    /// No payload, `null` or `{}`.
    #[default]
    Empty,
    /// The payload of an event type this crate does not know, verbatim.
    Unknown(RawJson<'a>),
}

impl<'a> ActivityPayload<'a> {
    /// Decodes `raw`, the JSON of a `payload`, as the shape `event_type` names; unknown types
    /// give [`ActivityPayload::Unknown`] (`None` for a missing payload gives `Empty`).
    ///
    /// # Errors
    ///
    /// When the payload does not have the type's shape (a required id missing or not numeric,
    /// a string where an object belongs, ...).
    pub fn decode(
        event_type: Option<ActivityType>,
        raw: Option<&'a serde_json::value::RawValue>,
    ) -> Result<Self, serde_json::Error> {
        let Some(raw) = raw else {
            return Ok(ActivityPayload::Empty);
        };
        let text = raw.get();
        if is_empty_payload(text) {
            return Ok(ActivityPayload::Empty);
        }
        let Some(event_type) = event_type else {
            return Ok(ActivityPayload::Unknown(RawJson::borrowed(raw)));
        };
        Ok(match event_type.payload_shape() {
            PayloadShape::ProfileUpdate => {
                ActivityPayload::ProfileUpdate(serde_json::from_str(text)?)
            }
            PayloadShape::News => ActivityPayload::News(serde_json::from_str(text)?),
            PayloadShape::UserPair => ActivityPayload::UserPair(serde_json::from_str(text)?),
            PayloadShape::Space => ActivityPayload::Space(serde_json::from_str(text)?),
            PayloadShape::Broadcast => ActivityPayload::Broadcast(serde_json::from_str(text)?),
            PayloadShape::BroadcastChat => {
                ActivityPayload::BroadcastChat(serde_json::from_str(text)?)
            }
            PayloadShape::Chat => ActivityPayload::Chat(serde_json::from_str(text)?),
            PayloadShape::DirectMessage => {
                ActivityPayload::DirectMessage(serde_json::from_str(text)?)
            }
            PayloadShape::Post => ActivityPayload::Post(serde_json::from_str(text)?),
            PayloadShape::PostDelete => ActivityPayload::PostDelete(serde_json::from_str(text)?),
            PayloadShape::Like => ActivityPayload::Like(serde_json::from_str(text)?),
            PayloadShape::Revoke => ActivityPayload::Revoke(serde_json::from_str(text)?),
        })
    }

    /// Converts into a payload that owns all its data.
    pub fn into_owned(self) -> ActivityPayload<'static> {
        use crate::owned::IntoStatic;
        match self {
            ActivityPayload::ProfileUpdate(p) => ActivityPayload::ProfileUpdate(p.into_owned()),
            ActivityPayload::News(p) => ActivityPayload::News(p.into_static()),
            ActivityPayload::UserPair(p) => ActivityPayload::UserPair(p.into_static()),
            ActivityPayload::Space(p) => ActivityPayload::Space(p.into_static()),
            ActivityPayload::Broadcast(p) => ActivityPayload::Broadcast(p.into_static()),
            ActivityPayload::BroadcastChat(p) => ActivityPayload::BroadcastChat(p.into_static()),
            ActivityPayload::Chat(p) => ActivityPayload::Chat(p.into_static()),
            ActivityPayload::DirectMessage(p) => ActivityPayload::DirectMessage(p.into_static()),
            ActivityPayload::Post(p) => ActivityPayload::Post(p.into_static()),
            ActivityPayload::PostDelete(p) => ActivityPayload::PostDelete(p),
            ActivityPayload::Like(p) => ActivityPayload::Like(p.into_owned()),
            ActivityPayload::Revoke(p) => ActivityPayload::Revoke(p),
            ActivityPayload::Empty => ActivityPayload::Empty,
            ActivityPayload::Unknown(raw) => ActivityPayload::Unknown(raw.into_owned()),
        }
    }
}

/// Whether a payload's JSON is `null` or an object without members.
fn is_empty_payload(text: &str) -> bool {
    let mut significant = text.bytes().filter(|b| !b.is_ascii_whitespace());
    match significant.next() {
        Some(b'n') => true,
        Some(b'{') => significant.next() == Some(b'}'),
        _ => false,
    }
}

impl Serialize for ActivityPayload<'_> {
    /// Writes the payload object (`{}` for `Empty`, the raw JSON for `Unknown`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ActivityPayload::ProfileUpdate(p) => p.serialize(serializer),
            ActivityPayload::News(p) => p.serialize(serializer),
            ActivityPayload::UserPair(p) => p.serialize(serializer),
            ActivityPayload::Space(p) => p.serialize(serializer),
            ActivityPayload::Broadcast(p) => p.serialize(serializer),
            ActivityPayload::BroadcastChat(p) => p.serialize(serializer),
            ActivityPayload::Chat(p) => p.serialize(serializer),
            ActivityPayload::DirectMessage(p) => p.serialize(serializer),
            ActivityPayload::Post(p) => p.serialize(serializer),
            ActivityPayload::PostDelete(p) => p.serialize(serializer),
            ActivityPayload::Like(p) => p.serialize(serializer),
            ActivityPayload::Revoke(p) => p.serialize(serializer),
            ActivityPayload::Empty => {
                use serde::ser::SerializeMap;
                serializer.serialize_map(Some(0))?.end()
            }
            ActivityPayload::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

impl crate::owned::IntoStatic for ActivityPayload<'_> {
    type Static = ActivityPayload<'static>;
    fn into_static(self) -> ActivityPayload<'static> {
        self.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_payloads() {
        for text in ["{}", " { } ", "null", "{\n}"] {
            assert!(is_empty_payload(text), "{text:?}");
        }
        for text in [r#"{"a":1}"#, "[]", "1", r#""{}""#] {
            assert!(!is_empty_payload(text), "{text:?}");
        }
    }
}
