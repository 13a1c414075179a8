//! What the scan records of one event: a few `u32` spans into the body, no copies.

use aaa_model::EventKind;

use crate::cursor::Span;
use crate::key;

/// What the scan remembers of one event: a few spans, no copies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEvent {
    pub(crate) tag: Tag,
    pub(crate) range: Span,
    /// The dedupe key's parts; `n == 0` means "hash the raw event".
    pub(crate) parts: [Span; key::MAX_PARTS],
    pub(crate) n: u8,
}

/// The kind of a scanned event, with spans instead of strings.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tag {
    Known(EventKind),
    Activity(Span),
    Unknown(Span),
}
