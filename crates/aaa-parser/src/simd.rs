//! Sixteen bytes at a time: which bytes of a string need a closer look.
//!
//! This is the crate's one module with `unsafe` code, and its whole extent is the body of
//! [`string_specials`] on x86-64: an unaligned 16-byte load from a `&[u8; 16]` and SSE2
//! instructions on the loaded register.
//!
//! Safety argument:
//! - SSE2 is part of the x86-64 baseline: every x86-64 CPU has it and the compiler enables it
//!   for every x86-64 target (`cfg(target_feature = "sse2")`, checked below at compile time), so
//!   the intrinsics' only precondition, that the CPU supports SSE2, always holds.
//! - `_mm_loadu_si128` reads 16 bytes from a pointer with no alignment requirement; the pointer
//!   comes from a `&[u8; 16]`, so exactly the 16 bytes it reads are in bounds, initialized and
//!   not written while they are read.
//! - Every other intrinsic works on register values only.
//!
//! Other targets get the same function written with eight-byte SWAR arithmetic; the tests below
//! hold both to a byte-by-byte reference.
//!
//! Checked by: the unit tests here (every special byte at every position, every byte value,
//! against a byte-at-a-time reference), the scan's property tests and the `differential` fuzz
//! target (the scan against serde_json); Miri runs the unit tests of this module
//! (`cargo +nightly miri test -p aaa-parser simd`).

/// Bit `k` is set for each byte `chunk[k]` that is `"`, `\` or below 0x20.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn string_specials(chunk: &[u8; 16]) -> u32 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_xor_si128,
    };
    const _: () = assert!(cfg!(target_feature = "sse2"));
    // SAFETY: see the module documentation: SSE2 is always present on x86-64, and the load
    // reads exactly the 16 bytes of `chunk`.
    let mask = unsafe {
        // `loadu` has no alignment requirement, so the cast to a 16-aligned type is sound.
        #[allow(clippy::cast_ptr_alignment)]
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        // `^ 0x02` turns `"` into 0x20 and keeps every control byte below 0x20, so one unsigned
        // "at most 0x20" test (min(x, 0x20) == x) finds both.
        let t = _mm_xor_si128(v, _mm_set1_epi8(0x02));
        let quote_or_control = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(0x20)), t);
        // 0x5c is `\`.
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5c));
        _mm_movemask_epi8(_mm_or_si128(quote_or_control, backslash))
    };
    #[allow(clippy::cast_sign_loss)] // sixteen mask bits, never negative
    let mask = mask as u32;
    mask
}

/// Bit `k` is set for each byte `chunk[k]` that is `"`, `\` or below 0x20: the four quarters
/// of [`string_specials`], whose loads do not wait on each other.
#[inline(always)]
pub(crate) fn string_specials64(chunk: &[u8; 64]) -> u64 {
    let (q0, rest) = chunk.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    let (q1, rest) = rest.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    let (q2, rest) = rest.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    let (q3, _) = rest.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    u64::from(string_specials(q0))
        | (u64::from(string_specials(q1)) << 16)
        | (u64::from(string_specials(q2)) << 32)
        | (u64::from(string_specials(q3)) << 48)
}

/// Bit `k` is set for each byte `chunk[k]` that is `"`, `\` or below 0x20.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn string_specials(chunk: &[u8; 16]) -> u32 {
    string_specials_swar(chunk)
}

/// [`string_specials`] in portable eight-byte arithmetic (SWAR).
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline(always)]
fn string_specials_swar(chunk: &[u8; 16]) -> u32 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Exact per byte (no borrow crosses a byte): `(x | HI) - k` keeps a byte's high bit exactly
    // when the low seven bits of x are at least k.
    let half = |w: u64| {
        let t = w ^ (LO * 0x02);
        let u = w ^ (LO * u64::from(b'\\'));
        let below_0x21 = !((t | HI).wrapping_sub(LO * 0x21)) & !t & HI;
        let zero = !((u | HI).wrapping_sub(LO)) & !u & HI;
        // One bit per byte, byte k's at bit k: the multiplication moves byte k's bit to bit
        // 56 + k, and no two partial products meet.
        #[allow(clippy::cast_possible_truncation)] // the top byte
        let bits = (((below_0x21 | zero) >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
        bits
    };
    let (lo, hi) = chunk.split_at(8);
    let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or_default());
    half(word(lo)) | (half(word(hi)) << 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(chunk: &[u8; 16]) -> u32 {
        let mut m = 0;
        for (k, &c) in chunk.iter().enumerate() {
            if c == b'"' || c == b'\\' || c < 0x20 {
                m |= 1 << k;
            }
        }
        m
    }

    #[test]
    fn every_byte_value_at_every_position() {
        // Plain letters, and neighbours close in value to the specials with bytes that have the
        // high bit set.
        let backgrounds: [[u8; 16]; 2] = [
            *b"abcdefghijklmnop",
            [
                0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff, 0x20, 0x1f, 0x01, 0x22, 0x5c,
                0x00, 0xe3,
            ],
        ];
        for background in backgrounds {
            for c in 0..=255u8 {
                for at in 0..16 {
                    let mut chunk = background;
                    chunk[at] = c;
                    let want = reference(&chunk);
                    assert_eq!(string_specials(&chunk), want, "{c:#x} at {at}");
                    assert_eq!(string_specials_swar(&chunk), want, "{c:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn several_specials_in_one_chunk() {
        let chunk = *br#"a"b\c"#;
        let mut full = [b'x'; 16];
        full[..chunk.len()].copy_from_slice(&chunk);
        full[15] = 0x0a;
        assert_eq!(string_specials(&full), 0b1000_0000_0000_1010);
        assert_eq!(string_specials_swar(&full), 0b1000_0000_0000_1010);
    }
}
