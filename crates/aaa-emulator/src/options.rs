//! How the emulator behaves: CRC deadline, URL rules, rate limits, clock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

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

/// Calls allowed per window for each rate-limited endpoint, per caller. Each endpoint has a
/// window of its own; the defaults are the figures of X's enterprise API reference for v1.1 and
/// of X's rate-limit table for the v2 webhook endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Register, validate (trigger CRC), delete and list webhooks through v1.1: X documents
    /// 15 per 15 minutes for each.
    pub webhooks: u32,
    /// `POST`, `GET`, `PUT` and `DELETE /2/webhooks`: X's rate-limit table gives 450 per
    /// 15 minutes for each.
    pub v2_webhooks: u32,
    /// Subscribe, check and deactivate (both forms): X documents 500 per 15 minutes for each.
    pub subscriptions: u32,
    /// `GET subscriptions/count`: X documents 15 per 15 minutes.
    pub count: u32,
    /// `GET webhooks/:id/subscriptions/all/list`: X documents 50 per 15 minutes.
    pub list_subscriptions: u32,
    /// The account-activity replay endpoints (v1.1 and v2): 5 per 15 minutes (X documents no
    /// figure for them).
    pub replay: u32,
    /// `POST /2/webhooks/replay`: X's rate-limit table gives 100 per 15 minutes.
    pub webhook_replay: u32,
    /// The window length.
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            webhooks: 15,
            v2_webhooks: 450,
            subscriptions: 500,
            count: 15,
            list_subscriptions: 50,
            replay: 5,
            webhook_replay: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl RateLimits {
    /// The same limit for every endpoint, in windows of `window`: for tests that exhaust a
    /// window quickly.
    pub fn uniform(per_window: u32, window: Duration) -> Self {
        Self {
            webhooks: per_window,
            v2_webhooks: per_window,
            subscriptions: per_window,
            count: per_window,
            list_subscriptions: per_window,
            replay: per_window,
            webhook_replay: per_window,
            window,
        }
    }
}

/// Faults injected into deliveries, drawn from a seeded generator so a run can be repeated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// Probability (0 to 1) that a delivery is sent a second time, as X sometimes does.
    pub duplicate: f64,
    /// Each first attempt waits a random time up to this long before it is sent.
    pub max_delay: Duration,
    /// Probability (0 to 1) that a delivery swaps places with the next one of the same batch.
    pub reorder: f64,
    /// The seed of the fault generator.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            duplicate: 0.0,
            max_delay: Duration::ZERO,
            reorder: 0.0,
            seed: 0,
        }
    }
}

/// How activities are delivered to webhooks.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// How long a webhook has to answer a delivery POST before the attempt counts as failed
    /// (default 3 s, as X's retry guide says).
    pub deadline: Duration,
    /// The wait before each retry of a delivery that did not get a 200. The default, three retries
    /// 25 s, 75 s and 200 s apart, spreads them over the five minutes X's retry guide describes.
    pub retry_delays: Vec<Duration>,
    /// How often every valid webhook is CRC-checked again; `None` never. X's enterprise
    /// reference describes a daily check, the default; the v2 pages say hourly. Set it short for
    /// fast tests.
    pub crc_interval: Option<Duration>,
    /// Injected faults; none by default.
    pub faults: Faults,
    /// The seed of the payload generator used by [`crate::Emulator::trigger`].
    pub seed: u64,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(3),
            retry_delays: vec![
                Duration::from_secs(25),
                Duration::from_secs(75),
                Duration::from_secs(200),
            ],
            crc_interval: Some(Duration::from_secs(24 * 60 * 60)),
            faults: Faults::default(),
            seed: 0,
        }
    }
}

/// How the X Activity API is emulated: its limits and the activity stream's timing.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ActivityOptions {
    /// Subscriptions an app may hold (X's self-serve tier: 1,500; enterprise 75,000; partner
    /// 150,000).
    pub subscription_limit: usize,
    /// Calls per window to each `/2/activity/subscriptions` endpoint, per app (X: 500 per 15
    /// minutes, in the window of [`RateLimits::window`]).
    pub rate_limit: u32,
    /// Activity stream connections open at once per app (X: 2).
    pub stream_connections: usize,
    /// Activity stream connection attempts per window per app (X: 450 per 15 minutes).
    pub stream_connects: u32,
    /// The keep-alive newline is sent after this long without an event (X: at least every
    /// 20 seconds).
    pub keepalive: Duration,
    /// Events queued for one stream connection before it is cut off as too slow.
    pub stream_buffer: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        Self {
            subscription_limit: 1_500,
            rate_limit: 500,
            stream_connections: 2,
            stream_connects: 450,
            keepalive: Duration::from_secs(20),
            stream_buffer: 10_000,
        }
    }
}

/// How old a replay window's ends must be before the emulator takes it. X's rule, the default:
/// `from_date` at least 31 minutes ago and `to_date` at least 10 minutes ago. Tests set shorter
/// ages so that a window can be replayed within seconds of its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayMinAge {
    /// How old `from_date` must be.
    pub from: Duration,
    /// How old `to_date` must be.
    pub to: Duration,
}

impl Default for ReplayMinAge {
    fn default() -> Self {
        Self {
            from: Duration::from_secs(31 * 60),
            to: Duration::from_secs(10 * 60),
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
    /// The clock. OAuth timestamps and rate-limit windows use it; event times and replay
    /// windows use it plus the offset that [`crate::Emulator::advance_clock`] adds.
    pub clock: Clock,
    /// Delivery, retries, periodic CRC and faults.
    pub delivery: Delivery,
    /// Root certificates trusted for `https` webhook URLs besides the webpki roots (for
    /// example the CA of a receiver's self-signed test certificate).
    pub tls_roots: Vec<rustls_pki_types::CertificateDer<'static>>,
    /// The X Activity API's limits and stream timing.
    pub activity: ActivityOptions,
    /// How old a replay window's ends must be (X's 31 and 10 minutes by default).
    pub replay_min_age: ReplayMinAge,
}

impl Options {
    /// Adds every certificate of the PEM file at `path` to [`Options::tls_roots`] and returns
    /// how many there were.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or holds no certificate.
    pub fn trust_pem_file(&mut self, path: &std::path::Path) -> Result<usize, Error> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect)
            .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(Error::config(format!(
                "{}: no certificate found",
                path.display()
            )));
        }
        let n = certs.len();
        self.tls_roots.extend(certs);
        Ok(n)
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            crc_deadline: Duration::from_secs(3),
            strict_urls: false,
            timestamp_window: Duration::from_secs(5 * 60),
            rate_limits: RateLimits::default(),
            clock: Clock::system(),
            delivery: Delivery::default(),
            tls_roots: Vec::new(),
            activity: ActivityOptions::default(),
            replay_min_age: ReplayMinAge::default(),
        }
    }
}
