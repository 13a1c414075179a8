//! Event payloads: one type per kind of event, the [`Event`] enum over all of them, the
//! [`Envelope`] of a whole delivery, and the decoders a scanning parser calls per event.

mod activity;
mod direct_message;
mod entities;
mod envelope;
mod favorite;
mod mark_read;
mod replay;
mod revoke;
mod tweet;
mod tweet_delete;
mod typing;
mod user;
mod user_action;

use core::fmt;
use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Deserialize;

pub use activity::{
    ActivityEnvelope, ActivityEvent, ActivityFilter, ActivityPayload, ActivityType, Affiliation,
    BroadcastActivity, BroadcastChat, CHAT_CONVERSATION_JOIN_ALIAS, ChatActivity, ClusterPost,
    Direction, DmActivity, FilterKind, Includes, LikeActivity, MessageSignature, News,
    NewsContexts, NewsEntities, NotePost, OauthRevoke, PayloadShape, Post, PostAttachments,
    PostDelete, PostEntities, PostMetrics, ProfileUpdate, ReferenceType, ReferencedPost,
    SpaceActivity, UnknownActivityType, UserMetrics, UserPair, V2Mention, V2Tag, V2Url, V2User,
    V2UserEntities,
};
pub use direct_message::{
    Attachment, Cta, DirectMessageEvent, DmApp, DmUser, MessageCreate, MessageData, QuickReply,
    QuickReplyOption, QuickReplyResponse,
};
pub use entities::{
    Entities, ExtendedEntities, HashtagEntity, Indices, Media, MediaSize, MediaSizes, MediaType,
    Poll, PollOption, UrlEntity, UserMention, VideoInfo, VideoVariant,
};
pub use envelope::Envelope;
pub use favorite::FavoriteEvent;
pub use mark_read::MarkReadEvent;
pub use replay::{JobState, ReplayJobStatus};
pub use revoke::{RevokeEvent, RevokeSource, RevokeTarget, UserEvent};
pub use tweet::{
    BoundingBox, Coordinates, EditControls, EditHistory, ExtendedTweet, MatchingRule, Place,
    QuotedStatusPermalink, Tweet,
};
pub use tweet_delete::{DeletedStatus, TweetDeleteEvent};
pub use typing::{DmTarget, TypingEvent};
pub use user::{UrlEntities, User, UserEntities};
pub use user_action::{UserActionEvent, UserActionType};

use crate::owned::IntoStatic;
use crate::{EventKind, Text};

