//! The emulator's randomness, in one place: a seeded generator (splitmix64) for everything that
//! must repeat from a seed (generated payloads, injected faults), and the system generator for
//! everything that must not be guessable (credentials, ids, CRC tokens).

use ring::rand::{SecureRandom, SystemRandom};

use crate::error::Error;

/// splitmix64: tiny, fast, well mixed, and the same sequence for the same seed. Not for secrets.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub(crate) const fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with a chance of `percent` in 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniform draw in `[0, 1)`.
    pub(crate) fn fraction(&mut self) -> f64 {
        // 53 random bits as a fraction.
        #[allow(clippy::cast_precision_loss)]
        let f = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        f
    }

    /// One of `items` (which must not be empty).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let n = u64::try_from(items.len()).unwrap_or(u64::MAX);
        &items[usize::try_from(self.below(n)).unwrap_or(0)]
    }

    /// One of `words` (which must not be empty).
    pub(crate) fn word(&mut self, words: &[&'static str]) -> &'static str {
        let word: &&'static str = self.pick(words);
        word
    }

    /// `n` random ASCII letters and digits.
    pub(crate) fn alnum(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(*self.pick(ALPHANUMERIC)))
            .collect()
    }
}

/// The splitmix64 finalizer, a bijection on `u64`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A random positive 63-bit id from the system generator.
pub(crate) fn random_id() -> Result<u64, Error> {
    let mut buf = [0u8; 8];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::config("the system random generator failed"))?;
    Ok((u64::from_le_bytes(buf) >> 1).max(1))
}

/// `len` random ASCII letters and digits from the system generator, without modulo bias.
pub(crate) fn random_text(len: usize) -> Result<String, Error> {
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf)
            .map_err(|_| Error::config("the system random generator failed"))?;
        for &b in buf.iter().filter(|&&b| b < 248) {
            out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            if out.len() == len {
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_output() {
        // The first outputs of splitmix64 seeded with 0, from the reference implementation.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn fractions_are_spread_over_the_unit_interval() {
        let mut r = Rng::new(1);
        let draws: Vec<f64> = (0..1000).map(|_| r.fraction()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        let low = draws.iter().filter(|f| **f < 0.5).count();
        assert!((400..600).contains(&low), "{low}");
    }

    #[test]
    fn system_draws_have_the_asked_shape() {
        let text = random_text(100).unwrap();
        assert_eq!(text.len(), 100);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(random_text(20).unwrap(), random_text(20).unwrap());
        assert!(random_id().unwrap() > 0);
    }
}
