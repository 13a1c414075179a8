//! A serde deserializer over JSON that [`crate::scan`] has already validated.
//!
//! The scan checked the whole body: UTF-8, string escapes (surrogate pairs included), number
//! syntax and range, and nesting. Decoding an event again with a general JSON parser would check
//! all of that a second time; this deserializer trusts it instead. It finds the end of a string
//! by searching for `"` and `\` only, unescapes only strings that had a backslash, and skips
//! ignored values by counting brackets.
//!
//! Trust is not a licence to misbehave: on input that was not validated it still never panics
//! and never reads out of bounds (every index goes through `get`); it returns an error or some
//! value instead. Nesting is limited as in `serde_json` so that no input exhausts the stack.
//!
//! What it produces for validated input is what `serde_json::from_str` produces, value for value
//! (see `tests/decode.rs`), with one documented difference: floats are parsed with
//! `str::parse::<f64>`, which rounds correctly, where `serde_json` (without its `float_roundtrip`
//! feature) may be one unit in the last place off for numbers with more than 15 significant
//! digits or a large exponent, and refuses a few huge ones (`0.5e309`) that are finite.

use core::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::bytes::{equal_to, find_backslash, find_quote_or_backslash, hex4_at, is_ws};

/// Deepest nesting of arrays and objects within one value (the same limit as `serde_json`).
const RECURSION_LIMIT: u32 = 128;

/// A decode error: a message and, once known, the byte offset (in the deserializer's input)
/// near which it happened.
pub(crate) struct Error(Box<ErrorImpl>);

struct ErrorImpl {
    msg: Box<str>,
    offset: Option<usize>,
}

impl Error {
    #[cold]
    fn at(msg: &str, offset: usize) -> Error {
        Error(Box::new(ErrorImpl {
            msg: msg.into(),
            offset: Some(offset),
        }))
    }

    /// The message, without the offset.
    pub(crate) fn message(&self) -> &str {
        &self.0.msg
    }

    /// The byte offset in the input, if known.
    pub(crate) fn offset(&self) -> Option<usize> {
        self.0.offset
    }

    /// Sets the offset if the error does not have one yet (errors a visitor makes do not).
    #[cold]
    pub(crate) fn or_at(mut self, offset: usize) -> Error {
        if self.0.offset.is_none() {
            self.0.offset = Some(offset);
        }
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("msg", &self.0.msg)
            .field("offset", &self.0.offset)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.offset {
            Some(at) => write!(f, "{} at byte {at}", self.0.msg),
            None => f.write_str(&self.0.msg),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(Box::new(ErrorImpl {
            msg: msg.to_string().into_boxed_str(),
            offset: None,
        }))
    }
}

type Result<T> = core::result::Result<T, Error>;

/// A number as JSON has it, classified the way `serde_json` classifies it.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    #[inline]
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Number::U64(n) => visitor.visit_u64(n),
            Number::I64(n) => visitor.visit_i64(n),
            Number::F64(n) => visitor.visit_f64(n),
        }
    }
}

/// A string's contents: borrowed when it had no escapes, unescaped into a `String` when it had.
enum Str<'de> {
    Borrowed(&'de str),
    Owned(String),
}

/// Deserializes from a `&str` holding one JSON value that was validated before.
pub(crate) struct Deserializer<'de> {
    s: &'de str,
    pos: usize,
    remaining_depth: u32,
}

impl<'de> Deserializer<'de> {
    pub(crate) fn new(s: &'de str) -> Self {
        Deserializer {
            s,
            pos: 0,
            remaining_depth: RECURSION_LIMIT,
        }
    }