/// One decoded event.
///
/// There is a variant per [`EventKind`], one for X Activity API events and one for events under
/// envelope keys this crate does not know, which keeps their raw JSON so they pass through
/// untouched. Large payloads are boxed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A post created by, mentioning, replying to or quoting the user.
    TweetCreate(Box<Tweet<'a>>),
    /// A like by or of the user.
    Favorite(Box<FavoriteEvent<'a>>),
    /// A follow.
    Follow(Box<UserActionEvent<'a>>),
    /// An unfollow.
    Unfollow(Box<UserActionEvent<'a>>),
    /// A block.
    Block(Box<UserActionEvent<'a>>),
    /// An unblock.
    Unblock(Box<UserActionEvent<'a>>),
    /// A mute.
    Mute(Box<UserActionEvent<'a>>),
    /// An unmute.
    Unmute(Box<UserActionEvent<'a>>),
    /// A post deletion.
    TweetDelete(TweetDeleteEvent),
    /// A direct message.
    DirectMessage(Box<DirectMessageEvent<'a>>),
    /// A typing indicator.
    DirectMessageIndicateTyping(TypingEvent),
    /// A read receipt.
    DirectMessageMarkRead(MarkReadEvent),
    /// An app access revocation.
    UserRevoke(RevokeEvent),
    /// The end of a replay job.
    ReplayJobStatus(ReplayJobStatus<'a>),
    /// An X Activity API event.
    Activity(Box<ActivityEvent<'a>>),
    /// An event under an envelope key this crate does not know, kept verbatim.
    Unknown(UnknownEvent<'a>),
}

impl Event<'_> {
    /// The Account Activity kind, or `None` for [`Event::Activity`] and [`Event::Unknown`].
    pub fn kind(&self) -> Option<EventKind> {
        Some(match self {
            Event::TweetCreate(_) => EventKind::TweetCreate,
            Event::Favorite(_) => EventKind::Favorite,
            Event::Follow(_) => EventKind::Follow,
            Event::Unfollow(_) => EventKind::Unfollow,
            Event::Block(_) => EventKind::Block,
            Event::Unblock(_) => EventKind::Unblock,
            Event::Mute(_) => EventKind::Mute,
            Event::Unmute(_) => EventKind::Unmute,
            Event::TweetDelete(_) => EventKind::TweetDelete,
            Event::DirectMessage(_) => EventKind::DirectMessage,
            Event::DirectMessageIndicateTyping(_) => EventKind::DirectMessageIndicateTyping,
            Event::DirectMessageMarkRead(_) => EventKind::DirectMessageMarkRead,
            Event::UserRevoke(_) => EventKind::UserRevoke,
            Event::ReplayJobStatus(_) => EventKind::ReplayJobStatus,
            Event::Activity(_) | Event::Unknown(_) => return None,
        })
    }

    /// The event's name: the kind's [`EventKind::as_str`] (`tweet_create`, `unfollow`, ...), the
    /// X Activity API `event_type` (`post.create`; the canonical name for a deprecated alias), or
    /// `unknown:<key>`.
    pub fn kind_name(&self) -> &str {
        match self {
            Event::Activity(a) => a.type_name(),
            Event::Unknown(u) => u.kind_name(),
            other => other.kind().map_or("", EventKind::as_str),
        }
    }

    /// Converts into an event that owns all its data.
    pub fn into_owned(self) -> Event<'static> {
        match self {
            Event::TweetCreate(e) => Event::TweetCreate(e.into_static()),
            Event::Favorite(e) => Event::Favorite(e.into_static()),
            Event::Follow(e) => Event::Follow(e.into_static()),
            Event::Unfollow(e) => Event::Unfollow(e.into_static()),
            Event::Block(e) => Event::Block(e.into_static()),
            Event::Unblock(e) => Event::Unblock(e.into_static()),
            Event::Mute(e) => Event::Mute(e.into_static()),
            Event::Unmute(e) => Event::Unmute(e.into_static()),
            Event::TweetDelete(e) => Event::TweetDelete(e),
            Event::DirectMessage(e) => Event::DirectMessage(e.into_static()),
            Event::DirectMessageIndicateTyping(e) => Event::DirectMessageIndicateTyping(e),
            Event::DirectMessageMarkRead(e) => Event::DirectMessageMarkRead(e),
            Event::UserRevoke(e) => Event::UserRevoke(e),
            Event::ReplayJobStatus(e) => Event::ReplayJobStatus(e.into_owned()),
            Event::Activity(e) => Event::Activity(e.into_static()),
            Event::Unknown(e) => Event::Unknown(e.into_owned()),
        }
    }
}

/// An event under an envelope key this crate does not know: the key and the raw JSON of the
/// event (the array element, or the whole value for a non-array key).
#[non_exhaustive]
#[derive(Clone)]
pub struct UnknownEvent<'a> {
    /// The envelope key, e.g. `some_new_events`.
    pub key: Text<'a>,
    /// The event's JSON, verbatim.
    pub raw: Cow<'a, str>,
    name: OnceLock<String>,
}

impl<'a> UnknownEvent<'a> {
    /// An unknown event under `key` with raw JSON `raw`.
    pub fn new(key: impl Into<Text<'a>>, raw: impl Into<Cow<'a, str>>) -> Self {
        UnknownEvent {
            key: key.into(),
            raw: raw.into(),
            name: OnceLock::new(),
        }
    }

    /// `unknown:<key>` (computed once; do not change `key` after calling this).
    pub fn kind_name(&self) -> &str {
        self.name.get_or_init(|| format!("unknown:{}", self.key))
    }

    /// Converts into an event that owns its data.
    pub fn into_owned(self) -> UnknownEvent<'static> {
        UnknownEvent {
            key: self.key.into_owned(),
            raw: Cow::Owned(self.raw.into_owned()),
            name: self.name,
        }
    }
}

impl fmt::Debug for UnknownEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnknownEvent")
            .field("key", &self.key)
            .field("raw", &self.raw)
            .finish()
    }
}

impl PartialEq for UnknownEvent<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.raw == other.raw
    }
}

/// The variant for a follow/block/mute family event found under `kind`'s key: the kind its
/// `type` names when that belongs to the same family, else `kind`.
pub(crate) fn user_action_event(kind: EventKind, event: UserActionEvent<'_>) -> Event<'_> {
    let refined = event
        .action_type
        .as_ref()
        .and_then(|t| kind.refine_by_type(Some(t.as_str().as_bytes())))
        .unwrap_or(kind);
    user_action_variant(refined, Box::new(event))
}

/// The follow/block/mute family variant of `kind` (`Follow` for kinds outside the family).
fn user_action_variant(kind: EventKind, event: Box<UserActionEvent<'_>>) -> Event<'_> {
    match kind {
        EventKind::Unfollow => Event::Unfollow(event),
        EventKind::Block => Event::Block(event),
        EventKind::Unblock => Event::Unblock(event),
        EventKind::Mute => Event::Mute(event),
        EventKind::Unmute => Event::Unmute(event),
        _ => Event::Follow(event),
    }
}

/// Decodes one event of a known kind from its raw JSON.
///
/// `raw` is one element of the kind's array (`tweet_create_events[i]`, ...), or for
/// [`EventKind::UserRevoke`] the object under `user_event` (`{"revoke":{...}}`), or for
/// [`EventKind::ReplayJobStatus`] the object under `replay_job_status`. Strings without escapes
/// are borrowed from `raw`.
///
/// The variant is always `kind`'s, so `decode_event(k, raw)?.kind() == Some(k)`. Unfollows,
/// unblocks and unmutes arrive inside `follow_events` / `block_events` / `mute_events`: refine the
/// array's kind with the event's `type` first ([`EventKind::refine_by_type`]), as a scanning
/// parser does. ([`Envelope::into_events`] does this refinement itself.)
///
/// ```
/// use aaa_model::{Event, EventKind, decode_event};
///
/// let raw = r#"{"created_timestamp":"1518127183443","sender_id":"3284025577",
///               "target":{"recipient_id":"3001969357"}}"#;
/// let event = decode_event(EventKind::DirectMessageIndicateTyping, raw).unwrap();
/// let Event::DirectMessageIndicateTyping(typing) = &event else { panic!() };
/// assert_eq!(typing.sender_id.get(), 3284025577);
/// assert_eq!(event.kind_name(), "direct_message_indicate_typing");
/// ```
///
/// # Errors
///
/// When `raw` is not valid JSON or does not have the kind's shape (a required field missing or
/// of the wrong type, an id that is not numeric, ...).
pub fn decode_event(kind: EventKind, raw: &str) -> Result<Event<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(raw);
    let event = decode_event_with(kind, &mut de)?;
    de.end()?;
    Ok(event)
}

/// Decodes one event of a known kind from any serde deserializer positioned at the event's
/// object: the same dispatch as [`decode_event`] (the same type per kind, the same variant), for
/// a parser that brings its own [`Deserializer`](serde::Deserializer). Strings borrow from the
/// deserializer's input where it can lend them.
///
/// The caller checks that nothing but whitespace follows the event, as [`decode_event`] does.
///
/// # Errors
///
/// The deserializer's error when the event does not have the kind's shape.
pub fn decode_event_with<'de, D: serde::Deserializer<'de>>(
    kind: EventKind,
    deserializer: D,
) -> Result<Event<'de>, D::Error> {
    Ok(match kind {
        EventKind::TweetCreate => Event::TweetCreate(Box::new(Tweet::deserialize(deserializer)?)),
        EventKind::Favorite => Event::Favorite(Box::new(FavoriteEvent::deserialize(deserializer)?)),
        EventKind::Follow
        | EventKind::Unfollow
        | EventKind::Block
        | EventKind::Unblock
        | EventKind::Mute
        | EventKind::Unmute => {
            user_action_variant(kind, Box::new(UserActionEvent::deserialize(deserializer)?))
        }
        EventKind::TweetDelete => Event::TweetDelete(TweetDeleteEvent::deserialize(deserializer)?),
        EventKind::DirectMessage => {
            Event::DirectMessage(Box::new(DirectMessageEvent::deserialize(deserializer)?))
        }
        EventKind::DirectMessageIndicateTyping => {
            Event::DirectMessageIndicateTyping(TypingEvent::deserialize(deserializer)?)
        }
        EventKind::DirectMessageMarkRead => {
            Event::DirectMessageMarkRead(MarkReadEvent::deserialize(deserializer)?)
        }
        EventKind::UserRevoke => {
            #[derive(Deserialize)]
            struct Wrapper {
                revoke: RevokeEvent,
            }
            Event::UserRevoke(Wrapper::deserialize(deserializer)?.revoke)
        }
        EventKind::ReplayJobStatus => {
            Event::ReplayJobStatus(ReplayJobStatus::deserialize(deserializer)?)
        }
    })
}

/// Decodes an X Activity API event: either a whole delivery body `{"data":{...}}` (a webhook
/// POST or one line of the activity stream) or the object under `data`. The payload is decoded
/// by event type ([`ActivityPayload`]); strings without escapes are borrowed from `raw`, and the
/// payload and includes are also kept verbatim.
///
/// ```
/// use aaa_model::{ActivityPayload, ActivityType, Event, decode_activity};
///
/// let body = r#"{"data":{"event_uuid":"1","event_type":"follow.follow",
///     "filter":{"user_id":"42"},
///     "payload":{"source":{"data":{"id":"42","username":"a"}},"target":{"id":"7"}}}}"#;
/// let event = decode_activity(body).unwrap();
/// assert_eq!(event.kind_name(), "follow.follow");
/// let Event::Activity(a) = event else { panic!() };
/// assert_eq!(a.activity_type(), Some(ActivityType::FollowFollow));
/// assert_eq!(a.user_id().unwrap().get(), 42);
/// let ActivityPayload::UserPair(pair) = &a.payload else { panic!() };
/// assert_eq!(pair.target_id().unwrap().get(), 7);
/// assert!(a.raw_payload.unwrap().get().starts_with(r#"{"source""#));
/// ```
///
/// # Errors
///
/// When `raw` is not valid JSON, or has neither `data` nor `event_type`, or a field has the wrong
/// type, or the payload does not have its event type's shape.
pub fn decode_activity(raw: &str) -> Result<Event<'_>, serde_json::Error> {
    activity::decode_either(raw).map(|a| Event::Activity(Box::new(a)))
}
