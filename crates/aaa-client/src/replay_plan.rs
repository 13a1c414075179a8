//! Replay windows: X's rules for `from_date` / `to_date`, checked before any call, and the split
//! of a long window into consecutive jobs.
//!
//! X's rules (times are UTC, minute precision, written `yyyymmddhhmm`):
//!
//! - `from` is inclusive, `to` exclusive, and `from < to`;
//! - `from` is within the last 5 days and at least 31 minutes ago;
//! - `to` is at least 10 minutes ago;
//! - one job covers at most 5 days for the account-activity replay
//!   (`POST .../replay/webhooks/:id/subscriptions/all`, v1.1 and v2) and at most 24 hours for
//!   `POST /2/webhooks/replay`.
//!
//! A window longer than one job's maximum span is split into consecutive jobs, each starting
//! where the previous one ends, every one but the last covering the maximum span. With the
//! 5-day look-back that only ever happens for the 24-hour webhook replay (up to five jobs); the
//! account-activity replay's window always fits in one job. X runs one job per webhook at a
//! time, so the jobs are meant to be started one after another, each once the previous one has
//! ended.
//!
//! Every function here is pure: the current time is an argument.
//!
//! ```
//! use aaa_client::replay_plan::{ReplayKind, format_replay_time, parse_replay_time, plan_replay};
//!
//! let now = parse_replay_time("202605101200")?;
//! let from = parse_replay_time("202605081200")?;
//! let to = parse_replay_time("202605101100")?;
//! let jobs = plan_replay(ReplayKind::Webhook, from, to, now)?;
//! assert_eq!(jobs.len(), 2);
//! assert_eq!(format_replay_time(jobs[0].to), "202605091200");
//! assert_eq!(jobs[1].from, jobs[0].to);
//! # Ok::<(), aaa_client::replay_plan::ReplayPlanError>(())
//! ```

use std::fmt;

use aaa_model::Timestamp;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How far back `from` may reach: 5 days.
pub const MAX_LOOKBACK_MS: i64 = 5 * DAY_MS;
/// How recent `from` may be at the latest: 31 minutes ago.
pub const MIN_FROM_AGE_MS: i64 = 31 * MINUTE_MS;
/// How recent `to` may be at the latest: 10 minutes ago.
pub const MIN_TO_AGE_MS: i64 = 10 * MINUTE_MS;

/// Which replay endpoint a plan is for; it sets the longest span one job may cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplayKind {
    /// The account-activity replay of all of a webhook's subscriptions (v1.1 and v2,
    /// [`Client::replay`](crate::Client::replay)): at most 5 days per job.
    AccountActivity,
    /// The webhook replay, `POST /2/webhooks/replay`
    /// ([`Client::webhook_replay`](crate::Client::webhook_replay)): at most 24 hours per job.
    Webhook,
}

impl ReplayKind {
    /// The longest span one job may cover, in milliseconds.
    pub const fn max_span_ms(self) -> i64 {
        match self {
            ReplayKind::AccountActivity => 5 * DAY_MS,
            ReplayKind::Webhook => DAY_MS,
        }
    }

    /// A short lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReplayKind::AccountActivity => "account activity replay",
            ReplayKind::Webhook => "webhook replay",
        }
    }
}

impl fmt::Display for ReplayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One job's window: `from` inclusive, `to` exclusive, both whole UTC minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayWindow {
    /// The first minute replayed.
    pub from: Timestamp,
    /// The end of the window (not included).
    pub to: Timestamp,
}

impl ReplayWindow {
    /// The window's length in milliseconds.
    pub fn span_ms(&self) -> i64 {
        self.to.as_millis() - self.from.as_millis()
    }

    /// `from` as X's `from_date` (`yyyymmddhhmm`).
    pub fn from_date(&self) -> String {
        format_replay_time(self.from)
    }

    /// `to` as X's `to_date` (`yyyymmddhhmm`).
    pub fn to_date(&self) -> String {
        format_replay_time(self.to)
    }
}

/// Which end of a window an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bound {
    /// `from` (`from_date`).
    From,
    /// `to` (`to_date`).
    To,
}

impl Bound {
    const fn as_str(self) -> &'static str {
        match self {
            Bound::From => "from",
            Bound::To => "to",
        }
    }
}

