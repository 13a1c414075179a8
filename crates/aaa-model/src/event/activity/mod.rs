//! X Activity API (XAA) events: `{"data":{"event_uuid","event_type","filter","tag","payload","includes"}}`,
//! delivered to webhooks and on the activity stream alike, with a typed payload per event type.

mod activity_type;
mod broadcast;
mod broadcast_chat;
mod chat;
mod dm;
mod filter;
mod includes;
mod like;
mod news;
mod payload;
mod post;
mod post_delete;
mod profile_update;
mod revoke;
mod space;
mod user_pair;
mod v2_entities;
mod v2_user;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;

pub use activity_type::{
    ActivityType, CHAT_CONVERSATION_JOIN_ALIAS, FilterKind, PayloadShape, UnknownActivityType,
};
pub use broadcast::BroadcastActivity;
pub use broadcast_chat::BroadcastChat;
pub use chat::{ChatActivity, MessageSignature};
pub use dm::DmActivity;
pub use filter::{ActivityFilter, Direction};
pub use includes::Includes;
pub use like::LikeActivity;
pub use news::{ClusterPost, News, NewsContexts, NewsEntities};
pub use payload::ActivityPayload;
pub use post::{NotePost, Post, PostAttachments, PostMetrics, ReferenceType, ReferencedPost};
pub use post_delete::PostDelete;
pub use profile_update::ProfileUpdate;
pub use revoke::OauthRevoke;
pub use space::SpaceActivity;
pub use user_pair::UserPair;
pub use v2_entities::{PostEntities, V2Mention, V2Tag, V2Url, V2UserEntities};
pub use v2_user::{Affiliation, UserMetrics, V2User};

use crate::{RawJson, Text, UserId};

/// One X Activity API event: the object under `data`.
///
/// The X Activity API, which supersedes the Account Activity API, reuses its webhooks, CRC
/// and signature (and adds a line-delimited stream) but wraps each event as `{"data":{...}}`
/// with an `event_type` such as `post.create`, `follow.follow` or `dm.received`. The payload
/// is decoded by event type into [`ActivityPayload`]; `includes` into [`Includes`]. Both are
/// also kept verbatim (`raw_payload`, `raw_includes`), so fields this crate does not model pass
/// through, and serializing writes them back unchanged.
///
/// Every field but `event_type` is optional: X's samples leave out `event_uuid`, `filter` and
/// `tag` in places. Deserializing needs a deserializer that can lend its input
/// (`serde_json::from_str` / `from_slice`), since the raw parts are borrowed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActivityEvent<'a> {
    /// The event's unique id (the dedupe key): a decimal number, possibly negative, or a UUID.
    pub event_uuid: Option<Text<'a>>,
    /// What happened, as delivered (e.g. `post.create`); [`ActivityEvent::activity_type`] reads
    /// it.
    pub event_type: Text<'a>,
    /// The subscription filter that matched.
    pub filter: Option<ActivityFilter<'a>>,
    /// The subscription's tag.
    pub tag: Option<Text<'a>>,
    /// The typed payload.
    pub payload: ActivityPayload<'a>,
    /// Users and posts the payload refers to.
    pub includes: Option<Includes<'a>>,
    /// The payload's JSON, verbatim.
    pub raw_payload: Option<RawJson<'a>>,
    /// The includes' JSON, verbatim.
    pub raw_includes: Option<RawJson<'a>>,
}

impl<'a> ActivityEvent<'a> {
    /// The event type, when it is one this crate knows (the deprecated
    /// `chat.conversation_join` reads as `chat.conversation.join`).
    pub fn activity_type(&self) -> Option<ActivityType> {
        ActivityType::from_name(&self.event_type)
    }

    /// The canonical event type name: [`ActivityType::as_str`] for known types, the delivered
    /// name otherwise.
    pub fn type_name(&self) -> &str {
        ActivityType::canonical_name(&self.event_type)
    }

    /// The user the event concerns, from `filter.user_id`.
    pub fn user_id(&self) -> Option<UserId> {
        self.filter.as_ref().and_then(|f| f.user_id)
    }

