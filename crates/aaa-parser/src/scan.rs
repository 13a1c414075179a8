//! The envelope scan: one validating pass over a webhook body that finds every event.

use aaa_model::EventKind;
use arrayvec::ArrayVec;

use crate::cursor::{Cursor, Fault, Found, R, Scalar, Span};
use crate::error::{ScanError, ScanErrorKind};
use crate::event::EventRef;
use crate::key::{self, KeySpec};
use crate::kind::Kind;
use crate::raw::{RawEvent, Tag};
use crate::{INLINE_EVENTS, MAX_ENVELOPE_KEYS};

/// Which wire format the body was in.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An Account Activity API envelope (`for_user_id` and arrays keyed by kind).
    AccountActivity,
    /// An X Activity API delivery (`{"data":{"event_uuid",...}}`).
    XActivity,
}

/// A scanned webhook body: validated JSON, with every event located.
///
/// Holds up to [`INLINE_EVENTS`] events without allocating; larger deliveries spill to the heap.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    body: &'a str,
    format: Format,
    for_user_id: Option<Span>,
    users: Option<Span>,
    apps: Option<Span>,
    inline: ArrayVec<RawEvent, INLINE_EVENTS>,
    spill: Vec<RawEvent>,
}

/// Validates `body` as JSON and locates every event in it, its kind and its dedupe key.
///
/// The whole body is checked: UTF-8, string escapes (including surrogate pairs), numbers,
/// literals, nesting up to [`crate::MAX_DEPTH`] and nothing after the top-level object.
/// A body with up to [`INLINE_EVENTS`] events is scanned without any heap allocation.
///
/// # Errors
///
/// A [`ScanError`] with the kind of problem and the byte offset where it was found: syntax
/// errors ([`ScanErrorKind::is_syntax`]) for bodies that are not JSON, the others for JSON that
/// is not an Account Activity (or X Activity API) envelope.
pub fn scan(body: &[u8]) -> Result<Envelope<'_>, ScanError> {
    if u32::try_from(body.len()).is_err() {
        return Err(ScanError::new(ScanErrorKind::TooLarge, 0));
    }
    // SIMD validation first (several times faster on text that is not ASCII); the exact offset
    // of a fault only when there is one.
    let text = match simdutf8::basic::from_utf8(body) {
        Ok(text) => text,
        Err(_) => core::str::from_utf8(body)
            .map_err(|e| ScanError::new(ScanErrorKind::InvalidUtf8, e.valid_up_to()))?,
    };
    let mut s = Scanner {
        c: Cursor::new(body),
        env: Envelope {
            body: text,
            format: Format::AccountActivity,
            for_user_id: None,
            users: None,
            apps: None,
            inline: ArrayVec::new(),
            spill: Vec::new(),
        },
    };
    match s.envelope() {
        Ok(()) => Ok(s.env),
        Err(Fault) => Err(s.c.error()),
    }
}

/// The text of a key: its raw bytes, or, when it had escapes, the unescaped string.
fn key_text(body: &[u8], key: Span, escaped: bool) -> std::borrow::Cow<'_, [u8]> {
    let raw = body
        .get(key.start as usize..key.end as usize)
        .unwrap_or_default();
    if !escaped {
        return std::borrow::Cow::Borrowed(raw);
    }
    // The string was validated by the cursor, so only allocation can fail here.
    let quoted = [b"\"".as_slice(), raw, b"\"".as_slice()].concat();
    serde_json::from_slice::<String>(&quoted).map_or(std::borrow::Cow::Borrowed(raw), |s| {
        std::borrow::Cow::Owned(s.into_bytes())
    })
}

struct Scanner<'a> {
    c: Cursor<'a>,
    env: Envelope<'a>,
}

