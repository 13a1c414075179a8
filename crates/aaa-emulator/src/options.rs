//! How the emulator behaves: CRC deadline, URL rules, rate limits, clock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time, seconds since the epoch. Tests inject a fixed or movable one.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> u64 + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        }))
    }

    /// A clock that calls `now`.
    pub fn from_fn(now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time, seconds since the epoch.
    pub fn now(&self) -> u64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Calls allowed per window for each rate-limited endpoint, per app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Webhook calls (register, list, trigger CRC, delete): X documents 15 per 15 minutes.
    pub webhooks: u32,
    /// Subscription calls (subscribe, check, count, list, deactivate): X documents 500 per 15
    /// minutes.
    pub subscriptions: u32,
    /// The window length.
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            webhooks: 15,
            subscriptions: 500,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The emulator's settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long a webhook has to answer a CRC GET (default 3 s, as X's v1.1 docs say).
    pub crc_deadline: Duration,
    /// Apply X's URL rules (https, no port, a public host). Off by default so webhooks on
    /// loopback over plain http, on any port, can be registered.
    pub strict_urls: bool,
    /// How far `oauth_timestamp` may be from the clock (default 5 minutes).
    pub timestamp_window: Duration,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// The clock.
    pub clock: Clock,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            crc_deadline: Duration::from_secs(3),
            strict_urls: false,
            timestamp_window: Duration::from_secs(5 * 60),
            rate_limits: RateLimits::default(),
            clock: Clock::system(),
        }
    }
}
