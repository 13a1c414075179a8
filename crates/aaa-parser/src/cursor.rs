//! A validating JSON cursor: the byte-level half of the scanner.
//!
//! The body has been checked to be UTF-8 before a cursor is made, so string contents only need
//! their escapes and control characters checked. Every routine returns an error instead of
//! panicking; indexing goes through `get` so no input can read out of bounds.
//!
//! The hot routines take and return byte positions and report a failure as the zero-sized
//! [`Fault`], with what failed and where kept in the cursor ([`Cursor::error`]): their results fit
//! in registers, and the error is written only on the (cold) failure path. Values that no key
//! needs are skipped by one loop ([`Cursor::skip_from`]) that keeps the open containers in a bit
//! stack instead of recursing.

use crate::MAX_DEPTH;
use crate::bytes::{Window, digit_run, hex4_at, skip_ws};
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

/// A failed scan. The error itself is in [`Cursor::error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault;

pub(crate) type R<T> = core::result::Result<T, Fault>;

/// Longest integer part (sign included) of a number without exponent that is accepted without
/// parsing it: any such number is below 10^300, so it is a finite double.
const MAX_PLAIN_DIGITS: usize = 300;

/// Whether a wanted key segment equals the key read. The length and the first and last bytes
/// are compared first: they settle most mismatches without a call to `memcmp`.
#[inline(always)]
fn same_key(seg: &[u8], key: &[u8]) -> bool {
    seg.len() == key.len() && seg.first() == key.first() && seg.last() == key.last() && seg == key
}

/// Whether `c` can start a number.
#[inline(always)]
fn starts_number(c: u8) -> bool {
    c == b'-' || c.is_ascii_digit()
}

/// A scalar JSON value found at a wanted path: a string's raw contents or a number's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scalar {
    pub(crate) span: Span,
}

/// What [`Cursor::fields`] collects: the first scalar at each wanted path, and which paths are
/// settled (found, so the walk stops comparing keys against them).
pub(crate) struct Found<'o> {
    pub(crate) out: &'o mut [Option<Scalar>],
    pub(crate) settled: u16,
}

impl Found<'_> {
    /// Records the scalar `span` for wanted path `slot`, unless one was found before.
    #[inline(always)]
    fn settle(&mut self, slot: usize, span: Span) {
        if let Some(out) = self.out.get_mut(slot) {
            out.get_or_insert(Scalar { span });
        }
        self.settled |= 1 << slot;
    }
}

/// The end of the plain integer at `start` (an optional `-`, then `0` or digits not starting
/// with `0`), if the number ends there; `None` for a fraction, an exponent, a very long
/// integer part or a syntax error, which [`Cursor::number_slow`] sorts out.
#[inline(always)]
fn plain_number(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + usize::from(b.get(start) == Some(&b'-'));
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digit_run(b, i + 1),
        _ => return None,
    }
    if matches!(b.get(i), Some(b'.' | b'e' | b'E')) || i - start > MAX_PLAIN_DIGITS {
        return None;
    }
    Some(i)
}

pub(crate) struct Cursor<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
    error: ScanError,
    win: Window,
}

