//! Byte-level helpers shared by the validating cursor (`cursor.rs`) and the trusting
//! deserializer (`de.rs`): the eight-bytes-at-a-time searches (SWAR bit tricks), the hex table
//! and the whitespace test. Every index goes through `get`, so no input reads out of bounds.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Marks every byte of `w` that equals `c`; the lowest mark is exact.
#[inline(always)]
pub(crate) const fn equal_to(w: u64, c: u8) -> u64 {
    let x = w ^ (LO * c as u64);
    x.wrapping_sub(LO) & !x & HI
}

/// Nonzero in every byte of `w` that is not an ASCII digit. Bytes above the lowest nonzero one
/// may be nonzero spuriously; the lowest one is always exact.
#[inline(always)]
const fn non_digits(w: u64) -> u64 {
    const F0: u64 = LO * 0xF0;
    const DIGIT_ROW: u64 = LO * 0x30;
    // A byte is a digit when it is 0x3_ and still 0x3_ after adding 6. The addition can carry
    // into the next byte only from a byte above 0xF9, which is itself not a digit.
    ((w & F0) ^ DIGIT_ROW) | ((w.wrapping_add(LO * 6) & F0) ^ DIGIT_ROW)
}

/// Whether `c` is JSON whitespace.
#[inline(always)]
pub(crate) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

/// The first index at or after `i` whose eight-byte word `mark` flags (or, in the tail shorter
/// than a word, whose byte `is` accepts), or `b.len()` (or `i` when `i` is past the end).
#[inline(always)]
fn find(b: &[u8], mut i: usize, mark: impl Fn(u64) -> u64, is: impl Fn(u8) -> bool) -> usize {
    while let Some(w) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let m = mark(u64::from_le_bytes(*w));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if is(c) {
            return i;
        }
        i += 1;
    }
    i.max(b.len())
}

/// The special bytes of strings (`"`, `\\`, control bytes) in a window of 64 bytes of the
/// input, kept from one string to the next: the strings of a member (`"key":"value"`) and of
/// its neighbours usually fall in one window, so the search for a string's end is a shift and a
/// bit scan, not a new load that the next step has to wait for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    at: usize,
    mask: u64,
}

impl Window {
    /// A window that covers nothing.
    pub(crate) const fn new() -> Window {
        // Any position minus `at` (wrapping) is far beyond 64.
        Window {
            at: usize::MAX / 2,
            mask: 0,
        }
    }

    /// The index of the first `"`, `\\` or control byte at or after `i`; `b.len()` (or `i`, if
    /// it is past the end) when there is none.
    #[inline(always)]
    pub(crate) fn next_special(&mut self, b: &[u8], mut i: usize) -> usize {
        let off = i.wrapping_sub(self.at);
        if off < 64 {
            let m = self.mask >> off;
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i = self.at + 64;
        }
        self.refill(b, i)
    }

    /// Moves the window to start at `i`, and on until it holds a special byte.
    #[inline(always)]
    fn refill(&mut self, b: &[u8], mut i: usize) -> usize {
        loop {
            self.at = i;
            self.mask = window_mask(b, i);
            if self.mask != 0 {
                return i + self.mask.trailing_zeros() as usize;
            }
            i += 64;
        }
    }
}

/// Bit `k` is set for each byte `b[at + k]` that is `"`, `\\` or a control byte; bytes past the
/// end count as control bytes.
#[inline(always)]
fn window_mask(b: &[u8], at: usize) -> u64 {
    match b.get(at..).and_then(<[u8]>::first_chunk::<64>) {
        Some(chunk) => crate::simd::string_specials64(chunk),
        None => window_mask_tail(b, at),
    }
}

#[inline(never)]
fn window_mask_tail(b: &[u8], at: usize) -> u64 {
    let mut chunk = [0u8; 64];
    let rest = b.get(at..).unwrap_or_default();
    if let Some(head) = chunk.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    crate::simd::string_specials64(&chunk)
}

/// The index of the first byte at or after `i` that is not JSON whitespace (or `b.len()`).
#[inline(always)]
pub(crate) fn skip_ws(b: &[u8], i: usize) -> usize {
    // Every whitespace byte is at most b' ', and compact bodies have almost none.
    match b.get(i) {
        Some(&c) if c <= b' ' => skip_ws_run(b, i),
        _ => i,
    }
}

#[inline(never)]
fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    const SPACES: u64 = LO * b' ' as u64;
    loop {
        // Indentation eight spaces at a time.
        while b
            .get(i..)
            .and_then(<[u8]>::first_chunk::<8>)
            .is_some_and(|w| u64::from_le_bytes(*w) == SPACES)
        {
            i += 8;
        }
        match b.get(i) {
            Some(&c) if is_ws(c) => i += 1,
            _ => return i,
        }
    }
}

/// Index of the first `"` or `\` at or after `i`, or `b.len()`.
#[inline(always)]
pub(crate) fn find_quote_or_backslash(b: &[u8], i: usize) -> usize {
    find(
        b,
        i,
        |w| equal_to(w, b'"') | equal_to(w, b'\\'),
        |c| c == b'"' || c == b'\\',
    )
}

