//! Dedupe keys: which fields identify each kind of event, and how a key is written.
//!
//! A key is `KIND/FOR_USER_ID/PART[/PART...]`, e.g.
//! `follow/3001969357/3001969357/1693649419/1586216143967`. `FOR_USER_ID` is `-` when the
//! delivery has none. When an event lacks the fields that identify it, its single part is
//! `#` and a 128-bit FNV-1a hash of its raw bytes, which is stable across redeliveries of the
//! same bytes. A part that holds anything but `[0-9A-Za-z_.:+-]` is written as `~` and the hash
//! of its raw text, so the `/` separator can never be forged.

use core::fmt;

use aaa_model::EventKind;

use crate::cursor::{Scalar, Span};
use crate::kind::Kind;

pub(crate) const MAX_PARTS: usize = 3;
pub(crate) const MAX_WANTS: usize = 8;

type Path = &'static [&'static [u8]];

/// The fields an event kind is identified by.
pub(crate) struct KeySpec {
    /// Paths of scalars to collect, relative to the event object.
    pub(crate) wants: &'static [Path],
    /// Key part lists tried in order; each part names alternative `wants` slots (first found
    /// wins). The first list whose parts are all found is the key.
    pub(crate) keys: &'static [&'static [&'static [u8]]],
    /// The slot of the `type` field that refines follow/block/mute families.
    pub(crate) type_slot: Option<usize>,
}

const TWEET: KeySpec = KeySpec {
    wants: &[&[b"id_str"], &[b"id"]],
    keys: &[&[&[0, 1]]],
    type_slot: None,
};

const FAVORITE: KeySpec = KeySpec {
    wants: &[
        &[b"id"],
        &[b"user", b"id_str"],
        &[b"user", b"id"],
        &[b"favorited_status", b"id_str"],
        &[b"favorited_status", b"id"],
        &[b"timestamp_ms"],
    ],
    keys: &[&[&[0]], &[&[1, 2], &[3, 4], &[5]]],
    type_slot: None,
};

const USER_ACTION: KeySpec = KeySpec {
    wants: &[
        &[b"type"],
        &[b"source", b"id_str"],
        &[b"source", b"id"],
        &[b"target", b"id_str"],
        &[b"target", b"id"],
        &[b"created_timestamp"],
    ],
    keys: &[&[&[1, 2], &[3, 4], &[5]]],
    type_slot: Some(0),
};

const TWEET_DELETE: KeySpec = KeySpec {
    wants: &[
        &[b"status", b"id_str"],
        &[b"status", b"id"],
        &[b"timestamp_ms"],
    ],
    keys: &[&[&[0, 1], &[2]]],
    type_slot: None,
};

const DIRECT_MESSAGE: KeySpec = KeySpec {
    wants: &[&[b"id"]],
    keys: &[&[&[0]]],
    type_slot: None,
};

const TYPING: KeySpec = KeySpec {
    wants: &[&[b"sender_id"], &[b"created_timestamp"]],
    keys: &[&[&[0], &[1]]],
    type_slot: None,
};

const MARK_READ: KeySpec = KeySpec {
    wants: &[
        &[b"sender_id"],
        &[b"created_timestamp"],
        &[b"last_read_event_id"],
    ],
    keys: &[&[&[0], &[1], &[2]]],
    type_slot: None,
};

const REVOKE: KeySpec = KeySpec {
    wants: &[
        &[b"revoke", b"source", b"user_id"],
        &[b"revoke", b"target", b"app_id"],
        &[b"revoke", b"date_time"],
    ],
    keys: &[&[&[0], &[1], &[2]]],
    type_slot: None,
};

const REPLAY: KeySpec = KeySpec {
    wants: &[&[b"webhook_id"], &[b"job_id"], &[b"job_state"]],
    keys: &[&[&[0], &[1], &[2]]],
    type_slot: None,
};

pub(crate) const UNKNOWN: KeySpec = TWEET;

pub(crate) const ACTIVITY_TYPE: usize = 1;
pub(crate) const ACTIVITY_USER: usize = 2;
pub(crate) const ACTIVITY: KeySpec = KeySpec {
    wants: &[&[b"event_uuid"], &[b"event_type"], &[b"filter", b"user_id"]],
    keys: &[&[&[0]]],
    type_slot: None,
};

pub(crate) fn spec(kind: EventKind) -> &'static KeySpec {
    match kind {
        EventKind::TweetCreate => &TWEET,
        EventKind::Favorite => &FAVORITE,
        EventKind::TweetDelete => &TWEET_DELETE,
        EventKind::DirectMessage => &DIRECT_MESSAGE,
        EventKind::DirectMessageIndicateTyping => &TYPING,
        EventKind::DirectMessageMarkRead => &MARK_READ,
        EventKind::UserRevoke => &REVOKE,
        EventKind::ReplayJobStatus => &REPLAY,
        // Follow, block and mute families, and any kind added later.
        _ => &USER_ACTION,
    }
}

