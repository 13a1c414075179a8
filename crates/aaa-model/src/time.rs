//! Timestamps.
//!
//! X writes instants in four ways, and [`Timestamp`] reads all of them:
//!
//! | form | example | where |
//! |---|---|---|
//! | milliseconds, as a number | `1535937881233` | `timestamp_ms` of likes |
//! | milliseconds, as a string | `"1606541403440"` | `timestamp_ms` of posts, every `created_timestamp` |
//! | v1.1 `created_at` | `"Mon Sep 03 01:24:41 +0000 2018"` | posts, users, likes, poll end times |
//! | RFC 3339 | `"2018-05-24T09:48:12+00:00"`, `"2026-07-24T21:05:48.000Z"` | revokes, v2 answers |
//!
//! RFC 3339 parsing also takes a space instead of the `T`, a space before the offset, offsets
//! without a colon (`+0000`) and a missing offset (read as UTC), which covers the
//! `"2016-06-02 23:54:02 +0000"` style some v1.1 answers use. Fractions beyond milliseconds are
//! truncated.
//!
//! A `Timestamp` serializes as a JSON integer of milliseconds since the Unix epoch. Use
//! `#[serde(with = "aaa_model::time::rfc3339")]` to write an RFC 3339 string instead. The calendar
//! arithmetic is the proleptic Gregorian calendar, done here without a date library.

use core::fmt;
use core::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

const MS_PER_SEC: i64 = 1_000;
const MS_PER_DAY: i64 = 86_400_000;

/// An instant, as milliseconds since 1970-01-01T00:00:00Z (negative before).
///
/// Deserializes from any of the forms described in the [module docs](self); serializes as an
/// integer number of milliseconds. `Display` writes RFC 3339 with milliseconds in UTC
/// (`2018-09-03T01:24:41.000Z`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(i64);

/// The error returned when a string is not a timestamp in a form X uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimestampError {
    what: &'static str,
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid timestamp: {}", self.what)
    }
}

impl std::error::Error for ParseTimestampError {}