    /// Converts into an event that owns all its data.
    pub fn into_owned(self) -> ActivityEvent<'static> {
        ActivityEvent {
            event_uuid: self.event_uuid.map(Text::into_owned),
            event_type: self.event_type.into_owned(),
            filter: self.filter.map(ActivityFilter::into_owned),
            tag: self.tag.map(Text::into_owned),
            payload: self.payload.into_owned(),
            includes: self.includes.map(Includes::into_owned),
            raw_payload: self.raw_payload.map(RawJson::into_owned),
            raw_includes: self.raw_includes.map(RawJson::into_owned),
        }
    }

    /// Builds the event from its parts, decoding `payload` and `includes`.
    fn from_parts(parts: Parts<'a>) -> Result<Self, serde_json::Error> {
        let Some(event_type) = parts.event_type else {
            return Err(de::Error::missing_field("event_type"));
        };
        let payload = ActivityPayload::decode(ActivityType::from_name(&event_type), parts.payload)
            .map_err(|e| {
                de::Error::custom(format_args!("payload of {}: {e}", event_type.as_str()))
            })?;
        let includes = match parts.includes {
            Some(raw) if raw.get() != "null" => Some(
                serde_json::from_str::<Includes<'a>>(raw.get())
                    .map_err(|e| de::Error::custom(format_args!("includes: {e}")))?,
            ),
            _ => None,
        };
        Ok(ActivityEvent {
            event_uuid: parts.event_uuid,
            event_type,
            filter: parts.filter,
            tag: parts.tag,
            payload,
            includes,
            raw_payload: parts.payload.map(RawJson::borrowed),
            raw_includes: parts.includes.map(RawJson::borrowed),
        })
    }
}

/// The members of a delivery body or of its `data` object, before decoding.
#[derive(serde::Deserialize)]
struct Parts<'a> {
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
    event_uuid: Option<Text<'a>>,
    #[serde(default, borrow)]
    event_type: Option<Text<'a>>,
    #[serde(default, borrow)]
    filter: Option<ActivityFilter<'a>>,
    #[serde(default, borrow)]
    tag: Option<Text<'a>>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
    #[serde(default, borrow)]
    includes: Option<&'a RawValue>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ActivityEvent<'a> {
    /// Reads the object under `data`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parts = Parts::deserialize(deserializer)?;
        ActivityEvent::from_parts(parts).map_err(de::Error::custom)
    }
}

impl Serialize for ActivityEvent<'_> {
    /// Writes the object under `data`, in X's member order, with the payload and includes as
    /// they were received (or as typed, for an event built in code).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ActivityEvent", 6)?;
        if let Some(uuid) = &self.event_uuid {
            s.serialize_field("event_uuid", uuid)?;
        }
        if let Some(filter) = &self.filter {
            s.serialize_field("filter", filter)?;
        }
        s.serialize_field("event_type", &self.event_type)?;
        if let Some(tag) = &self.tag {
            s.serialize_field("tag", tag)?;
        }
        match &self.raw_payload {
            Some(raw) => s.serialize_field("payload", raw)?,
            None => s.serialize_field("payload", &self.payload)?,
        }
        match (&self.raw_includes, &self.includes) {
            (Some(raw), _) => s.serialize_field("includes", raw)?,
            (None, Some(includes)) => s.serialize_field("includes", includes)?,
            (None, None) => {}
        }
        s.end()
    }
}

impl crate::owned::IntoStatic for ActivityEvent<'_> {
    type Static = ActivityEvent<'static>;
    fn into_static(self) -> ActivityEvent<'static> {
        self.into_owned()
    }
}

/// A whole X Activity API delivery body (webhook POST or stream line), `{"data":{...}}`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize, serde::Serialize)]
pub struct ActivityEnvelope<'a> {
    /// The event.
    #[serde(borrow)]
    pub data: ActivityEvent<'a>,
}

impl ActivityEnvelope<'_> {
    /// Converts into an envelope that owns all its data.
    pub fn into_owned(self) -> ActivityEnvelope<'static> {
        ActivityEnvelope {
            data: self.data.into_owned(),
        }
    }
}

/// Reads either a whole body `{"data":{...}}` or the object under `data`.
pub(crate) fn decode_either(raw: &str) -> Result<ActivityEvent<'_>, serde_json::Error> {
    let parts: Parts<'_> = serde_json::from_str(raw)?;
    if let Some(data) = parts.data {
        let inner: Parts<'_> = serde_json::from_str(data.get())?;
        return ActivityEvent::from_parts(inner);
    }
    if parts.event_type.is_none() {
        return Err(de::Error::missing_field("data"));
    }
    ActivityEvent::from_parts(parts)
}