/// A replay window that breaks one of X's rules (or a time that does not parse).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayPlanError {
    /// The text is not twelve digits `yyyymmddhhmm` naming a valid UTC minute.
    InvalidTime {
        /// The text given.
        input: String,
    },
    /// A time has seconds or milliseconds; replay times are whole minutes.
    NotWholeMinute {
        /// Which end.
        bound: Bound,
        /// The time given.
        time: Timestamp,
    },
    /// `from` is not before `to`.
    Empty {
        /// `from`.
        from: Timestamp,
        /// `to`.
        to: Timestamp,
    },
    /// `from` is more than 5 days ago.
    FromTooOld {
        /// `from`.
        from: Timestamp,
        /// The oldest whole minute allowed.
        oldest: Timestamp,
    },
    /// `from` is less than 31 minutes ago (or [`ReplayRules::min_from_age_ms`]).
    FromTooRecent {
        /// `from`.
        from: Timestamp,
        /// The latest whole minute allowed.
        latest: Timestamp,
        /// How old `from` must be, in milliseconds.
        min_age_ms: i64,
    },
    /// `to` is less than 10 minutes ago (or [`ReplayRules::min_to_age_ms`]).
    ToTooRecent {
        /// `to`.
        to: Timestamp,
        /// The latest whole minute allowed.
        latest: Timestamp,
        /// How old `to` must be, in milliseconds.
        min_age_ms: i64,
    },
}

impl fmt::Display for ReplayPlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = |t: &Timestamp| format_replay_time(*t);
        match self {
            ReplayPlanError::InvalidTime { input } => write!(
                f,
                "{input:?} is not a replay time: expected twelve digits yyyymmddhhmm (UTC)"
            ),
            ReplayPlanError::NotWholeMinute { bound, time } => write!(
                f,
                "{} {} has seconds; replay times are whole minutes (yyyymmddhhmm)",
                bound.as_str(),
                time.to_rfc3339()
            ),
            ReplayPlanError::Empty { from, to } => write!(
                f,
                "from {} is not before to {}; from is inclusive and to exclusive",
                t(from),
                t(to)
            ),
            ReplayPlanError::FromTooOld { from, oldest } => write!(
                f,
                "from {} is more than 5 days ago; the oldest allowed now is {}",
                t(from),
                t(oldest)
            ),
            ReplayPlanError::FromTooRecent {
                from,
                latest,
                min_age_ms,
            } => write!(
                f,
                "from {} is less than {} ago; the latest allowed now is {}",
                t(from),
                age_words(*min_age_ms),
                t(latest)
            ),
            ReplayPlanError::ToTooRecent {
                to,
                latest,
                min_age_ms,
            } => write!(
                f,
                "to {} is less than {} ago; the latest allowed now is {}",
                t(to),
                age_words(*min_age_ms),
                t(latest)
            ),
        }
    }
}

impl std::error::Error for ReplayPlanError {}

/// `31 minutes`, `1 minute`, `90 seconds`.
fn age_words(ms: i64) -> String {
    let (n, unit) = if ms % MINUTE_MS == 0 {
        (ms / MINUTE_MS, "minute")
    } else {
        (ms / 1000, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// How old a window's ends must be before X takes it. [`ReplayRules::X`] (the default) is X's
/// rule: `from` at least 31 minutes old and `to` at least 10; a local stand-in for X can be
/// told to take younger windows, so tests need not wait half an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayRules {
    /// How old `from` must be, in milliseconds (X: 31 minutes).
    pub min_from_age_ms: i64,
    /// How old `to` must be, in milliseconds (X: 10 minutes).
    pub min_to_age_ms: i64,
}

impl ReplayRules {
    /// X's rule: `from` at least 31 minutes old, `to` at least 10 minutes old.
    pub const X: ReplayRules = ReplayRules {
        min_from_age_ms: MIN_FROM_AGE_MS,
        min_to_age_ms: MIN_TO_AGE_MS,
    };

    /// The earliest time at which X takes `[from, to)` under these rules (the window must also
    /// still be within the 5-day look-back then: see [`ReplayRules::expires_at`]).
    pub fn due_at(&self, from: Timestamp, to: Timestamp) -> Timestamp {
        Timestamp::from_millis(
            from.as_millis()
                .saturating_add(self.min_from_age_ms)
                .max(to.as_millis().saturating_add(self.min_to_age_ms)),
        )
    }

    /// The last time at which X still takes a window starting at `from`: 5 days after it.
    pub fn expires_at(&self, from: Timestamp) -> Timestamp {
        Timestamp::from_millis(from.as_millis().saturating_add(MAX_LOOKBACK_MS))
    }
}

impl Default for ReplayRules {
    fn default() -> Self {
        ReplayRules::X
    }
}
/// Parses X's `yyyymmddhhmm` (UTC).
///
/// # Errors
///
/// [`ReplayPlanError::InvalidTime`] unless `s` is twelve digits naming a valid minute.
pub fn parse_replay_time(s: &str) -> Result<Timestamp, ReplayPlanError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ReplayPlanError::InvalidTime {
            input: s.to_owned(),
        });
    }
    Timestamp::parse_yyyymmddhhmm(s).map_err(|_| ReplayPlanError::InvalidTime {
        input: s.to_owned(),
    })
}

