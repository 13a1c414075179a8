//! `spaces.start` and `spaces.end`.

use serde::{Deserialize, Serialize};

use super::V2User;
use crate::Text;
use crate::owned::borrowed_struct;

borrowed_struct! {
    /// The payload of `spaces.start` and `spaces.end`: the host and the Space.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct SpaceActivity<'a> {
        /// The host.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub user: Option<V2User<'a>>,
        /// The Space's id.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub broadcast_id: Option<Text<'a>>,
        /// X's inner name of what happened (`spaces_start`, `spaces_end`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub event_type: Option<Text<'a>>,
    }
}