fn err(what: &'static str) -> ParseTimestampError {
    ParseTimestampError { what }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` 1-12, `day` 1-31).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Shift the year to start in March so that the leap day is the last day of the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400); // 0..=399
    let month_from_march = i64::from((month + 9) % 12); // March = 0 .. February = 11
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1; // 0..=365
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 = days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both casts are of values proven in range above (1..=31 and 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1-12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Milliseconds since the Unix epoch as RFC 3339 in UTC with milliseconds, e.g.
/// `2018-09-03T01:24:41.000Z`: how stored times (the gap journal's, the dashboard's) are shown.
pub fn rfc3339_from_millis(ms: i64) -> String {
    Timestamp::from_millis(ms).to_rfc3339()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// A timestamp from whole seconds since the Unix epoch (saturating).
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(MS_PER_SEC))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch, rounded down.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(MS_PER_SEC)
    }

    /// A timestamp from a UTC calendar date and time, or `None` if a field is out of range
    /// (`month` 1-12, `day` within the month, `hour` < 24, `minute` < 60, `second` <= 60 (a leap
    /// second reads as the next second), `millis` < 1000).
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        millis: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
            || millis > 999
            || !(-1_000_000..=1_000_000).contains(&year)
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
        Some(Timestamp(
            days * MS_PER_DAY + secs * MS_PER_SEC + i64::from(millis),
        ))
    }

    /// The UTC calendar fields `(year, month, day, hour, minute, second, millis)`.
    pub fn to_utc(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let (y, mo, d) = civil_from_days(days);
        // ms_of_day is in 0..86_400_000, so every field below fits in u32.
        let ms_of_day = u32::try_from(ms_of_day).unwrap_or(0);
        let secs = ms_of_day / 1_000;
        (
            y,
            mo,
            d,
            secs / 3_600,
            secs / 60 % 60,
            secs % 60,
            ms_of_day % 1_000,
        )
    }

    /// Parses any form X uses (see the [module docs](self)).
    ///
    /// # Errors
    ///
    /// When `s` is in none of the forms, or names an impossible date or time.
    pub fn parse(s: &str) -> Result<Self, ParseTimestampError> {
        let first = *s.as_bytes().first().ok_or(err("empty string"))?;
        if first.is_ascii_alphabetic() {
            Self::parse_created_at(s)
        } else if s.len() >= 10 && s.as_bytes()[4] == b'-' {
            Self::parse_rfc3339(s)
        } else {
            Self::parse_millis(s)
        }
    }

    /// Parses milliseconds since the epoch written as decimal digits (an optional leading `-`).
    ///
    /// # Errors
    ///
    /// When `s` is not an integer that fits in an `i64`.
    pub fn parse_millis(s: &str) -> Result<Self, ParseTimestampError> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected milliseconds as digits"));
        }
        s.parse::<i64>()
            .map(Timestamp)
            .map_err(|_| err("milliseconds out of range"))
    }

    /// Parses X's v1.1 `created_at` form, `"Mon Sep 03 01:24:41 +0000 2018"` (weekday, month
    /// name, day, time, UTC offset, year). The weekday is checked for shape but not for agreement
    /// with the date.
    ///
    /// # Errors
    ///
    /// When `s` is not in that form or names an impossible date or time.
    pub fn parse_created_at(s: &str) -> Result<Self, ParseTimestampError> {
        let mut parts = s.split(' ').filter(|p| !p.is_empty());
        let mut next = || {
            parts
                .next()
                .ok_or(err("expected \"Www Mmm DD HH:MM:SS +ZZZZ YYYY\""))
        };
        let weekday = next()?;
        let month = next()?;
        let day = next()?;
        let time = next()?;
        let offset = next()?;
        let year = next()?;
        if parts.next().is_some() {
            return Err(err("trailing characters after the year"));
        }
        if weekday.len() != 3 || !weekday.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(err("expected a three-letter weekday"));
        }
        let month = MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(month))
            .ok_or(err("unknown month name"))?;
        let month = u32::try_from(month).unwrap_or(0) + 1;
        if day.is_empty() || day.len() > 2 {
            return Err(err("expected a one- or two-digit day"));
        }
        let day = digits_u32(day.as_bytes()).ok_or(err("expected a numeric day"))?;
        let (hour, minute, second, millis, rest) = parse_time(time.as_bytes())?;
        if !rest.is_empty() {
            return Err(err("unexpected characters after the time"));
        }
        let offset_ms = parse_offset(offset.as_bytes())?;
        if year.len() != 4 {
            return Err(err("expected a four-digit year"));
        }
        let year = i64::from(digits_u32(year.as_bytes()).ok_or(err("expected a numeric year"))?);
        let local = Timestamp::from_utc(year, month, day, hour, minute, second, millis)
            .ok_or(err("date or time out of range"))?;
        Ok(Timestamp(local.0 - offset_ms))
    }

    /// Parses RFC 3339 (`"2018-05-24T09:48:12+00:00"`, `"2026-07-24T21:05:48.000Z"`), also
    /// taking a space for the `T`, a space before the offset, `+HHMM` / `+HH` offsets and a
    /// missing offset (UTC).
    ///
    /// # Errors
    ///
    /// When `s` is not in that form or names an impossible date or time.
    pub fn parse_rfc3339(s: &str) -> Result<Self, ParseTimestampError> {
        let b = s.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return Err(err("expected \"YYYY-MM-DDTHH:MM:SS\""));
        }
        let year = i64::from(digits_u32(&b[0..4]).ok_or(err("expected a numeric year"))?);
        let month = digits_u32(&b[5..7]).ok_or(err("expected a numeric month"))?;
        let day = digits_u32(&b[8..10]).ok_or(err("expected a numeric day"))?;
        let (hour, minute, second, millis, rest) = parse_time(&b[11..])?;
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        let offset_ms = if rest.is_empty() {
            0
        } else {
            parse_offset(rest)?
        };
        let local = Timestamp::from_utc(year, month, day, hour, minute, second, millis)
            .ok_or(err("date or time out of range"))?;
        Ok(Timestamp(local.0 - offset_ms))
    }

    /// Parses the `yyyymmddhhmm` form (UTC) of replay job `from_date` / `to_date` parameters.
    ///
    /// # Errors
    ///
    /// When `s` is not twelve digits naming a valid date and time.
    pub fn parse_yyyymmddhhmm(s: &str) -> Result<Self, ParseTimestampError> {
        let b = s.as_bytes();
        if b.len() != 12 {
            return Err(err("expected twelve digits yyyymmddhhmm"));
        }
        let f = |r: core::ops::Range<usize>| digits_u32(&b[r]).ok_or(err("expected digits"));
        Timestamp::from_utc(
            i64::from(f(0..4)?),
            f(4..6)?,
            f(6..8)?,
            f(8..10)?,
            f(10..12)?,
            0,
            0,
        )
        .ok_or(err("date or time out of range"))
    }

    /// Formats as RFC 3339 in UTC with milliseconds, e.g. `2018-09-03T01:24:41.000Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }

    /// Formats in X's v1.1 `created_at` form, e.g. `Mon Sep 03 01:24:41 +0000 2018`
    /// (milliseconds are dropped).
    pub fn to_created_at(self) -> String {
        let (y, mo, d, h, mi, s, _) = self.to_utc();
        let weekday =
            WEEKDAYS[usize::try_from(self.0.div_euclid(MS_PER_DAY).rem_euclid(7)).unwrap_or(0)];
        let month = MONTHS[(mo - 1) as usize];
        format!("{weekday} {month} {d:02} {h:02}:{mi:02}:{s:02} +0000 {y:04}")
    }

    /// Formats as `yyyymmddhhmm` in UTC (seconds are dropped), the form of replay job
    /// `from_date` / `to_date` parameters.
    pub fn to_yyyymmddhhmm(self) -> String {
        let (y, mo, d, h, mi, _, _) = self.to_utc();
        format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}")
    }
}