/// Picks the key parts from what the walk found; `n == 0` when no key list was complete.
pub(crate) fn resolve(spec: &KeySpec, found: &[Option<Scalar>]) -> ([Span; MAX_PARTS], u8) {
    'lists: for list in spec.keys {
        let mut parts = [Span::default(); MAX_PARTS];
        for (i, alternatives) in list.iter().enumerate() {
            match alternatives
                .iter()
                .find_map(|&slot| found.get(usize::from(slot)).copied().flatten())
            {
                Some(s) if s.span.start < s.span.end => parts[i] = s.span,
                _ => continue 'lists,
            }
        }
        #[allow(clippy::cast_possible_truncation)] // at most MAX_PARTS
        return (parts, list.len() as u8);
    }
    ([Span::default(); MAX_PARTS], 0)
}

/// 128-bit FNV-1a: small, dependency-free and stable across releases and platforms.
pub(crate) fn fnv128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for &b in bytes {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// The identity of one event, used to recognise redeliveries. See the module docs for the
/// format written by `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DedupeKey<'a> {
    pub(crate) kind: Kind<'a>,
    pub(crate) for_user_id: Option<&'a str>,
    pub(crate) parts: Parts<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Parts<'a> {
    Fields([&'a str; MAX_PARTS], u8),
    Hash(u128),
}

impl<'a> DedupeKey<'a> {
    /// The same key without the `for_user_id` scope (written as `-`): use it to collapse the
    /// copies of one event that X delivers to each subscribed user of a conversation.
    #[must_use]
    pub fn unscoped(self) -> DedupeKey<'a> {
        DedupeKey {
            for_user_id: None,
            ..self
        }
    }

    /// The event kind the key belongs to.
    pub fn kind(&self) -> Kind<'a> {
        self.kind
    }

    /// Whether the key had to fall back to a hash of the raw event, because the fields that
    /// identify its kind were missing.
    pub fn is_hashed(&self) -> bool {
        matches!(self.parts, Parts::Hash(_))
    }
}

fn write_part(f: &mut fmt::Formatter<'_>, part: &str) -> fmt::Result {
    let plain = !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'+' | b'-'));
    if plain {
        f.write_str(part)
    } else {
        write!(f, "~{:032x}", fnv128(part.as_bytes()))
    }
}

impl fmt::Display for DedupeKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Known(k) => f.write_str(k.as_str())?,
            Kind::Activity(t) => write_part(f, t)?,
            Kind::Unknown(k) => {
                f.write_str("unknown:")?;
                write_part(f, k)?;
            }
        }
        f.write_str("/")?;
        match self.for_user_id {
            Some(u) => write_part(f, u)?,
            None => f.write_str("-")?,
        }
        match self.parts {
            Parts::Fields(parts, n) => {
                for p in parts.iter().take(usize::from(n)) {
                    f.write_str("/")?;
                    write_part(f, p)?;
                }
                Ok(())
            }
            Parts::Hash(h) => write!(f, "/#{h:032x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        // Reference values of FNV-1a 128 from the algorithm's published test suite.
        assert_eq!(fnv128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn every_spec_fits_the_slot_limits() {
        for kind in EventKind::ALL {
            let s = spec(kind);
            assert!(s.wants.len() <= MAX_WANTS);
            for list in s.keys {
                assert!(list.len() <= MAX_PARTS);
                for alts in *list {
                    assert!(alts.iter().all(|&i| usize::from(i) < s.wants.len()));
                }
            }
        }
    }
}
