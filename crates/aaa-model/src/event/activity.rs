//! X Activity API (XAA) deliveries: `{"data":{"event_uuid","event_type","filter","tag","payload","includes"}}`.

use serde::de;
use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{RawJson, Text, UserId};

borrowed_struct! {
    /// One X Activity API event: the object under `data`.
    ///
    /// The X Activity API, which supersedes the Account Activity API, reuses its webhooks, CRC
    /// and signature but wraps each event as `{"data":{...}}` with an `event_type` such as
    /// `post.create`, `follow.follow` or `dm.received`. This crate keeps `payload` and `includes`
    /// as raw JSON (their shapes vary with `event_type`); use [`RawJson::parse`] to decode them.
    ///
    /// Every field but `event_type` is optional: X's samples leave out `event_uuid`, `filter` and
    /// `tag` in places.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ActivityEvent<'a> {
        /// The event's unique id (the dedupe key): a decimal number, possibly negative, or a UUID.
        #[serde(default, borrow)]
        pub event_uuid: Option<Text<'a>>,
        /// What happened, e.g. `post.create`.
        #[serde(borrow)]
        pub event_type: Text<'a>,
        /// The subscription filter that matched.
        #[serde(default, borrow)]
        pub filter: Option<ActivityFilter<'a>>,
        /// The subscription's tag.
        #[serde(default, borrow)]
        pub tag: Option<Text<'a>>,
        /// The event's data, verbatim.
        #[serde(default, borrow)]
        pub payload: Option<RawJson<'a>>,
        /// Expanded objects referenced by the payload, verbatim.
        #[serde(default, borrow)]
        pub includes: Option<RawJson<'a>>,
    }
}

borrowed_struct! {
    /// The filter of an X Activity API subscription.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ActivityFilter<'a> {
        /// The user the subscription follows.
        #[serde(default)]
        pub user_id: Option<UserId>,
        /// The keyword, for keyword subscriptions (e.g. `news.new`).
        #[serde(default, borrow)]
        pub keyword: Option<Text<'a>>,
        /// `inbound` or `outbound`, where the event type has a direction.
        #[serde(default, borrow)]
        pub direction: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A whole X Activity API delivery body, `{"data":{...}}`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ActivityEnvelope<'a> {
        /// The event.
        #[serde(borrow)]
        pub data: ActivityEvent<'a>,
    }
}

/// Reads either a whole body `{"data":{...}}` or the object under `data`.
pub(crate) fn decode_either(raw: &str) -> Result<ActivityEvent<'_>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Either<'a> {
        #[serde(default, borrow)]
        data: Option<ActivityEvent<'a>>,
        #[serde(default, borrow)]
        event_uuid: Option<Text<'a>>,
        #[serde(default, borrow)]
        event_type: Option<Text<'a>>,
        #[serde(default, borrow)]
        filter: Option<ActivityFilter<'a>>,
        #[serde(default, borrow)]
        tag: Option<Text<'a>>,
        #[serde(default, borrow)]
        payload: Option<RawJson<'a>>,
        #[serde(default, borrow)]
        includes: Option<RawJson<'a>>,
    }

    let e: Either<'_> = serde_json::from_str(raw)?;
    if let Some(data) = e.data {
        return Ok(data);
    }
    let Some(event_type) = e.event_type else {
        return Err(<serde_json::Error as de::Error>::missing_field("data"));
    };
    Ok(ActivityEvent {
        event_uuid: e.event_uuid,
        event_type,
        filter: e.filter,
        tag: e.tag,
        payload: e.payload,
        includes: e.includes,
    })
}

impl ActivityEvent<'_> {
    /// The user the event concerns, from `filter.user_id`.
    pub fn user_id(&self) -> Option<UserId> {
        self.filter.as_ref().and_then(|f| f.user_id)
    }
}
