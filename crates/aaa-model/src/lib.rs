#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod owned;

pub mod event;
pub mod id;
mod kind;
pub mod lenient;
mod raw;
pub mod rest;
mod text;
pub mod time;

pub use event::{
    ActivityEvent, ActivityPayload, ActivityType, DirectMessageEvent, Envelope, Event,
    FavoriteEvent, MarkReadEvent, ReplayJobStatus, RevokeEvent, Tweet, TweetDeleteEvent,
    TypingEvent, UnknownEvent, User, UserActionEvent, decode_activity, decode_event,
    decode_event_with,
};
pub use id::{
    AppId, DmEventId, JobId, MediaId, ParseIdError, RuleId, SubscriptionId, TweetId, UserId,
    WebhookId,
};
pub use kind::EventKind;
pub use raw::RawJson;
pub use text::Text;
pub use time::{ParseTimestampError, Timestamp};