fn digits_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// Parses `HH:MM:SS` with an optional `.fraction`; returns the fields and what follows.
fn parse_time(b: &[u8]) -> Result<(u32, u32, u32, u32, &[u8]), ParseTimestampError> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return Err(err("expected \"HH:MM:SS\""));
    }
    let hour = digits_u32(&b[0..2]).ok_or(err("expected a numeric hour"))?;
    let minute = digits_u32(&b[3..5]).ok_or(err("expected numeric minutes"))?;
    let second = digits_u32(&b[6..8]).ok_or(err("expected numeric seconds"))?;
    let mut rest = &b[8..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix(b".").or_else(|| rest.strip_prefix(b",")) {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(err("expected digits after the decimal point"));
        }
        for (i, d) in frac[..n.min(3)].iter().enumerate() {
            millis += u32::from(d - b'0') * [100, 10, 1][i];
        }
        rest = &frac[n..];
    }
    Ok((hour, minute, second, millis, rest))
}

/// Parses `Z`, `z`, `+HH:MM`, `+HHMM` or `+HH` (and `-`), returning the offset in milliseconds.
fn parse_offset(b: &[u8]) -> Result<i64, ParseTimestampError> {
    if b == b"Z" || b == b"z" {
        return Ok(0);
    }
    let (sign, rest) = match b.split_first() {
        Some((b'+', rest)) => (1, rest),
        Some((b'-', rest)) => (-1, rest),
        _ => return Err(err("expected a UTC offset like Z, +00:00 or -0700")),
    };
    let (hh, mm) = match rest.len() {
        2 => (&rest[0..2], &b"00"[..]),
        4 => (&rest[0..2], &rest[2..4]),
        5 if rest[2] == b':' => (&rest[0..2], &rest[3..5]),
        _ => return Err(err("expected a UTC offset like Z, +00:00 or -0700")),
    };
    let hh = digits_u32(hh).ok_or(err("expected numeric offset hours"))?;
    let mm = digits_u32(mm).ok_or(err("expected numeric offset minutes"))?;
    if hh > 23 || mm > 59 {
        return Err(err("UTC offset out of range"));
    }
    Ok(sign * (i64::from(hh) * 3_600_000 + i64::from(mm) * 60_000))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day, hour, minute, second, millis) = self.to_utc();
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z"
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;
    fn from_str(s: &str) -> Result<Self, ParseTimestampError> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp: milliseconds (number or string), a created_at date or RFC 3339")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v)
            .map(Timestamp)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    #[allow(clippy::cast_possible_truncation)] // checked: integral and within i64 range
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e18 {
            Ok(Timestamp(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

/// Serde helpers that write a [`Timestamp`] as an RFC 3339 string and read any form:
/// `#[serde(with = "aaa_model::time::rfc3339")]`.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Timestamp;

    /// Writes `ts` as an RFC 3339 string in UTC with milliseconds.
    ///
    /// # Errors
    ///
    /// Whatever the serializer returns.
    pub fn serialize<S: Serializer>(ts: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(ts)
    }

    /// Reads a timestamp in any form X uses.
    ///
    /// # Errors
    ///
    /// When the value is not a timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        Timestamp::deserialize(deserializer)
    }

    /// The same for `Option<Timestamp>`: `#[serde(default, with = "aaa_model::time::rfc3339::option")]`.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::Timestamp;

        /// Writes `Some(ts)` as an RFC 3339 string and `None` as `null`.
        ///
        /// # Errors
        ///
        /// Whatever the serializer returns.
        pub fn serialize<S: Serializer>(
            ts: &Option<Timestamp>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match ts {
                Some(ts) => serializer.collect_str(ts),
                None => serializer.serialize_none(),
            }
        }

        /// Reads `null` or a timestamp in any form X uses.
        ///
        /// # Errors
        ///
        /// When the value is neither.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Timestamp>, D::Error> {
            Option::<Timestamp>::deserialize(deserializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_shown_as_rfc3339() {
        assert_eq!(rfc3339_from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_from_millis(1_535_937_881_007),
            "2018-09-03T01:24:41.007Z"
        );
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn civil_round_trips_across_eras() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2023));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(
            ts("2024-02-29T12:00:00Z").as_millis(),
            ts("2024-03-01T12:00:00Z").as_millis() - MS_PER_DAY
        );
        assert_eq!(
            ts("Thu Feb 29 00:00:00 +0000 2024"),
            ts("2024-02-29T00:00:00Z")
        );
        assert!(Timestamp::parse("2023-02-29T00:00:00Z").is_err());
        assert!(Timestamp::parse("Mon Feb 29 00:00:00 +0000 2100").is_err());
        assert!(Timestamp::parse("2000-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn created_at_form() {
        // 2018-09-03T01:24:41Z; the like that carried this created_at had timestamp_ms 1535937881233.
        let t = ts("Mon Sep 03 01:24:41 +0000 2018");
        assert_eq!(t.as_millis(), 1_535_937_881_000);
        assert_eq!(t.to_created_at(), "Mon Sep 03 01:24:41 +0000 2018");
        assert_eq!(
            ts("Sat Nov 28 05:30:03 +0000 2020").as_millis(),
            1_606_541_403_000
        );
        // Negative offset: 01:24:41 at -0700 is 08:24:41 UTC.
        assert_eq!(
            ts("Mon Sep 03 01:24:41 -0700 2018").as_millis(),
            t.as_millis() + 7 * 3_600_000
        );
        // Crossing midnight backwards with a positive offset.
        assert_eq!(
            ts("Mon Jan 01 00:30:00 +0100 2018"),
            ts("2017-12-31T23:30:00Z")
        );
        for bad in [
            "Mon Sep 03 01:24:41 +0000",
            "Mon Sept 03 01:24:41 +0000 2018",
            "Mon Sep 32 01:24:41 +0000 2018",
            "Mon Sep 03 24:00:00 +0000 2018",
            "Mon Sep 03 01:24:41 0000 2018",
            "Mon Sep 03 01:24:41 +0000 2018 x",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(
            ts("2018-05-24T09:48:12+00:00").as_millis(),
            1_527_155_292_000
        );
        assert_eq!(
            ts("2026-07-24T21:05:48.000Z").as_millis(),
            1_784_927_148_000
        );
        assert_eq!(
            ts("2026-07-24T21:05:48.123456Z").as_millis(),
            1_784_927_148_123
        );
        assert_eq!(ts("2026-07-24T21:05:48.5Z").as_millis(), 1_784_927_148_500);
        assert_eq!(ts("2018-05-24T02:48:12-07:00"), ts("2018-05-24T09:48:12Z"));
        assert_eq!(ts("2018-05-24T02:48:12-0700"), ts("2018-05-24T09:48:12Z"));
        assert_eq!(ts("2018-05-24 09:48:12 +0000"), ts("2018-05-24T09:48:12Z"));
        assert_eq!(ts("2018-05-24T09:48:12"), ts("2018-05-24T09:48:12Z"));
        assert_eq!(ts("1969-12-31T23:59:59.999Z").as_millis(), -1);
        for bad in [
            "2018-13-24T09:48:12Z",
            "2018-05-24T09:48:12+24:00",
            "2018-05-24T09:48:12.Z",
            "2018-05-24T09:48Z",
            "2018/05/24T09:48:12Z",
            "2018-05-24T09:48:12 UTC",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn millis_forms_and_serde() {
        let a: Timestamp = serde_json::from_str("1535937881233").unwrap();
        let b: Timestamp = serde_json::from_str(r#""1535937881233""#).unwrap();
        let c: Timestamp = serde_json::from_str("1535937881233.0").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(serde_json::to_string(&a).unwrap(), "1535937881233");
        assert_eq!(a.to_string(), "2018-09-03T01:24:41.233Z");
        assert_eq!(ts("-1000"), Timestamp::from_secs(-1));
        assert!(serde_json::from_str::<Timestamp>("1.5").is_err());
        assert!(serde_json::from_str::<Timestamp>(r#""""#).is_err());
        assert!(serde_json::from_str::<Timestamp>(r#""12x""#).is_err());
        assert!(serde_json::from_str::<Timestamp>("null").is_err());
        assert!(serde_json::from_str::<Timestamp>("true").is_err());
    }

    #[test]
    fn formatting() {
        let t = ts("2018-05-24T09:48:12+00:00");
        assert_eq!(t.to_rfc3339(), "2018-05-24T09:48:12.000Z");
        assert_eq!(format!("{t:?}"), "Timestamp(2018-05-24T09:48:12.000Z)");
        assert_eq!(t.to_yyyymmddhhmm(), "201805240948");
        assert_eq!(
            Timestamp::parse_yyyymmddhhmm("201805240948").unwrap(),
            ts("2018-05-24T09:48:00Z")
        );
        assert!(Timestamp::parse_yyyymmddhhmm("20180524094").is_err());
        assert_eq!(
            Timestamp::UNIX_EPOCH.to_created_at(),
            "Thu Jan 01 00:00:00 +0000 1970"
        );
        assert_eq!(
            Timestamp::from_millis(-1).to_string(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(Timestamp::from_millis(-1).as_secs(), -1);
    }

    #[test]
    fn rfc3339_serde_helpers() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct S {
            #[serde(with = "rfc3339")]
            at: Timestamp,
            #[serde(default, with = "rfc3339::option")]
            maybe: Option<Timestamp>,
        }
        let s = S {
            at: Timestamp::from_millis(1_527_155_292_000),
            maybe: None,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"at":"2018-05-24T09:48:12.000Z","maybe":null}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        let s2: S = serde_json::from_str(r#"{"at":1527155292000}"#).unwrap();
        assert_eq!(s2, s);
    }
}
