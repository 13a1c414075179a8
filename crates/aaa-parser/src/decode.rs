//! Typed decode of scanned events into the borrowed model types.

use core::fmt;

use aaa_model::{Event, EventKind, UnknownEvent};

use crate::de;
use crate::event::EventRef;
use crate::kind::Kind;
use crate::scan::Envelope;

/// Why an event could not be decoded into its typed model.
///
/// The event was valid JSON (the scan checked that); its content does not fit the model, e.g. a
/// required field is missing or an id is not numeric.
#[derive(Debug)]
pub struct DecodeError {
    kind: String,
    offset: usize,
    message: String,
}

impl DecodeError {
    /// The kind of the event that failed, as [`Kind`]'s `Display` writes it.
    pub fn event_kind(&self) -> &str {
        &self.kind
    }

    /// The byte offset in the body near which decoding failed.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {} event: {} at byte {}",
            self.kind, self.message, self.offset
        )
    }
}

impl std::error::Error for DecodeError {}

/// Byte offset of serde_json's (1-based) line and column within `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Decodes an event of a known kind from its validated raw JSON with [`de::Deserializer`].
fn decode_known(kind: EventKind, raw: &str) -> Result<Event<'_>, de::Error> {
    let mut de = de::Deserializer::new(raw);
    let event = aaa_model::decode_event_with(kind, &mut de).map_err(|e| e.or_at(de.position()))?;
    de.end()?;
    Ok(event)
}

impl<'a> EventRef<'a> {
    /// Decodes the event into its typed model, borrowing strings from the body unless they
    /// contain escapes. Events of unknown kinds decode to [`Event::Unknown`] with their raw JSON.
    ///
    /// The result is the same as `aaa_model::decode_event` (or `decode_activity`) gives for
    /// [`EventRef::raw`]; events of the Account Activity kinds are read by a deserializer that
    /// relies on the scan having validated the body, X Activity API events by serde_json.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the event's content does not fit the model of its kind.
    pub fn decode(&self) -> Result<Event<'a>, DecodeError> {
        let raw = self.raw();
        let start = self.range().start;
        let (offset, message) = match self.kind() {
            Kind::Known(kind) => match decode_known(kind, raw) {
                Ok(event) => return Ok(event),
                Err(e) => (
                    start + e.offset().unwrap_or(0).min(raw.len()),
                    e.message().to_owned(),
                ),
            },
            Kind::Activity(_) => match aaa_model::decode_activity(raw) {
                Ok(event) => return Ok(event),
                // serde_json's message ends with " at line L column C" relative to the event;
                // the body offset replaces that.
                Err(e) => (
                    start + offset_of(raw, e.line(), e.column()),
                    e.to_string()
                        .split(" at line ")
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                ),
            },
            Kind::Unknown(key) => return Ok(Event::Unknown(UnknownEvent::new(key, raw))),
        };
        Err(DecodeError {
            kind: self.kind().to_string(),
            offset,
            message,
        })
    }
}

impl<'a> Envelope<'a> {
    /// Decodes every event, in body order.
    ///
    /// # Errors
    ///
    /// The first event that does not decode; see [`EventRef::decode`].
    pub fn decode_all(&self) -> Result<Vec<Event<'a>>, DecodeError> {
        self.events().map(|e| e.decode()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_lines_and_columns() {
        let text = "ab\ncd\nef";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 2), 4);
        assert_eq!(offset_of(text, 3, 9), text.len());
    }
}
