//! Byte-level helpers shared by the validating cursor (`cursor.rs`) and the trusting
//! deserializer (`de.rs`): the eight-bytes-at-a-time searches (SWAR bit tricks), the hex table
//! and the whitespace test. Every index goes through `get`, so no input reads out of bounds.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Marks (with the high bit) every byte of `w` that is `"`, `\` or below 0x20. Bytes above the
/// lowest marked one may be marked spuriously; the lowest mark is always exact.
#[inline(always)]
const fn string_specials(w: u64) -> u64 {
    // `^ 0x02` maps `"` to 0x20 and keeps the control bytes below 0x20, so one "below 0x21" test
    // finds both; `^ b'\\'` maps a backslash to zero. A subtraction borrows out of a byte only
    // when that byte is itself marked. Every byte of `t` and `u` has the high bit of the byte of
    // `w`, so `!w` keeps the marks of bytes below 0x80 for both.
    let t = w ^ (LO * 0x02);
    let u = w ^ (LO * b'\\' as u64);
    (t.wrapping_sub(LO * 0x21) | u.wrapping_sub(LO)) & !w & HI
}

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

/// Index of the first `"`, `\` or control byte at or after `i`, or `b.len()` if there is none.
#[inline(always)]
pub(crate) fn find_special(b: &[u8], i: usize) -> usize {
    find(b, i, string_specials, |c| {
        c == b'"' || c == b'\\' || c < 0x20
    })
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

    #[test]
    fn specials_mask_finds_the_first_special_byte() {
        for (i, special) in [b'"', b'\\', 0x00, 0x1f].into_iter().enumerate() {
            for at in 0..8 {
                let mut w = *b"abcdefgh";
                w[at] = special;
                let m = string_specials(u64::from_le_bytes(w));
                assert_eq!(m.trailing_zeros() as usize / 8, at, "case {i} at {at}");
            }
        }
        assert_eq!(string_specials(u64::from_le_bytes(*b"\xc3\xa9 ~!#$%")), 0);
    }

    fn naive(b: &[u8], from: usize, is: impl Fn(u8) -> bool) -> usize {
        (from..b.len()).find(|&i| is(b[i])).unwrap_or(b.len())
    }

    #[test]
    fn searches_stop_at_every_offset() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for len in 0..48 {
                for at in 0..=len {
                    let mut b = vec![b'a'; len];
                    if at < len {
                        b[at] = special;
                    }
                    // Bytes around the specials that are close to them in value.
                    b.extend_from_slice(b"\x7f !#[]\x80\xff");
                    for from in 0..=at.min(len) {
                        assert_eq!(
                            find_special(&b, from),
                            naive(&b, from, |c| matches!(c, b'"' | b'\\' | 0..=0x1f))
                        );
                        assert_eq!(
                            find_quote_or_backslash(&b, from),
                            naive(&b, from, |c| matches!(c, b'"' | b'\\'))
                        );
                        assert_eq!(find_backslash(&b, from), naive(&b, from, |c| c == b'\\'));
                    }
                }
            }
        }
        assert_eq!(find_special(b"abc", 3), 3);
        assert_eq!(find_special(b"abc", 7), 7);
        assert_eq!(find_backslash(b"abc", 0), 3);
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
