//! Scan errors: a small `Copy` value with a kind and a byte offset.

use core::fmt;

/// What was wrong with a webhook body.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanErrorKind {
    /// The body ended in the middle of a JSON value.
    UnexpectedEnd,
    /// A byte that cannot start or continue a JSON value here.
    UnexpectedByte,
    /// The body is not valid UTF-8.
    InvalidUtf8,
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    InvalidEscape,
    /// A `\uXXXX` escape that is half of a UTF-16 surrogate pair without its other half.
    LoneSurrogate,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacter,
    /// A number that does not follow JSON's grammar (leading zero, missing digits, ...).
    InvalidNumber,
    /// A number too large to be represented as a finite double.
    NumberOutOfRange,
    /// Arrays and objects nested deeper than [`crate::MAX_DEPTH`].
    TooDeep,
    /// Something other than whitespace after the top-level value.
    TrailingCharacters,
    /// The body is larger than 4 GiB.
    TooLarge,
    /// The top-level value is not a JSON object.
    NotAnObject,
    /// The object carries no event: no known event key, no event array, no X Activity API `data`.
    NotAnEnvelope,
    /// The same key appears twice at the top level of the envelope.
    DuplicateKey,
    /// The envelope has more than [`crate::MAX_ENVELOPE_KEYS`] top-level keys.
    TooManyKeys,
    /// A known event key whose value has the wrong JSON type (an array where an object is
    /// expected, an object where an array is expected, ...).
    WrongEventShape,
    /// An element of an event array that is not a JSON object.
    EventNotObject,
    /// `for_user_id` is neither a string nor a number.
    InvalidForUserId,
}

impl ScanErrorKind {
    /// A short lowercase description.
    pub const fn message(self) -> &'static str {
        match self {
            ScanErrorKind::UnexpectedEnd => "unexpected end of input",
            ScanErrorKind::UnexpectedByte => "unexpected character",
            ScanErrorKind::InvalidUtf8 => "invalid utf-8",
            ScanErrorKind::InvalidEscape => "invalid escape sequence in string",
            ScanErrorKind::LoneSurrogate => "unpaired utf-16 surrogate escape in string",
            ScanErrorKind::ControlCharacter => "raw control character in string",
            ScanErrorKind::InvalidNumber => "invalid number",
            ScanErrorKind::NumberOutOfRange => "number out of range",
            ScanErrorKind::TooDeep => "nesting too deep",
            ScanErrorKind::TrailingCharacters => "trailing characters after the json value",
            ScanErrorKind::TooLarge => "body larger than 4 GiB",
            ScanErrorKind::NotAnObject => "top-level value is not a json object",
            ScanErrorKind::NotAnEnvelope => {
                "json object is not an account activity envelope (no event keys)"
            }
            ScanErrorKind::DuplicateKey => "duplicate top-level key in envelope",
            ScanErrorKind::TooManyKeys => "too many top-level keys in envelope",
            ScanErrorKind::WrongEventShape => "event key holds a value of the wrong json type",
            ScanErrorKind::EventNotObject => "event array element is not a json object",
            ScanErrorKind::InvalidForUserId => "for_user_id is neither a string nor a number",
        }
    }

    /// Whether the body is not valid JSON at all (as opposed to valid JSON that is not an
    /// Account Activity envelope).
    pub const fn is_syntax(self) -> bool {
        !matches!(
            self,
            ScanErrorKind::NotAnObject
                | ScanErrorKind::NotAnEnvelope
                | ScanErrorKind::DuplicateKey
                | ScanErrorKind::TooManyKeys
                | ScanErrorKind::WrongEventShape
                | ScanErrorKind::EventNotObject
                | ScanErrorKind::InvalidForUserId
        )
    }
}

/// Why a body could not be scanned, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanError {
    kind: ScanErrorKind,
    offset: usize,
}

impl ScanError {
    pub(crate) const fn new(kind: ScanErrorKind, offset: usize) -> ScanError {
        ScanError { kind, offset }
    }

    /// What was wrong.
    pub const fn kind(&self) -> ScanErrorKind {
        self.kind
    }

    /// The byte offset in the body where the problem was found.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.message(), self.offset)
    }
}

impl std::error::Error for ScanError {}
