//! `profile.update.*`: a profile field's value before and after the change.

use serde::{Deserialize, Serialize};

use crate::Text;
use crate::owned::borrowed_struct;

borrowed_struct! {
    /// The payload of every `profile.update.*` event: the field's old and new value (a bio, a
    /// display name, a handle, a location, a URL or a picture URL; for the badge events the
    /// badge). Values that are numbers or booleans are kept as their text.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ProfileUpdate<'a> {
        /// The value before.
        #[serde(default, borrow, deserialize_with = "crate::lenient::scalar")]
        pub before: Option<Text<'a>>,
        /// The value after.
        #[serde(default, borrow, deserialize_with = "crate::lenient::scalar")]
        pub after: Option<Text<'a>>,
    }
}