/// Formats as X's `yyyymmddhhmm` (UTC; seconds are dropped).
pub fn format_replay_time(t: Timestamp) -> String {
    t.to_yyyymmddhhmm()
}

/// `t` rounded down to a whole minute.
pub fn floor_minute(t: Timestamp) -> Timestamp {
    Timestamp::from_millis(
        t.as_millis()
            .saturating_sub(t.as_millis().rem_euclid(MINUTE_MS)),
    )
}

/// `t` rounded up to a whole minute.
pub fn ceil_minute(t: Timestamp) -> Timestamp {
    let floor = floor_minute(t);
    if floor == t {
        t
    } else {
        Timestamp::from_millis(floor.as_millis().saturating_add(MINUTE_MS))
    }
}

fn minus(now: Timestamp, ms: i64) -> Timestamp {
    Timestamp::from_millis(now.as_millis().saturating_sub(ms))
}

/// Checks one window against X's rules at `now`, whatever its length: whole minutes,
/// `from < to`, `from` within the last 5 days and at least 31 minutes ago, `to` at least 10
/// minutes ago.
///
/// # Errors
///
/// The first rule broken, in that order.
pub fn check_window(from: Timestamp, to: Timestamp, now: Timestamp) -> Result<(), ReplayPlanError> {
    check_window_with(ReplayRules::X, from, to, now)
}

