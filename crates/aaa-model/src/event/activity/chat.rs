//! `chat.*`: encrypted chat (XChat) events.

use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, UserId};

borrowed_struct! {
    /// The payload of every `chat.*` event. The message itself is encrypted: `encoded_event`
    /// (and `conversation_key_change_event` when the conversation key changed) are opaque
    /// base64 strings that X's Chat XDK decrypts. Deduplicate deliveries on the envelope's
    /// `event_uuid`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ChatActivity<'a> {
        /// The chat event's id.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub id: Option<Text<'a>>,
        /// The conversation, e.g. `2222:1111` or `1215441834412953600-1843439638876491776`.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub conversation_id: Option<Text<'a>>,
        /// The sender.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub sender_id: Option<UserId>,
        /// When it was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at_msec: Option<Timestamp>,
        /// A token naming the conversation for the Chat XDK.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub conversation_token: Option<Text<'a>>,
        /// The conversation key's version.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub conversation_key_version: Option<Text<'a>>,
        /// The encrypted event.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub encoded_event: Option<Text<'a>>,
        /// The encrypted key change, when the conversation key changed.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub conversation_key_change_event: Option<Text<'a>>,
        /// The sender's signature over the message.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub message_event_signature: Option<MessageSignature<'a>>,
    }
}

borrowed_struct! {
    /// The signature over an encrypted chat message.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MessageSignature<'a> {
        /// The signature (base64).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub signature: Option<Text<'a>>,
        /// The signature scheme's version.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub signature_version: Option<Text<'a>>,
        /// The signing public key (base64 DER).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub signing_public_key: Option<Text<'a>>,
        /// The public key's version.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub public_key_version: Option<Text<'a>>,
    }
}