    /// The current byte offset in the input.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Checks that only whitespace is left.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    #[inline(always)]
    fn bytes(&self) -> &'de [u8] {
        self.s.as_bytes()
    }

    #[cold]
    fn error(&self, msg: &str) -> Error {
        Error::at(msg, self.pos)
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        let c = *b.get(self.pos)?;
        if !is_ws(c) {
            return Some(c);
        }
        self.peek_after_ws()
    }

    #[inline(never)]
    fn peek_after_ws(&mut self) -> Option<u8> {
        let b = self.bytes();
        loop {
            let c = *b.get(self.pos)?;
            if !is_ws(c) {
                return Some(c);
            }
            self.pos += 1;
        }
    }

    /// The error for a value of the wrong type at the cursor.
    #[cold]
    fn invalid_type(&mut self, exp: &dyn de::Expected) -> Error {
        let err = match self.peek() {
            Some(b'"') => match self.parse_str() {
                Ok(Str::Borrowed(s)) => de::Error::invalid_type(de::Unexpected::Str(s), exp),
                Ok(Str::Owned(s)) => de::Error::invalid_type(de::Unexpected::Str(&s), exp),
                Err(e) => e,
            },
            Some(b'-' | b'0'..=b'9') => match self.parse_number() {
                Ok(Number::U64(n)) => de::Error::invalid_type(de::Unexpected::Unsigned(n), exp),
                Ok(Number::I64(n)) => de::Error::invalid_type(de::Unexpected::Signed(n), exp),
                Ok(Number::F64(n)) => de::Error::invalid_type(de::Unexpected::Float(n), exp),
                Err(e) => e,
            },
            Some(b't') => de::Error::invalid_type(de::Unexpected::Bool(true), exp),
            Some(b'f') => de::Error::invalid_type(de::Unexpected::Bool(false), exp),
            Some(b'n') => de::Error::invalid_type(de::Unexpected::Unit, exp),
            Some(b'[') => de::Error::invalid_type(de::Unexpected::Seq, exp),
            Some(b'{') => de::Error::invalid_type(de::Unexpected::Map, exp),
            Some(_) => return self.error("expected value"),
            None => return self.error("EOF while parsing a value"),
        };
        Error::or_at(err, self.pos)
    }

    /// Consumes the literal `lit` (`true`, `false`, `null`) at the cursor.
    #[inline]
    fn literal(&mut self, lit: &[u8]) -> Result<()> {
        let end = self.pos + lit.len();
        if self.bytes().get(self.pos..end) == Some(lit) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.error("expected value"))
        }
    }

    /// At an opening quote: finds the closing one and returns the raw contents and whether there
    /// was a backslash. The cursor ends after the closing quote.
    #[inline(always)]
    fn raw_str(&mut self) -> Result<(usize, usize, bool)> {
        let b = self.bytes();
        let start = self.pos + 1;
        let mut i = find_quote_or_backslash(b, start);
        if b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok((start, i, false));
        }
        loop {
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok((start, i, true));
                }
                // Whatever follows a backslash is not the closing quote; a `\u` escape's hex
                // digits are neither `"` nor `\`.
                Some(_) => i = find_quote_or_backslash(b, i + 2),
                None => {
                    self.pos = b.len();
                    return Err(self.error("EOF while parsing a string"));
                }
            }
        }
    }

    /// At an opening quote: the string, borrowed or unescaped.
    #[inline(always)]
    fn parse_str(&mut self) -> Result<Str<'de>> {
        let (start, end, escaped) = self.raw_str()?;
        if escaped {
            let raw = self.s.get(start..end).unwrap_or_default();
            unescape(raw)
                .map(Str::Owned)
                .map_err(|at| Error::at("invalid escape", start + at))
        } else {
            match self.s.get(start..end) {
                Some(s) => Ok(Str::Borrowed(s)),
                None => Err(Error::at("invalid string", start)),
            }
        }
    }

    /// At `-` or a digit: the number, as `serde_json` would classify it.
    #[inline]
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_wrap,
        clippy::many_single_char_names
    )] // see the comments below
    fn parse_number(&mut self) -> Result<Number> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let digits = i;
        let mut n: u64 = 0;
        let mut overflow = false;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            match n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d))) {
                Some(m) => n = m,
                None => overflow = true,
            }
            i += 1;
        }
        if i == digits || (b.get(digits) == Some(&b'0') && i > digits + 1) {
            self.pos = digits;
            return Err(self.error("invalid number"));
        }
        if matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
            self.pos = i;
            return self.parse_float(start);
        }
        self.pos = i;
        if overflow {
            return self.float_of(start, i);
        }
        Ok(if !negative {
            Number::U64(n)
        } else if n == 0 || n > 1 << 63 {
            // serde_json reads `-0` and negative numbers below i64::MIN as floats.
            Number::F64(-(n as f64))
        } else {
            // n is in 1..=2^63, so its negation fits (2^63 wraps to i64::MIN, which is right).
            Number::I64((n as i64).wrapping_neg())
        })
    }

    /// The fraction and exponent of a number whose integer part ends at the cursor.
    #[cold]
    fn parse_float(&mut self, start: usize) -> Result<Number> {
        let b = self.bytes();
        let mut i = self.pos;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let from = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == from {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let from = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == from {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        self.pos = i;
        self.float_of(start, i)
    }

    #[cold]
    fn float_of(&self, start: usize, end: usize) -> Result<Number> {
        match self.s.get(start..end).map(str::parse::<f64>) {
            Some(Ok(f)) if f.is_finite() => Ok(Number::F64(f)),
            _ => Err(Error::at("number out of range", start)),
        }
    }

    /// Skips one value of any type without looking inside strings or checking structure.
    fn skip_value(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.raw_str().map(drop),
            Some(b'{' | b'[') => self.skip_container(),
            Some(b'-' | b'0'..=b'9') => {
                let b = self.bytes();
                let mut i = self.pos + 1;
                while matches!(
                    b.get(i),
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                ) {
                    i += 1;
                }
                self.pos = i;
                Ok(())
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    /// At `{` or `[`: skips to after the matching close, counting brackets outside strings.
    fn skip_container(&mut self) -> Result<()> {
        let b = self.bytes();
        let mut i = self.pos + 1;
        let mut depth: usize = 1;
        loop {
            let Some(&c) = b.get(i) else {
                self.pos = b.len();
                return Err(self.error("EOF while parsing a value"));
            };
            match c {
                b'"' => {
                    self.pos = i;
                    self.raw_str()?;
                    i = self.pos;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Consumes the `:` after an object key.
    #[inline(always)]
    fn colon(&mut self) -> Result<()> {
        if self.bytes().get(self.pos) == Some(&b':') {
            self.pos += 1;
            return Ok(());
        }
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("expected `:`")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    #[inline]
    fn enter(&mut self) -> Result<()> {
        self.remaining_depth = match self.remaining_depth.checked_sub(1) {
            Some(0) | None => return Err(self.error("recursion limit exceeded")),
            Some(d) => d,
        };
        self.pos += 1;
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        self.remaining_depth += 1;
    }

    /// After a visitor read a sequence: the closing `]`.
    #[inline]
    fn end_seq(&mut self) -> Result<()> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("trailing characters")),
            None => Err(self.error("EOF while parsing a list")),
        }
    }

    /// After a visitor read a map: the closing `}`.
    #[inline]
    fn end_map(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("trailing characters")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    #[inline]
    fn visit_seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let value = visitor.visit_seq(SeqAccess {
            de: self,
            first: true,
        });
        self.leave();
        let value = value.map_err(|e: Error| e.or_at(self.pos))?;
        self.end_seq()?;
        Ok(value)
    }

    #[inline]
    fn visit_map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let value = visitor.visit_map(MapAccess {
            de: self,
            first: true,
        });
        self.leave();
        let value = value.map_err(|e: Error| e.or_at(self.pos))?;
        self.end_map()?;
        Ok(value)
    }

    #[inline]
    fn visit_string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.parse_str()? {
            Str::Borrowed(s) => visitor.visit_borrowed_str(s),
            Str::Owned(s) => visitor.visit_string(s),
        }
        .map_err(|e: Error| e.or_at(self.pos))
    }

    #[inline]
    fn deserialize_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self
                .parse_number()?
                .visit(visitor)
                .map_err(|e: Error| e.or_at(self.pos)),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
}

/// Unescapes the contents of a JSON string that has at least one backslash; on a malformed
/// escape, the offset of its backslash within `raw`.
///
/// Text between escapes is copied eight bytes at a time (a fixed-size copy, no `memcpy` call);
/// a chunk that holds a backslash is copied whole and the output cut back to the backslash.
#[allow(clippy::many_single_char_names)]
fn unescape(raw: &str) -> core::result::Result<String, usize> {
    let b = raw.as_bytes();
    // The unescaped text is never longer than the escaped text.
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    loop {
        // Copy up to the next backslash.
        let j = loop {
            let Some(chunk) = b.get(i..i + 8) else {
                let j = find_backslash(b, i);
                out.push_str(raw.get(i..j).ok_or(i)?);
                break j;
            };
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let m = equal_to(u64::from_le_bytes(w), b'\\');
            // `raw.get` fails when a multi-byte character straddles the chunk's end.
            let Some(text) = raw.get(i..i + 8) else {
                let j = find_backslash(b, i);
                out.push_str(raw.get(i..j).ok_or(i)?);
                break j;
            };
            out.push_str(text);
            if m == 0 {
                i += 8;
                continue;
            }
            let k = (m.trailing_zeros() / 8) as usize;
            // The cut is just before a backslash, which is ASCII, so it is a char boundary.
            let len = out.len() - (8 - k);
            if !out.is_char_boundary(len) {
                return Err(i);
            }
            out.truncate(len);
            break i + k;
        };
        if j >= b.len() {
            return Ok(out);
        }
        let c = match b.get(j + 1) {
            Some(b'/') => '/',
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'n') => '\n',
            Some(b't') => '\t',
            Some(b'r') => '\r',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'u') => {
                let unit = hex4_at(b, j + 2).ok_or(j)?;
                let (c, len) = match unit {
                    0xD800..=0xDBFF => {
                        if b.get(j + 6) != Some(&b'\\') || b.get(j + 7) != Some(&b'u') {
                            return Err(j);
                        }
                        let low = hex4_at(b, j + 8).ok_or(j)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(j);
                        }
                        let cp = 0x1_0000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        (char::from_u32(cp).ok_or(j)?, 12)
                    }
                    0xDC00..=0xDFFF => return Err(j),
                    _ => (char::from_u32(u32::from(unit)).ok_or(j)?, 6),
                };
                out.push(c);
                i = j + len;
                continue;
            }
            _ => return Err(j),
        };
        out.push(c);
        i = j + 2;
    }
}