/// [`check_window`] with other minimum ages (see [`ReplayRules`]).
///
/// # Errors
///
/// The first rule broken, in the order of [`check_window`].
pub fn check_window_with(
    rules: ReplayRules,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<(), ReplayPlanError> {
    for (bound, time) in [(Bound::From, from), (Bound::To, to)] {
        if floor_minute(time) != time {
            return Err(ReplayPlanError::NotWholeMinute { bound, time });
        }
    }
    if from >= to {
        return Err(ReplayPlanError::Empty { from, to });
    }
    let oldest = minus(now, MAX_LOOKBACK_MS);
    if from < oldest {
        return Err(ReplayPlanError::FromTooOld {
            from,
            oldest: ceil_minute(oldest),
        });
    }
    let latest_from = minus(now, rules.min_from_age_ms);
    if from > latest_from {
        return Err(ReplayPlanError::FromTooRecent {
            from,
            latest: floor_minute(latest_from),
            min_age_ms: rules.min_from_age_ms,
        });
    }
    let latest_to = minus(now, rules.min_to_age_ms);
    if to > latest_to {
        return Err(ReplayPlanError::ToTooRecent {
            to,
            latest: floor_minute(latest_to),
            min_age_ms: rules.min_to_age_ms,
        });
    }
    Ok(())
}

/// Checks `[from, to)` at `now` (see [`check_window`]) and splits it into consecutive jobs of
/// at most `kind`'s span ([`ReplayKind::max_span_ms`]), oldest first.
///
/// # Errors
///
/// As [`check_window`]; nothing is planned for a window that breaks a rule.
pub fn plan_replay(
    kind: ReplayKind,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<Vec<ReplayWindow>, ReplayPlanError> {
    plan_replay_with(ReplayRules::X, kind, from, to, now)
}

/// [`plan_replay`] with other minimum ages (see [`ReplayRules`]).
///
/// # Errors
///
/// As [`check_window_with`].
pub fn plan_replay_with(
    rules: ReplayRules,
    kind: ReplayKind,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<Vec<ReplayWindow>, ReplayPlanError> {
    check_window_with(rules, from, to, now)?;
    let span = kind.max_span_ms();
    let mut jobs = Vec::new();
    let mut start = from.as_millis();
    while start < to.as_millis() {
        let end = start.saturating_add(span).min(to.as_millis());
        jobs.push(ReplayWindow {
            from: Timestamp::from_millis(start),
            to: Timestamp::from_millis(end),
        });
        start = end;
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Timestamp {
        parse_replay_time(s).unwrap()
    }

    #[test]
    fn parses_and_formats() {
        assert_eq!(
            t("202605101234"),
            Timestamp::from_utc(2026, 5, 10, 12, 34, 0, 0).unwrap()
        );
        assert_eq!(format_replay_time(t("202402291159")), "202402291159");
        for bad in [
            "",
            "20260510123",
            "2026051012345",
            "202613101234",
            "202602301234",
            "202605102400",
            "202605101260",
            "+02605101234",
            "2026-05-10T1",
        ] {
            let e = parse_replay_time(bad).unwrap_err();
            assert_eq!(
                e,
                ReplayPlanError::InvalidTime {
                    input: bad.to_owned()
                }
            );
            assert!(e.to_string().contains("yyyymmddhhmm"), "{e}");
        }
    }

    #[test]
    fn each_rule_has_its_error() {
        let now = Timestamp::from_millis(t("202605101200").as_millis() + 25_000);
        let ok = check_window(t("202605051201"), t("202605101150"), now);
        assert_eq!(ok, Ok(()));

        let e = check_window(t("202605051200"), t("202605101100"), now).unwrap_err();
        assert_eq!(
            e,
            ReplayPlanError::FromTooOld {
                from: t("202605051200"),
                oldest: t("202605051201"),
            }
        );
        assert_eq!(
            e.to_string(),
            "from 202605051200 is more than 5 days ago; the oldest allowed now is 202605051201"
        );
        let e = check_window(t("202605101130"), t("202605101140"), now).unwrap_err();
        assert_eq!(
            e,
            ReplayPlanError::FromTooRecent {
                from: t("202605101130"),
                latest: t("202605101129"),
                min_age_ms: MIN_FROM_AGE_MS,
            }
        );
        assert!(e.to_string().contains("31 minutes"), "{e}");
        let e = check_window(t("202605101000"), t("202605101151"), now).unwrap_err();
        assert_eq!(
            e,
            ReplayPlanError::ToTooRecent {
                to: t("202605101151"),
                latest: t("202605101150"),
                min_age_ms: MIN_TO_AGE_MS,
            }
        );
        assert!(e.to_string().contains("10 minutes"), "{e}");
        let e = check_window(t("202605101000"), t("202605101000"), now).unwrap_err();
        assert!(matches!(e, ReplayPlanError::Empty { .. }), "{e:?}");
        assert!(e.to_string().contains("not before"), "{e}");
        let e = check_window(t("202605101001"), t("202605101000"), now).unwrap_err();
        assert!(matches!(e, ReplayPlanError::Empty { .. }), "{e:?}");
        let odd = Timestamp::from_millis(t("202605101000").as_millis() + 1);
        let e = check_window(odd, t("202605101100"), now).unwrap_err();
        assert_eq!(
            e,
            ReplayPlanError::NotWholeMinute {
                bound: Bound::From,
                time: odd
            }
        );
        assert!(e.to_string().contains("whole minutes"), "{e}");
        let e = check_window(t("202605101000"), odd, now).unwrap_err();
        assert!(
            matches!(
                e,
                ReplayPlanError::NotWholeMinute {
                    bound: Bound::To,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn boundaries_are_inclusive() {
        let now = t("202605101200");
        // Exactly 5 days, 31 minutes and 10 minutes ago are all allowed.
        assert_eq!(
            check_window(t("202605051200"), t("202605101150"), now),
            Ok(())
        );
        assert_eq!(
            check_window(t("202605101129"), t("202605101150"), now),
            Ok(())
        );
    }

    #[test]
    fn splits_webhook_replay_by_day() {
        let now = t("202605101200");
        let jobs = plan_replay(
            ReplayKind::Webhook,
            t("202605051200"),
            t("202605101150"),
            now,
        )
        .unwrap();
        let dates: Vec<(String, String)> =
            jobs.iter().map(|j| (j.from_date(), j.to_date())).collect();
        assert_eq!(
            dates,
            [
                ("202605051200", "202605061200"),
                ("202605061200", "202605071200"),
                ("202605071200", "202605081200"),
                ("202605081200", "202605091200"),
                ("202605091200", "202605101150"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let one = plan_replay(
            ReplayKind::AccountActivity,
            t("202605051200"),
            t("202605101150"),
            now,
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].span_ms(), 5 * DAY_MS - 10 * MINUTE_MS);
        let exact = plan_replay(
            ReplayKind::Webhook,
            t("202605081000"),
            t("202605091000"),
            now,
        )
        .unwrap();
        assert_eq!(exact.len(), 1);
    }

    /// The rules written out again, independently of `check_window`'s code.
    fn allowed(from: i64, to: i64, now: i64) -> bool {
        from % MINUTE_MS == 0
            && to % MINUTE_MS == 0
            && from < to
            && now - from <= 5 * 24 * 60 * MINUTE_MS
            && now - from >= 31 * MINUTE_MS
            && now - to >= 10 * MINUTE_MS
    }

    #[test]
    fn other_minimum_ages() {
        let t = |s: &str| parse_replay_time(s).unwrap();
        let now = t("202605101200");
        let quick = ReplayRules {
            min_from_age_ms: 60_000,
            min_to_age_ms: 0,
        };
        // X refuses a window that ended a minute ago; rules for a quick stand-in take it.
        assert!(check_window(t("202605101150"), t("202605101200"), now).is_err());
        assert_eq!(
            check_window_with(quick, t("202605101150"), t("202605101200"), now),
            Ok(())
        );
        let e = check_window_with(quick, t("202605101200"), t("202605101201"), now).unwrap_err();
        assert_eq!(
            e.to_string(),
            "from 202605101200 is less than 1 minute ago; the latest allowed now is 202605101159"
        );
        assert_eq!(
            plan_replay_with(
                quick,
                ReplayKind::Webhook,
                t("202605091100"),
                t("202605101200"),
                now
            )
            .unwrap()
            .len(),
            2
        );
        // When X takes a window: from 31 minutes old and to 10 minutes old, whichever is later.
        assert_eq!(
            ReplayRules::X.due_at(t("202605101000"), t("202605101005")),
            t("202605101031")
        );
        assert_eq!(
            ReplayRules::X.due_at(t("202605101000"), t("202605101100")),
            t("202605101110")
        );
        assert_eq!(
            ReplayRules::X.expires_at(t("202605101000")),
            t("202605151000")
        );
        assert_eq!(age_words(90_000), "90 seconds");
    }

    proptest! {
        #[test]
        fn plans_cover_the_window_in_order(
            now_ms in 1_700_000_000_000_i64..1_900_000_000_000,
            from_back in 0_i64..(6 * 24 * 60),
            len in -10_i64..(6 * 24 * 60),
            odd_ms in prop::sample::select(vec![0_i64, 0, 0, 1, 30_000]),
            webhook in any::<bool>(),
        ) {
            let kind = if webhook { ReplayKind::Webhook } else { ReplayKind::AccountActivity };
            let now = Timestamp::from_millis(now_ms);
            let from_ms = floor_minute(now).as_millis() - from_back * MINUTE_MS + odd_ms;
            let to_ms = from_ms - odd_ms + len * MINUTE_MS;
            let (from, to) = (Timestamp::from_millis(from_ms), Timestamp::from_millis(to_ms));
            match plan_replay(kind, from, to, now) {
                Ok(jobs) => {
                    prop_assert!(allowed(from_ms, to_ms, now_ms));
                    prop_assert_eq!(jobs[0].from, from);
                    prop_assert_eq!(jobs[jobs.len() - 1].to, to);
                    let span = kind.max_span_ms();
                    let want = usize::try_from((to_ms - from_ms + span - 1) / span).unwrap();
                    prop_assert_eq!(jobs.len(), want);
                    for (i, j) in jobs.iter().enumerate() {
                        prop_assert!(j.span_ms() > 0 && j.span_ms() <= span);
                        if i + 1 < jobs.len() {
                            prop_assert_eq!(j.span_ms(), span);
                            prop_assert_eq!(j.to, jobs[i + 1].from);
                        }
                        // Every job on its own keeps the rules, so each can be sent as it is.
                        prop_assert_eq!(check_window(j.from, j.to, now), Ok(()));
                        prop_assert_eq!(parse_replay_time(&j.from_date()), Ok(j.from));
                        prop_assert_eq!(parse_replay_time(&j.to_date()), Ok(j.to));
                    }
                }
                Err(e) => {
                    prop_assert!(!allowed(from_ms, to_ms, now_ms), "{e}");
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }

        #[test]
        fn formats_and_parses_back(minutes in 0_i64..(200 * 366 * 24 * 60)) {
            let t = Timestamp::from_millis(minutes * MINUTE_MS);
            let s = format_replay_time(t);
            prop_assert_eq!(s.len(), 12);
            prop_assert_eq!(parse_replay_time(&s), Ok(t));
        }
    }
}