impl Scanner<'_> {
    fn envelope(&mut self) -> R<()> {
        let c = &mut self.c;
        match c.ws_peek() {
            Some(b'{') => {}
            Some(_) => {
                let start = c.pos;
                c.skip_value(0)?;
                self.end()?;
                return Err(self.c.fail(start, ScanErrorKind::NotAnObject));
            }
            None => return Err(c.unexpected()),
        }
        c.enter(1)?;
        c.pos += 1;
        let mut keys: ArrayVec<(Span, bool), MAX_ENVELOPE_KEYS> = ArrayVec::new();
        let mut has_events = false;
        if c.ws_peek() == Some(b'}') {
            c.pos += 1;
        } else {
            loop {
                let c = &mut self.c;
                if c.ws_peek() != Some(b'"') {
                    return Err(c.unexpected());
                }
                let key_at = c.pos;
                let (key, escaped) = c.string_escaped()?;
                let body = c.b;
                // Keys are compared as JSON defines them, after unescaping (X never escapes
                // them, so the copy is only made for odd input).
                let name = key_text(body, key, escaped);
                if keys.iter().any(|&(k, e)| key_text(body, k, e) == name) {
                    return Err(c.fail(key_at, ScanErrorKind::DuplicateKey));
                }
                if keys.try_push((key, escaped)).is_err() {
                    return Err(c.fail(key_at, ScanErrorKind::TooManyKeys));
                }
                c.expect(b':')?;
                has_events |= self.member(&name, key)?;
                let c = &mut self.c;
                match c.ws_peek() {
                    Some(b',') => c.pos += 1,
                    Some(b'}') => {
                        c.pos += 1;
                        break;
                    }
                    _ => return Err(c.unexpected()),
                }
            }
        }
        self.end()?;
        if has_events {
            Ok(())
        } else {
            Err(self.c.fail(0, ScanErrorKind::NotAnEnvelope))
        }
    }

    /// Only whitespace may follow the top-level value.
    fn end(&mut self) -> R<()> {
        match self.c.ws_peek() {
            None => Ok(()),
            Some(_) => Err(self.c.fail_here(ScanErrorKind::TrailingCharacters)),
        }
    }

    /// Scans the value of one top-level member; returns whether the key is an event key.
    fn member(&mut self, name: &[u8], key: Span) -> R<bool> {
        let peek = self.c.ws_peek();
        if let Some(kind) = EventKind::from_envelope_key(name) {
            let spec = key::spec(kind);
            if kind.is_array() {
                if peek != Some(b'[') {
                    return Err(self.c.fail_here(ScanErrorKind::WrongEventShape));
                }
                self.array(|s| s.known(kind, spec), true)?;
            } else {
                if peek != Some(b'{') {
                    return Err(self.c.fail_here(ScanErrorKind::WrongEventShape));
                }
                self.known(kind, spec)?;
            }
            return Ok(true);
        }
        match name {
            b"for_user_id" => {
                let span = match peek {
                    Some(b'"') => self.c.string()?,
                    Some(b'-' | b'0'..=b'9') => self.c.number()?,
                    _ => return Err(self.c.fail_here(ScanErrorKind::InvalidForUserId)),
                };
                self.env.for_user_id = Some(span);
                Ok(false)
            }
            b"users" | b"apps" => {
                let start = self.c.pos;
                self.c.skip_value(1)?;
                if peek == Some(b'{') {
                    let span = Some(Span::new(start, self.c.pos));
                    if name == b"users" {
                        self.env.users = span;
                    } else {
                        self.env.apps = span;
                    }
                }
                Ok(false)
            }
            b"data" if peek == Some(b'{') => self.activity(),
            _ if name.ends_with(b"_events") || name.ends_with(b"_event") => match peek {
                Some(b'[') => {
                    self.array(|s| s.unknown(key), false)?;
                    Ok(true)
                }
                Some(b'{') => {
                    self.unknown(key)?;
                    Ok(true)
                }
                _ => self.c.skip_value(1).map(|()| false),
            },
            _ => self.c.skip_value(1).map(|()| false),
        }
    }

    /// At `[`: calls `each` at every element that is an object. Other elements are an error
    /// when `strict`, and are validated and skipped otherwise.
    fn array(&mut self, mut each: impl FnMut(&mut Self) -> R<()>, strict: bool) -> R<()> {
        self.c.enter(2)?;
        self.c.pos += 1;
        if self.c.ws_peek() == Some(b']') {
            self.c.pos += 1;
            return Ok(());
        }
        loop {
            match self.c.ws_peek() {
                Some(b'{') => each(self)?,
                Some(_) if strict => return Err(self.c.fail_here(ScanErrorKind::EventNotObject)),
                _ => self.c.skip_value(2)?,
            }
            match self.c.ws_peek() {
                Some(b',') => self.c.pos += 1,
                Some(b']') => {
                    self.c.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.c.unexpected()),
            }
        }
    }

    /// At `{`: walks one event, collecting what its key needs.
    fn walk(&mut self, spec: &KeySpec) -> R<(Span, [Option<Scalar>; key::MAX_WANTS])> {
        let start = self.c.pos;
        let mut out = [None; key::MAX_WANTS];
        let depth = 3;
        let active = u16::MAX >> (16 - spec.wants.len());
        let mut found = Found {
            out: &mut out,
            settled: 0,
        };
        self.c.fields(depth, spec.wants, 0, active, &mut found)?;
        Ok((Span::new(start, self.c.pos), out))
    }

    fn known(&mut self, kind: EventKind, spec: &'static KeySpec) -> R<()> {
        let (range, found) = self.walk(spec)?;
        let kind = match spec.type_slot {
            Some(slot) => {
                let ty = found[slot].map(|s| s.span.get(self.env.body).as_bytes());
                kind.refine_by_type(ty).unwrap_or(kind)
            }
            None => kind,
        };
        self.push(Tag::Known(kind), range, spec, &found);
        Ok(())
    }

    fn unknown(&mut self, key: Span) -> R<()> {
        let spec = &key::UNKNOWN;
        let (range, found) = self.walk(spec)?;
        self.push(Tag::Unknown(key), range, spec, &found);
        Ok(())
    }

    /// At `{` of a top-level `data` member: an X Activity API event if it has an `event_type`.
    fn activity(&mut self) -> R<bool> {
        let spec = &key::ACTIVITY;
        let (range, found) = self.walk(spec)?;
        let Some(event_type) = found[key::ACTIVITY_TYPE] else {
            return Ok(false);
        };
        self.env.format = Format::XActivity;
        if self.env.for_user_id.is_none() {
            self.env.for_user_id = found[key::ACTIVITY_USER].map(|s| s.span);
        }
        self.push(Tag::Activity(event_type.span), range, spec, &found);
        Ok(true)
    }

    fn push(&mut self, tag: Tag, range: Span, spec: &KeySpec, found: &[Option<Scalar>]) {
        let (parts, n) = key::resolve(spec, found);
        let ev = RawEvent {
            tag,
            range,
            parts,
            n,
        };
        if let Err(full) = self.env.inline.try_push(ev) {
            self.env.spill.push(full.element());
        }
    }
}

