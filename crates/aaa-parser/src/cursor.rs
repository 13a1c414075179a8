//! A validating JSON cursor: the byte-level half of the scanner.
//!
//! The body has been checked to be UTF-8 before a cursor is made, so string contents only need
//! their escapes and control characters checked. Every routine returns an error instead of
//! panicking; indexing goes through `get` so no input can read out of bounds.

use crate::MAX_DEPTH;
use crate::bytes::{digit_run, find_special, hex4_at, is_ws};
use crate::error::{ScanError, ScanErrorKind};

/// A byte range `start..end` in the body, as `u32`s to keep scanned events small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    #[inline]
    #[allow(clippy::cast_possible_truncation)] // bodies over u32::MAX are refused up front
    pub(crate) const fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    #[inline]
    pub(crate) fn get(self, body: &str) -> &str {
        body.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

pub(crate) type Result<T> = core::result::Result<T, ScanError>;

/// Longest integer part (sign included) of a number without exponent that is accepted without
/// parsing it: any such number is below 10^300, so it is a finite double.
const MAX_PLAIN_DIGITS: usize = 300;

/// Whether a wanted key segment equals the key read. The length and the first and last bytes
/// are compared first: they settle most mismatches without a call to `memcmp`.
#[inline(always)]
fn same_key(seg: &[u8], key: &[u8]) -> bool {
    seg.len() == key.len() && seg.first() == key.first() && seg.last() == key.last() && seg == key
}

/// A scalar JSON value found at a wanted path: a string's raw contents or a number's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scalar {
    pub(crate) span: Span,
}

