//! The kind of a scanned event, as the public API names it.

use core::fmt;

use aaa_model::EventKind;

/// The kind of a scanned event.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind<'a> {
    /// One of the Account Activity API kinds.
    Known(EventKind),
    /// An X Activity API event, with its `event_type` (e.g. `post.create`; the canonical name
    /// for the deprecated `chat.conversation_join`).
    Activity(&'a str),
    /// An event under an envelope key this crate does not know (e.g. a kind X added later),
    /// with that key.
    Unknown(&'a str),
}

impl Kind<'_> {
    /// The known kind, if it is one.
    pub fn known(self) -> Option<EventKind> {
        match self {
            Kind::Known(k) => Some(k),
            _ => None,
        }
    }
}

/// Writes the name used on the command line and in stores: the known kind's short name
/// (`tweet_create`), the X Activity API `event_type` (`post.create`), or `unknown:<key>`.
impl fmt::Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Known(k) => f.write_str(k.as_str()),
            Kind::Activity(t) => f.write_str(t),
            Kind::Unknown(k) => write!(f, "unknown:{k}"),
        }
    }
}