/// Index of the first `\` at or after `i`, or `b.len()`.
#[inline]
pub(crate) fn find_backslash(b: &[u8], i: usize) -> usize {
    find(b, i, |w| equal_to(w, b'\\'), |c| c == b'\\')
}

/// Index of the first byte at or after `i` that is not an ASCII digit, or `b.len()`.
#[inline(always)]
pub(crate) fn digit_run(b: &[u8], i: usize) -> usize {
    find(b, i, non_digits, |c| !c.is_ascii_digit())
}

/// The value of each hex digit, `-1` for every other byte.
static HEX: [i8; 256] = {
    let mut t = [-1i8; 256];
    let digits = b"0123456789abcdef";
    let mut k = 0;
    let mut v = 0;
    while k < digits.len() {
        t[digits[k] as usize] = v;
        t[digits[k].to_ascii_uppercase() as usize] = v;
        k += 1;
        v += 1;
    }
    t
};

/// The code unit of four hex digits, or `None` if one of them is not a hex digit.
#[inline(always)]
pub(crate) fn hex4(h: [u8; 4]) -> Option<u16> {
    let d = |c: u8| i32::from(HEX[usize::from(c)]);
    // A non-digit is -1, which makes the whole (sign-extended) value negative.
    let v = (d(h[0]) << 12) | (d(h[1]) << 8) | (d(h[2]) << 4) | d(h[3]);
    u16::try_from(v).ok()
}

/// The code unit of the four hex digits at `at`, if there are four.
#[inline(always)]
pub(crate) fn hex4_at(b: &[u8], at: usize) -> Option<u16> {
    hex4(*b.get(at..)?.first_chunk::<4>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(b: &[u8], from: usize, is: impl Fn(u8) -> bool) -> usize {
        (from..b.len()).find(|&i| is(b[i])).unwrap_or(b.len())
    }

    #[test]
    fn searches_stop_at_every_offset() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for len in 0..80 {
                for at in 0..=len {
                    let mut b = vec![b'a'; len];
                    if at < len {
                        b[at] = special;
                    }
                    // Bytes around the specials that are close to them in value.
                    b.extend_from_slice(b"\x7f !#[]\x80\xff");
                    for from in 0..=at.min(len) {
                        let special = |c: u8| matches!(c, b'"' | b'\\' | 0..=0x1f);
                        // A fresh window, and one kept from a search that started earlier.
                        assert_eq!(
                            Window::new().next_special(&b, from),
                            naive(&b, from, special)
                        );
                        let mut kept = Window::new();
                        kept.next_special(&b, 0);
                        assert_eq!(kept.next_special(&b, from), naive(&b, from, special));
                        assert_eq!(
                            find_quote_or_backslash(&b, from),
                            naive(&b, from, |c| matches!(c, b'"' | b'\\'))
                        );
                        assert_eq!(find_backslash(&b, from), naive(&b, from, |c| c == b'\\'));
                    }
                }
            }
        }
        assert_eq!(Window::new().next_special(b"abc", 3), 3);
        assert_eq!(Window::new().next_special(b"abc", 7), 7);
        assert_eq!(find_backslash(b"abc", 0), 3);
    }

    #[test]
    fn a_window_walks_a_long_input_special_by_special() {
        // Specials every few bytes over several windows, found one after the other from one
        // kept window, as the scan does.
        let mut b = Vec::new();
        for i in 0..500usize {
            b.extend_from_slice(&b"abcdefghij"[..i % 11 % 10]);
            b.push([b'"', b'\\', 0x01, 0x1f][i % 4]);
        }
        let mut w = Window::new();
        let mut from = 0;
        let mut seen = 0;
        while from < b.len() {
            let at = w.next_special(&b, from);
            assert_eq!(
                at,
                naive(&b, from, |c| matches!(c, b'"' | b'\\' | 0..=0x1f))
            );
            seen += usize::from(at < b.len());
            from = at + 1;
        }
        assert_eq!(seen, 500);
    }

    #[test]
    fn digit_run_stops_at_every_offset() {
        for stop in 0..=255u8 {
            for at in 0..20 {
                let mut b = b"12345678901234567890".to_vec();
                b[at] = stop;
                let want = if stop.is_ascii_digit() { b.len() } else { at };
                assert_eq!(digit_run(&b, 0), want, "{stop:#x} at {at}");
                // A non-digit after the run (here one that carries when 6 is added).
                b.push(0xff);
                assert_eq!(digit_run(&b, 0), want, "{stop:#x} at {at}, then 0xff");
            }
        }
    }

    #[test]
    fn hex_table_agrees_with_from_str_radix() {
        for c in 0..=255u8 {
            let want = char::from(c).to_digit(16);
            let got = hex4([b'0', b'0', b'0', c]).map(u32::from);
            assert_eq!(got, want, "{c:#x}");
            for at in 0..4 {
                let mut h = *b"ABcd";
                h[at] = c;
                let text = core::str::from_utf8(&h).ok();
                let want = text
                    .filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|t| u16::from_str_radix(t, 16).ok());
                assert_eq!(hex4(h), want, "{c:#x} at {at}");
            }
        }
        assert_eq!(hex4_at(b"x00e9", 1), Some(0xe9));
        assert_eq!(hex4_at(b"x00e", 1), None);
    }
}
