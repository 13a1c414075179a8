//! Dedupe keys: which fields identify each kind of event, and how a key is written.
//!
//! A key is `KIND/FOR_USER_ID/PART[/PART...]`, e.g.
//! `follow/3001969357/3001969357/1693649419/1586216143967`. `FOR_USER_ID` is `-` when the
//! delivery has none. When an event lacks the fields that identify it, its single part is
//! `#` and a 128-bit FNV-1a hash of its raw bytes, which is stable across redeliveries of the
//! same bytes. For an X Activity API event without `event_uuid` the hash is taken over the
//! event's JSON value instead of its bytes ([`canonical_fnv128`]), because the same event
//! arrives on a webhook and on the stream, possibly laid out differently. A part that holds anything but `[0-9A-Za-z_.:+-]` is written as `~` and the hash
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

/// A 128-bit hash of the JSON value `raw` that a re-serialized copy shares: whitespace between
/// tokens is skipped, strings are hashed as their decoded characters (so `\u00e9` and `é`,
/// `\/` and `/` agree), non-integer numbers as their `f64` value (`2.50` and `2.5` agree), and
/// the members of an object are combined in an order-free way (each member's FNV-1a 128 hash,
/// summed), so a serializer that sorts keys does not change it either. Array order counts.
/// Makes no allocation; `raw` is a scanned, valid JSON value (on other input it still returns a
/// hash without panicking).
pub(crate) fn canonical_fnv128(raw: &str) -> u128 {
    let mut walk = Walk { raw, at: 0 };
    match walk.value(0) {
        Some(h) if walk.rest_is_blank() => h,
        _ => fnv128(raw.as_bytes()),
    }
}

/// The deepest nesting [`canonical_fnv128`] follows (the scan allows less).
const CANONICAL_DEPTH: u32 = 256;

/// A cursor over JSON text for [`canonical_fnv128`].
struct Walk<'a> {
    raw: &'a str,
    at: usize,
}

