//! Views of scanned events.

use core::ops::Range;

use crate::key::{self, DedupeKey, Parts};
use crate::kind::Kind;
use crate::raw::{RawEvent, Tag};

/// One event of a scanned [`crate::Envelope`]: its kind, raw JSON and dedupe key.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    body: &'a str,
    for_user_id: Option<&'a str>,
    raw: RawEvent,
}

impl<'a> EventRef<'a> {
    pub(crate) fn new(body: &'a str, for_user_id: Option<&'a str>, raw: RawEvent) -> Self {
        EventRef {
            body,
            for_user_id,
            raw,
        }
    }

    /// The event's kind.
    pub fn kind(&self) -> Kind<'a> {
        match self.raw.tag {
            Tag::Known(k) => Kind::Known(k),
            Tag::Activity(s) => {
                Kind::Activity(aaa_model::ActivityType::canonical_name(s.get(self.body)))
            }
            Tag::Unknown(s) => Kind::Unknown(s.get(self.body)),
        }
    }

    /// The event's raw JSON object, exactly as delivered. For `user_event` this is the object
    /// under `user_event` (`{"revoke":{...}}`); for X Activity API deliveries, the `data` object.
    pub fn raw(&self) -> &'a str {
        self.raw.range.get(self.body)
    }

    /// The byte range of [`EventRef::raw`] within the body.
    pub fn range(&self) -> Range<usize> {
        self.raw.range.start as usize..self.raw.range.end as usize
    }

    /// The `for_user_id` of the delivery the event came in.
    pub fn for_user_id(&self) -> Option<&'a str> {
        self.for_user_id
    }

    /// The event's dedupe key, scoped to `for_user_id`.
    pub fn key(&self) -> DedupeKey<'a> {
        let parts = if self.raw.n == 0 {
            Parts::Hash(match self.raw.tag {
                // The same event reaches a webhook and the stream, maybe laid out differently.
                Tag::Activity(_) => key::canonical_fnv128(self.raw()),
                _ => key::fnv128(self.raw().as_bytes()),
            })
        } else {
            let mut p = [""; key::MAX_PARTS];
            for (dst, span) in p.iter_mut().zip(&self.raw.parts) {
                *dst = span.get(self.body);
            }
            Parts::Fields(p, self.raw.n)
        };
        DedupeKey {
            kind: self.kind(),
            for_user_id: self.for_user_id,
            parts,
        }
    }
}
