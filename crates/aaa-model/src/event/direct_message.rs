//! Direct messages (`direct_message_events`) and the `users` / `apps` maps that come with them.

use serde::{Deserialize, Serialize};

use super::entities::{Entities, Media};
use super::typing::DmTarget;
use crate::owned::borrowed_struct;
use crate::{AppId, DmEventId, Text, Timestamp, UserId};

borrowed_struct! {
    /// A direct message sent or received by the subscribed user.
    ///
    /// The sender and recipient are described in the envelope's `users` map (see [`DmUser`]) and
    /// the sending app in its `apps` map (see [`DmApp`]).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct DirectMessageEvent<'a> {
        /// The event type; `message_create` for every message X documents.
        #[serde(default, borrow, rename = "type")]
        pub event_type: Option<Text<'a>>,
        /// The message id (the dedupe key).
        pub id: DmEventId,
        /// When it was sent (milliseconds, a string).
        #[serde(default)]
        pub created_timestamp: Option<Timestamp>,
        /// The message, for `message_create` events.
        #[serde(default, borrow)]
        pub message_create: Option<MessageCreate<'a>>,
    }
}

borrowed_struct! {
    /// The `message_create` object of a direct message.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MessageCreate<'a> {
        /// The recipient.
        pub target: DmTarget,
        /// The sender.
        pub sender_id: UserId,
        /// The app the message was sent with, when X names it.
        #[serde(default)]
        pub source_app_id: Option<AppId>,
        /// The content.
        #[serde(default, borrow)]
        pub message_data: MessageData<'a>,
    }
}

borrowed_struct! {
    /// The content of a direct message.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MessageData<'a> {
        /// The text.
        #[serde(default, borrow)]
        pub text: Option<Text<'a>>,
        /// Entities in the text.
        #[serde(default, borrow)]
        pub entities: Option<Entities<'a>>,
        /// An attached media item.
        #[serde(default, borrow)]
        pub attachment: Option<Attachment<'a>>,
        /// Quick reply options offered with the message.
        #[serde(default, borrow)]
        pub quick_reply: Option<QuickReply<'a>>,
        /// The quick reply option this message answers with.
        #[serde(default, borrow)]
        pub quick_reply_response: Option<QuickReplyResponse<'a>>,
        /// Call-to-action buttons.
        #[serde(default, borrow)]
        pub ctas: Vec<Cta<'a>>,
    }
}

borrowed_struct! {
    /// A direct message attachment.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Attachment<'a> {
        /// `media` (or `location` for location attachments).
        #[serde(default, borrow, rename = "type")]
        pub attachment_type: Option<Text<'a>>,
        /// The media item.
        #[serde(default, borrow)]
        pub media: Option<Media<'a>>,
    }
}

borrowed_struct! {
    /// Quick reply options offered with a message.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct QuickReply<'a> {
        /// `options`.
        #[serde(default, borrow, rename = "type")]
        pub reply_type: Option<Text<'a>>,
        /// The options.
        #[serde(default, borrow)]
        pub options: Vec<QuickReplyOption<'a>>,
    }
}

borrowed_struct! {
    /// One quick reply option.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct QuickReplyOption<'a> {
        /// The label shown.
        #[serde(default, borrow)]
        pub label: Option<Text<'a>>,
        /// A description shown under the label.
        #[serde(default, borrow)]
        pub description: Option<Text<'a>>,
        /// Data for the sending app, echoed in the response.
        #[serde(default, borrow)]
        pub metadata: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// The quick reply option a message answers with.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct QuickReplyResponse<'a> {
        /// `options`.
        #[serde(default, borrow, rename = "type")]
        pub response_type: Option<Text<'a>>,
        /// The chosen option's `metadata` (any string, JSON text included).
        #[serde(default, borrow)]
        pub metadata: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A call-to-action button.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Cta<'a> {
        /// `web_url`.
        #[serde(default, borrow, rename = "type")]
        pub cta_type: Option<Text<'a>>,
        /// The button label.
        #[serde(default, borrow)]
        pub label: Option<Text<'a>>,
        /// Where it leads.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A user in the envelope's `users` map of direct message, typing and read events.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct DmUser<'a> {
        /// The user id.
        pub id: UserId,
        /// When the account was created (milliseconds, a string).
        #[serde(default)]
        pub created_timestamp: Option<Timestamp>,
        /// The display name.
        #[serde(default, borrow)]
        pub name: Option<Text<'a>>,
        /// The handle, without `@`.
        #[serde(default, borrow)]
        pub screen_name: Option<Text<'a>>,
        /// The free-text location.
        #[serde(default, borrow)]
        pub location: Option<Text<'a>>,
        /// The bio.
        #[serde(default, borrow)]
        pub description: Option<Text<'a>>,
        /// The profile URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub url: Option<Text<'a>>,
        /// Whether the account's posts are protected.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub protected: Option<bool>,
        /// Whether the account is verified.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub verified: Option<bool>,
        /// Followers.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub followers_count: Option<u64>,
        /// Accounts followed.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub friends_count: Option<u64>,
        /// Posts.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub statuses_count: Option<u64>,
        /// Avatar URL; X has been seen sending the string `"null"`, read as `None`.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_image_url: Option<Text<'a>>,
        /// Avatar URL over https.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_image_url_https: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// An app in the envelope's `apps` map.
    ///
    /// Every field is optional: one of X's published samples nests the `users` map (and the user
    /// objects) inside `apps`, and a lenient model reads that rather than rejecting it.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct DmApp<'a> {
        /// The app id.
        #[serde(default)]
        pub id: Option<AppId>,
        /// The app name.
        #[serde(default, borrow)]
        pub name: Option<Text<'a>>,
        /// The app's website.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub url: Option<Text<'a>>,
    }
}

impl DirectMessageEvent<'_> {
    /// The sender, when this is a `message_create` event.
    pub fn sender(&self) -> Option<UserId> {
        self.message_create.as_ref().map(|m| m.sender_id)
    }

    /// The recipient, when this is a `message_create` event.
    pub fn recipient(&self) -> Option<UserId> {
        self.message_create.as_ref().map(|m| m.target.recipient_id)
    }

    /// The text, when there is one.
    pub fn text(&self) -> Option<&str> {
        self.message_create
            .as_ref()
            .and_then(|m| m.message_data.text.as_deref())
    }
}
