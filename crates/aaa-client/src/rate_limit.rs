//! `x-rate-limit-*` response headers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The rate-limit window X reported on a response (`x-rate-limit-limit`,
/// `x-rate-limit-remaining`, `x-rate-limit-reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: u64,
    /// Requests left in the window.
    pub remaining: u64,
    /// When the window resets (X sends epoch seconds).
    pub reset: SystemTime,
}

impl RateLimit {
    /// Reads the three headers; `None` unless all three are present and numeric (and the reset
    /// a time this system can hold).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        Some(RateLimit {
            limit: number("x-rate-limit-limit")?,
            remaining: number("x-rate-limit-remaining")?,
            reset: UNIX_EPOCH.checked_add(Duration::from_secs(number("x-rate-limit-reset")?))?,
        })
    }

    /// The reset time in epoch seconds.
    pub fn reset_epoch_secs(&self) -> u64 {
        self.reset
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// How long until the window resets (zero when it already has).
    pub fn until_reset(&self) -> Duration {
        self.reset
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", "15".parse().unwrap());
        h.insert("x-rate-limit-remaining", "14".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-rate-limit-reset", "1700000000".parse().unwrap());
        let rl = RateLimit::from_headers(&h).unwrap();
        assert_eq!((rl.limit, rl.remaining), (15, 14));
        assert_eq!(rl.reset_epoch_secs(), 1_700_000_000);
        assert_eq!(rl.until_reset(), Duration::ZERO);
        h.insert("x-rate-limit-remaining", "many".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&h), None);
    }

    #[test]
    fn a_reset_beyond_what_a_system_time_holds_is_no_rate_limit() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", "15".parse().unwrap());
        h.insert("x-rate-limit-remaining", "0".parse().unwrap());
        h.insert("x-rate-limit-reset", u64::MAX.to_string().parse().unwrap());
        assert_eq!(RateLimit::from_headers(&h), None);
    }
}