/// The closing quote of the string whose contents start at `i` (with `win` kept from the
/// strings before it), or `Err` with the index of its first backslash or control byte (or the
/// end of the input), where the careful path takes over.
#[inline(always)]
fn string_close_in(win: &mut Window, b: &[u8], i: usize) -> Result<usize, usize> {
    let j = win.next_special(b, i);
    if b.get(j) == Some(&b'"') {
        Ok(j)
    } else {
        Err(j)
    }
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor {
            b,
            pos: 0,
            error: ScanError::new(ScanErrorKind::UnexpectedEnd, 0),
            win: Window::new(),
        }
    }

    /// What failed, and where: meaningful after a routine returned [`Fault`].
    pub(crate) fn error(&self) -> ScanError {
        self.error
    }

    /// Moves the cursor to `at` and records the error `kind` there.
    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&mut self, at: usize, kind: ScanErrorKind) -> Fault {
        self.pos = at;
        self.error = ScanError::new(kind, at);
        Fault
    }

    /// Records the error `kind` at the cursor.
    #[cold]
    #[inline(never)]
    pub(crate) fn fail_here(&mut self, kind: ScanErrorKind) -> Fault {
        self.fail(self.pos, kind)
    }

    /// The error for the byte at `at`: end of input or an unexpected byte.
    #[cold]
    #[inline(never)]
    pub(crate) fn unexpected_at(&mut self, at: usize) -> Fault {
        let kind = if at >= self.b.len() {
            ScanErrorKind::UnexpectedEnd
        } else {
            ScanErrorKind::UnexpectedByte
        };
        self.fail(at, kind)
    }

    /// The error for the byte at the cursor.
    #[cold]
    #[inline(never)]
    pub(crate) fn unexpected(&mut self) -> Fault {
        self.unexpected_at(self.pos)
    }

    /// Skips whitespace and returns the next byte, if any.
    #[inline(always)]
    pub(crate) fn ws_peek(&mut self) -> Option<u8> {
        self.pos = skip_ws(self.b, self.pos);
        self.b.get(self.pos).copied()
    }

    /// Skips whitespace, then consumes `c` or fails.
    #[inline(always)]
    pub(crate) fn expect(&mut self, c: u8) -> R<()> {
        if self.ws_peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// At an opening quote: validates the string and returns the span of its raw contents
    /// (without quotes, escapes left as they are).
    #[inline(always)]
    pub(crate) fn string(&mut self) -> R<Span> {
        let start = self.pos + 1;
        let end = self.string_end(start)?;
        self.pos = end + 1;
        Ok(Span::new(start, end))
    }

    /// At an opening quote: like [`Cursor::string`], and whether the string may hold escapes
    /// (`false` means it has none; `true` that it went the careful way, which it takes for
    /// every backslash).
    #[inline(always)]
    pub(crate) fn string_escaped(&mut self) -> R<(Span, bool)> {
        let start = self.pos + 1;
        let mut win = self.win;
        let found = match string_close_in(&mut win, self.b, start) {
            Ok(j) => Ok((j, false)),
            Err(j) => self.string_escapes(&mut win, j).map(|j| (j, true)),
        };
        self.win = win;
        let (end, escaped) = found?;
        self.pos = end + 1;
        Ok((Span::new(start, end), escaped))
    }

    /// Validates string contents from `i`; returns the index of the closing quote.
    #[inline(always)]
    fn string_end(&mut self, i: usize) -> R<usize> {
        let mut win = self.win;
        let end = match string_close_in(&mut win, self.b, i) {
            Ok(j) => Ok(j),
            Err(j) => self.string_escapes(&mut win, j),
        };
        self.win = win;
        end
    }

    /// The rest of a string whose first special byte (not a quote) is at `i`: each escape is
    /// checked where it stands, and the next special byte after it comes from the window.
    #[inline(never)]
    fn string_escapes(&mut self, win: &mut Window, mut i: usize) -> R<usize> {
        let b = self.b;
        loop {
            let next = match b.get(i) {
                Some(b'"') => return Ok(i),
                Some(b'\\') => match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i + 2,
                    Some(b'u') => self.unicode_escape(i)?,
                    Some(_) => return Err(self.fail(i, ScanErrorKind::InvalidEscape)),
                    None => return Err(self.fail(i + 1, ScanErrorKind::UnexpectedEnd)),
                },
                Some(_) => return Err(self.fail(i, ScanErrorKind::ControlCharacter)),
                None => return Err(self.fail(b.len(), ScanErrorKind::UnexpectedEnd)),
            };
            i = win.next_special(b, next);
        }
    }

    /// Validates the `\uXXXX` escape (or surrogate pair) at `i` (a backslash) and returns the
    /// index after it.
    #[inline(always)]
    fn unicode_escape(&mut self, i: usize) -> R<usize> {
        let b = self.b;
        match hex4_at(b, i + 2) {
            Some(0xD800..=0xDBFF) => {
                if b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u') {
                    match hex4_at(b, i + 8) {
                        Some(0xDC00..=0xDFFF) => Ok(i + 12),
                        Some(_) => Err(self.fail(i, ScanErrorKind::LoneSurrogate)),
                        None => Err(self.fail(i + 6, ScanErrorKind::InvalidEscape)),
                    }
                } else {
                    Err(self.fail(i, ScanErrorKind::LoneSurrogate))
                }
            }
            Some(0xDC00..=0xDFFF) => Err(self.fail(i, ScanErrorKind::LoneSurrogate)),
            Some(_) => Ok(i + 6),
            None => Err(self.fail(i, ScanErrorKind::InvalidEscape)),
        }
    }

    /// At `-` or a digit: validates a number and returns its span.
    #[inline(always)]
    pub(crate) fn number(&mut self) -> R<Span> {
        let start = self.pos;
        let end = self.number_end(start)?;
        self.pos = end;
        Ok(Span::new(start, end))
    }

    /// Validates the number starting at `start` (a `-` or a digit); returns the index after it.
    #[inline(always)]
    fn number_end(&mut self, start: usize) -> R<usize> {
        match plain_number(self.b, start) {
            Some(end) => Ok(end),
            None => self.number_slow(start),
        }
    }

    /// A number that is not a plain integer: a fraction, an exponent, a very long integer part,
    /// or a syntax error.
    #[inline(never)]
    fn number_slow(&mut self, start: usize) -> R<usize> {
        let b = self.b;
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
        self.number_rest(start, i)
    }

    /// The fraction and exponent of the number at `start` whose integer part ends at `i`, and
    /// the range check; returns the index after the number.
    #[inline(always)]
    fn number_rest(&mut self, start: usize, mut i: usize) -> R<usize> {
        let b = self.b;
        let int_end = i;
        let mut exponent = false;
        if b.get(i) == Some(&b'.') {
            i = self.digits(i + 1)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = self.digits(i)?;
            exponent = true;
        }
        // Without an exponent, a number below 10^300 is far from overflowing a double (whatever
        // its fraction); only an exponent or a very long integer part needs the slow check.
        if (exponent || int_end - start > MAX_PLAIN_DIGITS)
            && !Self::finite(b.get(start..i).unwrap_or_default())
        {
            return Err(self.fail(start, ScanErrorKind::NumberOutOfRange));
        }
        Ok(i)
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
    fn digits(&mut self, i: usize) -> R<usize> {
        match self.b.get(i) {
            Some(b'0'..=b'9') => Ok(digit_run(self.b, i + 1)),
            Some(_) => Err(self.fail(i, ScanErrorKind::InvalidNumber)),
            None => Err(self.fail(i, ScanErrorKind::UnexpectedEnd)),
        }
    }

    /// The literal `lit` at `i`; returns the index after it.
    #[inline(always)]
    fn literal(&mut self, i: usize, lit: &'static [u8]) -> R<usize> {
        let end = i + lit.len();
        if self.b.get(i..end) == Some(lit) {
            Ok(end)
        } else {
            Err(self.bad_literal(i, lit))
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_literal(&mut self, i: usize, lit: &'static [u8]) -> Fault {
        // Point at the first byte that differs.
        let same = self
            .b
            .get(i..)
            .unwrap_or_default()
            .iter()
            .zip(lit)
            .take_while(|(a, b)| a == b)
            .count();
        self.unexpected_at(i + same)
    }

    /// Checks the nesting limit for a container opened at `depth`.
    #[inline(always)]
    pub(crate) fn enter(&mut self, depth: u32) -> R<()> {
        if depth > MAX_DEPTH {
            Err(self.fail_here(ScanErrorKind::TooDeep))
        } else {
            Ok(())
        }
    }

    /// At an object key (after whitespace): validates the key and the colon after it; returns
    /// the index after the colon.
    #[inline(always)]
    fn member_key(&mut self, win: &mut Window, b: &[u8], i: usize) -> R<usize> {
        if b.get(i) != Some(&b'"') {
            return Err(self.unexpected_at(i));
        }
        let mut i = match string_close_in(win, b, i + 1) {
            Ok(j) => j + 1,
            Err(j) => self.string_escapes(win, j)? + 1,
        };
        if b.get(i) != Some(&b':') {
            i = skip_ws(b, i);
            if b.get(i) != Some(&b':') {
                return Err(self.unexpected_at(i));
            }
        }
        Ok(i + 1)
    }

    /// Validates and skips one value of any type, after optional whitespace. `depth` is the
    /// nesting depth of the container holding the value.
    #[inline(always)]
    pub(crate) fn skip_value(&mut self, depth: u32) -> R<()> {
        let b = self.b;
        let i = skip_ws(b, self.pos);
        let Some(&c) = b.get(i) else {
            return Err(self.unexpected_at(i));
        };
        self.pos = if c == b'"' {
            self.string_end(i + 1)? + 1
        } else if starts_number(c) {
            self.number_end(i)?
        } else if c == b'{' || c == b'[' {
            self.skip_from(depth + 1, i, 0, 0, false)?
        } else {
            self.scalar_literal(i, c)?
        };
        Ok(())
    }

    /// `true`, `false` or `null` at `i`, whose first byte is `c`; returns the index after it.
    #[inline(always)]
    fn scalar_literal(&mut self, i: usize, c: u8) -> R<usize> {
        match c {
            b't' => self.literal(i, b"true"),
            b'f' => self.literal(i, b"false"),
            b'n' => self.literal(i, b"null"),
            _ => Err(self.unexpected_at(i)),
        }
    }

    /// The validating skip of everything no key needs, as one loop. `stack` holds a bit per open
    /// container (1 for an object), innermost lowest, and `level` counts them; the outermost
    /// one (level 1) opened at nesting depth `base`. With `after` false, `i` is at a value (or
    /// whitespace before one); with `after` true, a value of the innermost container ended at
    /// `i`. Returns the index after the container at level 1 closes (or, with `level` 0 and
    /// `after` false, after the one value at `i`).
    #[inline(never)]
    pub(crate) fn skip_from(
        &mut self,
        base: u32,
        mut i: usize,
        mut stack: u128,
        mut level: u32,
        mut after: bool,
    ) -> R<usize> {
        let b = self.b;
        let mut win = self.win;
        'value: loop {
            if !after {
                i = skip_ws(b, i);
                let Some(&c) = b.get(i) else {
                    return Err(self.unexpected_at(i));
                };
                if c == b'"' {
                    i = match string_close_in(&mut win, b, i + 1) {
                        Ok(j) => j + 1,
                        Err(j) => self.string_escapes(&mut win, j)? + 1,
                    };
                } else if c == b'{' || c == b'[' {
                    level += 1;
                    if base + level > MAX_DEPTH + 1 {
                        return Err(self.fail(i, ScanErrorKind::TooDeep));
                    }
                    let object = c == b'{';
                    stack = (stack << 1) | u128::from(object);
                    i = skip_ws(b, i + 1);
                    // `}` and `]` are two above `{` and `[`.
                    if b.get(i) == Some(&(c + 2)) {
                        i += 1;
                        level -= 1;
                        stack >>= 1;
                        if level == 0 {
                            self.win = win;
                            return Ok(i);
                        }
                    } else {
                        if object {
                            i = self.member_key(&mut win, b, i)?;
                        }
                        continue 'value;
                    }
                } else if starts_number(c) {
                    i = match plain_number(b, i) {
                        Some(end) => end,
                        None => self.number_slow(i)?,
                    };
                } else {
                    i = self.scalar_literal(i, c)?;
                }
                if level == 0 {
                    self.win = win;
                    return Ok(i);
                }
            }
            after = false;
            // After a value: a comma and the next member or element, or closing brackets.
            loop {
                i = skip_ws(b, i);
                let object = stack & 1 != 0;
                match b.get(i) {
                    Some(b',') => {
                        i += 1;
                        if object {
                            i = self.member_key(&mut win, b, skip_ws(b, i))?;
                        }
                        continue 'value;
                    }
                    Some(&c) if c == if object { b'}' } else { b']' } => {
                        i += 1;
                        level -= 1;
                        stack >>= 1;
                        if level == 0 {
                            self.win = win;
                            return Ok(i);
                        }
                    }
                    _ => return Err(self.unexpected_at(i)),
                }
            }
        }
    }

    /// At `{` of an object at nesting `depth`: walks it, recording the first scalar found at
    /// each wanted path and validating everything else. `active` is a bit set over `wants` of
    /// the paths whose first `level` segments led here. Once every path is settled, the rest
    /// of the event goes through the plain skip.
    pub(crate) fn fields(
        &mut self,
        depth: u32,
        wants: &[&[&[u8]]],
        level: usize,
        active: u16,
        found: &mut Found<'_>,
    ) -> R<()> {
        self.enter(depth)?;
        let b = self.b;
        self.pos += 1;
        match self.ws_peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(());
            }
            Some(b'"') => {}
            _ => return Err(self.unexpected()),
        }
        loop {
            let start = self.pos + 1;
            let end = self.string_end(start)?;
            self.pos = end + 1;
            let key = b.get(start..end).unwrap_or_default();
            let mut leaf = None;
            let mut child = 0u16;
            let mut bits = active & !found.settled;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(path) = wants.get(i) else { break };
                if path.get(level).is_some_and(|seg| same_key(seg, key)) {
                    if path.len() == level + 1 {
                        leaf = Some(i);
                    } else {
                        child |= 1 << i;
                    }
                }
            }
            self.expect(b':')?;
            match (self.ws_peek(), leaf) {
                (Some(b'"'), Some(slot)) => {
                    let s = self.string()?;
                    found.settle(slot, s);
                }
                (Some(c), Some(slot)) if starts_number(c) => {
                    let s = self.number()?;
                    found.settle(slot, s);
                }
                (Some(b'{'), _) if child != 0 => {
                    self.fields(depth + 1, wants, level + 1, child, found)?;
                }
                _ => self.skip_value(depth)?,
            }
            if active & !found.settled == 0 {
                // Nothing more to look for here: the rest of the object is only validated.
                self.pos = self.skip_from(depth, self.pos, 1, 1, true)?;
                return Ok(());
            }
            match self.ws_peek() {
                Some(b',') => {
                    self.pos += 1;
                    if self.ws_peek() != Some(b'"') {
                        return Err(self.unexpected());
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<usize, ScanError> {
        let mut c = Cursor::new(s.as_bytes());
        match c.skip_value(0) {
            Ok(()) => Ok(c.pos),
            Err(Fault) => Err(c.error()),
        }
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
        let mut found = Found {
            out: &mut out,
            settled: 0,
        };
        c.fields(1, wants, 0, 0b111, &mut found).unwrap();
        assert_eq!(c.pos, body.len());
        let text = core::str::from_utf8(body).unwrap();
        let got: Vec<&str> = out.iter().map(|s| s.unwrap().span.get(text)).collect();
        assert_eq!(got, ["17", "18", "99"]);
    }
}