impl<'a> Envelope<'a> {
    /// The whole body, as validated UTF-8.
    pub fn body(&self) -> &'a str {
        self.body
    }

    /// Which wire format the body was in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The `for_user_id` of the envelope (for X Activity API deliveries, `data.filter.user_id`),
    /// as the raw string contents or number text. `None` for `user_event` deliveries.
    pub fn for_user_id(&self) -> Option<&'a str> {
        self.for_user_id.map(|s| s.get(self.body))
    }

    /// The raw JSON of the `users` map that DM deliveries carry.
    pub fn users_raw(&self) -> Option<&'a str> {
        self.users.map(|s| s.get(self.body))
    }

    /// The raw JSON of the `apps` map that DM deliveries carry.
    pub fn apps_raw(&self) -> Option<&'a str> {
        self.apps.map(|s| s.get(self.body))
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.inline.len() + self.spill.len()
    }

    /// Whether the envelope carries no event (e.g. `"tweet_create_events":[]`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The event at `index`, in body order.
    pub fn get(&self, index: usize) -> Option<EventRef<'a>> {
        let raw = match index.checked_sub(self.inline.len()) {
            None => self.inline.get(index),
            Some(i) => self.spill.get(i),
        }?;
        Some(EventRef::new(self.body, self.for_user_id(), *raw))
    }

    /// Every event, in body order.
    pub fn events(&self) -> Events<'_, 'a> {
        Events { env: self, next: 0 }
    }

    /// Every event, in body order (the same as [`Envelope::events`]).
    pub fn iter(&self) -> Events<'_, 'a> {
        self.events()
    }

    /// The kinds of the events, in body order.
    pub fn kinds(&self) -> impl Iterator<Item = Kind<'a>> + '_ {
        self.events().map(|e| e.kind())
    }
}

/// Iterator over the events of an [`Envelope`].
#[derive(Debug, Clone)]
pub struct Events<'e, 'a> {
    env: &'e Envelope<'a>,
    next: usize,
}

impl<'a> Iterator for Events<'_, 'a> {
    type Item = EventRef<'a>;

    fn next(&mut self) -> Option<EventRef<'a>> {
        let e = self.env.get(self.next)?;
        self.next += 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.env.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Events<'_, '_> {}

impl<'e, 'a> IntoIterator for &'e Envelope<'a> {
    type Item = EventRef<'a>;
    type IntoIter = Events<'e, 'a>;

    fn into_iter(self) -> Events<'e, 'a> {
        self.events()
    }
}