impl Walk<'_> {
    fn peek(&mut self) -> Option<u8> {
        let b = self.raw.as_bytes();
        while b
            .get(self.at)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
        b.get(self.at).copied()
    }

    fn rest_is_blank(&mut self) -> bool {
        self.peek().is_none()
    }

    /// The hash of the value at the cursor; `None` for text that is not JSON.
    fn value(&mut self, depth: u32) -> Option<u128> {
        if depth > CANONICAL_DEPTH {
            return None;
        }
        let mut h = Fnv(fnv128(b""));
        match self.peek()? {
            b'{' => {
                self.at += 1;
                let (mut sum, mut n) = (0u128, 0u64);
                if self.peek()? == b'}' {
                    self.at += 1;
                } else {
                    loop {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        let mut member = Fnv(fnv128(b""));
                        self.at = canonical_string(self.raw.as_bytes(), self.at + 1, &mut member);
                        if self.peek()? != b':' {
                            return None;
                        }
                        self.at += 1;
                        member.bytes(&self.value(depth + 1)?.to_le_bytes());
                        sum = sum.wrapping_add(member.0);
                        n += 1;
                        match self.peek()? {
                            b',' => self.at += 1,
                            b'}' => {
                                self.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                h.byte(b'{');
                h.bytes(&sum.to_le_bytes());
                h.bytes(&n.to_le_bytes());
            }
            b'[' => {
                self.at += 1;
                h.byte(b'[');
                if self.peek()? == b']' {
                    self.at += 1;
                } else {
                    loop {
                        h.bytes(&self.value(depth + 1)?.to_le_bytes());
                        match self.peek()? {
                            b',' => self.at += 1,
                            b']' => {
                                self.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                h.byte(b']');
            }
            b'"' => self.at = canonical_string(self.raw.as_bytes(), self.at + 1, &mut h),
            b'-' | b'0'..=b'9' => self.at = canonical_number(self.raw, self.at, &mut h),
            _ => {
                for literal in ["true", "false", "null"] {
                    if self.raw.get(self.at..self.at + literal.len()) == Some(literal) {
                        h.bytes(literal.as_bytes());
                        self.at += literal.len();
                        return Some(h.0);
                    }
                }
                return None;
            }
        }
        Some(h.0)
    }
}

/// An FNV-1a 128 state.
struct Fnv(u128);

impl Fnv {
    fn byte(&mut self, b: u8) {
        const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
        self.0 ^= u128::from(b);
        self.0 = self.0.wrapping_mul(PRIME);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    /// One decoded character of a string, written with the minimal JSON escaping.
    fn char(&mut self, cp: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hex = |n: u32| HEX.get((n & 15) as usize).copied().unwrap_or(b'0');
        match char::from_u32(cp) {
            Some(c @ ('"' | '\\')) => {
                self.byte(b'\\');
                self.byte(c as u8);
            }
            Some(c) if cp >= 0x20 => self.bytes(c.encode_utf8(&mut [0; 4]).as_bytes()),
            // Control characters, and lone surrogates (no `char`), as `\uXXXX`.
            _ => {
                self.bytes(b"\\u");
                for shift in [12, 8, 4, 0] {
                    self.byte(hex(cp >> shift));
                }
            }
        }
    }
}

/// Four hex digits at `at`, or `None`.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let text = core::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// Hashes the string whose contents start at `i` (after the quote); returns the index after
/// its closing quote.
fn canonical_string(b: &[u8], mut i: usize, h: &mut Fnv) -> usize {
    h.byte(b'"');
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                h.byte(b'"');
                return i + 1;
            }
            b'\\' => {
                let (cp, len) = match b.get(i + 1) {
                    Some(b'b') => (0x08, 2),
                    Some(b'f') => (0x0c, 2),
                    Some(b'n') => (0x0a, 2),
                    Some(b'r') => (0x0d, 2),
                    Some(b't') => (0x09, 2),
                    Some(b'u') => match hex4(b, i + 2) {
                        Some(hi @ 0xD800..=0xDBFF) => match (b.get(i + 6..i + 8), hex4(b, i + 8)) {
                            (Some(b"\\u"), Some(lo @ 0xDC00..=0xDFFF)) => {
                                (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12)
                            }
                            _ => (hi, 6),
                        },
                        Some(cp) => (cp, 6),
                        None => (u32::from(b'u'), 2),
                    },
                    Some(&other) => (u32::from(other), 2),
                    None => return i + 1,
                };
                h.char(cp);
                i += len;
            }
            _ if c < 0x20 => {
                h.char(u32::from(c));
                i += 1;
            }
            _ => {
                h.byte(c);
                i += 1;
            }
        }
    }
    i
}

/// Hashes the number starting at `start`; returns the index after it. Integers are hashed as
/// their digits, other numbers as the bits of their `f64` value.
fn canonical_number(raw: &str, start: usize, h: &mut Fnv) -> usize {
    let b = raw.as_bytes();
    let mut end = start;
    while b
        .get(end)
        .is_some_and(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
    {
        end += 1;
    }
    let text = raw.get(start..end).unwrap_or_default();
    let float = text.bytes().any(|c| matches!(c, b'.' | b'e' | b'E'));
    match text.parse::<f64>() {
        Ok(f) if float => {
            h.byte(b'f');
            h.bytes(&f.to_bits().to_le_bytes());
        }
        _ => {
            h.byte(b'i');
            h.bytes(text.as_bytes());
        }
    }
    h.byte(b';');
    end.max(start + 1)
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
    fn canonical_hash_ignores_layout_but_not_content() {
        let a = r#"{"filter":{"user_id":"1"},"payload":{"before":"é/x\"\\","after":[1,2.5,true,null,"🚀"]}}"#;
        let same = [
            "{\n  \"filter\": { \"user_id\": \"1\" },\n  \"payload\": {\"before\": \"\\u00e9\\/x\\\"\\\\\",\t\"after\": [ 1, 2.50, true, null, \"\\ud83d\\ude80\" ]}\r\n}",
            r#"{"filter":{"user_id":"1"},"payload":{"before":"\u00E9/x\u0022\u005c","after":[1,25e-1,true,null,"🚀"]}}"#,
        ];
        for b in same {
            assert_eq!(canonical_fnv128(a), canonical_fnv128(b), "{b}");
        }
        let differ = [
            r#"{"filter":{"user_id":"2"},"payload":{"before":"é/x\"\\","after":[1,2.5,true,null,"🚀"]}}"#,
            r#"{"filter":{"user_id":"1"},"payload":{"before":"é/x\"\\","after":[2.5,1,true,null,"🚀"]}}"#,
            r#"{"filter":{"user_id":"1"},"payload":{"before":"é/x\"\\","after":[1,2.5,"true",null,"🚀"]}}"#,
            r#"{"filter":{"user_id":1},"payload":{"before":"é/x\"\\","after":[1,2.5,true,null,"🚀"]}}"#,
            r#"{"filter":{"user_id":"1"},"payload":{"before":"é x\"\\","after":[1,2.5,true,null,"🚀"]}}"#,
        ];
        for b in differ {
            assert_ne!(canonical_fnv128(a), canonical_fnv128(b), "{b}");
        }
        // Members in another order (as a serializer that sorts keys writes them): the same.
        assert_eq!(
            canonical_fnv128(a),
            canonical_fnv128(
                r#"{"payload":{"after":[1,2.5,true,null,"🚀"],"before":"é/x\"\\"},"filter":{"user_id":"1"}}"#
            )
        );
        // But a member moved into another object, or a key and a value swapped, is not.
        assert_ne!(
            canonical_fnv128(r#"{"a":{"b":1},"c":2}"#),
            canonical_fnv128(r#"{"a":{"b":1,"c":2}}"#)
        );
        assert_ne!(
            canonical_fnv128(r#"{"a":"b"}"#),
            canonical_fnv128(r#"{"b":"a"}"#)
        );
        assert_ne!(canonical_fnv128("{}"), canonical_fnv128("[]"));
        // A quote inside a string is not the end of it; an integer is not a float.
        assert_ne!(
            canonical_fnv128(r#"["a\",\"b"]"#),
            canonical_fnv128(r#"["a","b"]"#)
        );
        assert_ne!(canonical_fnv128("[1]"), canonical_fnv128("[1.0]"));
        // Odd input gives a hash without panicking.
        for odd in [
            "",
            "\"",
            "\"\\",
            "\"\\u12",
            "\"\\ud800\\u",
            "-",
            "[1e",
            "\"\\ud800x\"",
        ] {
            let _ = canonical_fnv128(odd);
        }
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
