//! When to reconnect: X's backoff rules with jitter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long to wait before reconnecting, by the kind of failure, after X's "Handling
/// disconnections" guide: network errors back off linearly (250 ms more each time, at most
/// 16 s), HTTP errors exponentially from 5 s (at most 320 s), rate limits exponentially from
/// one minute. Each wait is jittered down by up to [`Backoff::jitter`] of itself, so that many
/// clients cut off at once do not come back at once.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// The step of the linear backoff after network errors (X: 250 ms).
    pub network_step: Duration,
    /// The longest wait after network errors (X: 16 s).
    pub network_max: Duration,
    /// The first wait after an HTTP error (X: 5 s); doubles each time.
    pub http_first: Duration,
    /// The longest wait after HTTP errors (X: 320 s).
    pub http_max: Duration,
    /// The first wait after a 429 (X: 60 s); doubles each time.
    pub rate_limit_first: Duration,
    /// The longest wait after 429s.
    pub rate_limit_max: Duration,
    /// The share of each wait that is random (0.0 to 1.0): a wait `d` becomes a uniform draw
    /// from `[d * (1 - jitter), d]`.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            network_step: Duration::from_millis(250),
            network_max: Duration::from_secs(16),
            http_first: Duration::from_secs(5),
            http_max: Duration::from_secs(320),
            rate_limit_first: Duration::from_secs(60),
            rate_limit_max: Duration::from_secs(960),
            jitter: 0.5,
        }
    }
}

/// The kind of failure a wait follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Network,
    Http,
    RateLimited,
}

impl Backoff {
    /// Every wait scaled by `factor` (for tests and local emulators, which need not wait
    /// seconds).
    #[must_use]
    pub fn scaled(self, factor: f64) -> Backoff {
        let s = |d: Duration| d.mul_f64(factor.max(0.0));
        Backoff {
            network_step: s(self.network_step),
            network_max: s(self.network_max),
            http_first: s(self.http_first),
            http_max: s(self.http_max),
            rate_limit_first: s(self.rate_limit_first),
            rate_limit_max: s(self.rate_limit_max),
            jitter: self.jitter,
        }
    }

    /// The wait before attempt `n` (1 for the first retry) after `failure`, before jitter.
    pub(crate) fn base(&self, failure: Failure, n: u32) -> Duration {
        let n = n.max(1);
        match failure {
            Failure::Network => self.network_step.saturating_mul(n).min(self.network_max),
            Failure::Http => doubled(self.http_first, n).min(self.http_max),
            Failure::RateLimited => doubled(self.rate_limit_first, n).min(self.rate_limit_max),
        }
    }

    /// The jittered wait, with `unit` a uniform draw from `[0, 1)`.
    pub(crate) fn wait(&self, failure: Failure, n: u32, unit: f64) -> Duration {
        let base = self.base(failure, n);
        let jitter = self.jitter.clamp(0.0, 1.0);
        base.mul_f64(1.0 - jitter * unit.clamp(0.0, 1.0))
    }
}

fn doubled(first: Duration, n: u32) -> Duration {
    first.saturating_mul(1u32.checked_shl(n - 1).unwrap_or(u32::MAX))
}

/// A small xorshift generator for jitter (no cryptographic use), seeded from the clock.
#[derive(Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        #[allow(clippy::cast_possible_truncation)] // mixing bits; truncation intended
        let seed = (nanos as u64) ^ ((nanos >> 64) as u64) ^ 0x9E37_79B9_7F4A_7C15;
        Jitter(seed | 1)
    }

    /// A uniform draw from `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        // 53 bits are exact in an f64.
        #[allow(clippy::cast_precision_loss)]
        let (top, scale) = ((x >> 11) as f64, (1u64 << 53) as f64);
        top / scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_x_guidance() {
        let b = Backoff::default();
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(b.base(Failure::Network, 1)), 250);
        assert_eq!(ms(b.base(Failure::Network, 4)), 1000);
        assert_eq!(ms(b.base(Failure::Network, 1000)), 16_000);
        assert_eq!(ms(b.base(Failure::Http, 1)), 5000);
        assert_eq!(ms(b.base(Failure::Http, 3)), 20_000);
        assert_eq!(ms(b.base(Failure::Http, 40)), 320_000);
        assert_eq!(ms(b.base(Failure::RateLimited, 2)), 120_000);
        // Jitter only shortens, by at most half by default.
        for unit in [0.0, 0.3, 0.999] {
            let w = b.wait(Failure::Http, 1, unit);
            assert!(
                w <= Duration::from_secs(5) && w >= Duration::from_millis(2500),
                "{w:?}"
            );
        }
        assert_eq!(
            b.scaled(0.001).base(Failure::RateLimited, 1),
            Duration::from_millis(60)
        );
    }

    #[test]
    fn jitter_is_spread_over_the_unit_interval() {
        let mut j = Jitter::new();
        let draws: Vec<f64> = (0..1000).map(|_| j.unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let low = draws.iter().filter(|&&u| u < 0.5).count();
        assert!((350..650).contains(&low), "{low} of 1000 below 0.5");
    }
}