pub(crate) struct Cursor<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, pos: 0 }
    }

    #[inline(always)]
    pub(crate) fn err<T>(&self, kind: ScanErrorKind) -> Result<T> {
        Err(ScanError::new(kind, self.pos))
    }

    /// Moves the cursor to `at` and returns the error `kind` there.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, at: usize, kind: ScanErrorKind) -> ScanError {
        self.pos = at;
        ScanError::new(kind, at)
    }

    /// The error for the byte at the cursor: end of input or an unexpected byte.
    #[inline(always)]
    pub(crate) fn unexpected<T>(&self) -> Result<T> {
        Err(self.unexpected_error())
    }

    #[cold]
    #[inline(never)]
    fn unexpected_error(&self) -> ScanError {
        let kind = if self.pos >= self.b.len() {
            ScanErrorKind::UnexpectedEnd
        } else {
            ScanErrorKind::UnexpectedByte
        };
        ScanError::new(kind, self.pos)
    }

    /// Skips whitespace and returns the next byte, if any.
    #[inline(always)]
    pub(crate) fn ws_peek(&mut self) -> Option<u8> {
        let c = *self.b.get(self.pos)?;
        // Every whitespace byte is at most b' ', and compact bodies have almost none.
        if c > b' ' {
            Some(c)
        } else {
            self.ws_peek_slow()
        }
    }

    #[inline(never)]
    fn ws_peek_slow(&mut self) -> Option<u8> {
        loop {
            let c = *self.b.get(self.pos)?;
            if !is_ws(c) {
                return Some(c);
            }
            self.pos += 1;
        }
    }

    /// Skips whitespace, then consumes `c` or fails.
    #[inline(always)]
    pub(crate) fn expect(&mut self, c: u8) -> Result<()> {
        if self.ws_peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected()
        }
    }

    /// At an opening quote: validates the string and returns the span of its raw contents
    /// (without quotes, escapes left as they are) and whether it contained escapes.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<(Span, bool)> {
        let start = self.pos + 1;
        let (end, escaped) = self.string_end(start)?;
        self.pos = end + 1;
        Ok((Span::new(start, end), escaped))
    }

    /// At an opening quote: validates and skips the string.
    #[inline(always)]
    fn skip_string(&mut self) -> Result<()> {
        let (end, _) = self.string_end(self.pos + 1)?;
        self.pos = end + 1;
        Ok(())
    }

    /// Validates string contents from `start`; returns the index of the closing quote and
    /// whether there were escapes.
    #[inline(always)]
    fn string_end(&mut self, start: usize) -> Result<(usize, bool)> {
        let i = find_special(self.b, start);
        if self.b.get(i) == Some(&b'"') {
            Ok((i, false))
        } else {
            self.string_rest(i)
        }
    }

    /// The rest of a string whose first special byte (not a quote) is at `i`.
    #[inline(never)]
    fn string_rest(&mut self, mut i: usize) -> Result<(usize, bool)> {
        let b = self.b;
        loop {
            match b.get(i) {
                Some(b'"') => return Ok((i, true)),
                Some(b'\\') => {
                    // The two-byte escapes (`\/` in every URL of a v1.1 post) are checked here;
                    // `\u` and faults go through `escape`.
                    i = match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i + 2,
                        _ => self.escape(i)?,
                    };
                    i = find_special(b, i);
                }
                Some(_) => return Err(self.fail(i, ScanErrorKind::ControlCharacter)),
                None => return Err(self.fail(i, ScanErrorKind::UnexpectedEnd)),
            }
        }
    }

    /// Validates the escape at `i` (a backslash) and returns the index after it. The string loop
    /// checks the two-byte escapes itself (34 instructions fewer per escape than this call, by
    /// callgrind); this handles `\uXXXX` and the faults.
    #[inline(never)]
    fn escape(&mut self, i: usize) -> Result<usize> {
        match self.b.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u') => {
                let Some(unit) = hex4_at(self.b, i + 2) else {
                    return Err(self.fail(i, ScanErrorKind::InvalidEscape));
                };
                match unit {
                    0xD800..=0xDBFF => {
                        if self.b.get(i + 6) == Some(&b'\\') && self.b.get(i + 7) == Some(&b'u') {
                            match hex4_at(self.b, i + 8) {
                                Some(0xDC00..=0xDFFF) => Ok(i + 12),
                                Some(_) => Err(self.fail(i, ScanErrorKind::LoneSurrogate)),
                                None => Err(self.fail(i + 6, ScanErrorKind::InvalidEscape)),
                            }
                        } else {
                            Err(self.fail(i, ScanErrorKind::LoneSurrogate))
                        }
                    }
                    0xDC00..=0xDFFF => Err(self.fail(i, ScanErrorKind::LoneSurrogate)),
                    _ => Ok(i + 6),
                }
            }
            None => Err(self.fail(i + 1, ScanErrorKind::UnexpectedEnd)),
            Some(_) => Err(self.fail(i, ScanErrorKind::InvalidEscape)),
        }
    }

    /// At `-` or a digit: validates a number and returns its span.
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<Span> {
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digit_run(b, i + 1),
            Some(_) => return Err(self.fail(i, ScanErrorKind::InvalidNumber)),
            None => return Err(self.fail(i, ScanErrorKind::UnexpectedEnd)),
        }
        if matches!(b.get(i), Some(b'.' | b'e' | b'E')) || i - start > MAX_PLAIN_DIGITS {
            return self.number_rest(start, i);
        }
        self.pos = i;
        Ok(Span::new(start, i))
    }

    /// The fraction and exponent of the number at `start` whose integer part ends at `i`, and
    /// the range check.
    #[inline(never)]
    fn number_rest(&mut self, start: usize, mut i: usize) -> Result<Span> {
        let b = self.b;
        let int_end = i;
        let mut exponent = false;
        if b.get(i) == Some(&b'.') {
            i += 1;
            i = self.digits(i)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = self.digits(i)?;
            exponent = true;
        }
        self.pos = i;
        // Without an exponent, a number below 10^300 is far from overflowing a double (whatever
        // its fraction); only an exponent or a very long integer part needs the slow check.
        if (exponent || int_end - start > MAX_PLAIN_DIGITS)
            && !Self::finite(b.get(start..i).unwrap_or_default())
        {
            return Err(self.fail(start, ScanErrorKind::NumberOutOfRange));
        }
        Ok(Span::new(start, i))
    }

    #[cold]
    fn finite(text: &[u8]) -> bool {
        core::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(f64::is_finite)
    }

    /// One or more digits starting at `i`; returns the index after them.
    #[inline]
    fn digits(&mut self, i: usize) -> Result<usize> {
        match self.b.get(i) {
            Some(b'0'..=b'9') => Ok(digit_run(self.b, i + 1)),
            Some(_) => Err(self.fail(i, ScanErrorKind::InvalidNumber)),
            None => Err(self.fail(i, ScanErrorKind::UnexpectedEnd)),
        }
    }

    #[inline(always)]
    fn literal(&mut self, lit: &'static [u8]) -> Result<()> {
        let end = self.pos + lit.len();
        if self.b.get(self.pos..end) == Some(lit) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.bad_literal(lit))
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_literal(&mut self, lit: &'static [u8]) -> ScanError {
        // Point at the first byte that differs.
        let same = self
            .b
            .get(self.pos..)
            .unwrap_or_default()
            .iter()
            .zip(lit)
            .take_while(|(a, b)| a == b)
            .count();
        self.pos += same;
        self.unexpected_error()
    }

    /// Validates and skips one value of any type, after optional whitespace. `depth` is the
    /// nesting depth of the container holding the value.
    #[inline(always)]
    pub(crate) fn skip_value(&mut self, depth: u32) -> Result<()> {
        match self.ws_peek() {
            Some(b'"') => self.skip_string(),
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'{') => self.skip_object(depth + 1),
            Some(b'[') => self.skip_array(depth + 1),
            _ => self.unexpected(),
        }
    }

    /// Checks the nesting limit for a container opened at `depth`.
    #[inline(always)]
    pub(crate) fn enter(&self, depth: u32) -> Result<()> {
        if depth > MAX_DEPTH {
            self.err(ScanErrorKind::TooDeep)
        } else {
            Ok(())
        }
    }

    /// After a member or element: consumes a `,` (returning `true`) or the closing `close`
    /// (returning `false`).
    #[inline(always)]
    fn more(&mut self, close: u8) -> Result<bool> {
        match self.ws_peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => self.unexpected(),
        }
    }

    /// At `{`: validates and skips the object.
    #[inline(never)]
    pub(crate) fn skip_object(&mut self, depth: u32) -> Result<()> {
        self.enter(depth)?;
        self.pos += 1;
        if self.ws_peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.ws_peek() != Some(b'"') {
                return self.unexpected();
            }
            self.skip_string()?;
            self.expect(b':')?;
            self.skip_value(depth)?;
            if !self.more(b'}')? {
                return Ok(());
            }
        }
    }

    /// At `[`: validates and skips the array.
    #[inline(never)]
    pub(crate) fn skip_array(&mut self, depth: u32) -> Result<()> {
        self.enter(depth)?;
        self.pos += 1;
        if self.ws_peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_value(depth)?;
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }

    /// At `{`: walks an object, recording the first scalar found at each wanted path and
    /// validating everything else. `active` is a bit set over `wants` of the paths whose first
    /// `level` segments led here.
    pub(crate) fn fields(
        &mut self,
        depth: u32,
        wants: &[&[&[u8]]],
        level: usize,
        active: u16,
        out: &mut [Option<Scalar>],
    ) -> Result<()> {
        self.enter(depth)?;
        self.pos += 1;
        if self.ws_peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.ws_peek() != Some(b'"') {
                return self.unexpected();
            }
            let start = self.pos + 1;
            let (end, _) = self.string_end(start)?;
            self.pos = end + 1;
            let key = self.b.get(start..end).unwrap_or_default();
            let mut leaf = None;
            let mut child = 0u16;
            let mut bits = active;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(path) = wants.get(i) else { break };
                if path.get(level).is_some_and(|seg| same_key(seg, key)) {
                    if path.len() == level + 1 {
                        leaf = out.get_mut(i);
                    } else {
                        child |= 1 << i;
                    }
                }
            }
            self.expect(b':')?;
            match (self.ws_peek(), leaf) {
                (Some(b'"'), Some(slot)) => {
                    let (s, _) = self.string()?;
                    slot.get_or_insert(Scalar { span: s });
                }
                (Some(b'-' | b'0'..=b'9'), Some(slot)) => {
                    let s = self.number()?;
                    slot.get_or_insert(Scalar { span: s });
                }
                (Some(b'{'), _) if child != 0 => {
                    self.fields(depth + 1, wants, level + 1, child, out)?;
                }
                _ => self.skip_value(depth)?,
            }
            if !self.more(b'}')? {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<usize> {
        let mut c = Cursor::new(s.as_bytes());
        c.skip_value(0)?;
        Ok(c.pos)
    }

    #[test]
    fn escapes_at_every_offset() {
        for esc in [
            r"\n",
            r"\/",
            r#"\""#,
            r"\\",
            r"\u00e9",
            r"\uFFFF",
            r"\ud83d\ude00",
        ] {
            for at in 0..40 {
                let s = format!("\"{}{esc}{}\"", "a".repeat(at), "b".repeat(40 - at));
                assert_eq!(skip(&s), Ok(s.len()), "{s}");
                // Cut short anywhere inside the escape: always an error, never a panic.
                for cut in 1..esc.len() {
                    let t = &s[..=at + cut];
                    assert!(skip(t).is_err(), "{t}");
                }
            }
        }
        for bad in [r"\x", r"\u12G4", r"\ud83d", r"\ud83d\u0041", r"\ude00"] {
            for at in 0..40 {
                let s = format!("\"{}{bad}\"", "a".repeat(at));
                let e = skip(&s).unwrap_err();
                assert_eq!(e.offset(), at + 1, "{s}");
            }
        }
    }

    #[test]
    fn strings() {
        assert_eq!(skip(r#""hello world, this is long enough""#), Ok(34));
        assert_eq!(
            skip(r#""a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00""#).map(|_| ()),
            Ok(())
        );
        let e = skip(r#""\x""#).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ScanErrorKind::InvalidEscape, 1));
        assert_eq!(
            skip(r#""\ud800""#).unwrap_err().kind(),
            ScanErrorKind::LoneSurrogate
        );
        assert_eq!(
            skip(r#""\udc00x""#).unwrap_err().kind(),
            ScanErrorKind::LoneSurrogate
        );
        assert_eq!(
            skip(r#""\ud800\u0041""#).unwrap_err().kind(),
            ScanErrorKind::LoneSurrogate
        );
        assert_eq!(
            skip("\"a\u{1}b\"").unwrap_err().kind(),
            ScanErrorKind::ControlCharacter
        );
        assert_eq!(
            skip("\"abc").unwrap_err().kind(),
            ScanErrorKind::UnexpectedEnd
        );
        assert_eq!(
            skip("\"abc\\").unwrap_err().kind(),
            ScanErrorKind::UnexpectedEnd
        );
        assert_eq!(
            skip(r#""\u12""#).unwrap_err().kind(),
            ScanErrorKind::InvalidEscape
        );
    }

    #[test]
    fn numbers() {
        for ok in [
            "0",
            "-0",
            "12",
            "-1.5e3",
            "1E+2",
            "0.25",
            "123456789012345678901234",
        ] {
            assert_eq!(skip(ok), Ok(ok.len()), "{ok}");
        }
        for bad in ["-", "1.", ".5", "1e", "1e+", "-a", "+1"] {
            assert!(skip(bad).is_err(), "{bad}");
        }
        assert_eq!(
            skip("1e400").unwrap_err().kind(),
            ScanErrorKind::NumberOutOfRange
        );
        assert_eq!(
            skip(&"9".repeat(400)).unwrap_err().kind(),
            ScanErrorKind::NumberOutOfRange
        );
        // A leading zero ends the number; the caller then finds the stray digit.
        assert_eq!(skip("012"), Ok(1));
    }

    #[test]
    fn long_numbers_are_range_checked_like_a_double_parse() {
        for digits in 1..=330 {
            for text in [
                "9".repeat(digits),
                format!("-{}", "9".repeat(digits)),
                format!("{}.{}", "9".repeat(digits), "9".repeat(digits)),
                format!("1{}.5", "0".repeat(digits)),
                format!("1.{}e{digits}", "0".repeat(digits)),
            ] {
                let finite = text.parse::<f64>().is_ok_and(f64::is_finite);
                let got = skip(&text);
                if finite {
                    assert_eq!(got, Ok(text.len()), "{text}");
                } else {
                    assert_eq!(
                        got.unwrap_err().kind(),
                        ScanErrorKind::NumberOutOfRange,
                        "{text}"
                    );
                }
            }
        }
        assert_eq!(skip("1.5e308"), Ok(7));
        assert!(skip("1.8e308").is_err());
        assert_eq!(skip("1e-400"), Ok(6));
    }

    #[test]
    fn literals_and_containers() {
        assert_eq!(skip("true"), Ok(4));
        assert_eq!(skip("[true, false ,null]"), Ok(19));
        let e = skip("tru").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ScanErrorKind::UnexpectedEnd, 3));
        let e = skip("trUe").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ScanErrorKind::UnexpectedByte, 2));
        assert_eq!(skip(r#"{"a":[1,{"b":{}}],"c":"d"}"#), Ok(26));
        assert!(skip("[1,]").is_err());
        assert!(skip(r#"{"a":1,}"#).is_err());
        assert!(skip(r#"{"a" 1}"#).is_err());
        assert!(skip("{1:2}").is_err());
    }

    #[test]
    fn depth_limit() {
        let ok = format!(
            "{}{}",
            "[".repeat(MAX_DEPTH as usize),
            "]".repeat(MAX_DEPTH as usize)
        );
        assert!(skip(&ok).is_ok());
        let deep = "[".repeat(10_000);
        assert_eq!(skip(&deep).unwrap_err().kind(), ScanErrorKind::TooDeep);
    }

    #[test]
    fn fields_finds_nested_scalars() {
        let body = br#"{"x":{"y":"no"},"source":{"id":"17","name":"a"},"target":{"id":18},"created_timestamp":"99","source":{"id":"dup"}}"#;
        let wants: &[&[&[u8]]] = &[
            &[b"source", b"id"],
            &[b"target", b"id"],
            &[b"created_timestamp"],
        ];
        let mut out = [None; 3];
        let mut c = Cursor::new(body);
        c.fields(1, wants, 0, 0b111, &mut out).unwrap();
        assert_eq!(c.pos, body.len());
        let text = core::str::from_utf8(body).unwrap();
        let got: Vec<&str> = out.iter().map(|s| s.unwrap().span.get(text)).collect();
        assert_eq!(got, ["17", "18", "99"]);
    }
}
