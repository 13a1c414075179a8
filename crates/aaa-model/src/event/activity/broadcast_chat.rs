//! `broadcast.chat`: a chat message in a broadcast the filtered user owns.

use serde::{Deserialize, Serialize};

use super::V2User;
use crate::Text;
use crate::owned::borrowed_struct;

borrowed_struct! {
    /// The payload of `broadcast.chat`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct BroadcastChat<'a> {
        /// The broadcast.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub broadcast_id: Option<Text<'a>>,
        /// The chat message's id.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub message_id: Option<Text<'a>>,
        /// The message.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub message: Option<Text<'a>>,
        /// Who wrote it.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub author: Option<V2User<'a>>,
    }
}
