//! The state every part of a running emulator shares: the world behind one mutex, the options,
//! and the emulator's timeline (the clock plus whatever [`Shared::advance`] added).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::options::Options;
use crate::state::State;

/// The state, the options and the timeline offset.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    options: Options,
    /// Seconds added to the clock by [`Shared::advance`].
    offset: AtomicI64,
}

impl Shared {
    pub(crate) fn new(state: State, options: Options) -> Self {
        Self {
            state: Mutex::new(state),
            options,
            offset: AtomicI64::new(0),
        }
    }

    /// The state, locked. Never held across an `.await`.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// The emulator's time, seconds since the epoch: the clock plus the offset.
    pub(crate) fn now(&self) -> u64 {
        let base = self.options.clock.now();
        base.saturating_add_signed(self.offset.load(Ordering::SeqCst))
    }

    /// Moves the timeline by `secs` and returns the new [`Shared::now`].
    pub(crate) fn advance(&self, secs: i64) -> u64 {
        self.offset.fetch_add(secs, Ordering::SeqCst);
        self.now()
    }
}
