//! X's limits on the activity stream connections of one app, which the client enforces for every
//! consumer it opens: connections open at once, and connection attempts per window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// X's limits on the activity stream for one app: at most `connections` open at once and
/// `connects` new connections per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamLimits {
    /// Connections open at once (X: 2).
    pub connections: usize,
    /// Connection attempts per window (X: 450).
    pub connects: usize,
    /// The window (X: 15 minutes).
    pub window: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            connections: 2,
            connects: 450,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl StreamLimits {
    /// Limits of `connections` at once and `connects` per `window`.
    pub fn new(connections: usize, connects: usize, window: Duration) -> Self {
        StreamLimits {
            connections: connections.max(1),
            connects: connects.max(1),
            window,
        }
    }
}

/// The times of recent connection attempts, to keep within `connects` per `window`.
#[derive(Debug)]
pub(crate) struct ConnectWindow {
    attempts: VecDeque<Instant>,
}

impl ConnectWindow {
    pub(crate) fn new() -> Self {
        ConnectWindow {
            attempts: VecDeque::new(),
        }
    }

    /// Records an attempt at `now` if one is allowed and returns `None`; otherwise returns how
    /// long until one is.
    pub(crate) fn try_take(&mut self, limits: &StreamLimits, now: Instant) -> Option<Duration> {
        while self
            .attempts
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= limits.window)
        {
            self.attempts.pop_front();
        }
        if self.attempts.len() < limits.connects {
            self.attempts.push_back(now);
            return None;
        }
        let oldest = self.attempts.front().copied().unwrap_or(now);
        Some((oldest + limits.window).saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connect_window_allows_n_per_window() {
        let limits = StreamLimits::new(2, 3, Duration::from_secs(60));
        let mut w = ConnectWindow::new();
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(w.try_take(&limits, t0 + Duration::from_secs(i)), None);
        }
        let wait = w.try_take(&limits, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(w.try_take(&limits, t0 + Duration::from_secs(60)), None);
    }
}