/// Numbers of every width go through one method: JSON has one number type.
macro_rules! forward_numbers {
    ($($name:ident)*) => {
        $(
            fn $name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                self.deserialize_number(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'"') => self.visit_string(visitor),
            Some(b'-' | b'0'..=b'9') => self
                .parse_number()?
                .visit(visitor)
                .map_err(|e: Error| e.or_at(self.pos)),
            Some(b'n') => {
                self.literal(b"null")?;
                visitor.visit_unit().map_err(|e: Error| e.or_at(self.pos))
            }
            Some(b't') => {
                self.literal(b"true")?;
                visitor
                    .visit_bool(true)
                    .map_err(|e: Error| e.or_at(self.pos))
            }
            Some(b'f') => {
                self.literal(b"false")?;
                visitor
                    .visit_bool(false)
                    .map_err(|e: Error| e.or_at(self.pos))
            }
            Some(b'[') => self.visit_seq(visitor),
            Some(b'{') => self.visit_map(visitor),
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b't') => {
                self.literal(b"true")?;
                visitor
                    .visit_bool(true)
                    .map_err(|e: Error| e.or_at(self.pos))
            }
            Some(b'f') => {
                self.literal(b"false")?;
                visitor
                    .visit_bool(false)
                    .map_err(|e: Error| e.or_at(self.pos))
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    forward_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'"') => self.visit_string(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'"') => match self.parse_str()? {
                Str::Borrowed(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
                Str::Owned(s) => visitor.visit_byte_buf(s.into_bytes()),
            }
            .map_err(|e: Error| e.or_at(self.pos)),
            Some(b'[') => self.visit_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_none().map_err(|e: Error| e.or_at(self.pos))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_unit().map_err(|e: Error| e.or_at(self.pos))
        } else {
            Err(self.invalid_type(&visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        // serde_json's RawValue asks its own deserializer for the raw text through this name;
        // events that hold raw JSON are decoded by serde_json instead.
        if name.starts_with("$serde_json::") {
            return Err(self.error("raw JSON values need serde_json"));
        }
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'[') => self.visit_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek() {
            Some(b'{') => self.visit_map(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // Like serde_json, a struct may also be written as an array of its fields in order.
        match self.peek() {
            Some(b'{') => self.visit_map(visitor),
            Some(b'[') => self.visit_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.peek() {
            // A unit variant, by name.
            Some(b'"') => match self.parse_str()? {
                Str::Borrowed(s) => visitor.visit_enum(s.into_deserializer()),
                Str::Owned(s) => visitor.visit_enum(s.into_deserializer()),
            }
            .map_err(|e: Error| e.or_at(self.pos)),
            // `{"Variant": value}`.
            Some(b'{') => {
                self.enter()?;
                let value = visitor.visit_enum(VariantAccess { de: self });
                self.leave();
                let value = value.map_err(|e: Error| e.or_at(self.pos))?;
                self.end_map()?;
                Ok(value)
            }
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }
}

struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.de.peek() {
            Some(b']') => return Ok(None),
            Some(b',') if !self.first => {
                self.de.pos += 1;
                if self.de.peek() == Some(b']') {
                    return Err(self.de.error("trailing comma"));
                }
            }
            Some(_) if self.first => self.first = false,
            Some(_) => return Err(self.de.error("expected `,` or `]`")),
            None => return Err(self.de.error("EOF while parsing a list")),
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.de.peek() {
            Some(b'}') => return Ok(None),
            Some(b',') if !self.first => {
                self.de.pos += 1;
                self.de.peek();
            }
            Some(_) if self.first => self.first = false,
            Some(_) => return Err(self.de.error("expected `,` or `}`")),
            None => return Err(self.de.error("EOF while parsing an object")),
        }
        match self.de.bytes().get(self.de.pos) {
            Some(b'"') => seed.deserialize(MapKey { de: &mut *self.de }).map(Some),
            Some(b'}') => Err(self.de.error("trailing comma")),
            Some(_) => Err(self.de.error("key must be a string")),
            None => Err(self.de.error("EOF while parsing an object")),
        }
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.de.colon()?;
        seed.deserialize(&mut *self.de)
    }
}

/// The deserializer for an object key; the cursor is at its opening quote.
struct MapKey<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::Deserializer<'de> for MapKey<'_, 'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.de.visit_string(visitor)
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.de.visit_string(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.de.visit_string(visitor)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.de.visit_string(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.de.raw_str()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum
    }
}

/// Access to the variant of an enum written `{"Variant": value}`; the cursor is at the `{`.
struct VariantAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        match self.de.peek() {
            Some(b'"') => {}
            Some(_) => return Err(self.de.error("key must be a string")),
            None => return Err(self.de.error("EOF while parsing an object")),
        }
        let variant = seed.deserialize(MapKey { de: &mut *self.de })?;
        self.de.colon()?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}

/// Deserializes `T` from `s`, which must hold exactly one JSON value (whitespace around it is
/// allowed).
#[cfg(test)]
pub(crate) fn from_str<'de, T: de::Deserialize<'de>>(s: &'de str) -> Result<T> {
    let mut de = Deserializer::new(s);
    let value = T::deserialize(&mut de).map_err(|e| e.or_at(de.position()))?;
    de.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r"a\nb").unwrap(), "a\nb");
        assert_eq!(
            unescape(r#"\"\\\/\b\f\n\r\t"#).unwrap(),
            "\"\\/\u{8}\u{c}\n\r\t"
        );
        assert_eq!(unescape(r"caf\u00e9 \ud83d\ude80!").unwrap(), "café 🚀!");
        assert_eq!(unescape(r"x\ud83d"), Err(1));
        assert_eq!(unescape(r"\udc00"), Err(0));
        assert_eq!(unescape(r"\u12"), Err(0));
        assert_eq!(unescape(r"\q"), Err(0));
        assert_eq!(unescape("\\"), Err(0));
    }

    #[test]
    fn numbers_are_classified_like_serde_json() {
        for text in [
            "0",
            "-0",
            "12",
            "-12",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "-1.25e3",
            "1E2",
            "123456789012345678901234567890",
        ] {
            let ours: serde_json::Value = from_str(text).unwrap();
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
            // The same classification: u64, i64 or f64.
            assert_eq!(
                (ours.is_u64(), ours.is_i64(), ours.is_f64()),
                (theirs.is_u64(), theirs.is_i64(), theirs.is_f64()),
                "{text}"
            );
        }
        for bad in ["-", "01", "1.", "1e", "1e999", "-x"] {
            assert!(from_str::<serde_json::Value>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_match_serde_json() {
        for text in [
            r#"{"a":[1,2,{"b":null}],"c":"d\u00e9","e":true,"f":false}"#,
            " [ 1 , \"x\" , [ ] , { } ] ",
            r#"{"k\u0065y":"v"}"#,
        ] {
            let ours: serde_json::Value = from_str(text).unwrap();
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in [
            "",
            "{",
            "[",
            "\"",
            "\"\\",
            "{\"a\"",
            "{\"a\":",
            "[1,",
            "[1,]",
            "{\"a\":1,}",
            "nul",
            "tru",
            "-",
            "{1:2}",
            "}",
            "]",
            "[\"\\u12",
            "\"\\ud800\\u",
            "{\"a\" 1}",
            "[1 2]",
        ] {
            assert!(from_str::<serde_json::Value>(text).is_err(), "{text:?}");
            let _ = from_str::<serde::de::IgnoredAny>(text);
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(from_str::<serde_json::Value>(&deep).is_err());
        assert!(from_str::<serde::de::IgnoredAny>(&deep).is_ok());
    }

    #[test]
    fn errors_carry_offsets() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        let e = from_str::<S>(r#"{"a":"x"}"#).unwrap_err();
        assert!(e.message().starts_with("invalid type: string \"x\""), "{e}");
        // After the offending value, as serde_json reports it.
        assert_eq!(e.offset(), Some(8));
        let e = from_str::<S>("{}").unwrap_err();
        assert_eq!(e.message(), "missing field `a`");
        assert!(e.offset().is_some());
        let e = from_str::<S>(r#"{"a":1} x"#).unwrap_err();
        assert_eq!(e.message(), "trailing characters");
    }
}
